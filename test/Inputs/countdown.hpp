// A queue that counts down through Noisy waits, and the item a loop's
// condition variable makes from each value: shared by the tests of waits
// in loop headers.
#ifndef COROFY_TEST_INPUTS_COUNTDOWN_HPP
#define COROFY_TEST_INPUTS_COUNTDOWN_HPP

#include "leaf.hpp"

/// Yields left, left - 1, ..., each through a wait that prints "wait next".
struct Queue {
  int left;
  Noisy<int> next() { return Noisy<int>("next", left--); }
};

/// Prints its making and dropping; false once the queue reaches 0.
struct Item {
  explicit Item(int v) : value(v) { std::printf("make item %d\n", v); }
  ~Item() { std::printf("drop item %d\n", value); }
  explicit operator bool() const { return value != 0; }
  int value;
};

#endif
