//===- executor.cpp - block_on's thread parker ----------------------------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#include "corofy/executor.hpp"

#include <atomic>

namespace corofy::detail {

// Shared between the parker and every clone of its waker, so a waker that a
// future keeps after block_on returned still points at live memory.
struct ThreadParker::State {
  std::atomic<unsigned> References{1};
  std::atomic<bool> Notified{false};
};

namespace {
using State = ThreadParker::State;

const void *cloneParker(const void *Data) {
  const_cast<State *>(static_cast<const State *>(Data))
      ->References.fetch_add(1, std::memory_order_relaxed);
  return Data;
}

void dropParker(const void *Data) {
  auto *S = const_cast<State *>(static_cast<const State *>(Data));
  if (S->References.fetch_sub(1, std::memory_order_acq_rel) == 1)
    delete S;
}

void wakeParker(const void *Data) {
  auto *S = const_cast<State *>(static_cast<const State *>(Data));
  if (!S->Notified.exchange(true, std::memory_order_release))
    S->Notified.notify_one();
}

constexpr WakerVTable ParkerVTable{cloneParker, wakeParker, dropParker};
} // namespace

ThreadParker::ThreadParker()
    : state_(new State), waker_(cloneParker(state_), &ParkerVTable) {}

ThreadParker::~ThreadParker() { dropParker(state_); }

void ThreadParker::park() {
  // Consume the notification atomically: a wake that lands after the
  // exchange sets the flag again and the next park() returns at once.
  while (!state_->Notified.exchange(false, std::memory_order_acquire))
    state_->Notified.wait(false, std::memory_order_acquire);
}

} // namespace corofy::detail
