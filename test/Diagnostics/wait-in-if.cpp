// Waits inside branches are rejected until control-flow lowering lands.
// RUN: not %corofy %s -o %t.cpp -- -I%inputs 2>&1 | FileCheck %s

#include "leaf.hpp"

coroutine<int> pick(bool left) {
  if (left)
    // CHECK: wait-in-if.cpp:[[@LINE+1]]:12: error: wait() inside an 'if' statement is not supported yet; waits may appear in straight-line code and nested blocks
    return wait(PendingOnce<int>(1));
  return 0;
  // CHECK: wait-in-if.cpp:6:16: note: in coroutine 'pick' declared here
}
