//===- fiber_test.cpp - Tests of fibers, their scheduler and futures ------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#include "corofy/executor.hpp"
#include "corofy/fiber.hpp"
#include "corofy/join.hpp"
#include "corofy/task.hpp"
#include "corofy/timer.hpp"

#include "fiber_context.h"
#include "test_util.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cfenv>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <execinfo.h>
#include <unistd.h>
#include <xmmintrin.h>

namespace {

namespace fiber = corofy::fiber;
using corofy::block_on;
using corofy::Context;
using corofy::JoinHandle;
using corofy::Poll;
using corofy::Runtime;
using corofy::sleep_for;
using corofy::TaskAborted;
using corofy::testing::Forever;
using corofy::testing::liveCounter;
using corofy::testing::noopContext;
using corofy::testing::Trigger;
using corofy::testing::Watchdog;
using namespace std::chrono_literals;

/// The OS thread's id. Not std::this_thread::get_id(): pthread_self() is
/// declared const, so the compiler may reuse its value from before an
/// await() that moved the fiber to another thread.
pid_t threadId() { return ::gettid(); }

/// Counts its live instances, to see destructors run on a fiber.
struct Tracker {
  std::shared_ptr<std::atomic<int>> Live;
  explicit Tracker(std::shared_ptr<std::atomic<int>> Live) : Live(Live) {
    ++*Live;
  }
  Tracker(const Tracker &Other) : Live(Other.Live) { ++*Live; }
  ~Tracker() { --*Live; }
};

//===----------------------------------------------------------------------===//
// The book's example and the Scheduler
//===----------------------------------------------------------------------===//

TEST(FiberSchedulerTest, TheBooksExamplePrintsTheBooksInterleaving) {
  Watchdog W("the book's example");
  std::string Out;
  auto Print = [&Out](const std::string &Line) { Out += Line + "\n"; };
  // The book's two threads, which differ only in their id and count.
  auto Thread = [&Print](int Id, int Count) {
    return [&Print, Id, Count] {
      Print("THREAD " + std::to_string(Id) + " STARTING");
      for (int I = 0; I < Count; ++I) {
        Print("thread: " + std::to_string(Id) +
              " counter: " + std::to_string(I));
        fiber::yield_now();
      }
      Print("THREAD " + std::to_string(Id) + " FINISHED");
    };
  };
  fiber::Scheduler Runtime;
  Runtime.spawn(Thread(1, 10));
  Runtime.spawn(Thread(2, 15));
  Runtime.run();

  // Chapter 5's output, line for line.
  const std::string Expected = R"(THREAD 1 STARTING
thread: 1 counter: 0
THREAD 2 STARTING
thread: 2 counter: 0
thread: 1 counter: 1
thread: 2 counter: 1
thread: 1 counter: 2
thread: 2 counter: 2
thread: 1 counter: 3
thread: 2 counter: 3
thread: 1 counter: 4
thread: 2 counter: 4
thread: 1 counter: 5
thread: 2 counter: 5
thread: 1 counter: 6
thread: 2 counter: 6
thread: 1 counter: 7
thread: 2 counter: 7
thread: 1 counter: 8
thread: 2 counter: 8
thread: 1 counter: 9
thread: 2 counter: 9
THREAD 1 FINISHED
thread: 2 counter: 10
thread: 2 counter: 11
thread: 2 counter: 12
thread: 2 counter: 13
thread: 2 counter: 14
THREAD 2 FINISHED
)";
  EXPECT_EQ(Out, Expected);
}

TEST(FiberSchedulerTest, RunReturnsAtOnceWithoutFibers) {
  fiber::Scheduler S;
  S.run();
  S.run();
}

