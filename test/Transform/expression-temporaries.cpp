// The values of waits and the operands spilled across them live until the
// end of their full-expression, like C++ temporaries; a coroutine
// destroyed while suspended inside an expression destroys exactly the ones
// already made.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s

#include "leaf.hpp"

std::string join(const Tracked &a, const Tracked &b) {
  std::printf("join\n");
  return a.name + "+" + b.name;
}

coroutine<std::string> combine() {
  std::string joined = join(Tracked("spilled"), wait(PendingOnce<Tracked>(Tracked("waited"))));
  std::printf("after the statement\n");
  return joined;
}

int main() {
  std::printf("%s\n", corofy::block_on(combine()).c_str());
  std::printf("-- cancel inside the expression\n");
  {
    corofy::Waker waker = corofy::Waker::noop();
    corofy::Context cx(waker);
    auto future = combine();
    (void)future.poll(cx);
  }
  std::printf("-- end\n");
}
// CHECK: construct spilled
// CHECK-NEXT: construct waited
// CHECK: join
// CHECK-NEXT: destroy waited
// CHECK-NEXT: destroy spilled
// CHECK-NEXT: after the statement
// CHECK-NEXT: spilled+waited
// CHECK-NEXT: -- cancel inside the expression
// CHECK-NEXT: construct spilled
// CHECK-NEXT: construct waited
// CHECK-NOT: join
// CHECK: destroy spilled
// CHECK-NEXT: -- end

// The fiber backend prints the same, except that it keeps the future (a
// moved-from Tracked inside) until the end of the full-expression, as C++
// does with a temporary; the state machine destroys it once its wait is
// over, to free its storage.
// RUN: %fiber-exe | FileCheck %s --check-prefix=FIBER
// FIBER: construct spilled
// FIBER-NEXT: construct waited
// FIBER: join
// FIBER-NEXT: destroy waited
// FIBER-NEXT: destroy moved-from
// FIBER-NEXT: destroy moved-from
// FIBER-NEXT: destroy spilled
// FIBER-NEXT: after the statement
// FIBER-NEXT: spilled+waited
// FIBER-NEXT: -- cancel inside the expression
// FIBER-NEXT: construct spilled
// FIBER-NEXT: construct waited
// FIBER-NOT: join
// FIBER: destroy spilled
// FIBER-NEXT: -- end
