# usertasks_npm_ci(SOURCE_DIR BINARY_DIR WHAT): `npm ci` of SOURCE_DIR's package.json and
# package-lock.json into BINARY_DIR (never into the source tree), once, behind a stamp file whose
# path it sets in the caller's `npm_ci_stamp`. --ignore-scripts: no package needs an install
# script, and some would report the install to their vendor's host.
function(usertasks_npm_ci source_dir binary_dir what)
  set(stamp ${binary_dir}/npm-ci.stamp)
  file(MAKE_DIRECTORY ${binary_dir})
  add_custom_command(
    OUTPUT ${stamp}
    COMMAND ${CMAKE_COMMAND} -E copy_if_different ${source_dir}/package.json
            ${source_dir}/package-lock.json ${binary_dir}/
    COMMAND ${USERTASKS_NPM} ci --ignore-scripts --no-audit --no-fund --loglevel=error
    COMMAND ${CMAKE_COMMAND} -E touch ${stamp}
    WORKING_DIRECTORY ${binary_dir}
    DEPENDS ${source_dir}/package.json ${source_dir}/package-lock.json
    COMMENT "npm ci: ${what}"
    VERBATIM)
  set(npm_ci_stamp ${stamp} PARENT_SCOPE)
endfunction()
