# hpt_add_plugin(NAME KIND SOURCES ...): a Qt plugin (MODULE library) of kind
# model, dataset or device, built into <build>/plugins/<kind>s/ and installed
# under lib/hpt/plugins/<kind>s/.
function(hpt_add_plugin name kind)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  set(target hpt_${kind}_${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE hptsdk ${ARG_LIBS})
  target_compile_options(${target} PRIVATE ${HPT_WARNINGS})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME ${name}
    PREFIX "libhpt_${kind}_"
    LIBRARY_OUTPUT_DIRECTORY ${HPT_BUILD_PLUGIN_DIR}/${kind}s
    # Installed plugins sit in lib/hpt/plugins/<kind>s/: libhptsdk is three up.
    INSTALL_RPATH "$ORIGIN/../../..")
  if(TARGET hpt_pch)
    hpt_use_pch(${target})
  endif()
  install(TARGETS ${target} LIBRARY DESTINATION ${HPT_INSTALL_PLUGIN_DIR}/${kind}s)
endfunction()
