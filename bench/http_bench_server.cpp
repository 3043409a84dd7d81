//===- bench/http_bench_server.cpp - corofy's side of the HTTP benchmark --===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// The corofy side of run_http_bench.sh: corofy::http::serve with a handler
// that answers every GET / (and HEAD /) with 200 and the 13-byte body
// "Hello, World!" (any other request: 404), on keep-alive HTTP/1.1
// connections. The handler and the serving loop are written in
// coroutine/wait syntax, as tools/delayserver's are; the build runs corofy
// on this file.
//
// Usage: http_bench_server [--port P] [--threads N]
//   --port P     the port to listen on at 127.0.0.1, 0 for any free one
//                (default 0);
//   --threads N  the threads that serve connections: 1 (the default) is a
//                current-thread runtime, where the thread inside block_on()
//                accepts and serves everything; N > 1 starts N worker
//                threads that run the connections, block_on()'s thread only
//                accepting.
// Prints "listening on 127.0.0.1:<port>" once it accepts connections, and
// serves until it is killed.
//
//===----------------------------------------------------------------------===//

#include <corofy/corofy.hpp>
#include <corofy/http.hpp>
#include <corofy/net.hpp>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <sys/resource.h>

namespace http = corofy::http;
namespace net = corofy::net;

namespace {

coroutine<http::Response> hello(http::Request request) {
  // The server sends a HEAD request the headers of the GET.
  if ((request.method == "GET" || request.method == "HEAD") &&
      request.target == "/")
    return http::Response::text(200, "Hello, World!");
  return http::Response::text(404, "not found\n");
}

coroutine<int> serve(net::TcpListener listener) {
  net::Result<void> ended = wait(http::serve(std::move(listener), hello));
  std::fprintf(stderr, "http_bench_server: accepting failed: %s\n",
               ended.error().message().c_str());
  return 1;
}

std::optional<unsigned> parseNumber(std::string_view text) {
  unsigned value = 0;
  auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size())
    return std::nullopt;
  return value;
}

[[noreturn]] void usage() {
  std::fprintf(stderr, "usage: http_bench_server [--port P] [--threads N]\n");
  std::exit(2);
}

} // namespace

int main(int argc, char **argv) {
  unsigned port = 0, threads = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (i + 1 == argc)
      usage();
    std::optional<unsigned> value = parseNumber(argv[++i]);
    if (arg == "--port" && value && *value <= 65535)
      port = *value;
    else if (arg == "--threads" && value && *value >= 1 && *value <= 1024)
      threads = *value;
    else
      usage();
  }

  // Every connection held is a descriptor.
  rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    limit.rlim_cur = limit.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &limit);
  }

  net::Result<net::TcpListener> listener =
      net::TcpListener::bind("127.0.0.1:" + std::to_string(port));
  if (!listener) {
    std::fprintf(stderr, "http_bench_server: cannot listen: %s\n",
                 listener.error().message().c_str());
    return 1;
  }
  std::printf("listening on %s\n", listener->local_addr().to_string().c_str());
  std::fflush(stdout);

  corofy::Runtime runtime(
      corofy::Runtime::Options{.worker_threads = threads == 1 ? 0 : threads});
  return runtime.block_on(serve(std::move(*listener)));
}
