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
// But for one fast path: a slot's readiness bits and tick are one atomic
// word, and its pages never move, so that poll_ready() of a ready fd and
// clear_readiness() take no lock (each socket call makes one or two of
// them). Only storing a waker takes the lock, and turn() changes the word
// under it, so an edge is never lost between the check and the store.
//
// The nearest deadline reaches the kernel in one of two ways
// (Reactor::TimerWait). Shared: the backend's timer is set to it only when
// it moves earlier (arming a Sleep that expires first) and after the timer
// expired, and wakes one of the threads blocked in the backend, none of
// which has a timeout of its own; so the idle workers of a runtime do not
// all wake for each expiry, while a timer still never waits for a worker
// that is busy (the kernel wakes one that waits). A timer disarmed before
// it expires leaves the backend's as it is: at worst one wake that fires
// nothing, rather than a system call per Sleep dropped (a connection's read
// timeout). PerTurn: each blocked turn() waits until the nearest deadline,
// and arming an earlier one interrupts one of them; no system call to arm,
// for a reactor that one thread at a time turns.
//
//===----------------------------------------------------------------------===//

#include "reactor_backend.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace corofy {
namespace detail {

/// Wakers to wake, or to drop, once the reactor's mutex is released. Its
/// vectors are borrowed from the thread when needed, so that they keep
/// their capacity.
class Deferred {
public:
  Deferred() = default;
  Deferred(const Deferred &) = delete;
  Deferred &operator=(const Deferred &) = delete;
  /// Wakes and drops them (so it must go after the lock).
  ~Deferred() {
    if (!borrowed_)
      return;
    for (Waker &waker : wake)
      std::move(waker).wake();
    wake.clear();
    drop.clear();
    // A wake may have come back here and borrowed the thread's (empty)
    // vectors meanwhile: keep the larger.
    Spare &spare = spares();
    if (spare.wake.capacity() < wake.capacity())
      spare.wake.swap(wake);
    if (spare.drop.capacity() < drop.capacity())
      spare.drop.swap(drop);
  }
  /// Before the first use of the vectors.
  void borrow() {
    if (!std::exchange(borrowed_, true)) {
      Spare &spare = spares();
      wake.swap(spare.wake);
      drop.swap(spare.drop);
    }
  }

  std::vector<Waker> wake, drop;

private:
  struct Spare {
    std::vector<Waker> wake, drop;
  };
  static Spare &spares() {
    thread_local Spare spare;
    return spare;
  }
  bool borrowed_ = false;
};

/// The wakers waiting for one direction of a registration. Usually one
/// task's; but several futures may wait on one fd at once, each with a
/// waker of its own (the children of a join_all accepting on one
/// listener), and an edge must wake them all, as Tokio's ScheduledIo does.
/// The first is kept inline; the others in a vector that keeps its
/// capacity, so a wait allocates only when more distinct wakers wait
/// together than ever did before (beyond a few dozen, with a table that
/// finds a waker already stored in O(1)).
///
/// A future dropped without an edge leaves its waker here (and the task
/// it keeps alive), which only an edge would take, so the extra wakers are
/// swept now and then: when a new one finds `limit` of them, each that is
/// not yet marked is woken and marked. A future still waiting polls again
/// and its waker, found here, loses the mark; one still marked at a later
/// sweep after the reactor went idle (a turn() that blocks, so the woken
/// had their chance to poll) is dropped. Marked wakers stay until then, so
/// that waiters woken by a sweep come back to their place rather than as
/// new ones to make room for: however many wait, they settle, and nothing
/// wakes them again but an edge or more new waiters (earlier, a fixed cap
/// that woke the oldest to make room had each re-poll displace another
/// beyond 256 waiters, a busy loop). After a sweep, the limit is half as
/// much again as the wakers kept: a sweep of n wakers comes after n/2 new
/// ones, so the wakes it costs are O(1) per new waiter; and as a sweep
/// after an idle turn keeps only the wakers that came back or came since
/// the sweep before, those of dropped futures stay within a small multiple
/// of the futures still waiting (about twice), or of MinLimit. (While the
/// reactor is never idle nothing is dropped, since a woken waiter may not
/// have polled yet: they are then bounded only by the waits since. A
/// woken waiter dropped before it polled again just comes back as new.)
struct Waiters {
  static constexpr std::size_t MinLimit = 255;

  struct Entry {
    Waker waker;
    bool swept; // woken by a sweep, not seen since
  };

