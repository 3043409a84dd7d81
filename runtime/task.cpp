//===- task.cpp - The task state machine and its waker --------------------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// Every transition of a task's state word is one compare-and-swap, and
// the word holds the reference count too, so the queue's reference comes
// and goes in the same operation:
//
//   wake:   idle -> Notified, plus the queue's reference (then queued);
//           Running -> Running|Notified (the runner queues it afterwards);
//           Notified or Complete: nothing (the wake coalesces).
//   run:    Notified -> Running, poll, then Running -> idle, dropping the
//           queue's reference, or Running|Notified -> Notified, keeping it
//           for the queue, which the task goes back into.
//   finish: Running -> Complete, dropping the runner's references, under
//           join_lock_ so that a JoinHandle either sees Complete or has its
//           waker stored before it.
//
// Only the thread that moved the task to Running touches its future, so a
// task never runs on two threads at once, and at most one queue entry
// exists per task.
//
//===----------------------------------------------------------------------===//

#include "core.h"

#include <exception>
#include <mutex>
#include <utility>

namespace corofy::detail {
namespace {

TaskHeader &taskOf(const void *data) {
  return *static_cast<TaskHeader *>(const_cast<void *>(data));
}

const void *cloneTask(const void *data) {
  taskOf(data).retain();
  return data;
}

void wakeTask(const void *data) {
  TaskHeader &task = taskOf(data);
  std::uint64_t state = task.state_.load(std::memory_order_acquire);
  for (;;) {
    if (state & (TaskHeader::Complete | TaskHeader::Notified))
      return;
    // A running task is queued by its runner, with the runner's reference.
    std::uint64_t next = state | TaskHeader::Notified;
    if (!(state & TaskHeader::Running))
      next += TaskHeader::OneRef; // the queue's reference
    if (task.state_.compare_exchange_weak(
            state, next, std::memory_order_acq_rel, std::memory_order_acquire))
      break;
  }
  if (!(state & TaskHeader::Running))
    task.core_->schedule_woken(task);
}

void dropTask(const void *data) { taskOf(data).release(); }

/// wakeTask, then dropTask, with one compare-and-swap on the usual path:
/// the waker's reference becomes the queue's.
void wakeAndDropTask(const void *data) {
  TaskHeader &task = taskOf(data);
  std::uint64_t state = task.state_.load(std::memory_order_acquire);
  for (;;) {
    if (state & (TaskHeader::Complete | TaskHeader::Notified)) {
      task.release(); // the wake coalesces; only the drop is left
      return;
    }
    // A running task is queued by its runner, with the runner's reference,
    // which also keeps the count above zero here.
    std::uint64_t next = state | TaskHeader::Notified;
    if (state & TaskHeader::Running)
      next -= TaskHeader::OneRef;
    if (task.state_.compare_exchange_weak(
            state, next, std::memory_order_acq_rel, std::memory_order_acquire))
      break;
  }
  if (!(state & TaskHeader::Running))
    task.core_->schedule_woken(task);
}

constexpr WakerVTable TaskWakerVTable{cloneTask, wakeTask, dropTask,
                                      wakeAndDropTask};

/// Marks a Running task Complete and wakes its JoinHandle, dropping `refs`
/// references: all but one in the same compare-and-swap, the last once the
/// lock is released, since a JoinHandle may be dropped (and free the task)
/// on another thread as soon as the compare-and-swap is done.
void finish(TaskHeader &task, std::uint64_t refs = 0) noexcept {
  Waker joiner = Waker::noop(); // woken and dropped after the lock
  {
    std::lock_guard<JoinLock> lock(task.join_lock_);
    std::uint64_t state = task.state_.load(std::memory_order_relaxed);
    std::uint64_t dropped = refs ? (refs - 1) * TaskHeader::OneRef : 0;
    while (!task.state_.compare_exchange_weak(
        state,
        ((state | TaskHeader::Complete) & ~TaskHeader::Running) - dropped,
        std::memory_order_acq_rel, std::memory_order_relaxed)) {
    }
    joiner = std::exchange(task.join_waker_, Waker::noop());
  }
  if (refs)
    task.release();
  std::move(joiner).wake();
}

/// Notified -> Running; returns the state before.
std::uint64_t startRunning(TaskHeader &task) noexcept {
  std::uint64_t state = task.state_.load(std::memory_order_acquire);
  while (!task.state_.compare_exchange_weak(
      state, (state & ~TaskHeader::Notified) | TaskHeader::Running,
      std::memory_order_acq_rel, std::memory_order_acquire)) {
  }
  return state;
}

} // namespace

void run_task(TaskHeader &task) noexcept {
  std::uint64_t state = startRunning(task);
  if (state & TaskHeader::Complete) { // not expected: completed tasks are
    task.release();                   // never queued again
    return;
  }
  bool completed;
  if (state & TaskHeader::Cancelled) {
    task.vtable_->drop_future(task);
    completed = true;
  } else {
    // The poll's waker borrows the queue's reference, which outlives the
    // poll: no clone and drop (two atomic read-modify-writes) per poll. A
    // future keeps the waker by copying it, which clones.
    union BorrowedWaker {
      explicit BorrowedWaker(TaskHeader &task)
          : waker(&task, &TaskWakerVTable) {}
      ~BorrowedWaker() {} // never drops the reference it did not take
      Waker waker;
    } borrowed(task);
    Context cx(borrowed.waker);
    completed = task.vtable_->poll(task, cx);
  }
  if (completed) {
    // The queue's reference, and the owner list's unless shutdown() took
    // the task off the list (it then drops that one itself).
    finish(task, task.core_->forget(task) ? 2 : 1);
    return;
  }
  state = task.state_.load(std::memory_order_acquire);
  std::uint64_t next;
  do {
    next = state & ~TaskHeader::Running;
    if (!(state & TaskHeader::Notified))
      next -= TaskHeader::OneRef; // the queue's, ours
  } while (!task.state_.compare_exchange_weak(
      state, next, std::memory_order_acq_rel, std::memory_order_acquire));
  if (state & TaskHeader::Notified)
    task.core_->schedule(task); // woken during the poll: keeps our reference
  else if (TaskHeader::refs(next) == 0)
    task.vtable_->destroy(&task); // not expected: the owner list holds one
}

void abort_now(TaskHeader &task) noexcept {
  startRunning(task);
  task.vtable_->drop_future(task);
  finish(task);
}

void abort_task(TaskHeader &task) noexcept {
  task.state_.fetch_or(TaskHeader::Cancelled, std::memory_order_acq_rel);
  wakeTask(&task);
}

TaskHeader::Outcome poll_join(TaskHeader &task, Context &cx) {
  {
    Waker replaced = Waker::noop(); // dropped after the lock
    std::lock_guard<JoinLock> lock(task.join_lock_);
    if (!(task.state_.load(std::memory_order_acquire) & TaskHeader::Complete)) {
      if (!task.join_waker_.will_wake(cx.waker()))
        replaced = std::exchange(task.join_waker_, cx.waker());
      return TaskHeader::Outcome::None;
    }
  }
  switch (task.outcome_) {
  case TaskHeader::Outcome::Value:
    return TaskHeader::Outcome::Value;
  case TaskHeader::Outcome::Error:
    std::rethrow_exception(task.error_);
  case TaskHeader::Outcome::Aborted:
    throw TaskAborted();
  default:
    fail("corofy: polled a JoinHandle again after it returned the output");
  }
}

void spawn_task(Core &core, TaskHeader &task) { core.spawn(task); }

} // namespace corofy::detail
