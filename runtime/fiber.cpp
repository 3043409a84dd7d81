//===- fiber.cpp - Fibers: switching, parking, overflow reports -----------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// A fiber is asymmetric: resume() switches from whoever polls its future to
// the fiber, and the fiber switches back when it parks or finishes. The
// Fiber record and the type-erased body sit at the top of the fiber's own
// stack, so creating a fiber allocates nothing beyond a (pooled) stack.
//
// Thread migration: resume() runs entirely on the polling thread, but the
// code after a park may run on another thread. Everything below that
// touches thread_local state does it in a non-inlined function, so that no
// address of a thread_local computed before a switch is used after it.
//
// Sanitizers: every switch is announced to ASan
// (__sanitizer_start_switch_fiber / __sanitizer_finish_switch_fiber, with the
// stack bounds of both sides) and to TSan (one TSan fiber per fiber, switched
// to with synchronisation, so a fiber resumed on another thread is ordered
// after what it did on the first).
//
//===----------------------------------------------------------------------===//

#include "corofy/fiber.hpp"

#include "fiber_context.h"
#include "fiber_stack.h"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>

#include <cxxabi.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COROFY_FIBER_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define COROFY_FIBER_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define COROFY_FIBER_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#define COROFY_FIBER_TSAN 1
#endif
#ifdef COROFY_FIBER_ASAN
#include <sanitizer/common_interface_defs.h>
// For the frames a fiber never returns from (see fiberMain): an
// instrumented frame poisons its redzones and unpoisons them on return, so
// a frame that never returns would leave poison behind for the next fiber
// on the same stack, and ASan cannot always be told to clear it (its option
// allow_user_poisoning=0 ignores __asan_unpoison_memory_region).
#define COROFY_FIBER_NO_REDZONES __attribute__((no_sanitize("address")))
#else
#define COROFY_FIBER_NO_REDZONES
#endif
#ifdef COROFY_FIBER_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace corofy::fiber::detail {

class Fiber {
public:
  enum class State : std::uint8_t { Created, Running, Parked, Finished };

  Fiber(const Stack &stack, const FiberName &name, std::uint64_t id) noexcept
      : stack(stack), id(id), name(name) {}

  FiberContext context{}; ///< the fiber's registers while it is not running
  FiberContext resumer{}; ///< its resumer's registers while it runs
  Stack stack;
  Body *body = nullptr;
  char *body_address = nullptr; ///< the initial stack pointer is below it
  Context *cx = nullptr;        ///< what await() polls with; null when
                                ///< resumed to be cancelled
  Fiber *outer = nullptr;       ///< the fiber that resumed this one, if any
  std::exception_ptr error;
  State state = State::Created;
  bool cancelling = false;
  std::uint64_t id;
  FiberName name;
#ifdef COROFY_FIBER_ASAN
  void *fake_stack = nullptr;
  const void *resumer_stack_bottom = nullptr;
  std::size_t resumer_stack_size = 0;
#endif
#ifdef COROFY_FIBER_TSAN
  void *tsan_fiber = nullptr;
  void *tsan_resumer = nullptr;
#endif
};

