//===- net.cpp - TCP streams, listeners and name resolution ---------------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// Each socket call runs inside IoRegistration::poll_io(): the call is
// retried on EINTR, EAGAIN hands the task back to the reactor until the
// next edge, and every other errno becomes the error of a Result.
//
//===----------------------------------------------------------------------===//

#include "corofy/net.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <mutex>
#include <thread>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

namespace corofy::net {
namespace {

std::error_code lastError() noexcept {
  return std::error_code(errno, std::system_category());
}

/// Registers `fd` with the current reactor unless it already is; the
/// kernel's refusal (ENOMEM, ENOSPC) is returned as an error.
std::error_code registerOnce(std::optional<IoRegistration> &io, int fd,
                             Interest interest) {
  if (io)
    return {};
  try {
    io.emplace(fd, interest);
  } catch (const std::system_error &error) {
    return error.code();
  }
  return {};
}

/// A decimal port, 0 to 65535.
std::optional<std::uint16_t> parsePort(std::string_view text) {
  unsigned value = 0;
  auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() ||
      value > 65535)
    return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

/// Splits "host:port" or "[v6-host]:port".
bool splitHostPort(std::string_view text, std::string &host,
                   std::uint16_t &port) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return false;
  std::string_view hostPart = text.substr(0, colon);
  if (hostPart.front() == '[') {
    if (hostPart.size() < 3 || hostPart.back() != ']')
      return false;
    hostPart = hostPart.substr(1, hostPart.size() - 2);
  }
  std::optional<std::uint16_t> parsed = parsePort(text.substr(colon + 1));
  if (!parsed)
    return false;
  host = hostPart;
  port = *parsed;
  return true;
}

/// getaddrinfo() for TCP: the addresses of `host` with `port`.
Result<std::vector<SocketAddr>> lookUp(const std::string &host,
                                       std::uint16_t port, int flags) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  hints.ai_flags = flags;
  addrinfo *found = nullptr;
  int status = ::getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (status == EAI_SYSTEM)
    return lastError();
  if (status != 0)
    return std::error_code(status, resolver_category());
  std::vector<SocketAddr> addresses;
  for (addrinfo *entry = found; entry; entry = entry->ai_next) {
    SocketAddr address(entry->ai_addr, entry->ai_addrlen);
    if (address.empty())
      continue;
    address.set_port(port);
    addresses.push_back(address);
  }
  ::freeaddrinfo(found);
  if (addresses.empty())
    return std::error_code(EAI_NONAME, resolver_category());
  return addresses;
}

class ResolverCategory final : public std::error_category {
public:
  const char *name() const noexcept override { return "getaddrinfo"; }
  std::string message(int code) const override { return gai_strerror(code); }
};

} // namespace

const std::error_category &resolver_category() noexcept {
  static const ResolverCategory Category;
  return Category;
}

//===----------------------------------------------------------------------===//
// OwnedFd and SocketAddr
//===----------------------------------------------------------------------===//

void OwnedFd::reset(int fd) noexcept {
  // Linux releases the descriptor even when close() reports EINTR, so it
  // must not be retried.
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = fd;
}

SocketAddr::SocketAddr() noexcept {
  std::memset(&storage_, 0, sizeof storage_);
  storage_.ss_family = AF_UNSPEC;
}

SocketAddr::SocketAddr(const sockaddr *address, socklen_t size) noexcept
    : SocketAddr() {
  if ((address->sa_family == AF_INET && size >= sizeof(sockaddr_in)) ||
      (address->sa_family == AF_INET6 && size >= sizeof(sockaddr_in6)))
    std::memcpy(&storage_, address,
                address->sa_family == AF_INET ? sizeof(sockaddr_in)
                                              : sizeof(sockaddr_in6));
}

