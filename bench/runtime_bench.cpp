//===- bench/runtime_bench.cpp - corofy's runtime vs Tokio ----------------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// Runs the same work on corofy's Runtime and on Tokio (tokio/src/main.rs, a
// separate program that this one runs when the build made it), on a
// current-thread runtime and on a multi-thread one with 2 workers, and prints
// one table. The benchmarks:
//
//   spawn     block_on spawns a batch of 10,000 trivial tasks (each returns
//             its index), then waits on their JoinHandles in order: ns per
//             task, spawn to joined;
//   pingpong  two spawned tasks take turns through a pair of Signals (a flag
//             and a stored waker under a spin lock, the same hand-rolled
//             future on both sides): A notifies B and waits, B waits and
//             notifies A. ns per round trip (two wake-to-run hops);
//   sleeps    100,000 spawned tasks each sleep 100 ms (the deadline taken at
//             the task's first poll) and complete; block_on waits on every
//             JoinHandle. Wall time from the first spawn to the last join,
//             and the peak RSS of a process that does only that (wait4's
//             ru_maxrss; "grown" is that minus the RSS before the runtime
//             was created).
//
// Each row has its wall time and the CPU time of all the process's threads
// (CLOCK_PROCESS_CPUTIME_ID; for sleeps the child's rusage): on a machine
// shared with other work, wall time also measures how soon the threads got
// a CPU back, CPU time much less so.
//
// The C++ tasks are hand-written futures (a poll() each, like Rust's async
// blocks compiled), so that only the runtimes differ. Both sides run in
// fresh child processes, so that neither inherits the other's or an earlier
// round's heap: per round, this program re-executed with --inproc and the
// Tokio peer with `inproc` measure spawn and pingpong (one warm-up batch,
// then batches until the target time has passed, on a runtime made for that
// measurement), and each sleeps run is a process of its own (--sleeps-child
// and `sleeps`). Every measurement is repeated 7 times, the two sides
// interleaved (which goes first alternates) so that a change in machine load
// hits both alike; the table has medians.
//
// Usage: runtime_bench [MS [BENCH...]]
//   MS     milliseconds per spawn/pingpong measurement (default 100);
//   BENCH  spawn, pingpong or sleeps100k: run only those (default: all).
// The environment variable COROFY_BENCH_TOKIO_PEER, if set, names the Tokio
// peer to run instead of the one the build made (empty: no Tokio rows).
// Exits non-zero if a side computes a wrong result.
//
//===----------------------------------------------------------------------===//

#include "corofy/executor.hpp"
#include "corofy/task.hpp"
#include "corofy/timer.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

namespace {

using corofy::Context;
using corofy::JoinHandle;
using corofy::Poll;
using corofy::Waker;
using BenchClock = std::chrono::steady_clock;

constexpr int Rounds = 7;
constexpr std::uint64_t SpawnBatch = 10'000;
constexpr std::uint64_t PingPongBatch = 2'000;
constexpr std::uint64_t SleepTasks = 100'000;
constexpr std::uint64_t SleepMs = 100;

enum class Flavor { Current, Multi2 };

const char *flavorName(Flavor F) {
  return F == Flavor::Current ? "current" : "multi2";
}

std::optional<Flavor> parseFlavor(const char *Name) {
  if (std::strcmp(Name, "current") == 0)
    return Flavor::Current;
  if (std::strcmp(Name, "multi2") == 0)
    return Flavor::Multi2;
  return std::nullopt;
}

corofy::Runtime::Options optionsFor(Flavor F) {
  return {.worker_threads = F == Flavor::Current ? 0u : 2u};
}

//===----------------------------------------------------------------------===//
// spawn
//===----------------------------------------------------------------------===//

/// Ready at once with its value: the trivial task.
struct Value {
  using Output = std::uint64_t;
  std::uint64_t V;
  Poll<std::uint64_t> poll(Context &) { return Poll<std::uint64_t>::ready(V); }
};

/// Spawns SpawnBatch Value tasks on its first poll, then waits on their
/// handles in order; yields the sum of their outputs.
class SpawnBatchFuture {
public:
  using Output = std::uint64_t;

