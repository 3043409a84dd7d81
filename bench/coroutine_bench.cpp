//===- bench/coroutine_bench.cpp - corofy vs hand-written vs C++20 vs Rust ===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// Runs the same work through the state machines corofy generated
// (corofy_side.hpp), through the same state machines written by hand
// (handwritten_side.hpp, for depth1 and depth4), through C++20 coroutines
// (cpp20_peer.hpp) and through Rust async fns (rust/peer.rs, a separate
// program that this one spawns when the build found rustc), and prints one
// table. The benchmarks:
//
//   depth1  8 leaf waits in straight-line code, one coroutine;
//   depth4  level4 -> level3 -> level2 -> depth1, each waiting on the next
//           (8 leaf waits, 4 coroutines deep);
//   phases  two blocks one after the other, each holding a 1 KiB buffer
//           across one leaf wait (2 leaf waits): the buffers are never alive
//           at once, so a frame that shares their storage takes ~1 KiB;
//   nest10  nest10 -> nest9 -> ... -> nest2 -> depth1, each holding a long
//           across its wait on the next (8 leaf waits, 10 coroutines deep):
//           the top frame should grow linearly with the depth.
//
// The leaf is pending exactly once (its first poll/await wakes at once), the
// driver polls or resumes the top-level coroutine in place until it is done.
// For each row: nanoseconds per leaf wait, heap allocations per top-level
// call, frame bytes, the result of one call, and ns/wait and frame bytes
// relative to the corofy row of the same benchmark. Frame bytes are:
//
//   corofy, hand-written  sizeof the top-level state machine (the futures it
//                         waits on are held inline, by value);
//   C++20                 the bytes asked of promise_type::operator new by one
//                         top-level call (the sum over the chain's frames;
//                         a frame whose allocation clang elided is not
//                         counted, it lives in its parent's frame);
//   Rust                  std::mem::size_of_val of the top-level future
//                         (which holds the futures it awaits inline).
//
// Usage: coroutine_bench [milliseconds per measurement, default 200]
// The environment variable COROFY_BENCH_RUST_PEER, if set, names the Rust
// peer to run instead of the one the build made (empty: no Rust rows).
//
// Each measurement times a loop of top-level calls sized to take about that
// long; every configuration is measured 5 times, interleaved with the others
// so that a change in machine load hits all of them alike, and the median is
// reported. The Rust peer uses the same method: it calibrates its own loops,
// then measures once each time this program asks it to, after the C++ rows
// of each round. Exits non-zero if the sides disagree on a result.
//
//===----------------------------------------------------------------------===//

#include "corofy_side.hpp"
#include "cpp20_peer.hpp"
#include "handwritten_side.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

//===----------------------------------------------------------------------===//
// Allocation counting: the global operator new is replaced, and counts only
// while AllocCounting is set (inside the timed loops).
//===----------------------------------------------------------------------===//

namespace {
bool AllocCounting = false;
std::uint64_t AllocCount = 0;

void *allocate(std::size_t Size) {
  if (AllocCounting)
    ++AllocCount;
  if (void *P = std::malloc(Size ? Size : 1))
    return P;
  throw std::bad_alloc();
}

void *allocateAligned(std::size_t Size, std::align_val_t Align) {
  if (AllocCounting)
    ++AllocCount;
  std::size_t A = std::max(static_cast<std::size_t>(Align), sizeof(void *));
  // aligned_alloc wants a size that is a multiple of the alignment.
  std::size_t Rounded = (std::max<std::size_t>(Size, 1) + A - 1) / A * A;
  if (void *P = std::aligned_alloc(A, Rounded))
    return P;
  throw std::bad_alloc();
}
} // namespace

