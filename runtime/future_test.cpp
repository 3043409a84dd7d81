//===- future_test.cpp - Tests of Poll, the Future concept and Async ------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#include "corofy/future.hpp"

#include "test_util.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <type_traits>
#include <utility>

namespace {

using corofy::Async;
using corofy::Context;
using corofy::Future;
using corofy::output_t;
using corofy::Poll;
using corofy::Ready;
using corofy::Waker;
using corofy::testing::noopContext;

//===----------------------------------------------------------------------===//
// A value type that records its lifetime
//===----------------------------------------------------------------------===//

/// Every Tracked object registers its address on construction and removes it
/// on destruction, so a missed destructor shows up as a live object and a
/// second destructor (or one run on storage that never held an object) as a
/// bad destruction.
struct Tracker {
  std::set<const void *> Live;
  int Constructed = 0;
  int Destroyed = 0;
  int BadDestructions = 0;
  bool clean() const { return Live.empty() && BadDestructions == 0; }
};

class Tracked {
public:
  Tracked(Tracker &T, int Value) : T(&T), Value(Value) { enter(); }
  Tracked(const Tracked &Other) : T(Other.T), Value(Other.Value) { enter(); }
  Tracked(Tracked &&Other) noexcept
      : T(Other.T), Value(std::exchange(Other.Value, -1)) {
    enter();
  }
  // Poll never needs to assign a held value.
  Tracked &operator=(const Tracked &) = delete;
  Tracked &operator=(Tracked &&) = delete;
  ~Tracked() {
    if (T->Live.erase(this) != 1)
      ++T->BadDestructions;
    ++T->Destroyed;
  }

  int value() const { return Value; }

private:
  void enter() {
    T->Live.insert(this);
    ++T->Constructed;
  }