  Poll<std::uint64_t> poll(Context &Cx) {
    if (!Started) {
      Started = true;
      Handles.reserve(SpawnBatch);
      for (std::uint64_t I = 0; I != SpawnBatch; ++I)
        Handles.push_back(corofy::spawn(Value{I}));
    }
    for (; Next != Handles.size(); ++Next) {
      Poll<std::uint64_t> Joined = Handles[Next].poll(Cx);
      if (Joined.is_pending())
        return Poll<std::uint64_t>::pending();
      Sum += Joined.value();
      // Free the task now, as the Rust loop drops each handle it consumed.
      Handles[Next].detach();
    }
    return Poll<std::uint64_t>::ready(Sum);
  }

private:
  std::vector<JoinHandle<std::uint64_t>> Handles;
  std::size_t Next = 0;
  std::uint64_t Sum = 0;
  bool Started = false;
};

std::uint64_t spawnBatch(corofy::Runtime &Rt) {
  return Rt.block_on(SpawnBatchFuture{});
}

//===----------------------------------------------------------------------===//
// pingpong
//===----------------------------------------------------------------------===//

/// A one-bit mailbox: notify() sets the flag and wakes the stored waker;
/// pollWait() is ready (clearing the flag) once it is set. The Tokio peer
/// has the same one, with the same spin lock: with each language's mutex
/// (glibc's pthread_mutex_t, Rust's futex Mutex) the difference between the
/// two would count as one between the runtimes.
class Signal {
public:
  void notify() {
    Waker Woken = Waker::noop(); // woken after the lock
    lock();
    Set = true;
    Woken = std::exchange(Stored, Waker::noop());
    unlock();
    std::move(Woken).wake(); // as Rust's Waker::wake(self)
  }

  bool pollWait(Context &Cx) {
    lock();
    bool Ready = Set;
    if (Set)
      Set = false;
    else if (!Stored.will_wake(Cx.waker()))
      Stored = Cx.waker();
    unlock();
    return Ready;
  }

private:
  void lock() {
    while (Locked.exchange(true, std::memory_order_acquire))
      while (Locked.load(std::memory_order_relaxed))
        corofy::detail::cpu_relax();
  }
  void unlock() { Locked.store(false, std::memory_order_release); }

  std::atomic<bool> Locked{false};
  bool Set = false;
  Waker Stored = Waker::noop();
};

struct SignalPair {
  Signal A, B;
};

/// for (i < PingPongBatch) { B.notify(); await A; }
class Pinger {
public:
  using Output = void;
  explicit Pinger(std::shared_ptr<SignalPair> P) : Pair(std::move(P)) {}

  Poll<void> poll(Context &Cx) {
    for (;;) {
      if (Waiting) {
        if (!Pair->A.pollWait(Cx))
          return Poll<void>::pending();
        Waiting = false;
        ++Done;
      }
      if (Done == PingPongBatch)
        return Poll<void>::ready();
      Pair->B.notify();
      Waiting = true;
    }
  }

private:
  std::shared_ptr<SignalPair> Pair;
  std::uint64_t Done = 0;
  bool Waiting = false;
};

/// for (i < PingPongBatch) { await B; A.notify(); }, yields the round trips.
class Ponger {
public:
  using Output = std::uint64_t;
  explicit Ponger(std::shared_ptr<SignalPair> P) : Pair(std::move(P)) {}

  Poll<std::uint64_t> poll(Context &Cx) {
    while (Seen != PingPongBatch) {
      if (!Pair->B.pollWait(Cx))
        return Poll<std::uint64_t>::pending();
      ++Seen;
      Pair->A.notify();
    }
    return Poll<std::uint64_t>::ready(Seen);
  }

private:
  std::shared_ptr<SignalPair> Pair;
  std::uint64_t Seen = 0;
};

/// Spawns a Pinger and a Ponger, then waits on both.
class PingPongBatchFuture {
public:
  using Output = std::uint64_t;

