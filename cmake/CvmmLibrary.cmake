# cvmm_add_library(): one static library with its public headers, a pkg-config file and
# a CMake package, all installed by `cmake --install`.
#
#   cvmm_add_library(NAME kvm_ioctls
#                    DESCRIPTION "Typed wrappers of the KVM ioctls"
#                    SOURCES src/a.c ...
#                    HEADERS include/cvmm/kvm_ioctls.h
#                    DEPENDS cvmm::psci        # other cvmm libraries (targets)
#                    LIBS pthread)             # system libraries
#
# Gives target cvmm_<NAME>, alias cvmm::<NAME>, archive libcvmm_<NAME>.a, pkg-config
# module cvmm-<name with dashes>, and CMake package cvmm_<NAME> (find_package).
include_guard(GLOBAL)
include(CMakePackageConfigHelpers)

set(_cvmm_library_templates "${CMAKE_CURRENT_LIST_DIR}")

function(cvmm_add_library)
  cmake_parse_arguments(A "" "NAME;DESCRIPTION" "SOURCES;HEADERS;DEPENDS;LIBS" ${ARGN})
  set(t cvmm_${A_NAME})
  string(REPLACE "_" "-" pc_name "cvmm-${A_NAME}")

  add_library(${t} STATIC ${A_SOURCES})
  add_library(cvmm::${A_NAME} ALIAS ${t})
  target_include_directories(${t} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(${t} PUBLIC ${A_DEPENDS} ${A_LIBS})
  set_target_properties(${t} PROPERTIES PUBLIC_HEADER "${A_HEADERS}" EXPORT_NAME ${A_NAME})

  install(TARGETS ${t} EXPORT ${t}Targets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    PUBLIC_HEADER DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/cvmm)
  install(EXPORT ${t}Targets NAMESPACE cvmm::
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/${t})

  # CMake package: find_dependency() for each cvmm library this one needs.
  set(CVMM_PKG_DEPENDENCIES "")
  set(pc_requires "")
  foreach(dep ${A_DEPENDS})
    string(REGEX REPLACE "^cvmm::" "" dep_name "${dep}")
    string(APPEND CVMM_PKG_DEPENDENCIES "find_dependency(cvmm_${dep_name})\n")
    string(REPLACE "_" "-" dep_pc "cvmm-${dep_name}")
    list(APPEND pc_requires ${dep_pc})
  endforeach()
  if("Threads::Threads" IN_LIST A_LIBS)
    string(APPEND CVMM_PKG_DEPENDENCIES "find_dependency(Threads)\n")
  endif()
  set(CVMM_PKG_TARGET ${t})
  configure_package_config_file("${_cvmm_library_templates}/CvmmPackageConfig.cmake.in"
    "${CMAKE_CURRENT_BINARY_DIR}/${t}Config.cmake"
    INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/${t})
  write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/${t}ConfigVersion.cmake"
    VERSION ${CVMM_VERSION} COMPATIBILITY SameMinorVersion)
  install(FILES "${CMAKE_CURRENT_BINARY_DIR}/${t}Config.cmake"
    "${CMAKE_CURRENT_BINARY_DIR}/${t}ConfigVersion.cmake"
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/${t})

  # pkg-config
  string(REPLACE ";" ", " CVMM_PC_REQUIRES "${pc_requires}")
  set(CVMM_PC_LIBS "")
  foreach(l ${A_LIBS})
    if(l STREQUAL "Threads::Threads")
      string(APPEND CVMM_PC_LIBS " -pthread")
    else()
      string(APPEND CVMM_PC_LIBS " -l${l}")
    endif()
  endforeach()
  # Relocatable: the prefix is found from the .pc file's own place, so an install with
  # `cmake --install --prefix` anywhere works.
  file(RELATIVE_PATH CVMM_PC_TO_PREFIX "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
  set(CVMM_PC_NAME ${pc_name})
  set(CVMM_PC_DESCRIPTION "${A_DESCRIPTION}")
  set(CVMM_PC_LIBNAME ${t})
  configure_file("${_cvmm_library_templates}/cvmm-library.pc.in"
    "${CMAKE_CURRENT_BINARY_DIR}/${pc_name}.pc" @ONLY)
  install(FILES "${CMAKE_CURRENT_BINARY_DIR}/${pc_name}.pc"
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endfunction()

# cvmm_use_library(<name>): makes target cvmm::<name> available to a component. In the
# whole tree the sibling folder, added before, defines it; a component configured alone
# finds it installed (find_package; CMAKE_PREFIX_PATH names the install prefix) and stops
# at configure time when it is not.
macro(cvmm_use_library name)
  if(NOT TARGET cvmm::${name})
    find_package(cvmm_${name} ${CVMM_VERSION} CONFIG QUIET)
    if(NOT cvmm_${name}_FOUND)
      string(REPLACE "_" "-" _cvmm_dir "${name}")
      message(FATAL_ERROR "${PROJECT_NAME} needs cvmm_${name} (${_cvmm_dir}/), which is not "
        "installed: install it first (cmake -S ${_cvmm_dir} -B b && cmake --build b && "
        "cmake --install b --prefix P) and pass -DCMAKE_PREFIX_PATH=P")
    endif()
  endif()
endmacro()

# cvmm_library_tests(): at the end of a component's CMakeLists.txt, its own tests (the
# folder tests/ beside it) when CVMM_BUILD_TESTS is on. A component configured alone also
# gets the emulated KVM hosts (tests/hosts) for the KVM test programs among them, so
# `ctest` in its build runs all of its tests.
macro(cvmm_library_tests)
  if(CVMM_BUILD_TESTS)
    add_subdirectory(tests)
    if(CMAKE_SOURCE_DIR STREQUAL CMAKE_CURRENT_SOURCE_DIR)
      add_subdirectory("${CVMM_SOURCE_ROOT}/tests/hosts" "${CMAKE_BINARY_DIR}/tests/hosts")
    endif()
  endif()
endmacro()