TEST(FiberSchedulerTest, FibersSpawnFibersAndRunWaitsForAll) {
  Watchdog W("fibers spawning fibers");
  std::vector<int> Order;
  fiber::Scheduler S;
  S.spawn([&] {
    Order.push_back(1);
    fiber::spawn([&] {
      Order.push_back(3);
      fiber::spawn([&] { Order.push_back(5); });
      fiber::yield_now();
      Order.push_back(6);
    });
    fiber::yield_now();
    Order.push_back(4);
  });
  S.spawn([&] { Order.push_back(2); });
  S.run();
  EXPECT_EQ(Order, (std::vector<int>{1, 2, 3, 4, 5, 6}));
  // The scheduler can be used again.
  S.spawn([&] { Order.push_back(7); });
  S.run();
  EXPECT_EQ(Order.back(), 7);
}

TEST(FiberSchedulerTest, FibersAwaitTimersInsideTheScheduler) {
  Watchdog W("scheduler timers");
  std::vector<int> Order;
  fiber::Scheduler S;
  S.spawn([&] {
    fiber::await(sleep_for(30ms));
    Order.push_back(2);
  });
  S.spawn([&] {
    fiber::await(sleep_for(5ms));
    Order.push_back(1);
  });
  auto Start = std::chrono::steady_clock::now();
  S.run();
  EXPECT_GE(std::chrono::steady_clock::now() - Start, 30ms);
  EXPECT_EQ(Order, (std::vector<int>{1, 2}));
}

TEST(FiberSchedulerTest, RunRethrowsTheFirstFailureAfterTheOthersFinish) {
  Watchdog W("scheduler failures");
  bool OtherFinished = false;
  fiber::Scheduler S;
  S.spawn([] { throw std::runtime_error("first failure"); });
  S.spawn([] {
    fiber::yield_now();
    throw std::runtime_error("unnamed failure");
  });
  S.spawn(
      [] {
        fiber::yield_now();
        throw std::runtime_error("second failure");
      },
      fiber::Options{.name = "second"});
  S.spawn([&] {
    for (int I = 0; I < 5; ++I)
      fiber::yield_now();
    OtherFinished = true;
  });
  ::testing::internal::CaptureStderr();
  try {
    S.run();
    ADD_FAILURE() << "run() did not rethrow";
  } catch (const std::runtime_error &E) {
    EXPECT_STREQ(E.what(), "first failure");
  }
  std::string Err = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(OtherFinished);
  EXPECT_NE(Err.find("fiber 'second' failed too"), std::string::npos) << Err;
  EXPECT_NE(Err.find("second failure"), std::string::npos) << Err;
  EXPECT_TRUE(std::regex_search(
      Err, std::regex("fiber #[0-9]+ failed too .*: unnamed failure")))
      << Err;
}

TEST(FiberSchedulerTest, UnrunFibersAreDroppedWithTheScheduler) {
  auto Live = liveCounter();
  {
    fiber::Scheduler S;
    S.spawn([T = Tracker(Live)] { ADD_FAILURE() << "ran"; });
    EXPECT_EQ(*Live, 1);
  }
  EXPECT_EQ(*Live, 0);
}

TEST(FiberSchedulerTest, OutsideAFiberTheFiberCallsThrow) {
  EXPECT_FALSE(fiber::on_fiber());
  EXPECT_THROW(fiber::yield_now(), std::logic_error);
  EXPECT_THROW(fiber::await(corofy::Ready<int>(1)), std::logic_error);
  EXPECT_THROW(fiber::spawn([] {}), std::logic_error);
  // A run_on_fiber fiber is a fiber, but not a Scheduler's.
  EXPECT_TRUE(block_on(fiber::run_on_fiber([] { return fiber::on_fiber(); })));
  EXPECT_THROW(block_on(fiber::run_on_fiber([] { fiber::spawn([] {}); })),
               std::logic_error);
}

TEST(FiberSchedulerTest, RunInsideARuntimeThrows) {
  fiber::Scheduler Inner;
  Inner.spawn([] {});
  EXPECT_THROW(block_on(fiber::run_on_fiber([&] { Inner.run(); })),
               std::logic_error);
}

//===----------------------------------------------------------------------===//
// Closures, results and exceptions
//===----------------------------------------------------------------------===//

