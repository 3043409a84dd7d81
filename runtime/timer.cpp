//===- timer.cpp - Sleep, armed in the reactor's timer heap ---------------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#include "corofy/timer.hpp"

namespace corofy {

Sleep::Sleep(Sleep &&other) noexcept : reactor_(std::move(other.reactor_)) {
  if (reactor_) {
    reactor_->move_timer(other.entry_, entry_);
  } else {
    entry_.deadline = other.entry_.deadline;
    entry_.fired = other.entry_.fired;
  }
}

Sleep::~Sleep() {
  if (reactor_)
    reactor_->cancel_timer(entry_);
}

Poll<void> Sleep::poll(Context &cx) {
  if (!reactor_)
    reactor_ = Reactor::current().shared_from_this();
  return reactor_->poll_timer(entry_, cx) ? Poll<void>::ready()
                                          : Poll<void>::pending();
}

} // namespace corofy