  Waker first = Waker::noop();
  std::vector<Entry> more;
  /// More waiters than this sweep them.
  std::size_t limit = MinLimit;
  /// How many are marked, and ReactorState::idle_turns at the last sweep.
  std::size_t swept = 0;
  std::uint64_t swept_at = 0;

  bool empty() const noexcept { return first.will_wake(Waker::noop()); }
  /// Adds `waker` unless a stored one wakes the same; `idle_turns` is the
  /// reactor's, and a sweep leaves its wakes and drops in `deferred`.
  void add(const Waker &waker, std::uint64_t idle_turns, Deferred &deferred) {
    if (first.will_wake(waker))
      return;
    if (empty()) {
      first = waker;
      return;
    }
    if (Entry *other = find(waker)) {
      if (other->swept) {
        other->swept = false; // still waiting
        --swept;
      }
      return;
    }
    if (more.size() >= limit)
      sweep(idle_turns, deferred);
    more.push_back(Entry{waker, false});
    if (indexed && more.size() * 2 <= index.size())
      insert_index(more.size() - 1);
    else if (more.size() >= IndexFrom)
      reindex();
  }
  /// Moves every waker to `out`, keeping the vector's capacity (and the
  /// limit: the futures still waiting come back).
  void take(std::vector<Waker> &out) {
    if (empty())
      return;
    out.push_back(std::exchange(first, Waker::noop()));
    for (Entry &entry : more)
      out.push_back(std::move(entry.waker));
    more.clear();
    indexed = false;
    swept = 0;
  }

private:
  /// From this many extra wakers on, `index` finds a waker's entry, so
  /// that L futures waiting on one fd cost O(L) and not O(L^2) to store
  /// (10,000 took 30 ms a round with a scan of `more` per poll).
  static constexpr std::size_t IndexFrom = 32;

  /// An open-addressing table of positions in `more`, plus one (0: free),
  /// hashed on the wakers' data and vtable pointers, at most half full. It
  /// keeps its capacity, as `more` does; valid only while `indexed`.
  std::vector<std::uint32_t> index;
  bool indexed = false;

  std::size_t slot_of(const Waker &waker) const noexcept {
    // The vtable shifted: equal pointers must not cancel out to 0.
    auto mix = [](std::uintptr_t bits) {
      std::uint64_t h = std::uint64_t(bits) * 0x9E3779B97F4A7C15u;
      return h ^ h >> 32;
    };
    return static_cast<std::size_t>(
               mix(reinterpret_cast<std::uintptr_t>(waker.data())) ^
               mix(reinterpret_cast<std::uintptr_t>(waker.vtable()) << 1)) &
           (index.size() - 1);
  }
  Entry *find(const Waker &waker) noexcept {
    if (!indexed) {
      for (Entry &other : more)
        if (other.waker.will_wake(waker))
          return &other;
      return nullptr;
    }
    for (std::size_t at = slot_of(waker);; at = (at + 1) & (index.size() - 1)) {
      if (!index[at])
        return nullptr;
      if (Entry &other = more[index[at] - 1]; other.waker.will_wake(waker))
        return &other;
    }
  }
  void insert_index(std::size_t position) noexcept {
    std::size_t at = slot_of(more[position].waker);
    while (index[at])
      at = (at + 1) & (index.size() - 1);
    index[at] = static_cast<std::uint32_t>(position + 1);
  }
  /// Builds the index again for `more` as it is (positions change when a
  /// sweep drops wakers); without the memory for it, finds scan `more`.
  void reindex() noexcept {
    indexed = false;
    if (more.size() < IndexFrom)
      return;
    std::size_t size = 64;
    while (size < more.size() * 4)
      size *= 2;
    try {
      index.assign(size, 0);
    } catch (const std::bad_alloc &) {
      return;
    }
    for (std::size_t position = 0; position != more.size(); ++position)
      insert_index(position);
    indexed = true;
  }