  Poll<std::uint64_t> poll(Context &Cx) {
    if (!PingHandle) {
      auto Pair = std::make_shared<SignalPair>();
      PingHandle.emplace(corofy::spawn(Pinger(Pair)));
      PongHandle.emplace(corofy::spawn(Ponger(Pair)));
    }
    if (!PingDone) {
      if (PingHandle->poll(Cx).is_pending())
        return Poll<std::uint64_t>::pending();
      PingDone = true;
    }
    return PongHandle->poll(Cx);
  }

private:
  std::optional<JoinHandle<void>> PingHandle;
  std::optional<JoinHandle<std::uint64_t>> PongHandle;
  bool PingDone = false;
};

std::uint64_t pingPongBatch(corofy::Runtime &Rt) {
  return Rt.block_on(PingPongBatchFuture{});
}

//===----------------------------------------------------------------------===//
// sleeps (in a child process: --sleeps-child FLAVOR COUNT MS)
//===----------------------------------------------------------------------===//

/// Sleeps for Duration from its first poll, like `async { sleep(d).await }`.
class SleepTask {
public:
  using Output = void;
  explicit SleepTask(corofy::Clock::duration D) : Duration(D) {}

  Poll<void> poll(Context &Cx) {
    if (!Sleeping)
      Sleeping.emplace(corofy::Clock::now() + Duration);
    return Sleeping->poll(Cx);
  }

private:
  corofy::Clock::duration Duration;
  std::optional<corofy::Sleep> Sleeping;
};

/// Spawns Count SleepTasks, then waits on each; yields how many completed.
class SleepsFuture {
public:
  using Output = std::uint64_t;
  SleepsFuture(std::uint64_t Count, corofy::Clock::duration D)
      : Count(Count), Duration(D) {}

  Poll<std::uint64_t> poll(Context &Cx) {
    if (!Started) {
      Started = true;
      Handles.reserve(Count);
      for (std::uint64_t I = 0; I != Count; ++I)
        Handles.push_back(corofy::spawn(SleepTask(Duration)));
    }
    for (; Next != Handles.size(); ++Next) {
      if (Handles[Next].poll(Cx).is_pending())
        return Poll<std::uint64_t>::pending();
      Handles[Next].detach();
    }
    return Poll<std::uint64_t>::ready(Next);
  }

private:
  std::uint64_t Count;
  corofy::Clock::duration Duration;
  std::vector<JoinHandle<void>> Handles;
  std::size_t Next = 0;
  bool Started = false;
};

/// This process's resident set in KiB, from /proc/self/status.
long vmRssKib() {
  std::ifstream Status("/proc/self/status");
  std::string Line;
  while (std::getline(Status, Line))
    if (Line.rfind("VmRSS:", 0) == 0)
      return std::strtol(Line.c_str() + 6, nullptr, 10);
  return 0;
}

int sleepsChild(Flavor F, std::uint64_t Count, std::uint64_t Ms) {
  long StartRss = vmRssKib();
  std::uint64_t Done;
  double WallMs;
  {
    corofy::Runtime Rt(optionsFor(F));
    BenchClock::time_point Start = BenchClock::now();
    Done = Rt.block_on(SleepsFuture(Count, std::chrono::milliseconds(Ms)));
    WallMs =
        std::chrono::duration<double, std::milli>(BenchClock::now() - Start)
            .count();
  }
  std::printf("corofy sleeps %s wall_ms=%.3f start_rss_kib=%ld tasks=%llu\n",
              flavorName(F), WallMs, StartRss,
              static_cast<unsigned long long>(Done));
  return 0;
}

//===----------------------------------------------------------------------===//
// Measurement
//===----------------------------------------------------------------------===//

/// The CPU time of all this process's threads, in ns (the Tokio peer reads
/// the same clock).
double processCpuNs() {
  timespec Ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &Ts);
  return static_cast<double>(Ts.tv_sec) * 1e9 + static_cast<double>(Ts.tv_nsec);
}