namespace {

//===----------------------------------------------------------------------===//
// Thread-local state, only through these functions (see the top of file)
//===----------------------------------------------------------------------===//

thread_local Fiber *CurrentFiber = nullptr;
thread_local Scheduler *CurrentScheduler = nullptr;
thread_local bool ThreadHasAltStack = false;

[[gnu::noinline]] Fiber *currentFiber() noexcept { return CurrentFiber; }
[[gnu::noinline]] void setCurrentFiber(Fiber *fiber) noexcept {
  CurrentFiber = fiber;
}
[[gnu::noinline]] Scheduler *currentScheduler() noexcept {
  return CurrentScheduler;
}
[[gnu::noinline]] void setCurrentScheduler(Scheduler *scheduler) noexcept {
  CurrentScheduler = scheduler;
}

//===----------------------------------------------------------------------===//
// Stack overflow reports
//===----------------------------------------------------------------------===//

struct sigaction PreviousSegvAction;
std::once_flag SegvHandlerInstalled;

/// Appends text to a fixed buffer; async-signal-safe, unlike snprintf.
class SignalSafeText {
public:
  SignalSafeText &operator<<(const char *text) {
    while (*text && length_ < sizeof(buffer_))
      buffer_[length_++] = *text++;
    return *this;
  }
  SignalSafeText &operator<<(std::uintptr_t number) {
    char digits[24];
    int count = 0;
    do {
      digits[count++] = static_cast<char>('0' + number % 10);
      number /= 10;
    } while (number);
    while (count && length_ < sizeof(buffer_))
      buffer_[length_++] = digits[--count];
    return *this;
  }
  SignalSafeText &hex(std::uintptr_t number) {
    *this << "0x";
    for (int shift = 60; shift >= 0; shift -= 4)
      if (length_ < sizeof(buffer_))
        buffer_[length_++] = "0123456789abcdef"[(number >> shift) & 15];
    return *this;
  }
  void write(int fd) const {
    std::size_t done = 0;
    while (done < length_) {
      ssize_t written = ::write(fd, buffer_ + done, length_ - done);
      if (written <= 0)
        return;
      done += static_cast<std::size_t>(written);
    }
  }

private:
  char buffer_[512];
  std::size_t length_ = 0;
};

void onSegv(int signo, siginfo_t *info, void *ucontext) {
  Fiber *fiber = CurrentFiber; // the handler runs on the faulting thread
  if (fiber && fiber->stack.in_guard(info->si_addr)) {
    SignalSafeText message;
    message << "corofy: stack overflow in fiber ";
    if (fiber->name.empty())
      message << "#" << static_cast<std::uintptr_t>(fiber->id);
    else
      message << "'" << fiber->name.c_str() << "'";
    message << ": it used all of its "
            << static_cast<std::uintptr_t>(fiber->stack.usable_size())
            << "-byte stack and hit the guard page at ";
    message.hex(reinterpret_cast<std::uintptr_t>(info->si_addr))
        << "; give it a larger fiber::Options::stack_size\n";
    message.write(STDERR_FILENO);
    // Returning re-runs the faulting access, which now kills the process
    // with SIGSEGV as it would have without fibers.
    struct sigaction fallback{};
    fallback.sa_handler = SIG_DFL;
    sigemptyset(&fallback.sa_mask);
    ::sigaction(SIGSEGV, &fallback, nullptr);
    return;
  }
  // Not a fiber's guard page: behave as the handler we replaced would have.
  const struct sigaction &previous = PreviousSegvAction;
  if (previous.sa_flags & SA_SIGINFO) {
    if (previous.sa_sigaction) {
      previous.sa_sigaction(signo, info, ucontext);
      return;
    }
  } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
    previous.sa_handler(signo);
    return;
  }
  ::sigaction(SIGSEGV, &previous, nullptr); // the fault repeats with it
}

void installOverflowHandler() {
  std::call_once(SegvHandlerInstalled, [] {
    struct sigaction action{};
    action.sa_sigaction = &onSegv;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGSEGV, &action, &PreviousSegvAction);
  });
}

