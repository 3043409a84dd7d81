//===- executor.cpp - Runtime, its scheduler and block_on -----------------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// One FIFO run queue under one mutex serves every thread of a runtime: it
// is fair (tasks run in the order they were woken) and, with the reactor
// turning into wakes in batches, simple enough to be obviously right. A
// worker with nothing to run blocks in epoll_wait, beside any other idle
// worker: the kernel hands each event to one of them (a timer's expiry too,
// through the reactor's timerfd: Reactor::TimerWait::Shared), so a worker
// that returns from a turn with tasks to run need not wake another to watch
// the reactor meanwhile, and one busy with a long task holds up no one's I/O
// or timers.
// (A thread inside a current-thread block_on() becomes the reactor's
// driver if no other thread is, or else sleeps on a condition variable.)
// Whoever queues a task makes sure a thread is on its way to the queue: it
// wakes one sleeping thread, or interrupts a driver through the eventfd
// when no thread sleeps, so a woken task never waits for a timeout;
// but only when no thread woken that way is still on its way, and a thread
// that takes a task and sees more wakes the next (as Tokio's "searching"
// workers do), so that a burst of tasks costs one wake-up. The wake-up is
// made after the mutex is released. An idle worker does not spin on the
// queue before it blocks: the kernel wakes it for each few events that
// arrive while another runs tasks, so it would spin far more often than a
// spin saves a wake-up.
//
// Two shortcuts keep the common hand-offs off the shared queue:
//
//  - On a multi-thread runtime, a task woken by the task a worker is polling
//    goes into that worker's LIFO slot and runs right after the poll, on the
//    same thread, as in Tokio: a task that hands work to another (a
//    channel, a ping-pong) then costs no wake-up of another thread and no
//    trip through the shared queue. The slot is for wakes of other tasks
//    only (a task that wakes itself, or yields, goes to the queue's tail),
//    and a worker runs at most MaxLifoPolls slot tasks in a row before the
//    slot's task goes to the tail, so the queue is never starved.
//  - On a current-thread runtime, the thread inside block_on() keeps a queue
//    of its own (Runner) for the tasks it wakes, spawns and requeues, and
//    takes the shared queue (where other threads' wakes land) onto its tail
//    every SharedQueueInterval tasks and whenever its own runs dry. Tasks
//    woken on that thread still run in the order they were woken.
//
// Every thread turns the reactor without blocking after TasksPerReactorCheck
// polls in a row. On a current-thread runtime the polls of the blocked-on
// future count too, across its polls, so that one that keeps waking itself
// (each wake returns to block_on() at once) does not keep timers and I/O
// from ever being processed. A current-thread runtime also looks without
// blocking before the last of the tasks woken since its last look, when
// that look found events: under load, the events that came meanwhile queue
// their tasks behind it, so the thread does not block in epoll_wait while
// they are on their way (every block costs the peer a wake-up); tasks that
// only wake each other make no such looks.
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

/// How many tasks a worker runs from its LIFO slot in a row (Tokio bounds
/// the same chain with its cooperative budget of 128).
constexpr unsigned MaxLifoPolls = 128;

/// How many of its own tasks a thread inside a current-thread block_on()
/// runs between two looks at the shared queue, where other threads' wakes
/// arrive (Tokio's global_queue_interval).
constexpr unsigned SharedQueueInterval = 31;

/// The worker state of the thread, on the threads Core::start() made.
thread_local Core::Worker *CurrentWorker = nullptr;
/// The state of the thread inside Core::run_main(), if it is.
thread_local Core::Runner *CurrentRunner = nullptr;

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
  if (state.core) {
    // The blocked thread itself sees the flag before it runs anything else.
    if (!CurrentRunner || CurrentRunner->main != &state)
      state.core->wake_blocked();
  } else {
    state.notified.notify_one();
  }
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
    : workers_(worker_threads),
      // Workers block in turn() side by side, and the thread inside a
      // current-thread block_on() alone (the others sleep beside it).
      reactor_(std::make_shared<Reactor>(worker_threads
                                             ? Reactor::TimerWait::Shared
                                             : Reactor::TimerWait::PerTurn)) {}

void Core::start() {
  threads_.reserve(workers_);
  for (unsigned i = 0; i != workers_; ++i)
    threads_.emplace_back([this] {
      Worker worker{this};
      CurrentCore = this;
      CurrentWorker = &worker;
      run(nullptr);
      CurrentWorker = nullptr;
      CurrentCore = nullptr;
    });
}

