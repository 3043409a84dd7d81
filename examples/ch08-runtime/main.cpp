// The book's chapter 8 (runtimes, wakers, the reactor-executor pattern), in
// C++: requests to the delay server, first one after the other through
// block_on (ch08/a-runtime), then as spawned tasks (ch08/b-reactor-executor),
// then on a runtime whose worker threads share one reactor.

#include <corofy/corofy.hpp>
#include <corofy/http.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace http = corofy::http;
using Clock = std::chrono::steady_clock;

// Numbers the threads in the order they first print: the main thread is 0.
std::atomic<int> threads_seen{0};
thread_local const int thread_number = threads_seen++;

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

// ch08/a-runtime: two requests, one after the other. Between them the thread
// sleeps in epoll_wait until the reactor sees the response arrive.
coroutine<void> async_main() {
  std::printf("Program starting\n");
  std::string txt = wait(delayed_get(600, "HelloAsyncAwait"));
  std::printf("%s\n", txt.c_str());
  txt = wait(delayed_get(400, "HelloAsyncAwait"));
  std::printf("%s\n", txt.c_str());
}

// ch08/b-reactor-executor: request i takes i * 200 ms (the book's 1000 ms,
// shortened).
coroutine<std::string> request(int i) {
  std::string txt =
      wait(delayed_get(i * 200, "HelloWorld" + std::to_string(i)));
  std::printf("request %d: %s (thread %d)\n", i, txt.c_str(), thread_number);
  return txt;
}

// Spawns five requests as tasks of the current runtime, then waits for all
// of them through their JoinHandles.
coroutine<void> spawn_requests() {
  std::vector<corofy::JoinHandle<std::string>> handles;
  for (int i = 0; i < 5; ++i)
    handles.push_back(corofy::spawn(request(i)));
  std::vector<std::string> responses =
      wait(corofy::join_all(std::move(handles)));
  std::printf("joined:");
  for (const std::string &response : responses)
    std::printf(" %s", response.c_str());
  std::printf("\n");
}

void print_elapsed(Clock::time_point start, const char *expected) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() -
                                                                  start);
  std::printf("took %lld ms (%s)\n", static_cast<long long>(ms.count()),
              expected);
}

int main() {
  std::printf("main thread is thread %d\n", thread_number);

  // Worker threads 0: the thread inside block_on runs every task and waits
  // in the reactor's epoll_wait when none can run.
  corofy::Runtime runtime;

  std::printf("\n== block_on: one request after the other ==\n");
  Clock::time_point start = Clock::now();
  runtime.block_on(async_main());
  print_elapsed(start, "600 + 400 ms of delays, one after the other");

  std::printf("\n== spawn: five tasks on the main thread ==\n");
  start = Clock::now();
  runtime.block_on(spawn_requests());
  print_elapsed(start, "the longest delay is 800 ms; in turn, 2000 ms");

  // Four executor threads run the tasks; whichever is idle waits in the one
  // reactor. The main thread only polls spawn_requests().
  corofy::Runtime threaded(corofy::Runtime::Options{.worker_threads = 4});
  std::printf("\n== spawn: five tasks on 4 worker threads ==\n");
  start = Clock::now();
  threaded.block_on(spawn_requests());
  print_elapsed(start, "the longest delay is 800 ms; in turn, 2000 ms");
}
