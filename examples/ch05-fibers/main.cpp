// The book's fibers (chapter 5): two fibers count, each yielding to the
// other after every line, so their lines interleave until the shorter one
// finishes. The book calls its fibers threads (green threads) and prints
// that name; its runtime is corofy::fiber::Scheduler here, and its
// yield_thread() is corofy::fiber::yield_now().

#include <corofy/fiber.hpp>

#include <cstdio>

namespace fiber = corofy::fiber;

int main() {
  fiber::Scheduler scheduler;
  scheduler.spawn([] {
    std::printf("THREAD 1 STARTING\n");
    int id = 1;
    for (int i = 0; i < 10; ++i) {
      std::printf("thread: %d counter: %d\n", id, i);
      fiber::yield_now();
    }
    std::printf("THREAD 1 FINISHED\n");
  });
  scheduler.spawn([] {
    std::printf("THREAD 2 STARTING\n");
    int id = 2;
    for (int i = 0; i < 15; ++i) {
      std::printf("thread: %d counter: %d\n", id, i);
      fiber::yield_now();
    }
    std::printf("THREAD 2 FINISHED\n");
  });
  scheduler.run();
}
