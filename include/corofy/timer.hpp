//===- corofy/timer.hpp - sleep_for, sleep_until and timeout ----*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// Timers of the current runtime's reactor. A Sleep is armed on its first
// poll (which must happen on a runtime's thread: std::logic_error
// otherwise) and fires once its deadline has passed, waking the task that
// last polled it. Its timer entry lives inside the Sleep, so arming it
// allocates nothing.
//
// Runtimes: the timer lives in the reactor of the runtime whose thread
// polls the Sleep. Polled on a thread of another runtime (the one it was
// armed in was destroyed, or has no thread turning its reactor), it
// disarms there and arms here, keeping its deadline, so it always fires
// where it is awaited. Polled outside every runtime it stays where it is;
// if that runtime was destroyed, it is ready once its deadline has passed,
// and until then poll() throws std::logic_error, as a first poll outside a
// runtime does, rather than wait for a timer that would never fire.
//
// Cancellation: destroying a Sleep disarms its timer at once; destroying a
// Timeout destroys the future it wraps and its Sleep.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_TIMER_HPP
#define COROFY_TIMER_HPP

#include "corofy/maybe_done.hpp"
#include "corofy/reactor.hpp"

#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace corofy {

/// Ready (void) once Clock::now() has reached the deadline.
class Sleep {
public:
  using Output = void;

  explicit Sleep(Clock::time_point deadline) noexcept {
    entry_.deadline = deadline;
  }
  /// An armed Sleep may move: the reactor is told where its entry went.
  Sleep(Sleep &&other) noexcept;
  Sleep &operator=(Sleep &&) = delete;
  ~Sleep();

  Poll<void> poll(Context &cx);

  Clock::time_point deadline() const noexcept { return entry_.deadline; }

private:
  std::shared_ptr<Reactor> reactor_; // set when first polled
  detail::TimerEntry entry_;
};

/// A Sleep whose deadline is `duration` from now (the time of this call,
/// not of the first poll).
inline Sleep sleep_for(Clock::duration duration) {
  return Sleep(Clock::now() + duration);
}
/// A Sleep until `deadline`.
inline Sleep sleep_until(Clock::time_point deadline) { return Sleep(deadline); }

/// Yields std::optional<value_t<F>>: the output of F (std::monostate for a
/// void F) if it completes before the deadline, std::nullopt otherwise. F
/// is polled first, so an F that is ready at once wins even when the
/// deadline has passed. A timed-out F is dropped with the Timeout.
template <Future F> class Timeout {
public:
  using Output = std::optional<value_t<F>>;

  Timeout(F &&future, Clock::time_point deadline)
      : future_(std::move(future)), sleep_(deadline) {}

  Poll<Output> poll(Context &cx) {
    Poll<value_t<F>> polled = poll_value(future_, cx);
    if (polled.is_ready())
      return Poll<Output>::ready(Output(std::move(polled).value()));
    if (sleep_.poll(cx).is_ready())
      return Poll<Output>::ready(std::nullopt);
    return Poll<Output>::pending();
  }

private:
  F future_;
  Sleep sleep_;
};

/// Runs `future` with a time limit of `duration` from now; see Timeout.
template <Future F>
Timeout<std::remove_cvref_t<F>> timeout(Clock::duration duration, F &&future) {
  static_assert(!std::is_lvalue_reference_v<F>,
                "timeout() takes ownership of the future: pass an rvalue");
  return Timeout<std::remove_cvref_t<F>>(std::move(future),
                                         Clock::now() + duration);
}

} // namespace corofy

#endif // COROFY_TIMER_HPP
