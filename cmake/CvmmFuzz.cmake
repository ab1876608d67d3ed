# libFuzzer harnesses (clang, with AddressSanitizer and UndefinedBehaviorSanitizer), built
# when CVMM_FUZZ is ON:   CC=clang cmake -S . -B build/fuzz -DCVMM_FUZZ=ON
#
# cvmm_fuzz_instrumented_copy(NAME lib TARGETS cvmm_devices cvmm_vm_memory ...)
#   A static library compiled again from the sources of the given library targets, with
#   coverage and sanitizer instrumentation, so the fuzzer is guided inside the code under
#   test while the regular libraries (and the unit tests linked with them) stay plain.
#
# cvmm_add_fuzzer(NAME fuzz_x SOURCES fuzz_x.c LIBS lib ... CORPUS dir [ARGS ...])
#   The harness, and a ctest test of the same name (label fuzz) that runs it for
#   CVMM_FUZZ_SECONDS from the seed corpus in CORPUS (ARGS: more libFuzzer options); new
#   inputs go to the build tree. Each run leaves a one-line report (executions, coverage,
#   corpus) in <build>/fuzz-reports/fuzz_x.txt (tests/common/run-fuzzer.sh). The target
#   cvmm_fuzzers builds every harness and nothing else (scripts/build.sh fuzz).
include_guard(GLOBAL)

option(CVMM_FUZZ "Build the libFuzzer harnesses (needs clang)" OFF)
set(CVMM_FUZZ_SECONDS 60 CACHE STRING "How long each fuzz harness runs under ctest")

set(CVMM_FUZZ_COMPILE_FLAGS -fsanitize=fuzzer-no-link,address,undefined
    -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1)
set(CVMM_FUZZ_LINK_FLAGS -fsanitize=fuzzer,address,undefined)

if(CVMM_FUZZ AND NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "CVMM_FUZZ needs clang (libFuzzer): configure with CC=clang")
endif()

function(cvmm_fuzz_instrumented_copy)
  cmake_parse_arguments(A "" "NAME" "TARGETS" ${ARGN})
  set(srcs "")
  set(incs "")
  set(libs "")
  foreach(t ${A_TARGETS})
    get_target_property(s ${t} SOURCES)
    get_target_property(d ${t} SOURCE_DIR)
    foreach(f ${s})
      if(IS_ABSOLUTE "${f}")
        list(APPEND srcs "${f}")
      else()
        list(APPEND srcs "${d}/${f}")
      endif()
    endforeach()
    list(APPEND incs "${d}/include")
    get_target_property(l ${t} LINK_LIBRARIES)
    if(NOT l)
      set(l "") # no LINK_LIBRARIES: l-NOTFOUND, which would make the whole list false
    endif()
    foreach(x ${l})
      if(NOT x MATCHES "^cvmm::")
        list(APPEND libs ${x})
      endif()
    endforeach()
  endforeach()
  add_library(${A_NAME} STATIC ${srcs})
  target_include_directories(${A_NAME} PUBLIC ${incs})
  foreach(t ${A_TARGETS})
    target_include_directories(${A_NAME} PUBLIC $<TARGET_PROPERTY:${t},INCLUDE_DIRECTORIES>)
    target_compile_definitions(${A_NAME} PUBLIC $<TARGET_PROPERTY:${t},COMPILE_DEFINITIONS>)
  endforeach()
  target_compile_options(${A_NAME} PRIVATE ${CVMM_FUZZ_COMPILE_FLAGS})
  if(libs)
    target_link_libraries(${A_NAME} PUBLIC ${libs})
  endif()
endfunction()

function(cvmm_add_fuzzer)
  cmake_parse_arguments(A "" "NAME;CORPUS" "SOURCES;LIBS;ARGS" ${ARGN})
  add_executable(${A_NAME} ${A_SOURCES})
  if(NOT TARGET cvmm_fuzzers)
    add_custom_target(cvmm_fuzzers)
  endif()
  add_dependencies(cvmm_fuzzers ${A_NAME})
  target_compile_options(${A_NAME} PRIVATE ${CVMM_FUZZ_COMPILE_FLAGS})
  target_link_options(${A_NAME} PRIVATE ${CVMM_FUZZ_LINK_FLAGS})
  target_link_libraries(${A_NAME} PRIVATE ${A_LIBS})
  set(work "${CMAKE_CURRENT_BINARY_DIR}/corpus-${A_NAME}")
  file(MAKE_DIRECTORY "${work}")
  file(MAKE_DIRECTORY "${CMAKE_BINARY_DIR}/fuzz-reports")
  add_test(NAME ${A_NAME}
    COMMAND sh "${CVMM_SOURCE_ROOT}/tests/common/run-fuzzer.sh"
            "${CMAKE_BINARY_DIR}/fuzz-reports/${A_NAME}.txt"
            $<TARGET_FILE:${A_NAME}> -max_total_time=${CVMM_FUZZ_SECONDS} -timeout=10
            -print_final_stats=1 ${A_ARGS} "${work}" ${A_CORPUS})
  math(EXPR limit "${CVMM_FUZZ_SECONDS} + 60")
  set_tests_properties(${A_NAME} PROPERTIES LABELS fuzz TIMEOUT ${limit})
endfunction()
