//===- bench/cpp20_peer.hpp - C++20-coroutine side of the bench -*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// The same work as the corofy side of coroutine_bench, written with C++20
// coroutines: a lazily started Task<T> with symmetric transfer (in the style
// of cppcoro's and folly's task), a leaf awaitable that suspends exactly once,
// and a driver that resumes whichever coroutine the leaf suspended until the
// top-level task is done.
//
// The coroutines themselves are defined in cpp20_peer.cpp, so the harness
// sees only the plain functions at the bottom of this file and cannot inline
// any of the measured work.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_BENCH_CPP20_PEER_HPP
#define COROFY_BENCH_CPP20_PEER_HPP

#include <coroutine>
#include <cstddef>
#include <cstdlib>
#include <exception>
#include <new>
#include <type_traits>
#include <utility>

namespace cpp20peer {

namespace detail {
/// Collects the sizes that promise_type::operator new is asked for while it
/// is installed (see cpp20FrameBytesDepth1()). Frames whose allocation clang
/// elides (HALO) never reach operator new and are not recorded.
struct FrameRecorder {
  std::size_t Bytes = 0;
  std::size_t Frames = 0;
};
inline FrameRecorder *ActiveRecorder = nullptr;

#ifdef CPP20_PEER_TRACK_PROMISES
/// Promises constructed minus promises destroyed: 0 whenever no task is alive
/// (counts elided frames too, unlike operator new/delete). Only compiled in
/// for checking builds, so the measured code does not pay for it.
inline long LivePromises = 0;
#endif
} // namespace detail

/// A lazily started coroutine with a result of type T. Awaiting a Task starts
/// it and hands control to it by symmetric transfer; when it finishes, its
/// final_suspend transfers control straight back to the awaiting coroutine.
/// The Task owns its frame and destroys it exactly once.
template <class T> class [[nodiscard]] Task {
  static_assert(std::is_object_v<T>, "this small task has no Task<void>");

public:
  class promise_type {
  public:
    promise_type() noexcept {
#ifdef CPP20_PEER_TRACK_PROMISES
      ++detail::LivePromises;
#endif
    }
    promise_type(const promise_type &) = delete;
    promise_type &operator=(const promise_type &) = delete;
    ~promise_type() {
      switch (Kind) {
      case ResultKind::Empty:
        break;
      case ResultKind::Value:
        Value.~T();
        break;
      case ResultKind::Exception:
        Exception.~exception_ptr();
        break;
      }
#ifdef CPP20_PEER_TRACK_PROMISES
      --detail::LivePromises;
#endif
    }

    /// Records the frame size clang asks for, then allocates normally.
    static void *operator new(std::size_t Size) {
      if (detail::FrameRecorder *R = detail::ActiveRecorder) {
        R->Bytes += Size;
        ++R->Frames;
      }
      return ::operator new(Size);
    }
    static void operator delete(void *Frame, std::size_t Size) noexcept {
      ::operator delete(Frame, Size);
    }

    Task get_return_object() noexcept {
      return Task(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }

    struct FinalAwaiter {
      bool await_ready() const noexcept { return false; }
      std::coroutine_handle<>
      await_suspend(std::coroutine_handle<promise_type> Done) noexcept {
        // Resume whoever awaited this task; the top-level task has no
        // continuation and returns to the driver.
        if (std::coroutine_handle<> Next = Done.promise().Continuation)
          return Next;
        return std::noop_coroutine();
      }
      void await_resume() const noexcept {}
    };
    FinalAwaiter final_suspend() noexcept { return {}; }

    template <class U>
      requires std::is_convertible_v<U &&, T>
    void return_value(U &&Result) noexcept(
        std::is_nothrow_constructible_v<T, U &&>) {
      ::new (static_cast<void *>(&Value)) T(std::forward<U>(Result));
      Kind = ResultKind::Value;
    }
    void unhandled_exception() noexcept {
      ::new (static_cast<void *>(&Exception))
          std::exception_ptr(std::current_exception());
      Kind = ResultKind::Exception;
    }

    /// The result of a finished task: its value, or its exception rethrown.
    T result() {
      if (Kind == ResultKind::Exception)
        std::rethrow_exception(Exception);
      if (Kind != ResultKind::Value)
        std::abort(); // Not finished: a bug in the caller.
      return std::move(Value);
    }

  private:
    friend class Task;
    enum class ResultKind : unsigned char { Empty, Value, Exception };

    std::coroutine_handle<> Continuation;
    ResultKind Kind = ResultKind::Empty;
    union {
      T Value;
      std::exception_ptr Exception;
    };
  };

  using Handle = std::coroutine_handle<promise_type>;

  Task(Task &&Other) noexcept : Coro(std::exchange(Other.Coro, nullptr)) {}
  Task &operator=(Task &&Other) noexcept {
    if (this != &Other) {
      if (Coro)
        Coro.destroy();
      Coro = std::exchange(Other.Coro, nullptr);
    }
    return *this;
  }
  ~Task() {
    if (Coro)
      Coro.destroy();
  }

  /// co_await on a Task starts it (it is lazy) by symmetric transfer.
  struct Awaiter {
    Handle Coro;
    bool await_ready() const noexcept { return false; }
    std::coroutine_handle<>
    await_suspend(std::coroutine_handle<> Awaiting) noexcept {
      Coro.promise().Continuation = Awaiting;
      return Coro;
    }
    T await_resume() { return Coro.promise().result(); }
  };
  Awaiter operator co_await() && noexcept { return Awaiter{Coro}; }

  /// For the driver: the handle that starts the task, whether it finished,
  /// and its result once it has.
  std::coroutine_handle<> handle() const noexcept { return Coro; }
  bool done() const noexcept { return Coro.done(); }
  T result() { return Coro.promise().result(); }

private:
  explicit Task(Handle Coro) noexcept : Coro(Coro) {}
  Handle Coro;
};

/// Runs one top-level task on the calling thread. The leaf awaitable records
/// the coroutine it suspended in Next, and the driver resumes it; Counter is
/// the source of the leaf's values.
class Driver {
public:
  std::coroutine_handle<> Next;
  int Counter = 0;

  template <class T> T run(Task<T> Top) {
    Next = Top.handle();
    while (!Top.done()) {
      std::coroutine_handle<> Resume = std::exchange(Next, nullptr);
      if (!Resume)
        std::abort(); // Suspended without recording a handle to resume.
      // A real scheduler takes the handle from a queue; keep the compiler
      // from seeing which frame it is, as it cannot see which future the
      // corofy driver polls.
      void *Address = Resume.address();
      asm volatile("" : "+r"(Address));
      std::coroutine_handle<>::from_address(Address).resume();
    }
    return Top.result();
  }
};

/// The leaf: the first co_await suspends and records the awaiting coroutine
/// in the driver, the resumption completes with the driver's next counter
/// value.
class Leaf {
public:
  explicit Leaf(Driver &D) noexcept : D(D) {}
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> Awaiting) noexcept {
    D.Next = Awaiting;
  }
  int await_resume() const noexcept { return ++D.Counter; }

private:
  Driver &D;
};

/// Tells the optimizer that the memory at P may be read and written by code
/// it cannot see (the same as corofy_bench::escape): without it, clang keeps
/// only the two bytes phases reads back in the frame, not the 1 KiB buffer.
inline void escape(const void *P) { asm volatile("" : : "r"(P) : "memory"); }

/// Waits on 8 leaves in straight-line code and returns the sum of their
/// values.
Task<long> depth1(Driver &D);
/// level4 -> level3 -> level2 -> depth1: each waits on the next and returns
/// its result.
Task<long> level2(Driver &D);
Task<long> level3(Driver &D);
Task<long> level4(Driver &D);
/// Two phases one after the other, each holding a 1 KiB buffer (filled with
/// Counter + 1 and escaped before its wait, read back after it) across one
/// leaf wait.
Task<long> phases(Driver &D);
/// nest10 -> nest9 -> ... -> nest2 -> depth1: each holds a long of its own
/// (read from the counter) across its wait on the next and adds it to the
/// result.
Task<long> nest2(Driver &D);
Task<long> nest3(Driver &D);
Task<long> nest4(Driver &D);
Task<long> nest5(Driver &D);
Task<long> nest6(Driver &D);
Task<long> nest7(Driver &D);
Task<long> nest8(Driver &D);
Task<long> nest9(Driver &D);
Task<long> nest10(Driver &D);

} // namespace cpp20peer

