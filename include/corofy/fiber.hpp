//===- corofy/fiber.hpp - Fibers: stackful coroutines -----------*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// Fibers (green threads) as in chapter 5 of the book, made safe, and joined
// to the future model: a fiber runs an ordinary function on a stack of its
// own and can suspend anywhere in it.
//
//  - Scheduler, spawn(callable), yield_now(), run(): the book's API. run()
//    runs the spawned fibers, round-robin on the calling thread, until all
//    of them have finished, and then rethrows the first exception that
//    escaped one of them (later ones are printed with the fiber's name).
//    There is no limit on the number of fibers, and no global runtime
//    pointer: the "current scheduler" is a thread-local set only while
//    run() executes.
//  - await(future): called on any fiber, waits for a corofy::Future. It
//    polls the future; while it is pending, the fiber parks until the
//    future's waker fires, and the thread goes on with other fibers and
//    tasks. Inside a Scheduler, timers (sleep_for) and I/O work too: run()
//    drives a current-thread Runtime.
//  - run_on_fiber(callable): a fiber as a future. Its output is what the
//    callable returns (its exception is rethrown by poll()). It is lazy:
//    the fiber starts at the first poll, so it mixes with state machines in
//    block_on(), spawn() and join(), on any Runtime. On a multi-threaded
//    Runtime a parked fiber may resume on another worker thread.
//
// Stacks are mmap'ed, Options::stack_size bytes (64 KiB by default,
// committed page by page as the fiber touches them) with a guard page below,
// and pooled for reuse. A fiber that overflows its stack hits the guard page
// and the process dies with a message naming the fiber, instead of
// corrupting memory. Frames larger than a page can jump over the guard:
// compile with -fstack-clash-protection to make them probe it.
//
// Cancellation: destroying a run_on_fiber future whose fiber is parked
// unwinds the fiber: the await() it is parked in throws fiber::Cancelled,
// so the destructors on the fiber's stack run, and the destructor returns
// when the fiber has finished. While unwinding, every further await() or
// yield_now() throws Cancelled again at once, so a fiber cannot park after
// it was cancelled. Cancelled does not derive from std::exception; a
// `catch (...)` on a fiber must rethrow it.
//
// Thread migration: a fiber keeps its registers (including the MXCSR and
// the x87 control word, which it first takes from the thread that starts
// it) but not its thread. Across await() and yield_now()
// do not keep a lock held, a pointer to a thread_local, errno, or the result
// of std::this_thread::get_id(): the code after them may run on another
// thread, and the compiler may reuse such values (pthread_self() and
// __errno_location() are declared const) from before the switch.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_FIBER_HPP
#define COROFY_FIBER_HPP

#include "corofy/executor.hpp"
#include "corofy/future.hpp"
#include "corofy/task.hpp"
#include "corofy/waker.hpp"

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

