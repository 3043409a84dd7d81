//===- bench/corofy_side_handwritten.cpp - Hand-written state machines ----===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// The "hand-written" side of coroutine_bench (handwritten_side.hpp): state
// machines written by hand for the coroutines of corofy_side.cpp, the
// reference that the corofy output of that file is measured against:
//
//   coroutine<long> depth1(int &Counter) {
//     long Sum = 0;
//     Sum += wait(Leaf(Counter)); // 8 times, straight-line
//     ...
//     return Sum;
//   }
//   coroutine<long> level2(int &Counter) { return wait(depth1(Counter)); }
//   coroutine<long> level3(int &Counter) { return wait(level2(Counter)); }
//   coroutine<long> level4(int &Counter) { return wait(level3(Counter)); }
//
// Each coroutine is a class with an enum state; the futures it waits on are
// stored by value in a union of per-suspension-point slots (only one is alive
// at a time), so level4 holds the whole chain inline and nothing is
// heap-allocated. A state machine may be moved only before its first poll.
// If a poll throws, the live child is destroyed and the coroutine counts as
// completed. The leaf future and the driver are those of the corofy side
// (corofy_leaf.hpp), so the two differ only in their state machines.
//
//===----------------------------------------------------------------------===//

#include "handwritten_side.hpp"

#include "corofy_leaf.hpp"

#include "corofy/corofy.hpp"

#include <cstdlib>
#include <new>
#include <utility>

namespace {

using corofy::Context;
using corofy::Poll;
using corofy_bench::drive;
using corofy_bench::Leaf;

//===----------------------------------------------------------------------===//
// depth1: 8 waits on the leaf in a row.
//===----------------------------------------------------------------------===//

class Depth1 {
public:
  using Output = long;

  explicit Depth1(int &Counter) noexcept : Counter(&Counter) {}
  Depth1(Depth1 &&Other) noexcept : Counter(Other.Counter) {
    if (Other.State != St::Start)
      corofy::frame::moved_after_start("depth1");
  }
  Depth1(const Depth1 &) = delete;
  Depth1 &operator=(const Depth1 &) = delete;
  Depth1 &operator=(Depth1 &&) = delete;
  ~Depth1() { destroyLive(); }

  Poll<long> poll(Context &Cx) {
    try {
      switch (State) {
      case St::Start:
        Sum = 0;
        ::new (&Slots.Wait0) Leaf(*Counter);
        State = St::Wait0;
        [[fallthrough]];
      case St::Wait0: {
        Poll<int> P = Slots.Wait0.poll(Cx);
        if (P.is_pending())
          return Poll<long>::pending();
        Slots.Wait0.~Leaf();
        State = St::Done;
        Sum += P.value();
        ::new (&Slots.Wait1) Leaf(*Counter);
        State = St::Wait1;
      }
        [[fallthrough]];
      case St::Wait1: {
        Poll<int> P = Slots.Wait1.poll(Cx);
        if (P.is_pending())
          return Poll<long>::pending();
        Slots.Wait1.~Leaf();
        State = St::Done;
        Sum += P.value();
        ::new (&Slots.Wait2) Leaf(*Counter);
        State = St::Wait2;
      }
        [[fallthrough]];
      case St::Wait2: {
        Poll<int> P = Slots.Wait2.poll(Cx);
        if (P.is_pending())
          return Poll<long>::pending();
        Slots.Wait2.~Leaf();
        State = St::Done;
        Sum += P.value();
        ::new (&Slots.Wait3) Leaf(*Counter);
        State = St::Wait3;
      }
        [[fallthrough]];
      case St::Wait3: {
        Poll<int> P = Slots.Wait3.poll(Cx);
        if (P.is_pending())
          return Poll<long>::pending();
        Slots.Wait3.~Leaf();
        State = St::Done;
        Sum += P.value();
        ::new (&Slots.Wait4) Leaf(*Counter);
        State = St::Wait4;
      }
        [[fallthrough]];
      case St::Wait4: {
        Poll<int> P = Slots.Wait4.poll(Cx);
        if (P.is_pending())
          return Poll<long>::pending();
        Slots.Wait4.~Leaf();
        State = St::Done;
        Sum += P.value();
        ::new (&Slots.Wait5) Leaf(*Counter);
        State = St::Wait5;
      }
        [[fallthrough]];
      case St::Wait5: {
        Poll<int> P = Slots.Wait5.poll(Cx);
        if (P.is_pending())
          return Poll<long>::pending();
        Slots.Wait5.~Leaf();
        State = St::Done;
        Sum += P.value();
        ::new (&Slots.Wait6) Leaf(*Counter);
        State = St::Wait6;
      }
        [[fallthrough]];
      case St::Wait6: {
        Poll<int> P = Slots.Wait6.poll(Cx);
        if (P.is_pending())
          return Poll<long>::pending();
        Slots.Wait6.~Leaf();
        State = St::Done;
        Sum += P.value();
        ::new (&Slots.Wait7) Leaf(*Counter);
        State = St::Wait7;
      }
        [[fallthrough]];
      case St::Wait7: {
        Poll<int> P = Slots.Wait7.poll(Cx);
        if (P.is_pending())
          return Poll<long>::pending();
        Slots.Wait7.~Leaf();
        State = St::Done;
        Sum += P.value();
        return Poll<long>::ready(Sum);
      }
      case St::Done:
        break;
      }
    } catch (...) {
      destroyLive();
      State = St::Done;
      throw;
    }
    corofy::frame::polled_after_completion("depth1");
  }

private:
  enum class St : unsigned char {
    Start,
    Wait0,
    Wait1,
    Wait2,
    Wait3,
    Wait4,
    Wait5,
    Wait6,
    Wait7,
    Done
  };