  Tracker *T;
  int Value;
};

static_assert(!std::is_default_constructible_v<Tracked>);

//===----------------------------------------------------------------------===//
// Poll<T>
//===----------------------------------------------------------------------===//

TEST(PollTest, DefaultConstructedAndPendingAreNotReady) {
  Poll<int> Default;
  EXPECT_FALSE(Default.is_ready());
  EXPECT_TRUE(Default.is_pending());
  auto Pending = Poll<int>::pending();
  EXPECT_FALSE(Pending.is_ready());
  EXPECT_TRUE(Pending.is_pending());
}

TEST(PollTest, ReadyHoldsTheValue) {
  auto P = Poll<int>::ready(42);
  EXPECT_TRUE(P.is_ready());
  EXPECT_FALSE(P.is_pending());
  EXPECT_EQ(P.value(), 42);
  const auto &ConstP = P;
  EXPECT_EQ(ConstP.value(), 42);
}

TEST(PollTest, ValueAccessorsReferToTheStoredObject) {
  auto P = Poll<std::string>::ready("stored");
  static_assert(std::is_same_v<decltype(P.value()), std::string &>);
  static_assert(std::is_same_v<decltype(std::as_const(P).value()),
                               const std::string &>);
  static_assert(
      std::is_same_v<decltype(std::move(P).value()), std::string &&>);
  EXPECT_EQ(&P.value(), &std::as_const(P).value());
  P.value() += " and changed";
  EXPECT_EQ(P.value(), "stored and changed");
  std::string Taken = std::move(P).value();
  EXPECT_EQ(Taken, "stored and changed");
  EXPECT_TRUE(P.is_ready());
}

TEST(PollTest, HoldsAMoveOnlyValue) {
  auto P = Poll<std::unique_ptr<int>>::ready(std::make_unique<int>(7));
  ASSERT_TRUE(P.is_ready());
  ASSERT_NE(P.value(), nullptr);
  EXPECT_EQ(*P.value(), 7);
  int *Raw = P.value().get();

  Poll<std::unique_ptr<int>> Moved(std::move(P));
  ASSERT_TRUE(Moved.is_ready());
  EXPECT_EQ(Moved.value().get(), Raw);

  Poll<std::unique_ptr<int>> Assigned;
  Assigned = std::move(Moved);
  ASSERT_TRUE(Assigned.is_ready());
  EXPECT_EQ(Assigned.value().get(), Raw);

  std::unique_ptr<int> Out = std::move(Assigned).value();
  EXPECT_EQ(Out.get(), Raw);
  EXPECT_EQ(*Out, 7);
  EXPECT_EQ(Assigned.value(), nullptr);
}

TEST(PollTest, EmplaceConstructsInPlaceAndMakesReady) {
  Poll<std::string> P;
  std::string &Stored = P.emplace(3, 'x');
  EXPECT_TRUE(P.is_ready());
  EXPECT_EQ(P.value(), "xxx");
  EXPECT_EQ(&Stored, &P.value());

  Poll<std::unique_ptr<int>> Ptr;
  Ptr.emplace(new int(5));
  ASSERT_TRUE(Ptr.is_ready());
  EXPECT_EQ(*Ptr.value(), 5);
}

TEST(PollTest, EmplaceOnAReadyPollDestroysTheOldValue) {
  Tracker T;
  {
    Poll<Tracked> P;
    P.emplace(T, 1);
    const Tracked *First = &P.value();
    EXPECT_EQ(T.Live.count(First), 1u);
    P.emplace(T, 2);
    EXPECT_TRUE(P.is_ready());
    EXPECT_EQ(P.value().value(), 2);
    EXPECT_EQ(T.Live.size(), 1u) << "the replaced value was not destroyed";
    EXPECT_EQ(T.Constructed, 2);
    EXPECT_EQ(T.Destroyed, 1);
  }
  EXPECT_TRUE(T.clean());
  EXPECT_EQ(T.Destroyed, 2);
}

TEST(PollTest, CopyPreservesReadinessAndValue) {
  auto Ready = Poll<std::string>::ready("value");
  Poll<std::string> Copy(Ready);
  ASSERT_TRUE(Copy.is_ready());
  EXPECT_EQ(Copy.value(), "value");
  ASSERT_TRUE(Ready.is_ready());
  EXPECT_EQ(Ready.value(), "value");
  EXPECT_NE(&Copy.value(), &Ready.value());

  Poll<std::string> Pending;
  Poll<std::string> PendingCopy(Pending);
  EXPECT_TRUE(PendingCopy.is_pending());
}

TEST(PollTest, MovePreservesReadinessAndValue) {
  auto Ready = Poll<std::string>::ready(std::string(100, 'v'));
  Poll<std::string> Moved(std::move(Ready));
  ASSERT_TRUE(Moved.is_ready());
  EXPECT_EQ(Moved.value(), std::string(100, 'v'));

  Poll<std::string> Pending;
  Poll<std::string> MovedPending(std::move(Pending));
  EXPECT_TRUE(MovedPending.is_pending());
}

TEST(PollTest, CopyAssignmentPreservesReadinessAndValue) {
  const auto Ready = Poll<std::string>::ready("ready");
  const Poll<std::string> Pending;

  Poll<std::string> PendingToReady;
  PendingToReady = Ready;
  ASSERT_TRUE(PendingToReady.is_ready());
  EXPECT_EQ(PendingToReady.value(), "ready");

  auto ReadyToPending = Poll<std::string>::ready("old");
  ReadyToPending = Pending;
  EXPECT_TRUE(ReadyToPending.is_pending());

  auto ReadyToReady = Poll<std::string>::ready("old");
  ReadyToReady = Ready;
  ASSERT_TRUE(ReadyToReady.is_ready());
  EXPECT_EQ(ReadyToReady.value(), "ready");

  Poll<std::string> PendingToPending;
  PendingToPending = Pending;
  EXPECT_TRUE(PendingToPending.is_pending());

  EXPECT_EQ(Ready.value(), "ready") << "the source of a copy changed";
}

TEST(PollTest, MoveAssignmentPreservesReadinessAndValue) {
  Poll<std::string> PendingToReady;
  PendingToReady = Poll<std::string>::ready("ready");
  ASSERT_TRUE(PendingToReady.is_ready());
  EXPECT_EQ(PendingToReady.value(), "ready");

  auto ReadyToPending = Poll<std::string>::ready("old");
  ReadyToPending = Poll<std::string>::pending();
  EXPECT_TRUE(ReadyToPending.is_pending());

  auto ReadyToReady = Poll<std::string>::ready("old");
  auto Source = Poll<std::string>::ready("new");
  ReadyToReady = std::move(Source);
  ASSERT_TRUE(ReadyToReady.is_ready());
  EXPECT_EQ(ReadyToReady.value(), "new");
}

TEST(PollTest, SelfAssignmentKeepsTheValue) {
  auto P = Poll<std::string>::ready("self");
  auto &Alias = P;
  P = Alias;
  ASSERT_TRUE(P.is_ready());
  EXPECT_EQ(P.value(), "self");
  P = std::move(Alias);
  ASSERT_TRUE(P.is_ready());
  EXPECT_EQ(P.value(), "self");

  Tracker T;
  {
    Poll<Tracked> Q;
    Q.emplace(T, 9);
    auto &QAlias = Q;
    Q = QAlias;
    Q = std::move(QAlias);
    ASSERT_TRUE(Q.is_ready());
    EXPECT_EQ(Q.value().value(), 9);
    EXPECT_EQ(T.Live.size(), 1u);
  }
  EXPECT_TRUE(T.clean());
}

TEST(PollTest, PendingPollConstructsAndDestroysNothing) {
  Tracker T;
  {
    Poll<Tracked> Default;
    auto Pending = Poll<Tracked>::pending();
    Poll<Tracked> Copy(Pending);
    Poll<Tracked> Moved(std::move(Copy));
    Default = Moved;
    Default = std::move(Moved);
  }
  EXPECT_EQ(T.Constructed, 0);
  EXPECT_EQ(T.Destroyed, 0);
  EXPECT_EQ(T.BadDestructions, 0);
}

TEST(PollTest, HeldValueIsDestroyedExactlyOnce) {
  Tracker T;
  {
    auto Ready = Poll<Tracked>::ready(Tracked(T, 1));
    EXPECT_EQ(T.Live.size(), 1u) << "ready() left a temporary alive";
  }
  EXPECT_TRUE(T.clean());
  EXPECT_EQ(T.Constructed, T.Destroyed);

  Tracker U;
  {
    auto A = Poll<Tracked>::ready(Tracked(U, 1));
    Poll<Tracked> CopyOfA(A);                  // 2 held values
    Poll<Tracked> MovedFromA(std::move(A));    // 3 (A keeps a moved-from one)
    EXPECT_EQ(U.Live.size(), 3u);
    Poll<Tracked> Pending;
    Pending = CopyOfA;                         // 4
    EXPECT_EQ(U.Live.size(), 4u);
    CopyOfA = Poll<Tracked>::pending();        // 3
    EXPECT_EQ(U.Live.size(), 3u);
    MovedFromA = Pending;                      // replaces one: still 3
    EXPECT_EQ(U.Live.size(), 3u);
    Pending.emplace(U, 5);                     // replaces one: still 3
    EXPECT_EQ(U.Live.size(), 3u);
    EXPECT_EQ(U.BadDestructions, 0);
  }
  EXPECT_TRUE(U.clean()) << U.Live.size() << " values leaked, "
                         << U.BadDestructions << " bad destructions";
  EXPECT_EQ(U.Constructed, U.Destroyed);
}

// A Poll of a trivially copyable value is itself trivially copyable (so it
// is returned in registers); others are not.
struct Pair {
  int First;
  long Second;
};
static_assert(std::is_trivially_copyable_v<Poll<int>>);
static_assert(std::is_trivially_copyable_v<Poll<Pair>>);
static_assert(std::is_trivially_destructible_v<Poll<int>>);
static_assert(!std::is_trivially_copyable_v<Poll<std::string>>);
static_assert(!std::is_trivially_destructible_v<Poll<std::string>>);
static_assert(std::is_nothrow_move_constructible_v<Poll<std::string>>);
static_assert(std::is_nothrow_move_constructible_v<Poll<std::unique_ptr<int>>>);

TEST(PollTest, TriviallyCopyableValueKeepsReadinessAndValue) {
  auto Ready = Poll<Pair>::ready(Pair{1, 2});
  const Poll<Pair> Pending;

  Poll<Pair> Copy(Ready);
  ASSERT_TRUE(Copy.is_ready());
  EXPECT_EQ(Copy.value().First, 1);
  EXPECT_EQ(Copy.value().Second, 2);
  Poll<Pair> Moved(std::move(Copy));
  ASSERT_TRUE(Moved.is_ready());
  EXPECT_EQ(Moved.value().Second, 2);
  Poll<Pair> PendingCopy(Pending);
  EXPECT_TRUE(PendingCopy.is_pending());

  Poll<Pair> Assigned;
  Assigned = Ready;
  ASSERT_TRUE(Assigned.is_ready());
  EXPECT_EQ(Assigned.value().First, 1);
  Assigned = Pending;
  EXPECT_TRUE(Assigned.is_pending());
  Assigned = Poll<Pair>::ready(Pair{3, 4});
  ASSERT_TRUE(Assigned.is_ready());
  EXPECT_EQ(Assigned.value().First, 3);
  Assigned = Poll<Pair>::pending();
  EXPECT_TRUE(Assigned.is_pending());

  auto Int = Poll<int>::ready(5);
  Poll<int> IntCopy = Int;
  ASSERT_TRUE(IntCopy.is_ready());
  EXPECT_EQ(IntCopy.value(), 5);
  IntCopy.emplace(6);
  EXPECT_EQ(IntCopy.value(), 6);
  EXPECT_EQ(Int.value(), 5);
}

TEST(PollVoidTest, ReadyAndPending) {
  Poll<void> Default;
  EXPECT_TRUE(Default.is_pending());
  EXPECT_FALSE(Default.is_ready());
  EXPECT_TRUE(Poll<void>::pending().is_pending());
  auto Ready = Poll<void>::ready();
  EXPECT_TRUE(Ready.is_ready());
  EXPECT_FALSE(Ready.is_pending());
  static_assert(std::is_void_v<decltype(Ready.value())>);
  Ready.value();

  Poll<void> Emplaced;
  Emplaced.emplace();
  EXPECT_TRUE(Emplaced.is_ready());
}

TEST(PollVoidTest, CopyAndAssignmentPreserveReadiness) {
  auto Ready = Poll<void>::ready();
  Poll<void> Copy(Ready);
  EXPECT_TRUE(Copy.is_ready());
  Poll<void> Moved(std::move(Copy));
  EXPECT_TRUE(Moved.is_ready());
  Poll<void> Assigned;
  Assigned = Ready;
  EXPECT_TRUE(Assigned.is_ready());
  Assigned = Poll<void>::pending();
  EXPECT_TRUE(Assigned.is_pending());
}

//===----------------------------------------------------------------------===//
// The Future concept
//===----------------------------------------------------------------------===//

struct IntLeaf {
  using Output = int;
  Poll<int> poll(Context &) { return Poll<int>::ready(1); }
};
struct VoidLeaf {
  using Output = void;
  Poll<void> poll(Context &) { return Poll<void>::ready(); }
};
struct MoveOnlyLeaf {
  using Output = std::unique_ptr<int>;
  MoveOnlyLeaf() = default;
  MoveOnlyLeaf(MoveOnlyLeaf &&) = default;
  Poll<Output> poll(Context &) { return Poll<Output>::pending(); }
};
struct PollReturnsOtherPoll {
  using Output = int;
  Poll<long> poll(Context &);
};
struct PollReturnsOutput {
  using Output = int;
  int poll(Context &);
};
struct NoOutput {
  Poll<int> poll(Context &);
};
struct NoPoll {
  using Output = int;
};
struct PollTakesOtherArguments {
  using Output = int;
  Poll<int> poll(Context &, int);
};
struct PollIsNotAMember {
  using Output = int;
  static constexpr int poll = 0;
};

static_assert(Future<IntLeaf>);
static_assert(Future<IntLeaf &>);
static_assert(Future<IntLeaf &&>);
static_assert(Future<VoidLeaf>);
static_assert(Future<MoveOnlyLeaf>);
static_assert(Future<Ready<int>>);
static_assert(Future<Async<int>>);
static_assert(Future<Async<void>>);
static_assert(!Future<int>);
static_assert(!Future<int *>);
static_assert(!Future<void>);
static_assert(!Future<PollReturnsOtherPoll>);
static_assert(!Future<PollReturnsOutput>);
static_assert(!Future<NoOutput>);
static_assert(!Future<NoPoll>);
static_assert(!Future<PollTakesOtherArguments>);
static_assert(!Future<PollIsNotAMember>);
static_assert(std::is_same_v<output_t<IntLeaf>, int>);
static_assert(std::is_same_v<output_t<IntLeaf &>, int>);
static_assert(std::is_same_v<output_t<VoidLeaf>, void>);
static_assert(std::is_same_v<output_t<Async<std::string>>, std::string>);

TEST(FutureConceptTest, LeafFuturesSatisfyItAndOtherTypesDoNot) {
  // The static_asserts above are the test; repeated here so that a run
  // lists them.
  EXPECT_TRUE(Future<IntLeaf>);
  EXPECT_TRUE(Future<VoidLeaf>);
  EXPECT_FALSE(Future<int>);
  EXPECT_FALSE(Future<PollReturnsOtherPoll>);
  EXPECT_FALSE(Future<NoOutput>);
}

//===----------------------------------------------------------------------===//
// Async<T>
//===----------------------------------------------------------------------===//

static_assert(std::is_constructible_v<Async<int>, Ready<int>>);
static_assert(std::is_convertible_v<Ready<int>, Async<int>>);
static_assert(std::is_constructible_v<Async<int>, IntLeaf &>);
static_assert(std::is_constructible_v<Async<void>, VoidLeaf>);
static_assert(!std::is_constructible_v<Async<int>, Ready<long>>);
static_assert(!std::is_constructible_v<Async<int>, VoidLeaf>);
static_assert(!std::is_constructible_v<Async<int>, Async<long>>);
static_assert(!std::is_copy_constructible_v<Async<int>>);
static_assert(!std::is_copy_assignable_v<Async<int>>);
static_assert(std::is_nothrow_move_constructible_v<Async<int>>);
static_assert(std::is_nothrow_move_assignable_v<Async<int>>);

/// What a ProbeFuture saw, kept outside it because Async boxes a copy.
struct Probe {
  int Polls = 0;
  const void *Self = nullptr;
  const Context *Cx = nullptr;
};

/// Pending `PendingPolls` times (waking its waker each time), then ready.
struct ProbeFuture {
  using Output = int;
  Probe *P;
  int PendingPolls;
  int Value;
  Poll<int> poll(Context &Cx) {
    ++P->Polls;
    P->Self = this;
    P->Cx = &Cx;
    if (PendingPolls > 0) {
      --PendingPolls;
      Cx.waker().wake();
      return Poll<int>::pending();
    }
    return Poll<int>::ready(Value);
  }
};

/// Ready at once with the value of the Tracked it owns.
struct TrackedFuture {
  using Output = int;
  Tracked Payload;
  Poll<int> poll(Context &) { return Poll<int>::ready(Payload.value()); }
};

TEST(AsyncTest, PollsThroughToTheBoxedFuture) {
  Probe P;
  Async<int> A = ProbeFuture{&P, 2, 42};
  EXPECT_TRUE(static_cast<bool>(A));
  EXPECT_EQ(P.Polls, 0) << "boxing polled the future";

  Waker W = Waker::noop();
  Context Cx(W);
  EXPECT_TRUE(A.poll(Cx).is_pending());
  EXPECT_EQ(P.Cx, &Cx) << "the Context was not passed through";
  EXPECT_TRUE(A.poll(Cx).is_pending());
  auto Result = A.poll(Cx);
  ASSERT_TRUE(Result.is_ready());
  EXPECT_EQ(Result.value(), 42);
  EXPECT_EQ(P.Polls, 3);
}

TEST(AsyncTest, BoxesACopyOfAnLvalueFuture) {
  Probe P;
  ProbeFuture Original{&P, 1, 7};
  Async<int> A(Original);
  EXPECT_TRUE(A.poll(noopContext()).is_pending());
  EXPECT_NE(P.Self, &Original);
  EXPECT_EQ(Original.PendingPolls, 1) << "the original was polled";
  auto Result = A.poll(noopContext());
  ASSERT_TRUE(Result.is_ready());
  EXPECT_EQ(Result.value(), 7);
}

TEST(AsyncTest, MovingTheAsyncDoesNotMoveTheBoxedFuture) {
  Probe P;
  Async<int> A = ProbeFuture{&P, 2, 3};
  EXPECT_TRUE(A.poll(noopContext()).is_pending());
  const void *Boxed = P.Self;

  Async<int> B(std::move(A));
  EXPECT_TRUE(B.poll(noopContext()).is_pending());
  EXPECT_EQ(P.Self, Boxed);

  Async<int> C = ProbeFuture{&P, 0, 0};
  C = std::move(B);
  auto Result = C.poll(noopContext());
  EXPECT_EQ(P.Self, Boxed);
  ASSERT_TRUE(Result.is_ready());
  EXPECT_EQ(Result.value(), 3);
  EXPECT_EQ(P.Polls, 3);
}

TEST(AsyncTest, DestroysTheBoxedFutureExactlyOnce) {
  Tracker T;
  {
    Async<int> A = TrackedFuture{Tracked(T, 11)};
    EXPECT_EQ(T.Live.size(), 1u) << "only the boxed future should be alive";
    auto Result = A.poll(noopContext());
    ASSERT_TRUE(Result.is_ready());
    EXPECT_EQ(Result.value(), 11);
    EXPECT_EQ(T.Live.size(), 1u);
  }
  EXPECT_TRUE(T.clean());
  EXPECT_EQ(T.Constructed, T.Destroyed);
}

TEST(AsyncTest, MoveLeavesTheSourceEmpty) {
  Tracker T;
  {
    Async<int> A = TrackedFuture{Tracked(T, 1)};
    const int ConstructedBefore = T.Constructed;
    Async<int> B(std::move(A));
    EXPECT_FALSE(static_cast<bool>(A));
    EXPECT_TRUE(static_cast<bool>(B));
    EXPECT_EQ(T.Constructed, ConstructedBefore) << "moving re-boxed";
    EXPECT_EQ(T.Live.size(), 1u);

    Async<int> C = std::move(B);
    EXPECT_FALSE(static_cast<bool>(B));
    ASSERT_TRUE(static_cast<bool>(C));
    auto Result = C.poll(noopContext());
    ASSERT_TRUE(Result.is_ready());
    EXPECT_EQ(Result.value(), 1);
  }
  EXPECT_TRUE(T.clean());
}

TEST(AsyncTest, MoveAssignmentDestroysThePreviousFuture) {
  Tracker Old, New;
  {
    Async<int> Target = TrackedFuture{Tracked(Old, 1)};
    Async<int> Source = TrackedFuture{Tracked(New, 2)};
    Target = std::move(Source);
    EXPECT_TRUE(Old.clean()) << "the replaced future is still alive";
    EXPECT_EQ(Old.Destroyed, Old.Constructed);
    EXPECT_EQ(New.Live.size(), 1u);
    EXPECT_FALSE(static_cast<bool>(Source));
    auto Result = Target.poll(noopContext());
    ASSERT_TRUE(Result.is_ready());
    EXPECT_EQ(Result.value(), 2);

    // Assigning an empty Async empties the target and destroys its future.
    Target = std::move(Source);
    EXPECT_FALSE(static_cast<bool>(Target));
    EXPECT_TRUE(New.clean());

    // A moved-from Async can be assigned to again.
    Source = TrackedFuture{Tracked(New, 3)};
    ASSERT_TRUE(static_cast<bool>(Source));
    auto Again = Source.poll(noopContext());
    ASSERT_TRUE(Again.is_ready());
    EXPECT_EQ(Again.value(), 3);
  }
  EXPECT_TRUE(Old.clean());
  EXPECT_TRUE(New.clean());
}

TEST(AsyncTest, SelfMoveAssignmentKeepsTheFuture) {
  Tracker T;
  {
    Async<int> A = TrackedFuture{Tracked(T, 4)};
    Async<int> &Alias = A;
    A = std::move(Alias);
    ASSERT_TRUE(static_cast<bool>(A));
    EXPECT_EQ(T.Live.size(), 1u);
    auto Result = A.poll(noopContext());
    ASSERT_TRUE(Result.is_ready());
    EXPECT_EQ(Result.value(), 4);
  }
  EXPECT_TRUE(T.clean());
}

struct VoidProbe {
  using Output = void;
  int *Polls;
  Poll<void> poll(Context &) {
    return ++*Polls == 2 ? Poll<void>::ready() : Poll<void>::pending();
  }
};

TEST(AsyncTest, VoidOutput) {
  int Polls = 0;
  Async<void> A = VoidProbe{&Polls};
  static_assert(std::is_same_v<decltype(A.poll(noopContext())), Poll<void>>);
  EXPECT_TRUE(A.poll(noopContext()).is_pending());
  EXPECT_TRUE(A.poll(noopContext()).is_ready());
  EXPECT_EQ(Polls, 2);
}

TEST(AsyncTest, MoveOnlyOutput) {
  auto Owned = std::make_unique<int>(5);
  int *Raw = Owned.get();
  Async<std::unique_ptr<int>> A = Ready<std::unique_ptr<int>>(std::move(Owned));
  auto Result = A.poll(noopContext());
  ASSERT_TRUE(Result.is_ready());
  std::unique_ptr<int> Out = std::move(Result).value();
  EXPECT_EQ(Out.get(), Raw);
  EXPECT_EQ(*Out, 5);
}

TEST(AsyncTest, BoxesAReadyFuture) {
  Async<int> A(Ready<int>(9));
  auto Result = A.poll(noopContext());
  ASSERT_TRUE(Result.is_ready());
  EXPECT_EQ(Result.value(), 9);
}

TEST(AsyncDeathTest, PollingAMovedFromAsyncAborts) {
  Async<int> A = Ready<int>(1);
  Async<int> B = std::move(A);
  EXPECT_DEATH((void)A.poll(noopContext()),
               "polled an empty \\(moved-from\\) Async");
}

} // namespace
