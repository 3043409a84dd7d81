//===- waker_test.cpp - Tests of Waker and Context ------------------------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#include "corofy/waker.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using corofy::Context;
using corofy::Waker;
using corofy::WakerVTable;

static_assert(std::is_nothrow_copy_constructible_v<Waker>);
static_assert(std::is_nothrow_move_constructible_v<Waker>);
static_assert(std::is_nothrow_copy_assignable_v<Waker>);
static_assert(std::is_nothrow_move_assignable_v<Waker>);

/// What a counting vtable saw for one task. The data pointer of every handle
/// is the address of its Counts, so each vtable call can be checked against
/// the handle it was made on.
struct Counts {
  int Clones = 0;
  int Wakes = 0;
  int Drops = 0;
  /// Handles alive according to the vtable: 1 for the handle built from the
  /// raw parts, +1 per clone, -1 per drop.
  int live() const { return 1 + Clones - Drops; }
};

Counts *countsOf(const void *Data) {
  return static_cast<Counts *>(const_cast<void *>(Data));
}

const void *countingClone(const void *Data) {
  ++countsOf(Data)->Clones;
  return Data;
}
void countingWake(const void *Data) { ++countsOf(Data)->Wakes; }
void countingDrop(const void *Data) {
  Counts *C = countsOf(Data);
  ++C->Drops;
  // A drop of a handle that no longer exists is a double drop.
  EXPECT_GE(C->live(), 0) << "a waker handle was dropped twice";
}

constexpr WakerVTable CountingVTable{countingClone, countingWake, countingDrop};
// The same functions behind a distinct vtable object.
constexpr WakerVTable OtherVTable{countingClone, countingWake, countingDrop};

Waker countingWaker(Counts &C) { return Waker(&C, &CountingVTable); }

TEST(WakerTest, ConstructionAdoptsTheHandleAndDestructionDropsIt) {
  Counts C;
  {
    Waker W = countingWaker(C);
    EXPECT_EQ(C.Clones, 0);
    EXPECT_EQ(C.Drops, 0);
    EXPECT_EQ(C.Wakes, 0);
  }
  EXPECT_EQ(C.Clones, 0);
  EXPECT_EQ(C.Drops, 1);
}

TEST(WakerTest, EveryCloneIsDroppedExactlyOnce) {
  Counts C;
  {
    Waker A = countingWaker(C);
    Waker B = A;
    Waker D(B);
    EXPECT_EQ(C.Clones, 2);
    EXPECT_EQ(C.Drops, 0);
    {
      Waker E = D;
      EXPECT_EQ(C.Clones, 3);
    }
    EXPECT_EQ(C.Drops, 1);
  }
  EXPECT_EQ(C.Clones, 3);
  EXPECT_EQ(C.Drops, 4);
  EXPECT_EQ(C.live(), 0);
}

TEST(WakerTest, MoveConstructionNeitherClonesNorDropsAndMovedFromDropsNothing) {
  Counts C;
  std::optional<Waker> Source(countingWaker(C));
  std::optional<Waker> Target(std::move(*Source));
  EXPECT_EQ(C.Clones, 0);
  EXPECT_EQ(C.Drops, 0);
  Source.reset(); // the moved-from handle owns nothing
  EXPECT_EQ(C.Drops, 0);
  Target->wake(); // and the moved-to one still works
  EXPECT_EQ(C.Wakes, 1);
  Target.reset();
  EXPECT_EQ(C.Clones, 0);
  EXPECT_EQ(C.Drops, 1);
}

TEST(WakerTest, CopyAssignmentClonesTheSourceAndDropsTheOldHandle) {
  Counts First, Second;
  {
    Waker A = countingWaker(First);
    Waker B = countingWaker(Second);
    B = A;
    EXPECT_EQ(First.Clones, 1);
    EXPECT_EQ(First.Drops, 0);
    EXPECT_EQ(Second.Clones, 0);
    EXPECT_EQ(Second.Drops, 1) << "the handle B held before was not dropped";
    B.wake();
    EXPECT_EQ(First.Wakes, 1);
    EXPECT_EQ(Second.Wakes, 0);
    EXPECT_TRUE(B.will_wake(A));
  }
  EXPECT_EQ(First.Drops, 2);
  EXPECT_EQ(First.live(), 0);
  EXPECT_EQ(Second.live(), 0);
}

