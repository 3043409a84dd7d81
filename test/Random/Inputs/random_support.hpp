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
#include <vector>

// Later<T> is a leaf future that really suspends (pending once, after
// waking its waker, then ready); Tracked prints its construction and
// destruction. Both come from the lit tests' own leaf.hpp.
#include "../../Inputs/leaf.hpp"

template <class T> using Later = PendingOnce<T>;

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

/// Mixes two values and prints them, so that the order in which the
/// arguments of nested calls around waits are evaluated shows.
inline int mix(const char *tag, int a, int b) {
  std::printf("%s %d %d\n", tag, a, b);
  return (a * 3 + b) % 1009;
}

/// Returns its argument, or throws it when it is 3 modulo 4: an exception
/// from inside an expression, before the coroutine reaches its wait.
inline int thrown(int value) {
  if (value % 4 == 3)
    throw value;
  return value;
}

/// Prints the Tracked temporary an expression made and two values.
inline int weigh(const Tracked &object, int a, int b) {
  std::printf("weigh %s %d %d\n", object.name.c_str(), a, b);
  return (a * 3 + b) % 1009;
}

/// Print helpers of the generated code.
inline void show(const char *label, int value) {
  std::printf("%s %d\n", label, value);
}
inline void said(const char *label, const char *text) {
  std::printf("%s %s\n", label, text);
}
inline void touch(const char *label, const Tracked &object) {
  std::printf("%s touch %s\n", label, object.name.c_str());
}

#endif
