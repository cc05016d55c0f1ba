# Writes OUTPUT, a C++ file that holds every migration revision file of INPUTS as a string.
list(SORT INPUTS)
set(body "")
foreach(path IN LISTS INPUTS)
  file(READ ${path} text)
  get_filename_component(name ${path} NAME)
  string(FIND "${text}" ")utrev\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${path} contains the raw-string delimiter )utrev\"")
  endif()
  string(APPEND body "    {\"${name}\", R\"utrev(${text})utrev\"},\n")
endforeach()
file(WRITE ${OUTPUT}.tmp
"// Generated from migrations/ by cmake/embed_revisions.cmake; do not edit.
#include \"migrate/embedded.hpp\"

namespace usertasks::migrate {

std::span<const EmbeddedRevision> embedded_revisions() {
  static const EmbeddedRevision revisions[] = {
${body}  };
  return revisions;
}

}  // namespace usertasks::migrate
")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
