// Two phases, each holding a buffer across a wait; the second in a loop.
#include "leaf.hpp"

#include <cstring>

coroutine<int>
phases(int rounds) {
  int sum = 0;
  {
    char first[64];
    wait(PendingOnce<void>());
    sum += std::memset(first, 1, sizeof first) != nullptr;
  }
  for (int i = 0; i < rounds; ++i) {
    char second[64];
    sum += wait(PendingOnce<int>(i));
    sum += std::memset(second, 2, sizeof second) != nullptr;
  }
  return sum;
}
