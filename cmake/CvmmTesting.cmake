# Test helpers shared by cvmm's test folders.
#
# cvmm_add_unit_test(NAME n SOURCES ... [LIBS ...])
#   A Criterion program that needs no KVM. Runs natively on x86_64 and under
#   qemu-aarch64-static in the aarch64 build.
#
# CVMM_KVM_TESTS (cache variable, native x86_64 builds): where the tests that want this
#   machine's own KVM run.
#     auto      here when /dev/kvm can create a VM (tests/common/kvm_probe.c, run at
#               configure time), else in the emulated x86_64 host (the default)
#     local     here (they fail where /dev/kvm cannot be used)
#     emulated  in the emulated x86_64 host, as on a machine without /dev/kvm
#   The outcome is CVMM_LOCAL_KVM (ON or OFF). scripts/build.sh passes the environment
#   variable CVMM_KVM_TESTS on, so `CVMM_KVM_TESTS=emulated scripts/test.sh` forces it.
#
# cvmm_add_kvm_test(NAME n SOURCES ... [LIBS ...] [HOSTS local emulated] [TIMEOUT s])
#   A Criterion program that drives real KVM. HOSTS says where it runs:
#     local     this machine's /dev/kvm (x86_64 builds only); where that cannot be
#               used (CVMM_LOCAL_KVM OFF), the emulated x86_64 host's second boot
#     emulated  the emulated host of the build's architecture (tests/hosts), where all
#               such programs of one build share one boot
#   Default: local on x86_64, emulated on aarch64. ONLY_GIC 2 or 3 (aarch64) keeps the
#   program to the arm64 host with that vGIC (a test of one vGIC's interface).
#
# cvmm_add_kvm_script(NAME n SCRIPT file.sh [INPUTS file-or-genex ...] [ARGS ...]
#                     [HOST_FILES /abs/path ...] [TIMEOUT s] [LABELS ...])
#   A shell script that needs x86_64 KVM (native x86_64 builds), run as
#   `sh file.sh INPUT... WORKDIR ARG...`. With CVMM_LOCAL_KVM, here: the inputs' own
#   paths and a work folder in the build tree. Otherwise in the emulated x86_64 host's
#   second boot (reported as n@emulated-x86_64-host2-6.12): each input copied to /data/n.K
#   (K counts from 1), the work folder /tmp/n, and each HOST_FILES path (what the
#   script needs from this machine, such as valgrind) copied to the same path there,
#   an ELF with the libraries it needs. Exit status 77 is a skip.
#
# Where this machine's KVM cannot be used, the programs and scripts meant for it run in a
# second boot of the emulated x86_64 host (emulated-x86_64-host2-6.12), beside the first,
# so that the two boots share the work (and the machine's cores) instead of one doing
# all. That boot runs the second host kernel (tests/hosts/CMakeLists.txt).
#
# cvmm_add_emulated_host_script(NAME n SCRIPT file.sh [FILES file-or-genex ...] [ARGS ...]
#                               [GICV3] [GICV3_ONLY] [HOST2] [SECOND_BOOT])
#   A shell script run by busybox sh inside the emulated host of the build's architecture,
#   in the same boot as the KVM test programs. FILES are copied to /data/<basename> first
#   (generator expressions such as $<TARGET_FILE:vmm-ref> work), or to DST for SRC:DST.
#   ARGS are given to the script. Exit status 77 is a skip. GICV3 (aarch64): it also runs
#   in the GICv3 host's boot, reported as n@emulated-aarch64-gicv3-host-6.12 (for what
#   depends on the vGIC's version, such as its state in a snapshot, or on the host
#   kernel: that boot runs the second host kernel, CVMM_HOST_KERNEL2). GICV3_ONLY
#   (aarch64): it runs in that boot alone (in the first, when CVMM_HOST_GICV3 is off), for
#   a long test whose subject does not depend on the vGIC or the host kernel. HOST2 (x86_64):
#   it also runs in the x86_64 host's second boot, on the second host kernel, reported as
#   n@emulated-x86_64-host2-6.12. SECOND_BOOT (x86_64): it runs in that second boot only.
#
# cvmm_add_arm64_image_payload(NAME n SOURCE file.S [OUTPUT_VARIABLE var])
#   A bare-metal arm64 guest for vmm-ref (aarch64 builds): the assembly source, which
#   begins with an arm64 Image header with text_offset 0, is linked at the start of
#   vmm-ref's RAM (0x8000_0000, where its Image loader puts such an Image) and made a flat
#   binary <build dir>/<n>.img, built by the target n. var gets the image's path. The
#   source may #include "baremetal_uart_aarch64.inc" (tests/common: puts, puthex).
#
# cvmm_add_x86_64_elf_payload(NAME n SOURCE file.S [OUTPUT_VARIABLE var])
#   A bare-metal x86_64 guest for vmm-ref (native x86_64 builds): the assembly source,
#   whose _start runs in 64-bit mode, linked at 1 MiB by tests/common/x86_64_payload.ld
#   into the ELF <build dir>/<n>.elf, which vmm-ref loads as an ELF vmlinux. Built by the
#   target n; var gets the ELF's path. The source may #include "baremetal_x86_64.inc"
#   (tests/common: COM1, ACPI power-off, puts).
#
# cvmm_add_ext4_image(OUTPUT path)
#   An empty 16 MiB ext4 image at path (no journal, no metadata checksums), made on the
#   build machine with mkfs.ext4, for the end-to-end tests' virtio-blk disks; the caller
#   makes a target depend on path.
#
# A Criterion program one of whose tests calls cr_skip_test() (and none fails) is
# reported by ctest as skipped, with the [SKIP] lines in its output.
include_guard(GLOBAL)
# The KVM tests' guests are written in assembly.
enable_language(ASM)
# Criterion: from pkg-config natively. In the aarch64 cross build it comes from the arm64
# sysroot, whose criterion.pc names .pc files of private dependencies the sysroot lacks,
# so the library is found directly there.
if(CMAKE_CROSSCOMPILING)
  find_library(CVMM_CRITERION_LIBRARY criterion REQUIRED)
  find_path(CVMM_CRITERION_INCLUDE criterion/criterion.h REQUIRED)
  add_library(cvmm_criterion INTERFACE)
  target_link_libraries(cvmm_criterion INTERFACE ${CVMM_CRITERION_LIBRARY})
  target_include_directories(cvmm_criterion SYSTEM INTERFACE ${CVMM_CRITERION_INCLUDE})
  find_program(CVMM_QEMU_USER qemu-aarch64-static REQUIRED)
  # Criterion re-executes the test program for each test; see qemu_user_exec.c.
  add_library(cvmm_qemu_user_exec STATIC "${CMAKE_CURRENT_LIST_DIR}/../tests/common/qemu_user_exec.c")
  target_compile_definitions(cvmm_qemu_user_exec PRIVATE
    CVMM_TEST_EMULATOR="${CVMM_QEMU_USER}" CVMM_TEST_SYSROOT="${CVMM_ARM64_SYSROOT}")
  target_link_libraries(cvmm_criterion INTERFACE
    -Wl,--whole-archive cvmm_qemu_user_exec -Wl,--no-whole-archive)
