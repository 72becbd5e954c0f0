# cmake -DHPT=<hpt> -DOUT=<dir> -P HpTShellDocs.cmake: hpt(1) (gzipped, reproducibly) and the bash
# and zsh completions, written by the built hpt from its own --help option tables.
foreach(what man bash zsh)
  execute_process(COMMAND ${HPT} completion ${what} OUTPUT_VARIABLE text RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "hpt completion ${what} failed (${rc}): ${err}")
  endif()
  set(out_man ${OUT}/hpt.1)
  set(out_bash ${OUT}/hpt.bash)
  set(out_zsh ${OUT}/_hpt)
  file(WRITE ${out_${what}} "${text}")
endforeach()
# -n: no name or time stamp in the gzip header, so the .deb is reproducible.
execute_process(COMMAND gzip -9nf ${OUT}/hpt.1 RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gzip of ${OUT}/hpt.1 failed")
endif()
