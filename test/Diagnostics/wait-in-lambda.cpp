// A lambda is not a coroutine, even inside one.
// RUN: not %corofy %s -o %t.cpp -- -I%inputs 2>&1 | FileCheck %s

#include "leaf.hpp"

coroutine<int> outer() {
  auto inner = [] {
    // CHECK: wait-in-lambda.cpp:[[@LINE+1]]:12: error: wait() cannot be used inside a lambda; only a function declared to return coroutine<T> can suspend
    return wait(PendingOnce<int>(1));
  };
  return inner();
}
