// In a coroutine template, waits inside larger expressions whose types
// depend on a template parameter: the frame declares the values, spilled
// operands and ?: results with the type the future names, or with decltype
// of the expression as written when only it spells the type.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: FileCheck %s --input-file=%t.cpp --check-prefix=SHAPE
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s
// RUN: %fiber-exe | FileCheck %s

#include "leaf.hpp"

template <class T> T plus1(T v) {
  std::printf("plus1 %d\n", int(v));
  return v + 1;
}
template <class T> PendingOnce<T> later(T v) { return PendingOnce<T>(v); }

template <class T> coroutine<T> shapes(T v, bool b) {
  T a = plus1(v) + wait(later(v));
  T c = b ? wait(later(a)) : plus1(a);
  if (v > T{} && wait(later(b)))
    a += 1;
  T d = wait(PendingOnce<T>(T(2))) * plus1(c) + wait(later(T(a)));
  std::printf("%d %d %d\n", int(a), int(c), int(d));
  return a + c + d;
}
// SHAPE-DAG: union { std::remove_cvref_t<decltype((plus1(v)))> operand; };
// SHAPE-DAG: union { corofy::output_t<decltype(later(v))> value1_; };
// SHAPE-DAG: union { std::remove_cvref_t<decltype((b ? wait(later(a)) : plus1(a)))> choice; };
// SHAPE-DAG: union { corofy::output_t<PendingOnce<T>> value4_; };

int main() {
  std::printf("%d\n", corofy::block_on(shapes(3, true)));
  std::printf("%ld\n", corofy::block_on(shapes(4L, false)));
}
// CHECK:      plus1 3
// CHECK-NEXT: plus1 7
// CHECK-NEXT: 8 7 24
// CHECK-NEXT: 39
// CHECK-NEXT: plus1 4
// CHECK-NEXT: plus1 9
// CHECK-NEXT: plus1 10
// CHECK-NEXT: 9 10 31
// CHECK-NEXT: 50