/// The overflow handler cannot run on the overflowed stack: every thread
/// that resumes fibers gets an alternate signal stack, unless it has one.
class AltSignalStack {
public:
  AltSignalStack() {
    stack_t current{};
    if (::sigaltstack(nullptr, &current) == 0 &&
        !(current.ss_flags & SS_DISABLE))
      return; // the thread has one already (ASan gives every thread one)
    size_ = 64 * 1024;
    long minimum = ::sysconf(_SC_SIGSTKSZ);
    if (minimum > 0 && static_cast<std::size_t>(minimum) * 4 > size_)
      size_ = static_cast<std::size_t>(minimum) * 4;
    void *memory = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (memory == MAP_FAILED)
      return; // overflows then die without the message
    stack_t stack{};
    stack.ss_sp = memory;
    stack.ss_size = size_;
    if (::sigaltstack(&stack, nullptr) != 0) {
      ::munmap(memory, size_);
      return;
    }
    memory_ = memory;
  }
  AltSignalStack(const AltSignalStack &) = delete;
  AltSignalStack &operator=(const AltSignalStack &) = delete;
  ~AltSignalStack() {
    if (!memory_)
      return;
    stack_t disable{};
    disable.ss_flags = SS_DISABLE;
    ::sigaltstack(&disable, nullptr);
    ::munmap(memory_, size_);
  }

private:
  void *memory_ = nullptr;
  std::size_t size_ = 0;
};

[[gnu::noinline]] void prepareThread() {
  if (ThreadHasAltStack)
    return;
  ThreadHasAltStack = true;
  thread_local AltSignalStack Stack;
}

//===----------------------------------------------------------------------===//
// Switching
//===----------------------------------------------------------------------===//

std::atomic<std::uint64_t> NextIdBlock{1};
thread_local std::uint64_t NextId = 0, IdBlockEnd = 0;

/// A process-wide unique fiber number. Threads take them in blocks: one
/// shared atomic increment per fiber costs a fifth of a fiber's creation.
[[gnu::noinline]] std::uint64_t newFiberId() noexcept {
  constexpr std::uint64_t BlockSize = 1024;
  if (NextId == IdBlockEnd) {
    NextId = NextIdBlock.fetch_add(BlockSize, std::memory_order_relaxed);
    IdBlockEnd = NextId + BlockSize;
  }
  return NextId++;
}

/// Switches from the running fiber back to its resumer; `last` when the
/// fiber is done and will never run again.
COROFY_FIBER_NO_REDZONES void switchToResumer(Fiber &fiber,
                                              bool last) noexcept {
#ifdef COROFY_FIBER_ASAN
  __sanitizer_start_switch_fiber(last ? nullptr : &fiber.fake_stack,
                                 fiber.resumer_stack_bottom,
                                 fiber.resumer_stack_size);
#else
  (void)last;
#endif
#ifdef COROFY_FIBER_TSAN
  __tsan_switch_to_fiber(fiber.tsan_resumer, 0);
#endif
  corofy_fiber_switch(&fiber.context, &fiber.resumer);
#ifdef COROFY_FIBER_ASAN
  __sanitizer_finish_switch_fiber(fiber.fake_stack, &fiber.resumer_stack_bottom,
                                  &fiber.resumer_stack_size);
#endif
}

/// How messages name a fiber: 'name', or #id for an unnamed one.
std::string describe(const FiberName &name, std::uint64_t id) {
  if (!name.empty())
    return std::string("'") + name.c_str() + "'";
  return "#" + std::to_string(id);
}

/// Prints an exception that has nowhere else to go.
void report(const std::string &who, const char *what,
            std::exception_ptr error) {
  std::string message;
  try {
    std::rethrow_exception(error);
  } catch (const Cancelled &) {
    return; // the expected end of a cancelled fiber
  } catch (const std::exception &exception) {
    message = exception.what();
  } catch (...) {
    message = "an exception not derived from std::exception";
  }
  std::fprintf(stderr, "corofy: fiber %s %s: %s\n", who.c_str(), what,
               message.c_str());
  std::fflush(stderr);
}

