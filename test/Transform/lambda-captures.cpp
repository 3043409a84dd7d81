// Lambdas in a coroutine may capture hoisted locals and parameters, by copy
// or by reference, explicitly or by default.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"
#include <functional>

coroutine<int> captures(int base) {
  int count = 1;
  std::function<int()> byCopy = [count] { return count; };
  std::function<void()> byRef = [&count] { ++count; };
  std::function<int()> byDefaultCopy = [=] { return count + base; };
  wait(PendingOnce<void>());
  byRef();
  count += 10;
  return byCopy() * 1000 + byDefaultCopy() * 10 + count;
}

// CHECK: ::new (&byCopy) std::function<int ()>([count = count] { return count; });
// CHECK: ::new (&byRef) std::function<void ()>([&count = count] { ++count; });
// CHECK: [=, count = count, base = base] { return count + base; }

int main() { std::printf("%d\n", corofy::block_on(captures(100))); }
// OUT: 2022

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
