#include "app/measured_database.hpp"

#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/this_coro.hpp>

namespace usertasks::app {

http::DbError classify_db_error(const std::exception_ptr& failure, bool cancelled) {
  if (cancelled) return http::DbError::timeout;
  try {
    std::rethrow_exception(failure);
  } catch (const store::ConstraintViolation&) {
    return http::DbError::constraint;
  } catch (const store::Unavailable&) {
    return http::DbError::unavailable;
  } catch (...) {
    return http::DbError::other;
  }
}

store::awaitable<void> MeasuredDatabase::run(store::Access access, Work work) {
  std::exception_ptr failure;
  try {
    co_await inner_.run(access, std::move(work));
    co_return;
  } catch (...) {
    failure = std::current_exception();
  }
  const auto state = co_await boost::asio::this_coro::cancellation_state;
  const bool cancelled = state.cancelled() != boost::asio::cancellation_type::none;
  metrics_.db_error(classify_db_error(failure, cancelled));
  std::rethrow_exception(failure);
}

}  // namespace usertasks::app