namespace corofy::fiber {

/// The default stack size of a fiber: 64 KiB of address space, of which
/// only the pages the fiber touches take memory.
inline constexpr std::size_t DefaultStackSize = 64 * 1024;

/// How to create a fiber.
struct Options {
  /// Usable bytes of stack, rounded up to whole pages; a guard page lies
  /// below them.
  std::size_t stack_size = DefaultStackSize;
  /// Used in error messages; copied (at most 47 bytes). Unnamed fibers are
  /// called "fiber #N".
  std::string_view name = {};
};

/// What await() and yield_now() throw in a fiber that is being cancelled
/// (its run_on_fiber future was destroyed while the fiber was parked).
/// Deliberately not a std::exception, so that handlers for those let it
/// through.
class Cancelled {
public:
  const char *what() const noexcept {
    return "corofy: the fiber was cancelled";
  }
};

/// How many stacks the pool holds, to see reuse and leaks.
struct StackPoolStats {
  std::size_t mapped = 0; ///< stacks that exist: in use or pooled
  std::size_t pooled = 0; ///< stacks waiting for reuse
};
StackPoolStats stack_pool_stats();

/// True on a fiber (where await() and yield_now() may be called).
bool on_fiber() noexcept;

namespace detail {

/// A fiber's name as error messages print it.
class FiberName {
public:
  static constexpr std::size_t Capacity = 47;
  FiberName() noexcept = default;
  explicit FiberName(std::string_view name) noexcept {
    std::size_t length = name.size() < Capacity ? name.size() : Capacity;
    for (std::size_t i = 0; i != length; ++i)
      text_[i] = name[i];
    text_[length] = '\0';
  }
  const char *c_str() const noexcept { return text_; }
  bool empty() const noexcept { return text_[0] == '\0'; }

private:
  char text_[Capacity + 1] = {};
};

/// The type-erased work of a fiber, placed on the fiber's own stack.
class Body {
public:
  /// Runs the callable on the fiber and keeps its result.
  virtual void run() = 0;

protected:
  ~Body() = default;
};

/// A fiber: its stack, its saved registers and its state, all at the top
/// of its stack (see fiber.cpp).
class Fiber;

/// A new fiber with room for a body of `body_size` bytes on its stack,
/// whose address `create_fiber` returns in `body_storage`. It runs nothing
/// until start_fiber() gives it the body.
Fiber *create_fiber(const Options &options, const FiberName &name,
                    std::size_t body_size, std::size_t body_align,
                    void *&body_storage);
void start_fiber(Fiber &fiber, Body &body) noexcept;
/// The fiber's number, which messages use for unnamed fibers.
std::uint64_t fiber_id(const Fiber &fiber) noexcept;

enum class Resumed { Parked, Finished };
/// Switches to the fiber until it parks or finishes; `cx` is what await()
/// polls with meanwhile.
Resumed resume(Fiber &fiber, Context &cx);
/// The exception that ended a finished fiber, if any.
std::exception_ptr take_error(Fiber &fiber) noexcept;
/// Unwinds a parked fiber (see Cancelled) and waits for it to finish.
void cancel(Fiber &fiber) noexcept;
/// Returns a finished (or never started) fiber's stack to the pool.
void destroy_fiber(Fiber *fiber) noexcept;

/// The Context the running fiber polls with; throws std::logic_error off a
/// fiber and Cancelled on a cancelled one.
Context &current_context(const char *what);
/// Parks the running fiber until its next resume() and returns the new
/// Context; throws Cancelled if the fiber was cancelled meanwhile.
Context &park();

[[noreturn]] void polled_after_completion() noexcept;
} // namespace detail

/// Waits on a fiber for `future` and returns its output (or lets its
/// exception through). The future is polled in place; while it is pending
/// the fiber is parked, and the future's waker resumes it. Throws
/// std::logic_error when not called on a fiber, and Cancelled when the
/// fiber is being cancelled.
template <Future F> output_t<F> await(F &&future) {
  Context *cx = &detail::current_context("fiber::await()");
  for (;;) {
    auto polled = future.poll(*cx);
    if (polled.is_ready()) {
      if constexpr (std::is_void_v<output_t<F>>)
        return;
      else
        return std::move(polled).value();
    }
    cx = &detail::park();
  }
}

/// Lets the other fibers and tasks of this thread run, then continues.
inline void yield_now() { await(corofy::yield_now()); }

/// The future that run_on_fiber() returns: runs a callable on a fiber of
/// its own, starting at the first poll. It may be moved at any time (the
/// fiber's state lives on the fiber's stack). Destroying it while its fiber
/// is parked unwinds the fiber (see Cancelled at the top of this file).
template <class F> class [[nodiscard]] FiberFuture {
  using Result = std::invoke_result_t<F &&>;
  static_assert(std::is_void_v<Result> ||
                    (std::is_object_v<Result> && !std::is_array_v<Result>),
                "run_on_fiber(): the callable must return void or a value");

public:
  using Output = Result;

  FiberFuture(F callable, Options options)
      : callable_(std::in_place, std::move(callable)), options_(options),
        name_(options.name) {
    options_.name = {}; // name_ owns a copy
  }
  FiberFuture(FiberFuture &&other) noexcept(
      std::is_nothrow_move_constructible_v<F>)
      : callable_(std::move(other.callable_)), options_(other.options_),
        name_(other.name_), fiber_(std::exchange(other.fiber_, nullptr)),
        body_(std::exchange(other.body_, nullptr)), id_(other.id_),
        done_(std::exchange(other.done_, true)) {
    other.callable_.reset();
  }
  FiberFuture &operator=(FiberFuture &&) = delete;
  ~FiberFuture() {
    if (fiber_) {
      detail::cancel(*fiber_);
      release();
    }
  }

  /// The name error messages give the fiber.
  const detail::FiberName &name() const noexcept { return name_; }
  /// The fiber's number once it started (0 before).
  std::uint64_t id() const noexcept { return id_; }

  Poll<Output> poll(Context &cx) {
    if (!fiber_)
      start();
    if (detail::resume(*fiber_, cx) == detail::Resumed::Parked)
      return Poll<Output>::pending();
    std::exception_ptr error = detail::take_error(*fiber_);
    if constexpr (std::is_void_v<Output>) {
      release();
      if (error)
        std::rethrow_exception(error);
      return Poll<void>::ready();
    } else {
      std::optional<Output> result;
      if (!error)
        result.emplace(std::move(*body_->result));
      release();
      if (error)
        std::rethrow_exception(error);
      return Poll<Output>::ready(std::move(*result));
    }
  }

private:
  class FiberBody final : public detail::Body {
  public:
    explicit FiberBody(F &&work) : callable(std::move(work)) {}
    ~FiberBody() = default;
    void run() override {
      // The callable's captures go when it returns, on the fiber, like a
      // thread's; the result stays until the future takes it.
      struct DropCallable {
        std::optional<F> &callable;
        ~DropCallable() { callable.reset(); }
      } drop{callable};
      if constexpr (std::is_void_v<Result>)
        std::invoke(std::move(*callable));
      else
        result.emplace(std::invoke(std::move(*callable)));
    }

    std::optional<F> callable;
    [[no_unique_address]] std::conditional_t<
        std::is_void_v<Result>, std::monostate, std::optional<Result>> result;
  };

  void start() {
    if (done_)
      detail::polled_after_completion();
    void *storage = nullptr;
    detail::Fiber *fiber = detail::create_fiber(
        options_, name_, sizeof(FiberBody), alignof(FiberBody), storage);
    try {
      body_ = ::new (storage) FiberBody(std::move(*callable_));
    } catch (...) {
      detail::destroy_fiber(fiber);
      throw;
    }
    callable_.reset();
    fiber_ = fiber;
    id_ = detail::fiber_id(*fiber_);
    detail::start_fiber(*fiber_, *body_);
  }

  void release() noexcept {
    body_->~FiberBody();
    detail::destroy_fiber(std::exchange(fiber_, nullptr));
    body_ = nullptr;
    done_ = true;
  }

  std::optional<F> callable_; // until the first poll
  Options options_;
  detail::FiberName name_;
  detail::Fiber *fiber_ = nullptr; // from the first poll until completion
  FiberBody *body_ = nullptr;      // on the fiber's stack
  std::uint64_t id_ = 0;
  bool done_ = false;
};

/// A future that runs `callable` on a new fiber (created at its first
/// poll) and yields what it returns; see FiberFuture.
template <class F>
FiberFuture<std::decay_t<F>> run_on_fiber(F &&callable, Options options = {}) {
  return FiberFuture<std::decay_t<F>>(std::forward<F>(callable), options);
}

namespace detail {
/// What a Scheduler shares with its fibers: how many are live, and the
/// first exception that escaped one.
class SchedulerState {
public:
  void added() noexcept { ++live_; }
  /// A fiber ended, with `error` if an exception escaped it.
  void finished(const FiberName &name, std::uint64_t id,
                std::exception_ptr error) noexcept;
  /// Pending until no fiber is live.
  Poll<void> poll_all_finished(Context &cx);
  std::exception_ptr take_error() noexcept { return std::move(error_); }

private:
  std::size_t live_ = 0;
  std::exception_ptr error_;
  std::optional<Waker> run_waker_;
};

} // namespace detail

/// The book's runtime: fibers spawned on it run round-robin on the thread
/// that calls run(), each until it yields, awaits or finishes. It drives a
/// current-thread Runtime, so its fibers may await timers and I/O, and
/// corofy::spawn() tasks from them; run() waits for the fibers, not for
/// such tasks. Not thread-safe: spawn from the owning thread or from its
/// fibers.
class Scheduler {
public:
  Scheduler();
  Scheduler(const Scheduler &) = delete;
  Scheduler &operator=(const Scheduler &) = delete;
  /// Fibers that never ran are destroyed without running.
  ~Scheduler();

