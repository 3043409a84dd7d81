// What the right operand of && or || or an arm of ?: that holds a wait
// makes (the wait's value, spilled operands, temporaries) lives to the end
// of the full-expression, as in C++, on the paths that made it; a flag per
// object says whether it was made, for the paths that skip the branch, for
// an exception and for a coroutine destroyed while suspended.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: FileCheck %s --input-file=%t.cpp --check-prefix=SHAPE
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s
// RUN: %fiber-exe | FileCheck %s
// RUN: %corofy --emit=layout %s -- -I%inputs | FileCheck %s --check-prefix=LAYOUT

#include "leaf.hpp"

bool both(bool a, const Tracked &b) {
  std::printf("both %s\n", b.name.c_str());
  return a;
}
bool ok(const Tracked &t, int v) {
  std::printf("ok %s %d\n", t.name.c_str(), v);
  return v > 0;
}
const Tracked &pass(const Tracked &t) { return t; }

coroutine<int> logical(bool go) {
  int n = 0;
  if (both(go && ok(Tracked("rhs"), wait(PendingOnce<int>(1))), Tracked("after")))
    n = 1;
  return n;
}
// SHAPE-LABEL: logical_frame::poll(
// SHAPE:      [[T:temps[0-9]+_]].cond = static_cast<bool>(go);
// SHAPE-NEXT: [[T]].made = false;
// SHAPE-NEXT: state_ = State::[[ENTER:Line[0-9]+]];
// SHAPE-NEXT: if ([[T]].cond) {
// SHAPE-NEXT:   ::new (&[[T]].operand) Tracked(Tracked("rhs"));
// SHAPE-NEXT:   [[T]].made = true;
// SHAPE:        state_ = State::[[ENTER]];
// SHAPE-NEXT:   [[T]].cond = static_cast<bool>(ok(std::move([[T]].operand), std::move([[T]].value1_)));
// SHAPE-NEXT: }
// SHAPE-NEXT: [[T]].cond2 = static_cast<bool>(both([[T]].cond, Tracked("after")));
// SHAPE-NEXT: if ([[T]].made) std::destroy_at(&[[T]].operand);
// The state of the branch holds what the branch may have made, once each.
// LAYOUT-LABEL: coroutine logical
// LAYOUT: {{^ +}}[[ENTER:Line[0-9]+]]{{ +}}running after line [[LINE:[0-9]+]]{{ +}}holds n, [[T:temps[0-9]+_]].operand, [[T]].value1_{{$}}
// LAYOUT-NEXT: Wait1{{ +}}suspended at line [[LINE]]{{ +}}holds n, [[T]].operand, wait1_{{$}}

std::string name(const Tracked &t) {
  std::printf("name %s\n", t.name.c_str());
  return t.name;
}

// The arm's temporary is read after the ?: (through a reference).
coroutine<std::string> choice(bool waits) {
  std::string s = name(waits ? pass(Tracked(wait(PendingOnce<std::string>("arm"))))
                             : pass(Tracked("other")));
  return s;
}

int main() {
  std::printf("-- logical, taken\n");
  std::printf("%d\n", corofy::block_on(logical(true)));
  std::printf("-- logical, skipped\n");
  std::printf("%d\n", corofy::block_on(logical(false)));
  std::printf("-- choice, waits\n");
  std::printf("%s\n", corofy::block_on(choice(true)).c_str());
  std::printf("-- choice, does not\n");
  std::printf("%s\n", corofy::block_on(choice(false)).c_str());
  std::printf("-- destroyed while suspended in the branch\n");
  {
    corofy::Waker waker = corofy::Waker::noop();
    corofy::Context cx(waker);
    auto future = logical(true);
    (void)future.poll(cx);
  }
  std::printf("-- end\n");
}
// CHECK-LABEL: -- logical, taken
// CHECK-NEXT: construct rhs
// CHECK-NEXT: ok rhs 1
// CHECK-NEXT: construct after
// CHECK-NEXT: both after
// CHECK-NEXT: destroy after
// CHECK-NEXT: destroy rhs
// CHECK-NEXT: 1
// CHECK-LABEL: -- logical, skipped
// CHECK-NEXT: construct after
// CHECK-NEXT: both after
// CHECK-NEXT: destroy after
// CHECK-NEXT: 0
// CHECK-LABEL: -- choice, waits
// CHECK-NEXT: construct arm
// CHECK-NEXT: name arm
// CHECK-NEXT: destroy arm
// CHECK-NEXT: arm
// CHECK-LABEL: -- choice, does not
// CHECK-NEXT: construct other
// CHECK-NEXT: name other
// CHECK-NEXT: destroy other
// CHECK-NEXT: other
// CHECK-LABEL: -- destroyed while suspended in the branch
// CHECK-NEXT: construct rhs
// CHECK-NEXT: destroy rhs
// CHECK-NEXT: -- end
