// A reference parameter stays a reference in the frame (as in C++20
// coroutines, the caller keeps the referred object alive); a value
// parameter is copied in.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"
#include <string>

coroutine<void> append(std::string &out, std::string suffix) {
  wait(PendingOnce<void>());
  out += suffix;
}

// CHECK: append_frame(std::string &out, std::string suffix)
// CHECK-NEXT: : out(out), suffix(std::move(suffix)) {}
// CHECK: std::string &out;
// CHECK-NEXT: std::string suffix;

int main() {
  std::string text = "hello";
  corofy::block_on(append(text, ", world"));
  std::printf("%s\n", text.c_str());
}
// OUT: hello, world

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