  void sweep(std::uint64_t idle_turns, Deferred &deferred) {
    // Whatever may throw, first.
    deferred.borrow();
    deferred.wake.reserve(deferred.wake.size() + more.size());
    deferred.drop.reserve(deferred.drop.size() + swept);
    if (swept && idle_turns != swept_at) {
      // Woken before the reactor went idle, and not back: dropped.
      std::size_t kept = 0;
      for (Entry &entry : more) {
        if (entry.swept)
          deferred.drop.push_back(std::move(entry.waker));
        else
          more[kept++] = std::move(entry);
      }
      more.erase(more.begin() + static_cast<std::ptrdiff_t>(kept), more.end());
      indexed = false;
      swept = 0;
    }
    for (Entry &entry : more)
      if (!entry.swept) {
        deferred.wake.push_back(entry.waker);
        entry.swept = true;
      }
    swept = more.size();
    swept_at = idle_turns;
    limit = std::max(MinLimit, more.size() + more.size() / 2);
  }
};

struct ReactorState {
  struct Slot {
    // Written under the mutex, read without it by the fast paths.
    std::atomic<std::uint32_t> generation{0};
    std::atomic<bool> live{false};
    /// The readiness bits in the low byte, the tick (events seen, for
    /// clear_readiness()) in the high half.
    std::atomic<std::uint64_t> readiness{0};
    Waiters reader, writer; // under the mutex

    static std::uint64_t pack(std::uint8_t bits, std::uint32_t tick) {
      return std::uint64_t(tick) << 32 | bits;
    }
    static Readiness unpack(std::uint64_t word, std::uint8_t mask) {
      return Readiness(static_cast<std::uint8_t>(word & mask),
                       static_cast<std::uint32_t>(word >> 32));
    }
  };

  explicit ReactorState(bool shared_timer)
      : backend(make_reactor_backend(shared_timer)),
        shared_timer(shared_timer) {}

  std::unique_ptr<ReactorBackend> backend;

  mutable std::mutex mutex;
  /// Set under the mutex by shutdown(); read without it by the fast path.
  std::atomic<bool> closed{false};
  /// The slots, in pages that never move, found without the lock: a page
  /// is published (release) before any token into it is handed out.
  static constexpr std::uint32_t PageSize = 1024, MaxPages = 4096;
  std::unique_ptr<std::atomic<Slot *>[]> pages =
      std::make_unique<std::atomic<Slot *>[]>(MaxPages);
  std::vector<std::unique_ptr<Slot[]>> owned_pages;
  std::uint32_t slot_count = 0;
  std::vector<std::uint32_t> free_slots;
  std::size_t live_slots = 0;

  std::vector<TimerEntry *> heap; // min-heap on (deadline, sequence)
  std::uint64_t next_sequence = 0;
  /// How blocked turn()s wait for the nearest deadline: Reactor::TimerWait.
  const bool shared_timer;
  /// Shared: the deadline the backend's timer is set to; max() when it is
  /// not set, or expired with no timer left to set it to. Never later than
  /// the nearest deadline of the heap, unless it has passed (then the turn()
  /// that sees it passed sets the timer again). Disarming a timer leaves it
  /// as it was: an earlier value only costs a wake that fires nothing.
  Clock::time_point backend_timer = Clock::time_point::max();
  /// PerTurn: how many turn()s block, and until when the latest of them
  /// does: arming an earlier timer must then interrupt one. (The latest, not
  /// the earliest: a stale value only costs a needless wake.)
  unsigned parked = 0;
  Clock::time_point parked_until;
  /// How many turn()s have blocked (started to): after one, the wakers a
  /// sweep woke have had their chance to poll again (see Waiters). Atomic:
  /// with a shared timer, turn() counts before its wait without the lock.
  std::atomic<std::uint64_t> idle_turns{0};
  std::uint64_t blocked_turns = 0; // see Reactor::blocked_turns()

