//===- corofy/reactor.hpp - I/O readiness and timers ------------*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// The reactor turns kernel readiness into wakes, as mio does under Tokio:
// each Runtime has one, backed by epoll in edge-triggered mode, with an
// eventfd that wakes a thread blocked in it and a heap of timers whose
// nearest deadline a timerfd in the epoll set (or, when one thread turns it,
// the epoll timeout) waits for.
//
// Leaf futures reach it through IoRegistration, the part the net layer
// builds on. A socket future, for example:
//
//   class Recv {                       // polled by some task
//     IoRegistration io_;              // IoRegistration(fd,
//     Interest::Readable) Poll<ssize_t> poll(Context &cx) {
//       return io_.poll_io(cx, Interest::Readable, [&]() ->
//       std::optional<ssize_t> {
//         ssize_t n = ::recv(fd, buf, len, 0);
//         if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
//           return std::nullopt;       // would block: wait for an edge
//         return n;
//       });
//     }
//   };
//
// The fd must be non-blocking. Because epoll is edge-triggered, readiness
// is remembered until a future observes EAGAIN and clears it with
// clear_readiness(); the tick in Readiness makes that clear a no-op when a
// new edge arrived in between, so no edge is ever lost.
//
// A registration belongs to its reactor, and so to that reactor's Runtime,
// for good. Once the runtime is destroyed (its reactor shut down), nothing
// will ever report the fd's readiness again: poll_ready() is then ready at
// once with Readiness::ShutDown, and poll_io() yields the error
// ReactorError::ShutDown without running its operation, wherever it is
// polled, instead of waiting forever. (Timers are different: a Sleep moves
// to the runtime that polls it; see timer.hpp.)
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_REACTOR_HPP
#define COROFY_REACTOR_HPP

#include "corofy/future.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <system_error>
#include <type_traits>
#include <utility>

namespace corofy {

/// The clock of timers and deadlines.
using Clock = std::chrono::steady_clock;

/// What a registration waits for.
enum class Interest : std::uint8_t {
  Readable = 1,
  Writable = 2,
  ReadWrite = 3,
};
constexpr Interest operator|(Interest a, Interest b) noexcept {
  return static_cast<Interest>(static_cast<std::uint8_t>(a) |
                               static_cast<std::uint8_t>(b));
}

/// The readiness of a registered fd, as the kernel last reported it.
class Readiness {
public:
  enum Bit : std::uint8_t {
    Readable = 1,
    Writable = 2,
    ReadClosed = 4,  ///< the peer shut down its writing side (or hang-up)
    WriteClosed = 8, ///< writing can no longer succeed (hang-up)
    Error = 16,      ///< EPOLLERR: read the error with SO_ERROR
    ShutDown = 32,   ///< the reactor shut down: no event will ever come
  };

  constexpr Readiness() noexcept = default;
  constexpr Readiness(std::uint8_t bits, std::uint32_t tick) noexcept
      : bits_(bits), tick_(tick) {}

  std::uint8_t bits() const noexcept { return bits_; }
  bool is_readable() const noexcept { return bits_ & Readable; }
  bool is_writable() const noexcept { return bits_ & Writable; }
  bool is_read_closed() const noexcept { return bits_ & ReadClosed; }
  bool is_write_closed() const noexcept { return bits_ & WriteClosed; }
  bool is_error() const noexcept { return bits_ & Error; }
  bool is_shut_down() const noexcept { return bits_ & ShutDown; }
  /// Counts the events of the registration; see Reactor::clear_readiness().
  std::uint32_t tick() const noexcept { return tick_; }

  /// The bits that make a registration ready for `interest`: closed,
  /// error and shut-down states count as ready, so that the next syscall
  /// (or poll_io()) reports them.
  static constexpr std::uint8_t mask(Interest interest) noexcept {
    std::uint8_t result = Error | ShutDown;
    if (static_cast<std::uint8_t>(interest) & 1)
      result |= Readable | ReadClosed;
    if (static_cast<std::uint8_t>(interest) & 2)
      result |= Writable | WriteClosed;
    return result;
  }

private:
  std::uint8_t bits_ = 0;
  std::uint32_t tick_ = 0;
};

/// Names one registration. Tokens of deregistered fds are never confused
/// with later ones: the slot's generation is part of the token.
struct Token {
  std::uint32_t index = 0;
  std::uint32_t generation = 0;
  friend bool operator==(Token, Token) = default;
};

/// The reactor's own errors, an error_code enum of reactor_category().
enum class ReactorError {
  /// The reactor shut down (its Runtime was destroyed): the I/O object
  /// registered with it can never become ready again. Compares equal to
  /// std::errc::operation_canceled.
  ShutDown = 1,
};
const std::error_category &reactor_category() noexcept;
std::error_code make_error_code(ReactorError error) noexcept;

} // namespace corofy

