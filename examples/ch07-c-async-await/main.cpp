// The book's c-async-await (chapter 7): five requests started together.
// join_all polls every request from its first poll, so all five are in
// flight at once: the program takes as long as the longest delay, not as
// long as the delays added up.

#include <corofy/corofy.hpp>
#include <corofy/http.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace http = corofy::http;
namespace net = corofy::net;

/// The delayserver's URL for `path`: at $COROFY_DELAYSERVER (the tests
/// start one on a free port) or, as in the book, at localhost:8080.
std::string delayserver_url(const std::string &path) {
  const char *address = std::getenv("COROFY_DELAYSERVER");
  return "http://" + std::string(address ? address : "localhost:8080") + path;
}

coroutine<void> request(int i) {
  std::string path =
      "/" + std::to_string(i * 100) + "/HelloWorld" + std::to_string(i);
  net::Result<http::Response> response = wait(http::get(delayserver_url(path)));
  if (response)
    std::printf("%s -> %s\n", path.c_str(), response->body.c_str());
  else
    std::printf("%s failed: %s\n", path.c_str(),
                response.error().message().c_str());
}

coroutine<void> async_main() {
  std::printf("Program starting\n");
  std::vector<coroutine<void>> requests;
  for (int i = 0; i < 5; ++i)
    requests.push_back(request(i));
  wait(corofy::join_all(std::move(requests)));
}

int main() {
  auto start = std::chrono::steady_clock::now();
  corofy::block_on(async_main());
  std::chrono::duration<double> elapsed =
      std::chrono::steady_clock::now() - start;
  std::printf("ELAPSED TIME: %.2f s\n", elapsed.count());
}
