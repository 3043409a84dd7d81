// wait() as the right-hand side of built-in, compound and overloaded
// assignments; C++17 evaluates the right operand first.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"
#include <string>
#include <vector>

coroutine<std::string> assign() {
  int n = 1;
  n = wait(PendingOnce<int>(5));
  n += wait(PendingOnce<int>(10));
  std::string text = "a";
  text = wait(PendingOnce<std::string>("xyz"));
  std::vector<int> values(3);
  values[1] = wait(PendingOnce<int>(n));
  return text + std::to_string(values[1]);
}

// CHECK: n = std::move(polled1).value();
// CHECK: n += std::move(polled2).value();
// CHECK: text = std::move(polled3).value();
// CHECK: values[1] = std::move(polled4).value();

int main() { std::printf("%s\n", corofy::block_on(assign()).c_str()); }
// OUT: xyz15

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