else()
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(CRITERION REQUIRED IMPORTED_TARGET criterion)
  add_library(cvmm_criterion INTERFACE)
  target_link_libraries(cvmm_criterion INTERFACE PkgConfig::CRITERION)
endif()

set(CVMM_KVM_TESTS "$ENV{CVMM_KVM_TESTS}" CACHE STRING
  "Where tests for this machine's KVM run: auto, local or emulated")
if(NOT CVMM_KVM_TESTS)
  set(CVMM_KVM_TESTS auto CACHE STRING "" FORCE)
endif()
if(NOT CVMM_KVM_TESTS MATCHES "^(auto|local|emulated)$")
  message(FATAL_ERROR "CVMM_KVM_TESTS is '${CVMM_KVM_TESTS}': auto, local or emulated")
endif()
set(CVMM_LOCAL_KVM OFF)
if(CVMM_ARCH STREQUAL "x86_64" AND NOT CMAKE_CROSSCOMPILING)
  if(CVMM_KVM_TESTS STREQUAL "local")
    set(CVMM_LOCAL_KVM ON)
  elseif(CVMM_KVM_TESTS STREQUAL "auto")
    # try_run() caches its results: probe afresh at every configure.
    unset(_cvmm_kvm_probe_rc CACHE)
    unset(_cvmm_kvm_probe_built CACHE)
    try_run(_cvmm_kvm_probe_rc _cvmm_kvm_probe_built "${CMAKE_BINARY_DIR}/kvm-probe"
      "${CMAKE_CURRENT_LIST_DIR}/../tests/common/kvm_probe.c"
      RUN_OUTPUT_VARIABLE _cvmm_kvm_probe_out)
    if(_cvmm_kvm_probe_built AND _cvmm_kvm_probe_rc EQUAL 0)
      set(CVMM_LOCAL_KVM ON)
    endif()
    string(STRIP "${_cvmm_kvm_probe_out}" _cvmm_kvm_probe_out)
    message(STATUS "KVM tests: this machine's /dev/kvm: ${_cvmm_kvm_probe_out}")
  endif()
  if(CVMM_LOCAL_KVM)
    message(STATUS "KVM tests: x86_64 ones run on this machine's /dev/kvm")
  else()
    message(STATUS "KVM tests: x86_64 ones run in the emulated x86_64 host")
  endif()
