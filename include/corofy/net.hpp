//===- corofy/net.hpp - TCP streams and listeners ---------------*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// Non-blocking TCP on the reactor of the current runtime, in the style of
// Tokio's net module:
//
//   TcpStream::connect("127.0.0.1:8080")  future of Result<TcpStream>
//   stream.read_some(buf) / read(buf)     futures of Result<std::size_t>
//   stream.write_all(data)                future of Result<void>
//   TcpListener::bind("0.0.0.0:0")        Result<TcpListener>, at once
//   listener.accept()                     future of Result<Accepted>
//
// Failures are values, never exceptions or aborts: every operation yields a
// Result<T> holding either its value or a std::error_code (ECONNREFUSED,
// ECONNRESET, EPIPE, ...). Writes use MSG_NOSIGNAL, so a closed peer never
// raises SIGPIPE; EINTR is retried; write_all() resumes after partial
// writes. Every descriptor is created close-on-exec and non-blocking and is
// closed by its owner's destructor (after leaving the reactor).
//
// The futures borrow the stream, listener or buffer they were made from,
// which must outlive them, as in Rust. They allocate nothing when polled (a
// stream registers with the reactor once, on its first use) and may be
// moved until they are polled; they hold no pointer into themselves, so in
// fact at any time.
//
// Runtimes: a stream or listener belongs to the runtime it was first
// polled on (it registers with that runtime's reactor), wherever it is
// polled later. Polled from another runtime's thread, it waits for its own
// runtime's reactor to report it, so that runtime must be running (have
// workers, or a thread inside its block_on()). Once its runtime has been
// destroyed, every I/O future on it, pending then or made later, yields the
// error corofy::ReactorError::ShutDown (which compares equal to
// std::errc::operation_canceled) at its next poll, in whatever runtime,
// instead of waiting forever; its descriptor stays open until its owner is
// destroyed. A stream never polled yet (as accepted) belongs to the first
// runtime that polls it.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_NET_HPP
#define COROFY_NET_HPP

#include "corofy/reactor.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include <sys/socket.h>

namespace corofy::net {

//===----------------------------------------------------------------------===//
// Result
//===----------------------------------------------------------------------===//

/// A value of type T or the std::error_code saying why there is none: what
/// std::expected<T, std::error_code> will be in C++23.
template <class T> class [[nodiscard]] Result {
public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(std::error_code error) : state_(std::in_place_index<1>, error) {}

  bool has_value() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  /// The value; throws std::system_error with the error when there is none
  /// (a programming error: check has_value() or error() first).
  T &value() & { return check(), std::get<0>(state_); }
  const T &value() const & { return check(), std::get<0>(state_); }
  T &&value() && { return check(), std::get<0>(std::move(state_)); }
  T &operator*() & { return value(); }
  const T &operator*() const & { return value(); }
  T &&operator*() && { return std::move(*this).value(); }
  T *operator->() { return &value(); }
  const T *operator->() const { return &value(); }

  /// The error, or a default (false) error_code when there is a value.
  std::error_code error() const noexcept {
    return has_value() ? std::error_code() : std::get<1>(state_);
  }

private:
  void check() const {
    if (!has_value())
      throw std::system_error(std::get<1>(state_));
  }

  std::variant<T, std::error_code> state_;
};

/// Success or the error of an operation without a value.
template <> class [[nodiscard]] Result<void> {
public:
  Result() noexcept = default;
  Result(std::error_code error) noexcept : error_(error) {}

  bool has_value() const noexcept { return !error_; }
  explicit operator bool() const noexcept { return has_value(); }
  /// Throws std::system_error when there is an error.
  void value() const {
    if (error_)
      throw std::system_error(error_);
  }
  std::error_code error() const noexcept { return error_; }

private:
  std::error_code error_;
};

//===----------------------------------------------------------------------===//
// Descriptors and addresses
//===----------------------------------------------------------------------===//

/// Owns a file descriptor and closes it when destroyed.
class OwnedFd {
public:
  OwnedFd() noexcept = default;
  explicit OwnedFd(int fd) noexcept : fd_(fd) {}
  OwnedFd(OwnedFd &&other) noexcept : fd_(other.release()) {}
  OwnedFd &operator=(OwnedFd &&other) noexcept {
    if (this != &other)
      reset(other.release());
    return *this;
  }
  ~OwnedFd() { reset(); }

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  /// Gives up ownership without closing.
  int release() noexcept { return std::exchange(fd_, -1); }
  /// Closes the descriptor held, if any, and holds `fd` instead.
  void reset(int fd = -1) noexcept;

private:
  int fd_ = -1;
};

/// An IPv4 or IPv6 address and port: the sockaddr of the socket calls.
class SocketAddr {
public:
  /// An empty address (family AF_UNSPEC).
  SocketAddr() noexcept;
  /// Copies a sockaddr_in or sockaddr_in6; other families give an empty
  /// address.
  SocketAddr(const sockaddr *address, socklen_t size) noexcept;

