// The book's chapter 9 (coroutines, self-referential structs and pinning),
// in C++: a counter, then a buffer and a reference to it, that live across
// waits; and why a started coroutine must stay where it is.

#include <corofy/corofy.hpp>
#include <corofy/http.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

namespace http = corofy::http;
using namespace std::chrono_literals;

// The delay server of COROFY_DELAYSERVER, or where the book runs it.
std::string delayserver_url() {
  const char *address = std::getenv("COROFY_DELAYSERVER");
  return std::string("http://") + (address ? address : "localhost:8080");
}

// The server answers GET /<ms>/<message> with <message> after <ms> ms.
coroutine<std::string> delayed_get(int ms, std::string message) {
  std::string url =
      delayserver_url() + "/" + std::to_string(ms) + "/" + message;
  corofy::net::Result<http::Response> response = wait(http::get(url));
  if (!response)
    return "error: " + response.error().message();
  return response->body;
}

// ch09/a-coroutines-variables: `counter` is needed after each wait, so
// corofy hoists it into the coroutine's frame instead of poll()'s stack.
coroutine<void> count_responses() {
  int counter = 0;
  std::printf("Program starting\n");
  std::string txt = wait(delayed_get(600, "HelloAsyncAwait"));
  std::printf("%s\n", txt.c_str());
  counter += 1;
  txt = wait(delayed_get(400, "HelloAsyncAwait"));
  std::printf("%s\n", txt.c_str());
  counter += 1;
  std::printf("Received %d responses.\n", counter);
}

// ch09/b-coroutines-references: `writer` refers to `buffer` across both
// waits. Both live in the frame, `writer` as a pointer to `buffer`: the
// frame now points into itself.
coroutine<void> write_to_buffer() {
  std::string buffer = "\nBUFFER:\n----\n";
  std::string &writer = buffer;
  std::printf("Program starting\n");
  std::string txt = wait(delayed_get(600, "HelloAsyncAwait"));
  writer += txt + "\n";
  txt = wait(delayed_get(400, "HelloAsyncAwait"));
  writer += txt + "\n";
  std::printf("%s", buffer.c_str());
}

// The same self-reference, for the moves below. If the frame moved while
// suspended, `writer` would still point at the old frame's buffer.
coroutine<std::string> fill(std::string name, int ms) {
  std::string buffer = name + ":";
  std::string &writer = buffer;
  for (int i = 1; i <= 2; ++i)
    writer += " " + wait(delayed_get(ms, name + std::to_string(i)));
  if (&writer != &buffer)
    return name + ": writer no longer refers to buffer";
  return buffer;
}

// ch09/c-coroutines-problem: a started coroutine that moves breaks. Here
// coroutines move only as boxes or handles; their frames stay put.
coroutine<void> move_coroutines() {
  // Calling fill() builds its frame and moves it into a heap box, the
  // coroutine<T> it returns: a move before the first poll, which is fine.
  // From then on only the box moves, a pointer, at any time.
  coroutine<std::string> task = fill("first", 100);
  coroutine<std::string> moved = std::move(task);
  std::printf("%s\n", wait(moved).c_str());

  // A spawned task owns its coroutine and polls it in place, so the
  // handles may be swapped while both tasks are suspended mid-way.
  corofy::JoinHandle<std::string> second = corofy::spawn(fill("second", 200));
  corofy::JoinHandle<std::string> third = corofy::spawn(fill("third", 100));
  wait(corofy::sleep_for(50ms)); // both now wait for their first response
  std::swap(second, third);      // `second` now holds the third task
  std::printf("%s\n", wait(second).c_str());
  std::printf("%s\n", wait(third).c_str());
}

int main() {
  corofy::Runtime runtime;
  std::printf("== a variable across waits ==\n");
  runtime.block_on(count_responses());
  std::printf("\n== a reference across waits ==\n");
  runtime.block_on(write_to_buffer());
  std::printf("\n== moving coroutines ==\n");
  runtime.block_on(move_coroutines());
}
