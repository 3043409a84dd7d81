// An exception thrown inside a loop, between waits or by a child future,
// destroys exactly the frame objects alive at the throw: those of the
// current iteration and those before the loop, newest first, once each.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s

#include "leaf.hpp"
#include <stdexcept>

struct ThrowsAt {
  using Output = int;
  int value;
  corofy::Poll<int> poll(corofy::Context &) {
    if (value == 2)
      throw std::runtime_error("child failed at 2");
    return corofy::Poll<int>::ready(value);
  }
};

coroutine<int> run(bool inChild) {
  Tracked before("before");
  int sum = 0;
  for (int i = 0; i < 5; ++i) {
    Tracked iteration("iteration " + std::to_string(i));
    sum += wait(PendingOnce<int>(i));
    if (!inChild && i == 1)
      throw std::runtime_error("body failed at 1");
    if (inChild)
      sum += wait(ThrowsAt{i});
  }
  return sum;
}

int main() {
  for (bool inChild : {false, true}) {
    auto future = run(inChild);
    try {
      pollToEnd(future);
    } catch (const std::exception &e) {
      std::printf("caught: %s\n", e.what());
    }
  }
}
// CHECK: construct before
// CHECK-NEXT: construct iteration 0
// CHECK-NEXT: destroy iteration 0
// CHECK-NEXT: construct iteration 1
// CHECK-NEXT: destroy iteration 1
// CHECK-NEXT: destroy before
// CHECK-NEXT: caught: body failed at 1
// CHECK-NEXT: construct before
// CHECK-NEXT: construct iteration 0
// CHECK-NEXT: destroy iteration 0
// CHECK-NEXT: construct iteration 1
// CHECK-NEXT: destroy iteration 1
// CHECK-NEXT: construct iteration 2
// CHECK-NEXT: destroy iteration 2
// CHECK-NEXT: destroy before
// CHECK-NEXT: caught: child failed at 2

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s
