//===- reactor.cpp - Registrations, readiness and timers ------------------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// The portable half of the reactor: a slab of registration slots addressed
// by tokens (index + generation, so a late event of a removed fd is
// ignored), the wakers waiting on each slot, and a binary min-heap of timers
// whose entries live in their Sleep futures. One mutex guards all of it;
// wakers are only ever woken or dropped after it is released, because a
// wake may run into the scheduler and a drop may destroy a task whose
// futures call back into the reactor.
//
//===----------------------------------------------------------------------===//

#include "reactor_backend.h"

#include <algorithm>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

namespace corofy {
namespace detail {

struct ReactorState {
  struct Slot {
    std::uint32_t generation = 0;
    bool live = false;
    std::uint8_t readiness = 0;
    std::uint32_t tick = 0; // events seen, for clear_readiness()
    Waker reader = Waker::noop();
    Waker writer = Waker::noop();
  };

  std::unique_ptr<ReactorBackend> backend = make_reactor_backend();

  mutable std::mutex mutex;
  bool closed = false;
  std::deque<Slot> slots; // a deque: slots never move
  std::vector<std::uint32_t> free_slots;
  std::size_t live_slots = 0;

  std::vector<TimerEntry *> heap; // min-heap on (deadline, sequence)
  std::uint64_t next_sequence = 0;
  /// Whether a turn() blocks, and until when: arming an earlier timer must
  /// then interrupt it.
  bool parked = false;
  Clock::time_point parked_until;

  // Used by turn() alone (one thread at a time), reused to avoid allocating.
  std::vector<BackendEvent> events = std::vector<BackendEvent>(256);
  std::vector<Waker> wakes;

  static std::uint64_t encode(Token token) {
    return std::uint64_t(token.generation) << 32 | token.index;
  }
  static Token decode(std::uint64_t value) {
    return {static_cast<std::uint32_t>(value),
            static_cast<std::uint32_t>(value >> 32)};
  }
  Slot *find(Token token) {
    if (token.index >= slots.size())
      return nullptr;
    Slot &slot = slots[token.index];
    return slot.live && slot.generation == token.generation ? &slot : nullptr;
  }

  // The timer heap; every move updates the entry's heap_index.
  static bool earlier(const TimerEntry *a, const TimerEntry *b) {
    return a->deadline != b->deadline ? a->deadline < b->deadline
                                      : a->sequence < b->sequence;
  }
  void place(std::size_t index, TimerEntry *entry) {
    heap[index] = entry;
    entry->heap_index = index;
  }
  void siftUp(std::size_t index) {
    TimerEntry *entry = heap[index];
    while (index > 0) {
      std::size_t parent = (index - 1) / 2;
      if (!earlier(entry, heap[parent]))
        break;
      place(index, heap[parent]);
      index = parent;
    }
    place(index, entry);
  }
  void siftDown(std::size_t index) {
    TimerEntry *entry = heap[index];
    for (;;) {
      std::size_t child = 2 * index + 1;
      if (child >= heap.size())
        break;
      if (child + 1 < heap.size() && earlier(heap[child + 1], heap[child]))
        ++child;
      if (!earlier(heap[child], entry))
        break;
      place(index, heap[child]);
      index = child;
    }
    place(index, entry);
  }
  void pushTimer(TimerEntry &entry) {
    heap.push_back(&entry);
    siftUp(heap.size() - 1);
  }
  void removeTimer(TimerEntry &entry) {
    std::size_t index = entry.heap_index;
    entry.heap_index = TimerEntry::NotQueued;
    TimerEntry *last = heap.back();
    heap.pop_back();
    if (last == &entry)
      return;
    place(index, last);
    siftUp(index);
    siftDown(last->heap_index);
  }
};

} // namespace detail

using detail::ReactorState;

Reactor::Reactor() : state_(std::make_unique<ReactorState>()) {}

Reactor::~Reactor() = default;

//===----------------------------------------------------------------------===//
// Registrations
//===----------------------------------------------------------------------===//

Token Reactor::register_io(int fd, Interest interest) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->closed)
    throw std::logic_error("corofy: register_io() on a reactor that has "
                           "shut down");
  std::uint32_t index;
  if (!state_->free_slots.empty()) {
    index = state_->free_slots.back();
    state_->free_slots.pop_back();
  } else {
    index = static_cast<std::uint32_t>(state_->slots.size());
    state_->slots.emplace_back();
  }
  ReactorState::Slot &slot = state_->slots[index];
  Token token{index, slot.generation};
  try {
    state_->backend->add(fd, ReactorState::encode(token), interest);
  } catch (...) {
    state_->free_slots.push_back(index);
    throw;
  }
  slot.live = true;
  slot.readiness = 0;
  slot.tick = 0;
  ++state_->live_slots;
  return token;
}