[[noreturn]] COROFY_FIBER_NO_REDZONES void fiberMain(void *argument) noexcept {
  Fiber &fiber = *static_cast<Fiber *>(argument);
#ifdef COROFY_FIBER_ASAN
  __sanitizer_finish_switch_fiber(nullptr, &fiber.resumer_stack_bottom,
                                  &fiber.resumer_stack_size);
#endif
  try {
    fiber.body->run();
  } catch (abi::__forced_unwind &) {
    corofy::detail::fail("corofy: a thread was cancelled or exited while "
                         "running a fiber; fibers cannot unwind past their "
                         "own stack");
  } catch (...) {
    fiber.error = std::current_exception();
  }
  fiber.state = Fiber::State::Finished;
  switchToResumer(fiber, /*last=*/true);
  corofy::detail::fail("corofy: a finished fiber was resumed");
}

Resumed switchToFiber(Fiber &fiber, Context *cx) {
  prepareThread();
  fiber.cx = cx;
  fiber.state = Fiber::State::Running;
  fiber.outer = currentFiber();
  setCurrentFiber(&fiber);
#ifdef COROFY_FIBER_ASAN
  void *fake_stack = nullptr;
  __sanitizer_start_switch_fiber(&fake_stack, fiber.stack.low,
                                 fiber.stack.usable_size());
#endif
#ifdef COROFY_FIBER_TSAN
  fiber.tsan_resumer = __tsan_get_current_fiber();
  __tsan_switch_to_fiber(fiber.tsan_fiber, 0);
#endif
  corofy_fiber_switch(&fiber.resumer, &fiber.context);
#ifdef COROFY_FIBER_ASAN
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
  setCurrentFiber(fiber.outer);
  return fiber.state == Fiber::State::Finished ? Resumed::Finished
                                               : Resumed::Parked;
}

char *alignDown(char *address, std::size_t alignment) {
  auto value = reinterpret_cast<std::uintptr_t>(address);
  return reinterpret_cast<char *>(value & ~(std::uintptr_t(alignment) - 1));
}

} // namespace

//===----------------------------------------------------------------------===//
// The interface of fiber.hpp
//===----------------------------------------------------------------------===//

Fiber *create_fiber(const Options &options, const FiberName &name,
                    std::size_t body_size, std::size_t body_align,
                    void *&body_storage) {
  installOverflowHandler();
  if (body_size > options.stack_size / 2)
    throw std::length_error("corofy: a fiber's callable takes more than half "
                            "of its stack; give it a larger stack_size");
  Stack stack = acquire_stack(options.stack_size);
  char *record = alignDown(stack.top() - sizeof(Fiber), alignof(Fiber));
  auto *fiber = ::new (record) Fiber(stack, name, newFiberId());
  fiber->body_address =
      alignDown(record - body_size, body_align < 16 ? 16 : body_align);
  body_storage = fiber->body_address;
#ifdef COROFY_FIBER_TSAN
  fiber->tsan_fiber = __tsan_create_fiber(0);
  __tsan_set_fiber_name(fiber->tsan_fiber,
                        ("corofy fiber " + describe(name, fiber->id)).c_str());
#endif
  return fiber;
}

std::uint64_t fiber_id(const Fiber &fiber) noexcept { return fiber.id; }

void start_fiber(Fiber &fiber, Body &body) noexcept {
  fiber.body = &body;
  make_fiber_context(fiber.context, fiber.body_address, &fiberMain, &fiber);
}

Resumed resume(Fiber &fiber, Context &cx) {
  if (fiber.state == Fiber::State::Running)
    corofy::detail::fail("corofy: a fiber's future was polled on that fiber "
                         "itself");
  if (fiber.state == Fiber::State::Finished)
    corofy::detail::fail("corofy: a finished fiber was resumed");
  return switchToFiber(fiber, &cx);
}

std::exception_ptr take_error(Fiber &fiber) noexcept {
  return std::move(fiber.error);
}

