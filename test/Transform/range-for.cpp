// Waits in the body of a range-based for: the loop becomes the for loop
// the standard defines it as, over frame members for the range, begin and
// end; a temporary range is kept by value, a named one by address, an
// array by its bounds. The loop variable is made at each iteration.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

#include <vector>

std::vector<std::string> names() { return {"ann", "bob"}; }

coroutine<int> walk(std::vector<int> items) {
  int sum = 0;
  for (int v : items)
    sum += wait(PendingOnce<int>(v));
  for (const std::string &name : names()) {
    Tracked t("visit " + name);
    if (name == "bob")
      continue;
    wait(PendingOnce<void>());
  }
  int grid[3] = {100, 200, 300};
  for (int &cell : grid) {
    cell += wait(PendingOnce<int>(1));
    sum += cell;
  }
  return sum;
}

// CHECK: loop{{[0-9]+}}_.range_ = std::addressof(items);
// CHECK-NEXT: ::new (&loop{{[0-9]+}}_.begin_) auto((*loop{{[0-9]+}}_.range_).begin());
// CHECK: for (; loop{{[0-9]+}}_.begin_ != loop{{[0-9]+}}_.end_; ++loop{{[0-9]+}}_.begin_) {
// CHECK-NEXT: ::new (&loop{{[0-9]+}}_.v) int(*loop{{[0-9]+}}_.begin_);
// CHECK: ::new (&loop{{[0-9]+}}_.range_2) std::vector<std::string>(names());
// CHECK: std::destroy_at(&loop{{[0-9]+}}_.range_2);
// CHECK: ::new (&after{{[0-9]+}}_.loop{{[0-9]+}}_.end_3) auto((*after{{[0-9]+}}_.loop{{[0-9]+}}_.range_3) + 3);

int main() { std::printf("%d\n", corofy::block_on(walk({1, 2, 3}))); }
// OUT: construct visit ann
// OUT-NEXT: destroy visit ann
// OUT-NEXT: construct visit bob
// OUT-NEXT: destroy visit bob
// OUT-NEXT: 609

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
