// The second translation unit of Transform/frame-linkage.cpp: a coroutine
// with the same name as one there, but another shape.
#include "leaf.hpp"

coroutine<long> fetch(long a, long b) {
  long x = wait(PendingOnce<long>(a));
  long y = wait(PendingOnce<long>(b));
  return x * 1000 + y;
}

long otherTranslationUnit() { return corofy::block_on(fetch(7, 8)); }
