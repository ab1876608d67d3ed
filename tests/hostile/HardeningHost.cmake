# hardening_emulated_host(NAME boot SCRIPTS name=path ... FILES src:dst ...)
#
# Runs shell scripts in a boot of the emulated arm64 host of their own (tests/hosts/
# run-host.sh), rather than in the boot shared by every cvmm_add_kvm_test program and
# cvmm_add_emulated_host_script script, whose single time limit they would eat into: the
# hostile payload and the fault-injection guests take minutes of emulated time. The boot
# is the ctest entry NAME (fixture set-up, RUN_SERIAL so that no other emulator competes
# for the CPUs meanwhile); each script is reported as <script>@NAME. Exit status 77 of a
# script is a skip.
include_guard(GLOBAL)

function(hardening_emulated_host)
  cmake_parse_arguments(A "" "NAME;TIMEOUT" "SCRIPTS;FILES" ${ARGN})
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 900)
  endif()
  set(results "${CMAKE_CURRENT_BINARY_DIR}/results-${A_NAME}")
  set(args "")
  set(names "")
  foreach(s ${A_SCRIPTS})
    string(REGEX REPLACE "=.*" "" n "${s}")
    string(REGEX REPLACE "^[^=]*=" "" p "${s}")
    list(APPEND names ${n})
    list(APPEND args --file "${p}:/cvmm/scripts/${n}.sh" --cmd "${n}=sh /cvmm/scripts/${n}.sh")
  endforeach()
  foreach(f ${A_FILES})
    list(APPEND args --file "${f}")
  endforeach()
  math(EXPR ctest_limit "${A_TIMEOUT} + 60")
  add_test(NAME ${A_NAME}
    COMMAND "${CVMM_SOURCE_ROOT}/tests/hosts/run-host.sh" --arch aarch64 --gic 2
            --timeout ${A_TIMEOUT} --status host --results "${results}"
            --kvm-hold $<TARGET_FILE:kvm_hold> ${args})
  set_tests_properties(${A_NAME} PROPERTIES FIXTURES_SETUP ${A_NAME} TIMEOUT ${ctest_limit}
    LABELS emulated RUN_SERIAL TRUE)
  foreach(n ${names})
    add_test(NAME ${n}@${A_NAME}
      COMMAND "${CVMM_SOURCE_ROOT}/tests/hosts/check-result.sh" "${results}" ${n})
    set_tests_properties(${n}@${A_NAME} PROPERTIES FIXTURES_REQUIRED ${A_NAME}
      LABELS "emulated;kvm" SKIP_RETURN_CODE 77)
  endforeach()
endfunction()
