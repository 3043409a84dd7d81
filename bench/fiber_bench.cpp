//===- fiber_bench.cpp - Fiber switch, creation and memory ----------------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// Measures, in one run:
//  - a one-way context switch, as round trips between two contexts divided
//    by two, for corofy's assembly switch, Boost.Context's fcontext
//    (jump_fcontext; when Boost was found) and ucontext (swapcontext);
//  - the same through the fiber API: a run_on_fiber future polled by hand
//    whose fiber awaits a future that is pending once (resume + park);
//  - a fiber created from the stack pool, run to completion and destroyed;
//  - the memory of 100,000 parked fibers (resident set from
//    /proc/self/statm before and after, divided by the count).
// Switches are measured in interleaved rounds (best and median shown); the
// other rows are medians. Not a test: the numbers depend on the machine and
// its load.
//
//===----------------------------------------------------------------------===//

#include "corofy/fiber.hpp"

#include "fiber_context.h"
#include "fiber_stack.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#ifdef COROFY_BENCH_HAVE_FCONTEXT
#include <boost/context/detail/fcontext.hpp>
#endif

namespace {

namespace fiber = corofy::fiber;
/// The CPU time of this thread: on a shared machine, unlike the wall clock,
/// it leaves out the time other processes hold the CPU.
struct Clock {
  using time_point = double; // nanoseconds
  static time_point now() {
    timespec now;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) * 1e9 +
           static_cast<double>(now.tv_nsec);
  }
};

constexpr int Repetitions = 15;
constexpr long SwitchRoundTrips = 2'000'000;
constexpr long Creations = 200'000;
constexpr int ParkedFibers = 100'000;

struct Timing {
  double best, median; // nanoseconds per unit
};

Timing summarize(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  return Timing{samples.front(), samples[samples.size() / 2]};
}

/// Runs `run()`, which returns nanoseconds per unit, Repetitions times.
Timing repeat(const std::function<double()> &run) {
  std::vector<double> samples;
  for (int i = 0; i != Repetitions; ++i)
    samples.push_back(run());
  return summarize(std::move(samples));
}

double nanosecondsSince(Clock::time_point start, long units) {
  return (Clock::now() - start) / static_cast<double>(units);
}

//===----------------------------------------------------------------------===//
// One-way switches
//===----------------------------------------------------------------------===//

/// Two contexts that switch back and forth; round_trips() times that.
class SwitchPeer {
public:
  virtual ~SwitchPeer() = default;
  virtual const char *name() const = 0;
  /// Nanoseconds per one-way switch over `count` round trips.
  virtual double measure(long count) = 0;
};

class CorofyPeer final : public SwitchPeer {
public:
  CorofyPeer() {
    fiber::detail::make_fiber_context(other_, stack_.top() - 64, &pong, this);
    corofy_fiber_switch(&main_, &other_); // first entry
  }
  ~CorofyPeer() override { fiber::detail::release_stack(stack_); }
  const char *name() const override {
    return "switch: corofy (corofy_fiber_switch)";
  }
  double measure(long count) override {
    auto start = Clock::now();
    for (long i = 0; i != count; ++i)
      corofy_fiber_switch(&main_, &other_);
    return nanosecondsSince(start, 2 * count);
  }

private:
  [[noreturn]] static void pong(void *self) {
    auto *peer = static_cast<CorofyPeer *>(self);
    for (;;)
      corofy_fiber_switch(&peer->other_, &peer->main_);
  }
  fiber::detail::Stack stack_ = fiber::detail::acquire_stack(64 * 1024);
  fiber::detail::FiberContext main_{}, other_{};
};

#ifdef COROFY_BENCH_HAVE_FCONTEXT
namespace fctx = boost::context::detail;

class FcontextPeer final : public SwitchPeer {
public:
  FcontextPeer() : stack_(64 * 1024) {
    other_ = fctx::make_fcontext(stack_.data() + stack_.size(), stack_.size(),
                                 &pong);
    other_ = fctx::jump_fcontext(other_, nullptr).fctx; // first entry
  }
  const char *name() const override { return "switch: Boost.Context fcontext"; }
  double measure(long count) override {
    auto start = Clock::now();
    for (long i = 0; i != count; ++i)
      other_ = fctx::jump_fcontext(other_, nullptr).fctx;
    return nanosecondsSince(start, 2 * count);
  }

private:
  [[noreturn]] static void pong(fctx::transfer_t from) {
    for (;;)
      from = fctx::jump_fcontext(from.fctx, nullptr);
  }
  std::vector<char> stack_;
  fctx::fcontext_t other_;
};
#endif

class UcontextPeer final : public SwitchPeer {
public:
  UcontextPeer() : stack_(64 * 1024) {
    getcontext(&Other);
    Other.uc_stack.ss_sp = stack_.data();
    Other.uc_stack.ss_size = stack_.size();
    Other.uc_link = nullptr;
    makecontext(&Other, &pong, 0);
    swapcontext(&Main, &Other); // first entry
  }
  const char *name() const override { return "switch: ucontext (swapcontext)"; }
  double measure(long count) override {
    // swapcontext saves and restores the signal mask: a system call each
    // way, so fewer round trips do.
    count /= 50;
    auto start = Clock::now();
    for (long i = 0; i != count; ++i)
      swapcontext(&Main, &Other);
    return nanosecondsSince(start, 2 * count);
  }

private:
  static void pong() {
    for (;;)
      swapcontext(&Other, &Main);
  }
  static inline ucontext_t Main, Other;
  std::vector<char> stack_;
};

