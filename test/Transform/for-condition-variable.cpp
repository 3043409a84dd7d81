// The condition variable of a for loop made by a wait: it is made anew in
// the frame before each test, lives through the body and the increment,
// and dies after the increment (C++'s order); continue runs the increment
// first, break destroys it.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "countdown.hpp"

coroutine<int> drain(Queue q) {
  int sum = 0;
  for (int step = 0; Item item = Item(wait(q.next()));
       std::printf("step %d\n", ++step)) {
    if (item.value == 2)
      continue;
    if (item.value == 5)
      break;
    sum += wait(PendingOnce<int>(item.value * 10 + step));
  }
  return sum;
}

// CHECK: for (; true;) {
// CHECK: ::new (&loop{{[0-9]+}}_.item) Item(Item(std::move(temps{{[0-9]+}}_.value1_)));
// CHECK: if (!(loop{{[0-9]+}}_.item)) {
// CHECK: { goto next{{[0-9]+}}; }
// CHECK: { std::destroy_at(&loop{{[0-9]+}}_.item); state_ = State::Line{{[0-9_]+}}; break; }
// CHECK: next{{[0-9]+}}:
// CHECK-NEXT: std::printf("step %d\n", ++loop{{[0-9]+}}_.step);
// CHECK-NEXT: std::destroy_at(&loop{{[0-9]+}}_.item);

int main() {
  std::printf("%d\n", corofy::block_on(drain(Queue{3})));
  std::printf("%d\n", corofy::block_on(drain(Queue{6})));
}
// OUT: wait next
// OUT-NEXT: make item 3
// OUT-NEXT: step 1
// OUT-NEXT: drop item 3
// OUT-NEXT: wait next
// OUT-NEXT: make item 2
// OUT-NEXT: step 2
// OUT-NEXT: drop item 2
// OUT-NEXT: wait next
// OUT-NEXT: make item 1
// OUT-NEXT: step 3
// OUT-NEXT: drop item 1
// OUT-NEXT: wait next
// OUT-NEXT: make item 0
// OUT-NEXT: drop item 0
// OUT-NEXT: 42
// OUT-NEXT: wait next
// OUT-NEXT: make item 6
// OUT-NEXT: step 1
// OUT-NEXT: drop item 6
// OUT-NEXT: wait next
// OUT-NEXT: make item 5
// OUT-NEXT: drop item 5
// OUT-NEXT: 60

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
