# Install rules and the CMake package: an outside project writes
#   find_package(Tandem REQUIRED)
#   target_link_libraries(app PRIVATE Tandem::tandem)
include(CMakePackageConfigHelpers)

# The installed libraries find each other next to themselves: libtandem.so needs libtandem_kernels.so
# and libtandem_comm.so, and a consumer's own RUNPATH does not apply to its libraries' dependencies
# (DT_RUNPATH is not inherited), so without this a find_package(Tandem) program needs
# LD_LIBRARY_PATH to start. All three carry a soname, so a consumer records libtandem.so.<major>.
set_target_properties(tandem tandem_kernels tandem_comm PROPERTIES INSTALL_RPATH "$ORIGIN")
set_target_properties(tandem_kernels tandem_comm PROPERTIES VERSION ${PROJECT_VERSION}
                                                            SOVERSION ${PROJECT_VERSION_MAJOR})

install(TARGETS tandem tandem_kernels tandem_comm EXPORT TandemTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# Public headers: src/tandem/**.h. The kernel headers they include (kernels/common) go to an internal
# include root that the exported targets add to the include path.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/src/tandem DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/kernels ${PROJECT_SOURCE_DIR}/comm
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tandem_internal FILES_MATCHING PATTERN "*.h")

set(TANDEM_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Tandem)
install(EXPORT TandemTargets NAMESPACE Tandem:: DESTINATION ${TANDEM_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/TandemConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/TandemConfig.cmake
                              INSTALL_DESTINATION ${TANDEM_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/TandemConfigVersion.cmake
                                 COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/TandemConfig.cmake ${PROJECT_BINARY_DIR}/TandemConfigVersion.cmake
        DESTINATION ${TANDEM_CMAKE_DIR})
