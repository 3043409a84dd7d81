// An object declared after a nested scope has ended shares that scope's
// storage: a 1 KiB buffer held across a wait in a block, then another held
// across a wait after the block, take about 1 KiB of frame. Destroying the
// coroutine while it waits in either part destroys what that part holds.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx -DAFTER_COROFY %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

#include <cstring>

coroutine<int> phases() {
  Tracked whole("whole");
  int sum = 0;
  {
    Tracked early("early");
    char request[1024];
    std::memset(request, 1, sizeof request);
    wait(PendingOnce<void>());
    sum += request[0] + request[1023];
  }
  Tracked late("late");
  char response[1024];
  std::memset(response, 2, sizeof response);
  wait(PendingOnce<void>());
  sum += response[0] + response[1023];
  return sum;
}

// CHECK: struct After{{[0-9]+}} { // what is declared from line 24 on, after the scopes above ended
// CHECK-NEXT: After{{[0-9]+}}() {}
// CHECK-NEXT: ~After{{[0-9]+}}() {}
// CHECK-NEXT: union { Tracked late; }; // line 24
// CHECK-NEXT: union { char response[1024]; }; // line 25
// CHECK: union { Tracked whole; }; // line 15
// CHECK-NEXT: union { int sum; }; // line 16
// CHECK-NEXT: union { // storage shared by what is never alive at once
// CHECK-NEXT: Block17 block17_; // line 17
// CHECK-NEXT: After24 after24_; // line 24
// CHECK-NEXT: };
// CHECK: std::memset(after24_.response, 2, sizeof after24_.response);

int main() {
  std::printf("%d\n", corofy::block_on(phases()));
  corofy::Waker waker = corofy::Waker::noop();
  corofy::Context cx(waker);
  for (int polls = 1; polls <= 2; ++polls) {
    std::printf("-- cancel after %d poll(s)\n", polls);
    auto future = phases();
    for (int i = 0; i < polls; ++i)
      (void)future.poll(cx);
  }
#ifdef AFTER_COROFY // the frame class exists only in corofy's output
  std::printf("frame under 1200 bytes: %s\n",
              sizeof(phases_frame) < 1200 ? "yes" : "no");
#endif
}
// OUT: construct whole
// OUT-NEXT: construct early
// OUT-NEXT: destroy early
// OUT-NEXT: construct late
// OUT-NEXT: destroy late
// OUT-NEXT: destroy whole
// OUT-NEXT: 6
// OUT-NEXT: -- cancel after 1 poll(s)
// OUT-NEXT: construct whole
// OUT-NEXT: construct early
// OUT-NEXT: destroy early
// OUT-NEXT: destroy whole
// OUT-NEXT: -- cancel after 2 poll(s)
// OUT-NEXT: construct whole
// OUT-NEXT: construct early
// OUT-NEXT: destroy early
// OUT-NEXT: construct late
// OUT-NEXT: destroy late
// OUT-NEXT: destroy whole
// OUT-NEXT: frame under 1200 bytes: yes

// Not run through the fiber backend: it checks the size of the frame class, which fibers do not have.
