# The files of GET /docs (src/resources/docs.hpp), compiled into usertasks_resources.
#
# With USERTASKS_DOCS (the default) the build installs web/package.json's pinned swagger-ui-dist with
# `npm ci` in the build directory (never in the source tree), then web/embed.mjs writes the page, its
# own script and style, and the few Swagger UI files it loads into docs_assets.cpp.
# With USERTASKS_DOCS=OFF the table is empty: no npm is needed and /docs answers 404.

option(USERTASKS_DOCS "Serve GET /docs (Swagger UI from npm, embedded in the binary)" ON)

set(USERTASKS_DOCS_CPP ${CMAKE_BINARY_DIR}/generated/docs_assets.cpp)
set(USERTASKS_WEB_DIR ${CMAKE_BINARY_DIR}/web)
set(USERTASKS_THIRD_PARTY_LICENSES ${CMAKE_BINARY_DIR}/generated/third-party-licenses.txt)

if(USERTASKS_DOCS)
  find_program(USERTASKS_NPM npm)
  if(NOT USERTASKS_NPM)
    message(FATAL_ERROR
      "USERTASKS_DOCS needs npm to fetch Swagger UI for GET /docs, and npm is not on the PATH. "
      "Install Node.js with npm (`make deps` does, as root), or configure with "
      "-DUSERTASKS_DOCS=OFF to build without /docs.")
  endif()

  set(ui ${USERTASKS_WEB_DIR}/node_modules/swagger-ui-dist)
  usertasks_npm_ci(${CMAKE_SOURCE_DIR}/web ${USERTASKS_WEB_DIR} "swagger-ui-dist for /docs")
  set(stamp ${npm_ci_stamp})

  find_program(USERTASKS_NODE node REQUIRED)
  set(assets ${ui}/swagger-ui.css ${ui}/swagger-ui-bundle.js ${ui}/favicon-32x32.png
             ${ui}/favicon-16x16.png ${CMAKE_SOURCE_DIR}/web/docs.js
             ${CMAKE_SOURCE_DIR}/web/docs.css)
  set(licenses ${ui}/NOTICE ${ui}/LICENSE ${ui}/swagger-ui-bundle.js.LICENSE.txt)
  set(asset_args "")
  foreach(asset IN LISTS assets)
    list(APPEND asset_args --asset ${asset})
  endforeach()
  foreach(license IN LISTS licenses)
    list(APPEND asset_args --license ${license})
  endforeach()
  add_custom_command(
    OUTPUT ${USERTASKS_DOCS_CPP} ${USERTASKS_THIRD_PARTY_LICENSES}
    COMMAND ${USERTASKS_NODE} ${CMAKE_SOURCE_DIR}/web/embed.mjs --output ${USERTASKS_DOCS_CPP}
            --index ${CMAKE_SOURCE_DIR}/web/index.html --swagger-ui ${ui} ${asset_args}
            --licenses-output ${USERTASKS_THIRD_PARTY_LICENSES}
    DEPENDS ${stamp} ${CMAKE_SOURCE_DIR}/web/embed.mjs ${CMAKE_SOURCE_DIR}/web/index.html
            ${CMAKE_SOURCE_DIR}/web/docs.js ${CMAKE_SOURCE_DIR}/web/docs.css
    COMMENT "Embedding the /docs page and Swagger UI"
    VERBATIM)
else()
  configure_file(${CMAKE_SOURCE_DIR}/cmake/docs_assets_off.cpp ${USERTASKS_DOCS_CPP} COPYONLY)
endif()

target_sources(usertasks_resources PRIVATE ${USERTASKS_DOCS_CPP})