std::optional<SocketAddr> SocketAddr::parse(std::string_view text) {
  std::string host;
  std::uint16_t port;
  if (!splitHostPort(text, host, port))
    return std::nullopt;
  bool bracketed = text.front() == '[';
  SocketAddr result;
  if (bracketed) {
    auto &v6 = reinterpret_cast<sockaddr_in6 &>(result.storage_);
    if (::inet_pton(AF_INET6, host.c_str(), &v6.sin6_addr) != 1)
      return std::nullopt;
    v6.sin6_family = AF_INET6;
  } else {
    auto &v4 = reinterpret_cast<sockaddr_in &>(result.storage_);
    if (::inet_pton(AF_INET, host.c_str(), &v4.sin_addr) != 1)
      return std::nullopt;
    v4.sin_family = AF_INET;
  }
  result.set_port(port);
  return result;
}

SocketAddr SocketAddr::loopback_v4(std::uint16_t port) noexcept {
  SocketAddr result;
  auto &v4 = reinterpret_cast<sockaddr_in &>(result.storage_);
  v4.sin_family = AF_INET;
  v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  result.set_port(port);
  return result;
}

std::uint16_t SocketAddr::port() const noexcept {
  switch (family()) {
  case AF_INET:
    return ntohs(reinterpret_cast<const sockaddr_in &>(storage_).sin_port);
  case AF_INET6:
    return ntohs(reinterpret_cast<const sockaddr_in6 &>(storage_).sin6_port);
  default:
    return 0;
  }
}

void SocketAddr::set_port(std::uint16_t port) noexcept {
  if (family() == AF_INET)
    reinterpret_cast<sockaddr_in &>(storage_).sin_port = htons(port);
  else if (family() == AF_INET6)
    reinterpret_cast<sockaddr_in6 &>(storage_).sin6_port = htons(port);
}

std::string SocketAddr::ip() const {
  char text[INET6_ADDRSTRLEN] = "";
  if (family() == AF_INET)
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in &>(storage_).sin_addr,
                text, sizeof text);
  else if (family() == AF_INET6)
    ::inet_ntop(AF_INET6,
                &reinterpret_cast<const sockaddr_in6 &>(storage_).sin6_addr,
                text, sizeof text);
  return text;
}

std::string SocketAddr::to_string() const {
  if (empty())
    return {};
  std::string port = ":" + std::to_string(this->port());
  return family() == AF_INET6 ? "[" + ip() + "]" + port : ip() + port;
}

socklen_t SocketAddr::native_size() const noexcept {
  switch (family()) {
  case AF_INET:
    return sizeof(sockaddr_in);
  case AF_INET6:
    return sizeof(sockaddr_in6);
  default:
    return sizeof(sa_family_t);
  }
}

bool operator==(const SocketAddr &a, const SocketAddr &b) noexcept {
  return a.native_size() == b.native_size() &&
         std::memcmp(&a.storage_, &b.storage_, a.native_size()) == 0;
}

//===----------------------------------------------------------------------===//
// Resolve
//===----------------------------------------------------------------------===//

struct Resolve::Lookup {
  std::mutex mutex;
  std::optional<Output> result;
  Waker waker = Waker::noop();

  void run(const std::string &host, std::uint16_t port) {
    Output found = lookUp(host, port, 0);
    Waker toWake = Waker::noop();
    {
      std::lock_guard<std::mutex> lock(mutex);
      result.emplace(std::move(found));
      toWake = std::exchange(waker, Waker::noop());
    }
    toWake.wake();
  }
};

Resolve::~Resolve() {
  if (!lookup_)
    return;
  // The thread may outlive us: it must not keep the task alive.
  Waker dropped = Waker::noop();
  std::lock_guard<std::mutex> lock(lookup_->mutex);
  dropped = std::exchange(lookup_->waker, Waker::noop());
}

