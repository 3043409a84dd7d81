// Names the state machine introduces never capture names the user's code
// uses, and two locals with one name in different blocks get two members.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

int state_ = 100; // a global the coroutine reads
struct State {
  int value = 7;
};

coroutine<int> crowded(int cx) {
  int result = state_ + cx;
  {
    int value = wait(PendingOnce<int>(1));
    wait(PendingOnce<void>());
    result += value;
  }
  {
    int value = wait(PendingOnce<int>(10));
    wait(PendingOnce<void>());
    result += value;
  }
  State polled1;
  wait(PendingOnce<void>());
  return result + polled1.value;
}

// CHECK: enum class State2 : unsigned char {
// CHECK: State2 state_2 = State2::Start;
// CHECK-NEXT: int cx;
// `value` is also spelled as State's member: both locals get new names.
// CHECK: union { int value_2; };
// CHECK: union { int value_3; };
// CHECK: union { State polled1; };
// CHECK: union { int result; };
// CHECK: crowded_frame::poll(corofy::Context &cx2)
// CHECK: ::new (&result) int(state_ + cx);
// CHECK: result += block17_.value_2;
// CHECK: result += block22_.value_3;

int main() { std::printf("%d\n", corofy::block_on(crowded(5))); }
// OUT: 123

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
