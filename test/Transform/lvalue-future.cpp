// wait() on an lvalue future polls it in place: a hoisted local or parameter
// by name, any other lvalue through a pointer kept in the frame.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

struct Holder {
  PendingOnce<int> future{30};
};

coroutine<int> inPlace(PendingOnce<int> given) {
  PendingOnce<int> local(1);
  Holder holder;
  int a = wait(local);
  int b = wait(given);
  int c = wait(holder.future);
  return a + b + c;
}

// CHECK: union { PendingOnce<int> local; };
// CHECK: union { // storage shared by what is never alive at once
// CHECK-NEXT: PendingOnce<int> *wait3_;
// CHECK-NEXT: };
// CHECK: auto polled1 = local.poll(cx);
// CHECK: auto polled2 = given.poll(cx);
// CHECK: wait3_ = corofy::frame::address(holder.future);
// CHECK: auto polled3 = wait3_->poll(cx);

int main() {
  auto future = inPlace(PendingOnce<int>(20));
  int pendings = 0;
  int sum = pollToEnd(future, &pendings);
  std::printf("%d after %d pendings\n", sum, pendings);
}
// OUT: 51 after 3 pendings

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
