//===- future.cpp - Failure reports of futures and frames -----------------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#include "corofy/coroutine.hpp"
#include "corofy/future.hpp"

#include <cstdio>
#include <cstdlib>

namespace corofy {

void detail::fail(const char *message) noexcept {
  std::fprintf(stderr, "%s\n", message);
  std::fflush(stderr);
  std::abort();
}

void frame::polled_after_completion(const char *coroutine) noexcept {
  std::fprintf(stderr,
               "corofy: coroutine '%s' was polled after it completed\n",
               coroutine);
  std::fflush(stderr);
  std::abort();
}

void frame::moved_after_start(const char *coroutine) noexcept {
  std::fprintf(stderr,
               "corofy: coroutine '%s' was moved after its first poll; a "
               "started coroutine may point into its own frame, so keep it "
               "in place or box it in corofy::Async before polling it\n",
               coroutine);
  std::fflush(stderr);
  std::abort();
}

void frame::missing_return(const char *coroutine) noexcept {
  std::fprintf(stderr,
               "corofy: coroutine '%s' reached the end of its body without "
               "returning a value\n",
               coroutine);
  std::fflush(stderr);
  std::abort();
}

} // namespace corofy
