# Writes OUTPUT, the roff man page usertasks(1), from TEMPLATE (packaging/usertasks.1.in): each
# help placeholder becomes the --help text of BINARY (or of one of its commands), and the version
# placeholder VERSION.

function(help_text out)
  execute_process(COMMAND ${BINARY} ${ARGN} --help OUTPUT_VARIABLE text ERROR_VARIABLE error
                  RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "man_page: `usertasks ${ARGN} --help` failed (${result}): ${error}")
  endif()
  string(STRIP "${text}" text)
  string(REPLACE "${BINARY}" "usertasks" text "${text}")  # Usage: names the program as invoked
  # Roff: a backslash is \e, and a line that starts with . or ' is text, not a request.
  string(REPLACE "\\" "\\e" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  string(REPLACE "-" "\\-" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

help_text(HELP)
help_text(HELP_SERVE serve)
help_text(HELP_DB db)
help_text(HELP_ROUTES routes)
configure_file(${TEMPLATE} ${OUTPUT} @ONLY)
