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
// join's every poll polls each child that has not completed yet, in order:
// it is meant for a few. join_all's first poll polls every child; later
// polls only those woken since, as futures-rs's JoinAll (FuturesUnordered)
// does: each child polls with a waker of its own that marks it woken and
// wakes the combinator's task, so N children that complete one at a time
// cost O(N) child polls, not O(N^2). Those wakers may be woken from any
// thread and may outlive the combinator. Children that wait on one shared
// resource must each get woken, so such a resource must keep every waker
// it was given, not only the last: the reactor does (several accepts on one
// listener can be joined).
//
// A child is destroyed as soon as it completes, its value kept until all are
// done. The children live inside the combinator and are polled in place, so
// no poll and no wake allocates (join_all allocates its slots and its set of
// woken children once, when created, and the result vector once, at the
// end).
//
// Cancellation: destroying the combinator destroys the children that are
// still pending. An exception thrown by a child's poll propagates out of the
// combinator's poll; the other children are destroyed with the combinator.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_JOIN_HPP
#define COROFY_JOIN_HPP

#include "corofy/maybe_done.hpp"

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
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

namespace detail {
/// The children of a JoinAll woken since it last polled them, shared with
/// their wakers: child `index` polls with waker(index), whose wake queues
/// the child (once until it is taken off again) on a lock-free list and
/// wakes the JoinAll's task. Reference counted, since a child's waker may
/// outlive the JoinAll; runtime/join.cpp implements it.
class WokenSet {
public:
  static constexpr std::size_t None = ~std::size_t(0);

  /// Allocates the set for `size` children, with one reference, which
  /// release() drops.
  static WokenSet *create(std::size_t size);
  void release() noexcept;
  struct Release {
    void operator()(WokenSet *set) const noexcept { set->release(); }
  };

  /// The waker to poll child `index` with; it borrows the caller's
  /// reference, and a child that keeps it clones it.
  const Waker &waker(std::size_t index) const noexcept {
    return nodes_[index].waker;
  }
  /// The waker that a child's wake wakes: the task polling the JoinAll.
  void set_task(const Waker &task);
  /// Moves the children woken since the last call to the batch that
  /// next() takes them from, in the order they were woken.
  void take_woken() noexcept;
  /// The next child of the batch, or None. It counts as not woken from now
  /// on, so that a wake during its poll queues it again.
  std::size_t next() noexcept;

private:
  struct Node {
    Node() noexcept : waker(this, &ChildVTable) {}
    ~Node() {} // never drops `waker`, which holds no reference of its own
    WokenSet *set = nullptr;
    Node *next = nullptr; // in the woken list or the batch
    std::atomic<bool> queued{false};
    union {
      Waker waker;
    };
  };

  explicit WokenSet(std::size_t size);
  /// Queues `node` unless it is queued already.
  void wake(Node &node) noexcept;

  static const WakerVTable ChildVTable;

  std::atomic<std::size_t> refs_{1};
  std::atomic<Node *> woken_{nullptr}; // pushed by wakes: newest first
  Node *batch_ = nullptr;              // the poller's: oldest first
  std::mutex task_mutex_;
  Waker task_ = Waker::noop();
  std::unique_ptr<Node[]> nodes_;
};
} // namespace detail

template <Future F> class JoinAll {
public:
  using Output = std::conditional_t<std::is_void_v<output_t<F>>, void,
                                    std::vector<output_t<F>>>;

  explicit JoinAll(std::vector<F> futures) : pending_(futures.size()) {
    if (!futures.empty())
      woken_.reset(detail::WokenSet::create(futures.size()));
    children_.reserve(futures.size());
    for (F &future : futures)
      children_.emplace_back(std::move(future));
  }

  Poll<Output> poll(Context &cx) {
    if (finished_)
      detail::fail("corofy: polled a join_all after it completed");
    if (pending_ != 0) {
      woken_->set_task(cx.waker());
      woken_->take_woken();
      for (std::size_t i; (i = woken_->next()) != detail::WokenSet::None;)
        poll_child(i);
      // The first poll polls every child. Counting first means a child
      // that throws is not polled again unless woken.
      while (unpolled_ != children_.size())
        poll_child(unpolled_++);
      if (pending_ != 0)
        return Poll<Output>::pending();
    }
    finished_ = true;
    woken_.reset(); // children's wakers still held elsewhere keep it alive
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
  void poll_child(std::size_t index) {
    MaybeDone<F> &child = children_[index];
    if (child.is_done())
      return; // a late wake
    Context cx(woken_->waker(index));
    if (child.poll(cx))
      --pending_;
  }

  std::vector<MaybeDone<F>> children_;
  std::unique_ptr<detail::WokenSet, detail::WokenSet::Release> woken_;
  std::size_t pending_;      // children not done
  std::size_t unpolled_ = 0; // children_[unpolled_...] never polled yet
  bool finished_ = false;
};

/// Waits for all futures of the vector; see the top of this file.
template <Future F> JoinAll<F> join_all(std::vector<F> futures) {
  return JoinAll<F>(std::move(futures));
}

} // namespace corofy

#endif // COROFY_JOIN_HPP