Poll<Resolve::Output> Resolve::poll(Context &cx) {
  if (!lookup_) {
    if (std::optional<SocketAddr> numeric = SocketAddr::parse(address_))
      return Poll<Output>::ready(std::vector<SocketAddr>{*numeric});
    std::string host;
    std::uint16_t port;
    if (!splitHostPort(address_, host, port))
      return Poll<Output>::ready(
          std::make_error_code(std::errc::invalid_argument));
    lookup_ = std::make_shared<Lookup>();
    lookup_->waker = cx.waker();
    try {
      std::thread([lookup = lookup_, host = std::move(host), port] {
        lookup->run(host, port);
      }).detach();
    } catch (const std::system_error &error) {
      lookup_.reset();
      return Poll<Output>::ready(error.code());
    }
  }
  Waker replaced = Waker::noop(); // dropped after the lock
  std::lock_guard<std::mutex> lock(lookup_->mutex);
  if (lookup_->result)
    return Poll<Output>::ready(std::move(*lookup_->result));
  if (!lookup_->waker.will_wake(cx.waker()))
    replaced = std::exchange(lookup_->waker, cx.waker());
  return Poll<Output>::pending();
}

//===----------------------------------------------------------------------===//
// Connect
//===----------------------------------------------------------------------===//

Connect::Connect(std::string address) : resolve_(std::move(address)) {}

Connect::Connect(const SocketAddr &address) : candidates_{address} {}

bool Connect::start(const SocketAddr &address) {
  socket_.reset(::socket(address.family(),
                         SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                         IPPROTO_TCP));
  if (!socket_) {
    last_error_ = lastError();
    return false;
  }
  if (::connect(socket_.get(), address.native(), address.native_size()) == 0)
    return true;
  // EINTR does not abort a connect: it goes on in the background, as with
  // EINPROGRESS.
  if (errno != EINPROGRESS && errno != EINTR) {
    last_error_ = lastError();
    socket_.reset();
    return false;
  }
  if (std::error_code error =
          registerOnce(io_, socket_.get(), Interest::ReadWrite)) {
    last_error_ = error;
    socket_.reset();
    return false;
  }
  return true;
}

Poll<Connect::Output> Connect::poll(Context &cx) {
  if (resolve_) {
    Poll<Resolve::Output> resolved = resolve_->poll(cx);
    if (resolved.is_pending())
      return Poll<Output>::pending();
    Resolve::Output addresses = std::move(resolved).value();
    resolve_.reset();
    if (!addresses)
      return Poll<Output>::ready(addresses.error());
    candidates_ = std::move(*addresses);
  }
  for (;;) {
    if (io_) {
      Poll<Readiness> ready = io_->poll_ready(cx, Interest::Writable);
      if (ready.is_pending())
        return Poll<Output>::pending();
      if (ready.value().is_shut_down()) {
        io_.reset();
        socket_.reset();
        return Poll<Output>::ready(make_error_code(ReactorError::ShutDown));
      }
      int error = 0;
      socklen_t size = sizeof error;
      if (::getsockopt(socket_.get(), SOL_SOCKET, SO_ERROR, &error, &size) != 0)
        error = errno;
      if (error == 0) {
        sockaddr_storage peer;
        socklen_t peerSize = sizeof peer;
        if (::getpeername(socket_.get(), reinterpret_cast<sockaddr *>(&peer),
                          &peerSize) == 0) {
          TcpStream stream(std::move(socket_), std::move(*io_));
          io_.reset();
          return Poll<Output>::ready(std::move(stream));
        }
        error = errno;
        // Not connected yet and nothing final reported: a stray edge.
        bool final = ready.value().bits() &
                     (Readiness::Error | Readiness::ReadClosed |
                      Readiness::WriteClosed);
        if (error == ENOTCONN && !final) {
          io_->clear_readiness(ready.value());
          continue;
        }
      }
      last_error_ = std::error_code(error, std::system_category());
      io_.reset();
      socket_.reset();
      ++next_;
    }
    if (next_ == candidates_.size())
      return Poll<Output>::ready(
          last_error_ ? last_error_
                      : std::make_error_code(std::errc::invalid_argument));
    if (!start(candidates_[next_])) {
      ++next_;
      continue;
    }
    if (!io_)
      return Poll<Output>::ready(TcpStream(std::move(socket_)));
  }
}

