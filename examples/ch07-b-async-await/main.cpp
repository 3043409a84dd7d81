// The book's async_main (chapter 7) in coroutine/wait syntax: the program of
// ch07-a-coroutine, whose state machine corofy writes at build time. The
// two GETs run one after the other, so the program takes the sum of their
// delays.

#include <corofy/corofy.hpp>
#include <corofy/http.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
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

coroutine<void> async_main() {
  std::printf("Program starting\n");
  net::Result<http::Response> first =
      wait(http::get(delayserver_url("/600/HelloWorld1")));
  print_response(first);
  net::Result<http::Response> second =
      wait(http::get(delayserver_url("/400/HelloWorld2")));
  print_response(second);
}

int main() {
  auto start = std::chrono::steady_clock::now();
  corofy::block_on(async_main());
  std::chrono::duration<double> elapsed =
      std::chrono::steady_clock::now() - start;
  std::printf("ELAPSED TIME: %.2f s\n", elapsed.count());
}
