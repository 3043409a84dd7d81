// A reference that lives across a wait cannot extend a temporary's life.
// RUN: not %corofy %s -o %t.cpp -- -I%inputs 2>&1 | FileCheck %s

#include "leaf.hpp"
#include <string>

std::string make() { return "x"; }

coroutine<int> dangling() {
  // CHECK: reference-to-temporary.cpp:[[@LINE+1]]:22: error: reference 'text' lives across a wait but is bound to a temporary; store the value in a variable instead
  const std::string &text = make();
  wait(PendingOnce<void>());
  return static_cast<int>(text.size());
}