void Reactor::reregister(Token token, int fd, Interest interest) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->closed || !state_->find(token))
    throw std::logic_error("corofy: reregister() of a token that is not "
                           "registered");
  state_->backend->modify(fd, ReactorState::encode(token), interest);
}

void Reactor::deregister(Token token, int fd) noexcept {
  Waker reader = Waker::noop(), writer = Waker::noop(); // dropped unlocked
  std::lock_guard<std::mutex> lock(state_->mutex);
  ReactorState::Slot *slot = state_->find(token);
  if (!slot)
    return;
  if (!state_->closed)
    state_->backend->remove(fd);
  slot->live = false;
  ++slot->generation;
  reader = std::exchange(slot->reader, Waker::noop());
  writer = std::exchange(slot->writer, Waker::noop());
  state_->free_slots.push_back(token.index);
  --state_->live_slots;
}

Poll<Readiness> Reactor::poll_ready(Token token, Interest interest,
                                    Context &cx) {
  Waker oldReader = Waker::noop(), oldWriter = Waker::noop();
  std::lock_guard<std::mutex> lock(state_->mutex);
  ReactorState::Slot *slot = state_->find(token);
  if (!slot)
    return Poll<Readiness>::ready(Readiness(Readiness::Error, 0));
  std::uint8_t bits = slot->readiness & Readiness::mask(interest);
  if (bits)
    return Poll<Readiness>::ready(Readiness(bits, slot->tick));
  auto wanted = static_cast<std::uint8_t>(interest);
  if ((wanted & 1) && !slot->reader.will_wake(cx.waker()))
    oldReader = std::exchange(slot->reader, cx.waker());
  if ((wanted & 2) && !slot->writer.will_wake(cx.waker()))
    oldWriter = std::exchange(slot->writer, cx.waker());
  return Poll<Readiness>::pending();
}

void Reactor::clear_readiness(Token token, Readiness seen) noexcept {
  std::lock_guard<std::mutex> lock(state_->mutex);
  ReactorState::Slot *slot = state_->find(token);
  // Closed and error states stay: they are final.
  if (slot && slot->tick == seen.tick())
    slot->readiness &=
        ~(seen.bits() & (Readiness::Readable | Readiness::Writable));
}

std::size_t Reactor::registrations() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->live_slots;
}

//===----------------------------------------------------------------------===//
// Turning
//===----------------------------------------------------------------------===//

void Reactor::turn(std::optional<Clock::duration> max_wait) {
  ReactorState &s = *state_;
  std::optional<std::chrono::nanoseconds> timeout;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.closed)
      return;
    Clock::time_point now = Clock::now();
    if (max_wait)
      timeout = *max_wait;
    if (!s.heap.empty()) {
      auto untilTimer =
          std::max(s.heap.front()->deadline - now, Clock::duration::zero());
      timeout = timeout
                    ? std::min<std::chrono::nanoseconds>(*timeout, untilTimer)
                    : untilTimer;
    }
    s.parked = !timeout || timeout->count() > 0;
    s.parked_until = timeout ? now + *timeout : Clock::time_point::max();
  }

  std::size_t count = s.backend->wait(s.events, timeout);

  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.parked = false;
    const Waker noop = Waker::noop();
    for (std::size_t i = 0; i != count; ++i) {
      ReactorState::Slot *slot =
          s.find(ReactorState::decode(s.events[i].token));
      if (!slot)
        continue; // deregistered since
      std::uint8_t bits = s.events[i].readiness;
      slot->readiness |= bits;
      ++slot->tick;
      if ((bits & Readiness::mask(Interest::Readable)) &&
          !slot->reader.will_wake(noop))
        s.wakes.push_back(std::exchange(slot->reader, Waker::noop()));
      if ((bits & Readiness::mask(Interest::Writable)) &&
          !slot->writer.will_wake(noop))
        s.wakes.push_back(std::exchange(slot->writer, Waker::noop()));
    }
    Clock::time_point now = Clock::now();
    while (!s.heap.empty() && s.heap.front()->deadline <= now) {
      detail::TimerEntry &entry = *s.heap.front();
      s.removeTimer(entry);
      entry.fired = true;
      s.wakes.push_back(std::exchange(entry.waker, Waker::noop()));
    }
  }
  for (Waker &waker : s.wakes)
    std::move(waker).wake(); // hands a task's reference to its queue
  s.wakes.clear();
}

