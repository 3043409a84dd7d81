// The init-statement of a range-based for (C++20) runs before the range,
// whether it declares a variable the loop keeps in the frame, waits, or
// is a plain expression; its variable dies after the loop.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

#include <vector>

int note(const char *what) {
  std::printf("%s\n", what);
  return 1;
}

coroutine<int> scan(std::vector<int> items) {
  int sum = 0;
  for (Tracked t("outer"); int v : items)
    sum += wait(PendingOnce<int>(v));
  for (int base = wait(Noisy<int>("base", 100)); int v : items)
    sum += base * v;
  for (note("plain"); int v : items)
    sum += wait(PendingOnce<int>(v * 1000));
  return sum;
}

// CHECK: ::new (&loop{{[0-9]+}}_.t) Tracked("outer");
// CHECK: ::new (&loop{{[0-9]+}}_.base) int(std::move(temps{{[0-9]+}}_.value{{[0-9]+}}_));
// CHECK: note("plain");
// CHECK-NEXT: loop{{[0-9]+}}_.range_{{[0-9]*}} = std::addressof(items);

int main() { std::printf("%d\n", corofy::block_on(scan({1, 2}))); }
// OUT: construct outer
// OUT-NEXT: destroy outer
// OUT-NEXT: wait base
// OUT-NEXT: plain
// OUT-NEXT: 3303

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