  /// Adds a fiber that runs `callable` (once run() runs). Its result is
  /// discarded; an exception escaping it is rethrown by run().
  template <class F> void spawn(F &&callable, Options options = {}) {
    runtime_.spawn(Tracked<FiberFuture<std::decay_t<F>>>(
        run_on_fiber(std::forward<F>(callable), options), state_));
  }

  /// Runs the fibers until all of them, and those they spawned, have
  /// finished; then rethrows the first exception that escaped a fiber.
  /// Throws std::logic_error inside another scheduler or runtime.
  void run();

private:
  /// Reports a fiber's end to the scheduler.
  template <class Fut> class Tracked {
  public:
    using Output = void;
    Tracked(Fut &&inner, std::shared_ptr<detail::SchedulerState> state)
        : inner_(std::move(inner)), state_(std::move(state)) {
      state_->added();
    }
    Tracked(Tracked &&) = default; // leaves other.state_ empty
    ~Tracked() {
      if (state_)
        finished(nullptr); // dropped unrun with its Scheduler
    }
    Poll<void> poll(Context &cx) {
      try {
        if (inner_.poll(cx).is_pending())
          return Poll<void>::pending();
        finished(nullptr);
      } catch (...) {
        finished(std::current_exception());
      }
      return Poll<void>::ready();
    }

  private:
    void finished(std::exception_ptr error) noexcept;

    Fut inner_;
    std::shared_ptr<detail::SchedulerState> state_;
  };