TEST(FiberTest, ClosuresKeepTheirCapturesAndReturnTheirResult) {
  auto Owned = std::make_unique<std::string>("owned");
  std::string Copied = "copied";
  int Referenced = 0;
  auto F = fiber::run_on_fiber(
      [Owned = std::move(Owned), Copied, &Referenced]() mutable {
        Referenced = 42;
        fiber::yield_now();
        *Owned += "+" + Copied;
        return std::move(*Owned);
      });
  EXPECT_EQ(block_on(std::move(F)), "owned+copied");
  EXPECT_EQ(Referenced, 42);
}

TEST(FiberTest, TheCallableIsDestroyedOnTheFiberWhenItReturns) {
  auto Live = liveCounter();
  int LiveAtEnd = -1;
  auto F = fiber::run_on_fiber([T = Tracker(Live)] { return 7; });
  EXPECT_EQ(*Live, 1);
  // Poll by hand: the callable is gone once the fiber is done.
  auto Polled = F.poll(noopContext());
  ASSERT_TRUE(Polled.is_ready());
  EXPECT_EQ(Polled.value(), 7);
  LiveAtEnd = *Live;
  EXPECT_EQ(LiveAtEnd, 0);
}

TEST(FiberTest, IsLazyUntilTheFirstPoll) {
  bool Ran = false;
  {
    auto F = fiber::run_on_fiber([&] { Ran = true; });
    auto Moved = std::move(F);
  }
  EXPECT_FALSE(Ran);
}

TEST(FiberTest, AnExceptionEscapingTheFiberIsRethrownByPoll) {
  auto F = fiber::run_on_fiber([]() -> int {
    fiber::yield_now();
    throw std::runtime_error("boom on a fiber");
  });
  try {
    block_on(std::move(F));
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error &E) {
    EXPECT_STREQ(E.what(), "boom on a fiber");
  }
}

TEST(FiberTest, ExceptionsThrownAndCaughtInsideFibersAcrossSwitches) {
  // Unwinding inside a fiber, with switches in between: what ASan checks
  // against the stack bounds it was told about.
  auto Work = [](int Seed) {
    int Caught = 0;
    for (int I = 0; I < 50; ++I) {
      char Buffer[256];
      for (char &C : Buffer)
        C = static_cast<char>(Seed + I);
      try {
        fiber::yield_now();
        if (I % 2)
          throw std::runtime_error(std::string(Buffer, 8));
      } catch (const std::runtime_error &E) {
        Caught += E.what()[0] == static_cast<char>(Seed + I);
      }
      fiber::yield_now();
      if (Buffer[255] != static_cast<char>(Seed + I))
        return -1;
    }
    return Caught;
  };
  auto Both =
      block_on(corofy::join(fiber::run_on_fiber([&] { return Work(1); }),
                            fiber::run_on_fiber([&] { return Work(2); })));
  EXPECT_EQ(std::get<0>(Both), 25);
  EXPECT_EQ(std::get<1>(Both), 25);
}

TEST(FiberTest, BacktracesEndAtTheFiberEntry) {
  // The trampoline's CFI marks the outermost frame; without it the unwinder
  // would walk on into the fiber's record above the stack.
  std::uintptr_t Outermost = block_on(fiber::run_on_fiber([] {
    void *Addresses[64];
    int Frames = ::backtrace(Addresses, 64);
    return Frames > 0 && Frames < 64
               ? reinterpret_cast<std::uintptr_t>(Addresses[Frames - 1])
               : 0;
  }));
  auto Trampoline = reinterpret_cast<std::uintptr_t>(&corofy_fiber_trampoline);
  EXPECT_GE(Outermost, Trampoline);
  EXPECT_LT(Outermost, Trampoline + 16) << "the walk went past the trampoline";
}

TEST(FiberDeathTest, PollingAfterCompletionFails) {
  auto F = fiber::run_on_fiber([] { return 1; });
  ASSERT_TRUE(F.poll(noopContext()).is_ready());
  EXPECT_DEATH((void)F.poll(noopContext()), "polled after it completed");
}

//===----------------------------------------------------------------------===//
// Waiting on futures
//===----------------------------------------------------------------------===//

