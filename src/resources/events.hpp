#pragma once
// GET /events: the change feed as Server-Sent Events (docs/api.md, "The change feed").

#include "http/router.hpp"
#include "resources/event_hub.hpp"

namespace usertasks::resources {

// Adds GET /events, served from `hub`; without a hub (or with the feed off) it answers 404.
void add_event_routes(http::Router& router, EventHub* hub);

}  // namespace usertasks::resources
