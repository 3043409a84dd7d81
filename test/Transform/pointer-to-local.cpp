// Pointers to hoisted locals stay valid across waits: the frame does not move
// once started.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s

#include "leaf.hpp"
#include <string>

coroutine<std::string> build() {
  std::string text = "ab";
  std::string *cursor = &text;
  wait(PendingOnce<void>());
  *cursor += "cd";
  char *first = &text[0];
  wait(PendingOnce<void>());
  *first = 'A';
  return text;
}

int main() { std::printf("%s\n", corofy::block_on(build()).c_str()); }
// CHECK: Abcd

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s
