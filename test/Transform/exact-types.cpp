// Hoisted locals keep their exact types from Sema: auto, aliases and
// template arguments resolved, names qualified so they mean the same thing
// outside the function, arrays and const kept as declared. A template
// argument written as an expression (a local constant) is replaced by its
// value, since its names may mean something else in the frame.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"
#include <array>
#include <map>
#include <string>
#include <vector>

namespace store {
struct Item {
  std::string name;
};
using Items = std::vector<Item>;
Items load() { return {{"pen"}, {"ink"}}; }
} // namespace store

coroutine<std::string> describe() {
  using namespace store;
  auto items = load();
  const auto &first = items.front();
  char buffer[8] = "x";
  std::map<int, Item> byId{{1, first}};
  const int limit = 2;
  std::array<int, limit> counts{};
  wait(PendingOnce<void>());
  return first.name + buffer + byId.at(1).name + std::to_string(limit) +
         std::to_string(items.size()) + std::to_string(counts.size());
}

// CHECK: union { store::Items items; };
// CHECK-NEXT: union { const store::Item *first; };
// CHECK-NEXT: union { char buffer[8]; };
// CHECK-NEXT: union { std::map<int, store::Item> byId; };
// CHECK-NEXT: union { int limit; };
// CHECK-NEXT: union { std::array<int, 2> counts; };
// CHECK: ::new (&items) store::Items(load());
// CHECK: ::new (&buffer) char[8]{{.*}}"x"
// CHECK: ::new (&byId) std::map<int, store::Item>{{[{][{]}}1, (*first)}};

int main() { std::printf("%s\n", corofy::block_on(describe()).c_str()); }
// OUT: penxpen222

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
