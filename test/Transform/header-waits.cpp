// Waits in the declarations of a control statement's header: the variable
// of a while loop's condition is made anew at the top of each iteration
// and destroyed at its end (continue and break destroy it too); those of
// the init-statements and conditions of if, switch and for are made before
// the statement, after their waits.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "countdown.hpp"

coroutine<int> headers(int n) {
  int sum = 0;
  Queue q{3};
  while (Item item = Item(wait(q.next()))) {
    if (item.value == 2)
      continue;
    sum += item.value;
  }
  if (int k = wait(PendingOnce<int>(n)); k > 1)
    sum += 100 * k;
  switch (int s = wait(PendingOnce<int>(n)) + 1) {
  case 3:
    sum += s * 1000;
    break;
  }
  for (int i = wait(PendingOnce<int>(5)); i < 7; ++i)
    sum += i * 10000;
  return sum;
}

// CHECK: while (true) {
// CHECK: ::new (&loop{{[0-9]+}}_.item) Item(Item(std::move(temps{{[0-9]+}}_.value1_)));
// CHECK: if (!(loop{{[0-9]+}}_.item)) {
// CHECK-NEXT: std::destroy_at(&loop{{[0-9]+}}_.item);
// CHECK: break;
// CHECK: { std::destroy_at(&loop{{[0-9]+}}_.item); state_ = State::Line{{[0-9_]+}}; continue; }
// CHECK: ::new (&if{{[0-9]+}}_.k) int(std::move(temps{{[0-9]+}}_.value2_));
// CHECK-NEXT: if (if{{[0-9]+}}_.k > 1)

int main() { std::printf("%d\n", corofy::block_on(headers(2))); }
// OUT: wait next
// OUT-NEXT: make item 3
// OUT-NEXT: drop item 3
// OUT-NEXT: wait next
// OUT-NEXT: make item 2
// OUT-NEXT: drop item 2
// OUT-NEXT: wait next
// OUT-NEXT: make item 1
// OUT-NEXT: drop item 1
// OUT-NEXT: wait next
// OUT-NEXT: make item 0
// OUT-NEXT: drop item 0
// OUT-NEXT: 113204

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