template <>
struct std::is_error_code_enum<corofy::ReactorError> : std::true_type {};

namespace corofy {

class Sleep;

namespace detail {
class ReactorBackend;
struct ReactorState;

/// A timer as the reactor's heap sees it; it lives inside its Sleep, so
/// arming one allocates nothing.
struct TimerEntry {
  static constexpr std::size_t NotQueued = ~std::size_t(0);
  Clock::time_point deadline;
  std::uint64_t sequence = 0; // ties fire in arming order
  std::size_t heap_index = NotQueued;
  bool fired = false;
  Waker waker = Waker::noop();
};
} // namespace detail

/// One epoll instance, its wake eventfd, its timers and (see TimerWait) their
/// timerfd.
/// Normally owned by a Runtime; a standalone one (std::make_shared<Reactor>())
/// is driven by calling turn(). Every method is safe from any thread, turn()
/// included: several threads may turn at once, each event waking the wakers
/// of one.
class Reactor : public std::enable_shared_from_this<Reactor> {
public:
  /// How the threads blocked in turn() wait for the nearest timer.
  enum class TimerWait : std::uint8_t {
    /// The kernel timer of the epoll set (a timerfd) expires at the nearest
    /// deadline and wakes one of them, which fires the timers; they wait
    /// with no timeout of their own. The timerfd is set (a system call)
    /// when the nearest deadline moves earlier and after it expires. For a
    /// reactor that several threads turn at once: a multi-thread runtime's.
    Shared,
    /// Each waits until the nearest deadline itself (rounded up to a
    /// millisecond): no system call to arm a timer, but every thread blocked
    /// at the time wakes when it expires. For a reactor that one thread at
    /// a time turns: a current-thread runtime's.
    PerTurn,
  };

  /// Creates the epoll instance, the eventfd and (Shared) the timerfd;
  /// throws std::system_error.
  explicit Reactor(TimerWait timer_wait = TimerWait::Shared);
  Reactor(const Reactor &) = delete;
  Reactor &operator=(const Reactor &) = delete;
  ~Reactor();

  /// The reactor of the runtime the calling thread runs on; throws
  /// std::logic_error on a thread outside every runtime.
  static Reactor &current();
  /// The same, or null on a thread outside every runtime.
  static Reactor *try_current() noexcept;

  /// Adds `fd` (non-blocking) with edge-triggered `interest`. The kernel's
  /// errors are thrown as std::system_error; a shut-down reactor throws
  /// std::logic_error.
  Token register_io(int fd, Interest interest);
  /// Changes the interest of a registration.
  void reregister(Token token, int fd, Interest interest);
  /// Removes `fd` (before it is closed) and drops the stored wakers; later
  /// events of the old token are ignored. A no-op after shutdown().
  void deregister(Token token, int fd) noexcept;

  /// Ready with the readiness bits of mask(interest) that are set; else
  /// adds `cx`'s waker to those waiting for reading (or writing), unless
  /// one of them wakes the same, and is pending: the next edge wakes all of
  /// them, so several futures (of several tasks, or the children of one
  /// join_all) may wait on one fd at once, any number of them: a waiting
  /// future is not polled again before the edge, but for a rare wake when
  /// many new waiters come, by which the reactor lets go of the wakers of
  /// futures dropped before an edge. A stale token is reported as Error;
  /// after shutdown(), every token is ready with ShutDown alone.
  Poll<Readiness> poll_ready(Token token, Interest interest, Context &cx);
  /// Forgets the Readable/Writable bits of `seen` once the fd said EAGAIN,
  /// unless an event arrived since `seen` was returned (its tick is old).
  void clear_readiness(Token token, Readiness seen) noexcept;

  /// Waits for I/O events and expired timers and wakes their wakers:
  /// at most `max_wait` (nullopt: until something happens; zero: just
  /// look), or until the nearest timer expires (see TimerWait: one blocked
  /// turn() returns for it, or all). Returns at once after unpark() (one
  /// blocked turn() does, when several block).
  void turn(std::optional<Clock::duration> max_wait);
  /// Makes a blocked turn() return (or the next one, if none blocks): an
  /// eventfd write, which the kernel reports to one of the threads blocked
  /// in turn(). Safe from any thread.
  void unpark() noexcept;

  /// Closes the descriptors and wakes every stored waker, so that the
  /// futures waiting here poll again and learn of it (see poll_ready() and
  /// Sleep) rather than wait forever; the Runtime calls it when it shuts
  /// down, after dropping its tasks, when no thread is in turn(). Later
  /// registrations throw std::logic_error.
  void shutdown() noexcept;

