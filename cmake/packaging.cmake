# What `cmake --install` lays out, and the Debian package CPack builds from it (make package).
#
#   bin/usertasks                    the binary
#   share/man/man1/usertasks.1.gz    its man page, written from its --help texts at build time
#   share/doc/usertasks/             the licenses of the Swagger UI files compiled in (/docs)
#   lib/systemd/system/usertasks.service, etc/default/usertasks
#                                    the systemd unit and its environment; for the prefix /usr
#                                    (the .deb) they go to /lib/systemd/system and /etc/default,
#                                    as Debian has them, else under the prefix
# The unit names the binary and the environment file where this install puts them
# (cmake/install_system_files.cmake chooses at install time, when the prefix is known).

include(GNUInstallDirs)

install(TARGETS usertasks RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The man page, from the binary's own --help texts, compressed as Debian wants it.
set(USERTASKS_MAN_PAGE ${CMAKE_BINARY_DIR}/packaging/usertasks.1)
add_custom_command(
  OUTPUT ${USERTASKS_MAN_PAGE} ${USERTASKS_MAN_PAGE}.gz
  COMMAND ${CMAKE_COMMAND} -DBINARY=$<TARGET_FILE:usertasks> -DVERSION=${PROJECT_VERSION}
          -DTEMPLATE=${CMAKE_SOURCE_DIR}/packaging/usertasks.1.in -DOUTPUT=${USERTASKS_MAN_PAGE}
          -P ${CMAKE_SOURCE_DIR}/cmake/man_page.cmake
  COMMAND gzip -9 -n -f -k ${USERTASKS_MAN_PAGE}
  DEPENDS usertasks ${CMAKE_SOURCE_DIR}/packaging/usertasks.1.in
          ${CMAKE_SOURCE_DIR}/cmake/man_page.cmake
  COMMENT "Writing the man page usertasks.1"
  VERBATIM)
add_custom_target(usertasks_man ALL DEPENDS ${USERTASKS_MAN_PAGE}.gz)
install(FILES ${USERTASKS_MAN_PAGE}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

if(USERTASKS_DOCS)
  install(FILES ${USERTASKS_THIRD_PARTY_LICENSES} DESTINATION ${CMAKE_INSTALL_DOCDIR})
endif()

# The unit and the environment file, configured for where this install puts things.
install(CODE "set(USERTASKS_PACKAGING_DIR \"${CMAKE_SOURCE_DIR}/packaging\")
set(USERTASKS_STAGING_DIR \"${CMAKE_BINARY_DIR}/packaging/install\")
set(USERTASKS_BINDIR \"${CMAKE_INSTALL_BINDIR}\")")
install(SCRIPT ${CMAKE_SOURCE_DIR}/cmake/install_system_files.cmake)

# The .deb: cpack --config CPackConfig.cmake in the build directory, or `make package`.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME usertasks)
set(CPACK_PACKAGE_VENDOR usertasks)
set(CPACK_PACKAGE_CONTACT "usertasks maintainers <usertasks@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "HTTP/JSON service for users and their tasks")
set(CPACK_PACKAGE_DESCRIPTION
    "usertasks serves a JSON API over HTTP for users and their tasks, stored in SQLite or \
PostgreSQL, with its migrations compiled in, an OpenAPI document at /openapi.json and an \
interactive page at /docs. The package runs it as a systemd service (usertasks.service) under a \
system user of its own.")

set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/package)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION web)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The libraries the binary links, as dpkg-shlibdeps finds them (dpkg-dev), and adduser for the
# system user of postinst.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/packaging/debian/postinst ${CMAKE_SOURCE_DIR}/packaging/debian/prerm
    ${CMAKE_SOURCE_DIR}/packaging/debian/postrm ${CMAKE_SOURCE_DIR}/packaging/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
