//===- delayserver.cpp - The book's delay server --------------------------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// The delayserver of "Asynchronous Programming in Rust", on corofy's
// runtime: GET /<ms>/<message> answers <message> after <ms> milliseconds
// and prints "#<n> - <ms>ms: <message>" as each request arrives, as the
// book's does. SIGINT or SIGTERM stops it cleanly (status 0). The request
// handler and the serving loop are written in coroutine/wait syntax; the
// build runs corofy on this file and compiles the state machines it
// writes.
//
//===----------------------------------------------------------------------===//

#include <corofy/corofy.hpp>
#include <corofy/http.hpp>
#include <corofy/net.hpp>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <cerrno>
#include <csignal>
#include <variant>

#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace http = corofy::http;
namespace net = corofy::net;

namespace {

constexpr std::string_view Explanation =
    R"(Delay server works by issuing an HTTP GET request in the format:
http://localhost:8080/[delay in ms]/[URL-encoded message]

Upon receiving a request, it immediately reports the following to the console:

{Message #} - {delay in ms}ms: {message}

The server then delays the response for the requested time and echoes the
message back to the caller.
)";

constexpr std::string_view OptionsHelp =
    R"(Options:
  --address <host>  the address to listen on (default: localhost)
  --port <port>     the port to listen on, 0 for any free one (default: 8080)
  --threads <n>     worker threads; 0 serves on the main thread (default: 0)
  --help            print this text and exit
)";

/// The longest delay served, so that no deadline overflows the clock.
constexpr std::uint64_t MaxDelayMs = 24 * 60 * 60 * 1000;

std::atomic<unsigned long> request_count{0};

struct DelayRequest {
  std::uint64_t ms;
  std::string message;
};

std::optional<std::uint64_t> parse_number(std::string_view text) {
  std::uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(),
                                      value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size())
    return std::nullopt;
  return value;
}

/// Decodes %XX escapes; a malformed one is kept as it is.
std::string percent_decode(std::string_view text) {
  std::string decoded;
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned value = 0;
    if (text[i] == '%' && i + 2 < text.size() &&
        std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16)
                .ptr == text.data() + i + 3) {
      decoded += static_cast<char>(value);
      i += 2;
    } else {
      decoded += text[i];
    }
  }
  return decoded;
}

/// "/<ms>/<message>": a decimal delay and one non-empty path segment, as
/// the book's route "/{delay}/{message}" matches them.
std::optional<DelayRequest> parse_target(std::string_view target) {
  target = target.substr(0, target.find('?'));
  if (!target.starts_with('/'))
    return std::nullopt;
  target.remove_prefix(1);
  std::size_t slash = target.find('/');
  if (slash == std::string_view::npos)
    return std::nullopt;
  std::optional<std::uint64_t> ms = parse_number(target.substr(0, slash));
  std::string_view message = target.substr(slash + 1);
  if (!ms || *ms > MaxDelayMs || message.empty() ||
      message.find('/') != std::string_view::npos)
    return std::nullopt;
  return DelayRequest{*ms, percent_decode(message)};
}

coroutine<http::Response> delay(http::Request request) {
  if (request.method != "GET" && request.method != "HEAD")
    return http::Response::text(405, "only GET is served\n");
  std::optional<DelayRequest> parsed = parse_target(request.target);
  if (!parsed)
    return http::Response::text(
        404, "not found: ask for /<delay in ms>/<message>\n");
  unsigned long count = ++request_count;
  std::printf("#%lu - %llums: %s\n", count,
              static_cast<unsigned long long>(parsed->ms),
              parsed->message.c_str());
  std::fflush(stdout);
  wait(corofy::sleep_for(std::chrono::milliseconds(parsed->ms)));
  return http::Response::text(200, std::move(parsed->message));
}

/// Ready with the signal number once SIGINT or SIGTERM arrives: both are
/// blocked in every thread and read from a signalfd that the reactor
/// watches, so that the server can stop cleanly.
class Termination {
public:
  using Output = int;

  explicit Termination(net::OwnedFd signals) : signals_(std::move(signals)) {}

