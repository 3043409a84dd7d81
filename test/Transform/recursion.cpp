// A directly recursive coroutine waits on a boxed call of itself (a frame
// cannot contain itself), and its poll() follows the function, which it
// names: the definition is the function's first declaration. In a template
// the frame class follows the function too, as the types of its wait
// futures name the function.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

coroutine<int> fib(int n) {
  if (n < 2)
    return wait(PendingOnce<int>(n));
  int a = wait(fib(n - 1));
  int b = wait(fib(n - 2));
  return a + b;
}

// CHECK: class fib_frame {
// CHECK: corofy::Poll<int> poll(corofy::Context &cx);
// CHECK: corofy::coroutine<int> wait2_;
// CHECK-NOT: fib_frame::poll
// CHECK: coroutine<int> fib(int n) {
// CHECK-NEXT: return corofy::Async<int>(fib_frame(std::move(n)));
// CHECK-NEXT: }
// CHECK: namespace {
// CHECK-NEXT: inline corofy::Poll<int> fib_frame::poll(corofy::Context &cx) try {
// CHECK: ::new (&wait2_) auto(fib(n - 1));

namespace math {
template <class T> coroutine<T> sum_to(T n) {
  if (n == 0)
    return T(0);
  T rest = wait(sum_to(n - 1));
  return n + rest;
}
} // namespace math

// CHECK: namespace math {
// CHECK-NEXT: namespace {
// CHECK-NEXT: template <class T>
// CHECK-NEXT: class sum_to_frame;
// CHECK-NEXT: } // namespace
// CHECK: template <class T> coroutine<T> sum_to(T n) {
// CHECK-NEXT: return corofy::Async<T>(sum_to_frame<T>(std::move(n)));
// CHECK-NEXT: }
// CHECK: namespace {
// CHECK: template <class T>
// CHECK-NEXT: class sum_to_frame {
// CHECK: decltype(sum_to(n - 1)) wait1_;
// CHECK: inline corofy::Poll<T> sum_to_frame<T>::poll(corofy::Context &cx) try {

int main() {
  std::printf("fib(12) = %d\n", corofy::block_on(fib(12)));
  std::printf("sum_to(10) = %d\n", corofy::block_on(math::sum_to(10)));
  std::printf("sum_to(100L) = %ld\n", corofy::block_on(math::sum_to(100L)));
}
// OUT: fib(12) = 144
// OUT-NEXT: sum_to(10) = 55
// OUT-NEXT: sum_to(100L) = 5050

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
