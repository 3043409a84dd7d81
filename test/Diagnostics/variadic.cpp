// Variadic coroutines are rejected for now.
// RUN: not %corofy %s -o %t.cpp -- -I%inputs 2>&1 | FileCheck %s

#include "leaf.hpp"

// CHECK: variadic.cpp:[[@LINE+1]]:39: error: variadic coroutines are not supported yet
template <class... Ts> coroutine<int> count(Ts... values) {
  wait(PendingOnce<void>());
  return sizeof...(values);
}