  static std::uint64_t encode(Token token) {
    return std::uint64_t(token.generation) << 32 | token.index;
  }
  static Token decode(std::uint64_t value) {
    return {static_cast<std::uint32_t>(value),
            static_cast<std::uint32_t>(value >> 32)};
  }
  /// The live slot of `token`, or null; safe without the lock.
  Slot *find(Token token) const {
    if (token.index >= PageSize * MaxPages)
      return nullptr;
    Slot *page = pages[token.index / PageSize].load(std::memory_order_acquire);
    if (!page)
      return nullptr;
    Slot &slot = page[token.index % PageSize];
    return slot.live.load(std::memory_order_acquire) &&
                   slot.generation.load(std::memory_order_relaxed) ==
                       token.generation
               ? &slot
               : nullptr;
  }
  /// A new slot's index (under the lock); throws when all are taken.
  std::uint32_t newSlot() {
    if (slot_count == PageSize * MaxPages)
      throw std::system_error(std::make_error_code(std::errc::no_buffer_space),
                              "corofy: too many registrations");
    if (slot_count % PageSize == 0) {
      owned_pages.push_back(std::make_unique<Slot[]>(PageSize));
      pages[slot_count / PageSize].store(owned_pages.back().get(),
                                         std::memory_order_release);
    }
    return slot_count++;
  }
  Slot &at(std::uint32_t index) {
    return pages[index / PageSize].load(
        std::memory_order_relaxed)[index % PageSize];
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

class ReactorCategory final : public std::error_category {
public:
  const char *name() const noexcept override { return "corofy.reactor"; }
  std::string message(int code) const override {
    switch (static_cast<ReactorError>(code)) {
    case ReactorError::ShutDown:
      return "the runtime of this I/O object was destroyed (its reactor "
             "shut down)";
    }
    return "unknown reactor error";
  }
  std::error_condition
  default_error_condition(int code) const noexcept override {
    if (static_cast<ReactorError>(code) == ReactorError::ShutDown)
      return std::errc::operation_canceled;
    return std::error_condition(code, *this);
  }
};

} // namespace detail

using detail::ReactorState;

const std::error_category &reactor_category() noexcept {
  static const detail::ReactorCategory Category;
  return Category;
}

std::error_code make_error_code(ReactorError error) noexcept {
  return {static_cast<int>(error), reactor_category()};
}

Reactor::Reactor(TimerWait timer_wait)
    : state_(std::make_unique<ReactorState>(timer_wait == TimerWait::Shared)) {}

Reactor::~Reactor() = default;

//===----------------------------------------------------------------------===//
// Registrations
//===----------------------------------------------------------------------===//

Token Reactor::register_io(int fd, Interest interest) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->closed.load(std::memory_order_relaxed))
    throw std::logic_error("corofy: register_io() on a reactor that has "
                           "shut down");
  std::uint32_t index;
  if (!state_->free_slots.empty()) {
    index = state_->free_slots.back();
    state_->free_slots.pop_back();
  } else {
    index = state_->newSlot();
  }
  ReactorState::Slot &slot = state_->at(index);
  Token token{index, slot.generation.load(std::memory_order_relaxed)};
  try {
    state_->backend->add(fd, ReactorState::encode(token), interest);
  } catch (...) {
    state_->free_slots.push_back(index);
    throw;
  }
  slot.readiness.store(0, std::memory_order_relaxed);
  slot.live.store(true, std::memory_order_release);
  ++state_->live_slots;
  return token;
}

void Reactor::reregister(Token token, int fd, Interest interest) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->closed.load(std::memory_order_relaxed) || !state_->find(token))
    throw std::logic_error("corofy: reregister() of a token that is not "
                           "registered");
  state_->backend->modify(fd, ReactorState::encode(token), interest);
}

void Reactor::deregister(Token token, int fd) noexcept {
  detail::Waiters reader, writer; // dropped unlocked
  std::lock_guard<std::mutex> lock(state_->mutex);
  ReactorState::Slot *slot = state_->find(token);
  if (!slot)
    return;
  if (!state_->closed.load(std::memory_order_relaxed))
    state_->backend->remove(fd);
  slot->live.store(false, std::memory_order_relaxed);
  slot->generation.fetch_add(1, std::memory_order_relaxed);
  reader = std::exchange(slot->reader, {}); // leaves no waker behind
  writer = std::exchange(slot->writer, {});
  state_->free_slots.push_back(token.index);
  --state_->live_slots;
}

Poll<Readiness> Reactor::poll_ready(Token token, Interest interest,
                                    Context &cx) {
  const std::uint8_t mask = Readiness::mask(interest);
  // What the slot says that needs no waker. Shut down: whatever readiness
  // the slot remembers, no edge will follow it, so a future that went on
  // would sooner or later wait forever.
  ReactorState::Slot *slot = nullptr;
  auto settled = [&]() -> std::optional<Readiness> {
    if (state_->closed.load(std::memory_order_acquire))
      return Readiness(Readiness::ShutDown, 0);
    slot = state_->find(token);
    if (!slot)
      return Readiness(Readiness::Error, 0);
    Readiness seen = ReactorState::Slot::unpack(
        slot->readiness.load(std::memory_order_acquire), mask);
    if (seen.bits())
      return seen;
    return std::nullopt;
  };
  // Ready: no lock.
  if (std::optional<Readiness> seen = settled())
    return Poll<Readiness>::ready(*seen);

  // Woken or dropped after the lock: a sweep of the waiters.
  detail::Deferred deferred;
  std::unique_lock<std::mutex> lock(state_->mutex);
  // Again under the lock, which turn() and shutdown() hold to change the
  // word and take the wakers.
  if (std::optional<Readiness> seen = settled())
    return Poll<Readiness>::ready(*seen);
  auto wanted = static_cast<std::uint8_t>(interest);
  std::uint64_t idleTurns = state_->idle_turns.load(std::memory_order_relaxed);
  if (wanted & 1)
    slot->reader.add(cx.waker(), idleTurns, deferred);
  if (wanted & 2)
    slot->writer.add(cx.waker(), idleTurns, deferred);
  lock.unlock();
  return Poll<Readiness>::pending(); // then `deferred` wakes and drops
}