void *operator new(std::size_t Size) { return allocate(Size); }
void *operator new[](std::size_t Size) { return allocate(Size); }
void *operator new(std::size_t Size, const std::nothrow_t &) noexcept {
  try {
    return allocate(Size);
  } catch (...) {
    return nullptr;
  }
}
void *operator new[](std::size_t Size, const std::nothrow_t &) noexcept {
  try {
    return allocate(Size);
  } catch (...) {
    return nullptr;
  }
}
void *operator new(std::size_t Size, std::align_val_t Align) {
  return allocateAligned(Size, Align);
}
void *operator new[](std::size_t Size, std::align_val_t Align) {
  return allocateAligned(Size, Align);
}
void *operator new(std::size_t Size, std::align_val_t Align,
                   const std::nothrow_t &) noexcept {
  try {
    return allocateAligned(Size, Align);
  } catch (...) {
    return nullptr;
  }
}
void *operator new[](std::size_t Size, std::align_val_t Align,
                     const std::nothrow_t &) noexcept {
  try {
    return allocateAligned(Size, Align);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void *P) noexcept { std::free(P); }
void operator delete[](void *P) noexcept { std::free(P); }
void operator delete(void *P, std::size_t) noexcept { std::free(P); }
void operator delete[](void *P, std::size_t) noexcept { std::free(P); }
void operator delete(void *P, const std::nothrow_t &) noexcept { std::free(P); }
void operator delete[](void *P, const std::nothrow_t &) noexcept {
  std::free(P);
}
void operator delete(void *P, std::align_val_t) noexcept { std::free(P); }
void operator delete[](void *P, std::align_val_t) noexcept { std::free(P); }
void operator delete(void *P, std::size_t, std::align_val_t) noexcept {
  std::free(P);
}
void operator delete[](void *P, std::size_t, std::align_val_t) noexcept {
  std::free(P);
}
void operator delete(void *P, std::align_val_t,
                     const std::nothrow_t &) noexcept {
  std::free(P);
}
void operator delete[](void *P, std::align_val_t,
                       const std::nothrow_t &) noexcept {
  std::free(P);
}

//===----------------------------------------------------------------------===//
// Measurement.
//===----------------------------------------------------------------------===//

namespace {

using Clock = std::chrono::steady_clock;

constexpr int Repetitions = 5;

struct Config {
  const char *Bench;
  const char *Side;
  int WaitsPerCall;
  long (*Run)(); // null for a row measured by the Rust peer
  std::size_t FrameBytes;
  std::uint64_t Iterations = 0;    // per measurement, after calibration
  std::vector<double> NsPerWait{}; // one per repetition
  std::uint64_t TotalCalls = 0;    // over all timed loops
  std::uint64_t TotalAllocs = 0;   // over all timed loops
  long Result = 0;                 // of one call
  bool Consistent = true;          // every call returned Result
  // The summary of a row measured elsewhere (Run is null).
  double Median = 0, Min = 0, Max = 0, AllocsPerCall = 0;
};

/// Calls Run Iterations times; returns the elapsed nanoseconds and adds the
/// results to Sum.
double timeLoop(long (*Run)(), std::uint64_t Iterations, long &Sum) {
  long Acc = 0;
  Clock::time_point Start = Clock::now();
  for (std::uint64_t I = 0; I < Iterations; ++I)
    Acc += Run();
  Clock::time_point End = Clock::now();
  Sum = Acc;
  return std::chrono::duration<double, std::nano>(End - Start).count();
}

/// Warms up and picks an iteration count that takes about TargetNs.
std::uint64_t calibrate(long (*Run)(), double TargetNs) {
  long Sum;
  std::uint64_t Iterations = 1;
  double Elapsed = 0;
  // Grow until a loop takes at least a tenth of the target (this is also the
  // warm-up: caches, branch predictors, the allocator's free lists).
  for (;;) {
    Elapsed = timeLoop(Run, Iterations, Sum);
    if (Elapsed >= TargetNs / 10 || Iterations >= (std::uint64_t(1) << 40))
      break;
    Iterations *= 2;
  }
  auto Scaled = static_cast<std::uint64_t>(static_cast<double>(Iterations) *
                                           TargetNs / std::max(Elapsed, 1.0));
  Scaled = std::max<std::uint64_t>(Scaled, 1);
  // One more warm-up loop at the final size.
  timeLoop(Run, Scaled / 4 + 1, Sum);
  return Scaled;
}

void measureOnce(Config &C) {
  long Sum = 0;
  AllocCount = 0;
  AllocCounting = true;
  double Ns = timeLoop(C.Run, C.Iterations, Sum);
  AllocCounting = false;
  C.TotalAllocs += AllocCount;
  C.TotalCalls += C.Iterations;
  if (Sum != C.Result * static_cast<long>(C.Iterations))
    C.Consistent = false;
  C.NsPerWait.push_back(Ns / static_cast<double>(C.Iterations) /
                        C.WaitsPerCall);
}

double median(std::vector<double> V) {
  std::sort(V.begin(), V.end());
  std::size_t N = V.size();
  return N % 2 ? V[N / 2] : (V[N / 2 - 1] + V[N / 2]) / 2;
}

/// Fills in the summary of a row measured here.
void summarize(Config &C) {
  auto [Min, Max] = std::minmax_element(C.NsPerWait.begin(), C.NsPerWait.end());
  C.Median = median(C.NsPerWait);
  C.Min = *Min;
  C.Max = *Max;
  C.AllocsPerCall =
      static_cast<double>(C.TotalAllocs) / static_cast<double>(C.TotalCalls);
}

//===----------------------------------------------------------------------===//
// The Rust peer: rust/peer.rs, run as `peer --serve <ms>` with pipes on its
// standard input and output. It calibrates and prints `compiler <version>`
// and `ready`; then each `measure` line makes it measure every benchmark
// once and answer `done`, and `report` makes it print one line per benchmark
// (`rust <bench> key=value ...`) and `end`, and exit.
//===----------------------------------------------------------------------===//

/// One benchmark as the Rust peer reports it.
struct RustRow {
  std::string Bench;
  double Median = 0, Min = 0, Max = 0, AllocsPerCall = 0;
  std::size_t FrameBytes = 0;
  long Result = 0;
  int WaitsPerCall = 0;
  bool Consistent = false;
};

class RustPeer {
public:
  RustPeer() = default;
  RustPeer(const RustPeer &) = delete;
  RustPeer &operator=(const RustPeer &) = delete;
  ~RustPeer() { stop(); }

  /// Spawns the peer and waits until it has calibrated. On failure returns
  /// false and sets Error.
  bool start(const std::string &Path, double TargetMs) {
    int ToChild[2], FromChild[2];
    if (pipe2(ToChild, O_CLOEXEC) != 0)
      return fail(std::string("pipe: ") + std::strerror(errno));
    if (pipe2(FromChild, O_CLOEXEC) != 0) {
      ::close(ToChild[0]);
      ::close(ToChild[1]);
      return fail(std::string("pipe: ") + std::strerror(errno));
    }
    posix_spawn_file_actions_t Actions;
    posix_spawn_file_actions_init(&Actions);
    // dup2 clears close-on-exec on the copies; the originals close at exec.
    posix_spawn_file_actions_adddup2(&Actions, ToChild[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&Actions, FromChild[1], STDOUT_FILENO);
    char Ms[32];
    std::snprintf(Ms, sizeof Ms, "%g", TargetMs);
    std::string Serve = "--serve";
    char *Argv[] = {const_cast<char *>(Path.c_str()), Serve.data(), Ms,
                    nullptr};
    int Err = posix_spawn(&Pid, Path.c_str(), &Actions, nullptr, Argv, environ);
    posix_spawn_file_actions_destroy(&Actions);
    ::close(ToChild[0]);
    ::close(FromChild[1]);
    if (Err != 0) {
      Pid = -1;
      ::close(ToChild[1]);
      ::close(FromChild[0]);
      return fail("cannot run " + Path + ": " + std::strerror(Err));
    }
    ToPeer = fdopen(ToChild[1], "w");
    FromPeer = fdopen(FromChild[0], "r");
    if (!ToPeer || !FromPeer)
      return fail(std::string("fdopen: ") + std::strerror(errno));
    std::string Line;
    while (readLine(Line)) {
      if (Line.rfind("compiler ", 0) == 0)
        Compiler = Line.substr(9);
      else if (Line == "ready")
        return true;
    }
    return fail("it exited before it was ready");
  }

  /// One measurement of every benchmark.
  bool measure() {
    if (!send("measure"))
      return false;
    std::string Line;
    while (readLine(Line))
      if (Line == "done")
        return true;
    return fail("it exited while measuring");
  }

  /// The summaries of all its measurements; the peer exits after this.
  bool report(std::vector<RustRow> &Rows) {
    if (!send("report"))
      return false;
    std::string Line;
    while (readLine(Line)) {
      if (Line == "end") {
        stop();
        return true;
      }
      if (Line.rfind("rust ", 0) != 0)
        continue;
      std::istringstream Fields(Line.substr(5));
      RustRow Row;
      Fields >> Row.Bench;
      std::string Field;
      while (Fields >> Field) {
        std::size_t Eq = Field.find('=');
        if (Eq == std::string::npos)
          continue;
        std::string Key = Field.substr(0, Eq);
        const char *Value = Field.c_str() + Eq + 1;
        if (Key == "ns_per_wait")
          Row.Median = std::strtod(Value, nullptr);
        else if (Key == "min")
          Row.Min = std::strtod(Value, nullptr);
        else if (Key == "max")
          Row.Max = std::strtod(Value, nullptr);
        else if (Key == "allocs_per_call")
          Row.AllocsPerCall = std::strtod(Value, nullptr);
        else if (Key == "frame_bytes")
          Row.FrameBytes = std::strtoull(Value, nullptr, 10);
        else if (Key == "sum")
          Row.Result = std::strtol(Value, nullptr, 10);
        else if (Key == "waits_per_call")
          Row.WaitsPerCall = static_cast<int>(std::strtol(Value, nullptr, 10));
        else if (Key == "consistent")
          Row.Consistent = std::strcmp(Value, "yes") == 0;
      }
      Rows.push_back(Row);
    }
    return fail("it exited while reporting");
  }

  const std::string &compiler() const { return Compiler; }
  const std::string &error() const { return Error; }

private:
  bool fail(std::string Message) {
    Error = std::move(Message);
    stop();
    return false;
  }

  bool send(const char *Command) {
    if (!ToPeer)
      return fail("not running");
    if (std::fprintf(ToPeer, "%s\n", Command) < 0 || std::fflush(ToPeer) != 0)
      return fail("it stopped reading its input");
    return true;
  }

  bool readLine(std::string &Line) {
    if (!FromPeer)
      return false;
    char *Buffer = nullptr;
    std::size_t Capacity = 0;
    ssize_t Length = getline(&Buffer, &Capacity, FromPeer);
    if (Length < 0) {
      std::free(Buffer);
      return false;
    }
    Line.assign(Buffer, static_cast<std::size_t>(Length));
    std::free(Buffer);
    while (!Line.empty() && (Line.back() == '\n' || Line.back() == '\r'))
      Line.pop_back();
    return true;
  }

  /// Closes the pipes (the peer exits at the end of its input) and reaps it.
  void stop() {
    if (ToPeer) {
      std::fclose(ToPeer);
      ToPeer = nullptr;
    }
    if (FromPeer) {
      std::fclose(FromPeer);
      FromPeer = nullptr;
    }
    if (Pid > 0) {
      int Status;
      while (waitpid(Pid, &Status, 0) < 0 && errno == EINTR) {
      }
      Pid = -1;
    }
  }

  pid_t Pid = -1;
  FILE *ToPeer = nullptr;
  FILE *FromPeer = nullptr;
  std::string Compiler;
  std::string Error;
};

/// The Rust peer to run: $COROFY_BENCH_RUST_PEER if set (empty: none), else
/// the one the build made, if it found rustc.
std::string rustPeerPath() {
  if (const char *Env = std::getenv("COROFY_BENCH_RUST_PEER"))
    return Env;
#ifdef COROFY_BENCH_RUST_PEER
  return COROFY_BENCH_RUST_PEER;
#else
  return "";
#endif
}

} // namespace

int main(int Argc, char **Argv) {
  double TargetMs = 200;
  if (Argc > 1) {
    TargetMs = std::atof(Argv[1]);
    if (!(TargetMs > 0)) {
      std::fprintf(stderr, "usage: %s [milliseconds per measurement]\n",
                   Argv[0]);
      return 2;
    }
  }

  if (const char *Failure = cpp20SelfCheck()) {
    std::fprintf(stderr, "coroutine_bench: C++20 side self-check: %s\n",
                 Failure);
    return 1;
  }

  // For each benchmark, the corofy row first: the ratios are relative to it.
  // The Rust rows are appended to their benchmark once the peer reports.
  std::vector<Config> Configs = {
      {"depth1", "corofy", 8, corofyRunDepth1, corofyFrameBytesDepth1()},
      {"depth1", "hand-written", 8, handRunDepth1, handFrameBytesDepth1()},
      {"depth1", "C++20", 8, cpp20RunDepth1, cpp20FrameBytesDepth1()},
      {"depth4", "corofy", 8, corofyRunDepth4, corofyFrameBytesDepth4()},
      {"depth4", "hand-written", 8, handRunDepth4, handFrameBytesDepth4()},
      {"depth4", "C++20", 8, cpp20RunDepth4, cpp20FrameBytesDepth4()},
      {"phases", "corofy", 2, corofyRunPhases, corofyFrameBytesPhases()},
      {"phases", "C++20", 2, cpp20RunPhases, cpp20FrameBytesPhases()},
      {"nest10", "corofy", 8, corofyRunNest10, corofyFrameBytesNest10()},
      {"nest10", "C++20", 8, cpp20RunNest10, cpp20FrameBytesNest10()},
  };
  auto corofyRow = [&](const std::string &Bench) -> const Config * {
    for (const Config &C : Configs)
      if (Bench == C.Bench && std::strcmp(C.Side, "corofy") == 0)
        return &C;
    return nullptr;
  };

  // All sides must compute the same sums.
  for (Config &C : Configs)
    C.Result = C.Run();
  for (const Config &C : Configs)
    if (C.Result != corofyRow(C.Bench)->Result) {
      std::fprintf(stderr,
                   "coroutine_bench: the sides disagree on %s: corofy %ld, "
                   "%s %ld\n",
                   C.Bench, corofyRow(C.Bench)->Result, C.Side, C.Result);
      return 1;
    }

  // The Rust peer calibrates while this process waits, then measures after
  // the C++ rows of each round.
  RustPeer Rust;
  std::string RustPath = rustPeerPath();
  std::string RustStatus;
  bool RustRunning = false;
  if (RustPath.empty()) {
    RustStatus = std::getenv("COROFY_BENCH_RUST_PEER")
                     ? "no Rust rows: COROFY_BENCH_RUST_PEER is empty"
                     : "no Rust rows: the build did not find rustc (see "
                       "bench/CMakeLists.txt)";
  } else {
    std::signal(SIGPIPE, SIG_IGN); // A peer that died shows up as an error.
    RustRunning = Rust.start(RustPath, TargetMs);
    if (!RustRunning)
      RustStatus = "no Rust rows: Rust peer " + RustPath + ": " + Rust.error();
  }

  for (Config &C : Configs)
    C.Iterations = calibrate(C.Run, TargetMs * 1e6);
  for (int Rep = 0; Rep < Repetitions; ++Rep) {
    for (Config &C : Configs)
      measureOnce(C);
    if (RustRunning && !Rust.measure()) {
      RustRunning = false;
      RustStatus = "no Rust rows: Rust peer " + RustPath + ": " + Rust.error();
    }
  }
  for (Config &C : Configs)
    summarize(C);

  bool Ok = true;
  std::vector<RustRow> RustRows;
  if (RustRunning && !Rust.report(RustRows)) {
    RustRows.clear();
    RustStatus = "no Rust rows: Rust peer " + RustPath + ": " + Rust.error();
  }
  for (const RustRow &R : RustRows) {
    // Insert after the last row of its benchmark.
    auto Last =
        std::find_if(Configs.rbegin(), Configs.rend(),
                     [&](const Config &C) { return R.Bench == C.Bench; });
    if (Last == Configs.rend()) {
      std::fprintf(stderr,
                   "coroutine_bench: the Rust peer reported an "
                   "unknown benchmark '%s'\n",
                   R.Bench.c_str());
      Ok = false;
      continue;
    }
    const char *Bench = Last->Bench;
    Config Row{Bench, "Rust", R.WaitsPerCall, nullptr, R.FrameBytes};
    Row.Result = R.Result;
    Row.Consistent = R.Consistent;
    Row.Median = R.Median;
    Row.Min = R.Min;
    Row.Max = R.Max;
    Row.AllocsPerCall = R.AllocsPerCall;
    Configs.insert(Last.base(), Row);
    if (R.Result != corofyRow(Bench)->Result) {
      std::fprintf(stderr,
                   "coroutine_bench: the sides disagree on %s: corofy %ld, "
                   "Rust %ld\n",
                   Bench, corofyRow(Bench)->Result, R.Result);
      Ok = false;
    }
  }

  for (const Config &C : Configs)
    if (!C.Consistent) {
      std::fprintf(stderr,
                   "coroutine_bench: %s %s did not return %ld on every call\n",
                   C.Side, C.Bench, C.Result);
      Ok = false;
    }

  std::printf("corofy-generated vs hand-written state machines vs C++20 "
              "coroutines (clang %s, -O2)\n",
              __clang_version__);
  if (!RustRows.empty())
    std::printf("vs Rust async fns (%s, -C opt-level=3)\n",
                Rust.compiler().empty() ? "rustc" : Rust.compiler().c_str());
  std::printf("median of %d x ~%.0f ms per row\n\n", Repetitions, TargetMs);
  std::printf("%-7s %-12s %5s %8s %17s %11s %11s %5s %10s %10s\n", "bench",
              "side", "waits", "ns/wait", "(min..max)", "allocs/call",
              "frame bytes", "sum", "ns vs", "bytes vs");
  std::printf("%-7s %-12s %5s %8s %17s %11s %11s %5s %10s %10s\n", "", "",
              "/call", "", "", "", "", "", "corofy", "corofy");
  const char *PreviousBench = "";
  for (const Config &C : Configs) {
    if (std::strcmp(C.Bench, PreviousBench) != 0 && *PreviousBench)
      std::printf("\n");
    PreviousBench = C.Bench;
    char Spread[64];
    std::snprintf(Spread, sizeof Spread, "(%.2f..%.2f)", C.Min, C.Max);
    std::printf("%-7s %-12s %5d %8.2f %17s %11.2f %11zu %5ld", C.Bench, C.Side,
                C.WaitsPerCall, C.Median, Spread, C.AllocsPerCall, C.FrameBytes,
                C.Result);
    const Config &Corofy = *corofyRow(C.Bench);
    if (&Corofy != &C)
      std::printf(" %9.2fx %9.2fx", C.Median / Corofy.Median,
                  static_cast<double>(C.FrameBytes) /
                      static_cast<double>(Corofy.FrameBytes));
    std::printf("\n");
  }
  if (!RustStatus.empty())
    std::printf("\n(%s)\n", RustStatus.c_str());
  std::printf(
      "\nbenchmarks:  depth1 = 8 leaf waits in straight-line code;\n"
      "             depth4 = level4 -> level3 -> level2 -> depth1;\n"
      "             phases = 2 blocks in sequence, each holding char[1024] "
      "across 1 leaf wait;\n"
      "             nest10 = nest10 -> ... -> nest2 -> depth1, each level "
      "holding a long\n"
      "             across its wait (10 coroutines deep)\n"
      "ns vs corofy, bytes vs corofy: the row's ns/wait and frame bytes over "
      "those of the\n"
      "             corofy row of the same benchmark (above 1 = corofy is "
      "faster / smaller)\n"
      "frame bytes: corofy, hand-written = sizeof the top-level state machine "
      "(children\n"
      "             held inline);\n"
      "             C++20 = bytes requested by promise_type::operator new in "
      "one call, over\n"
      "             %zu, %zu, %zu and %zu heap frame(s) for depth1, depth4, "
      "phases and nest10 (a\n"
      "             child frame whose allocation clang elided lives inside its "
      "parent's frame);\n"
      "             Rust = std::mem::size_of_val of the top-level future "
      "(children held inline)\n",
      cpp20FramesAllocatedDepth1(), cpp20FramesAllocatedDepth4(),
      cpp20FramesAllocatedPhases(), cpp20FramesAllocatedNest10());

  return Ok ? 0 : 1;
}