  Runtime runtime_;
  std::shared_ptr<detail::SchedulerState> state_;
};

namespace detail {
/// The scheduler inside whose run() this thread is; throws std::logic_error
/// outside one.
Scheduler &current_scheduler(const char *what);
} // namespace detail

template <class Fut>
void Scheduler::Tracked<Fut>::finished(std::exception_ptr error) noexcept {
  std::exchange(state_, nullptr)
      ->finished(inner_.name(), inner_.id(), std::move(error));
}

/// Spawns a fiber on the scheduler whose run() is running on this thread
/// (from one of its fibers); throws std::logic_error outside run(). On a
/// Runtime, spawn a fiber as a task instead:
/// `corofy::spawn(fiber::run_on_fiber(callable))`.
template <class F> void spawn(F &&callable, Options options = {}) {
  detail::current_scheduler("fiber::spawn()")
      .spawn(std::forward<F>(callable), options);
}

/// run_on_fiber() for a callable that takes arguments: they are kept in the
/// future (values moved in, references as references) and passed to the
/// callable as rvalues on the fiber. This is how corofy's fiber backend
/// hands a coroutine's parameters to its body, which then takes them as
/// its own parameters (so `return param;` moves, as in a function).
template <class F, class... Args>
auto run_on_fiber(Options options, F &&callable, Args &&...args) {
  return run_on_fiber(
      [callable = std::forward<F>(callable),
       stored = std::tuple<Args...>(std::forward<Args>(args)...)]() mutable
      -> decltype(auto) {
        return std::apply(std::move(callable), std::move(stored));
      },
      options);
}

} // namespace corofy::fiber

#endif // COROFY_FIBER_HPP