TEST(WakerTest, MoveAssignmentTransfersTheHandleAndDropsTheOldOne) {
  Counts First, Second;
  std::optional<Waker> A(countingWaker(First));
  std::optional<Waker> B(countingWaker(Second));
  *B = std::move(*A);
  EXPECT_EQ(First.Clones, 0);
  EXPECT_EQ(First.Drops, 0);
  EXPECT_EQ(Second.Drops, 1);
  A.reset();
  EXPECT_EQ(First.Drops, 0) << "a moved-from waker dropped a handle";
  B->wake();
  EXPECT_EQ(First.Wakes, 1);
  B.reset();
  EXPECT_EQ(First.Drops, 1);
  EXPECT_EQ(Second.Drops, 1);
}

TEST(WakerTest, AssigningToAMovedFromWakerMakesItUsable) {
  Counts First, Second;
  {
    Waker A = countingWaker(First);
    Waker Moved = std::move(A);
    A = countingWaker(Second);
    A.wake();
    EXPECT_EQ(Second.Wakes, 1);
    EXPECT_EQ(First.Drops, 0);
  }
  EXPECT_EQ(First.live(), 0);
  EXPECT_EQ(Second.live(), 0);
}

TEST(WakerTest, SelfAssignmentKeepsTheHandleBalanced) {
  Counts C;
  {
    Waker A = countingWaker(C);
    Waker &Alias = A;
    A = Alias; // self copy-assignment
    EXPECT_EQ(C.live(), 1);
    A = std::move(Alias); // self move-assignment
    EXPECT_EQ(C.live(), 1);
    A.wake();
    EXPECT_EQ(C.Wakes, 1);
  }
  EXPECT_EQ(C.live(), 0);
}

TEST(WakerTest, HandlesStayBalancedThroughContainerReallocation) {
  Counts C;
  {
    Waker Original = countingWaker(C);
    std::vector<Waker> Wakers;
    for (int I = 0; I != 100; ++I)
      Wakers.push_back(Original); // reallocations move the earlier ones
    EXPECT_EQ(C.Clones, 100);
    EXPECT_EQ(C.Drops, 0);
    Wakers.erase(Wakers.begin(), Wakers.begin() + 50);
    EXPECT_EQ(C.Drops, 50);
    for (const Waker &W : Wakers)
      W.wake();
    EXPECT_EQ(C.Wakes, 50);
  }
  EXPECT_EQ(C.Clones, 100);
  EXPECT_EQ(C.Drops, 101);
}

struct WakeRecord {
  int Calls = 0;
  const void *LastData = nullptr;
};
WakeRecord GlobalWakeRecord;

TEST(WakerTest, WakeCallsTheVTableWithTheHandlesData) {
  GlobalWakeRecord = {};
  static constexpr WakerVTable RecordingVTable{
      [](const void *Data) { return Data; },
      [](const void *Data) {
        ++GlobalWakeRecord.Calls;
        GlobalWakeRecord.LastData = Data;
      },
      [](const void *) {}};
  int Task = 0;
  {
    const Waker W(&Task, &RecordingVTable);
    W.wake();
    W.wake(); // waking twice is allowed and reaches the vtable twice
    EXPECT_EQ(GlobalWakeRecord.Calls, 2);
    EXPECT_EQ(GlobalWakeRecord.LastData, &Task);
  }
  EXPECT_EQ(GlobalWakeRecord.Calls, 2) << "dropping a waker woke it";
}

TEST(WakerTest, WakeNeitherClonesNorDrops) {
  Counts C;
  {
    Waker W = countingWaker(C);
    W.wake();
    Waker Copy = W;
    Copy.wake();
    EXPECT_EQ(C.Wakes, 2);
    EXPECT_EQ(C.Clones, 1);
    EXPECT_EQ(C.Drops, 0);
  }
  EXPECT_EQ(C.Drops, 2);
}

