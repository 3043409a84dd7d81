//===- executor.cpp - Runtime, its scheduler and block_on -----------------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// One FIFO run queue under one mutex serves every thread of a runtime: it
// is fair (tasks run in the order they were woken) and, with the reactor
// turning into wakes in batches, simple enough to be obviously right. A
// thread with nothing to run becomes the reactor's driver if no other
// thread is (and blocks in epoll_wait), or else sleeps on a condition
// variable. Whoever queues a task wakes one sleeping thread, or interrupts
// the driver through the eventfd when no thread sleeps, so a woken task
// never waits for a timeout.
//
//===----------------------------------------------------------------------===//

#include "core.h"

#include <stdexcept>
#include <string>
#include <utility>

namespace corofy {
namespace detail {
namespace {

/// The runtime the thread runs on: set by the workers and inside block_on().
thread_local Core *CurrentCore = nullptr;
/// Set while this thread dispatches the reactor's events: the wakes it makes
/// need no eventfd write, since it looks at the run queue right after.
thread_local bool Dispatching = false;

/// How many tasks a thread runs between two looks at the reactor when the
/// queue never empties, so that I/O and timers are not starved (Tokio's
/// event_interval).
constexpr unsigned TasksPerReactorCheck = 61;

BlockOnState &blockOnStateOf(const void *data) {
  return *static_cast<BlockOnState *>(const_cast<void *>(data));
}

const void *cloneBlockOn(const void *data) {
  blockOnStateOf(data).refs.fetch_add(1, std::memory_order_relaxed);
  return data;
}

void wakeBlockOn(const void *data) {
  BlockOnState &state = blockOnStateOf(data);
  if (state.notified.exchange(true, std::memory_order_acq_rel))
    return; // coalesced with a wake not yet consumed
  if (state.core)
    state.core->wake_blocked();
  else
    state.notified.notify_one();
}

void dropBlockOn(const void *data) {
  BlockOnState &state = blockOnStateOf(data);
  if (state.refs.fetch_sub(1, std::memory_order_acq_rel) == 1)
    delete &state;
}

constexpr WakerVTable BlockOnVTable{cloneBlockOn, wakeBlockOn, dropBlockOn};

} // namespace

Core &current_core(const char *what) {
  if (!CurrentCore)
    throw std::logic_error(std::string("corofy: ") + what +
                           " needs a runtime, but this thread runs none; "
                           "call it inside Runtime::block_on() or a task");
  return *CurrentCore;
}

//===----------------------------------------------------------------------===//
// Core
//===----------------------------------------------------------------------===//

Core::Core(unsigned worker_threads)
    : workers_(worker_threads), reactor_(std::make_shared<Reactor>()) {}

void Core::start() {
  threads_.reserve(workers_);
  for (unsigned i = 0; i != workers_; ++i)
    threads_.emplace_back([this] {
      CurrentCore = this;
      run(nullptr);
      CurrentCore = nullptr;
    });
}

void Core::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    if (driving_)
      reactor_->unpark();
  }
  idle_.notify_all();
  for (std::thread &thread : threads_)
    thread.join();
  threads_.clear();

  // No thread runs tasks any more; wakes from other threads now only drop
  // their queue reference (schedule() sees closed_).
  TaskHeader *queued;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queued = std::exchange(head_, nullptr);
    tail_ = nullptr;
    queued_ = 0;
  }
  while (queued)
    std::exchange(queued, queued->next_)->release();

  // Abort the live tasks one by one: dropping a future may complete or drop
  // others, so take the list's head afresh each time.
  for (;;) {
    TaskHeader *task;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task = owned_;
      if (!task)
        break;
      owned_ = task->owned_next_;
      if (owned_)
        owned_->owned_prev_ = nullptr;
      task->owned_next_ = nullptr;
      --owned_count_;
    }
    abort_now(*task);
    task->release(); // the list's reference
  }
  reactor_->shutdown();
}

void Core::push_locked(TaskHeader &task) {
  task.next_ = nullptr;
  if (tail_)
    tail_->next_ = &task;
  else
    head_ = &task;
  tail_ = &task;
  ++queued_;
  if (idle_threads_)
    idle_.notify_one();
  else if (driving_ && !Dispatching)
    reactor_->unpark();
}

TaskHeader *Core::pop_locked() noexcept {
  TaskHeader *task = head_;
  if (task) {
    head_ = task->next_;
    if (!head_)
      tail_ = nullptr;
    --queued_;
  }
  return task;
}

