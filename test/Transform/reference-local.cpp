// A reference local that lives across a wait is kept as a pointer, and its
// uses read through it.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"
#include <vector>

coroutine<int> bump(std::vector<int> values) {
  int &last = values.back();
  int add = wait(PendingOnce<int>(5));
  last += add;
  const std::vector<int> &view = values;
  wait(PendingOnce<void>());
  return view.back() + last;
}

// CHECK: union { int *last; };
// CHECK: union { const std::vector<int> *view; };
// CHECK: last = std::addressof(values.back());
// CHECK: (*last) += add;
// CHECK: result.emplace((*view).back() + (*last));

int main() { std::printf("%d\n", corofy::block_on(bump({1, 2, 3}))); }
// OUT: 16

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
