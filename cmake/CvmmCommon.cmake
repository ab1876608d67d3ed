# Settings shared by every cvmm component, whether it is configured alone or from the
# top level: C11 with GNU extensions, warnings, the target architecture, install dirs.
include_guard(GLOBAL)

set(CMAKE_C_STANDARD 11)
set(CMAKE_C_STANDARD_REQUIRED ON)
set(CMAKE_C_EXTENSIONS ON)
set(CMAKE_POSITION_INDEPENDENT_CODE OFF)
include(GNUInstallDirs)

option(CVMM_WERROR "Treat compiler warnings as errors" ON)
option(CVMM_BUILD_TESTS "Build cvmm's tests" ON)
set(CVMM_VERSION 0.1.0)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(CVMM_ARCH x86_64)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(CVMM_ARCH aarch64)
else()
  message(FATAL_ERROR "cvmm supports x86_64 and aarch64, not ${CMAKE_SYSTEM_PROCESSOR}")
endif()

add_compile_options(-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
                    -Wno-unused-parameter)
if(CVMM_WERROR)
  add_compile_options(-Werror)
endif()

get_filename_component(CVMM_SOURCE_ROOT "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
list(APPEND CMAKE_MODULE_PATH "${CMAKE_CURRENT_LIST_DIR}")
include(${CMAKE_CURRENT_LIST_DIR}/CvmmFuzz.cmake)

# Tests: enabled here, in the scope of whichever project is the top one (the whole tree or
# a component configured alone), so that every component's tests/ folder sees the test
# helpers and where this machine's KVM tests run (CvmmTesting.cmake).
if(CVMM_BUILD_TESTS)
  enable_testing()
  include(${CMAKE_CURRENT_LIST_DIR}/CvmmTesting.cmake)
endif()
