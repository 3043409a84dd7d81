// Outputs and parameters may be move-only.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s

#include "leaf.hpp"
#include <memory>

coroutine<std::unique_ptr<int>> boxed(std::unique_ptr<int> seed) {
  std::unique_ptr<int> extra =
      wait(PendingOnce<std::unique_ptr<int>>(std::make_unique<int>(2)));
  *seed += *extra;
  return seed;
}

coroutine<std::unique_ptr<int>> twice() {
  std::unique_ptr<int> first = wait(boxed(std::make_unique<int>(1)));
  *first *= 10;
  return first;
}

int main() { std::printf("%d\n", *corofy::block_on(twice())); }
// CHECK: 30

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s