  void destroyLive() noexcept {
    switch (State) {
    case St::Wait0:
      Slots.Wait0.~Leaf();
      break;
    case St::Wait1:
      Slots.Wait1.~Leaf();
      break;
    case St::Wait2:
      Slots.Wait2.~Leaf();
      break;
    case St::Wait3:
      Slots.Wait3.~Leaf();
      break;
    case St::Wait4:
      Slots.Wait4.~Leaf();
      break;
    case St::Wait5:
      Slots.Wait5.~Leaf();
      break;
    case St::Wait6:
      Slots.Wait6.~Leaf();
      break;
    case St::Wait7:
      Slots.Wait7.~Leaf();
      break;
    case St::Start:
    case St::Done:
      break;
    }
  }

  int *Counter; // parameter
  long Sum;     // local alive across suspension points
  union SlotsT {
    SlotsT() noexcept {}
    ~SlotsT() {}
    Leaf Wait0, Wait1, Wait2, Wait3, Wait4, Wait5, Wait6, Wait7;
  } Slots;
  St State = St::Start;
};

Depth1 depth1(int &Counter) { return Depth1(Counter); }

//===----------------------------------------------------------------------===//
// level2 -> depth1, level3 -> level2, level4 -> level3: one wait each.
//===----------------------------------------------------------------------===//

class Level2 {
public:
  using Output = long;

  explicit Level2(int &Counter) noexcept : Counter(&Counter) {}
  Level2(Level2 &&Other) noexcept : Counter(Other.Counter) {
    if (Other.State != St::Start)
      corofy::frame::moved_after_start("level2");
  }
  Level2(const Level2 &) = delete;
  Level2 &operator=(const Level2 &) = delete;
  Level2 &operator=(Level2 &&) = delete;
  ~Level2() { destroyLive(); }

  Poll<long> poll(Context &Cx) {
    try {
      switch (State) {
      case St::Start:
        ::new (&Slots.Wait0) Depth1(depth1(*Counter));
        State = St::Wait0;
        [[fallthrough]];
      case St::Wait0: {
        Poll<long> P = Slots.Wait0.poll(Cx);
        if (P.is_pending())
          return Poll<long>::pending();
        Slots.Wait0.~Depth1();
        State = St::Done;
        return Poll<long>::ready(std::move(P).value());
      }
      case St::Done:
        break;
      }
    } catch (...) {
      destroyLive();
      State = St::Done;
      throw;
    }
    corofy::frame::polled_after_completion("level2");
  }

private:
  enum class St : unsigned char { Start, Wait0, Done };