endif()

# CVMM_CACHE_DIR: the artefacts scripts/fetch-artefacts.sh caches (Debian's guest
# kernels, busybox, the emulated hosts' kernels): $CVMM_CACHE, else build/cache in the
# source tree.
if(DEFINED ENV{CVMM_CACHE})
  set(CVMM_CACHE_DIR "$ENV{CVMM_CACHE}")
else()
  set(CVMM_CACHE_DIR "${CVMM_SOURCE_ROOT}/build/cache")
endif()

# cvmm_require_artefacts(WHAT path...): stops the configure, saying how to get them, when
# one of the cached artefacts a test folder needs is missing.
function(cvmm_require_artefacts what)
  foreach(p ${ARGN})
    if(NOT EXISTS "${p}")
      message(FATAL_ERROR "${what} need ${p}, which is not there: run scripts/setup.sh "
        "(or scripts/fetch-artefacts.sh), or configure with -DCVMM_BUILD_TESTS=OFF")
    endif()
  endforeach()
endfunction()

# Criterion programs run through tests/common/run-criterion.sh, which turns "passed, but
# some tests skipped themselves" into exit status 77, reported by ctest as a skip.
set(CVMM_RUN_CRITERION "${CMAKE_CURRENT_LIST_DIR}/../tests/common/run-criterion.sh")

function(_cvmm_test_executable name)
  cmake_parse_arguments(A "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE ${A_LIBS} cvmm_criterion)
  target_include_directories(${name} PRIVATE "${CVMM_SOURCE_ROOT}/tests/common")
endfunction()

function(cvmm_add_unit_test)
  cmake_parse_arguments(A "" "NAME;TIMEOUT" "SOURCES;LIBS" ${ARGN})
  _cvmm_test_executable(${A_NAME} SOURCES ${A_SOURCES} LIBS ${A_LIBS})
  add_test(NAME ${A_NAME}
    COMMAND "${CVMM_RUN_CRITERION}" ${CMAKE_CROSSCOMPILING_EMULATOR} $<TARGET_FILE:${A_NAME}>)
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 120)
  endif()
  set_tests_properties(${A_NAME} PROPERTIES TIMEOUT ${A_TIMEOUT} LABELS unit
    SKIP_RETURN_CODE 77)
endfunction()

