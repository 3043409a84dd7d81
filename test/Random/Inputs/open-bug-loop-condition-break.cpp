// corofy bug: a while (or for) loop whose condition waits, whose body has a
// frame object and, after its last wait, an ordinary local with a
// destructor. corofy lowers the condition to `if (!(cond)) break;` and
// opens the extra block around the body's ordinary locals on the same line:
//       if (!(std::move(temps5_.value1_) <= 2))
//         break; {
// which is correct C++ but fails -Wall -Werror:
//   error: misleading indentation; statement is not part of the previous
//   'if' [-Werror,-Wmisleading-indentation]
// (With `int v` instead of a std::string/std::vector there is no extra
// block and no error; without the Tracked either. The same `{ {` after an
// if's brace is harmless.) Found by test/Random/generate.py seed 63.
//
// Command (from /work/tf):
//   /tmp/corofy-snap/corofy this.cpp -o co.cpp -- -std=c++20 -I test/Random/Inputs -I test/Inputs
//   clang++-19 -std=c++20 -O1 -Wall -Wextra -Werror -Wno-unused-parameter -Iinclude -Itest/Inputs \
//       -Itest/Random/Inputs co.cpp /tmp/corofy-snap/libcorofy_runtime.a -pthread -o co.exe && ./co.exe
// Expected (reference, wait(X) -> block(X)): compiles cleanly and prints
//   construct t / destroy t / construct t / destroy t / 3   (one per line)
// Actual: the corofied output does not compile (-Wmisleading-indentation).
// Same with `for (int k = 0; k < wait(Later<int>(2)); ++k)`.
#include "random_support.hpp"

coroutine<int> f(int n) {
  int k = 0;
  while (wait(Later<int>(++k)) <= 2) {
    Tracked t{"t"};
    std::string s = wait(Later<std::string>("x"));
    n += (int)s.size();
  }
  return n;
}

int main() { std::printf("%d\n", corofy::block_on(f(1))); }