  /// Parses a numeric "192.0.2.1:80" or "[2001:db8::1]:80".
  static std::optional<SocketAddr> parse(std::string_view text);
  /// 127.0.0.1 with `port`.
  static SocketAddr loopback_v4(std::uint16_t port) noexcept;

  int family() const noexcept { return storage_.ss_family; }
  bool empty() const noexcept { return family() == AF_UNSPEC; }
  std::uint16_t port() const noexcept;
  void set_port(std::uint16_t port) noexcept;
  /// The address without the port: "192.0.2.1", "2001:db8::1".
  std::string ip() const;
  /// "192.0.2.1:80", "[2001:db8::1]:80", or "" when empty.
  std::string to_string() const;

  const sockaddr *native() const noexcept {
    return reinterpret_cast<const sockaddr *>(&storage_);
  }
  socklen_t native_size() const noexcept;

  friend bool operator==(const SocketAddr &a, const SocketAddr &b) noexcept;

private:
  sockaddr_storage storage_;
};

/// The std::error_category of getaddrinfo()'s EAI_* codes.
const std::error_category &resolver_category() noexcept;

//===----------------------------------------------------------------------===//
// Futures
//===----------------------------------------------------------------------===//

class TcpStream;
class TcpListener;

/// Resolves "host:port" (a name, or a numeric address answered at once) to
/// its addresses. getaddrinfo() blocks, so a name is looked up on a short
/// thread of its own, which wakes the task when done; dropping the future
/// abandons the lookup.
class Resolve {
public:
  using Output = Result<std::vector<SocketAddr>>;

  explicit Resolve(std::string address) : address_(std::move(address)) {}
  Resolve(Resolve &&) noexcept = default;
  Resolve &operator=(Resolve &&) = delete;
  ~Resolve();

  Poll<Output> poll(Context &cx);

private:
  struct Lookup; // shared with the lookup thread
  std::string address_;
  std::shared_ptr<Lookup> lookup_;
};

/// Resolves "host:port"; see Resolve.
inline Resolve resolve(std::string address) {
  return Resolve(std::move(address));
}

/// Connects to the first address that accepts: a non-blocking connect()
/// that waits for writability (EINPROGRESS) and then reads SO_ERROR.
class Connect {
public:
  using Output = Result<TcpStream>;

  explicit Connect(std::string address);
  explicit Connect(const SocketAddr &address);
  Connect(Connect &&) noexcept = default;
  Connect &operator=(Connect &&) = delete;

  Poll<Output> poll(Context &cx);

private:
  /// Makes a socket and starts a non-blocking connect() to `address`: false
  /// when that failed at once (last_error_ says why); else socket_ is
  /// connected, or connecting with io_ registered.
  bool start(const SocketAddr &address);

  std::optional<Resolve> resolve_; // while names are looked up
  std::vector<SocketAddr> candidates_;
  std::size_t next_ = 0;
  OwnedFd socket_;
  std::optional<IoRegistration> io_; // while a connect is in progress
  std::error_code last_error_;
};

/// One successful recv(): at most buffer.size() bytes, 0 at end of stream.
class ReadSome {
public:
  using Output = Result<std::size_t>;
  ReadSome(TcpStream &stream, std::span<char> buffer) noexcept
      : stream_(&stream), buffer_(buffer) {}
  Poll<Output> poll(Context &cx);

private:
  TcpStream *stream_;
  std::span<char> buffer_;
};

/// Fills the buffer: yields buffer.size(), or fewer bytes when the stream
/// ended first.
class Read {
public:
  using Output = Result<std::size_t>;
  Read(TcpStream &stream, std::span<char> buffer) noexcept
      : stream_(&stream), buffer_(buffer) {}
  Poll<Output> poll(Context &cx);

private:
  TcpStream *stream_;
  std::span<char> buffer_;
  std::size_t filled_ = 0;
};

/// Sends all of `data`, resuming after partial writes.
class WriteAll {
public:
  using Output = Result<void>;
  WriteAll(TcpStream &stream, std::string_view data) noexcept
      : stream_(&stream), data_(data) {}
  Poll<Output> poll(Context &cx);

private:
  TcpStream *stream_;
  std::string_view data_;
  std::size_t written_ = 0;
};

//===----------------------------------------------------------------------===//
// TcpStream and TcpListener
//===----------------------------------------------------------------------===//

enum class Shutdown { Read = SHUT_RD, Write = SHUT_WR, Both = SHUT_RDWR };

/// A connected TCP socket. Move-only; the destructor closes it. One task
/// may read while another writes.
class TcpStream {
public:
  /// Connects to "host:port", "192.0.2.1:80" or "[::1]:80".
  static Connect connect(std::string address) {
    return Connect(std::move(address));
  }
  static Connect connect(const SocketAddr &address) {
    return Connect(address);
  }