function(cvmm_add_kvm_test)
  cmake_parse_arguments(A "" "NAME;TIMEOUT;ONLY_GIC" "SOURCES;LIBS;HOSTS" ${ARGN})
  if(A_ONLY_GIC)
    set_property(GLOBAL PROPERTY CVMM_EMULATED_HOST_ONLY_GIC_${A_NAME} ${A_ONLY_GIC})
  endif()
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
    if(CVMM_LOCAL_KVM)
      add_test(NAME ${A_NAME} COMMAND "${CVMM_RUN_CRITERION}" $<TARGET_FILE:${A_NAME}>)
      set_tests_properties(${A_NAME} PROPERTIES TIMEOUT ${A_TIMEOUT} LABELS kvm
        SKIP_RETURN_CODE 77)
    elseif(NOT "emulated" IN_LIST A_HOSTS)
      # Instead of this machine's KVM: the emulated host's second boot (tests/hosts).
      set_property(GLOBAL APPEND PROPERTY CVMM_EMULATED_HOST2_TESTS ${A_NAME})
    endif()
  endif()
  if("emulated" IN_LIST A_HOSTS)
    set_property(GLOBAL APPEND PROPERTY CVMM_EMULATED_HOST_TESTS ${A_NAME})
  endif()
endfunction()

function(cvmm_add_arm64_image_payload)
  cmake_parse_arguments(P "" "NAME;SOURCE;OUTPUT_VARIABLE" "" ${ARGN})
  get_filename_component(src "${P_SOURCE}" ABSOLUTE)
  set(elf "${CMAKE_CURRENT_BINARY_DIR}/${P_NAME}.elf")
  set(img "${CMAKE_CURRENT_BINARY_DIR}/${P_NAME}.img")
  add_custom_command(OUTPUT "${img}"
    COMMAND "${CMAKE_C_COMPILER}" -nostdlib -nostartfiles -static -Wl,-Ttext=0x80000000
            -Wl,--build-id=none "-I${CVMM_SOURCE_ROOT}/tests/common" -o "${elf}" "${src}"
    COMMAND "${CMAKE_OBJCOPY}" -O binary "${elf}" "${img}"
    DEPENDS "${src}" "${CVMM_SOURCE_ROOT}/tests/common/baremetal_uart_aarch64.inc"
    COMMENT "arm64 Image payload ${P_NAME}" VERBATIM)
  add_custom_target(${P_NAME} ALL DEPENDS "${img}")
  if(P_OUTPUT_VARIABLE)
    set(${P_OUTPUT_VARIABLE} "${img}" PARENT_SCOPE)
  endif()
endfunction()

function(cvmm_add_x86_64_elf_payload)
  cmake_parse_arguments(P "" "NAME;SOURCE;OUTPUT_VARIABLE" "" ${ARGN})
  get_filename_component(src "${P_SOURCE}" ABSOLUTE)
  set(ld "${CVMM_SOURCE_ROOT}/tests/common/x86_64_payload.ld")
  set(elf "${CMAKE_CURRENT_BINARY_DIR}/${P_NAME}.elf")
  add_custom_command(OUTPUT "${elf}"
    COMMAND "${CMAKE_C_COMPILER}" -nostdlib -nostartfiles -static -no-pie
            -Wl,--build-id=none "-Wl,-T,${ld}" "-I${CVMM_SOURCE_ROOT}/tests/common" -o "${elf}"
            "${src}"
    DEPENDS "${src}" "${ld}" "${CVMM_SOURCE_ROOT}/tests/common/baremetal_x86_64.inc"
    COMMENT "x86_64 ELF payload ${P_NAME}" VERBATIM)
  add_custom_target(${P_NAME} ALL DEPENDS "${elf}")
  if(P_OUTPUT_VARIABLE)
    set(${P_OUTPUT_VARIABLE} "${elf}" PARENT_SCOPE)
  endif()
endfunction()

