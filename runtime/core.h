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
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace corofy::detail {

/// The waker of a block_on() future. In a current-thread runtime `core` is
/// set and the blocked thread runs the core until woken; otherwise the
/// thread waits on `notified` alone.
struct BlockOnState {
  std::atomic<unsigned> refs{1};
  std::atomic<bool> notified{false};
  std::shared_ptr<Core> core;
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

  /// Queues a woken task; the caller hands over one reference to it.
  void schedule(TaskHeader &task);
  /// Adds a new task (see spawn_task()).
  void spawn(TaskHeader &task);
  /// Removes a completed task from the live list, dropping the list's
  /// reference.
  void forget(TaskHeader &task) noexcept;

  /// Runs tasks and the reactor on this thread until `main` is woken (a
  /// block_on() on a current-thread runtime) or, for a worker (`main` is
  /// null), until shutdown.
  void run(BlockOnState *main);
  /// Makes a thread inside run(main) see that `main` was woken.
  void wake_blocked() noexcept;

  bool drives_block_on() const noexcept { return workers_ == 0; }
  Reactor &reactor() noexcept { return *reactor_; }
  std::size_t live_tasks();

private:
  /// Appends to the run queue and wakes a thread to run it; mutex_ held.
  void push_locked(TaskHeader &task);
  TaskHeader *pop_locked() noexcept;

  const unsigned workers_;
  std::shared_ptr<Reactor> reactor_;
  std::vector<std::thread> threads_;

  std::mutex mutex_;
  std::condition_variable idle_;
  TaskHeader *head_ = nullptr, *tail_ = nullptr; // the FIFO run queue
  std::size_t queued_ = 0;
  TaskHeader *owned_ = nullptr; // live tasks, linked
  std::size_t owned_count_ = 0;
  unsigned idle_threads_ = 0; // threads waiting on idle_
  bool driving_ = false;      // a thread is inside reactor_->turn()
  bool closed_ = false;       // shutting down: no more tasks run
};

/// Polls a task taken from the run queue, with the queue's reference.
void run_task(TaskHeader &task) noexcept;
/// Drops the future of a task that never completed and completes it as
/// aborted. Only for the thread that owns the task (not Running elsewhere).
void abort_now(TaskHeader &task) noexcept;

} // namespace corofy::detail

#endif // COROFY_RUNTIME_CORE_H