//===----------------------------------------------------------------------===//
// TcpStream
//===----------------------------------------------------------------------===//

namespace {
/// Runs `transfer` (one recv() or send() of `size` bytes) once the socket is
/// ready for `interest`: again on EINTR, after the next edge on EAGAIN.
///
/// A transfer of fewer bytes than asked for emptied the receive buffer (or
/// filled the send buffer), so the next call would say EAGAIN: the
/// readiness is forgotten at once and the next poll waits for the edge of
/// new data (or room) instead, sparing that syscall, as Tokio and Asio do.
/// An edge that came in between keeps it (see clear_readiness()).
template <class Transfer>
Poll<Result<std::size_t>> pollTransfer(std::optional<IoRegistration> &io,
                                       int fd, Context &cx, Interest interest,
                                       std::size_t size, Transfer transfer) {
  using Output = Result<std::size_t>;
  if (size == 0) // recv() would say 0, which means the end of the stream
    return Poll<Output>::ready(std::size_t(0));
  if (std::error_code error = registerOnce(io, fd, Interest::ReadWrite))
    return Poll<Output>::ready(error);
  return io->poll_io(
      cx, interest,
      [&]() -> std::optional<Output> {
        for (;;) {
          ssize_t done = transfer();
          if (done >= 0)
            return Output(static_cast<std::size_t>(done));
          if (errno == EAGAIN || errno == EWOULDBLOCK)
            return std::nullopt;
          if (errno != EINTR)
            return Output(lastError());
        }
      },
      [size](const Output &result) {
        return result && *result != 0 && *result < size;
      });
}
} // namespace

Poll<Result<std::size_t>> TcpStream::poll_read(Context &cx,
                                               std::span<char> buffer) {
  return pollTransfer(io_, socket_.get(), cx, Interest::Readable,
                      buffer.size(), [&] {
                        return ::recv(socket_.get(), buffer.data(),
                                      buffer.size(), 0);
                      });
}

Poll<Result<std::size_t>> TcpStream::poll_write(Context &cx,
                                                std::string_view data) {
  // MSG_NOSIGNAL: a closed peer is an EPIPE to report, not a SIGPIPE.
  return pollTransfer(io_, socket_.get(), cx, Interest::Writable, data.size(),
                      [&] {
                        return ::send(socket_.get(), data.data(), data.size(),
                                      MSG_NOSIGNAL);
                      });
}

Result<void> TcpStream::shutdown(Shutdown how) noexcept {
  if (::shutdown(socket_.get(), static_cast<int>(how)) != 0)
    return lastError();
  return {};
}

namespace {
/// getsockname() or getpeername() as a Result.
Result<SocketAddr> socketName(int fd, int (*name)(int, sockaddr *,
                                                  socklen_t *)) {
  sockaddr_storage storage;
  socklen_t size = sizeof storage;
  if (name(fd, reinterpret_cast<sockaddr *>(&storage), &size) != 0)
    return lastError();
  return SocketAddr(reinterpret_cast<sockaddr *>(&storage), size);
}
} // namespace

Result<SocketAddr> TcpStream::local_addr() const {
  return socketName(socket_.get(), ::getsockname);
}

Result<SocketAddr> TcpStream::peer_addr() const {
  return socketName(socket_.get(), ::getpeername);
}

Result<void> TcpStream::set_nodelay(bool enabled) noexcept {
  int value = enabled;
  if (::setsockopt(socket_.get(), IPPROTO_TCP, TCP_NODELAY, &value,
                   sizeof value) != 0)
    return lastError();
  return {};
}

Poll<Result<std::size_t>> ReadSome::poll(Context &cx) {
  return stream_->poll_read(cx, buffer_);
}

