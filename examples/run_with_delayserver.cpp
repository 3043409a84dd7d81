// Runs an example beside the book's delay server, for the examples' tests:
//
//   run_with_delayserver <path-to-delayserver> <example-program> [args...]
//
// starts the delayserver on a free loopback port, runs the example with
// COROFY_DELAYSERVER=127.0.0.1:<port> and its output going straight to ours,
// stops the server, and exits with the example's exit status.

#include "delayserver_process.h"

#include <cstdio>
#include <cstdlib>
#include <exception>

#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s <delayserver> <example> [args...]\n",
                 argv[0]);
    return 2;
  }
  try {
    // DelayServerProcess starts the program $DELAYSERVER names.
    ::setenv("DELAYSERVER", argv[1], 1);
    corofy::testing::DelayServerProcess server;
    ::setenv("COROFY_DELAYSERVER", server.address().to_string().c_str(), 1);
    std::fflush(stdout);
    pid_t example = ::fork();
    if (example == 0) {
      ::execv(argv[2], argv + 2);
      std::perror(argv[2]);
      ::_exit(127);
    }
    int status = 0;
    if (example < 0 || ::waitpid(example, &status, 0) < 0) {
      std::perror("run_with_delayserver");
      return 1;
    }
    if (WIFSIGNALED(status))
      return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
  } catch (const std::exception &error) {
    std::fprintf(stderr, "run_with_delayserver: %s\n", error.what());
    return 1;
  }
}