void cancel(Fiber &fiber) noexcept {
  if (fiber.state == Fiber::State::Running)
    corofy::detail::fail("corofy: a run_on_fiber future was destroyed on its "
                         "own fiber");
  if (fiber.state != Fiber::State::Parked)
    return;
  fiber.cancelling = true;
  // Every suspension point now throws Cancelled, so the fiber cannot park
  // again: this resume runs it to its end.
  if (switchToFiber(fiber, nullptr) != Resumed::Finished)
    corofy::detail::fail("corofy: a cancelled fiber parked again");
  if (fiber.error)
    report(describe(fiber.name, fiber.id), "threw while being cancelled",
           take_error(fiber));
}

void destroy_fiber(Fiber *fiber) noexcept {
#ifdef COROFY_FIBER_TSAN
  __tsan_destroy_fiber(fiber->tsan_fiber);
#endif
  Stack stack = fiber->stack;
  fiber->~Fiber();
  release_stack(stack);
}

Context &current_context(const char *what) {
  Fiber *fiber = currentFiber();
  if (!fiber)
    throw std::logic_error(std::string("corofy: ") + what +
                           " must be called on a fiber (inside "
                           "run_on_fiber() or a Scheduler's fiber)");
  if (fiber->cancelling)
    throw Cancelled();
  return *fiber->cx;
}

Context &park() {
  Fiber *fiber = currentFiber();
  if (!fiber)
    throw std::logic_error("corofy: park() must be called on a fiber");
  if (fiber->cancelling)
    throw Cancelled();
  fiber->state = Fiber::State::Parked;
  switchToResumer(*fiber, /*last=*/false);
  // Possibly on another thread now; `fiber` is the same record.
  if (fiber->cancelling)
    throw Cancelled();
  return *fiber->cx;
}

void polled_after_completion() noexcept {
  corofy::detail::fail("corofy: a run_on_fiber future was polled after it "
                       "completed");
}

//===----------------------------------------------------------------------===//
// Scheduler
//===----------------------------------------------------------------------===//

void SchedulerState::finished(const FiberName &name, std::uint64_t id,
                              std::exception_ptr error) noexcept {
  if (error) {
    if (!error_) {
      error_ = std::move(error);
    } else {
      report(describe(name, id), "failed too (run() rethrows the first one)",
             std::move(error));
    }
  }
  if (--live_ == 0 && run_waker_)
    std::exchange(run_waker_, std::nullopt)->wake();
}

Poll<void> SchedulerState::poll_all_finished(Context &cx) {
  if (live_ == 0) {
    run_waker_.reset();
    return Poll<void>::ready();
  }
  if (!run_waker_ || !run_waker_->will_wake(cx.waker()))
    run_waker_.emplace(cx.waker());
  return Poll<void>::pending();
}

Scheduler &current_scheduler(const char *what) {
  if (Scheduler *scheduler = currentScheduler())
    return *scheduler;
  throw std::logic_error(std::string("corofy: ") + what +
                         " needs a running fiber::Scheduler (call it from "
                         "one of its fibers); on a Runtime use "
                         "corofy::spawn(fiber::run_on_fiber(callable))");
}

} // namespace corofy::fiber::detail

namespace corofy::fiber {

bool on_fiber() noexcept { return detail::currentFiber() != nullptr; }

Scheduler::Scheduler() : state_(std::make_shared<detail::SchedulerState>()) {}

Scheduler::~Scheduler() = default;

namespace {
struct AllFinished {
  using Output = void;
  detail::SchedulerState *state;
  Poll<void> poll(Context &cx) { return state->poll_all_finished(cx); }
};
} // namespace

void Scheduler::run() {
  struct MakeCurrent {
    Scheduler *previous;
    explicit MakeCurrent(Scheduler *scheduler)
        : previous(detail::currentScheduler()) {
      detail::setCurrentScheduler(scheduler);
    }
    ~MakeCurrent() { detail::setCurrentScheduler(previous); }
  } current(this);
  runtime_.block_on(AllFinished{state_.get()});
  if (std::exception_ptr error = state_->take_error())
    std::rethrow_exception(error);
}

} // namespace corofy::fiber
