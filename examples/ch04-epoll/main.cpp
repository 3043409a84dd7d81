// The book's a-epoll (chapter 4): an event queue on raw epoll, no runtime.
// Five GET requests go to the delayserver, the first with the longest
// delay; one thread then sleeps in epoll_wait and reads each answer as it
// arrives, so they come in reverse order of sending.
//
//   ch04-epoll [--delay-step <ms>]
//
// Request i asks for a delay of (5 - i) * <ms>; the book's <ms> is 1000.

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <netdb.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

[[noreturn]] void throw_os_error(const char *what) {
  throw std::system_error(errno, std::generic_category(), what);
}

/// A file descriptor, closed when it is destroyed.
class Fd {
public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd &&other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd &operator=(Fd &&) = delete;
  ~Fd() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  int get() const { return fd_; }

private:
  int fd_;
};

/// The book's Poll: an epoll instance. Interest is registered per file
/// descriptor with a token that comes back in the events it causes.
class Poll {
public:
  Poll() : epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (epoll_.get() < 0)
      throw_os_error("epoll_create1");
  }

  void add(const Fd &fd, std::uint64_t token, std::uint32_t interests) {
    epoll_event event{};
    event.events = interests;
    event.data.u64 = token;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd.get(), &event) < 0)
      throw_os_error("epoll_ctl");
  }

  /// Sleeps until events arrive (or `timeout_ms` passes; -1 waits
  /// forever) and returns at most `max_events` of them.
  std::vector<epoll_event> poll(int max_events, int timeout_ms) {
    std::vector<epoll_event> events(max_events);
    int count;
    while ((count = ::epoll_wait(epoll_.get(), events.data(), max_events,
                                 timeout_ms)) < 0) {
      if (errno != EINTR)
        throw_os_error("epoll_wait");
    }
    events.resize(count);
    return events;
  }

private:
  Fd epoll_;
};

/// Where the delayserver is: $COROFY_DELAYSERVER (the tests start one on a
/// free port) or, as in the book, localhost:8080.
std::string delayserver_address() {
  const char *address = std::getenv("COROFY_DELAYSERVER");
  return address ? address : "localhost:8080";
}

/// A blocking connect to "host:port", as the book's TcpStream::connect.
Fd connect_to(const std::string &address) {
  std::size_t colon = address.rfind(':');
  std::string host = address.substr(0, colon);
  std::string port = address.substr(colon + 1);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo *found = nullptr;
  if (int error = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found))
    throw std::runtime_error(address + ": " + ::gai_strerror(error));
  int error = 0;
  for (addrinfo *candidate = found; candidate; candidate = candidate->ai_next) {
    Fd stream(::socket(candidate->ai_family,
                       candidate->ai_socktype | SOCK_CLOEXEC,
                       candidate->ai_protocol));
    if (stream.get() >= 0 && ::connect(stream.get(), candidate->ai_addr,
                                       candidate->ai_addrlen) == 0) {
      ::freeaddrinfo(found);
      return stream;
    }
    error = errno;
  }
  ::freeaddrinfo(found);
  throw std::system_error(error, std::generic_category(),
                          "connect to " + address);
}

void set_nonblocking(const Fd &stream) {
  int flags = ::fcntl(stream.get(), F_GETFL);
  if (flags < 0 || ::fcntl(stream.get(), F_SETFL, flags | O_NONBLOCK) < 0)
    throw_os_error("fcntl");
}

void write_all(const Fd &stream, const std::string &data) {
  for (std::size_t written = 0; written < data.size();) {
    ssize_t count = ::send(stream.get(), data.data() + written,
                           data.size() - written, MSG_NOSIGNAL);
    if (count < 0) {
      if (errno == EINTR)
        continue;
      throw_os_error("send");
    }
    written += count;
  }
}

std::string get_request(const std::string &path) {
  return "GET " + path +
         " HTTP/1.1\r\n"
         "Host: localhost\r\n"
         "Connection: close\r\n"
         "\r\n";
}

/// Reads what each event's stream has to give and returns how many streams
/// reached their end. Edge-triggered epoll reports new data once, so each
/// stream is read until it would block (more may come) or ends. A stream
/// that ended can be reported again (its end and its hang-up may be edges of
/// their own), so `ended` makes each count once.
int handle_events(const std::vector<epoll_event> &events,
                  std::vector<Fd> &streams, std::vector<bool> &ended) {
  int handled_events = 0;
  for (const epoll_event &event : events) {
    std::uint64_t token = event.data.u64;
    if (ended[token])
      continue;
    char data[4096];
    for (;;) {
      ssize_t count = ::read(streams[token].get(), data, sizeof data);
      if (count == 0) {
        ended[token] = true;
        ++handled_events;
        break;
      }
      if (count > 0) {
        std::printf("RECEIVED: Event { events: %u, epoll_data: %llu }\n",
                    static_cast<unsigned>(event.events),
                    static_cast<unsigned long long>(token));
        std::printf("%.*s\n------\n\n", static_cast<int>(count), data);
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        break; // not all there yet: wait for the next event
      if (errno != EINTR)
        throw_os_error("read");
    }
  }
  return handled_events;
}

int parse_delay_step(int argc, char **argv) {
  if (argc == 1)
    return 1000;
  if (argc == 3 && std::strcmp(argv[1], "--delay-step") == 0)
    return std::atoi(argv[2]);
  std::fprintf(stderr, "Usage: %s [--delay-step <ms>]\n", argv[0]);
  std::exit(2);
}

} // namespace

int main(int argc, char **argv) try {
  int delay_step = parse_delay_step(argc, argv);
  Poll poll;
  const int n_events = 5;
  std::vector<Fd> streams;
  std::string address = delayserver_address();

  for (int i = 0; i < n_events; ++i) {
    int delay = (n_events - i) * delay_step;
    std::string url_path =
        "/" + std::to_string(delay) + "/request-" + std::to_string(i);
    Fd stream = connect_to(address);
    // The request is small: it is sent before the socket stops blocking.
    write_all(stream, get_request(url_path));
    set_nonblocking(stream);
    poll.add(stream, i, EPOLLIN | EPOLLET);
    streams.push_back(std::move(stream));
  }

  std::vector<bool> ended(n_events);
  int handled_events = 0;
  while (handled_events < n_events) {
    std::vector<epoll_event> events = poll.poll(10, -1);
    if (events.empty()) {
      std::printf("TIMEOUT (OR SPURIOUS EVENT NOTIFICATION)\n");
      continue;
    }
    handled_events += handle_events(events, streams, ended);
  }
  std::printf("FINISHED\n");
} catch (const std::exception &error) {
  std::fprintf(stderr, "ch04-epoll: %s\n", error.what());
  return 1;
}