struct SwitchResult {
  const char *name;
  Timing timing;
};

/// Measures every peer once per round, interleaved, so that a burst of
/// load from elsewhere on the machine hits all of them alike.
std::vector<SwitchResult>
measureSwitches(std::vector<std::unique_ptr<SwitchPeer>> &peers) {
  std::vector<std::vector<double>> samples(peers.size());
  for (int round = 0; round != Repetitions; ++round)
    for (std::size_t i = 0; i != peers.size(); ++i)
      samples[i].push_back(peers[i]->measure(SwitchRoundTrips));
  std::vector<SwitchResult> results;
  for (std::size_t i = 0; i != peers.size(); ++i)
    results.push_back(SwitchResult{peers[i]->name(), summarize(samples[i])});
  return results;
}

//===----------------------------------------------------------------------===//
// Through the fiber API
//===----------------------------------------------------------------------===//

/// Pending at its first poll, ready at the second.
struct PendingOnce {
  using Output = void;
  bool polled = false;
  corofy::Poll<void> poll(corofy::Context &) {
    if (std::exchange(polled, true))
      return corofy::Poll<void>::ready();
    return corofy::Poll<void>::pending();
  }
};

corofy::Context &noopContext() {
  static const corofy::Waker waker = corofy::Waker::noop();
  static corofy::Context cx(waker);
  return cx;
}

Timing fiberResumePark() {
  return repeat([] {
    auto future = fiber::run_on_fiber([] {
      for (long i = 0; i != SwitchRoundTrips; ++i)
        fiber::await(PendingOnce{});
    });
    auto start = Clock::now();
    long polls = 0;
    while (future.poll(noopContext()).is_pending())
      ++polls;
    return nanosecondsSince(start, 2 * polls);
  });
}

Timing fiberCreateRunDestroy() {
  (void)fiber::run_on_fiber([] { return 0; }).poll(noopContext()); // pool
  return repeat([] {
    auto start = Clock::now();
    long sum = 0;
    for (long i = 0; i != Creations; ++i) {
      auto future = fiber::run_on_fiber([i] { return i; });
      sum += future.poll(noopContext()).value();
    }
    double ns = nanosecondsSince(start, Creations);
    if (sum != Creations * (Creations - 1) / 2)
      std::abort();
    return ns;
  });
}

//===----------------------------------------------------------------------===//
// Memory of parked fibers
//===----------------------------------------------------------------------===//

long residentPages() {
  std::ifstream statm("/proc/self/statm");
  long size = 0, resident = 0;
  statm >> size >> resident;
  return resident;
}

struct ParkedResult {
  double bytes_per_fiber;
  double cancel_ns;
};

ParkedResult parkedFibers() {
  struct Gate {
    using Output = void;
    corofy::Poll<void> poll(corofy::Context &) {
      return corofy::Poll<void>::pending();
    }
  };
  auto park = [] { fiber::await(Gate{}); };
  using Future = decltype(fiber::run_on_fiber(park));
  std::vector<Future> futures;
  futures.reserve(ParkedFibers); // counted: it is part of each fiber's cost
  long before = residentPages();
  for (int i = 0; i != ParkedFibers; ++i) {
    futures.push_back(fiber::run_on_fiber(park));
    if (!futures.back().poll(noopContext()).is_pending())
      std::abort();
  }
  long after = residentPages();
  auto start = Clock::now();
  futures.clear(); // cancels: each fiber unwinds
  return ParkedResult{static_cast<double>(after - before) *
                          static_cast<double>(::sysconf(_SC_PAGESIZE)) /
                          ParkedFibers,
                      nanosecondsSince(start, ParkedFibers)};
}

} // namespace

int main() {
  std::printf("fiber_bench: thread CPU time, %d rounds; one-way switch = "
              "round trip / 2; ratios are to corofy's best switch\n\n",
              Repetitions);
  std::vector<std::unique_ptr<SwitchPeer>> peers;
  peers.push_back(std::make_unique<CorofyPeer>());
#ifdef COROFY_BENCH_HAVE_FCONTEXT
  peers.push_back(std::make_unique<FcontextPeer>());
#endif
  peers.push_back(std::make_unique<UcontextPeer>());
  std::vector<SwitchResult> switches = measureSwitches(peers);
  const double corofy = switches.front().timing.best;

  std::printf("%-44s %10s %10s %9s\n", "measure", "best", "median",
              "vs corofy");
  auto row = [&](const char *name, Timing timing, bool ratio) {
    std::printf("%-44s %7.2f ns %7.2f ns", name, timing.best, timing.median);
    if (ratio)
      std::printf(" %8.2fx", timing.best / corofy);
    std::printf("\n");
  };
  for (const SwitchResult &result : switches)
    row(result.name, result.timing, true);
#ifndef COROFY_BENCH_HAVE_FCONTEXT
  std::printf("%-44s (Boost.Context not found at configure time)\n",
              "switch: Boost.Context fcontext");
#endif
  row("switch via API: poll resumes, await parks", fiberResumePark(), true);
  row("fiber create+run+destroy (pooled stack)", fiberCreateRunDestroy(),
      false);
  ParkedResult parked = parkedFibers();
  std::printf("%-44s %7.2f KiB\n", "resident memory per parked fiber (100k)",
              parked.bytes_per_fiber / 1024);
  std::printf("%-44s %7.0f ns\n", "cancel (unwind) a parked fiber",
              parked.cancel_ns);
  std::printf("\ntargets: switch no slower than fcontext, create+run+destroy "
              "< 100 ns, < 16 KiB per parked fiber\n");
  return 0;
}
