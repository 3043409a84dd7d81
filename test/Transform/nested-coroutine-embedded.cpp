// A coroutine that waits on another coroutine of the same file contains the
// callee's state machine by value: no heap allocation per wait or per call.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "alloc_counter.hpp"
#include "leaf.hpp"

namespace math {
coroutine<int> square(int x) {
  int v = wait(PendingOnce<int>(x));
  return v * v;
}
} // namespace math

coroutine<int> sumOfSquares(int a, int b) {
  int first = wait(math::square(a));
  int second = wait(math::square(b));
  return first + second;
}

// CHECK: class sumOfSquares_frame {
// CHECK: union { int first; };
// CHECK-NEXT: union {
// CHECK-NEXT: math::square_frame wait1_;
// CHECK-NEXT: math::square_frame wait2_;
// CHECK: ::new (&wait1_) auto(math::square_frame(a));

int main() {
  auto future = sumOfSquares(3, 4); // boxed once for this caller
  long Before = Allocations;
  int pendings = 0;
  int result = pollToEnd(future, &pendings);
  std::printf("%d with %ld allocations while polling, %d pendings\n", result,
              Allocations - Before, pendings);
}
// OUT: 25 with 0 allocations while polling, 2 pendings

// Not run through the fiber backend: it counts the allocations that embedding frames saves, which fibers do not do.