TEST(FiberTest, AwaitsFuturesInsideBlockOn) {
  Watchdog W("a fiber in block_on");
  Trigger T;
  std::thread Firer([&] {
    std::this_thread::sleep_for(10ms);
    T.fire();
  });
  int Result = block_on(fiber::run_on_fiber([&] {
    fiber::await(sleep_for(5ms));
    fiber::await(T.wait());
    int Ready = fiber::await(corofy::Ready<int>(40));
    return Ready + fiber::await(corofy::spawn(corofy::Ready<int>(2)));
  }));
  Firer.join();
  EXPECT_EQ(Result, 42);
}

TEST(FiberTest, FibersAndStateMachinesShareOneExecutor) {
  Watchdog W("fibers beside tasks");
  Runtime Rt;
  std::vector<std::string> Log;
  Rt.block_on(fiber::run_on_fiber([&] {
    JoinHandle<int> Task = corofy::spawn(
        corofy::testing::Countdown(liveCounter(), /*Polls=*/3, /*Value=*/5));
    JoinHandle<int> Fiber = corofy::spawn(fiber::run_on_fiber([&] {
      Log.push_back("fiber task");
      fiber::await(sleep_for(1ms));
      return 6;
    }));
    Log.push_back("spawned");
    int Sum = fiber::await(Task) + fiber::await(Fiber);
    Log.push_back("joined " + std::to_string(Sum));
  }));
  EXPECT_EQ(Log,
            (std::vector<std::string>{"spawned", "fiber task", "joined 11"}));
}

TEST(FiberTest, AFiberAwaitsAnotherFiber) {
  int Result = block_on(fiber::run_on_fiber([] {
    auto Inner = fiber::run_on_fiber([] {
      fiber::yield_now();
      fiber::await(sleep_for(1ms));
      return 20;
    });
    return fiber::await(Inner) + 1;
  }));
  EXPECT_EQ(Result, 21);
}

TEST(FiberTest, AStartedFiberFutureMayMove) {
  Trigger T;
  auto F = fiber::run_on_fiber([&] {
    fiber::await(T.wait());
    return 3;
  });
  ASSERT_TRUE(F.poll(noopContext()).is_pending());
  auto Moved = std::move(F);
  T.fire();
  auto Polled = Moved.poll(noopContext());
  ASSERT_TRUE(Polled.is_ready());
  EXPECT_EQ(Polled.value(), 3);
}

TEST(FiberTest, AParkedFiberResumesOnAnotherThread) {
  Watchdog W("migration");
  Trigger T;
  pid_t Before = 0, After = 0;
  auto F = fiber::run_on_fiber([&] {
    Before = threadId();
    fiber::await(T.wait());
    After = threadId();
    return fiber::on_fiber();
  });
  ASSERT_TRUE(F.poll(noopContext()).is_pending());
  T.fire();
  bool Result = false;
  std::thread Other([&] {
    auto Polled = F.poll(noopContext());
    Result = Polled.is_ready() && Polled.value();
  });
  Other.join();
  EXPECT_TRUE(Result);
  EXPECT_EQ(Before, threadId());
  EXPECT_NE(After, Before);
  EXPECT_FALSE(fiber::on_fiber()); // neither thread thinks it is one
}

TEST(FiberTest, ManyFibersOnAMultiThreadedRuntime) {
  Watchdog W("fibers on worker threads", 60s);
  constexpr int Fibers = 200;
  Runtime Rt(Runtime::Options{.worker_threads = 3});
  std::mutex M;
  std::set<pid_t> Threads;
  std::atomic<int> Migrations{0};
  std::vector<JoinHandle<int>> Handles;
  for (int I = 0; I < Fibers; ++I)
    Handles.push_back(Rt.spawn(fiber::run_on_fiber([&, I] {
      int Sum = 0;
      for (int Step = 0; Step < 5; ++Step) {
        pid_t Here = threadId();
        {
          std::lock_guard<std::mutex> Lock(M);
          Threads.insert(Here);
        }
        if (Step % 2)
          fiber::await(sleep_for(std::chrono::microseconds(100 * (I % 7))));
        else
          fiber::yield_now();
        Migrations += threadId() != Here;
        Sum += Step;
      }
      return Sum + I;
    })));
  long long Total = Rt.block_on(fiber::run_on_fiber([&] {
    long long Sum = 0;
    for (auto &H : Handles)
      Sum += fiber::await(H);
    return Sum;
  }));
  EXPECT_EQ(Total, Fibers * 10LL + Fibers * (Fibers - 1LL) / 2);
  // Which worker resumes a fiber is up to the scheduler; the migration
  // itself is checked deterministically above.
  RecordProperty("threads", static_cast<int>(Threads.size()));
  RecordProperty("migrations", Migrations.load());
}

