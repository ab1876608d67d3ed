# Cross-compiles cvmm for aarch64 Linux with Debian's aarch64-linux-gnu toolchain.
# Third-party arm64 libraries (libfdt, libseccomp, Criterion) come from the sysroot
# that scripts/fetch-artefacts.sh unpacks; the C library is the cross toolchain's own.
# Binaries run on the build machine through qemu-aarch64-static (ctest does this).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_ASM_COMPILER aarch64-linux-gnu-gcc)

get_filename_component(_cvmm_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
if(NOT CVMM_ARM64_SYSROOT)
  if(DEFINED ENV{CVMM_CACHE})
    set(CVMM_ARM64_SYSROOT "$ENV{CVMM_CACHE}/sysroot-arm64")
  else()
    set(CVMM_ARM64_SYSROOT "${_cvmm_root}/build/cache/sysroot-arm64")
  endif()
endif()
set(CVMM_ARM64_SYSROOT "${CVMM_ARM64_SYSROOT}" CACHE PATH "arm64 sysroot with libfdt, libseccomp and Criterion")
# try_compile projects inherit the sysroot location through this list.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES CVMM_ARM64_SYSROOT)

set(_libdir "${CVMM_ARM64_SYSROOT}/usr/lib/aarch64-linux-gnu")
set(CMAKE_C_FLAGS_INIT "-isystem ${CVMM_ARM64_SYSROOT}/usr/include")
set(CMAKE_EXE_LINKER_FLAGS_INIT
    "-L${_libdir} -Wl,-rpath-link,${_libdir} -Wl,-rpath-link,${CVMM_ARM64_SYSROOT}/lib/aarch64-linux-gnu")
set(CMAKE_FIND_ROOT_PATH "${CVMM_ARM64_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(ENV{PKG_CONFIG_SYSROOT_DIR} "${CVMM_ARM64_SYSROOT}")
set(ENV{PKG_CONFIG_LIBDIR} "${_libdir}/pkgconfig:${CVMM_ARM64_SYSROOT}/usr/share/pkgconfig")

# The sysroot holds the arm64 glibc and the runtime libraries Criterion needs.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static -L ${CVMM_ARM64_SYSROOT})