void Reactor::clear_readiness(Token token, Readiness seen) noexcept {
  ReactorState::Slot *slot = state_->find(token);
  if (!slot)
    return;
  // Closed and error states stay: they are final. A new tick (an event
  // since `seen`) keeps the bits.
  std::uint64_t word = slot->readiness.load(std::memory_order_relaxed);
  std::uint8_t clear =
      seen.bits() & (Readiness::Readable | Readiness::Writable);
  while (static_cast<std::uint32_t>(word >> 32) == seen.tick() &&
         (word & clear) &&
         !slot->readiness.compare_exchange_weak(
             word, word & ~std::uint64_t(clear), std::memory_order_relaxed)) {
  }
}

std::size_t Reactor::registrations() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->live_slots;
}

//===----------------------------------------------------------------------===//
// Turning
//===----------------------------------------------------------------------===//

void Reactor::turn(std::optional<Clock::duration> max_wait) {
  // Per thread, since several may turn at once; reused to avoid allocating.
  // (So no waker may turn a reactor on the thread that wakes it.)
  thread_local std::vector<detail::BackendEvent> events(256);
  thread_local std::vector<Waker> wakes;
  ReactorState &s = *state_;
  std::optional<std::chrono::nanoseconds> timeout;
  if (max_wait)
    timeout = *max_wait;
  bool parks; // whether the wait may block
  if (s.shared_timer) {
    // The backend's timer interrupts one waiting thread at the nearest
    // deadline: the wait has no timeout of its own, and needs no lock.
    // (shutdown() is only called when no thread is in turn().)
    if (s.closed.load(std::memory_order_acquire))
      return;
    parks = !timeout || timeout->count() > 0;
    if (parks)
      s.idle_turns.fetch_add(1, std::memory_order_relaxed);
  } else {
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.closed.load(std::memory_order_relaxed))
      return;
    Clock::time_point now = Clock::now();
    if (!s.heap.empty()) {
      auto untilTimer =
          std::max(s.heap.front()->deadline - now, Clock::duration::zero());
      timeout = timeout
                    ? std::min<std::chrono::nanoseconds>(*timeout, untilTimer)
                    : untilTimer;
    }
    parks = !timeout || timeout->count() > 0;
    if (parks) {
      Clock::time_point until =
          timeout ? now + *timeout : Clock::time_point::max();
      s.parked_until = s.parked++ ? std::max(s.parked_until, until) : until;
      s.idle_turns.fetch_add(1, std::memory_order_relaxed);
    }
  }

  std::size_t count = s.backend->wait(events, timeout);

  std::exception_ptr failed; // of setting the timer, thrown after the wakes
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    if (parks) {
      if (!s.shared_timer)
        --s.parked;
      ++s.blocked_turns;
    }
    bool expired = false; // the backend's timer
    for (std::size_t i = 0; i != count; ++i) {
      if (events[i].token == detail::TimerToken) {
        expired = true;
        continue;
      }
      ReactorState::Slot *slot = s.find(ReactorState::decode(events[i].token));
      if (!slot)
        continue; // deregistered since
      std::uint8_t bits = events[i].readiness;
      // A CAS: clear_readiness() changes the word without the lock.
      std::uint64_t word = slot->readiness.load(std::memory_order_relaxed);
      while (!slot->readiness.compare_exchange_weak(
          word,
          ReactorState::Slot::pack(static_cast<std::uint8_t>(word) | bits,
                                   static_cast<std::uint32_t>(word >> 32) + 1),
          std::memory_order_release, std::memory_order_relaxed)) {
      }
      if (bits & Readiness::mask(Interest::Readable))
        slot->reader.take(wakes);
      if (bits & Readiness::mask(Interest::Writable))
        slot->writer.take(wakes);
    }
    Clock::time_point now = Clock::now();
    while (!s.heap.empty() && s.heap.front()->deadline <= now) {
      detail::TimerEntry &entry = *s.heap.front();
      s.removeTimer(entry);
      entry.fired = true;
      wakes.push_back(std::exchange(entry.waker, Waker::noop()));
    }
    // The backend's timer is spent (whichever thread it woke, if any): set
    // it to the next deadline. Its event, seen here with its deadline not
    // yet passed, is one another turn() already answered: setting the timer
    // again is then only redundant.
    if (s.shared_timer && (expired || s.backend_timer <= now)) {
      Clock::time_point next =
          s.heap.empty() ? Clock::time_point::max() : s.heap.front()->deadline;
      try {
        if (next != Clock::time_point::max())
          s.backend->set_timer(next);
        s.backend_timer = next;
      } catch (...) {
        failed = std::current_exception(); // the next turn() tries again
      }
    }
  }
  for (Waker &waker : wakes)
    std::move(waker).wake(); // hands a task's reference to its queue
  wakes.clear();
  if (failed)
    std::rethrow_exception(failed);
}

