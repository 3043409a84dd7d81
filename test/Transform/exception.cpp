// An exception thrown by the user's code between waits, or by a child
// future's poll, leaves poll() after the live frame objects are destroyed,
// once each; polling again reports the coroutine as completed.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s

#include "leaf.hpp"
#include <stdexcept>

struct Throwing {
  using Output = int;
  corofy::Poll<int> poll(corofy::Context &) {
    throw std::runtime_error("child failed");
  }
};

coroutine<int> fails(bool inChild) {
  Tracked guard("guard");
  int x = wait(PendingOnce<int>(1));
  if (!inChild)
    throw std::runtime_error("body failed");
  Tracked second("second");
  int y = wait(Throwing{});
  return x + y;
}

coroutine<int> catches() {
  Tracked outer("outer");
  int v = wait(fails(true));
  return v;
}

int main() {
  for (bool inChild : {false, true}) {
    auto future = fails(inChild);
    try {
      pollToEnd(future);
    } catch (const std::exception &e) {
      std::printf("caught: %s\n", e.what());
    }
  }
  try {
    corofy::block_on(catches());
  } catch (const std::exception &e) {
    std::printf("caught: %s\n", e.what());
  }
}
// CHECK: construct guard
// CHECK-NEXT: destroy guard
// CHECK-NEXT: caught: body failed
// CHECK-NEXT: construct guard
// CHECK-NEXT: construct second
// CHECK-NEXT: destroy second
// CHECK-NEXT: destroy guard
// CHECK-NEXT: caught: child failed
// CHECK-NEXT: construct outer
// CHECK-NEXT: construct guard
// CHECK-NEXT: construct second
// CHECK-NEXT: destroy second
// CHECK-NEXT: destroy guard
// CHECK-NEXT: destroy outer
// CHECK-NEXT: caught: child failed

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s
