// goto and labels are rejected in coroutines for now.
// RUN: not %corofy %s -o %t.cpp -- -I%inputs 2>&1 | FileCheck %s

#include "leaf.hpp"

coroutine<int> jumpy() {
  int x = wait(PendingOnce<int>(1));
  // CHECK: goto.cpp:[[@LINE+1]]:3: error: 'goto' and labels in a coroutine are not supported yet
  goto end;
end:
  return x;
}
