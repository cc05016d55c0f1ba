# One static library per layer of src/ (docs/design.md, "Layers"), each linked only to the layers
# below it. A layer sees the headers of its own directory and of the layers it links: each gets an
# include root of its own in the build tree, holding one link to its directory, so that including
# a header of a layer it does not depend on fails to compile.

set(USERTASKS_LAYER_INCLUDE ${CMAKE_BINARY_DIR}/layers)

# usertasks_layer(NAME [SOURCES extra...] [DEPENDS layers...] [LIBRARIES targets...])
# builds src/NAME/**.cpp as usertasks_NAME.
function(usertasks_layer name)
  cmake_parse_arguments(PARSE_ARGV 1 LAYER "" "" "SOURCES;DEPENDS;LIBRARIES")
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/${name}/*.cpp)
  set(root ${USERTASKS_LAYER_INCLUDE}/${name})
  file(MAKE_DIRECTORY ${root})
  file(CREATE_LINK ${CMAKE_SOURCE_DIR}/src/${name} ${root}/${name} SYMBOLIC)
  add_library(usertasks_${name} STATIC ${sources} ${LAYER_SOURCES})
  target_include_directories(usertasks_${name} PUBLIC ${root})
  target_compile_options(usertasks_${name} PRIVATE ${USERTASKS_WARNINGS})
  list(TRANSFORM LAYER_DEPENDS PREPEND usertasks_)
  target_link_libraries(usertasks_${name} PUBLIC ${LAYER_DEPENDS} ${LAYER_LIBRARIES})
endfunction()
