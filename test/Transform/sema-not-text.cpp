// wait and coroutine are found by what they resolve to, never by their
// spelling: POSIX wait(int*), a user's own wait(), a variable named
// coroutine_count and a type that merely returns Async<T> are left alone.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"
#include <sys/wait.h>
#include <unistd.h>

namespace jobs {
int wait(int seconds) { return seconds * 2; }
} // namespace jobs

int coroutine_count = 0;

corofy::Async<int> notACoroutine() { return corofy::Ready<int>(5); }

int reapChild() {
  pid_t child = fork();
  if (child == 0)
    _exit(3);
  int status = 0;
  wait(&status);
  return WEXITSTATUS(status);
}

coroutine<int> mixed() {
  ++coroutine_count;
  int doubled = jobs::wait(4);
  int waited = wait(PendingOnce<int>(doubled));
  return waited + reapChild();
}

// CHECK: corofy::Async<int> notACoroutine() { return corofy::Ready<int>(5); }
// CHECK: int reapChild() {
// CHECK: wait(&status);
// CHECK: class mixed_frame {
// CHECK: ++coroutine_count;
// CHECK-NEXT: ::new (&doubled) int(jobs::wait(4));
// CHECK-NEXT: ::new (&wait1_) auto(PendingOnce<int>(doubled));

int main() {
  int fromPlain = corofy::block_on(notACoroutine());
  std::printf("%d %d %d\n", corofy::block_on(mixed()), fromPlain,
              coroutine_count);
}
// OUT: 11 5 1

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
