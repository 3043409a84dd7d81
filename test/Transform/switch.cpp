// Waits in the cases of a switch: the dispatch resumes inside the case,
// break destroys the case's frame objects, and fallthrough works.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

coroutine<std::string> name(int kind) {
  std::string out;
  switch (kind) {
  case 0:
    out = wait(PendingOnce<std::string>("zero"));
    break;
  case 1: {
    Tracked held("held");
    out = wait(PendingOnce<std::string>("one"));
    if (out == "one")
      break;
    out = "unreachable";
  }
    [[fallthrough]];
  case 2:
    out += wait(PendingOnce<std::string>("+two"));
    [[fallthrough]];
  default:
    out += "!";
  }
  return out;
}

// CHECK: switch (kind) {
// CHECK: case 0:
// CHECK-NEXT: ::new (&wait1_)
// CHECK: if (out == "one")
// CHECK-NEXT: { std::destroy_at(&block16_.held); state_ = State::Line{{[0-9_]+}}; break; }
// CHECK: case 2:
// CHECK-NEXT: ::new (&wait3_)

int main() {
  for (int kind = 0; kind < 4; ++kind)
    std::printf("%d: %s\n", kind, corofy::block_on(name(kind)).c_str());
}
// OUT: 0: zero
// OUT-NEXT: construct held
// OUT-NEXT: destroy held
// OUT-NEXT: 1: one
// OUT-NEXT: 2: +two!
// OUT-NEXT: 3: !

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
