#pragma once

#include <boost/json/value.hpp>

#include "http/router.hpp"

namespace usertasks::resources {

// The OpenAPI 3.1 document of every route in `router`, generated from the route table so that the
// two cannot disagree.
boost::json::value openapi_document(const http::Router& router);

}  // namespace usertasks::resources
