#include "app/measured_database.hpp"

#include <fmt/format.h>

#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/this_coro.hpp>

#include "http/metrics.hpp"
#include "repository/gather.hpp"

namespace usertasks::app {

std::string DbMetrics::render(const store::PoolStats& pool) const {
  static constexpr std::array<std::string_view, 4> kinds = {"constraint", "unavailable", "timeout",
                                                            "other"};
  std::string out;
  const auto line = [&out](std::string text) {
    out += text;
    out += '\n';
  };
  http::append_metric_header(out, "usertasks_db_pool_connections", "gauge",
                             "Database connections by state (SQLite: the readers and the writer).");
  line(fmt::format(R"(usertasks_db_pool_connections{{state="in_use"}} {})", pool.in_use));
  line(fmt::format(R"(usertasks_db_pool_connections{{state="idle"}} {})", pool.idle));
  http::append_metric_header(out, "usertasks_db_pool_waiting", "gauge",
                             "Requests waiting for a database connection.");
  line(fmt::format("usertasks_db_pool_waiting {}", pool.waiting));
  http::append_metric_header(out, "usertasks_db_errors_total", "counter",
                             "Failed database work, by kind.");
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    line(fmt::format(R"(usertasks_db_errors_total{{kind="{}"}} {})", kinds[k],
                     errors_[k].load(std::memory_order_relaxed)));
  }
  using repository::gather::Kind;
  using repository::gather::tally;
  const std::array<std::pair<Kind, std::string_view>, 2> groups = {
      {{Kind::read, "read"}, {Kind::write, "write"}}};
  http::append_metric_header(
      out, "usertasks_db_groups_total", "counter",
      "Coalesced point reads (kind=read) and group commits (kind=write) run.");
  for (const auto& [kind, name] : groups) {
    line(fmt::format(R"(usertasks_db_groups_total{{kind="{}"}} {})", name,
                     tally(kind).groups.load(std::memory_order_relaxed)));
  }
  http::append_metric_header(out, "usertasks_db_grouped_requests_total", "counter",
                             "Requests those served: over groups_total, the mean group size.");
  for (const auto& [kind, name] : groups) {
    line(fmt::format(R"(usertasks_db_grouped_requests_total{{kind="{}"}} {})", name,
                     tally(kind).members.load(std::memory_order_relaxed)));
  }
  return out;
}

DbError classify_db_error(const std::exception_ptr& failure, bool cancelled) {
  if (cancelled) return DbError::timeout;
  try {
    std::rethrow_exception(failure);
  } catch (const store::ConstraintViolation&) {
    return DbError::constraint;
  } catch (const store::Unavailable&) {
    return DbError::unavailable;
  } catch (...) {
    return DbError::other;
  }
}

void MeasuredDatabase::count(const std::exception_ptr& failure, bool cancelled) {
  metrics_.count(classify_db_error(failure, cancelled));
}

store::awaitable<void> MeasuredDatabase::run(store::Access access, Work work) {
  std::exception_ptr failure;
  try {
    co_await inner_.run(access, std::move(work));
    if (access == store::Access::write && after_commit_) after_commit_();
    co_return;
  } catch (const store::RollBack&) {
    throw;  // an answer, not a failure
  } catch (...) {
    failure = std::current_exception();
  }
  const auto state = co_await boost::asio::this_coro::cancellation_state;
  count(failure, state.cancelled() != boost::asio::cancellation_type::none);
  std::rethrow_exception(failure);
}

store::awaitable<void> MeasuredDatabase::run_nested(store::Connection& connection,
                                                    store::Access access, Work work) {
  std::exception_ptr failure;
  try {
    co_await inner_.run_nested(connection, access, std::move(work));
    co_return;
  } catch (const store::RollBack&) {
    throw;
  } catch (...) {
    failure = std::current_exception();
  }
  const auto state = co_await boost::asio::this_coro::cancellation_state;
  count(failure, state.cancelled() != boost::asio::cancellation_type::none);
  std::rethrow_exception(failure);
}

}  // namespace usertasks::app
