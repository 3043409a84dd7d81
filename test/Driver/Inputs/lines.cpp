// Lines the compiler reports in the output of --line-directives.
#include "leaf.hpp"

coroutine<int> lines(int n) {
  n == 5;
  int a = wait(PendingOnce<int>(n)); std::printf("a = %d\n", a);
  a == 7;
  if (a > 0) {
    int b = wait(PendingOnce<int>(a)); std::printf("b = %d\n", b);
    b == 10;
  }
  a == 12;
  for (int i = 0; i < 2; ++i) {
    std::string s = "s";
    int c = wait(PendingOnce<int>(i)); std::printf("c = %d\n", c);
    c == 16;
  }
  a == 18;
  while (wait(PendingOnce<int>(a)) < 3) ++a;
  a == 20;
  return a;
}

int main() { std::printf("%d\n", corofy::block_on(lines(3))); }
