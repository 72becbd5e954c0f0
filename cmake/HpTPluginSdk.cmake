# hpt_add_plugin(NAME KIND SOURCES ...) for plugins built out of tree against
# an installed HpT (find_package(HpT)). KIND is model, dataset or device.
# The plugin lands in <build>/plugins/<kind>s/ (point `hpt --plugin-dir` or
# HPT_PLUGIN_PATH there) and installs into <prefix>/<HPT_INSTALL_PLUGIN_DIR>/<kind>s/.
function(hpt_add_plugin name kind)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  if(NOT kind MATCHES "^(model|dataset|device)$")
    message(FATAL_ERROR "hpt_add_plugin(${name} ${kind}): KIND must be model, dataset or device")
  endif()
  set(CMAKE_AUTOMOC ON)
  set(target hpt_${kind}_${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  set_target_properties(${target} PROPERTIES AUTOMOC ON CXX_STANDARD 17 OUTPUT_NAME ${name} PREFIX "libhpt_${kind}_"
    LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/plugins/${kind}s)
  target_link_libraries(${target} PRIVATE HpT::sdk ${ARG_LIBS})
  install(TARGETS ${target} LIBRARY DESTINATION ${HPT_INSTALL_PLUGIN_DIR}/${kind}s)
endfunction()
