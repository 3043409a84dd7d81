#include "leaf.hpp"

coroutine<int> flags(int n) {
  bool negative = n < 0;
  int value = wait(PendingOnce<int>(n));
  return negative ? -value : value;
}
