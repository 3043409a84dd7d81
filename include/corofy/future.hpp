//===- corofy/future.hpp - Poll, the Future concept and Async ---*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// The future model of Rust's std::future, in C++: a future is any object with
// `using Output = T;` and `Poll<T> poll(Context&)`. poll() either returns
// Poll<T>::ready(value) or returns Poll<T>::pending() after arranging for
// cx.waker() to be woken when progress is possible.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_FUTURE_HPP
#define COROFY_FUTURE_HPP

#include "corofy/waker.hpp"

#include <concepts>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace corofy {

/// The result of polling a future: ready with a value of type T, or pending.
template <class T> class [[nodiscard]] Poll {
  static_assert(std::is_object_v<T> && !std::is_array_v<T>,
                "a future's Output must be void or an object type");

public:
  /// A pending result.
  Poll() noexcept : ready_(false) {}

  // Trivial when T is, so that a Poll of a scalar is returned in registers.
  Poll(const Poll &) requires std::is_trivially_copy_constructible_v<T>
  = default;
  Poll(const Poll &other)
    requires(std::is_copy_constructible_v<T> &&
             !std::is_trivially_copy_constructible_v<T>)
      : ready_(other.ready_) {
    if (ready_)
      ::new (&value_) T(other.value_);
  }
  Poll(Poll &&) requires std::is_trivially_move_constructible_v<T>
  = default;
  Poll(Poll &&other) noexcept(std::is_nothrow_move_constructible_v<T>)
    requires(!std::is_trivially_move_constructible_v<T>)
      : ready_(other.ready_) {
    if (ready_)
      ::new (&value_) T(std::move(other.value_));
  }
  Poll &operator=(const Poll &) requires std::is_trivially_copyable_v<T>
  = default;
  Poll &operator=(Poll &&) requires std::is_trivially_copyable_v<T>
  = default;
  Poll &operator=(const Poll &other)
    requires(std::is_copy_constructible_v<T> &&
             !std::is_trivially_copyable_v<T>)
  {
    if (this != &other) {
      reset();
      if (other.ready_)
        emplace(other.value_);
    }
    return *this;
  }
  Poll &operator=(Poll &&other) noexcept(
      std::is_nothrow_move_constructible_v<T>)
    requires(!std::is_trivially_copyable_v<T>)
  {
    if (this != &other) {
      reset();
      if (other.ready_)
        emplace(std::move(other.value_));
    }
    return *this;
  }
  ~Poll() requires std::is_trivially_destructible_v<T> = default;
  ~Poll() { reset(); }

  static Poll ready(T value) {
    Poll result;
    result.emplace(std::move(value));
    return result;
  }
  static Poll pending() noexcept { return Poll(); }

  /// Makes this result ready, constructing the value in place.
  template <class... Args> T &emplace(Args &&...args) {
    reset();
    ::new (&value_) T(std::forward<Args>(args)...);
    ready_ = true;
    return value_;
  }

  bool is_ready() const noexcept { return ready_; }
  bool is_pending() const noexcept { return !ready_; }

  /// The value of a ready result (undefined behaviour when pending).
  T &value() & noexcept { return value_; }
  const T &value() const & noexcept { return value_; }
  T &&value() && noexcept { return std::move(value_); }

private:
  void reset() noexcept {
    if (ready_) {
      if constexpr (!std::is_trivially_destructible_v<T>)
        value_.~T();
      ready_ = false;
    }
  }

  union {
    T value_;
  };
  bool ready_;
};

/// A future with no value: ready or pending.
template <> class [[nodiscard]] Poll<void> {
public:
  Poll() noexcept = default;
  static Poll ready() noexcept {
    Poll result;
    result.ready_ = true;
    return result;
  }
  static Poll pending() noexcept { return Poll(); }
  void emplace() noexcept { ready_ = true; }
  bool is_ready() const noexcept { return ready_; }
  bool is_pending() const noexcept { return !ready_; }
  void value() const noexcept {}

private:
  bool ready_ = false;
};

/// Anything that can be polled to completion.
/// A const future is not one: polling changes it.
template <class F>
concept Future = requires(std::remove_reference_t<F> &future, Context &cx) {
  typename std::remove_cvref_t<F>::Output;
  {
    future.poll(cx)
  } -> std::same_as<Poll<typename std::remove_cvref_t<F>::Output>>;
};

/// The Output type of a future.
template <Future F> using output_t = typename std::remove_cvref_t<F>::Output;

template <class T> class Async;

namespace detail {
template <class T> struct IsAsync : std::false_type {};
template <class T> struct IsAsync<Async<T>> : std::true_type {};

[[noreturn]] void fail(const char *message) noexcept;
} // namespace detail

/// An owning, type-erased future with output T, boxed on the heap. This is
/// what a coroutine<T> function returns to callers that cannot see its state
/// machine (callers in another translation unit). Boxing also makes it
/// movable at any time: the state machine itself never moves.
template <class T> class [[nodiscard]] Async {
public:
  using Output = T;

  /// Boxes a future. The future must not have been polled yet if it is a
  /// corofy state machine (those refuse to move once started).
  template <class F>
    requires(Future<F> && !detail::IsAsync<std::remove_cvref_t<F>>::value &&
             std::same_as<output_t<F>, T>)
  Async(F &&future) // NOLINT: implicit, like a conversion to a base
      : object_(new std::remove_cvref_t<F>(std::forward<F>(future))),
        vtable_(&vtableFor<std::remove_cvref_t<F>>) {}

  /// Only the untransformed source of a coroutine converts its return value
  /// to Async<T>; such a file must be run through corofy first.
  template <class U>
    requires(!Future<U> && std::convertible_to<U, T>)
  __attribute__((error("this function is a corofy coroutine: run corofy on "
                       "this file and compile its output"))) Async(U &&);

  /// `return {};` ends a coroutine<void> early in the untransformed source.
  __attribute__((error("this function is a corofy coroutine: run corofy on "
                       "this file and compile its output"))) Async();

  Async(Async &&other) noexcept
      : object_(std::exchange(other.object_, nullptr)),
        vtable_(other.vtable_) {}
  Async &operator=(Async &&other) noexcept {
    if (this != &other) {
      reset();
      object_ = std::exchange(other.object_, nullptr);
      vtable_ = other.vtable_;
    }
    return *this;
  }
  ~Async() { reset(); }

  Poll<T> poll(Context &cx) {
    if (!object_)
      detail::fail("corofy: polled an empty (moved-from) Async");
    return vtable_->poll(object_, cx);
  }

  /// False after the Async was moved from.
  explicit operator bool() const noexcept { return object_ != nullptr; }

private:
  struct VTable {
    Poll<T> (*poll)(void *object, Context &cx);
    void (*destroy)(void *object) noexcept;
  };
  template <class F>
  static constexpr VTable vtableFor{
      [](void *object, Context &cx) { return static_cast<F *>(object)->poll(cx); },
      [](void *object) noexcept { delete static_cast<F *>(object); }};

  void reset() noexcept {
    if (object_)
      vtable_->destroy(std::exchange(object_, nullptr));
  }

  void *object_;
  const VTable *vtable_;
};

/// A future that is ready at once with a value.
template <class T> class Ready {
public:
  using Output = T;
  explicit Ready(T value) : value_(std::move(value)) {}
  Poll<T> poll(Context &) { return Poll<T>::ready(std::move(value_)); }

private:
  T value_;
};

} // namespace corofy

#endif // COROFY_FUTURE_HPP
