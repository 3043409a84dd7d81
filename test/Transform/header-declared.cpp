// A coroutine declared in a header and defined here keeps its signature, so
// callers in other translation units, compiled without corofy, see it as a
// boxed corofy::Async<T> and keep working.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: %cxx %t.cpp %inputs/greeter-caller.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s

#include "greeter.hpp"
#include "leaf.hpp"

coroutine<std::string> greet(const std::string &name, int times) {
  std::string text;
  for (int i = 0; i < times; ++i)
    text += "hello ";
  std::string suffix = wait(PendingOnce<std::string>("!"));
  return text + name + suffix;
}
// CHECK: hello hello ada!

// The fiber backend prints the same.
// RUN: %corofy --backend=fiber %s -o %t.fiber.cpp -- -I%inputs
// RUN: %cxx %t.fiber.cpp %inputs/greeter-caller.cpp %runtime -o %t.fiber.exe
// RUN: %t.fiber.exe | FileCheck %s
