// The condition of a switch is a full-expression: the values of its waits
// and its other temporaries die before the body runs, as in C++, once the
// value switched on is kept. They share storage with the temporaries of
// the body's statements, which are alive only later.
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
    if (!polled) {
      polled = true;
      cx.waker().wake();
      return corofy::Poll<std::string>::pending();
    }
    return corofy::Poll<std::string>::ready(of->name);
  }
};
NameOf nameOf(const Tracked &t) { return NameOf{&t}; }

std::string joined(const Tracked &a, const std::string &b) {
  return a.name + "+" + b;
}

coroutine<std::string> classify() {
  std::string result;
  switch (wait(nameOf(Tracked("cond"))).size()) {
  case 4:
    std::printf("body\n");
    result = joined(Tracked("left"), wait(nameOf(Tracked("right"))));
    break;
  default:
    result = "other";
  }
  return result;
}

// CHECK: [[COND:temps[0-9]+_.cond]] = std::move(temps{{[0-9]+}}_.value1_).size();
// CHECK-NEXT: std::destroy_at(&temps{{[0-9]+}}_.value1_);
// CHECK-NEXT: std::destroy_at(&temps{{[0-9]+}}_.temporary);
// CHECK: switch ([[COND]]) {

int main() { std::printf("%s\n", corofy::block_on(classify()).c_str()); }
// OUT: construct cond
// OUT-NEXT: destroy cond
// OUT-NEXT: body
// OUT-NEXT: construct left
// OUT-NEXT: construct right
// OUT-NEXT: destroy right
// OUT-NEXT: destroy left
// OUT-NEXT: left+right

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
