//===- corofy/task.hpp - Spawned tasks and their JoinHandle -----*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// A task is a future that a Runtime owns and polls: spawn() allocates it once
// (the future is polled in place and never moves) and hands back a
// JoinHandle<T>, itself a future of the task's output.
//
// The task's waker is the task: waking it schedules it on its runtime's run
// queue. Wakes coalesce: a task that is woken any number of times before it
// runs is queued and polled once; a wake that arrives while the task is being
// polled marks it to be queued again as soon as that poll returns, so it is
// never lost and the task never runs on two threads at once.
//
// Outcomes, as seen by JoinHandle::poll():
//  - the future's output: ready with it (moved out; poll only once);
//  - the future threw: the exception is rethrown;
//  - the task was aborted (JoinHandle::abort(), or its runtime shut down
//    before it completed): throws corofy::TaskAborted.
// Dropping a JoinHandle detaches the task: it keeps running, and its output
// (or exception) is destroyed when it completes.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_TASK_HPP
#define COROFY_TASK_HPP

#include "corofy/maybe_done.hpp"

#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>

namespace corofy {

/// What JoinHandle::poll() throws for a task that was aborted before it
/// completed, by JoinHandle::abort() or by the shutdown of its runtime.
class TaskAborted : public std::runtime_error {
public:
  TaskAborted() : std::runtime_error("corofy: the task was aborted") {}
};

namespace detail {

class Core;
class TaskHeader;

/// The type-specific operations of a task.
struct TaskVTable {
  /// Polls the future once; on completion destroys it, stores the output or
  /// the exception, and returns true.
  bool (*poll)(TaskHeader &task, Context &cx);
  /// Destroys the future of a task that never completed (abort, shutdown).
  void (*drop_future)(TaskHeader &task) noexcept;
  /// Destroys what is left (the output, if never taken) and frees the task.
  void (*destroy)(TaskHeader *task) noexcept;
};

/// Tells the CPU that this thread spins (tens of ns on x86).
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

/// A one-byte lock for a task's JoinHandle waker: only the task's runner
/// (when it completes) and its JoinHandle (when polled) take it, each for a
/// few instructions, so spinning is cheap, and a std::mutex would take 40
/// bytes of every task. Yields the CPU if the holder was preempted.
class JoinLock {
public:
  void lock() noexcept {
    unsigned spins = 0;
    while (locked_.exchange(true, std::memory_order_acquire))
      while (locked_.load(std::memory_order_relaxed)) {
        if (++spins < 64)
          cpu_relax();
        else
          std::this_thread::yield();
      }
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

private:
  std::atomic<bool> locked_{false};
};

/// The part of a task that the scheduler sees; Task<F> adds the future and
/// its output. The state word, which holds the reference count too, is all
/// the synchronisation the wake path needs; the rest is owned by the thread
/// that holds the RUNNING bit, or guarded by the runtime's lock.
class TaskHeader {
public:
  enum StateBit : std::uint64_t { // 64 bits: ~Running keeps the count
    Notified = 1,                 ///< in the run queue, or woken while running
    Running = 2,                  ///< being polled by one thread
    Complete = 4,                 ///< finished: output, exception or aborted
    Cancelled = 8,                ///< abort() was called
  };
  /// The reference count lives in the state word's upper half, as in Tokio,
  /// so that a wake takes the queue's reference, and the end of a poll drops
  /// it, in the same compare-and-swap as the state change.
  static constexpr std::uint64_t OneRef = std::uint64_t(1) << 32;
  static constexpr std::uint64_t refs(std::uint64_t state) noexcept {
    return state >> 32;
  }
  enum class Outcome : std::uint8_t { None, Value, Error, Aborted, Taken };

  explicit TaskHeader(const TaskVTable *vtable) noexcept : vtable_(vtable) {}
  TaskHeader(const TaskHeader &) = delete;
  TaskHeader &operator=(const TaskHeader &) = delete;

  void retain() noexcept {
    state_.fetch_add(OneRef, std::memory_order_relaxed);
  }
  void release() noexcept {
    if (refs(state_.fetch_sub(OneRef, std::memory_order_acq_rel)) == 1)
      vtable_->destroy(this);
  }