  corofy::Poll<int> poll(corofy::Context &cx) {
    if (!io_)
      io_.emplace(signals_.get(), corofy::Interest::Readable);
    return io_->poll_io(cx, corofy::Interest::Readable,
                        [&]() -> std::optional<int> {
                          signalfd_siginfo info;
                          for (;;) {
                            ssize_t n = ::read(signals_.get(), &info,
                                               sizeof info);
                            if (n == sizeof info)
                              return static_cast<int>(info.ssi_signo);
                            if (n < 0 && errno == EINTR)
                              continue;
                            if (n < 0 && errno == EAGAIN)
                              return std::nullopt;
                            return SIGTERM; // unreadable: stop all the same
                          }
                        });
  }

private:
  net::OwnedFd signals_;
  std::optional<corofy::IoRegistration> io_; // before signals_ closes
};

/// Serves until a termination signal (status 0) or until accepting fails
/// (status 1).
coroutine<int> serve(net::TcpListener listener, net::OwnedFd signals) {
  std::variant<net::Result<void>, int> ended = wait(corofy::select(
      http::serve(std::move(listener), delay), Termination(std::move(signals))));
  if (ended.index() == 1)
    return 0;
  std::fprintf(stderr, "delayserver: accepting connections failed: %s\n",
               std::get<0>(ended).error().message().c_str());
  return 1;
}

struct Options {
  std::string address = "localhost";
  std::uint16_t port = 8080;
  unsigned threads = 0;
};

[[noreturn]] void usage_error(const std::string &message) {
  std::fprintf(stderr,
               "delayserver: %s\nTry 'delayserver --help' for more "
               "information.\n",
               message.c_str());
  std::exit(2);
}

/// Reads the command line; prints the help and exits for --help, exits
/// with status 2 on a bad option.
Options parse_options(int argc, char **argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::printf("Usage: delayserver [options]\n\n%.*s\n%.*s",
                  static_cast<int>(Explanation.size()), Explanation.data(),
                  static_cast<int>(OptionsHelp.size()), OptionsHelp.data());
      std::exit(0);
    }
    // "--name value" or "--name=value".
    std::string_view name = arg.substr(0, arg.find('='));
    std::string_view value;
    if (name.size() < arg.size())
      value = arg.substr(name.size() + 1);
    else if (i + 1 < argc)
      value = argv[++i];
    else
      usage_error("missing value after '" + std::string(arg) + "'");
    std::optional<std::uint64_t> number = parse_number(value);
    if (name == "--address" && !value.empty())
      options.address = value;
    else if (name == "--port" && number && *number <= 65535)
      options.port = static_cast<std::uint16_t>(*number);
    else if (name == "--threads" && number && *number <= 1024)
      options.threads = static_cast<unsigned>(*number);
    else
      usage_error("bad option '" + std::string(name) + "' or value '" +
                  std::string(value) + "'");
  }
  return options;
}

/// Blocks SIGINT and SIGTERM (in the threads started later too) and returns
/// a signalfd that reads them.
net::OwnedFd block_termination_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  net::OwnedFd fd(::signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!fd) {
    std::perror("delayserver: signalfd");
    std::exit(1);
  }
  return fd;
}

/// Lifts the soft limit on open descriptors to the hard one: every
/// connection held is one.
void raise_descriptor_limit() {
  rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
      std::perror("delayserver: setrlimit(RLIMIT_NOFILE)");
  }
}

} // namespace

int main(int argc, char **argv) {
  Options options = parse_options(argc, argv);
  raise_descriptor_limit();
  net::OwnedFd signals = block_termination_signals();

  bool ipv6 = options.address.find(':') != std::string::npos;
  std::string address = (ipv6 ? "[" + options.address + "]" : options.address) +
                        ":" + std::to_string(options.port);
  net::Result<net::TcpListener> listener = net::TcpListener::bind(address);
  if (!listener) {
    std::fprintf(stderr, "delayserver: cannot listen on %s: %s\n",
                 address.c_str(), listener.error().message().c_str());
    return 1;
  }
  std::printf("Listening on http://%s\n\n%.*s\nREQUESTS:\n--------\n",
              listener->local_addr().to_string().c_str(),
              static_cast<int>(Explanation.size()), Explanation.data());
  std::fflush(stdout);

  corofy::Runtime runtime(
      corofy::Runtime::Options{.worker_threads = options.threads});
  return runtime.block_on(serve(std::move(*listener), std::move(signals)));
}