/// Wall and CPU ns per operation; negative when a batch computed something
/// else than expected.
struct PerOp {
  double WallNs, CpuNs;
};

/// One warm-up batch, then batches until TargetMs has passed, on a runtime
/// of its own.
PerOp measure(Flavor F, double TargetMs, std::uint64_t OpsPerBatch,
              std::uint64_t Expected,
              std::uint64_t (*Batch)(corofy::Runtime &)) {
  corofy::Runtime Rt(optionsFor(F));
  bool Ok = Batch(Rt) == Expected;
  std::uint64_t Ops = 0;
  double CpuStart = processCpuNs();
  BenchClock::time_point Start = BenchClock::now();
  double ElapsedNs;
  do {
    Ok &= Batch(Rt) == Expected;
    Ops += OpsPerBatch;
    ElapsedNs =
        std::chrono::duration<double, std::nano>(BenchClock::now() - Start)
            .count();
  } while (ElapsedNs < TargetMs * 1e6);
  double CpuNs = processCpuNs() - CpuStart;
  if (!Ok)
    return {-1, -1};
  return {ElapsedNs / static_cast<double>(Ops),
          CpuNs / static_cast<double>(Ops)};
}

/// The --inproc child: one measurement of each of `Benches` on each flavor,
/// printed as the Tokio peer prints its own.
int inProcessChild(double TargetMs, const std::vector<std::string> &Benches) {
  const Flavor Flavors[] = {Flavor::Current, Flavor::Multi2};
  for (const std::string &Bench : Benches)
    for (Flavor F : Flavors) {
      bool Spawn = Bench == "spawn";
      std::uint64_t Expected =
          Spawn ? SpawnBatch * (SpawnBatch - 1) / 2 : PingPongBatch;
      PerOp M =
          Spawn ? measure(F, TargetMs, SpawnBatch, Expected, spawnBatch)
                : measure(F, TargetMs, PingPongBatch, Expected, pingPongBatch);
      std::printf("corofy %s %s ns=%.2f cpu_ns=%.2f check=%llu\n",
                  Bench.c_str(), flavorName(F), M.WallNs, M.CpuNs,
                  M.WallNs < 0 ? 0ull
                               : static_cast<unsigned long long>(Expected));
    }
  return 0;
}

/// What a child process printed and how much memory it used.
struct ChildResult {
  bool Ok = false;
  std::string Output;
  std::string Error;
  long MaxRssKib = 0; // wait4's ru_maxrss
  double CpuMs = 0;   // wait4's ru_utime + ru_stime
};

/// Runs Argv[0] with Argv, reading its standard output; the child inherits
/// standard error.
ChildResult runChild(const std::vector<std::string> &Args) {
  ChildResult Result;
  int Pipe[2];
  if (pipe2(Pipe, O_CLOEXEC) != 0) {
    Result.Error = std::string("pipe: ") + std::strerror(errno);
    return Result;
  }
  posix_spawn_file_actions_t Actions;
  posix_spawn_file_actions_init(&Actions);
  // dup2 clears close-on-exec on the copy; the original closes at exec.
  posix_spawn_file_actions_adddup2(&Actions, Pipe[1], STDOUT_FILENO);
  std::vector<char *> Argv;
  for (const std::string &Arg : Args)
    Argv.push_back(const_cast<char *>(Arg.c_str()));
  Argv.push_back(nullptr);
  pid_t Pid;
  int Err = posix_spawn(&Pid, Args[0].c_str(), &Actions, nullptr, Argv.data(),
                        environ);
  posix_spawn_file_actions_destroy(&Actions);
  ::close(Pipe[1]);
  if (Err != 0) {
    ::close(Pipe[0]);
    Result.Error = "cannot run " + Args[0] + ": " + std::strerror(Err);
    return Result;
  }
  char Buffer[4096];
  for (;;) {
    ssize_t N = ::read(Pipe[0], Buffer, sizeof Buffer);
    if (N > 0)
      Result.Output.append(Buffer, static_cast<std::size_t>(N));
    else if (N == 0 || errno != EINTR)
      break;
  }
  ::close(Pipe[0]);
  int Status = 0;
  struct rusage Usage = {};
  while (wait4(Pid, &Status, 0, &Usage) < 0 && errno == EINTR) {
  }
  Result.MaxRssKib = Usage.ru_maxrss;
  auto Ms = [](const timeval &T) {
    return static_cast<double>(T.tv_sec) * 1e3 +
           static_cast<double>(T.tv_usec) / 1e3;
  };
  Result.CpuMs = Ms(Usage.ru_utime) + Ms(Usage.ru_stime);
  Result.Ok = WIFEXITED(Status) && WEXITSTATUS(Status) == 0;
  if (!Result.Ok)
    Result.Error = Args[0] + " " + Args[1] + " failed (status " +
                   std::to_string(Status) + ")";
  return Result;
}

