//===- bench/asio_http_server.cpp - Boost.Asio side of the HTTP benchmark -===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// The peer of http_bench_server.cpp in run_http_bench.sh: the same tiny
// keep-alive HTTP/1.1 server on Boost.Asio's C++20 coroutines (awaitable,
// co_spawn, use_awaitable), one coroutine per connection on one io_context.
// It sends the same bytes as corofy's http::Server does for its handler
// (status line, content-type, date, content-length, "Hello, World!"), and
// does the same work per request that matters for its cost: the request
// line and every header line are split and checked, Connection and
// Content-Length are read, HTTP/1.0 and "Connection: close" end the
// connection, the Date header is formatted per response, pipelined
// requests are answered in order. It is smaller than corofy's general
// server in what it leaves out: headers are looked at in place instead of
// being copied into a header list, there is no read timeout, no handler
// object, and chunked request bodies get 400.
//
// Usage: asio_http_server [--port P] [--threads N]
//   --port P     the port to listen on at 127.0.0.1, 0 for any free one
//                (default 0);
//   --threads N  threads running the io_context (default 1; the
//                concurrency hint is N).
// Prints "listening on 127.0.0.1:<port>" once it accepts connections, and
// serves until it is killed.
//
//===----------------------------------------------------------------------===//

// Boost 1.74 recognises C++20 coroutines on GCC only (on Clang it looks
// for the Coroutines TS); Clang has them too, and <coroutine>, which
// BOOST_ASIO_HAS_STD_COROUTINE already detects.
#if defined(__clang__) && defined(__cpp_impl_coroutine) &&                     \
    !defined(BOOST_ASIO_HAS_CO_AWAIT)
#define BOOST_ASIO_HAS_CO_AWAIT 1
#endif

#include <utility> // Boost 1.74's awaitable.hpp uses std::exchange unincluded

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <sys/resource.h>

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;

namespace {

/// Requests larger than this get 400, as corofy's default limit on heads.
constexpr std::size_t MaxHead = 64 * 1024;
constexpr std::size_t MaxBody = 1024 * 1024;
constexpr std::string_view Body = "Hello, World!";

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z')
      x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z')
      y = static_cast<char>(y - 'A' + 'a');
    if (x != y)
      return false;
  }
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

bool isTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool isToken(std::string_view text) {
  if (text.empty())
    return false;
  for (char c : text)
    if (!isTokenChar(c))
      return false;
  return true;
}

/// Calls `f` with each comma-separated, trimmed element of `list`.
template <class F> void forEachToken(std::string_view list, F f) {
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    f(trim(list.substr(0, comma)));
    if (comma == std::string_view::npos)
      break;
    list.remove_prefix(comma + 1);
  }
}

/// What the server needs of a request head.
struct Head {
  std::string_view method, target;
  int minor_version = 1;
  bool close = false, keep_alive = false; // Connection tokens
  std::uint64_t content_length = 0;
};

/// Parses "METHOD SP target SP HTTP/1.x CRLF (name: value CRLF)*", without
/// the blank line; nullopt when malformed or with a body it does not read.
std::optional<Head> parseHead(std::string_view text) {
  Head head;
  bool first = true, haveLength = false;
  while (!text.empty() || first) {
    std::size_t eol = text.find("\r\n");
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 2);
    if (first) {
      first = false;
      std::size_t sp1 = line.find(' ');
      std::size_t sp2 =
          sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
      if (sp2 == std::string_view::npos)
        return std::nullopt;
      head.method = line.substr(0, sp1);
      head.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
      std::string_view version = line.substr(sp2 + 1);
      if (!isToken(head.method) || head.target.empty() || version.size() != 8 ||
          version.substr(0, 7) != "HTTP/1." || version[7] < '0' ||
          version[7] > '9')
        return std::nullopt;
      head.minor_version = version[7] - '0';
      continue;
    }
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || !isToken(line.substr(0, colon)))
      return std::nullopt;
    std::string_view name = line.substr(0, colon);
    std::string_view value = trim(line.substr(colon + 1));
    if (equalsIgnoringCase(name, "connection")) {
      forEachToken(value, [&](std::string_view token) {
        if (equalsIgnoringCase(token, "close"))
          head.close = true;
        else if (equalsIgnoringCase(token, "keep-alive"))
          head.keep_alive = true;
      });
    } else if (equalsIgnoringCase(name, "content-length")) {
      std::uint64_t length = 0;
      auto [end, error] =
          std::from_chars(value.data(), value.data() + value.size(), length);
      if (error != std::errc() || end != value.data() + value.size() ||
          (haveLength && length != head.content_length) || length > MaxBody)
        return std::nullopt;
      haveLength = true;
      head.content_length = length;
    } else if (equalsIgnoringCase(name, "transfer-encoding")) {
      return std::nullopt; // chunked bodies are not read here
    }
  }
  return head;
}

