// A loop whose condition waits and whose body has both a frame object and,
// after the body's last wait, an ordinary local with a destructor: the
// ordinary locals get a block of their own, opened on a line of its own
// after the lowered condition (never on the line of `break;`, which
// -Wmisleading-indentation rejects).
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

coroutine<int> lengths(int n) {
  int k = 0;
  while (wait(PendingOnce<int>(++k)) <= 2) {
    Tracked t{"t" + std::to_string(k)};
    std::string s = wait(PendingOnce<std::string>("xy"));
    n += static_cast<int>(s.size());
  }
  return n;
}

// CHECK: while (true) {
// CHECK: if (!(std::move(temps{{[0-9]+}}_.value1_) <= 2))
// CHECK-NEXT: {{^ *}}break;{{$}}
// CHECK-NEXT: {{^ *[{]$}}
// CHECK-NEXT: ::new (&block{{[0-9]+}}_.t) Tracked{"t" + std::to_string(k)};

int main() { std::printf("%d\n", corofy::block_on(lengths(1))); }
// OUT: construct t1
// OUT-NEXT: destroy t1
// OUT-NEXT: construct t2
// OUT-NEXT: destroy t2
// OUT-NEXT: 5

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