  void destroyLive() noexcept {
    if (State == St::Wait0)
      Slots.Wait0.~Depth1();
  }

  int *Counter;
  union SlotsT {
    SlotsT() noexcept {}
    ~SlotsT() {}
    Depth1 Wait0;
  } Slots;
  St State = St::Start;
};

Level2 level2(int &Counter) { return Level2(Counter); }

class Level3 {
public:
  using Output = long;

  explicit Level3(int &Counter) noexcept : Counter(&Counter) {}
  Level3(Level3 &&Other) noexcept : Counter(Other.Counter) {
    if (Other.State != St::Start)
      corofy::frame::moved_after_start("level3");
  }
  Level3(const Level3 &) = delete;
  Level3 &operator=(const Level3 &) = delete;
  Level3 &operator=(Level3 &&) = delete;
  ~Level3() { destroyLive(); }

  Poll<long> poll(Context &Cx) {
    try {
      switch (State) {
      case St::Start:
        ::new (&Slots.Wait0) Level2(level2(*Counter));
        State = St::Wait0;
        [[fallthrough]];
      case St::Wait0: {
        Poll<long> P = Slots.Wait0.poll(Cx);
        if (P.is_pending())
          return Poll<long>::pending();
        Slots.Wait0.~Level2();
        State = St::Done;
        return Poll<long>::ready(std::move(P).value());
      }
      case St::Done:
        break;
      }
    } catch (...) {
      destroyLive();
      State = St::Done;
      throw;
    }
    corofy::frame::polled_after_completion("level3");
  }

private:
  enum class St : unsigned char { Start, Wait0, Done };

  void destroyLive() noexcept {
    if (State == St::Wait0)
      Slots.Wait0.~Level2();
  }

  int *Counter;
  union SlotsT {
    SlotsT() noexcept {}
    ~SlotsT() {}
    Level2 Wait0;
  } Slots;
  St State = St::Start;
};

Level3 level3(int &Counter) { return Level3(Counter); }

class Level4 {
public:
  using Output = long;

  explicit Level4(int &Counter) noexcept : Counter(&Counter) {}
  Level4(Level4 &&Other) noexcept : Counter(Other.Counter) {
    if (Other.State != St::Start)
      corofy::frame::moved_after_start("level4");
  }
  Level4(const Level4 &) = delete;
  Level4 &operator=(const Level4 &) = delete;
  Level4 &operator=(Level4 &&) = delete;
  ~Level4() { destroyLive(); }

  Poll<long> poll(Context &Cx) {
    try {
      switch (State) {
      case St::Start:
        ::new (&Slots.Wait0) Level3(level3(*Counter));
        State = St::Wait0;
        [[fallthrough]];
      case St::Wait0: {
        Poll<long> P = Slots.Wait0.poll(Cx);
        if (P.is_pending())
          return Poll<long>::pending();
        Slots.Wait0.~Level3();
        State = St::Done;
        return Poll<long>::ready(std::move(P).value());
      }
      case St::Done:
        break;
      }
    } catch (...) {
      destroyLive();
      State = St::Done;
      throw;
    }
    corofy::frame::polled_after_completion("level4");
  }

private:
  enum class St : unsigned char { Start, Wait0, Done };

  void destroyLive() noexcept {
    if (State == St::Wait0)
      Slots.Wait0.~Level3();
  }

  int *Counter;
  union SlotsT {
    SlotsT() noexcept {}
    ~SlotsT() {}
    Level3 Wait0;
  } Slots;
  St State = St::Start;
};

Level4 level4(int &Counter) { return Level4(Counter); }

static_assert(corofy::Future<Leaf> && corofy::Future<Depth1> &&
              corofy::Future<Level4>);

} // namespace

long handRunDepth1() {
  int Counter = 0;
  Depth1 Top = depth1(Counter);
  return drive(Top);
}

long handRunDepth4() {
  int Counter = 0;
  Level4 Top = level4(Counter);
  return drive(Top);
}

std::size_t handFrameBytesDepth1() { return sizeof(Depth1); }
std::size_t handFrameBytesDepth4() { return sizeof(Level4); }
