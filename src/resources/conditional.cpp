#include "resources/conditional.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "http/conditional.hpp"

namespace usertasks::resources {

using http::TagList;

Response record_response(const Exchange& ex, models::Validator validator, std::string_view modified,
                         std::string body) {
  std::string etag = models::etag(validator);
  const std::string_view current = std::string_view(etag).substr(1, etag.size() - 2);
  // §13.2.2: If-Match first, then If-None-Match; a malformed list is ignored on a read.
  const TagList if_match = http::read_tag_list(ex.request, http::Field::if_match);
  const TagList if_none_match = http::read_tag_list(ex.request, http::Field::if_none_match);
  Response res;
  if (if_match.state == TagList::State::valid && !http::matches_strong(if_match, current)) {
    res = http::problem(Status::precondition_failed, "precondition-failed",
                        "the record's current ETag is not one If-Match names");
  } else if (if_none_match.state == TagList::State::valid &&
             http::matches_weak(if_none_match, current)) {
    res = http::empty_response(Status::not_modified);
  } else {
    res = http::json_text_response(Status::ok, std::move(body));
  }
  // Inserted, not set: the answer has neither yet.
  res.insert(http::Field::last_modified, http::http_date(modified));
  res.insert(http::Field::etag, std::move(etag));
  return res;
}

std::variant<repository::Precondition, Response> read_precondition(const Exchange& ex) {
  const TagList list = http::read_tag_list(ex.request, http::Field::if_match);
  switch (list.state) {
    case TagList::State::absent:
      if (ex.options.require_if_match) {
        return http::problem(Status::precondition_required, "precondition-required",
                             "this service takes writes of a record only with If-Match: send "
                             "the ETag of the record as you read it");
      }
      return repository::Precondition{};
    case TagList::State::malformed:
      return http::bad_header("If-Match", "is neither * nor a list of entity-tags");
    case TagList::State::valid:
      break;
  }
  repository::Precondition pre{.given = true, .tags = std::nullopt};
  if (list.any) return pre;
  // The strong comparison: a weak tag never matches.
  boost::json::array strong;
  for (const http::EntityTag& tag : list.tags) {
    if (!tag.weak) strong.emplace_back(tag.opaque);
  }
  pre.tags = boost::json::serialize(strong);
  return pre;
}

template <class T>
awaitable<Response> precondition_failed(Exchange& ex, std::int64_t id) {
  const auto current = co_await ex.store.validator_of<T>(id);
  Response res =
      http::problem(Status::precondition_failed, "precondition-failed",
                    current ? "the record changed since the ETag that If-Match names: read it again"
                            : "there is no such record, and If-Match asks for one");
  if (current) res.set(http::Field::etag, models::etag(*current));
  co_return res;
}

template awaitable<Response> precondition_failed<models::User>(Exchange&, std::int64_t);
template awaitable<Response> precondition_failed<models::Task>(Exchange&, std::int64_t);
template awaitable<Response> precondition_failed<models::Tag>(Exchange&, std::int64_t);

template <class T>
awaitable<Response> delete_record(Exchange& ex, std::string_view what, Deletion deletion) {
  const auto id = path_id(ex);
  if (!id) co_return not_found(what, ex.params.get("id"));
  auto pre = read_precondition(ex);
  if (auto* res = std::get_if<Response>(&pre)) co_return std::move(*res);
  const auto failure = co_await (ex.store.*deletion)(*id, std::get<repository::Precondition>(pre));
  if (failure == repository::Failure::precondition_failed) {
    co_return co_await precondition_failed<T>(ex, *id);
  }
  if (failure) co_return not_found(what, ex.params.get("id"));
  co_return http::empty_response(Status::no_content);
}

template awaitable<Response> delete_record<models::User>(Exchange&, std::string_view, Deletion);
template awaitable<Response> delete_record<models::Task>(Exchange&, std::string_view, Deletion);
template awaitable<Response> delete_record<models::Tag>(Exchange&, std::string_view, Deletion);

Response with_etag(Response res, models::Validator validator) {
  res.set(http::Field::etag, models::etag(validator));
  return res;
}

}  // namespace usertasks::resources