  /// Live registrations and armed timers, for tests and diagnostics.
  std::size_t registrations() const;
  std::size_t timers() const;
  /// How many turn()s that could block (no zero wait) have returned: each
  /// is a thread woken from (or let through) the kernel's wait. For tests
  /// and diagnostics.
  std::uint64_t blocked_turns() const;

private:
  friend class Sleep;
  enum class TimerPoll : std::uint8_t { Pending, Fired, ShutDown };
  /// For Sleep: fired (or due) timers are Fired; others are armed (or keep
  /// armed) with the waker of `cx` and Pending, unless the reactor has shut
  /// down (ShutDown: nothing is armed).
  TimerPoll poll_timer(detail::TimerEntry &entry, Context &cx);
  /// For Sleep: disarms the timer if it is armed, after which this reactor
  /// no longer touches `entry`; returns whether it had fired.
  bool cancel_timer(detail::TimerEntry &entry) noexcept;
  /// For Sleep: `to` takes the place of `from` (a moved Sleep).
  void move_timer(detail::TimerEntry &from, detail::TimerEntry &to) noexcept;

  std::unique_ptr<detail::ReactorState> state_;
};

/// A registration of one fd with the current runtime's reactor, for the
/// leaf futures of the net layer: register in the constructor, deregister
/// in the destructor (before the owner closes the fd). Movable; futures of
/// several tasks may poll it at once (see Reactor::poll_ready()).
class IoRegistration {
public:
  /// Registers with Reactor::current() (std::logic_error outside a runtime).
  IoRegistration(int fd, Interest interest);
  /// Registers with a given reactor.
  IoRegistration(std::shared_ptr<Reactor> reactor, int fd, Interest interest);
  IoRegistration(IoRegistration &&other) noexcept;
  IoRegistration &operator=(IoRegistration &&other) noexcept;
  ~IoRegistration() { deregister(); }

  int fd() const noexcept { return fd_; }
  Token token() const noexcept { return token_; }

  /// See Reactor::poll_ready() and Reactor::clear_readiness().
  Poll<Readiness> poll_ready(Context &cx, Interest interest) {
    return reactor().poll_ready(token_, interest, cx);
  }
  void clear_readiness(Readiness seen) noexcept {
    reactor().clear_readiness(token_, seen);
  }
  void reregister(Interest interest) {
    reactor().reregister(token_, fd_, interest);
  }
  /// Deregisters now (the destructor then does nothing).
  void deregister() noexcept;

  /// The default of poll_io()'s `drained`: the fd may still be ready.
  struct NeverDrained {
    bool operator()(const auto &) const noexcept { return false; }
  };

  /// Runs the non-blocking operation `op` once the fd is ready for
  /// `interest`. `op` returns std::optional<R>: a value when it did
  /// something (or failed for good), std::nullopt when the syscall said
  /// EAGAIN, after which the readiness is cleared and polled again, so the
  /// task sleeps until the next edge. Once the reactor has shut down, it
  /// yields R(ReactorError::ShutDown) without running `op` when R converts
  /// from std::error_code (net::Result does), else throws it as a
  /// std::system_error. When `drained(result)` says the operation left the
  /// fd not ready (a recv() that filled less than its buffer), the
  /// readiness is cleared at once, so the next poll waits for the next edge
  /// instead of making a syscall that would say EAGAIN.
  template <class Op, class Drained = NeverDrained>
  auto poll_io(Context &cx, Interest interest, Op &&op, Drained drained = {})
      -> Poll<typename std::invoke_result_t<Op &>::value_type> {
    using R = typename std::invoke_result_t<Op &>::value_type;
    for (;;) {
      Poll<Readiness> ready = poll_ready(cx, interest);
      if (ready.is_pending())
        return Poll<R>::pending();
      if (ready.value().is_shut_down()) {
        std::error_code error = make_error_code(ReactorError::ShutDown);
        if constexpr (std::is_convertible_v<std::error_code, R>)
          return Poll<R>::ready(R(error));
        else
          throw std::system_error(error);
      }
      if (std::optional<R> result = op()) {
        if (drained(std::as_const(*result)))
          clear_readiness(ready.value());
        return Poll<R>::ready(std::move(*result));
      }
      clear_readiness(ready.value());
    }
  }

private:
  Reactor &reactor() const noexcept {
    if (!reactor_)
      detail::fail("corofy: used a deregistered (or moved-from) "
                   "IoRegistration");
    return *reactor_;
  }

  std::shared_ptr<Reactor> reactor_;
  int fd_ = -1;
  Token token_;
};

} // namespace corofy

#endif // COROFY_REACTOR_HPP
