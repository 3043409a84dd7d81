// Waits in the conditions of if, while and switch: an if's condition is
// evaluated before the statement, a while loop's at the top of each
// iteration of a `while (true)` whose first act is the test.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

coroutine<int> conditions(int n) {
  int result = 0;
  if (wait(PendingOnce<int>(n)) > 1)
    result += 1;
  else
    result += 2;
  int left = 3;
  while (wait(PendingOnce<int>(left)) > 0) {
    --left;
    result += 10;
  }
  switch (wait(PendingOnce<int>(n))) {
  case 2:
    result += 100;
    break;
  default:
    result += 200;
  }
  return result;
}

// CHECK: resume_wait1: {
// CHECK: if (std::move(temps{{[0-9]+}}_.value1_) > 1)
// CHECK: while (true) {
// CHECK-NEXT: ::new (&wait2_) auto(PendingOnce<int>(left));
// CHECK: if (!(std::move(temps{{[0-9]+}}_.value2_) > 0))
// CHECK-NEXT: break;
// CHECK: switch (std::move(temps{{[0-9]+}}_.value3_)) {

int main() {
  std::printf("%d\n", corofy::block_on(conditions(2)));
  std::printf("%d\n", corofy::block_on(conditions(0)));
}
// OUT: 131
// OUT-NEXT: 232

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
