// Frame classes have internal linkage: two translation units may each have
// a coroutine of the same name (overloads, say) without their state
// machines being mixed up by the linker.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: %corofy %inputs/frame-linkage-other.cpp -o %t-other.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %t-other.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

long otherTranslationUnit();

coroutine<long> fetch(int a) {
  long x = wait(PendingOnce<long>(a));
  return x + 1;
}

// CHECK: namespace {
// CHECK-NEXT: class fetch_frame {
// CHECK: } // namespace

int main() {
  long here = corofy::block_on(fetch(41));
  std::printf("%ld %ld\n", here, otherTranslationUnit());
}
// OUT: 42 7008

// The fiber backend prints the same.
// RUN: %corofy --backend=fiber %s -o %t.fiber.cpp -- -I%inputs
// RUN: %corofy --backend=fiber %inputs/frame-linkage-other.cpp -o %t-other.fiber.cpp -- -I%inputs
// RUN: %cxx %t.fiber.cpp %t-other.fiber.cpp %runtime -o %t.fiber.exe
// RUN: %t.fiber.exe | FileCheck %s --check-prefix=OUT
