# libFuzzer harnesses of the virtio code (cmake/CvmmFuzz.cmake), each run by ctest (label
# fuzz) from its seed corpus in corpus/<harness>. Regenerate the seeds with gen_seeds.py.
# devices_fuzz_lib, the instrumented copy of the devices and vm-memory libraries, comes
# from tests/devices/fuzz.
foreach(h virtq virtio_blk virtio_mmio)
  cvmm_add_fuzzer(NAME fuzz_${h} SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_${h}.c
    LIBS devices_fuzz_lib Threads::Threads CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/${h})
endforeach()
