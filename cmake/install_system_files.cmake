# Part of `cmake --install` (cmake/packaging.cmake): installs the systemd unit and its environment
# file. For the prefix /usr (the .deb, whose CPack install runs with it) they go where Debian keeps
# them, /lib/systemd/system and /etc/default; for any other prefix, under it. The unit is written
# with the binary's and the environment file's installed paths.

if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(unit_dir /lib/systemd/system)
  set(sysconf_dir /etc)
else()
  set(unit_dir ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
  set(sysconf_dir ${CMAKE_INSTALL_PREFIX}/etc)
endif()
set(BINDIR ${CMAKE_INSTALL_PREFIX}/${USERTASKS_BINDIR})
set(SYSCONFDIR ${sysconf_dir})

configure_file(${USERTASKS_PACKAGING_DIR}/usertasks.service.in
               ${USERTASKS_STAGING_DIR}/usertasks.service @ONLY)
file(INSTALL ${USERTASKS_STAGING_DIR}/usertasks.service DESTINATION ${unit_dir}
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
# Readable by root only: it may hold the API token (systemd reads it before dropping privileges).
file(INSTALL ${USERTASKS_PACKAGING_DIR}/default DESTINATION ${sysconf_dir}/default
     RENAME usertasks FILE_PERMISSIONS OWNER_READ OWNER_WRITE)