//===----------------------------------------------------------------------===//
// Cancellation
//===----------------------------------------------------------------------===//

TEST(FiberCancelTest, DestroyingAParkedFiberUnwindsIt) {
  auto Live = liveCounter();
  bool SawCancelled = false;
  bool AfterAwait = false;
  {
    auto F = fiber::run_on_fiber([&] {
      Tracker OnTheFiberStack(Live);
      auto Pending = Forever(liveCounter());
      try {
        fiber::await(Pending);
      } catch (const fiber::Cancelled &) {
        SawCancelled = true;
        throw;
      }
      AfterAwait = true;
      return 0;
    });
    ASSERT_TRUE(F.poll(noopContext()).is_pending());
    EXPECT_EQ(*Live, 1);
  }
  EXPECT_TRUE(SawCancelled);
  EXPECT_FALSE(AfterAwait);
  EXPECT_EQ(*Live, 0);
}

TEST(FiberCancelTest, ACancelledFiberCannotParkAgain) {
  int Attempts = 0;
  {
    auto F = fiber::run_on_fiber([&] {
      for (int I = 0; I < 3; ++I) {
        try {
          fiber::await(Forever(liveCounter()));
        } catch (const fiber::Cancelled &) {
          ++Attempts; // swallowed: the next await throws again
        }
      }
      try {
        fiber::yield_now();
      } catch (const fiber::Cancelled &) {
        ++Attempts;
      }
    });
    ASSERT_TRUE(F.poll(noopContext()).is_pending());
  }
  EXPECT_EQ(Attempts, 4);
}

TEST(FiberCancelTest, AbortingAFiberTaskUnwindsItsFiber) {
  Watchdog W("abort a fiber task");
  auto Live = liveCounter();
  Runtime Rt(Runtime::Options{.worker_threads = 2});
  Trigger Started;
  JoinHandle<int> H = Rt.spawn(fiber::run_on_fiber([&] {
    Tracker T(Live);
    Started.fire();
    fiber::await(Forever(liveCounter()));
    return 1;
  }));
  Rt.block_on(Started.wait());
  H.abort();
  EXPECT_THROW(Rt.block_on(H), TaskAborted);
  EXPECT_EQ(*Live, 0);
}

TEST(FiberCancelTest, RuntimeShutdownUnwindsParkedFibers) {
  Watchdog W("runtime shutdown");
  auto Live = liveCounter();
  {
    Runtime Rt(Runtime::Options{.worker_threads = 1});
    std::atomic<int> Started{0};
    Trigger AllStarted;
    for (int I = 0; I < 10; ++I)
      Rt.spawn(fiber::run_on_fiber([&, T = Tracker(Live)] {
        Tracker OnStack(T.Live);
        if (++Started == 10)
          AllStarted.fire();
        fiber::await(sleep_for(1h));
      }));
    Rt.block_on(AllStarted.wait());
    EXPECT_EQ(*Live, 20);
  }
  EXPECT_EQ(*Live, 0);
}

TEST(FiberCancelTest, AnExceptionOtherThanCancelledWhileUnwindingIsPrinted) {
  ::testing::internal::CaptureStderr();
  {
    auto F = fiber::run_on_fiber(
        [] {
          try {
            fiber::await(Forever(liveCounter()));
          } catch (const fiber::Cancelled &) {
            throw std::runtime_error("cleanup failed");
          }
        },
        fiber::Options{.name = "cleaner"});
    ASSERT_TRUE(F.poll(noopContext()).is_pending());
  }
  std::string Err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(Err.find("fiber 'cleaner' threw while being cancelled: cleanup "
                     "failed"),
            std::string::npos)
      << Err;
}