function(cvmm_add_ext4_image)
  cmake_parse_arguments(A "" "OUTPUT" "" ${ARGN})
  find_program(CVMM_MKFS_EXT4 mkfs.ext4 PATHS /usr/sbin /sbin REQUIRED)
  add_custom_command(OUTPUT "${A_OUTPUT}"
    COMMAND "${CMAKE_COMMAND}" -E remove -f "${A_OUTPUT}"
    COMMAND truncate -s 16M "${A_OUTPUT}"
    COMMAND "${CVMM_MKFS_EXT4}" -q -F -O ^has_journal,^metadata_csum "${A_OUTPUT}"
    COMMENT "ext4 disk image for the e2e tests" VERBATIM)
endfunction()

function(cvmm_add_emulated_host_script)
  cmake_parse_arguments(A "SECOND_BOOT;GICV3;GICV3_ONLY;HOST2" "NAME;SCRIPT" "FILES;ARGS" ${ARGN})
  get_filename_component(script "${A_SCRIPT}" ABSOLUTE)
  if(A_GICV3 OR A_GICV3_ONLY)
    set_property(GLOBAL APPEND PROPERTY CVMM_EMULATED_HOST_GICV3_SCRIPTS ${A_NAME})
  endif()
  if(A_HOST2 AND NOT A_SECOND_BOOT)
    set_property(GLOBAL APPEND PROPERTY CVMM_EMULATED_HOST2_ALSO_SCRIPTS ${A_NAME})
  endif()
  if(A_GICV3_ONLY)
    # The first boot runs it only when there is no GICv3 boot (tests/hosts/CMakeLists.txt).
    set_property(GLOBAL APPEND PROPERTY CVMM_EMULATED_HOST_GICV3_ONLY_SCRIPTS ${A_NAME})
  elseif(A_SECOND_BOOT)
    set_property(GLOBAL APPEND PROPERTY CVMM_EMULATED_HOST2_SCRIPTS ${A_NAME})
  else()
    set_property(GLOBAL APPEND PROPERTY CVMM_EMULATED_HOST_SCRIPTS ${A_NAME})
  endif()
  set_property(GLOBAL PROPERTY CVMM_EMULATED_HOST_SCRIPT_${A_NAME} "${script}")
  set_property(GLOBAL PROPERTY CVMM_EMULATED_HOST_FILES_${A_NAME} "${A_FILES}")
  set_property(GLOBAL PROPERTY CVMM_EMULATED_HOST_ARGS_${A_NAME} "${A_ARGS}")
endfunction()

function(cvmm_add_kvm_script)
  cmake_parse_arguments(A "" "NAME;SCRIPT;TIMEOUT" "INPUTS;ARGS;HOST_FILES;LABELS" ${ARGN})
  if(NOT CVMM_ARCH STREQUAL "x86_64" OR CMAKE_CROSSCOMPILING)
    message(FATAL_ERROR "cvmm_add_kvm_script(${A_NAME}): native x86_64 builds only")
  endif()
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 300)
  endif()
  get_filename_component(script "${A_SCRIPT}" ABSOLUTE)
  if(CVMM_LOCAL_KVM)
    add_test(NAME ${A_NAME} COMMAND sh "${script}" ${A_INPUTS}
             "${CMAKE_CURRENT_BINARY_DIR}/${A_NAME}-run" ${A_ARGS})
    set_tests_properties(${A_NAME} PROPERTIES LABELS "kvm;${A_LABELS}" TIMEOUT ${A_TIMEOUT}
      SKIP_RETURN_CODE 77)
    return()
  endif()
  set(files "")
  set(paths "")
  set(k 0)
  foreach(f ${A_INPUTS})
    math(EXPR k "${k} + 1")
    list(APPEND files "${f}:/data/${A_NAME}.${k}")
    list(APPEND paths "/data/${A_NAME}.${k}")
  endforeach()
  foreach(f ${A_HOST_FILES})
    list(APPEND files "${f}:${f}")
  endforeach()
  cvmm_add_emulated_host_script(NAME ${A_NAME} SCRIPT "${script}" FILES ${files}
    ARGS ${paths} /tmp/${A_NAME} ${A_ARGS} SECOND_BOOT)
endfunction()
