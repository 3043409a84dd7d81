//===- corofy/maybe_done.hpp - A future or its value ------------*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// MaybeDone<F> holds a future until it completes and then its value, in the
// same storage, as in Rust's futures::future::MaybeDone. The combinators
// (join, join_all, select, timeout) and the tasks of spawn() build on it, so
// they poll children in place and allocate nothing per poll.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_MAYBE_DONE_HPP
#define COROFY_MAYBE_DONE_HPP

#include "corofy/future.hpp"

#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <variant>

namespace corofy {

/// What a future yields as a value: its Output, or std::monostate for a
/// void future, so that combinators can store and return every output
/// uniformly (in tuples, variants and optionals).
template <Future F>
using value_t = std::conditional_t<std::is_void_v<output_t<F>>, std::monostate,
                                   output_t<F>>;

/// Polls `future` once and returns its output as a value_t.
template <Future F> Poll<value_t<F>> poll_value(F &future, Context &cx) {
  if constexpr (std::is_void_v<output_t<F>>) {
    if (future.poll(cx).is_pending())
      return Poll<std::monostate>::pending();
    return Poll<std::monostate>::ready(std::monostate{});
  } else {
    return future.poll(cx);
  }
}

/// A future F until it completes, then its value until take() moves it out.
/// The future is destroyed as soon as it completes, so whatever it holds
/// (timers, I/O registrations) is released before its siblings finish.
/// Moving a MaybeDone moves the future: like any future, do it only before
/// the first poll.
template <Future F> class MaybeDone {
public:
  using Value = value_t<F>;

  explicit MaybeDone(F &&future) noexcept(
      std::is_nothrow_move_constructible_v<F>) {
    ::new (&future_) F(std::move(future));
    state_ = State::Pending;
  }
  MaybeDone(MaybeDone &&other) noexcept(
      std::is_nothrow_move_constructible_v<F> &&
      std::is_nothrow_move_constructible_v<Value>) {
    switch (other.state_) {
    case State::Pending:
      ::new (&future_) F(std::move(other.future_));
      break;
    case State::Done:
      ::new (&value_) Value(std::move(other.value_));
      break;
    case State::Gone:
      break;
    }
    state_ = other.state_;
  }
  MaybeDone &operator=(MaybeDone &&) = delete;
  ~MaybeDone() { reset(); }

  /// Polls the future if it is still pending. True once the value is here
  /// (and also after it was taken, so a finished child is never polled).
  bool poll(Context &cx) {
    if (state_ != State::Pending)
      return true;
    Poll<Value> polled = poll_value(future_, cx);
    if (polled.is_pending())
      return false;
    reset();
    ::new (&value_) Value(std::move(polled).value());
    state_ = State::Done;
    return true;
  }

  bool is_done() const noexcept { return state_ == State::Done; }

  /// Moves the value out; only once, after poll() returned true.
  Value take() {
    if (state_ != State::Done)
      detail::fail("corofy: MaybeDone::take() without a value");
    Value value = std::move(value_);
    reset();
    return value;
  }

  /// Destroys the future or the value now.
  void reset() noexcept {
    if (state_ == State::Pending)
      std::destroy_at(&future_);
    else if (state_ == State::Done)
      std::destroy_at(&value_);
    state_ = State::Gone;
  }

private:
  enum class State : unsigned char { Pending, Done, Gone };
  union {
    F future_;
    Value value_;
  };
  State state_;
};

} // namespace corofy

#endif // COROFY_MAYBE_DONE_HPP
