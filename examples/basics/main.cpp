// The book's first coroutine/wait program (chapter 7, b-async-await), in C++:
// a coroutine waits on futures one after the other, each suspension handing
// control back to the executor (block_on) until the future's waker fires.
// Run it through corofy to see the state machine it becomes.

#include <corofy/corofy.hpp>

#include "delay.hpp"

#include <chrono>
#include <cstdio>
#include <string>

using namespace std::chrono_literals;

coroutine<std::string> request(int i) {
  std::string path = "/" + std::to_string(i * 100) + "/HelloWorld" +
                     std::to_string(i);
  std::string body = wait(Delay(i * 100ms, "HelloWorld" + std::to_string(i)));
  std::printf("%s -> %s\n", path.c_str(), body.c_str());
  return body;
}

coroutine<void> async_main() {
  std::printf("Program starting\n");
  auto started = std::chrono::steady_clock::now();
  std::string first = wait(request(1));
  std::string second = wait(request(2));
  wait(request(3));
  auto elapsed = std::chrono::steady_clock::now() - started;
  std::printf("got %s and %s in %lld ms\n", first.c_str(), second.c_str(),
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(
                      elapsed)
                      .count() /
                  100 * 100));
}

int main() { corofy::block_on(async_main()); }
