// The book's a-coroutine (chapter 7): a coroutine written by hand as a state
// machine. It prints a line, GETs one path from the delayserver, prints the
// answer, then does the same with a second path. Each GET is a future; when
// it is not ready, poll() returns pending and the executor (block_on) sleeps
// until the future's waker fires. ch07-b-async-await is the same program in
// coroutine/wait syntax: compare this class with the one corofy writes.

#include <corofy/corofy.hpp>
#include <corofy/http.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>

namespace http = corofy::http;
namespace net = corofy::net;

/// The delayserver's URL for `path`: at $COROFY_DELAYSERVER (the tests
/// start one on a free port) or, as in the book, at localhost:8080.
std::string delayserver_url(const std::string &path) {
  const char *address = std::getenv("COROFY_DELAYSERVER");
  return "http://" + std::string(address ? address : "localhost:8080") + path;
}

/// Prints the body of a response, or why there is none.
void print_response(const net::Result<http::Response> &response) {
  if (response)
    std::printf("%s\n", response->body.c_str());
  else
    std::printf("request failed: %s\n", response.error().message().c_str());
}

class Coroutine {
public:
  using Output = void;

  corofy::Poll<void> poll(corofy::Context &cx) {
    // Go from state to state until a future is pending or all is done.
    for (;;) {
      switch (state_) {
      case State::Start:
        std::printf("Program starting\n");
        request_.emplace(http::get(delayserver_url("/600/HelloWorld1")));
        state_ = State::Wait1;
        break;
      case State::Wait1: {
        auto polled = request_->poll(cx);
        if (polled.is_pending())
          return corofy::Poll<void>::pending(); // the waker will call again
        print_response(polled.value());
        request_.emplace(http::get(delayserver_url("/400/HelloWorld2")));
        state_ = State::Wait2;
        break;
      }
      case State::Wait2: {
        auto polled = request_->poll(cx);
        if (polled.is_pending())
          return corofy::Poll<void>::pending();
        print_response(polled.value());
        request_.reset();
        state_ = State::Resolved;
        return corofy::Poll<void>::ready();
      }
      case State::Resolved:
        throw std::logic_error("Polled a resolved future");
      }
    }
  }

private:
  enum class State { Start, Wait1, Wait2, Resolved };
  State state_ = State::Start;
  /// The GET that Wait1 or Wait2 waits for.
  std::optional<http::Get> request_;
};

Coroutine async_main() { return Coroutine(); }

int main() {
  auto start = std::chrono::steady_clock::now();
  corofy::block_on(async_main());
  std::chrono::duration<double> elapsed =
      std::chrono::steady_clock::now() - start;
  std::printf("ELAPSED TIME: %.2f s\n", elapsed.count());
}
