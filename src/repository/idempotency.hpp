#pragma once
// The stored answers of requests made with an Idempotency-Key: the idempotency_keys table (not an
// API entity: declared here for `db migrate`) and its statements. Knows nothing of HTTP; what a
// key, a scope and a fingerprint are is the caller's (resources/idempotency.hpp).

#include <cstdint>
#include <optional>
#include <string>

#include "migrate/schema.hpp"
#include "store/database.hpp"

namespace usertasks::repository {

// The answer stored with a key: what a replay answers, and the fingerprint of the request that
// it answered.
struct StoredAnswer {
  std::string fingerprint;
  std::int64_t status = 0;
  std::optional<std::string> location;
  std::optional<std::string> etag;
  std::optional<std::string> content_type;
  std::string body;
};

// Adds the idempotency_keys table and its index to a declared schema (repository/schema.cpp).
void declare_idempotency_keys(migrate::Schema& schema);

// The statements of one keyed request, on the connection of its transaction. Times are the API's
// RFC 3339 text (base/time.hpp); an answer stored at or before `cutoff` has expired and counts as
// absent.
class IdempotencyKeys {
 public:
  explicit IdempotencyKeys(store::Connection& connection) : c_(connection) {}

  // PostgreSQL: the transaction-scoped advisory lock `lock`, without waiting; false when another
  // transaction holds it (that request is in flight).
  store::awaitable<bool> try_lock(std::int64_t lock);
  store::awaitable<std::optional<StoredAnswer>> find(const std::string& scope,
                                                     const std::string& key,
                                                     const std::string& cutoff);
  // Stores `answer` under the key, replacing an expired one; false when an answer that has not
  // expired is stored already (another request with the key got there first).
  store::awaitable<bool> store(const std::string& scope, const std::string& key,
                               const StoredAnswer& answer, const std::string& now,
                               const std::string& cutoff);

  [[nodiscard]] std::uint64_t statements_run() const { return statements_; }

 private:
  store::Connection& c_;
  std::uint64_t statements_ = 0;
};

// Deletes at most `limit` answers stored at or before `cutoff`, in a transaction of their own;
// how many it deleted. PostgreSQL skips rows that another transaction has locked.
store::awaitable<std::size_t> purge_idempotency_keys(store::Database& db, std::string cutoff,
                                                     std::int64_t limit);

}  // namespace usertasks::repository
