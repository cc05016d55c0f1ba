#pragma once
// The operational route whose content the application gives: /metrics.

#include <functional>
#include <string>

#include "resources/resource.hpp"

namespace usertasks::resources {

// GET /metrics: the text `render` gives, in the Prometheus text format.
void add_metrics_route(Api& api, std::function<std::string()> render);

}  // namespace usertasks::resources
