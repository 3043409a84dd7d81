// C++ errors in the input are reported as the compiler reports them, and no
// output is written.
// RUN: rm -f %t.cpp
// RUN: not %corofy %s -o %t.cpp -- -I%inputs 2>&1 | FileCheck %s
// RUN: not test -e %t.cpp

#include "leaf.hpp"

coroutine<int> broken() {
  // CHECK: cxx-error.cpp:[[@LINE+1]]:11: error: use of undeclared identifier 'undeclared'
  int x = undeclared + 1;
  return x;
}
