# SPDX-License-Identifier: MIT
# What `cmake --install` puts where, and the Debian package CPack builds from it:
#   bin/lastcall, share/man/man1/lastcall.1, share/doc/lastcall/examples/ and lastcall.schema.json,
#   share/doc/lastcall/systemd/ (the example unit, when packaging/systemd/ has one),
#   share/lastcall/demo.sh (what the Docker demo image runs).
# Included from the top-level CMakeLists.txt after the lastcall target exists.
include(GNUInstallDirs)

install(TARGETS lastcall RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES packaging/lastcall.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(DIRECTORY docs/examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES docs/lastcall.schema.json DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(PROGRAMS docs/examples/demo.sh DESTINATION ${CMAKE_INSTALL_DATADIR}/lastcall)
# The systemd unit is written separately; package it when it is there at configure time.
file(GLOB LASTCALL_SYSTEMD_UNITS CONFIGURE_DEPENDS packaging/systemd/*.service)
if(LASTCALL_SYSTEMD_UNITS)
  install(FILES ${LASTCALL_SYSTEMD_UNITS} DESTINATION ${CMAKE_INSTALL_DOCDIR}/systemd)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME lastcall)
set(CPACK_PACKAGE_VENDOR "lastcall")
set(CPACK_PACKAGE_CONTACT "lastcall maintainers <maintainers@lastcall.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "tiny PID 1 that runs pre-stop and post-stop hooks within the shutdown budget")
set(CPACK_PACKAGE_DESCRIPTION
    "lastcall starts one workload as its child, relays signals to it and reaps zombies. On\
 SIGTERM it drains, runs the pre-stop hooks, sends the stop signal, escalates to SIGKILL when\
 the grace budget ends, runs the post-stop hooks and exits with the child's status.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # lastcall_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
if(LASTCALL_STATIC)
  # A static binary needs nothing at run time, so the package depends on nothing.
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "")
else()
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
endif()
include(CPack)
