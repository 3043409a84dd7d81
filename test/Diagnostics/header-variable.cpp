// A variable declared in a for loop's condition cannot live across a wait
// yet; one declared in its init-statement, or in the condition of a while
// loop, can.
// RUN: not %corofy %s -o %t.cpp -- -I%inputs 2>&1 | FileCheck %s

#include "leaf.hpp"

coroutine<int> drain(int n) {
  // CHECK: header-variable.cpp:[[@LINE+1]]:14: error: 'left' is declared in the header of a 'for' loop and lives across a wait, which is not supported yet; declare it before the statement
  for (; int left = n;) {
    // CHECK: header-variable.cpp:[[@LINE+1]]:9: note: the wait it lives across is here
    n = wait(PendingOnce<int>(left - 1));
  }
  while (int left = n)
    n = wait(PendingOnce<int>(left - 1));
  for (int i = 0; i < 2; ++i)
    n += wait(PendingOnce<int>(i));
  return n;
}