/// The value of `Key=` in a line of key=value fields, or nullopt.
std::optional<std::string> field(const std::string &Line,
                                 const std::string &Key) {
  std::istringstream Fields(Line);
  std::string Field;
  while (Fields >> Field)
    if (Field.rfind(Key + "=", 0) == 0)
      return Field.substr(Key.size() + 1);
  return std::nullopt;
}

/// The first line of Output that starts with Prefix.
std::optional<std::string> lineStarting(const std::string &Output,
                                        const std::string &Prefix) {
  std::istringstream Lines(Output);
  std::string Line;
  while (std::getline(Lines, Line))
    if (Line.rfind(Prefix, 0) == 0)
      return Line;
  return std::nullopt;
}

/// One row of the table: the samples of one benchmark on one side.
struct Row {
  std::string Bench, Flavor, Side, Unit;
  std::vector<double> Samples;
  bool Failed = false;

  double median() const {
    std::vector<double> V = Samples;
    std::sort(V.begin(), V.end());
    std::size_t N = V.size();
    return N % 2 ? V[N / 2] : (V[N / 2 - 1] + V[N / 2]) / 2;
  }
};

class Table {
public:
  Row &row(const std::string &Bench, const std::string &Flavor,
           const std::string &Side, const std::string &Unit) {
    for (Row &R : Rows)
      if (R.Bench == Bench && R.Flavor == Flavor && R.Side == Side &&
          R.Unit == Unit)
        return R;
    Rows.push_back({Bench, Flavor, Side, Unit, {}});
    return Rows.back();
  }
  std::vector<Row> &rows() { return Rows; }

private:
  std::vector<Row> Rows;
};

/// The Tokio peer to run: $COROFY_BENCH_TOKIO_PEER if set (empty: none),
/// else the one the build made, if it found cargo and the crates.
std::string tokioPeerPath() {
  if (const char *Env = std::getenv("COROFY_BENCH_TOKIO_PEER"))
    return Env;
#ifdef COROFY_BENCH_TOKIO_PEER
  return COROFY_BENCH_TOKIO_PEER;
#else
  return "";
#endif
}

std::string selfPath() {
  char Buffer[4096];
  ssize_t N = ::readlink("/proc/self/exe", Buffer, sizeof Buffer - 1);
  return N > 0 ? std::string(Buffer, static_cast<std::size_t>(N)) : "";
}

} // namespace