  /// Adopts a connected socket, which must be non-blocking.
  explicit TcpStream(OwnedFd socket) noexcept : socket_(std::move(socket)) {}
  /// Adopts a socket already registered with the reactor (by Connect).
  TcpStream(OwnedFd socket, IoRegistration io) noexcept
      : socket_(std::move(socket)), io_(std::move(io)) {}
  TcpStream(TcpStream &&) noexcept = default;
  TcpStream &operator=(TcpStream &&) noexcept = default;
  ~TcpStream() = default; // io_ leaves the reactor before socket_ closes

  ReadSome read_some(std::span<char> buffer) noexcept {
    return ReadSome(*this, buffer);
  }
  Read read(std::span<char> buffer) noexcept { return Read(*this, buffer); }
  WriteAll write_all(std::string_view data) noexcept {
    return WriteAll(*this, data);
  }

  /// Shuts down one or both directions; the peer then reads end of stream.
  /// It never blocks, so it is a plain call.
  Result<void> shutdown(Shutdown how = Shutdown::Write) noexcept;

  /// The building blocks of the futures above, for hand-written futures
  /// that keep a stream by value: one recv() (0 at end of stream) or one
  /// send() once the socket is ready.
  Poll<Result<std::size_t>> poll_read(Context &cx, std::span<char> buffer);
  Poll<Result<std::size_t>> poll_write(Context &cx, std::string_view data);

  Result<SocketAddr> local_addr() const;
  Result<SocketAddr> peer_addr() const;
  /// Disables Nagle's algorithm (TCP_NODELAY).
  Result<void> set_nodelay(bool enabled) noexcept;

  int fd() const noexcept { return socket_.get(); }

private:
  IoRegistration &io();

  OwnedFd socket_;
  std::optional<IoRegistration> io_; // registered on first use
};

/// What accept() yields: the new connection and its peer's address.
struct Accepted {
  TcpStream stream;
  SocketAddr peer;
};

/// Waits for the next connection on a listener.
class Accept {
public:
  using Output = Result<Accepted>;
  explicit Accept(TcpListener &listener) noexcept : listener_(&listener) {}
  Poll<Output> poll(Context &cx);

private:
  TcpListener *listener_;
};

/// A listening TCP socket. Move-only; the destructor closes it.
class TcpListener {
public:
  /// Long enough for bursts of thousands of connects; the kernel caps it
  /// at net.core.somaxconn.
  static constexpr int DefaultBacklog = 4096;

  /// Binds with SO_REUSEADDR and listens. Port 0 picks a free port, which
  /// local_addr() then tells.
  static Result<TcpListener> bind(const SocketAddr &address,
                                  int backlog = DefaultBacklog);
  /// Binds to "host:port"; a host name is resolved here, blocking (this is
  /// meant for start-up), and the first address that binds is used.
  static Result<TcpListener> bind(std::string_view address,
                                  int backlog = DefaultBacklog);

  TcpListener(TcpListener &&) noexcept = default;
  TcpListener &operator=(TcpListener &&) noexcept = default;
  ~TcpListener() = default;

  Accept accept() noexcept { return Accept(*this); }
  /// One accept4() once the socket is readable; what Accept polls.
  Poll<Result<Accepted>> poll_accept(Context &cx);

  const SocketAddr &local_addr() const noexcept { return local_; }
  int fd() const noexcept { return socket_.get(); }

private:
  TcpListener(OwnedFd socket, SocketAddr local) noexcept
      : socket_(std::move(socket)), local_(local) {}

  OwnedFd socket_;
  std::optional<IoRegistration> io_; // registered on first accept
  SocketAddr local_;
};

} // namespace corofy::net

#endif // COROFY_NET_HPP