void Reactor::unpark() noexcept {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (!state_->closed)
    state_->backend->wake();
}

void Reactor::shutdown() noexcept {
  std::vector<Waker> dropped; // dropped after the lock
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->closed)
    return;
  state_->closed = true;
  state_->backend.reset(); // closes the epoll fd and the eventfd
  for (ReactorState::Slot &slot : state_->slots) {
    dropped.push_back(std::exchange(slot.reader, Waker::noop()));
    dropped.push_back(std::exchange(slot.writer, Waker::noop()));
  }
}

//===----------------------------------------------------------------------===//
// Timers
//===----------------------------------------------------------------------===//

bool Reactor::poll_timer(detail::TimerEntry &entry, Context &cx) {
  Waker replaced = Waker::noop(); // dropped after the lock
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (entry.fired)
    return true;
  if (entry.heap_index != detail::TimerEntry::NotQueued) {
    if (!entry.waker.will_wake(cx.waker()))
      replaced = std::exchange(entry.waker, cx.waker());
    return false;
  }
  if (entry.deadline <= Clock::now()) {
    entry.fired = true;
    return true;
  }
  entry.waker = cx.waker();
  entry.sequence = state_->next_sequence++;
  state_->pushTimer(entry);
  if (state_->parked && entry.deadline < state_->parked_until &&
      !state_->closed)
    state_->backend->wake(); // the blocked turn() waits too long
  return false;
}

void Reactor::cancel_timer(detail::TimerEntry &entry) noexcept {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (entry.heap_index != detail::TimerEntry::NotQueued)
    state_->removeTimer(entry);
}

void Reactor::move_timer(detail::TimerEntry &from,
                         detail::TimerEntry &to) noexcept {
  std::lock_guard<std::mutex> lock(state_->mutex);
  to.deadline = from.deadline;
  to.sequence = from.sequence;
  to.fired = from.fired;
  to.waker = std::move(from.waker);
  to.heap_index = std::exchange(from.heap_index, detail::TimerEntry::NotQueued);
  if (to.heap_index != detail::TimerEntry::NotQueued)
    state_->place(to.heap_index, &to);
}

std::size_t Reactor::timers() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->heap.size();
}

//===----------------------------------------------------------------------===//
// IoRegistration
//===----------------------------------------------------------------------===//

IoRegistration::IoRegistration(int fd, Interest interest)
    : IoRegistration(Reactor::current().shared_from_this(), fd, interest) {}

IoRegistration::IoRegistration(std::shared_ptr<Reactor> reactor, int fd,
                               Interest interest)
    : reactor_(std::move(reactor)), fd_(fd),
      token_(reactor_->register_io(fd, interest)) {}

IoRegistration::IoRegistration(IoRegistration &&other) noexcept
    : reactor_(std::move(other.reactor_)), fd_(std::exchange(other.fd_, -1)),
      token_(other.token_) {}

IoRegistration &IoRegistration::operator=(IoRegistration &&other) noexcept {
  if (this != &other) {
    deregister();
    reactor_ = std::move(other.reactor_);
    fd_ = std::exchange(other.fd_, -1);
    token_ = other.token_;
  }
  return *this;
}

void IoRegistration::deregister() noexcept {
  if (reactor_) {
    reactor_->deregister(token_, fd_);
    reactor_.reset();
    fd_ = -1;
  }
}

} // namespace corofy
