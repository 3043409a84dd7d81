// Waits inside expressions are evaluated in C++'s order where it is defined
// and left to right where C++ leaves it open: an operand evaluated before a
// later wait is spilled into the frame, so its side effects happen first.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

int trace(const char *what, int value) {
  std::printf("%s\n", what);
  return value;
}
int add3(int a, int b, int c) { return a * 100 + b * 10 + c; }

coroutine<int> order() {
  int sum = wait(Noisy<int>("a", 1)) + wait(Noisy<int>("b", 2));
  int call = add3(trace("first argument", 1), wait(Noisy<int>("c", 2)),
                  trace("third argument", 3));
  int assigned = 0;
  assigned += wait(Noisy<int>("d", 4)) * trace("right operand", 2);
  return sum * 10000 + call * 10 + assigned;
}

// CHECK: ::new (&temps{{[0-9]+}}_.value1_) corofy::output_t<Noisy<int>>(std::move(polled1).value());
// CHECK: ::new (&sum) int(std::move(temps{{[0-9]+}}_.value1_) + std::move(temps{{[0-9]+}}_.value2_));
// CHECK: ::new (&temps{{[0-9]+}}_.operand) int(trace("first argument", 1));
// CHECK: resume_wait3: {
// CHECK: ::new (&call) int(add3(std::move(temps{{[0-9]+}}_.operand), std::move(temps{{[0-9]+}}_.value3_),

int main() { std::printf("%d\n", corofy::block_on(order())); }
// OUT: wait a
// OUT-NEXT: wait b
// OUT-NEXT: first argument
// OUT-NEXT: wait c
// OUT-NEXT: third argument
// OUT-NEXT: wait d
// OUT-NEXT: right operand
// OUT-NEXT: 31238

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
