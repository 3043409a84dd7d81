// Helpers shared by the two programs test/Random/generate.py writes for a
// seed: the coroutine program (run through corofy) and the reference program
// (the same code as ordinary functions). Both must print the same text.
#ifndef COROFY_TEST_RANDOM_SUPPORT_HPP
#define COROFY_TEST_RANDOM_SUPPORT_HPP

#include <corofy/corofy.hpp>

#include <cstdio>
#include <string>
#include <type_traits>
#include <utility>

/// A leaf future that really suspends: pending on its first poll (after
/// waking its waker), ready with its value on the second.
template <class T> class Later {
public:
  using Output = T;
  explicit Later(T value) : value_(std::move(value)) {}
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

template <> class Later<void> {
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

/// Prints its construction and destruction, so that both programs print the
/// same object lifetimes. A move prints nothing and leaves the source named
/// "moved-from".
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

/// The reference program's wait(): polls the future with a no-op waker until
/// it is ready and returns its output.
template <class F> auto block(F &&future) {
  corofy::Waker waker = corofy::Waker::noop();
  corofy::Context cx(waker);
  for (;;) {
    auto polled = future.poll(cx);
    if (polled.is_ready()) {
      if constexpr (std::is_void_v<corofy::output_t<F>>)
        return;
      else
        return std::move(polled).value();
    }
  }
}

/// Print helpers of the generated code.
inline void show(const char *label, int value) {
  std::printf("%s %d\n", label, value);
}
inline void touch(const char *label, const Tracked &object) {
  std::printf("%s touch %s\n", label, object.name.c_str());
}

#endif
