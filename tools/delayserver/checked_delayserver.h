//===- checked_delayserver.h - Delayserver that stops cleanly --*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// The delayserver of the integration tests: a DelayServerProcess that must
// exit with status 0 when stopped, so that a sanitizer's finding in the
// server, a leak included, fails the test that ran it.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_TOOLS_DELAYSERVER_CHECKED_DELAYSERVER_H
#define COROFY_TOOLS_DELAYSERVER_CHECKED_DELAYSERVER_H

#include "delayserver_process.h"

#include <gtest/gtest.h>

namespace corofy::testing {

class CheckedDelayServer : public DelayServerProcess {
public:
  using DelayServerProcess::DelayServerProcess;
  ~CheckedDelayServer() {
    int Status = stop();
    if (!WIFEXITED(Status) || WEXITSTATUS(Status) != 0)
      ADD_FAILURE() << "the delayserver did not stop cleanly (wait status "
                    << Status << "); it printed:\n"
                    << printed();
  }
};

} // namespace corofy::testing

#endif // COROFY_TOOLS_DELAYSERVER_CHECKED_DELAYSERVER_H