  /// StateBits, and the references: the owner list of the runtime, the
  /// JoinHandle, and the run queue (the task starts Notified, queued); each
  /// Waker clone adds one.
  std::atomic<std::uint64_t> state_{Notified | 3 * OneRef};
  const TaskVTable *vtable_;
  std::shared_ptr<Core> core_; // keeps the scheduler alive for late wakes
  TaskHeader *next_ = nullptr; // run queue link
  TaskHeader *owned_prev_ = nullptr, *owned_next_ = nullptr;
  Outcome outcome_ = Outcome::None; // written by the runner before Complete
  JoinLock join_lock_; // orders Complete against storing join_waker_
  std::exception_ptr error_;
  Waker join_waker_ = Waker::noop();
};

/// Queues a new task (3 references, Notified) on `core`: it joins the
/// runtime's owner list and its run queue. On a runtime that has shut down
/// the task is aborted at once.
void spawn_task(Core &core, TaskHeader &task);
/// The runtime of the calling thread; throws std::logic_error outside one.
Core &current_core(const char *what);
/// Marks the task cancelled and wakes it, so that its runtime drops it.
void abort_task(TaskHeader &task) noexcept;
/// Polls the outcome for a JoinHandle: Outcome::None while the task runs
/// (then `cx`'s waker is stored), Value when the output may be taken.
/// Rethrows the task's exception; throws TaskAborted if it was aborted.
TaskHeader::Outcome poll_join(TaskHeader &task, Context &cx);

/// The output slot of a task with output T, which is all a JoinHandle<T>
/// needs to know of the task.
template <class T> class TaskOutput : public TaskHeader {
public:
  using Value = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

  /// Moves the output out of a task whose outcome is Value.
  Value take_output() {
    Value value = std::move(value_);
    std::destroy_at(&value_);
    outcome_ = Outcome::Taken;
    return value;
  }

protected:
  explicit TaskOutput(const TaskVTable *vtable) noexcept : TaskHeader(vtable) {}
  ~TaskOutput() {} // Task<F>::destroy destroys the live member

  union {
    Value value_; // while outcome_ == Value
  };
};

template <Future F> class Task final : public TaskOutput<output_t<F>> {
  using Base = TaskOutput<output_t<F>>;
  using Outcome = TaskHeader::Outcome;

public:
  explicit Task(F &&future) : Base(&VTable) {
    ::new (&future_) F(std::move(future));
  }

private:
  ~Task() {} // destroy() destroys the live member

  static bool poll(TaskHeader &header, Context &cx) {
    auto &task = static_cast<Task &>(header);
    try {
      auto polled = poll_value(task.future_, cx);
      if (polled.is_pending())
        return false;
      std::destroy_at(&task.future_);
      task.outcome_ = Outcome::Aborted; // until the value is in place
      ::new (&task.value_) typename Base::Value(std::move(polled).value());
      task.outcome_ = Outcome::Value;
    } catch (...) {
      if (task.outcome_ == Outcome::None)
        std::destroy_at(&task.future_);
      task.error_ = std::current_exception();
      task.outcome_ = Outcome::Error;
    }
    return true;
  }
  static void drop_future(TaskHeader &header) noexcept {
    auto &task = static_cast<Task &>(header);
    std::destroy_at(&task.future_);
    task.outcome_ = Outcome::Aborted;
  }
  static void destroy(TaskHeader *header) noexcept {
    auto *task = static_cast<Task *>(header);
    if (task->outcome_ == Outcome::None)
      std::destroy_at(&task->future_);
    else if (task->outcome_ == Outcome::Value)
      std::destroy_at(&task->value_);
    delete task;
  }
  static constexpr TaskVTable VTable{poll, drop_future, destroy};

  union {
    F future_; // while outcome_ == None
  };
};

} // namespace detail

/// A future of a spawned task's output; see the top of this file for what
/// it yields when the task threw or was aborted. Move-only; dropping it
/// detaches the task (so `spawn(f);` alone is fine for fire-and-forget).
template <class T> class JoinHandle {
public:
  using Output = T;

  JoinHandle(JoinHandle &&other) noexcept
      : task_(std::exchange(other.task_, nullptr)) {}
  JoinHandle &operator=(JoinHandle &&other) noexcept {
    if (this != &other) {
      detach();
      task_ = std::exchange(other.task_, nullptr);
    }
    return *this;
  }
  ~JoinHandle() { detach(); }

  /// Ready with the task's output once it completed; the output is moved
  /// out, so poll again only while pending.
  Poll<T> poll(Context &cx) {
    if (!task_)
      detail::fail("corofy: polled an empty (moved-from or detached) "
                   "JoinHandle");
    if (detail::poll_join(*task_, cx) == detail::TaskHeader::Outcome::None)
      return Poll<T>::pending();
    if constexpr (std::is_void_v<T>) {
      (void)task_->take_output();
      return Poll<void>::ready();
    } else {
      return Poll<T>::ready(task_->take_output());
    }
  }

  /// Asks the task's runtime to drop the task's future: if the task has not
  /// completed yet, it is not polled again, its future is destroyed on its
  /// runtime, and this handle then throws TaskAborted. No effect on a task
  /// that already completed. Safe from any thread.
  void abort() noexcept {
    if (task_)
      detail::abort_task(*task_);
  }

  /// True once the task completed (with an output, an exception or aborted).
  bool is_finished() const noexcept {
    return task_ && (task_->state_.load(std::memory_order_acquire) &
                     detail::TaskHeader::Complete);
  }

  /// Lets the task run on without this handle.
  void detach() noexcept {
    if (task_)
      std::exchange(task_, nullptr)->release();
  }

  /// Adopts a task reference; for spawn().
  explicit JoinHandle(detail::TaskOutput<T> *task) noexcept : task_(task) {}

private:
  detail::TaskOutput<T> *task_;
};

namespace detail {
/// Spawns `future` on `core`; what Runtime::spawn() and spawn() call.
template <Future F> JoinHandle<output_t<F>> spawn_on(Core &core, F &&future) {
  static_assert(!std::is_lvalue_reference_v<F>,
                "spawn() takes ownership of the future: pass an rvalue "
                "(std::move it)");
  auto *task = new detail::Task<std::remove_cvref_t<F>>(std::move(future));
  detail::spawn_task(core, *task);
  return JoinHandle<output_t<F>>(task);
}
} // namespace detail

/// Spawns `future` as a new task on the runtime the calling thread runs on
/// (inside Runtime::block_on or a task) and returns its JoinHandle. Throws
/// std::logic_error when the thread runs no runtime; use Runtime::spawn()
/// there.
template <Future F> JoinHandle<output_t<F>> spawn(F &&future) {
  return detail::spawn_on(detail::current_core("spawn()"),
                          std::forward<F>(future));
}

/// A future that is pending once (waking itself) and then ready: lets the
/// other tasks of the run queue go first.
class YieldNow {
public:
  using Output = void;
  Poll<void> poll(Context &cx) {
    if (yielded_)
      return Poll<void>::ready();
    yielded_ = true;
    cx.waker().wake();
    return Poll<void>::pending();
  }

private:
  bool yielded_ = false;
};
inline YieldNow yield_now() noexcept { return {}; }

} // namespace corofy

#endif // COROFY_TASK_HPP