//===----------------------------------------------------------------------===//
// Per-fiber state and scale
//===----------------------------------------------------------------------===//

std::uint16_t x87ControlWord() {
  std::uint16_t Word;
  __asm__ volatile("fnstcw %0" : "=m"(Word));
  return Word;
}

TEST(FiberTest, RoundingModesArePerFiber) {
  ASSERT_EQ(std::fegetround(), FE_TONEAREST);
  const std::uint32_t MainCsr = _mm_getcsr();
  const std::uint16_t MainCw = x87ControlWord();
  std::vector<std::string> Failures;
  auto Check = [&](const char *Where, int Mode) {
    // fesetround sets both units; check each, since the switch saves
    // each separately.
    int CwMode = x87ControlWord() & 0x0c00;
    int CsrMode = static_cast<int>(_mm_getcsr() & 0x6000) >> 3;
    if (CwMode != Mode || CsrMode != Mode)
      Failures.push_back(
          std::string(Where) + ": x87 " + std::to_string(CwMode) + ", SSE " +
          std::to_string(CsrMode) + ", wanted " + std::to_string(Mode));
  };
  fiber::Scheduler S;
  S.spawn([&] {
    std::fesetround(FE_UPWARD);
    fiber::yield_now();
    Check("upward fiber after a yield", FE_UPWARD);
    fiber::yield_now();
    Check("upward fiber after two yields", FE_UPWARD);
  });
  S.spawn([&] {
    Check("second fiber at its start", FE_TONEAREST);
    std::fesetround(FE_DOWNWARD);
    fiber::yield_now();
    Check("downward fiber after a yield", FE_DOWNWARD);
    fiber::yield_now();
  });
  S.spawn([&] { Check("third fiber", FE_TONEAREST); });
  S.run();
  EXPECT_EQ(Failures, std::vector<std::string>{});
  EXPECT_EQ(_mm_getcsr(), MainCsr);
  EXPECT_EQ(x87ControlWord(), MainCw);
}

TEST(FiberTest, TenThousandFibersInAScheduler) {
  Watchdog W("10k scheduler fibers", 200s);
  constexpr int Fibers = 10000;
  long long Sum = 0;
  int Finished = 0;
  fiber::Scheduler S;
  for (int I = 0; I < Fibers; ++I)
    S.spawn([&, I] {
      for (int Round = 0; Round < 3; ++Round) {
        Sum += I;
        fiber::yield_now();
      }
      ++Finished;
    });
  S.run();
  EXPECT_EQ(Finished, Fibers);
  EXPECT_EQ(Sum, 3LL * Fibers * (Fibers - 1) / 2);
}

TEST(FiberTest, TenThousandParkedFibersOnARuntime) {
  Watchdog W("10k parked fibers", 200s);
  constexpr int Fibers = 10000;
  Runtime Rt(Runtime::Options{.worker_threads = 2});
  Trigger Go;
  std::atomic<int> Parked{0};
  Trigger AllParked;
  std::vector<JoinHandle<int>> Handles;
  Handles.reserve(Fibers);
  for (int I = 0; I < Fibers; ++I)
    Handles.push_back(Rt.spawn(fiber::run_on_fiber(
        [&, I] {
          if (++Parked == Fibers)
            AllParked.fire();
          fiber::await(Go.wait());
          return I % 3;
        },
        fiber::Options{.stack_size = 16 * 1024})));
  Rt.block_on(AllParked.wait());
  EXPECT_GE(fiber::stack_pool_stats().mapped, std::size_t(Fibers));
  Go.fire();
  long long Sum = 0;
  for (auto &H : Handles)
    Sum += Rt.block_on(H);
  long long Expected = 0;
  for (int I = 0; I < Fibers; ++I)
    Expected += I % 3;
  EXPECT_EQ(Sum, Expected);
}

} // namespace
