// A local that lives across a wait must have a type the frame can name.
// RUN: not %corofy %s -o %t.cpp -- -I%inputs 2>&1 | FileCheck %s

#include "leaf.hpp"

coroutine<int> closures() {
  // CHECK: unnameable-hoisted.cpp:[[@LINE+1]]:8: error: 'add' lives across a wait, but its type is a lambda's closure type, which the coroutine's state machine cannot name; declare it after the last wait of its scope or give it a named type
  auto add = [](int a, int b) { return a + b; };
  // CHECK: unnameable-hoisted.cpp:[[@LINE+1]]:11: note: the wait it lives across is here
  int x = wait(PendingOnce<int>(1));
  struct Local {
    int value;
  };
  // CHECK: unnameable-hoisted.cpp:[[@LINE+1]]:9: error: 'local' lives across a wait, but its type is a class local to the function
  Local local{x};
  wait(PendingOnce<void>());
  return add(local.value, x);
}
