//===- corofy/select.hpp - The first of several futures ---------*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// select(f1, f2, ...) waits for the first of several futures to complete
// and yields std::variant<value_t<F1>, value_t<F2>, ...> (a void output
// becomes std::monostate): index() says which future finished, the
// alternative holds its output.
//
// Each poll polls the children in argument order and stops at the first
// that is ready, so when several are ready at once the leftmost wins.
// The children live inside the Select and are polled in place; no poll
// allocates.
//
// Cancellation: as soon as one child completes, all children are destroyed
// (the losers are cancelled: their timers are disarmed, their I/O
// registrations removed). Destroying the Select earlier destroys them all.
// An exception from a child's poll propagates out of the Select's poll.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_SELECT_HPP
#define COROFY_SELECT_HPP

#include "corofy/maybe_done.hpp"

#include <cstddef>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

namespace corofy {

template <Future... Fs> class Select {
  static_assert(sizeof...(Fs) > 0, "select() needs at least one future");

public:
  using Output = std::variant<value_t<Fs>...>;

  explicit Select(Fs &&...futures)
      : children_(std::optional<Fs>(std::in_place, std::move(futures))...) {}

  Poll<Output> poll(Context &cx) {
    if (!std::get<0>(children_))
      detail::fail("corofy: polled a select after it completed");
    Poll<Output> result;
    pollFrom<0>(cx, result);
    if (result.is_ready())
      std::apply([](auto &...child) { (child.reset(), ...); }, children_);
    return result;
  }

private:
  template <std::size_t I> void pollFrom(Context &cx, Poll<Output> &result) {
    if constexpr (I < sizeof...(Fs)) {
      auto polled = poll_value(*std::get<I>(children_), cx);
      if (polled.is_ready()) {
        result.emplace(std::in_place_index<I>, std::move(polled).value());
        return;
      }
      pollFrom<I + 1>(cx, result);
    }
  }

  std::tuple<std::optional<Fs>...> children_;
};

/// Waits for the first of `futures`; see the top of this file.
template <class... Fs>
  requires(Future<Fs> && ...)
Select<std::remove_cvref_t<Fs>...> select(Fs &&...futures) {
  static_assert((!std::is_lvalue_reference_v<Fs> && ...),
                "select() takes ownership of the futures: pass rvalues");
  return Select<std::remove_cvref_t<Fs>...>(std::move(futures)...);
}

} // namespace corofy

#endif // COROFY_SELECT_HPP
