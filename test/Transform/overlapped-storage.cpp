// Objects that are never alive at the same suspension point share storage:
// two sequential phases that each hold a 1 KiB buffer across a wait take
// about 1 KiB of frame, not 2, and the futures share it too.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx -DAFTER_COROFY %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

#include <cstring>

coroutine<int> phases() {
  int sum = 0;
  {
    char first[1024];
    std::memset(first, 1, sizeof first);
    wait(PendingOnce<void>());
    sum += first[0] + first[1023];
  }
  for (int round = 0; round < 2; ++round) {
    char second[1024];
    std::memset(second, 2, sizeof second);
    sum += wait(PendingOnce<int>(round));
    sum += second[0] + second[1023];
  }
  return sum;
}

// CHECK: struct Block15 { // the frame objects of the scope at line 15
// CHECK: union { char first[1024]; }; // line 16
// CHECK: union { // storage shared by what is never alive at once
// CHECK-NEXT: Block15 block15_; // line 15
// CHECK-NEXT: Loop21 loop21_; // line 21
// CHECK-NEXT: };
// CHECK: std::memset(block15_.first, 1, sizeof block15_.first);

int main() {
  std::printf("%d\n", corofy::block_on(phases()));
#ifdef AFTER_COROFY // the frame class exists only in corofy's output
  std::printf("frame under 1100 bytes: %s\n",
              sizeof(phases_frame) < 1100 ? "yes" : "no");
#endif
}
// OUT: 11
// OUT-NEXT: frame under 1100 bytes: yes

// Not run through the fiber backend: it checks the size of the frame class, which fibers do not have.
