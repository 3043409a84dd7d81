// Waits inside one expression, one of them in a branch of ?:.
#include <corofy/corofy.hpp>

coroutine<int> size(int part); // futures from elsewhere
coroutine<bool> cached(int part);

coroutine<int> sizes(int a, int b) {
  return wait(size(a)) +
         (wait(cached(b)) ? 0
                          : wait(size(b)));
}
