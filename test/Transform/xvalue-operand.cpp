// An xvalue operand evaluated before a later wait of its expression
// (std::move(s)) is spilled by address as an lvalue is, and read back as
// an xvalue: the callee still receives an rvalue reference to the object.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

std::string take(std::string &&from, const std::string &suffix) {
  std::string taken = std::move(from);
  return taken + suffix;
}

coroutine<void> run() {
  std::string name = "ann";
  std::string greeting = take(std::move(name), wait(PendingOnce<std::string>("!")));
  std::printf("%s, left '%s'\n", greeting.c_str(), name.c_str());
}

// CHECK: temps{{[0-9]+}}_.operand = corofy::frame::address(std::move(name));
// CHECK: take(std::move(*temps{{[0-9]+}}_.operand), std::move(temps{{[0-9]+}}_.value1_))

int main() { corofy::block_on(run()); }
// OUT: ann!, left ''

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
