#pragma once
// The API description (GET /openapi.json, `usertasks openapi`).

#include <boost/json/value.hpp>

#include "http/router.hpp"

namespace usertasks::resources {

// The OpenAPI 3.1 document of every route in `router`, generated from the route table and the
// entities so that they cannot disagree. `token`: the service asks for an API token (401s).
// Throws std::logic_error when a route names a schema the document does not have.
boost::json::value openapi_document(const http::Router& router, bool token = false);

}  // namespace usertasks::resources
