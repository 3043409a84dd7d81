// wait() in an ordinary function is an error naming that function; no output
// is written.
// RUN: rm -f %t.cpp
// RUN: not %corofy %s -o %t.cpp -- -I%inputs 2>&1 | FileCheck %s
// RUN: not test -e %t.cpp

#include "leaf.hpp"

int plain() {
  // CHECK: wait-outside-coroutine.cpp:[[@LINE+1]]:10: error: wait() used outside a coroutine; declare 'plain' with return type coroutine<T> to make it one
  return wait(PendingOnce<int>(1));
}
