// Waits in the branches of if/else, braced or lone statements: the branches
// stay an if/else, each wait resumes inside its branch, and a branch's frame
// objects die at the end of the branch.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

coroutine<int> choose(int n) {
  int result = 0;
  if (n > 0) {
    Tracked positive("positive");
    result = wait(PendingOnce<int>(n * 10));
  } else if (n < 0)
    result = wait(PendingOnce<int>(-n));
  else
    wait(PendingOnce<void>());
  std::printf("chose %d\n", result);
  return result + 1;
}

// CHECK: if (n > 0) {
// CHECK-NEXT: ::new (&block13_.positive) Tracked("positive");
// CHECK: resume_wait1: {
// CHECK: std::destroy_at(&block13_.positive);
// CHECK-NEXT: state_ = State::Line{{[0-9]+}};
// CHECK-NEXT: } else if (n < 0) {
// CHECK: resume_wait2: {
// CHECK: else {
// CHECK: resume_wait3: {

int main() {
  std::printf("%d\n", corofy::block_on(choose(4)));
  std::printf("%d\n", corofy::block_on(choose(-3)));
  std::printf("%d\n", corofy::block_on(choose(0)));
}
// OUT: construct positive
// OUT-NEXT: destroy positive
// OUT-NEXT: chose 40
// OUT-NEXT: 41
// OUT-NEXT: chose 3
// OUT-NEXT: 4
// OUT-NEXT: chose 0
// OUT-NEXT: 1

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