Poll<Result<std::size_t>> Read::poll(Context &cx) {
  while (filled_ < buffer_.size()) {
    Poll<Output> polled = stream_->poll_read(cx, buffer_.subspan(filled_));
    if (polled.is_pending())
      return polled;
    if (!polled.value())
      return polled;
    if (*polled.value() == 0)
      break; // end of stream
    filled_ += *polled.value();
  }
  return Poll<Output>::ready(filled_);
}

Poll<Result<void>> WriteAll::poll(Context &cx) {
  while (written_ < data_.size()) {
    Poll<Result<std::size_t>> polled =
        stream_->poll_write(cx, data_.substr(written_));
    if (polled.is_pending())
      return Poll<Output>::pending();
    if (!polled.value())
      return Poll<Output>::ready(polled.value().error());
    written_ += *polled.value();
  }
  return Poll<Output>::ready(Output());
}

//===----------------------------------------------------------------------===//
// TcpListener
//===----------------------------------------------------------------------===//

Result<TcpListener> TcpListener::bind(const SocketAddr &address, int backlog) {
  OwnedFd socket(::socket(address.family(),
                          SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                          IPPROTO_TCP));
  if (!socket)
    return lastError();
  int one = 1;
  if (::setsockopt(socket.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) !=
          0 ||
      ::bind(socket.get(), address.native(), address.native_size()) != 0 ||
      ::listen(socket.get(), backlog) != 0)
    return lastError();
  Result<SocketAddr> local = socketName(socket.get(), ::getsockname);
  if (!local)
    return local.error();
  return TcpListener(std::move(socket), *local);
}

Result<TcpListener> TcpListener::bind(std::string_view address, int backlog) {
  if (std::optional<SocketAddr> numeric = SocketAddr::parse(address))
    return bind(*numeric, backlog);
  std::string host;
  std::uint16_t port;
  if (!splitHostPort(address, host, port))
    return std::make_error_code(std::errc::invalid_argument);
  Result<std::vector<SocketAddr>> candidates = lookUp(host, port, AI_PASSIVE);
  if (!candidates)
    return candidates.error();
  std::error_code lastError;
  for (const SocketAddr &candidate : *candidates) {
    Result<TcpListener> listener = bind(candidate, backlog);
    if (listener)
      return listener;
    lastError = listener.error();
  }
  return lastError;
}

Poll<Result<Accepted>> TcpListener::poll_accept(Context &cx) {
  using Output = Result<Accepted>;
  if (std::error_code error =
          registerOnce(io_, socket_.get(), Interest::Readable))
    return Poll<Output>::ready(error);
  return io_->poll_io(cx, Interest::Readable, [&]() -> std::optional<Output> {
    for (;;) {
      sockaddr_storage peer;
      socklen_t size = sizeof peer;
      int fd = ::accept4(socket_.get(), reinterpret_cast<sockaddr *>(&peer),
                         &size, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd >= 0)
        return Output(Accepted{TcpStream(OwnedFd(fd)),
                               SocketAddr(reinterpret_cast<sockaddr *>(&peer),
                                          size)});
      switch (errno) {
      case EAGAIN:
#if EWOULDBLOCK != EAGAIN
      case EWOULDBLOCK:
#endif
        return std::nullopt;
      // Interrupted, or a connection that died while queued (accept(2)
      // asks to treat the network errors it passes on like EAGAIN): retry.
      case EINTR:
      case ECONNABORTED:
      case EPROTO:
      case ENETDOWN:
      case ENOPROTOOPT:
      case EHOSTDOWN:
      case ENONET:
      case EHOSTUNREACH:
      case ENETUNREACH:
        continue;
      default:
        return Output(lastError());
      }
    }
  });
}

Poll<Result<Accepted>> Accept::poll(Context &cx) {
  return listener_->poll_accept(cx);
}

} // namespace corofy::net
