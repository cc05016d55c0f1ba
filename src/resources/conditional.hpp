#pragma once
// Validators and conditional requests on the records (RFC 9110 §8.8, §13): ETag and
// Last-Modified on reads and writes, If-None-Match on reads, If-Match on writes.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "models/etag.hpp"
#include "resources/resource.hpp"

namespace usertasks::resources {

// A GET of one record: 200 with `body`, 304 when If-None-Match holds its ETag (or "*"), or 412
// when an If-Match does not; each with the ETag and Last-Modified (`modified`, RFC 3339).
Response record_response(const Exchange& ex, models::Validator validator, std::string_view modified,
                         std::string body);

// The If-Match of a write, as the store checks it; or the answer instead: 400 when it is not a
// list of entity-tags, 428 when the service requires it (ApiOptions) and it is missing.
std::variant<repository::Precondition, Response> read_precondition(const Exchange& ex);

// 412 for a write of the record `id` of T whose If-Match does not hold, with the record's current
// ETag when it exists.
template <class T>
awaitable<Response> precondition_failed(Exchange& ex, std::int64_t id);

// DELETE of the record {id} of T by `deletion` (a Store member), under the request's If-Match:
// 204, 404 (`what` names the record), 412, or read_precondition's answer.
using Deletion = awaitable<std::optional<repository::Failure>> (repository::Store::*)(
    std::int64_t, const repository::Precondition&);
template <class T>
awaitable<Response> delete_record(Exchange& ex, std::string_view what, Deletion deletion);

// `res` with the ETag of what a write left.
Response with_etag(Response res, models::Validator validator);

}  // namespace usertasks::resources
