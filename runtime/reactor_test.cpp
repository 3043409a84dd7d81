//===- reactor_test.cpp - Tests of the reactor and IoRegistration ---------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#include "corofy/executor.hpp"
#include "corofy/reactor.hpp"
#include "corofy/timer.hpp"

#include "test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

namespace {

using corofy::Context;
using corofy::Interest;
using corofy::IoRegistration;
using corofy::Poll;
using corofy::Reactor;
using corofy::Readiness;
using corofy::Runtime;
using corofy::Token;
using corofy::Waker;
using corofy::WakerVTable;
using corofy::testing::Pipe;
using corofy::testing::Watchdog;
using namespace std::chrono_literals;

/// A waker that counts its wakes.
struct WakeCounter {
  std::atomic<int> Wakes{0};
  Waker waker();
};
constexpr WakerVTable CounterVTable{
    [](const void *Data) { return Data; },
    [](const void *Data) {
      ++static_cast<WakeCounter *>(const_cast<void *>(Data))->Wakes;
    },
    [](const void *) {}};
Waker WakeCounter::waker() { return Waker(this, &CounterVTable); }

/// Drains a non-blocking fd; true if it ended with EAGAIN.
bool drain(int Fd) {
  char Buffer[64];
  for (;;) {
    ssize_t N = ::read(Fd, Buffer, sizeof Buffer);
    if (N > 0)
      continue;
    return N < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

/// A standalone reactor and a pipe, for the tests that drive turn()
/// themselves.
class ReactorTest : public ::testing::Test {
protected:
  std::shared_ptr<Reactor> R = std::make_shared<Reactor>();
  Pipe P;
  Watchdog W{"reactor test"};

  /// Writes a byte and lets the reactor see it.
  void putAndTurn() {
    ASSERT_TRUE(P.put());
    R->turn(5s);
  }
  Poll<Readiness> pollReadable(Token T, Context &Cx) {
    return R->poll_ready(T, Interest::Readable, Cx);
  }
};

TEST_F(ReactorTest, UnparkWakesABlockedTurn) {
  std::atomic<bool> Returned{false};
  std::thread Driver([&] {
    R->turn(std::nullopt); // nothing registered: only unpark() ends it
    Returned = true;
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(Returned) << "turn() returned with nothing to report";
  R->unpark();
  Driver.join();
  EXPECT_TRUE(Returned);
}

TEST_F(ReactorTest, UnparkBeforeTurnIsRemembered) {
  R->unpark();
  R->unpark(); // coalesced into one eventfd count
  R->turn(std::nullopt);
  // Consumed: the next turn waits for its timeout again.
  auto Start = std::chrono::steady_clock::now();
  R->turn(30ms);
  EXPECT_GE(std::chrono::steady_clock::now() - Start, 30ms);
}

TEST_F(ReactorTest, SeveralThreadsTurnAtOnce) {
  // The workers of a runtime all block in turn() when idle: each edge
  // wakes its waker once, whichever thread sees it, and unpark() ends a
  // blocked turn.
  Pipe Q;
  Token A = R->register_io(P.Read, Interest::Readable);
  Token B = R->register_io(Q.Read, Interest::Readable);
  std::atomic<bool> Stop{false};
  std::atomic<int> Running{2};
  auto Drive = [&] {
    while (!Stop)
      R->turn(std::nullopt);
    --Running;
  };
  std::thread First(Drive), Second(Drive);
  auto waitFor = [](auto Done) {
    auto Deadline = std::chrono::steady_clock::now() + 5s;
    while (!Done() && std::chrono::steady_clock::now() < Deadline)
      std::this_thread::sleep_for(1ms);
    return Done();
  };
  for (int Round = 0; Round != 20; ++Round) {
    WakeCounter CA, CB;
    Waker WA = CA.waker(), WB = CB.waker();
    Context XA(WA), XB(WB);
    ASSERT_TRUE(pollReadable(A, XA).is_pending());
    ASSERT_TRUE(pollReadable(B, XB).is_pending());
    ASSERT_TRUE(P.put());
    ASSERT_TRUE(Q.put());
    EXPECT_TRUE(waitFor([&] { return CA.Wakes == 1 && CB.Wakes == 1; }));
    std::this_thread::sleep_for(1ms);
    EXPECT_EQ(CA.Wakes.load(), 1);
    EXPECT_EQ(CB.Wakes.load(), 1);
    for (auto [T, Fd] : {std::pair{A, P.Read}, std::pair{B, Q.Read}}) {
      Poll<Readiness> Seen = pollReadable(T, corofy::testing::noopContext());
      ASSERT_TRUE(Seen.is_ready());
      ASSERT_TRUE(drain(Fd));
      R->clear_readiness(T, Seen.value());
    }
  }
  Stop = true;
  R->unpark();
  EXPECT_TRUE(waitFor([&] { return Running < 2; }))
      << "unpark() ended no blocked turn";
  R->unpark(); // the other one's, if it blocked again before it saw Stop
  First.join();
  Second.join();
  R->deregister(A, P.Read);
  R->deregister(B, Q.Read);
}

TEST_F(ReactorTest, PipeReadinessWakesTheReaderOnce) {
  Token T = R->register_io(P.Read, Interest::Readable);
  WakeCounter C;
  Waker Wk = C.waker();
  Context Cx(Wk);

  EXPECT_TRUE(pollReadable(T, Cx).is_pending());
  R->turn(0ms);
  EXPECT_EQ(C.Wakes.load(), 0);

  putAndTurn();
  EXPECT_EQ(C.Wakes.load(), 1);
  Poll<Readiness> Ready = pollReadable(T, Cx);
  ASSERT_TRUE(Ready.is_ready());
  EXPECT_TRUE(Ready.value().is_readable());
  EXPECT_FALSE(Ready.value().is_read_closed());

  // Readiness stays until the reader has seen EAGAIN and cleared it.
  EXPECT_TRUE(pollReadable(T, Cx).is_ready());
  ASSERT_TRUE(drain(P.Read));
  R->clear_readiness(T, Ready.value());
  EXPECT_TRUE(pollReadable(T, Cx).is_pending());

  // Edge-triggered: one more byte, one more wake.
  putAndTurn();
  EXPECT_EQ(C.Wakes.load(), 2);
  R->deregister(T, P.Read);
}

TEST_F(ReactorTest, AnEdgeWakesEveryFutureWaitingOnTheFd) {
  // As the children of a join_all accepting on one listener do: several
  // wakers wait for one direction of one registration at once.
  Token T = R->register_io(P.Read, Interest::Readable);
  WakeCounter A, B, C;
  for (WakeCounter *Counter : {&A, &B, &C, &A, &B}) {
    Waker Wk = Counter->waker();
    Context Cx(Wk);
    EXPECT_TRUE(pollReadable(T, Cx).is_pending());
  }
  putAndTurn();
  EXPECT_EQ(A.Wakes.load(), 1);
  EXPECT_EQ(B.Wakes.load(), 1);
  EXPECT_EQ(C.Wakes.load(), 1);

  // Woken wakers are forgotten: the next edge wakes only those that
  // waited again.
  ASSERT_TRUE(drain(P.Read));
  Poll<Readiness> Seen = pollReadable(T, corofy::testing::noopContext());
  ASSERT_TRUE(Seen.is_ready());
  R->clear_readiness(T, Seen.value());
  Waker Wk = B.waker();
  Context Cx(Wk);
  EXPECT_TRUE(pollReadable(T, Cx).is_pending());
  putAndTurn();
  EXPECT_EQ(A.Wakes.load(), 1);
  EXPECT_EQ(B.Wakes.load(), 2);
  EXPECT_EQ(C.Wakes.load(), 1);
  R->deregister(T, P.Read);
}

/// Tasks polled by hand in FIFO order, as a current-thread runtime polls
/// them: each has a waker of its own that queues it (once) when woken.
/// For the tests that drive a standalone reactor from one thread.
class FifoTasks {
public:
  struct Task {
    FifoTasks *Owner;
    bool Queued = false;
    bool Done = false;
    int Polls = 0;
  };

  /// Adds `N` tasks, queued for their first poll.
  void add(std::size_t N) {
    for (std::size_t I = 0; I != N; ++I) {
      Tasks.push_back(Task{this});
      wake(Tasks.back());
    }
  }
  /// Polls the queued tasks with `Step(Cx)` (true: the task is done) until
  /// none is queued or `Budget` polls ran; returns the polls run.
  template <class Step> std::size_t run(Step &&S, std::size_t Budget) {
    std::size_t Polls = 0;
    while (!Queue.empty() && Polls != Budget) {
      Task &T = *Queue.front();
      Queue.pop_front();
      T.Queued = false;
      ++T.Polls;
      ++Polls;
      Waker Wk(&T, &VTable);
      Context Cx(Wk);
      T.Done = S(Cx);
    }
    return Polls;
  }
  bool idle() const { return Queue.empty(); }
  int maxPolls() const {
    int Max = 0;
    for (const Task &T : Tasks)
      Max = std::max(Max, T.Polls);
    return Max;
  }
  std::size_t done() const {
    return static_cast<std::size_t>(std::count_if(
        Tasks.begin(), Tasks.end(), [](const Task &T) { return T.Done; }));
  }
  void resetPolls() {
    for (Task &T : Tasks)
      T.Polls = 0;
  }

private:
  static void wake(Task &T) {
    if (T.Queued || T.Done)
      return;
    T.Queued = true;
    T.Owner->Queue.push_back(&T);
  }
  static constexpr WakerVTable VTable{
      [](const void *Data) { return Data; },
      [](const void *Data) {
        wake(*static_cast<Task *>(const_cast<void *>(Data)));
      },
      [](const void *) {}};

  std::deque<Task> Tasks; // stable addresses
  std::deque<Task *> Queue;
};

TEST_F(ReactorTest, ManyFuturesWaitOnOneFdWithoutPollingAgain) {
  // A thousand futures (a join_all of accepts on one listener, tasks that
  // read one pipe) wait on one fd at once, with no data: once each has
  // polled and stored its waker, nothing may wake them until an edge.
  // (A cap on the stored wakers that woke the oldest to make room had each
  // re-poll displace another: a busy loop.)
  constexpr std::size_t N = 1000;
  Token T = R->register_io(P.Read, Interest::Readable);
  FifoTasks Tasks;
  Tasks.add(N);
  auto WaitReadable = [&](Context &Cx) {
    return pollReadable(T, Cx).is_ready();
  };
  std::size_t Polls = Tasks.run(WaitReadable, 100 * N);
  EXPECT_TRUE(Tasks.idle()) << "still polling after " << Polls << " polls";
  EXPECT_LE(Polls, 3 * N);
  EXPECT_LE(Tasks.maxPolls(), 3);
  EXPECT_EQ(Tasks.done(), 0u);

  // Nor does a turn of the reactor with nothing to report wake any.
  R->turn(1ms);
  EXPECT_TRUE(Tasks.idle());

  // One edge wakes them all, and all see the fd readable.
  Tasks.resetPolls();
  putAndTurn();
  Polls = Tasks.run(WaitReadable, 100 * N);
  EXPECT_EQ(Tasks.done(), N);
  EXPECT_EQ(Polls, N);
  R->deregister(T, P.Read);
}

/// A waker whose references are counted: how many the reactor keeps.
struct Held {
  int Refs = 1; // the test's own
};
constexpr WakerVTable HeldVTable{
    [](const void *Data) {
      ++static_cast<Held *>(const_cast<void *>(Data))->Refs;
      return Data;
    },
    [](const void *) {},
    [](const void *Data) {
      --static_cast<Held *>(const_cast<void *>(Data))->Refs;
    }};

TEST_F(ReactorTest, WakersOfFuturesDroppedWithoutAnEdgeDoNotPileUp) {
  // Futures of ever new tasks wait on one fd and are dropped before any
  // edge (a task per connection selecting on a shared shutdown pipe),
  // alone or beside many futures that keep waiting: the dropped ones'
  // wakers, and the tasks those keep alive, must not pile up in the
  // reactor; nor may the waiting ones be woken more than about once per
  // dropped one.
  constexpr std::size_t PerRound = 100, Rounds = 100;
  for (std::size_t L : {0u, 600u}) {
    Token T = R->register_io(P.Read, Interest::Readable);
    FifoTasks Live;
    Live.add(L);
    auto WaitReadable = [&](Context &Cx) {
      return pollReadable(T, Cx).is_ready();
    };
    Live.run(WaitReadable, 100 * L);
    ASSERT_TRUE(Live.idle());

    std::deque<Held> Dropped;
    auto held = [&] {
      int Sum = 0;
      for (const Held &H : Dropped)
        Sum += H.Refs;
      return static_cast<std::size_t>(Sum);
    };
    std::size_t MostHeld = 0, LivePolls = 0;
    for (std::size_t Round = 0; Round != Rounds; ++Round) {
      for (std::size_t I = 0; I != PerRound; ++I) {
        Dropped.emplace_back();
        Waker Wk(&Dropped.back(), &HeldVTable); // the test's reference
        Context Cx(Wk);
        EXPECT_TRUE(pollReadable(T, Cx).is_pending());
      }
      // The waiting ones that were woken meanwhile poll again; then the
      // runtime, with nothing to run, waits in the reactor.
      LivePolls += Live.run(WaitReadable, 100 * L);
      ASSERT_TRUE(Live.idle());
      R->turn(1ms);
      MostHeld = std::max(MostHeld, held());
    }
    EXPECT_LE(MostHeld, 2 * (L + PerRound) + 512)
        << "of " << Rounds * PerRound << " dropped wakers, beside " << L;
    EXPECT_LE(LivePolls, 2 * Rounds * PerRound);

    // An edge still wakes every waiting future, and lets go of the rest.
    putAndTurn();
    Live.run(WaitReadable, 100 * L);
    EXPECT_EQ(Live.done(), L);
    EXPECT_EQ(held(), 0u);
    ASSERT_TRUE(drain(P.Read));
    R->deregister(T, P.Read);
  }
}

TEST_F(ReactorTest, EachOfManyWaitersOnOneFdIsStoredOnce) {
  // Thousands of futures wait on one fd and each polls again and again
  // (woken by sweeps, or spuriously): the reactor finds the waker it
  // already holds, however many it holds (past a few dozen, through a
  // table keyed by the waker's data and vtable), and keeps one reference
  // of each until an edge takes them all.
  constexpr std::size_t N = 5000;
  Token T = R->register_io(P.Read, Interest::Readable);
  std::deque<Held> Waiting(N);
  for (int Round = 0; Round != 3; ++Round) {
    for (Held &H : Waiting) {
      if (Round)
        ++H.Refs; // the test's reference, which Wk drops
      Waker Wk(&H, &HeldVTable);
      Context Cx(Wk);
      ASSERT_TRUE(pollReadable(T, Cx).is_pending());
    }
  }
  std::size_t Stored = 0, Duplicated = 0;
  for (const Held &H : Waiting) {
    Stored += H.Refs == 1;
    Duplicated += H.Refs > 1;
  }
  EXPECT_EQ(Stored, N);
  EXPECT_EQ(Duplicated, 0u);
  putAndTurn();
  std::size_t Kept = 0;
  for (const Held &H : Waiting)
    Kept += H.Refs != 0;
  EXPECT_EQ(Kept, 0u) << "wakers the edge did not take";
  R->deregister(T, P.Read);
}

TEST_F(ReactorTest, ClearingIsIgnoredWhenANewEdgeArrivedMeanwhile) {
  Token T = R->register_io(P.Read, Interest::Readable);
  Context &Cx = corofy::testing::noopContext();
  putAndTurn();
  Poll<Readiness> Seen = pollReadable(T, Cx);
  ASSERT_TRUE(Seen.is_ready());
  // Between the reader's EAGAIN and its clear, new data arrives.
  putAndTurn();
  R->clear_readiness(T, Seen.value());
  EXPECT_TRUE(pollReadable(T, Cx).is_ready())
      << "a stale clear erased a newer edge";
  R->deregister(T, P.Read);
}

TEST_F(ReactorTest, RegistrationsBeyondTheFirstPageOfSlots) {
  // The slots live in pages of 1024; a registration in the second page
  // works as one in the first. Each is a dup() of the pipe's read end.
  rlimit Limit;
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &Limit), 0);
  if (Limit.rlim_cur < 1500 && Limit.rlim_max >= 1500) {
    Limit.rlim_cur = 1500;
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &Limit), 0);
  }
  if (Limit.rlim_cur < 1500)
    GTEST_SKIP() << "fewer than 1500 descriptors allowed";
  std::vector<std::pair<int, Token>> Registered;
  for (int I = 0; I != 1100; ++I) {
    int Fd = ::dup(P.Read);
    ASSERT_GE(Fd, 0);
    Registered.emplace_back(Fd, R->register_io(Fd, Interest::Readable));
  }
  EXPECT_EQ(R->registrations(), 1100u);
  Context &Cx = corofy::testing::noopContext();
  Token Last = Registered.back().second;
  EXPECT_EQ(Last.index, 1099u);
  EXPECT_TRUE(pollReadable(Last, Cx).is_pending());
  putAndTurn();
  for (int Turn = 0; Turn != 5; ++Turn) // 1100 events, 256 a turn
    R->turn(0ms);
  Poll<Readiness> Ready = pollReadable(Last, Cx);
  ASSERT_TRUE(Ready.is_ready());
  EXPECT_TRUE(Ready.value().is_readable());
  ASSERT_TRUE(drain(P.Read));
  R->clear_readiness(Last, Ready.value());
  EXPECT_TRUE(pollReadable(Last, Cx).is_pending());
  for (auto [Fd, T] : Registered) {
    R->deregister(T, Fd);
    ::close(Fd);
  }
  EXPECT_EQ(R->registrations(), 0u);
  // A stale token of the second page is an error, not a crash.
  EXPECT_TRUE(pollReadable(Last, Cx).value().is_error());
}

TEST_F(ReactorTest, WritableAndHangUp) {
  Token Writer = R->register_io(P.Write, Interest::Writable);
  Token Reader = R->register_io(P.Read, Interest::ReadWrite);
  Context &Cx = corofy::testing::noopContext();
  R->turn(5s);
  Poll<Readiness> Writable = R->poll_ready(Writer, Interest::Writable, Cx);
  ASSERT_TRUE(Writable.is_ready()) << "an empty pipe is writable at once";
  EXPECT_TRUE(Writable.value().is_writable());

  R->deregister(Writer, P.Write);
  P.closeWrite();
  R->turn(5s);
  Poll<Readiness> Closed = pollReadable(Reader, Cx);
  ASSERT_TRUE(Closed.is_ready());
  EXPECT_TRUE(Closed.value().is_read_closed());
  // Closed states are final: clearing keeps them.
  R->clear_readiness(Reader, Closed.value());
  EXPECT_TRUE(pollReadable(Reader, Cx).is_ready());
  R->deregister(Reader, P.Read);
}

TEST_F(ReactorTest, DeregisterDropsTheWakerAndIgnoresLaterEvents) {
  Token T = R->register_io(P.Read, Interest::Readable);
  EXPECT_EQ(R->registrations(), 1u);
  WakeCounter C;
  Waker Wk = C.waker();
  Context Cx(Wk);
  EXPECT_TRUE(pollReadable(T, Cx).is_pending());
  R->deregister(T, P.Read);
  EXPECT_EQ(R->registrations(), 0u);
  ASSERT_TRUE(P.put());
  R->turn(20ms);
  EXPECT_EQ(C.Wakes.load(), 0) << "a deregistered fd woke its old waker";

  // A stale token reports an error instead of waiting forever; the slot is
  // reused under a new generation.
  Poll<Readiness> Stale = pollReadable(T, Cx);
  ASSERT_TRUE(Stale.is_ready());
  EXPECT_TRUE(Stale.value().is_error());
  Token Again = R->register_io(P.Read, Interest::Readable);
  EXPECT_EQ(Again.index, T.index);
  EXPECT_NE(Again.generation, T.generation);
  EXPECT_THROW(R->reregister(T, P.Read, Interest::Writable), std::logic_error);
  R->reregister(Again, P.Read, Interest::ReadWrite);
  R->deregister(T, P.Read); // stale: a no-op
  EXPECT_EQ(R->registrations(), 1u);
  R->deregister(Again, P.Read);
}

TEST_F(ReactorTest, RegisteringABadFdThrowsSystemError) {
  EXPECT_THROW(R->register_io(-1, Interest::Readable), std::system_error);
  EXPECT_EQ(R->registrations(), 0u);
}

TEST(ReactorLifetimeTest, ShutdownClosesItsDescriptors) {
  const int Before = corofy::testing::openFds();
  auto R = std::make_shared<Reactor>();
  EXPECT_EQ(corofy::testing::openFds(), Before + 3); // epoll, event, timer
  Pipe P;
  Token T = R->register_io(P.Read, Interest::Readable);
  R->shutdown();
  EXPECT_EQ(corofy::testing::openFds(), Before + 2); // the pipe's two
  EXPECT_THROW(R->register_io(P.Read, Interest::Readable), std::logic_error);
  R->deregister(T, P.Read);
  R->unpark();
  R->turn(std::nullopt); // returns at once
}

TEST(ReactorLifetimeTest, CurrentOutsideARuntimeThrowsLogicError) {
  EXPECT_THROW(Reactor::current(), std::logic_error);
  Pipe P;
  EXPECT_THROW(IoRegistration(P.Read, Interest::Readable), std::logic_error);
}

/// Reads one byte from its fd through IoRegistration::poll_io.
struct ReadByte {
  using Output = char;
  int Fd;
  std::optional<IoRegistration> Io;
  int *Polls;
  Poll<char> poll(Context &Cx) {
    ++*Polls;
    if (!Io)
      Io.emplace(Fd, Interest::Readable);
    return Io->poll_io(Cx, Interest::Readable, [&]() -> std::optional<char> {
      char C;
      if (::read(Fd, &C, 1) == 1)
        return C;
      return std::nullopt; // EAGAIN
    });
  }
};

TEST(IoRegistrationTest, ATaskSleepsUntilItsFdIsReadable) {
  Watchdog W("poll_io");
  for (unsigned Workers : {0u, 2u}) {
    Runtime Rt(Runtime::Options{Workers});
    Pipe P;
    int Polls = 0;
    std::thread Writer([&] {
      std::this_thread::sleep_for(30ms);
      P.put('a');
    });
    EXPECT_EQ(Rt.block_on(Rt.spawn(ReadByte{P.Read, {}, &Polls})), 'a');
    Writer.join();
    EXPECT_EQ(Polls, 2) << "polled without an edge, or missed one";
    EXPECT_EQ(Rt.reactor().registrations(), 0u)
        << "the completed future did not deregister";
  }
}

/// Ready once its registration's fd is readable; counts its polls.
struct AwaitReadable {
  using Output = void;
  IoRegistration *Io;
  std::atomic<int> *Polls;
  Poll<void> poll(Context &Cx) {
    Polls->fetch_add(1, std::memory_order_relaxed);
    if (Io->poll_ready(Cx, Interest::Readable).is_pending())
      return Poll<void>::pending();
    return Poll<void>::ready();
  }
};

TEST(IoRegistrationTest, AThousandTasksWaitingOnOnePipeUseNoCpu) {
  // No busy polling: a thousand tasks waiting on one fd are each polled
  // about once while nothing happens, however long that lasts.
  Watchdog W("a thousand waiting tasks");
  constexpr int N = 1000;
  for (unsigned Workers : {0u, 2u}) {
    Runtime Rt(Runtime::Options{Workers});
    Pipe P;
    IoRegistration Io(Rt.reactor().shared_from_this(), P.Read,
                      Interest::Readable);
    std::vector<std::atomic<int>> Polls(N);
    std::vector<corofy::JoinHandle<void>> Tasks;
    for (int I = 0; I != N; ++I)
      Tasks.push_back(Rt.spawn(AwaitReadable{&Io, &Polls[I]}));
    Rt.block_on(corofy::sleep_for(100ms));
    int Total = 0, Most = 0;
    for (const std::atomic<int> &Count : Polls) {
      Total += Count.load();
      Most = std::max(Most, Count.load());
    }
    // Each is woken at most once to make room while they come on one
    // thread; when they poll on two threads as the others come, those
    // that come back early may be woken at a few sweeps (one per half as
    // many again), which is still O(1) wakes per waiter overall.
    EXPECT_LE(Total, (Workers ? 4 : 2) * N) << Workers << " workers";
    EXPECT_LE(Most, Workers ? 8 : 3) << Workers << " workers";

    // One byte: every one of them sees it.
    ASSERT_TRUE(P.put());
    for (corofy::JoinHandle<void> &Task : Tasks)
      Rt.block_on(std::move(Task));
    EXPECT_EQ(Rt.live_tasks(), 0u);
  }
}

/// `Inner`, then calls `Then` on the thread that polled it ready.
template <class F> struct ThenCall {
  using Output = typename F::Output;
  F Inner;
  std::function<void()> Then;
  Poll<Output> poll(Context &Cx) {
    Poll<Output> Polled = Inner.poll(Cx);
    if (Polled.is_ready())
      Then();
    return Polled;
  }
};

/// Reads a byte of `Fd`, then calls `Then`.
ThenCall<ReadByte> readByteThen(int Fd, int *Polls,
                                std::function<void()> Then) {
  return {ReadByte{Fd, {}, Polls}, std::move(Then)};
}

TEST(IoRegistrationTest, ABusyWorkerDoesNotHoldUpTheOthersIo) {
  // A task that I/O woke and that then runs long keeps its worker; the
  // other worker still watches the reactor, and runs the next task an
  // event wakes long before the first is done.
  Watchdog W("busy worker");
  Runtime Rt(Runtime::Options{2});
  Pipe Slow, Fast;
  int SlowPolls = 0, FastPolls = 0;
  // A task that runs long once its byte has come.
  auto SlowTask = Rt.spawn(readByteThen(
      Slow.Read, &SlowPolls, [] { std::this_thread::sleep_for(600ms); }));
  auto FastTask = Rt.spawn(ReadByte{Fast.Read, {}, &FastPolls});
  std::this_thread::sleep_for(50ms); // both wait for their byte
  ASSERT_TRUE(Slow.put('s'));
  std::this_thread::sleep_for(50ms); // a worker is in the slow task
  auto Start = std::chrono::steady_clock::now();
  ASSERT_TRUE(Fast.put('f'));
  EXPECT_EQ(Rt.block_on(FastTask), 'f');
  EXPECT_LT(std::chrono::steady_clock::now() - Start, 300ms)
      << "the fast task waited for the slow one's worker";
  EXPECT_EQ(Rt.block_on(SlowTask), 's');
}

TEST(IoRegistrationTest, EventsDuringATurnsTasksRunBeforeWhatTheLastOneWakes) {
  // On a current-thread runtime, the thread looks at the reactor without
  // blocking before the last of the tasks a turn woke: the events that came
  // while the others ran (C's byte, sent by A) queue their tasks ahead of
  // the tasks that last one wakes (D), instead of waiting for the queue to
  // empty. (Under load this keeps the thread from blocking in epoll_wait
  // while the next requests are on their way.)
  Watchdog W("events gathered before the last task");
  Runtime Rt;
  Pipe ToA, ToB, ToC;
  corofy::testing::Trigger ToD;
  std::string Order;
  int Polls[3] = {};
  auto A = Rt.spawn(readByteThen(ToA.Read, &Polls[0], [&] {
    Order += 'a';
    ASSERT_TRUE(ToC.put());
  }));
  auto B = Rt.spawn(readByteThen(ToB.Read, &Polls[1], [&] {
    Order += 'b';
    ToD.fire();
  }));
  auto C = Rt.spawn(readByteThen(ToC.Read, &Polls[2], [&] { Order += 'c'; }));
  auto D = Rt.spawn(ThenCall<corofy::testing::Trigger::Wait>{
      ToD.wait(), [&] { Order += 'd'; }});
  Rt.block_on(corofy::sleep_for(10ms)); // all four wait
  ASSERT_EQ(Order, "");
  // One turn wakes A then B (epoll reports readiness in the order it came).
  ASSERT_TRUE(ToA.put());
  ASSERT_TRUE(ToB.put());
  Rt.block_on(std::move(D));
  Rt.block_on(std::move(C));
  Rt.block_on(std::move(B));
  Rt.block_on(std::move(A));
  EXPECT_EQ(Order, "abcd");
}

TEST(IoRegistrationTest, TheLastTaskRunsWhileAnotherThreadWatchesTheReactor) {
  // Two threads inside block_on() of one current-thread runtime: while the
  // other waits in epoll_wait, the thread down to the last task a turn woke
  // cannot look at the reactor first, and runs it rather than wait for the
  // reactor (here the other thread waits for what that task does).
  Watchdog W("the last task beside another thread's block_on");
  Runtime Rt;
  Pipe ToA, ToB;
  corofy::testing::Trigger ToOther;
  std::thread Other;
  int Polls[2] = {};
  auto A = Rt.spawn(readByteThen(ToA.Read, &Polls[0], [&] {
    Other = std::thread([&] { Rt.block_on(ToOther.wait()); });
    std::this_thread::sleep_for(100ms); // Other waits in epoll_wait
  }));
  auto B = Rt.spawn(readByteThen(ToB.Read, &Polls[1], [&] { ToOther.fire(); }));
  Rt.block_on(corofy::sleep_for(10ms)); // both wait
  ASSERT_TRUE(ToA.put());
  ASSERT_TRUE(ToB.put());
  Rt.block_on(std::move(B));
  Other.join();
  Rt.block_on(std::move(A));
}

TEST_F(ReactorTest, MovingAnIoRegistrationKeepsIt) {
  IoRegistration A(R, P.Read, Interest::Readable);
  IoRegistration B(std::move(A));
  EXPECT_EQ(R->registrations(), 1u);
  putAndTurn();
  EXPECT_TRUE(B.poll_ready(corofy::testing::noopContext(), Interest::Readable)
                  .is_ready());
  IoRegistration C(R, P.Write, Interest::Writable);
  C = std::move(B); // drops C's own registration
  EXPECT_EQ(R->registrations(), 1u);
  C.deregister();
  EXPECT_EQ(R->registrations(), 0u);
}

TEST(ReactorLifetimeTest, UsingADeregisteredIoRegistrationAborts) {
  // No fixture: a death test forks, best done with no other thread.
  auto R = std::make_shared<Reactor>();
  Pipe P;
  IoRegistration A(R, P.Read, Interest::Readable);
  A.deregister();
  EXPECT_DEATH(
      (void)A.poll_ready(corofy::testing::noopContext(), Interest::Readable),
      "deregistered");
}

} // namespace
