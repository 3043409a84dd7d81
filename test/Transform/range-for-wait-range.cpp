// A range-based for whose range is a wait: the wait comes first, the range
// it yields is kept in the frame (moved there from the wait's value) until
// the loop ends, and temporaries around the wait die before the loop runs.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

#include <vector>

std::vector<int> twice(const Tracked &why, std::vector<int> items) {
  std::printf("twice for %s\n", why.name.c_str());
  items.insert(items.end(), items.begin(), items.end());
  return items;
}

coroutine<int> total(std::vector<int> items) {
  int sum = 0;
  for (int v : wait(Noisy<std::vector<int>>("items", items)))
    sum += v;
  for (int v : twice(Tracked("arg"), wait(Noisy<std::vector<int>>("again", items)))) {
    std::printf("item %d\n", v);
    sum += wait(PendingOnce<int>(v * 10));
  }
  return sum;
}

// CHECK: ::new (&loop{{[0-9]+}}_.range_) std::vector<int{{.*}}>(std::move(temps{{[0-9]+}}_.value1_));
// CHECK-NEXT: std::destroy_at(&temps{{[0-9]+}}_.value1_);
// CHECK: for (; loop{{[0-9]+}}_.begin_ != loop{{[0-9]+}}_.end_; ++loop{{[0-9]+}}_.begin_)
// CHECK: std::destroy_at(&loop{{[0-9]+}}_.range_);

int main() { std::printf("%d\n", corofy::block_on(total({1, 2}))); }
// OUT: wait items
// OUT-NEXT: construct arg
// OUT-NEXT: wait again
// OUT-NEXT: twice for arg
// OUT-NEXT: destroy arg
// OUT-NEXT: item 1
// OUT-NEXT: item 2
// OUT-NEXT: item 1
// OUT-NEXT: item 2
// OUT-NEXT: 63

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
