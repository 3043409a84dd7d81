//===- core.h - The scheduler behind Runtime --------------------*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// Core is what a Runtime shares with its tasks, their wakers and the
// threads running it: the run queue, the list of live tasks, the reactor and
// the workers. executor.cpp implements it; task.cpp implements the task
// state machine that it drives.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_RUNTIME_CORE_H
#define COROFY_RUNTIME_CORE_H

#include "corofy/executor.hpp"
#include "corofy/reactor.hpp"
#include "corofy/task.hpp"

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace corofy::detail {

/// Locks `mutex`, spinning a little before blocking. The runtime's critical
/// sections are a few dozen instructions, so a thread that finds the lock
/// taken does better to wait for it on the CPU than to sleep in the kernel
/// and be woken (two context switches); Rust's std Mutex, under Tokio, spins
/// the same way.
inline std::unique_lock<std::mutex> lock_spinning(std::mutex &mutex) {
  for (int spins = 0; spins != 100; ++spins) {
    if (mutex.try_lock())
      return std::unique_lock<std::mutex>(mutex, std::adopt_lock);
    cpu_relax();
  }
  return std::unique_lock<std::mutex>(mutex);
}

/// An intrusive FIFO of tasks, linked through TaskHeader::next_.
struct TaskQueue {
  TaskHeader *head = nullptr, *tail = nullptr;

  bool empty() const noexcept { return !head; }
  void push(TaskHeader &task) noexcept {
    task.next_ = nullptr;
    if (tail)
      tail->next_ = &task;
    else
      head = &task;
    tail = &task;
  }
  /// The first task, taken off; null when empty.
  TaskHeader *pop() noexcept {
    TaskHeader *task = head;
    if (task && !(head = task->next_))
      tail = nullptr;
    return task;
  }
  /// Moves the tasks of `other` to the tail of this queue.
  void append(TaskQueue &other) noexcept {
    if (other.empty())
      return;
    if (tail)
      tail->next_ = other.head;
    else
      head = other.head;
    tail = std::exchange(other.tail, nullptr);
    other.head = nullptr;
  }
  /// Moves the tasks of `other` to the head of this queue.
  void prepend(TaskQueue &other) noexcept {
    other.append(*this);
    std::swap(head, other.head);
    std::swap(tail, other.tail);
  }
};

/// The waker of a block_on() future. In a current-thread runtime `core` is
/// set and the blocked thread runs the core until woken; otherwise the
/// thread waits on `notified` alone.
struct BlockOnState {
  std::atomic<unsigned> refs{1};
  std::atomic<bool> notified{false};
  std::shared_ptr<Core> core;
  /// Polls (of tasks and of the future) on the blocked thread since it last
  /// looked at the reactor; only that thread touches it.
  unsigned since_reactor = 0;
};

class Core : public std::enable_shared_from_this<Core> {
public:
  explicit Core(unsigned worker_threads);
  Core(const Core &) = delete;
  Core &operator=(const Core &) = delete;

  /// Starts the worker threads.
  void start();
  /// Stops the workers, aborts the live tasks and shuts the reactor down.
  void shutdown();

  /// Queues a task at the tail of the run queue (of the thread's own queue
  /// on a thread inside this current-thread runtime's block_on()); the
  /// caller hands over one reference to it.
  void schedule(TaskHeader &task);
  /// Queues a task that a waker woke (with one reference, as schedule()):
  /// on a worker of this runtime that is running a task, into that worker's
  /// LIFO slot, to run as soon as the current poll returns; else as
  /// schedule().
  void schedule_woken(TaskHeader &task);
  /// Adds a new task (see spawn_task()).
  void spawn(TaskHeader &task);
  /// Removes a completing task from the live list; true if it was there
  /// (not taken off by shutdown()), in which case the caller drops the
  /// list's reference.
  bool forget(TaskHeader &task) noexcept;

  /// Runs tasks and the reactor on this thread until `main` is woken (a
  /// block_on() on a current-thread runtime) or, for a worker (`main` is
  /// null), until shutdown.
  void run(BlockOnState *main);
  /// Makes a thread inside run(main) see that `main` was woken.
  void wake_blocked() noexcept;

  bool drives_block_on() const noexcept { return workers_ == 0; }
  Reactor &reactor() noexcept { return *reactor_; }
  std::size_t live_tasks();

  /// A worker thread's own state; see schedule_woken().
  struct Worker {
    Core *core;
    TaskHeader *lifo = nullptr; // woken by the task being polled, runs next
    bool polling = false;       // inside run_task()
  };

  /// The state of a thread inside run(main) of a current-thread runtime:
  /// its own FIFO queue, which only it touches, so that the tasks it wakes,
  /// spawns and requeues cost no lock. Tasks queued by other threads go to
  /// the shared queue, which it appends to its own now and then.
  struct Runner {
    Core *core;
    BlockOnState *main;
    TaskQueue queue;
  };

private:
  /// A wake-up decided under mutex_ and made after it is released, so that
  /// the woken thread does not at once block on the mutex.
  enum class Wake : std::uint8_t { None, Idle, Driver };

  /// Appends to the run queue; mutex_ held. With `wake`, makes sure some
  /// thread is on its way to the queue (see wake_one_locked()); the caller
  /// passes the result to deliver() once it released mutex_.
  [[nodiscard]] Wake push_locked(TaskHeader &task, bool wake = true);
  TaskHeader *pop_locked() noexcept;
  /// Picks one idle thread to wake, or the reactor's driver to interrupt
  /// when no thread is idle, unless a thread woken that way has not yet come
  /// back to the queue: that one wakes the next if it finds more than one
  /// task (see run()), so a burst of pushes costs one wake-up, not one each.
  [[nodiscard]] Wake wake_one_locked();
  void deliver(Wake wake) noexcept;
  /// Runs a task from the queue on a worker, then the tasks its polls wake
  /// into the worker's LIFO slot, at most MaxLifoPolls in a row; returns
  /// how many it ran.
  unsigned run_on_worker(Worker &worker, TaskHeader &task);
  /// Turns the reactor on this thread as one of its drivers (`justLook`:
  /// without blocking), then hands the driver's role to a thread idle in
  /// sleep_locked(), if any; mutex_ held on entry and on return, released
  /// meanwhile.
  void drive_locked(std::unique_lock<std::mutex> &lock, bool justLook);
  /// Waits on idle_ until notified; mutex_ held, released meanwhile.
  void sleep_locked(std::unique_lock<std::mutex> &lock);
  /// run() for a worker, and for a thread in a current-thread block_on().
  void run_worker(Worker &worker);
  void run_main(BlockOnState &main);
  /// Moves the shared queue to the tail of `runner`'s; mutex_ held.
  void take_queue_locked(Runner &runner) noexcept;
  /// Moves `runner`'s queue to the head of the shared one; mutex_ held.
  void return_queue_locked(Runner &runner) noexcept;

  const unsigned workers_;
  std::shared_ptr<Reactor> reactor_;
  std::vector<std::thread> threads_;

  std::mutex mutex_;
  std::condition_variable idle_;
  TaskQueue queue_; // the shared run queue
  std::size_t queued_ = 0;
  TaskHeader *owned_ = nullptr; // live tasks, linked
  std::size_t owned_count_ = 0;
  unsigned idle_threads_ = 0; // threads waiting on idle_
  unsigned notified_ = 0;     // idle_ notifications not yet taken up
  unsigned drivers_ = 0;      // threads inside reactor_->turn()
  bool unparked_ = false;     // turn() interrupted for tasks, not returned
  bool closed_ = false;       // shutting down: no more tasks run
};

/// Polls a task taken from the run queue, with the queue's reference.
void run_task(TaskHeader &task) noexcept;
/// Drops the future of a task that never completed and completes it as
/// aborted. Only for the thread that owns the task (not Running elsewhere).
void abort_now(TaskHeader &task) noexcept;

} // namespace corofy::detail

#endif // COROFY_RUNTIME_CORE_H
