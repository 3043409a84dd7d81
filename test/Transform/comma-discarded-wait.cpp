// A wait on the left of a comma operator is evaluated for its effects: its
// value, even of a class type (wrapped in the nodes that destroy it), is
// not kept, and the expression reads the right operand.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

coroutine<std::string> run() {
  std::string last =
      (wait(PendingOnce<std::string>("first")),
       wait(PendingOnce<std::string>("second")));
  return last;
}

// CHECK-NOT: value1_
// CHECK: std::string last =
// CHECK-NEXT: ((void)0,
// CHECK-NEXT: std::move(temps{{[0-9]+}}_.value2_));

int main() { std::printf("%s\n", corofy::block_on(run()).c_str()); }
// OUT: second

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
