# The shared precompiled <torch/torch.h> (cmake/pch.h), used only where torch is.
#
# Why not in every translation unit: with GCC the .gch is about 570 MB and loading it costs
# about 5 s of CPU per translation unit, even for one that never names a tensor (an empty
# AUTOMOC mocs_compilation.cpp took 5 s with it, 0.05 s without). Half the sources (GUI,
# CLI, store, statistics, most tests) never include torch, so they skip it.
#
# hpt_use_pch(target) gives the PCH to the target's sources that include torch, directly or
# through the project's own headers (a scan of #include lines at configure time), and to its
# AUTOMOC file when a header moc reads includes torch. When no source needs it the target
# does not wait for the PCH at all. A stale scan (a header that starts including torch after
# the last configure) costs speed only: the unit then parses torch itself.

# Where the project's #include "…" / <…> names are looked up, besides the including file's folder.
set(HPT_INCLUDE_ROOTS
  ${PROJECT_SOURCE_DIR}/core/include ${PROJECT_SOURCE_DIR}/core ${PROJECT_SOURCE_DIR}/app
  ${PROJECT_SOURCE_DIR}/tests/common ${PROJECT_SOURCE_DIR}/plugins/models/common
  ${PROJECT_SOURCE_DIR}/plugins/datasets/common)

add_library(hpt_pch OBJECT ${PROJECT_SOURCE_DIR}/cmake/pch.cpp)
target_link_libraries(hpt_pch PUBLIC torch Qt6::Core)
target_precompile_headers(hpt_pch PUBLIC ${PROJECT_SOURCE_DIR}/cmake/pch.h)
set_target_properties(hpt_pch PROPERTIES AUTOMOC OFF)  # nothing to moc; saves a PCH load

# hpt_includes_torch(<file> <out>): TRUE when <file> includes torch/ATen/c10, directly or
# through a project header. Memoised per file in global properties.
function(hpt_includes_torch file out)
  get_property(known GLOBAL PROPERTY "HPT_TORCH_${file}" SET)
  if(known)
    get_property(r GLOBAL PROPERTY "HPT_TORCH_${file}")
    set(${out} ${r} PARENT_SCOPE)
    return()
  endif()
  set_property(GLOBAL PROPERTY "HPT_TORCH_${file}" FALSE)  # breaks include cycles
  set(r FALSE)
  file(STRINGS ${file} lines REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]")
  get_filename_component(dir ${file} DIRECTORY)
  foreach(line ${lines})
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*[<\"]([^>\"]+)[>\"].*" "\\1" name "${line}")
    if(name MATCHES "^(torch|ATen|c10)/")
      set(r TRUE)
      break()
    endif()
    foreach(root ${dir} ${HPT_INCLUDE_ROOTS})
      if(EXISTS ${root}/${name} AND NOT IS_DIRECTORY ${root}/${name})
        get_filename_component(dep ${root}/${name} ABSOLUTE)
        hpt_includes_torch(${dep} dep_torch)
        if(dep_torch)
          set(r TRUE)
        endif()
        break()
      endif()
    endforeach()
    if(r)
      break()
    endif()
  endforeach()
  set_property(GLOBAL PROPERTY "HPT_TORCH_${file}" ${r})
  set(${out} ${r} PARENT_SCOPE)
endfunction()

# hpt_use_pch(target): see the top of this file.
function(hpt_use_pch target)
  get_target_property(srcs ${target} SOURCES)
  get_target_property(src_dir ${target} SOURCE_DIR)
  get_target_property(bin_dir ${target} BINARY_DIR)
  set(torch_units 0)
  set(plain_units)
  set(moc_torch FALSE)
  foreach(s ${srcs})
    get_filename_component(abs ${s} ABSOLUTE BASE_DIR ${src_dir})
    if(NOT EXISTS ${abs})
      continue()
    endif()
    hpt_includes_torch(${abs} t)
    if(abs MATCHES "\\.(cpp|cc|cxx)$")
      if(t)
        math(EXPR torch_units "${torch_units} + 1")
      else()
        list(APPEND plain_units ${abs})
      endif()
      # AUTOMOC also reads the header beside each source (Foo.h beside Foo.cpp).
      string(REGEX REPLACE "\\.(cpp|cc|cxx)$" ".h" header ${abs})
      if(EXISTS ${header})
        hpt_includes_torch(${header} t)
      else()
        set(t FALSE)
      endif()
    endif()
    # A header's moc output lands in mocs_compilation.cpp, which then includes the header.
    if(t AND NOT moc_torch)
      if(abs MATCHES "\\.(cpp|cc|cxx)$")
        string(REGEX REPLACE "\\.(cpp|cc|cxx)$" ".h" abs ${abs})
      endif()
      file(STRINGS ${abs} qobj REGEX "Q_OBJECT|Q_GADGET|Q_NAMESPACE|Q_PLUGIN_METADATA")
      if(qobj)
        set(moc_torch TRUE)
      endif()
    endif()
  endforeach()
  if(torch_units EQUAL 0 AND NOT moc_torch)
    return()  # nothing here includes torch: no PCH, no wait for it
  endif()
  target_precompile_headers(${target} REUSE_FROM hpt_pch)
  if(plain_units)
    set_source_files_properties(${plain_units} TARGET_DIRECTORY ${target}
      PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
  endif()
  get_target_property(automoc ${target} AUTOMOC)
  if(automoc AND NOT moc_torch)
    set_source_files_properties(${bin_dir}/${target}_autogen/mocs_compilation.cpp TARGET_DIRECTORY ${target}
      PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
  endif()
endfunction()
