// A temporary that a wait's operand makes on some paths only (in an arm of
// ?:, on the right of && or ||) lives until the end of the full-expression
// too, when it was made: the frame keeps a flag beside it, cleared before
// the operand runs and set once the temporary is made, and the end of the
// full-expression, or the destruction of the coroutine while suspended,
// destroys it only if the flag is set.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

/// Pending once, then ready with the name of a Tracked it does not own.
struct NameOf {
  using Output = std::string;
  const Tracked *of;
  bool polled = false;
  corofy::Poll<std::string> poll(corofy::Context &cx) {
    std::printf("poll %s\n", of->name.c_str());
    if (!polled) {
      polled = true;
      cx.waker().wake();
      return corofy::Poll<std::string>::pending();
    }
    return corofy::Poll<std::string>::ready(of->name);
  }
};
NameOf nameOf(const Tracked &t) { return NameOf{&t}; }
const Tracked &same(const Tracked &t) { return t; }

coroutine<std::string> pick(bool first) {
  std::string got =
      wait(nameOf(first ? same(Tracked("first")) : same(Tracked("second"))));
  return got;
}

// CHECK: union { bool [[MADE1:made[0-9]*]]; };
// CHECK: [[T:temps[0-9]+_]].[[MADE1]] = false;
// CHECK-NEXT: [[T]].[[MADE2:made[0-9]*]] = false;
// CHECK-NEXT: state_ = State::Line{{[0-9_]+}};
// CHECK-NEXT: ::new (&wait1_) auto(nameOf(first ? same(std::as_const(*corofy::frame::made([[T]].[[MADE1]], ::new (&[[T]].[[FIRST:temporary[0-9]*]]) auto(Tracked("first"))))) : same(std::as_const(*corofy::frame::made([[T]].[[MADE2]], ::new (&[[T]].[[SECOND:temporary[0-9]*]]) auto(Tracked("second")))))));
// CHECK: if ([[T]].[[MADE2]]) std::destroy_at(&[[T]].[[SECOND]]);
// CHECK-NEXT: if ([[T]].[[MADE1]]) std::destroy_at(&[[T]].[[FIRST]]);

int main() {
  std::printf("%s\n", corofy::block_on(pick(true)).c_str());
  std::printf("%s\n", corofy::block_on(pick(false)).c_str());
  std::printf("-- destroyed while suspended\n");
  {
    corofy::Waker waker = corofy::Waker::noop();
    corofy::Context cx(waker);
    auto future = pick(false);
    (void)future.poll(cx);
  }
  std::printf("-- end\n");
}
// OUT: construct first
// OUT-NEXT: poll first
// OUT-NEXT: poll first
// OUT-NEXT: destroy first
// OUT-NEXT: first
// OUT-NEXT: construct second
// OUT-NEXT: poll second
// OUT-NEXT: poll second
// OUT-NEXT: destroy second
// OUT-NEXT: second
// OUT-NEXT: -- destroyed while suspended
// OUT-NEXT: construct second
// OUT-NEXT: poll second
// OUT-NEXT: destroy second
// OUT-NEXT: -- end

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
