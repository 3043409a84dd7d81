// A return inside nested loops leaves through the frame's exit, which
// destroys every frame object alive there, newest first.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s

#include "leaf.hpp"

coroutine<int> find(int target) {
  Tracked search("search");
  for (int i = 0; i < 10; ++i) {
    Tracked row("row " + std::to_string(i));
    for (int j = 0; j < 10; ++j) {
      int value = wait(PendingOnce<int>(i * 10 + j));
      if (value == target)
        return value;
    }
  }
  return -1;
}

int main() { std::printf("found %d\n", corofy::block_on(find(12))); }
// CHECK: construct search
// CHECK-NEXT: construct row 0
// CHECK-NEXT: destroy row 0
// CHECK-NEXT: construct row 1
// CHECK-NEXT: destroy row 1
// CHECK-NEXT: destroy search
// CHECK-NEXT: found 12

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s
