#include "leaf.hpp"
#include <stdexcept>

coroutine<int> guarded(int n) {
  try {
    wait(PendingOnce<int>(n));
  } catch (const std::exception &) {
    return -1;
  }
  if (!wait(PendingOnce<bool>(n > 0)))
    throw std::invalid_argument("n");
  return n;
}
