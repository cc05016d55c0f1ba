#pragma once

#include <string>
#include <string_view>

namespace usertasks::http {

// The client's X-Request-Id when it is a sane token (1..128 of [A-Za-z0-9._:-]), else a new one.
std::string make_request_id(std::string_view offered);

}  // namespace usertasks::http