void Core::schedule(TaskHeader &task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!closed_) {
      push_locked(task);
      return;
    }
  }
  task.release(); // shut down: the task is (being) aborted
}

void Core::spawn(TaskHeader &task) {
  task.core_ = shared_from_this();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!closed_) {
      task.owned_next_ = owned_;
      if (owned_)
        owned_->owned_prev_ = &task;
      owned_ = &task;
      ++owned_count_;
      push_locked(task);
      return;
    }
  }
  abort_now(task);
  task.release(); // the queue's reference
  task.release(); // the list's reference
}

void Core::forget(TaskHeader &task) noexcept {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (owned_ != &task && !task.owned_prev_)
      return; // already taken off by shutdown()
    if (task.owned_prev_)
      task.owned_prev_->owned_next_ = task.owned_next_;
    else
      owned_ = task.owned_next_;
    if (task.owned_next_)
      task.owned_next_->owned_prev_ = task.owned_prev_;
    task.owned_prev_ = task.owned_next_ = nullptr;
    --owned_count_;
  }
  task.release();
}

std::size_t Core::live_tasks() {
  std::lock_guard<std::mutex> lock(mutex_);
  return owned_count_;
}

void Core::run(BlockOnState *main) {
  unsigned sinceReactor = 0;
  std::unique_lock<std::mutex> lock(mutex_);
  // The blocked-on future queues behind the tasks that were queued before
  // it was woken, as if it were a task: one that keeps waking itself must
  // not starve them.
  std::size_t ahead = main ? queued_ : 0;
  for (;;) {
    if (!ahead &&
        (main ? main->notified.exchange(false, std::memory_order_acquire)
              : closed_))
      return;
    bool checkReactor = sinceReactor >= TasksPerReactorCheck && !driving_;
    if (!checkReactor) {
      if (TaskHeader *task = pop_locked()) {
        if (ahead)
          --ahead;
        lock.unlock();
        run_task(*task);
        ++sinceReactor;
        lock.lock();
        continue;
      }
      ahead = 0; // another thread ran them
    }
    if (!driving_) {
      // Block in epoll_wait only when there is nothing to run.
      driving_ = true;
      lock.unlock();
      Dispatching = true;
      reactor_->turn(
          checkReactor ? std::optional<Clock::duration>(Clock::duration::zero())
                       : std::nullopt);
      Dispatching = false;
      sinceReactor = 0;
      lock.lock();
      driving_ = false;
      if (idle_threads_)
        idle_.notify_one(); // hand the driver's role on
      continue;
    }
    ++idle_threads_;
    idle_.wait(lock);
    --idle_threads_;
  }
}

void Core::wake_blocked() noexcept {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (driving_ && !Dispatching)
      reactor_->unpark();
  }
  idle_.notify_all(); // the blocked thread may be any of the sleepers
}

//===----------------------------------------------------------------------===//
// BlockOn
//===----------------------------------------------------------------------===//

BlockOn::BlockOn(Core &core)
    : core_(core), state_(new BlockOnState), waker_(state_, &BlockOnVTable),
      previous_(CurrentCore) {
  if (previous_)
    throw std::logic_error(
        "corofy: block_on() called on a thread that already runs a runtime "
        "(inside a task or another block_on()); wait on the future or "
        "spawn it instead");
  if (core.drives_block_on())
    state_->core = core.shared_from_this();
  CurrentCore = &core;
}

BlockOn::~BlockOn() { CurrentCore = previous_; }

void BlockOn::wait() {
  if (state_->core) {
    core_.run(state_);
    return;
  }
  while (!state_->notified.exchange(false, std::memory_order_acquire))
    state_->notified.wait(false, std::memory_order_acquire);
}

} // namespace detail

//===----------------------------------------------------------------------===//
// Runtime
//===----------------------------------------------------------------------===//

Runtime::Runtime(Options options)
    : core_(std::make_shared<detail::Core>(options.worker_threads)) {
  core_->start();
}

Runtime::~Runtime() { core_->shutdown(); }

Reactor &Runtime::reactor() noexcept { return core_->reactor(); }

std::size_t Runtime::live_tasks() const { return core_->live_tasks(); }

// Defined here rather than in reactor.cpp: "current" is the executor's
// notion.
Reactor &Reactor::current() {
  return detail::current_core("a timer or I/O future").reactor();
}

} // namespace corofy
