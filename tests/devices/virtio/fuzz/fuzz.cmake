# libFuzzer harnesses of the virtio code (CVMM_FUZZ=ON, with clang):
#   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCVMM_FUZZ=ON
# Each harness is also a ctest test (label "fuzz") that runs for CVMM_FUZZ_SECONDS over
# its seed corpus (tests/devices/virtio/fuzz/corpus/<harness>), writing new inputs to
# the build tree only. Regenerate the seeds with gen_seeds.py.
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "CVMM_FUZZ needs clang (libFuzzer): configure with CMAKE_C_COMPILER=clang")
endif()
set(CVMM_FUZZ_SECONDS 30 CACHE STRING "Seconds each fuzz harness runs under ctest")

set(_fuzz_flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -g)
set(_fuzz_code_flags -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
    -g)

# The code under test needs coverage and sanitizer instrumentation too. It is compiled
# again here, into a library of its own, so that the regular libraries (and the unit tests
# linked with them) stay uninstrumented.
include(${CVMM_SOURCE_ROOT}/devices/src/virtio/virtio.cmake)
set(_fuzz_code ${CVMM_SOURCE_ROOT}/devices/src/irq.c ${CVMM_SOURCE_ROOT}/vm-memory/src/vm_memory.c)
foreach(src ${CVMM_DEVICES_VIRTIO_SOURCES})
  list(APPEND _fuzz_code ${CVMM_SOURCE_ROOT}/devices/${src})
endforeach()
add_library(cvmm_virtio_fuzz_code STATIC ${_fuzz_code})
target_include_directories(cvmm_virtio_fuzz_code PUBLIC
  ${CVMM_SOURCE_ROOT}/devices/include ${CVMM_SOURCE_ROOT}/vm-memory/include)
target_compile_options(cvmm_virtio_fuzz_code PRIVATE ${_fuzz_code_flags} -O1)

foreach(h virtq virtio_blk virtio_mmio)
  add_executable(fuzz_${h} ${CMAKE_CURRENT_LIST_DIR}/fuzz_${h}.c)
  target_compile_options(fuzz_${h} PRIVATE ${_fuzz_flags})
  target_link_options(fuzz_${h} PRIVATE ${_fuzz_flags})
  target_link_libraries(fuzz_${h} PRIVATE cvmm_virtio_fuzz_code Threads::Threads)
  set(_out ${CMAKE_CURRENT_BINARY_DIR}/fuzz-corpus-${h})
  file(MAKE_DIRECTORY ${_out})
  add_test(NAME fuzz_${h}
    COMMAND fuzz_${h} -max_total_time=${CVMM_FUZZ_SECONDS} -print_final_stats=1
            ${_out} ${CMAKE_CURRENT_LIST_DIR}/corpus/${h})
  set_tests_properties(fuzz_${h} PROPERTIES LABELS fuzz TIMEOUT 600)
endforeach()
