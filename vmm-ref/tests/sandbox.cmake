# The seccomp sandbox's tests (included by vmm-ref/tests/CMakeLists.txt). The programs
# compile vmm-ref/src/sandbox.c themselves and link libseccomp: from pkg-config natively,
# the static archive of the arm64 sysroot in the aarch64 cross build.
set(_sb_dir "${CMAKE_CURRENT_LIST_DIR}")
get_filename_component(_sb_src "${_sb_dir}/../../vmm-ref/src" ABSOLUTE)
if(NOT TARGET vmm_ref_sandbox_seccomp)
  add_library(vmm_ref_sandbox_seccomp INTERFACE)
  find_package(PkgConfig QUIET)
  if(PkgConfig_FOUND AND NOT CMAKE_CROSSCOMPILING)
    pkg_check_modules(VMM_SB_SECCOMP REQUIRED IMPORTED_TARGET libseccomp)
    target_link_libraries(vmm_ref_sandbox_seccomp INTERFACE PkgConfig::VMM_SB_SECCOMP)
  else()
    find_path(VMM_SB_SECCOMP_INCLUDE seccomp.h REQUIRED)
    find_library(VMM_SB_SECCOMP_LIBRARY NAMES libseccomp.a seccomp REQUIRED)
    target_include_directories(vmm_ref_sandbox_seccomp INTERFACE "${VMM_SB_SECCOMP_INCLUDE}")
    target_link_libraries(vmm_ref_sandbox_seccomp INTERFACE "${VMM_SB_SECCOMP_LIBRARY}")
  endif()
endif()

find_package(Threads REQUIRED)

# The lists as data and their BPF: no seccomp in the kernel needed (qemu-user too).
cvmm_add_unit_test(NAME vmm_ref_sandbox_lists_test
  SOURCES "${_sb_dir}/test_sandbox_lists.c" "${_sb_src}/sandbox.c"
  LIBS vmm_ref_sandbox_seccomp)
target_include_directories(vmm_ref_sandbox_lists_test PRIVATE "${_sb_src}")

# Filters loaded for real: qemu-user refuses seccomp filters (a filter for the guest's
# ABI cannot be applied to the emulator's own calls), so on aarch64 these run in the
# emulated arm64 host, with a real kernel. On x86_64, here and in the emulated host.
if(CVMM_ARCH STREQUAL "x86_64")
  set(_sb_hosts local emulated)
else()
  set(_sb_hosts emulated)
endif()
cvmm_add_kvm_test(NAME vmm_ref_sandbox_test HOSTS ${_sb_hosts}
  SOURCES "${_sb_dir}/test_sandbox.c" "${_sb_src}/sandbox.c"
  LIBS vmm_ref_sandbox_seccomp Threads::Threads)
target_include_directories(vmm_ref_sandbox_test PRIVATE "${_sb_src}" "${_sb_dir}")

cvmm_add_kvm_test(NAME vmm_ref_sandbox_kvm_test HOSTS ${_sb_hosts}
  SOURCES "${_sb_dir}/test_sandbox_kvm.c" "${_sb_dir}/test_sandbox_kvm_${CVMM_ARCH}.c"
          "${_sb_dir}/sandbox_guest_${CVMM_ARCH}.S" "${_sb_src}/sandbox.c"
  LIBS vmm_ref_sandbox_seccomp Threads::Threads)
target_include_directories(vmm_ref_sandbox_kvm_test PRIVATE "${_sb_src}" "${_sb_dir}")

# With the vcpu library, in vmm-ref's order (needs cvmm::vcpu: the top-level build).
if(TARGET cvmm::vcpu)
  cvmm_add_kvm_test(NAME vmm_ref_sandbox_vcpu_test HOSTS ${_sb_hosts}
    SOURCES "${_sb_dir}/test_sandbox_vcpu.c" "${_sb_dir}/sandbox_loop_guest_${CVMM_ARCH}.S"
            "${_sb_src}/sandbox.c"
    LIBS cvmm::vcpu vmm_ref_sandbox_seccomp Threads::Threads)
  target_include_directories(vmm_ref_sandbox_vcpu_test PRIVATE "${_sb_src}" "${_sb_dir}")
endif()
