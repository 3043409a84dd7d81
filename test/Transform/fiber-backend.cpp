// --backend=fiber keeps the body as written, on the same lines, inside a
// lambda that runs on a fiber; each wait parks the fiber. A stack allows
// what a frame cannot: waits in lambdas the body calls, locals of a type
// that has no name outside the function, and deep recursion.
// RUN: %corofy --backend=fiber %s -o %t.cpp -- -I%inputs
// RUN: FileCheck %s < %t.cpp
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

coroutine<int> depth(int n) {
  if (n == 0)
    return 0;
  return 1 + wait(depth(n - 1));
}

coroutine<void> local(std::string name, int &total) {
  struct Point { int x, y; }; // a local class, alive across waits
  auto twice = [&](int v) { return 2 * wait(PendingOnce<int>(v)); };
  Point p{twice(1), twice(2)};
  wait(PendingOnce<void>());
  total = p.x + p.y;
  std::printf("%s: %d\n", name.c_str(), total);
  if (total > 0)
    return {};
  total = -1;
}

// CHECK: coroutine<int> depth(int n) { return corofy::Async<int>(corofy::fiber::run_on_fiber(corofy::fiber::Options{.name = "depth"}, [](int n) -> int {
// CHECK-NEXT: if (n == 0)
// CHECK-NEXT: return 0;
// CHECK-NEXT: return 1 + corofy::fiber::await(depth(n - 1));
// CHECK-NEXT: }, std::move(n))); }
// CHECK: coroutine<void> local(std::string name, int &total) { return corofy::Async<void>(corofy::fiber::run_on_fiber(corofy::fiber::Options{.name = "local"}, [](std::string name, int &total) -> void {
// CHECK: auto twice = [&](int v) { return 2 * corofy::fiber::await(PendingOnce<int>(v)); };
// CHECK: return;
// CHECK-NEXT: total = -1;

int main() {
  std::printf("depth %d\n", corofy::block_on(depth(1000)));
  int total = 0;
  auto task = local("local", total); // lazy: nothing runs yet
  std::printf("before: %d\n", total);
  corofy::block_on(std::move(task));
  std::printf("after: %d\n", total);
}
// OUT: depth 1000
// OUT-NEXT: before: 0
// OUT-NEXT: local: 6
// OUT-NEXT: after: 6