/// One complete top-level call: create the coroutine and drive it to
/// completion. depth1 and depth4 return the sum of the 8 leaf values (36),
/// phases 9 (2 leaf waits), nest10 90 (8 leaf waits).
long cpp20RunDepth1();
long cpp20RunDepth4();
long cpp20RunPhases();
long cpp20RunNest10();

/// Frame bytes asked of promise_type::operator new by one top-level call:
/// depth1's frame, the sum over level4, level3, level2 and depth1, phases'
/// frame, and the sum over nest10 ... nest2 and depth1. Frames whose
/// allocation clang elided are not counted (see cpp20FramesAllocated*).
std::size_t cpp20FrameBytesDepth1();
std::size_t cpp20FrameBytesDepth4();
std::size_t cpp20FrameBytesPhases();
std::size_t cpp20FrameBytesNest10();
/// How many frames were heap-allocated by one top-level call (1, 4, 1 and 10
/// when clang elides nothing).
std::size_t cpp20FramesAllocatedDepth1();
std::size_t cpp20FramesAllocatedDepth4();
std::size_t cpp20FramesAllocatedPhases();
std::size_t cpp20FramesAllocatedNest10();

/// Checks what the benchmark does not exercise: an exception thrown deep in
/// the chain propagates to the driver, and (in builds with
/// CPP20_PEER_TRACK_PROMISES) every frame is destroyed exactly once. Returns
/// nullptr on success, otherwise what failed.
const char *cpp20SelfCheck();

#endif // COROFY_BENCH_CPP20_PEER_HPP
