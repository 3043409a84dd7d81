//===- run_with_delayserver.cpp - Runs an example beside a delayserver ----===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// The book runs its clients beside a delayserver on localhost:8080; the
// examples' tests do the same on a free port:
//
//   run_with_delayserver <delayserver> <example> [args...]
//
// starts <delayserver> on a free loopback port, runs <example> with
// COROFY_DELAYSERVER=127.0.0.1:<port> in its environment (the examples read
// it) and its output going where this program's goes, stops the server, and
// exits with the example's exit status.
//
//===----------------------------------------------------------------------===//

#include "delayserver_process.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

/// Runs `argv` (null-terminated) to its end and returns its exit status, or
/// 128 + the signal that killed it, as a shell does.
int run(char **argv) {
  pid_t parent = ::getpid();
  pid_t child = ::fork();
  if (child < 0) {
    std::perror("run_with_delayserver: fork");
    return 1;
  }
  if (child == 0) {
    // A killed runner (a test timing out) leaves no example behind.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
      ::_exit(127);
    ::execvp(argv[0], argv);
    std::fprintf(stderr, "run_with_delayserver: cannot run %s: %s\n", argv[0],
                 std::strerror(errno));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) {
    std::fprintf(stderr, "run_with_delayserver: %s was killed by signal %d\n",
                 argv[0], WTERMSIG(status));
    return 128 + WTERMSIG(status);
  }
  return WEXITSTATUS(status);
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 3) {
    std::fprintf(stderr, "Usage: run_with_delayserver <delayserver> <example> "
                         "[args...]\n");
    return 2;
  }
  // DelayServerProcess starts the program that $DELAYSERVER names.
  ::setenv("DELAYSERVER", argv[1], 1);
  try {
    corofy::testing::DelayServerProcess server;
    ::setenv("COROFY_DELAYSERVER", server.address().to_string().c_str(), 1);
    return run(argv + 2);
  } catch (const std::exception &error) {
    std::fprintf(stderr, "run_with_delayserver: %s\n", error.what());
    return 1;
  }
}