TEST(WakerTest, WakeByValueWakesAndDropsOnceAndLeavesANoop) {
  Counts C;
  {
    Waker W = countingWaker(C);
    Waker Copy = W;
    std::move(W).wake(); // no wake_and_drop: wake, then drop
    EXPECT_EQ(C.Wakes, 1);
    EXPECT_EQ(C.Drops, 1);
    W.wake(); // a no-op now, like a moved-from waker
    Waker FromNoop = W;
    EXPECT_EQ(C.Wakes, 1);
    EXPECT_EQ(C.Clones, 1);
  }
  EXPECT_EQ(C.Drops, 2); // Copy; the no-ops dropped nothing
}

int WakeAndDropCalls = 0;
void countingWakeAndDrop(const void *Data) {
  ++WakeAndDropCalls;
  countingWake(Data);
  countingDrop(Data);
}

TEST(WakerTest, WakeByValueUsesWakeAndDropWhenTheVTableHasIt) {
  static constexpr WakerVTable Combined{countingClone, countingWake,
                                        countingDrop, countingWakeAndDrop};
  Counts C, Temporary;
  WakeAndDropCalls = 0;
  {
    Waker W(&C, &Combined);
    std::move(W).wake();
    EXPECT_EQ(WakeAndDropCalls, 1);
    EXPECT_EQ(C.Wakes, 1);
    EXPECT_EQ(C.Drops, 1);
    Waker(&Temporary, &Combined).wake(); // a temporary is woken by value too
    EXPECT_EQ(WakeAndDropCalls, 2);
    EXPECT_EQ(Temporary.Drops, 1);
  }
  EXPECT_EQ(C.Drops, 1); // W was a no-op by then
}

TEST(WakerTest, WillWakeComparesTaskAndVTable) {
  Counts First, Second;
  Waker A = countingWaker(First);
  Waker CloneOfA = A;
  Waker B = countingWaker(Second);
  // A second raw handle of the same task, behind another vtable object.
  Waker SameDataOtherVTable(countingClone(&First), &OtherVTable);
  Waker MovedA = A;
  Waker MovedTo = std::move(MovedA);

  EXPECT_TRUE(A.will_wake(A));
  EXPECT_TRUE(A.will_wake(CloneOfA));
  EXPECT_TRUE(CloneOfA.will_wake(A));
  EXPECT_TRUE(MovedTo.will_wake(A));
  EXPECT_FALSE(A.will_wake(B));
  EXPECT_FALSE(B.will_wake(A));
  EXPECT_FALSE(A.will_wake(SameDataOtherVTable));
  EXPECT_FALSE(SameDataOtherVTable.will_wake(A));
  // will_wake is a pure comparison.
  EXPECT_EQ(First.Wakes, 0);
  // A, CloneOfA, SameDataOtherVTable and MovedTo.
  EXPECT_EQ(First.live(), 4);
}

TEST(WakerTest, NoopWakerDoesNothingAndWillWakeOtherNoops) {
  Waker A = Waker::noop();
  Waker B = Waker::noop();
  A.wake();
  Waker Copy = A;
  Copy.wake();
  Copy = B;
  EXPECT_TRUE(A.will_wake(B));
  EXPECT_TRUE(Copy.will_wake(A));

  Counts C;
  Waker Counting = countingWaker(C);
  EXPECT_FALSE(A.will_wake(Counting));
  EXPECT_FALSE(Counting.will_wake(A));
  Counting = A; // replaces the counting handle with a noop one
  EXPECT_EQ(C.Drops, 1);
  EXPECT_TRUE(Counting.will_wake(B));
  Counting.wake();
  EXPECT_EQ(C.Wakes, 0);
}

TEST(ContextTest, HoldsTheWakerByReference) {
  Counts C;
  {
    Waker W = countingWaker(C);
    Context Cx(W);
    EXPECT_EQ(&Cx.waker(), &W);
    EXPECT_EQ(C.Clones, 0) << "Context copied the waker";
    Cx.waker().wake();
    EXPECT_EQ(C.Wakes, 1);
    Waker Kept = Cx.waker(); // what a pending future does
    EXPECT_TRUE(Kept.will_wake(W));
    EXPECT_EQ(C.Clones, 1);
  }
  EXPECT_EQ(C.live(), 0);
}

} // namespace
