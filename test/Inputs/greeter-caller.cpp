// Another translation unit, compiled without corofy, calling greet().
#include "greeter.hpp"

#include <cstdio>

int main() {
  std::string name = "ada";
  std::printf("%s\n", corofy::block_on(greet(name, 2)).c_str());
}
