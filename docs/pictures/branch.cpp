// Waits in both branches of an if: the branches' locals share storage.
#include <corofy/corofy.hpp>

#include <string>

coroutine<std::string> fetch(int key); // a future from elsewhere

coroutine<std::size_t> lengths(int key, bool both) {
  std::size_t sum = 0;
  if (both) {
    std::string first = wait(fetch(key));
    std::string second = wait(fetch(key + 1));
    sum = first.size() + second.size();
  } else {
    std::string only = wait(fetch(key));
    sum = only.size();
  }
  return sum;
}
