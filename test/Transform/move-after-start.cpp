// A started coroutine may point into its own frame, so moving its frame
// after the first poll stops the program with a clear message; moving it
// before the first poll is fine (containers of coroutines work).
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: %cxx '-DTRANSFORMED="%t.cpp"' %inputs/move-after-start-main.cpp %runtime -o %t.exe
// RUN: %t.exe before | FileCheck %s --check-prefix=BEFORE
// RUN: not --crash %t.exe after 2>&1 | FileCheck %s --check-prefix=AFTER
// Boxed coroutines move freely, in containers too:
// RUN: %cxx %t.cpp %runtime -o %t-boxed.exe
// RUN: %t-boxed.exe | FileCheck %s --check-prefix=BOXED

#include "leaf.hpp"
#include <vector>

coroutine<int> counter(int start) {
  int value = start;
  int *cursor = &value;
  wait(PendingOnce<void>());
  return *cursor + 1;
}

#ifndef TRANSFORMED
int main() {
  std::vector<coroutine<int>> futures;
  for (int i = 0; i < 5; ++i)
    futures.push_back(counter(i));
  corofy::Waker waker = corofy::Waker::noop();
  corofy::Context cx(waker);
  for (auto &future : futures)
    (void)future.poll(cx); // all started
  std::vector<coroutine<int>> moved = std::move(futures);
  moved.insert(moved.begin(), counter(100));
  int sum = 0;
  for (auto &future : moved)
    sum += pollToEnd(future);
  std::printf("sum %d\n", sum);
}
#endif
// BEFORE: sum 105
// AFTER: started
// AFTER-NEXT: corofy: coroutine 'counter' was moved after its first poll
// BOXED: sum 116
