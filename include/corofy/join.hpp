//===- corofy/join.hpp - join and join_all ----------------------*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// Futures that wait for all of several futures, polling them concurrently
// within one task:
//
//   join(f1, f2, ...)   yields std::tuple<value_t<F1>, value_t<F2>, ...>
//                       (a void output becomes std::monostate);
//   join_all(vector<F>) yields std::vector<output_t<F>> in the vector's
//                       order, or void when F's output is void.
//
// Every poll polls each child that has not completed yet, in order. A child
// is destroyed as soon as it completes, its value kept until all are done.
// The children live inside the combinator and are polled in place, so no
// poll allocates (join_all allocates its slots once, when created, and the
// result vector once, at the end).
//
// Cancellation: destroying the combinator destroys the children that are
// still pending. An exception thrown by a child's poll propagates out of the
// combinator's poll; the other children are destroyed with the combinator.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_JOIN_HPP
#define COROFY_JOIN_HPP

#include "corofy/maybe_done.hpp"

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace corofy {

template <Future... Fs> class Join {
public:
  using Output = std::tuple<value_t<Fs>...>;

  explicit Join(Fs &&...futures) : children_(std::move(futures)...) {}

  Poll<Output> poll(Context &cx) {
    if (finished_)
      detail::fail("corofy: polled a join after it completed");
    bool all = true; // a comma fold polls every child, left to right
    std::apply([&](auto &...child) { ((all &= child.poll(cx)), ...); },
               children_);
    if (!all)
      return Poll<Output>::pending();
    finished_ = true;
    return Poll<Output>::ready(std::apply(
        [](auto &...child) { return Output(child.take()...); }, children_));
  }

private:
  std::tuple<MaybeDone<Fs>...> children_;
  bool finished_ = false;
};

/// Waits for all of `futures`; see the top of this file.
template <class... Fs>
  requires(Future<Fs> && ...)
Join<std::remove_cvref_t<Fs>...> join(Fs &&...futures) {
  static_assert((!std::is_lvalue_reference_v<Fs> && ...),
                "join() takes ownership of the futures: pass rvalues");
  return Join<std::remove_cvref_t<Fs>...>(std::move(futures)...);
}

template <Future F> class JoinAll {
public:
  using Output = std::conditional_t<std::is_void_v<output_t<F>>, void,
                                    std::vector<output_t<F>>>;

  explicit JoinAll(std::vector<F> futures) {
    children_.reserve(futures.size());
    for (F &future : futures)
      children_.emplace_back(std::move(future));
  }

  Poll<Output> poll(Context &cx) {
    if (finished_)
      detail::fail("corofy: polled a join_all after it completed");
    // Start after the completed prefix: children tend to finish in order.
    std::size_t pending = children_.size();
    for (std::size_t i = first_pending_; i != children_.size(); ++i)
      if (!children_[i].poll(cx) && pending == children_.size())
        pending = i;
    first_pending_ = pending;
    if (pending != children_.size())
      return Poll<Output>::pending();
    finished_ = true;
    if constexpr (std::is_void_v<output_t<F>>) {
      children_.clear();
      return Poll<void>::ready();
    } else {
      Output outputs;
      outputs.reserve(children_.size());
      for (MaybeDone<F> &child : children_)
        outputs.push_back(child.take());
      children_.clear();
      return Poll<Output>::ready(std::move(outputs));
    }
  }

private:
  std::vector<MaybeDone<F>> children_;
  std::size_t first_pending_ = 0;
  bool finished_ = false;
};

/// Waits for all futures of the vector; see the top of this file.
template <Future F> JoinAll<F> join_all(std::vector<F> futures) {
  return JoinAll<F>(std::move(futures));
}

} // namespace corofy

#endif // COROFY_JOIN_HPP
