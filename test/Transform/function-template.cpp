// A coroutine function template becomes a frame class template; a coroutine
// waiting on a specialization embeds that specialization's frame.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"
#include <string>

template <class T> coroutine<T> twice(T value) {
  T first = wait(PendingOnce<T>(value));
  T second = wait(PendingOnce<T>(value));
  return first + second;
}

coroutine<std::string> useBoth() {
  int number = wait(twice(21));
  std::string text = wait(twice<std::string>("ab"));
  return text + std::to_string(number);
}

// CHECK: template <class T>
// CHECK-NEXT: class twice_frame {
// CHECK: using Output = T;
// CHECK: union { T first; };
// CHECK: template <class T>
// CHECK-NEXT: inline corofy::Poll<T> twice_frame<T>::poll(corofy::Context &cx) try {
// CHECK: return corofy::Async<T>(twice_frame<T>(std::move(value)));
// CHECK: twice_frame<int> wait1_;
// CHECK-NEXT: twice_frame<std::string> wait2_;
// CHECK: ::new (&wait1_) auto(twice_frame<int>(21));
// CHECK: ::new (&wait2_) auto(twice_frame<std::string>("ab"));

int main() { std::printf("%s\n", corofy::block_on(useBoth()).c_str()); }
// OUT: abab42

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
