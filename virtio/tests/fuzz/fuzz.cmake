# libFuzzer harnesses of the virtio code (cmake/CvmmFuzz.cmake), each run by ctest (label
# fuzz) from its seed corpus in corpus/<harness>. Regenerate the seeds with gen_seeds.py.
cvmm_fuzz_instrumented_copy(NAME virtio_fuzz_lib TARGETS cvmm_virtio cvmm_devices cvmm_vm_memory)
foreach(h virtq virtio_blk virtio_mmio virtio_net)
  cvmm_add_fuzzer(NAME fuzz_${h} SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_${h}.c
    LIBS virtio_fuzz_lib Threads::Threads CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/${h})
endforeach()
# Device state: restore from arbitrary bytes (seeds written by the test virtio_state_seeds).
cvmm_add_fuzzer(NAME fuzz_virtio_state SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_virtio_state.c
  LIBS virtio_fuzz_lib Threads::Threads CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/virtio_state)