void Reactor::unpark() noexcept {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (!state_->closed.load(std::memory_order_relaxed))
    state_->backend->wake();
}

void Reactor::shutdown() noexcept {
  std::vector<Waker> waiting;
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (state_->closed.load(std::memory_order_relaxed))
      return;
    state_->closed.store(true, std::memory_order_release);
    state_->backend.reset(); // closes the epoll fd and the eventfd
    for (std::uint32_t index = 0; index != state_->slot_count; ++index) {
      ReactorState::Slot &slot = state_->at(index);
      slot.reader.take(waiting);
      slot.writer.take(waiting);
    }
    for (detail::TimerEntry *entry : state_->heap)
      waiting.push_back(std::exchange(entry->waker, Waker::noop()));
  }
  // The runtime's own tasks are gone by now; whoever else waits here (a
  // task of another runtime, a thread in its block_on()) polls again and
  // learns that the reactor shut down, instead of waiting forever.
  for (Waker &waker : waiting)
    std::move(waker).wake();
}

//===----------------------------------------------------------------------===//
// Timers
//===----------------------------------------------------------------------===//

Reactor::TimerPoll Reactor::poll_timer(detail::TimerEntry &entry, Context &cx) {
  Waker replaced = Waker::noop(); // dropped after the lock
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (entry.fired)
    return TimerPoll::Fired;
  if (entry.heap_index != detail::TimerEntry::NotQueued &&
      !state_->closed.load(std::memory_order_relaxed)) {
    if (!entry.waker.will_wake(cx.waker()))
      replaced = std::exchange(entry.waker, cx.waker());
    return TimerPoll::Pending;
  }
  if (entry.deadline <= Clock::now()) {
    if (entry.heap_index != detail::TimerEntry::NotQueued)
      state_->removeTimer(entry); // armed before shutdown(): no turn() left
    entry.fired = true;
    return TimerPoll::Fired;
  }
  if (state_->closed.load(std::memory_order_relaxed))
    return TimerPoll::ShutDown; // no turn() will ever fire it
  if (state_->shared_timer) {
    // The new nearest deadline: the backend's timer must expire earlier.
    // (Set first: if it throws, nothing is armed.) A timer set that has
    // passed (its expiry not yet answered) is earlier than any deadline
    // that has not: the turn() that answers it sets it again.
    if (entry.deadline < state_->backend_timer) {
      state_->backend->set_timer(entry.deadline);
      state_->backend_timer = entry.deadline;
    }
  } else if (state_->parked && entry.deadline < state_->parked_until) {
    state_->backend->wake(); // the blocked turn() waits too long
  }
  replaced = std::exchange(entry.waker, cx.waker());
  entry.sequence = state_->next_sequence++;
  state_->pushTimer(entry);
  return TimerPoll::Pending;
}

bool Reactor::cancel_timer(detail::TimerEntry &entry) noexcept {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (entry.heap_index != detail::TimerEntry::NotQueued)
    state_->removeTimer(entry);
  return entry.fired;
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

std::uint64_t Reactor::blocked_turns() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->blocked_turns;
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
