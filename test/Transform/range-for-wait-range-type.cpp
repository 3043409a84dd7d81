// A range-based for over the value of a wait keeps that value in the frame
// under a type that compiles there: join_all's Output is written in its
// header as `std::conditional_t<std::is_void_v<output_t<F>>, void, ...>`,
// whose names mean nothing outside namespace corofy, so the range member
// is declared as the wait's `corofy::output_t<...>`.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

#include <vector>

coroutine<int> twice(int i) {
  wait(PendingOnce<void>());
  return 2 * i;
}

coroutine<std::string> greet(std::string name) {
  wait(PendingOnce<void>());
  return "hello " + name;
}

coroutine<void> printAll() {
  std::vector<coroutine<int>> numbers;
  numbers.push_back(twice(1));
  numbers.push_back(twice(2));
  for (int value : wait(corofy::join_all(std::move(numbers))))
    std::printf("%d\n", value);
  std::vector<coroutine<std::string>> greetings;
  greetings.push_back(greet("ann"));
  greetings.push_back(greet("bob"));
  for (const std::string &line : wait(corofy::join_all(std::move(greetings)))) {
    wait(PendingOnce<void>());
    std::printf("%s\n", line.c_str());
  }
}

// CHECK-NOT: is_void_v
// CHECK: union { corofy::output_t<corofy::JoinAll<corofy::Async<int>>> range_; };
// CHECK: union { corofy::output_t<corofy::JoinAll<corofy::Async<std::basic_string<char{{.*}}>>>> range_{{[0-9]*}}; };
// CHECK-NOT: is_void_v

int main() { corofy::block_on(printAll()); }
// OUT: 2
// OUT-NEXT: 4
// OUT-NEXT: hello ann
// OUT-NEXT: hello bob

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
