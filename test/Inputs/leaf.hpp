// Leaf futures and helpers shared by the transform tests.
#ifndef COROFY_TEST_INPUTS_LEAF_HPP
#define COROFY_TEST_INPUTS_LEAF_HPP

#include <corofy/corofy.hpp>

#include <cstdio>
#include <string>
#include <utility>

/// Pending on its first poll (after waking its waker), ready with a value on
/// the second: every wait on it really suspends.
template <class T> class PendingOnce {
public:
  using Output = T;
  explicit PendingOnce(T value) : value_(std::move(value)) {}
  corofy::Poll<T> poll(corofy::Context &cx) {
    if (!polled_) {
      polled_ = true;
      cx.waker().wake();
      return corofy::Poll<T>::pending();
    }
    return corofy::Poll<T>::ready(std::move(value_));
  }

private:
  T value_;
  bool polled_ = false;
};

template <> class PendingOnce<void> {
public:
  using Output = void;
  corofy::Poll<void> poll(corofy::Context &cx) {
    if (!polled_) {
      polled_ = true;
      cx.waker().wake();
      return corofy::Poll<void>::pending();
    }
    return corofy::Poll<void>::ready();
  }

private:
  bool polled_ = false;
};

/// Prints its construction and destruction, to check object lifetimes.
/// Like PendingOnce, and prints "wait <name>" when first polled, so that a
/// test sees when the wait happens relative to the code around it.
template <class T> class Noisy {
public:
  using Output = T;
  Noisy(const char *name, T value) : name_(name), value_(std::move(value)) {}
  corofy::Poll<T> poll(corofy::Context &cx) {
    if (!polled_) {
      polled_ = true;
      std::printf("wait %s\n", name_);
      cx.waker().wake();
      return corofy::Poll<T>::pending();
    }
    return corofy::Poll<T>::ready(std::move(value_));
  }

private:
  const char *name_;
  T value_;
  bool polled_ = false;
};

struct Tracked {
  explicit Tracked(std::string name) : name(std::move(name)) {
    std::printf("construct %s\n", this->name.c_str());
  }
  Tracked(Tracked &&other) : name(std::move(other.name)) {
    other.name = "moved-from";
  }
  ~Tracked() { std::printf("destroy %s\n", name.c_str()); }
  std::string name;
};

/// Polls a future by hand until it is ready, counting the pending polls.
template <class F> auto pollToEnd(F &future, int *pendings = nullptr) {
  corofy::Waker waker = corofy::Waker::noop();
  corofy::Context cx(waker);
  for (;;) {
    auto polled = future.poll(cx);
    if (polled.is_ready())
      return std::move(polled).value();
    if (pendings)
      ++*pendings;
  }
}

#endif
