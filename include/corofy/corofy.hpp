//===- corofy/corofy.hpp - Everything a corofy program uses -----*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_COROFY_HPP
#define COROFY_COROFY_HPP

#include "corofy/coroutine.hpp"
#include "corofy/executor.hpp"
#include "corofy/fiber.hpp"
#include "corofy/future.hpp"
#include "corofy/join.hpp"
#include "corofy/maybe_done.hpp"
#include "corofy/reactor.hpp"
#include "corofy/select.hpp"
#include "corofy/task.hpp"
#include "corofy/timer.hpp"
#include "corofy/waker.hpp"

#endif // COROFY_COROFY_HPP