void Core::shutdown() {
  {
    auto lock = lock_spinning(mutex_);
    closed_ = true;
    if (drivers_)
      reactor_->unpark(); // each driver that returns wakes the next
  }
  idle_.notify_all();
  for (std::thread &thread : threads_)
    thread.join();
  threads_.clear();

  // No thread runs tasks any more; wakes from other threads now only drop
  // their queue reference (schedule() sees closed_).
  TaskHeader *queued;
  {
    auto lock = lock_spinning(mutex_);
    queued = std::exchange(queue_, TaskQueue()).head;
    queued_ = 0;
  }
  while (queued)
    std::exchange(queued, queued->next_)->release();

  // Abort the live tasks one by one: dropping a future may complete or drop
  // others, so take the list's head afresh each time.
  for (;;) {
    TaskHeader *task;
    {
      auto lock = lock_spinning(mutex_);
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

Core::Wake Core::push_locked(TaskHeader &task, bool wake) {
  queue_.push(task);
  ++queued_;
  return wake ? wake_one_locked() : Wake::None;
}

Core::Wake Core::wake_one_locked() {
  if (notified_ || unparked_)
    return Wake::None; // that thread looks at the queue soon, passes it on
  if (idle_threads_) {
    ++notified_;
    return Wake::Idle;
  }
  if (drivers_ && !Dispatching) {
    unparked_ = true;
    return Wake::Driver;
  }
  return Wake::None;
}

void Core::deliver(Wake wake) noexcept {
  if (wake == Wake::Idle)
    idle_.notify_one();
  else if (wake == Wake::Driver)
    reactor_->unpark();
}

TaskHeader *Core::pop_locked() noexcept {
  TaskHeader *task = queue_.pop();
  if (task)
    --queued_;
  return task;
}

void Core::schedule(TaskHeader &task) {
  if (Runner *runner = CurrentRunner; runner && runner->core == this) {
    runner->queue.push(task); // run_main() looks at nothing else first
    return;
  }
  Wake wake;
  {
    auto lock = lock_spinning(mutex_);
    if (closed_) {
      lock.unlock();
      task.release(); // shut down: the task is (being) aborted
      return;
    }
    wake = push_locked(task);
  }
  deliver(wake);
}

void Core::schedule_woken(TaskHeader &task) {
  Worker *worker = CurrentWorker;
  if (!worker || worker->core != this || !worker->polling) {
    schedule(task);
    return;
  }
  // The displaced task had been woken first: it goes to the queue, and
  // another thread may take it.
  if (TaskHeader *displaced = std::exchange(worker->lifo, &task))
    schedule(*displaced);
}

unsigned Core::run_on_worker(Worker &worker, TaskHeader &task) {
  TaskHeader *next = &task;
  for (unsigned polls = 1;; ++polls) {
    worker.polling = true;
    run_task(*next);
    worker.polling = false;
    next = std::exchange(worker.lifo, nullptr);
    if (!next)
      return polls;
    if (polls == MaxLifoPolls) {
      // To the tail, waking no one: this thread looks at the queue next.
      auto lock = lock_spinning(mutex_);
      if (!closed_) {
        (void)push_locked(*next, /*wake=*/false);
      } else {
        lock.unlock();
        next->release(); // shut down: the task is (being) aborted
      }
      return polls;
    }
  }
}

void Core::spawn(TaskHeader &task) {
  task.core_ = shared_from_this();
  {
    auto lock = lock_spinning(mutex_);
    if (!closed_) {
      task.owned_next_ = owned_;
      if (owned_)
        owned_->owned_prev_ = &task;
      owned_ = &task;
      ++owned_count_;
      if (Runner *runner = CurrentRunner; runner && runner->core == this) {
        lock.unlock();
        runner->queue.push(task);
        return;
      }
      Wake wake = push_locked(task);
      lock.unlock();
      deliver(wake);
      return;
    }
  }
  abort_now(task);
  task.release(); // the queue's reference
  task.release(); // the list's reference
}

bool Core::forget(TaskHeader &task) noexcept {
  auto lock = lock_spinning(mutex_);
  if (owned_ != &task && !task.owned_prev_)
    return false; // already taken off by shutdown()
  if (task.owned_prev_)
    task.owned_prev_->owned_next_ = task.owned_next_;
  else
    owned_ = task.owned_next_;
  if (task.owned_next_)
    task.owned_next_->owned_prev_ = task.owned_prev_;
  task.owned_prev_ = task.owned_next_ = nullptr;
  --owned_count_;
  return true;
}

std::size_t Core::live_tasks() {
  auto lock = lock_spinning(mutex_);
  return owned_count_;
}

void Core::drive_locked(std::unique_lock<std::mutex> &lock, bool justLook) {
  ++drivers_;
  lock.unlock();
  Dispatching = true;
  reactor_->turn(justLook
                     ? std::optional<Clock::duration>(Clock::duration::zero())
                     : std::nullopt);
  Dispatching = false;
  lock = lock_spinning(mutex_);
  --drivers_;
  unparked_ = false;
  if (closed_ && drivers_)
    reactor_->unpark(); // an unpark() wakes one of the drivers
  if (idle_threads_ && !notified_) {
    ++notified_; // hand the driver's role on
    lock.unlock();
    idle_.notify_one();
    lock = lock_spinning(mutex_);
  }
}

void Core::sleep_locked(std::unique_lock<std::mutex> &lock) {
  ++idle_threads_;
  idle_.wait(lock);
  --idle_threads_;
  if (notified_)
    --notified_; // this thread took the notification (or another will)
}

void Core::run(BlockOnState *main) {
  if (main)
    run_main(*main);
  else
    run_worker(*CurrentWorker);
}

void Core::take_queue_locked(Runner &runner) noexcept {
  runner.queue.append(queue_);
  queued_ = 0;
}

void Core::return_queue_locked(Runner &runner) noexcept {
  if (runner.queue.empty())
    return;
  for (TaskHeader *task = runner.queue.head; task; task = task->next_)
    ++queued_;
  queue_.prepend(runner.queue);
}

void Core::run_main(BlockOnState &main) {
  Runner runner{this, &main, {}};
  CurrentRunner = &runner;
  // The poll of the blocked-on future that led here counts as a task's, and
  // the count goes on across polls: a future that keeps waking itself must
  // not starve the reactor of its turns (nor the tasks, below).
  unsigned &sinceReactor = main.since_reactor;
  ++sinceReactor;
  auto lock = lock_spinning(mutex_);
  // The blocked-on future queues behind the tasks that were queued before
  // it was woken, as if it were a task: one that keeps waking itself must
  // not starve them.
  std::size_t ahead = queued_;
  // Whether the reactor's last turn queued tasks.
  bool lastTurnFound = false;
  // Down to the last task while events keep coming: gather those that
  // arrived meanwhile first, so that their tasks queue behind it, instead
  // of finding the queue empty after it and blocking in epoll_wait while
  // they are on their way (each such block costs the peer who sends them
  // a wake-up). As Asio's scheduler does, but only while turns find
  // events: tasks that only wake each other pay for no epoll_wait.
  auto atLastTaskUnderLoad = [&] {
    return lastTurnFound && sinceReactor && runner.queue.head &&
           runner.queue.head == runner.queue.tail;
  };
  for (;;) {
    take_queue_locked(runner);
    if (sinceReactor >= TasksPerReactorCheck && drivers_)
      sinceReactor = 0; // another thread is watching the reactor
    bool checkReactor = sinceReactor >= TasksPerReactorCheck;
    // A load first: the exchange, a locked instruction, only when woken.
    if (!checkReactor && !ahead &&
        main.notified.load(std::memory_order_relaxed) &&
        main.notified.exchange(false, std::memory_order_acquire))
      break;
    // Only while no other thread (inside a block_on() too) waits in the
    // reactor; else the last task runs, without waiting for that thread.
    bool mayLook = !drivers_;
    bool lookFirst = mayLook && atLastTaskUnderLoad();
    if (!checkReactor && !lookFirst) {
      if (!runner.queue.empty()) {
        // Run this thread's tasks without the lock; look at the shared
        // queue (other threads' wakes) every SharedQueueInterval tasks.
        lock.unlock();
        for (unsigned burst = 0;
             !runner.queue.empty() && burst != SharedQueueInterval; ++burst) {
          if (!ahead && main.notified.load(std::memory_order_relaxed))
            break;
          if (mayLook && atLastTaskUnderLoad())
            break; // look at the reactor first (above)
          if (ahead)
            --ahead;
          run_task(*runner.queue.pop());
          if (++sinceReactor == TasksPerReactorCheck)
            break;
        }
        lock = lock_spinning(mutex_);
        continue;
      }
      ahead = 0; // another thread ran them
    }
    if (!drivers_) {
      // Block in epoll_wait only when there is nothing to run.
      TaskHeader *last = runner.queue.tail;
      drive_locked(lock, /*justLook=*/checkReactor || lookFirst);
      lastTurnFound = runner.queue.tail != last || queued_;
      sinceReactor = 0;
      continue;
    }
    sleep_locked(lock);
  }
  // The tasks left go back to the shared queue, ahead of those queued since,
  // for the next block_on() or another thread inside one.
  CurrentRunner = nullptr;
  return_queue_locked(runner);
  Wake wake = queue_.empty() ? Wake::None : wake_one_locked();
  lock.unlock();
  deliver(wake);
}

void Core::run_worker(Worker &worker) {
  unsigned sinceReactor = 0;
  auto lock = lock_spinning(mutex_);
  while (!closed_) {
    bool checkReactor = sinceReactor >= TasksPerReactorCheck && !drivers_;
    if (!checkReactor) {
      if (TaskHeader *task = pop_locked()) {
        // More work than this thread: bring another.
        Wake wake = queue_.empty() ? Wake::None : wake_one_locked();
        lock.unlock();
        deliver(wake);
        sinceReactor += run_on_worker(worker, *task);
        lock = lock_spinning(mutex_);
        continue;
      }
    }
    // Block in epoll_wait only when there is nothing to run; other idle
    // workers may do so too, so that none needs waking to take over the
    // reactor while this one runs what it brings.
    drive_locked(lock, checkReactor);
    sinceReactor = 0;
  }
  // The tasks left need another thread.
  Wake wake = queue_.empty() ? Wake::None : wake_one_locked();
  lock.unlock();
  deliver(wake);
}

void Core::wake_blocked() noexcept {
  {
    auto lock = lock_spinning(mutex_);
    if (drivers_ && !Dispatching)
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

Reactor *Reactor::try_current() noexcept {
  return detail::CurrentCore ? &detail::CurrentCore->reactor() : nullptr;
}

} // namespace corofy
