// A small coroutine the driver tests rewrite.
#include "leaf.hpp"

coroutine<int> answer() {
  int value = wait(PendingOnce<int>(42));
  return value;
}

int main() { std::printf("%d\n", corofy::block_on(answer())); }
