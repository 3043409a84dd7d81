//===- reactor_backend.h - The kernel side of the reactor -------*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// The contract between the portable reactor (reactor.cpp: tokens, wakers,
// timers) and one kernel readiness API. epoll_backend.cpp implements it for
// Linux; a kqueue file could implement it for the BSDs and macOS.
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

/// An edge-triggered readiness queue plus a way to interrupt its wait.
/// Errors of the kernel are thrown as std::system_error.
class ReactorBackend {
public:
  virtual ~ReactorBackend() = default;

  /// Watches `fd` for `interest`, edge-triggered; events carry `token`.
  virtual void add(int fd, std::uint64_t token, Interest interest) = 0;
  virtual void modify(int fd, std::uint64_t token, Interest interest) = 0;
  /// Stops watching `fd`; an fd already closed is not an error.
  virtual void remove(int fd) noexcept = 0;

  /// Waits until an event, a wake() or the timeout (nullopt: none; zero:
  /// do not block), stores up to out.size() events and returns how many.
  /// Wakes are consumed here, not reported. Never returns early without a
  /// reason, so that the caller does not spin: a timeout is rounded up.
  /// Several threads may wait at once; each event goes to one of them.
  virtual std::size_t wait(std::span<BackendEvent> out,
                           std::optional<std::chrono::nanoseconds> timeout) = 0;

  /// Makes the current or next wait() return (one of them, when several
  /// threads wait). Safe from any thread.
  virtual void wake() noexcept = 0;
};

/// The backend of this platform.
std::unique_ptr<ReactorBackend> make_reactor_backend();

} // namespace corofy::detail

#endif // COROFY_RUNTIME_REACTOR_BACKEND_H
