// A wait in a loop: each iteration suspends in the same state.
#include <corofy/corofy.hpp>

#include <string>

coroutine<std::string> fetch(int key); // a future from elsewhere

coroutine<std::size_t> total(int n) {
  std::size_t sum = 0;
  for (int i = 0; i < n; ++i) {
    std::string value = wait(fetch(i));
    sum += value.size();
  }
  return sum;
}