/// The IMF-fixdate of now, as corofy's server formats it.
void appendDate(std::string &out) {
  std::time_t now = std::time(nullptr);
  std::tm utc;
  gmtime_r(&now, &utc);
  char text[40];
  std::size_t size =
      std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  out.append(text, size);
}

void appendResponse(std::string &out, int status, std::string_view body,
                    bool close, bool keepAlive10, bool head) {
  out += status == 200   ? "HTTP/1.1 200 OK\r\n"
         : status == 404 ? "HTTP/1.1 404 Not Found\r\n"
                         : "HTTP/1.1 400 Bad Request\r\n";
  out += "content-type: text/plain; charset=utf-8\r\ndate: ";
  appendDate(out);
  out += "\r\n";
  if (close)
    out += "connection: close\r\n";
  else if (keepAlive10)
    out += "connection: keep-alive\r\n";
  out += "content-length: ";
  char digits[20];
  auto [end, error] =
      std::to_chars(digits, digits + sizeof digits, body.size());
  out.append(digits, end);
  out += "\r\n\r\n";
  if (!head)
    out += body;
}

awaitable<void> session(tcp::socket socket) {
  std::string in;  // received, not yet answered
  std::string out; // responses to send
  char chunk[4096];
  boost::system::error_code error;
  for (;;) {
    // Answer every complete request received, in order.
    bool close = false;
    std::size_t pos = 0;
    for (;;) {
      std::size_t end = in.find("\r\n\r\n", pos);
      if (end == std::string::npos) {
        if (in.size() - pos > MaxHead) {
          appendResponse(out, 400, "bad request\n", true, false, false);
          close = true;
        }
        break;
      }
      std::optional<Head> head =
          parseHead(std::string_view(in).substr(pos, end - pos));
      if (!head) {
        appendResponse(out, 400, "bad request\n", true, false, false);
        close = true;
        break;
      }
      std::size_t next = end + 4 + head->content_length;
      if (next > in.size())
        break; // the body is still coming
      pos = next;
      close = head->close || (head->minor_version == 0 && !head->keep_alive);
      bool isHead = head->method == "HEAD";
      if ((head->method == "GET" || isHead) && head->target == "/")
        appendResponse(out, 200, Body, close,
                       !close && head->minor_version == 0, isHead);
      else
        appendResponse(out, 404, "not found\n", close,
                       !close && head->minor_version == 0, isHead);
      if (close)
        break;
    }
    in.erase(0, pos);

    if (!out.empty()) {
      co_await asio::async_write(socket, asio::buffer(out),
                                 asio::redirect_error(use_awaitable, error));
      if (error)
        co_return;
      out.clear();
    }
    if (close) {
      socket.shutdown(tcp::socket::shutdown_send, error);
      co_return;
    }

    std::size_t received = co_await socket.async_read_some(
        asio::buffer(chunk), asio::redirect_error(use_awaitable, error));
    if (error)
      co_return; // the end of the stream, or a failure
    in.append(chunk, received);
  }
}

awaitable<void> listen(tcp::acceptor &acceptor) {
  boost::system::error_code error;
  for (;;) {
    tcp::socket socket = co_await acceptor.async_accept(
        asio::redirect_error(use_awaitable, error));
    if (error) {
      if (error == asio::error::no_descriptors ||
          error == asio::error::no_buffer_space ||
          error == asio::error::no_memory)
        continue;
      std::fprintf(stderr, "asio_http_server: accepting failed: %s\n",
                   error.message().c_str());
      std::exit(1);
    }
    asio::co_spawn(socket.get_executor(), session(std::move(socket)),
                   asio::detached);
  }
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
  std::fprintf(stderr, "usage: asio_http_server [--port P] [--threads N]\n");
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

  rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    limit.rlim_cur = limit.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &limit);
  }

  asio::io_context context(static_cast<int>(threads));
  tcp::acceptor acceptor(context);
  try {
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"),
                           static_cast<unsigned short>(port));
    acceptor.open(endpoint.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
  } catch (const boost::system::system_error &error) {
    std::fprintf(stderr, "asio_http_server: cannot listen: %s\n", error.what());
    return 1;
  }
  std::printf("listening on 127.0.0.1:%u\n", acceptor.local_endpoint().port());
  std::fflush(stdout);

  asio::co_spawn(context, listen(acceptor), asio::detached);
  std::vector<std::thread> others;
  for (unsigned i = 1; i < threads; ++i)
    others.emplace_back([&] { context.run(); });
  context.run();
  for (std::thread &thread : others)
    thread.join();
}
