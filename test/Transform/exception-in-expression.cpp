// An exception thrown inside an expression that holds a wait, after the
// expression made objects the frame keeps for it and before the coroutine
// reaches that wait, destroys the ones already made, newest first, as the
// same expression does in synchronous code.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: FileCheck %s --input-file=%t.cpp --check-prefix=SHAPE
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s
// RUN: %fiber-exe | FileCheck %s

#include "leaf.hpp"
#include <stdexcept>

int boom(const char *where) { throw std::runtime_error(where); }

PendingOnce<Tracked> failingFuture(const char *where) {
  boom(where);
  return PendingOnce<Tracked>(Tracked("never"));
}

PendingOnce<bool> failingCheck(const Tracked &, int) {
  return PendingOnce<bool>(true);
}

std::string join(const Tracked &a, const Tracked &b) {
  return a.name + "+" + b.name;
}

std::string name(const Tracked &t) { return t.name; }

bool check(const Tracked &t) { return !t.name.empty(); }

// The spilled left operand is destroyed when the future of the wait after
// it throws as it is made.
coroutine<std::string> spilledOperand() {
  std::string s = join(Tracked("spilled"), wait(failingFuture("spilled")));
  return s;
}
// SHAPE-LABEL: spilledOperand_frame::poll(
// SHAPE:      ::new (&[[TEMPS:temps[0-9]+_]].operand) Tracked(Tracked("spilled"));
// SHAPE-NEXT: state_ = State::[[AFTER:Line[0-9]+]];
// SHAPE-NEXT: ::new (&wait1_) auto(failingFuture("spilled"));
// SHAPE-NEXT: state_ = State::Wait1;

// A temporary of the wait's operand, which C++ keeps until the end of the
// full-expression, is destroyed when an argument after it throws.
coroutine<bool> operandTemporary() {
  bool ok = wait(failingCheck(Tracked("operand"), boom("operand")));
  return ok;
}
// SHAPE-LABEL: operandTemporary_frame::poll(
// SHAPE:      [[TEMPS:temps[0-9]+_]].made = false;
// SHAPE-NEXT: state_ = State::{{Line[0-9]+}};
// SHAPE-NEXT: ::new (&wait1_) auto(failingCheck(std::as_const(*corofy::frame::made([[TEMPS]].made, ::new (&[[TEMPS]].temporary) auto(Tracked("operand")))), boom("operand")));

// A temporary that an operand spilled before a wait makes lives to the end
// of the full-expression: destroyed after the spilled string.
coroutine<std::string> keptTemporary() {
  std::string s = name(Tracked("kept")) + wait(failingFuture("kept")).name;
  return s;
}

// The value of the ?: chosen before a later wait of the expression.
coroutine<std::string> chosenValue(bool first) {
  std::string s = join(first ? Tracked("chosen") : wait(PendingOnce<Tracked>(Tracked("waited"))),
                       wait(failingFuture("chosen")));
  return s;
}

// A temporary of the left operand of && lives across the wait on the right.
coroutine<int> logicalOperand() {
  if (check(Tracked("lhs")) && wait(failingCheck(Tracked("rhs"), boom("lhs"))))
    return 1;
  return 0;
}

template <class F> void run(const char *title, F future) {
  std::printf("-- %s\n", title);
  try {
    corofy::block_on(std::move(future));
    std::printf("no exception\n");
  } catch (const std::exception &e) {
    std::printf("caught: %s\n", e.what());
  }
}

int main() {
  run("spilled operand", spilledOperand());
  run("operand temporary", operandTemporary());
  run("kept temporary", keptTemporary());
  run("chosen value", chosenValue(true));
  run("logical operand", logicalOperand());
}
// CHECK-LABEL: -- spilled operand
// CHECK-NEXT: construct spilled
// CHECK-NEXT: destroy spilled
// CHECK-NEXT: caught: spilled
// CHECK-LABEL: -- operand temporary
// CHECK-NEXT: construct operand
// CHECK-NEXT: destroy operand
// CHECK-NEXT: caught: operand
// CHECK-LABEL: -- kept temporary
// CHECK-NEXT: construct kept
// CHECK-NEXT: destroy kept
// CHECK-NEXT: caught: kept
// CHECK-LABEL: -- chosen value
// CHECK-NEXT: construct chosen
// CHECK-NEXT: destroy chosen
// CHECK-NEXT: caught: chosen
// CHECK-LABEL: -- logical operand
// CHECK-NEXT: construct lhs
// CHECK-NEXT: construct rhs
// CHECK-NEXT: destroy rhs
// CHECK-NEXT: destroy lhs
// CHECK-NEXT: caught: lhs
