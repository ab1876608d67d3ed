# Test helpers shared by cvmm's test folders.
#
# cvmm_add_unit_test(NAME n SOURCES ... [LIBS ...])
#   A Criterion program that needs no KVM. Runs natively on x86_64 and under
#   qemu-aarch64-static in the aarch64 build.
#
# cvmm_add_kvm_test(NAME n SOURCES ... [LIBS ...] [HOSTS local emulated] [TIMEOUT s])
#   A Criterion program that drives real KVM. HOSTS says where it runs:
#     local     this machine's /dev/kvm (x86_64 builds only; skipped without /dev/kvm)
#     emulated  the emulated host of the build's architecture (tests/hosts), where all
#               such programs of one build share one boot
#   Default: local on x86_64, emulated on aarch64.
#
# A Criterion test that calls cr_skip_test() makes its ctest entry report a skip.
include_guard(GLOBAL)
find_package(PkgConfig REQUIRED)
pkg_check_modules(CRITERION REQUIRED IMPORTED_TARGET criterion)

set(CVMM_SKIP_REGEX "\\[SKIP\\]")

function(_cvmm_test_executable name)
  cmake_parse_arguments(A "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE ${A_LIBS} PkgConfig::CRITERION)
  target_include_directories(${name} PRIVATE "${CVMM_SOURCE_ROOT}/tests/common")
endfunction()

function(cvmm_add_unit_test)
  cmake_parse_arguments(A "" "NAME;TIMEOUT" "SOURCES;LIBS" ${ARGN})
  _cvmm_test_executable(${A_NAME} SOURCES ${A_SOURCES} LIBS ${A_LIBS})
  add_test(NAME ${A_NAME} COMMAND ${A_NAME} --jobs 1)
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 120)
  endif()
  set_tests_properties(${A_NAME} PROPERTIES TIMEOUT ${A_TIMEOUT} LABELS unit
    SKIP_REGULAR_EXPRESSION "${CVMM_SKIP_REGEX}")
endfunction()

function(cvmm_add_kvm_test)
  cmake_parse_arguments(A "" "NAME;TIMEOUT" "SOURCES;LIBS;HOSTS" ${ARGN})
  if(NOT A_HOSTS)
    if(CVMM_ARCH STREQUAL "x86_64")
      set(A_HOSTS local)
    else()
      set(A_HOSTS emulated)
    endif()
  endif()
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 120)
  endif()
  _cvmm_test_executable(${A_NAME} SOURCES ${A_SOURCES} LIBS ${A_LIBS})
  if("local" IN_LIST A_HOSTS AND CVMM_ARCH STREQUAL "x86_64" AND NOT CMAKE_CROSSCOMPILING)
    add_test(NAME ${A_NAME} COMMAND ${A_NAME} --jobs 1)
    set_tests_properties(${A_NAME} PROPERTIES TIMEOUT ${A_TIMEOUT} LABELS kvm
      SKIP_REGULAR_EXPRESSION "${CVMM_SKIP_REGEX}")
  endif()
  if("emulated" IN_LIST A_HOSTS)
    set_property(GLOBAL APPEND PROPERTY CVMM_EMULATED_HOST_TESTS ${A_NAME})
  endif()
endfunction()