int main(int Argc, char **Argv) {
  if (Argc >= 3 && std::strcmp(Argv[1], "--inproc") == 0)
    return inProcessChild(std::atof(Argv[2]),
                          std::vector<std::string>(Argv + 3, Argv + Argc));
  if (Argc == 5 && std::strcmp(Argv[1], "--sleeps-child") == 0) {
    std::optional<Flavor> F = parseFlavor(Argv[2]);
    if (!F)
      return 2;
    return sleepsChild(*F, std::strtoull(Argv[3], nullptr, 10),
                       std::strtoull(Argv[4], nullptr, 10));
  }
  double TargetMs = 100;
  std::vector<std::string> Only; // the benchmarks to run; empty: all
  if (Argc > 1) {
    TargetMs = std::atof(Argv[1]);
    for (int I = 2; I < Argc; ++I)
      Only.push_back(Argv[I]);
    bool Known =
        std::all_of(Only.begin(), Only.end(), [](const std::string &B) {
          return B == "spawn" || B == "pingpong" || B == "sleeps100k";
        });
    if (!(TargetMs > 0) || !Known) {
      std::fprintf(stderr,
                   "usage: %s [MS [spawn|pingpong|sleeps100k...]]\n"
                   "  MS: milliseconds per spawn/pingpong measurement "
                   "(default 100)\n",
                   Argv[0]);
      return 2;
    }
  }
  auto selected = [&](const char *Bench) {
    return Only.empty() ||
           std::find(Only.begin(), Only.end(), Bench) != Only.end();
  };

  std::string Self = selfPath();
  std::string TokioPath = tokioPeerPath();
  std::string TokioStatus;
  std::string TokioVersion;
  if (TokioPath.empty())
    TokioStatus = std::getenv("COROFY_BENCH_TOKIO_PEER")
                      ? "no Tokio rows: COROFY_BENCH_TOKIO_PEER is empty"
                      : "no Tokio rows: the build did not find cargo and "
                        "Debian's tokio crate (see bench/CMakeLists.txt)";
  bool TokioRunning = !TokioPath.empty();
  // From the peer's first line, `version tokio=X rustc=rustc_Y`.
  auto noteTokioVersion = [&](const std::string &Output) {
    auto Line = lineStarting(Output, "version ");
    auto Tokio = Line ? field(*Line, "tokio") : std::nullopt;
    auto Rustc = Line ? field(*Line, "rustc") : std::nullopt;
    if (!Tokio || !Rustc)
      return;
    std::replace(Rustc->begin(), Rustc->end(), '_', ' ');
    TokioVersion = *Tokio + " (" + *Rustc + ", cargo --release, LTO)";
  };
  auto tokioFailed = [&](const std::string &Why) {
    TokioRunning = false;
    TokioStatus = "no Tokio rows: Tokio peer " + TokioPath + ": " + Why;
  };

  const std::uint64_t SpawnSum = SpawnBatch * (SpawnBatch - 1) / 2;
  const Flavor Flavors[] = {Flavor::Current, Flavor::Multi2};
  const char *SleepsBench = "sleeps100k";
  Table T;
  // The row order of the table: corofy first in each group.
  // The units of a benchmark's rows: wall time, then CPU time (of all the
  // process's threads: less sensitive to a shared machine's load).
  auto unitsOf = [](const std::string &Bench) -> std::vector<const char *> {
    if (Bench == "spawn")
      return {"wall ns/task", "cpu ns/task"};
    if (Bench == "pingpong")
      return {"wall ns/rt", "cpu ns/rt"};
    return {"wall ms", "cpu ms", "peak MiB", "grown MiB"};
  };
  for (const char *Bench : {"spawn", "pingpong", SleepsBench})
    for (Flavor F : Flavors)
      for (const char *Unit : unitsOf(Bench))
        for (const char *Side : {"corofy", "tokio"})
          T.row(Bench, flavorName(F), Side, Unit);
  auto record = [&](const std::string &Bench, Flavor F, const char *Side,
                    std::vector<double> Values) {
    std::vector<const char *> Units = unitsOf(Bench);
    for (std::size_t I = 0; I != Units.size(); ++I)
      T.row(Bench, flavorName(F), Side, Units[I]).Samples.push_back(Values[I]);
  };

  bool Ok = true;
  for (int Round = 0; Round < Rounds; ++Round) {
    // spawn and pingpong: one child process per side; which side goes
    // first alternates.
    std::vector<std::string> InProcess;
    for (const char *Bench : {"spawn", "pingpong"})
      if (selected(Bench))
        InProcess.push_back(Bench);
    char Ms[32];
    std::snprintf(Ms, sizeof Ms, "%.0f", std::max(TargetMs, 1.0));
    std::vector<std::pair<const char *, std::vector<std::string>>> Sides = {
        {"corofy", {Self, "--inproc", Ms}}};
    if (TokioRunning)
      Sides.push_back({"tokio", {TokioPath, "inproc", Ms}});
    if (Round % 2)
      std::reverse(Sides.begin(), Sides.end());
    for (auto &[Side, Args] : Sides) {
      if (InProcess.empty())
        break;
      bool Tokio = std::strcmp(Side, "tokio") == 0;
      Args.insert(Args.end(), InProcess.begin(), InProcess.end());
      ChildResult R = runChild(Args);
      if (R.Ok && Tokio)
        noteTokioVersion(R.Output);
      for (const std::string &Bench : InProcess)
        for (Flavor F : Flavors) {
          std::string Prefix =
              std::string(Side) + " " + Bench + " " + flavorName(F) + " ";
          auto Line = R.Ok ? lineStarting(R.Output, Prefix) : std::nullopt;
          auto Ns = Line ? field(*Line, "ns") : std::nullopt;
          auto CpuNs = Line ? field(*Line, "cpu_ns") : std::nullopt;
          auto Check = Line ? field(*Line, "check") : std::nullopt;
          if (!Ns || !CpuNs || !Check) {
            std::string Why = R.Ok ? "no line '" + Prefix + "...'" : R.Error;
            if (Tokio) {
              tokioFailed(Why);
              break;
            }
            std::fprintf(stderr, "runtime_bench: %s\n", Why.c_str());
            return 1;
          }
          std::uint64_t Expected = Bench == "spawn" ? SpawnSum : PingPongBatch;
          bool Right = std::strtoull(Check->c_str(), nullptr, 10) == Expected;
          record(Bench, F, Side,
                 {Right ? std::strtod(Ns->c_str(), nullptr) : -1,
                  Right ? std::strtod(CpuNs->c_str(), nullptr) : -1});
        }
      if (!TokioRunning && Tokio)
        break;
    }

    // sleeps: one child process per side and flavor.
    for (Flavor F : Flavors) {
      if (!selected(SleepsBench))
        break;
      std::string Count = std::to_string(SleepTasks);
      std::string Sleep = std::to_string(SleepMs);
      std::vector<std::pair<const char *, std::vector<std::string>>>
          SleepSides = {
              {"corofy",
               {Self, "--sleeps-child", flavorName(F), Count, Sleep}}};
      if (TokioRunning)
        SleepSides.push_back(
            {"tokio", {TokioPath, "sleeps", flavorName(F), Count, Sleep}});
      if (Round % 2)
        std::reverse(SleepSides.begin(), SleepSides.end());
      for (auto &[Side, Args] : SleepSides) {
        ChildResult R = runChild(Args);
        if (R.Ok && std::strcmp(Side, "tokio") == 0)
          noteTokioVersion(R.Output);
        auto Line = R.Ok
                        ? lineStarting(R.Output, std::string(Side) + " sleeps ")
                        : std::nullopt;
        auto Wall = Line ? field(*Line, "wall_ms") : std::nullopt;
        auto StartRss = Line ? field(*Line, "start_rss_kib") : std::nullopt;
        auto Tasks = Line ? field(*Line, "tasks") : std::nullopt;
        if (!Wall || !StartRss || !Tasks) {
          std::string Why = R.Ok ? "no sleeps line" : R.Error;
          if (std::strcmp(Side, "tokio") == 0) {
            tokioFailed(Why);
            continue;
          }
          std::fprintf(stderr, "runtime_bench: sleeps child: %s\n",
                       Why.c_str());
          return 1;
        }
        bool Complete =
            std::strtoull(Tasks->c_str(), nullptr, 10) == SleepTasks;
        double PeakMiB = static_cast<double>(R.MaxRssKib) / 1024;
        double GrownMiB =
            static_cast<double>(R.MaxRssKib -
                                std::strtol(StartRss->c_str(), nullptr, 10)) /
            1024;
        record(SleepsBench, F, Side,
               {Complete ? std::strtod(Wall->c_str(), nullptr) : -1, R.CpuMs,
                PeakMiB, GrownMiB});
      }
    }
  }

  for (Row &R : T.rows())
    for (double S : R.Samples)
      if (S < 0 && !R.Failed) {
        R.Failed = true;
        std::fprintf(stderr,
                     "runtime_bench: %s %s %s computed a wrong result\n",
                     R.Side.c_str(), R.Bench.c_str(), R.Flavor.c_str());
        Ok = false;
      }

  std::printf("corofy's Runtime (clang %s) vs Tokio", __clang_version__);
  if (!TokioVersion.empty())
    std::printf(" %s", TokioVersion.c_str());
  std::printf("\nmedian of %d rounds; spawn, pingpong: ~%.0f ms per "
              "measurement; sleeps100k: one process per run\n\n",
              Rounds, TargetMs);
  std::printf("%-11s %-8s %-7s %10s %21s %-13s %9s\n", "bench", "runtime",
              "side", "median", "(min..max)", "unit", "vs corofy");
  const Row *Corofy = nullptr;
  std::string PreviousBench;
  for (const Row &R : T.rows()) {
    if (R.Samples.empty())
      continue;
    if (R.Bench + R.Flavor != PreviousBench && !PreviousBench.empty())
      std::printf("\n");
    PreviousBench = R.Bench + R.Flavor;
    if (R.Side == "corofy")
      Corofy = &R;
    auto [Min, Max] = std::minmax_element(R.Samples.begin(), R.Samples.end());
    char Spread[64];
    std::snprintf(Spread, sizeof Spread, "(%.1f..%.1f)", *Min, *Max);
    std::printf("%-11s %-8s %-7s %10.1f %21s %-13s", R.Bench.c_str(),
                R.Flavor.c_str(), R.Side.c_str(), R.median(), Spread,
                R.Unit.c_str());
    if (Corofy && &R != Corofy && Corofy->Unit == R.Unit &&
        Corofy->Flavor == R.Flavor && Corofy->Bench == R.Bench)
      std::printf(" %8.2fx", R.median() / Corofy->median());
    std::printf("\n");
  }
  if (!TokioStatus.empty())
    std::printf("\n(%s)\n", TokioStatus.c_str());
  std::printf(
      "\nruntime:    current = current-thread runtime (tasks run on the "
      "thread in block_on);\n"
      "            multi2 = 2 worker threads (block_on's thread polls only "
      "its own future)\n"
      "benchmarks: spawn = spawn %llu trivial tasks, then join them in "
      "order;\n"
      "            pingpong = 2 tasks waking each other through a flag + "
      "stored waker;\n"
      "            sleeps100k = %llu tasks each sleeping %llu ms, joined, in "
      "a process of\n"
      "            their own; peak MiB = its max RSS, grown MiB = that minus "
      "its RSS before\n"
      "            the runtime\n"
      "units:      wall = elapsed time; cpu = CPU time of all the process's "
      "threads\n"
      "            (CLOCK_PROCESS_CPUTIME_ID, or the child's rusage), less "
      "sensitive to the\n"
      "            load of a shared machine; rt = round trip\n"
      "vs corofy:  the row's median over the corofy row's (above 1 = corofy "
      "is faster / smaller)\n",
      static_cast<unsigned long long>(SpawnBatch),
      static_cast<unsigned long long>(SleepTasks),
      static_cast<unsigned long long>(SleepMs));
  return Ok ? 0 : 1;
}
