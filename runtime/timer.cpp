//===- timer.cpp - Sleep, armed in the reactor's timer heap ---------------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#include "corofy/timer.hpp"

#include <stdexcept>

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
  // The timer goes where it is polled: the reactor it was armed in may be
  // gone, or be one that no thread turns.
  Reactor *here = Reactor::try_current();
  if (here && here != reactor_.get()) {
    if (reactor_ && reactor_->cancel_timer(entry_))
      return Poll<void>::ready();
    reactor_ = here->shared_from_this();
  } else if (!reactor_) {
    Reactor::current(); // throws: there is no runtime to arm it in
  }
  switch (reactor_->poll_timer(entry_, cx)) {
  case Reactor::TimerPoll::Fired:
    return Poll<void>::ready();
  case Reactor::TimerPoll::Pending:
    break;
  case Reactor::TimerPoll::ShutDown:
    throw std::logic_error(
        "corofy: a Sleep whose runtime was destroyed was polled outside "
        "every runtime; poll it inside Runtime::block_on() or a task");
  }
  return Poll<void>::pending();
}

} // namespace corofy
