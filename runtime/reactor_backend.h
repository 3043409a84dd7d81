//===- reactor_backend.h - The kernel side of the reactor -------*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// The contract between the portable reactor (reactor.cpp: tokens, wakers,
// the timer heap) and one kernel readiness API with a timer in it.
// epoll_backend.cpp implements it for Linux with an eventfd and a timerfd in
// the epoll set; a kqueue file could implement it for the BSDs and macOS,
// with EVFILT_USER and an EVFILT_TIMER.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_RUNTIME_REACTOR_BACKEND_H
#define COROFY_RUNTIME_REACTOR_BACKEND_H

#include "corofy/reactor.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

namespace corofy::detail {

/// One readiness event: the token given to add() and Readiness bits.
struct BackendEvent {
  std::uint64_t token;
  std::uint8_t readiness;
};

/// The token of the event that reports an expiry of the backend's timer
/// (see set_timer()); no registration has it, since its index part (the low
/// 32 bits) would be the reactor's 2^32-2nd slot.
inline constexpr std::uint64_t TimerToken = ~std::uint64_t(0) - 1;

/// An edge-triggered readiness queue, a way to interrupt its wait, and one
/// timer that interrupts it at a deadline. Errors of the kernel are thrown
/// as std::system_error.
///
/// Several threads may wait at once (the idle workers of a runtime), and
/// each event, wake or expiry goes to one of them: the kernel picks a thread
/// that is blocked, so none waits for a thread busy elsewhere. That is why
/// the timer is the backend's: a deadline each thread passed as its own
/// timeout would wake every thread blocked at the time.
class ReactorBackend {
public:
  virtual ~ReactorBackend() = default;

  /// Watches `fd` for `interest`, edge-triggered; events carry `token`.
  virtual void add(int fd, std::uint64_t token, Interest interest) = 0;
  virtual void modify(int fd, std::uint64_t token, Interest interest) = 0;
  /// Stops watching `fd`; an fd already closed is not an error.
  virtual void remove(int fd) noexcept = 0;

  /// Waits until an event, a wake(), an expiry of the timer or the timeout
  /// (nullopt: none; zero: do not block), stores up to out.size() events
  /// and returns how many. Wakes are consumed here, not reported; an expiry
  /// is reported once, as an event with TimerToken. Never returns early
  /// without a reason, so that the caller does not spin: a timeout is
  /// rounded up. Several threads may wait at once; each event (and each
  /// wake, each expiry) goes to one of them.
  virtual std::size_t wait(std::span<BackendEvent> out,
                           std::optional<std::chrono::nanoseconds> timeout) = 0;

  /// Makes the current or next wait() return (one of them, when several
  /// threads wait). Safe from any thread.
  virtual void wake() noexcept = 0;

  /// Sets the timer to expire at `deadline` (a time already passed: at
  /// once), replacing the deadline it had, and withdraws an expiry not yet
  /// reported. It expires once, no earlier than `deadline` as Clock::now()
  /// sees it, and its expiry makes one wait() return, as an event does;
  /// until then it costs no wait anything. A system call: the reactor sets
  /// it only when its nearest deadline moves earlier, and after an expiry.
  /// An expired timer stays quiet until set again. Not thread-safe: the
  /// reactor calls it under its lock. Only on a backend made with a timer.
  virtual void set_timer(Clock::time_point deadline) = 0;
};

/// The backend of this platform; with a timer (set_timer()) or without.
std::unique_ptr<ReactorBackend> make_reactor_backend(bool with_timer);

} // namespace corofy::detail

#endif // COROFY_RUNTIME_REACTOR_BACKEND_H
