// A coroutine built through corofy_target_sources: GREETING comes from the
// target's compile definitions and answer.hpp from its include directories,
// which corofy must see as the compiler does.
#include "answer.hpp"

#include <corofy/corofy.hpp>

#include <cstdio>

coroutine<int> answer() {
  int base = wait(corofy::Ready<int>(answerBase()));
  wait(corofy::sleep_for(std::chrono::milliseconds(1)));
  return base + wait(corofy::Ready<int>(2));
}

int main() {
  std::printf("%s: %d\n", GREETING, corofy::block_on(answer()));
}
