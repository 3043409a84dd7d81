// Waits in the arms of ?: run only in the chosen arm; a glvalue result
// stays the same object.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

coroutine<std::string> pick(bool first) {
  std::string a = "apple", b = "banana";
  std::string chosen = first ? wait(Noisy<std::string>("first", "A"))
                             : wait(Noisy<std::string>("second", "B"));
  (first ? (wait(Noisy<int>("arm", 0)), a) : b) += "!";
  return chosen + a + b;
}

// CHECK: ::new (&temps{{[0-9]+}}_.choice) std::{{.*}}(std::move(temps{{[0-9]+}}_.value1_));
// CHECK: temps{{[0-9]+}}_.choice2 = std::addressof(b);
// CHECK: ((*temps{{[0-9]+}}_.choice2)) += "!";

int main() {
  std::printf("%s\n", corofy::block_on(pick(true)).c_str());
  std::printf("%s\n", corofy::block_on(pick(false)).c_str());
}
// OUT: wait first
// OUT-NEXT: wait arm
// OUT-NEXT: Aapple!banana
// OUT-NEXT: wait second
// OUT-NEXT: Bapplebanana!

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
