#include "http/stream_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>

namespace usertasks::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

class ConnectionStream final : public Stream {
 public:
  ConnectionStream(beast::tcp_stream& stream, std::chrono::milliseconds timeout,
                   std::shared_ptr<StreamControl> control)
      : stream_(stream), timeout_(timeout), control_(std::move(control)) {}

  asio::awaitable<bool> write(std::string_view bytes) override {
    if (failed_ || control_->peer_gone) co_return false;
    stream_.expires_after(timeout_);
    auto [ec, n] = co_await asio::async_write(
        stream_, beast_http::make_chunk(asio::buffer(bytes.data(), bytes.size())), nothrow);
    if (ec) failed_ = true;
    co_return !failed_;
  }
  [[nodiscard]] bool ending() const override {
    return failed_ || control_->stopping || control_->peer_gone;
  }
  void on_ending(std::function<void()> wake) override { control_->wake = std::move(wake); }
  void abort() override {
    failed_ = true;
    stream_.close();
  }
  [[nodiscard]] bool failed() const { return failed_; }

 private:
  beast::tcp_stream& stream_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<StreamControl> control_;
  bool failed_ = false;
};

}  // namespace

asio::awaitable<bool> serve_stream(beast::tcp_stream& stream, const StreamBody& body,
                                   std::chrono::milliseconds write_timeout,
                                   const std::shared_ptr<StreamControl>& control) {
  // A client of a stream sends nothing more: readable means it closed (or broke the protocol).
  stream.socket().async_wait(tcp::socket::wait_read, [control](boost::system::error_code e) {
    if (e != asio::error::operation_aborted) control->end(false);
  });
  ConnectionStream out(stream, write_timeout, control);
  co_await body(out);
  control->wake = nullptr;
  if (out.failed() || control->peer_gone) co_return false;
  stream.expires_after(write_timeout);
  auto [last_ec, m] = co_await asio::async_write(stream, beast_http::make_chunk_last(), nothrow);
  co_return !last_ec;
}

}  // namespace usertasks::http
