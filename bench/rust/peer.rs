//===- bench/rust/peer.rs - The Rust async side of coroutine_bench --------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// The same work as the corofy side of coroutine_bench (corofy_side.cpp) and
// its C++20 peer (cpp20_peer.cpp), written as Rust `async fn`s:
//
//  - Leaf, a future that is pending exactly once: its first poll wakes the
//    waker at once and returns Pending, its second returns Ready with the
//    next value of a counter that starts at 0 for every top-level call;
//  - depth1: 8 leaf waits in straight-line code, returning their sum;
//  - depth4: level4 -> level3 -> level2 -> depth1, each awaiting the next and
//    returning its result;
//  - phases: two blocks one after the other, each holding a 1 KiB buffer
//    (filled with the counter + 1 and escaped before its leaf wait, read
//    back after it) across one leaf wait;
//  - nest10: nest10 -> nest9 -> ... -> nest2 -> depth1, each holding an i64
//    of its own (read from the counter) across its await on the next and
//    adding it to the result;
//  - drive(), a minimal executor: it polls the top-level future in place
//    (pinned on the stack, no Box), with a waker that sets a flag, until it
//    is ready, and aborts if a Pending poll did not wake the waker.
//
// std only, no crates, and Rust 1.63 (Debian bookworm's rustc) must compile
// it: no std::pin::pin! (1.68), std::hint::black_box (1.66), let-else
// (1.65) or Waker::noop (1.85). Built by bench/CMakeLists.txt with
// `rustc -C opt-level=3 -C codegen-units=1 --edition 2021`.
//
// What it measures, as coroutine_bench does for the C++ sides: ns per leaf
// wait (each measurement times a loop of top-level calls sized to take about
// the target time after a calibration, 5 measurements interleaved across the
// benchmarks, median reported); allocations per top-level call (a counting
// global allocator, counting only inside the timed loops: 0, the futures
// live on the stack); frame bytes = std::mem::size_of_val of the top-level
// future, which holds every future it awaits by value.
//
// Usage:
//   peer [ms]          measure everything and print one line per benchmark:
//                      rust <bench> ns_per_wait=.. min=.. max=..
//                           allocs_per_call=.. frame_bytes=.. sum=..
//                           waits_per_call=.. consistent=yes|no
//   peer --serve [ms]  for coroutine_bench, which interleaves the Rust
//                      measurements with its own: prints `compiler ...`
//                      and `ready` once calibrated, then reads commands on
//                      standard input: `measure` (one measurement of each
//                      benchmark, answered by `done`) and `report` (the
//                      lines above, then `end`, then exits).
//
//===----------------------------------------------------------------------===//

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::io::{self, BufRead, Write};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use std::time::Instant;

//===----------------------------------------------------------------------===//
// Allocation counting: counts only while COUNTING is set (inside the timed
// loops).
//===----------------------------------------------------------------------===//

struct CountingAllocator;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Hides a value from the optimizer (std::hint::black_box is 1.66+): the
/// harness uses it where the C++ side uses `asm volatile("" : "+r"(x))`.
#[inline(always)]
fn opaque<T: Copy>(value: T) -> T {
    // Safety: reads a valid, initialized local.
    unsafe { std::ptr::read_volatile(&value) }
}

/// Tells the optimizer that the memory at `ptr` may be read and written by
/// code it cannot see, as a buffer handed to I/O would be: the same as the
/// C++ sides' escape(), `asm volatile("" : : "r"(P) : "memory")`.
#[inline(always)]
fn escape<T>(ptr: *const T) {
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    // Safety: the assembly is a comment; it only may read and write memory.
    unsafe {
        std::arch::asm!("/* {0} */", in(reg) ptr, options(nostack, preserves_flags));
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    ESCAPED.store(ptr as *mut u8, Ordering::Relaxed);
}
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
static ESCAPED: std::sync::atomic::AtomicPtr<u8> =
    std::sync::atomic::AtomicPtr::new(std::ptr::null_mut());

//===----------------------------------------------------------------------===//
// The leaf future and the executor.
//===----------------------------------------------------------------------===//

/// Pending exactly once: the first poll wakes the waker at once and returns
/// Pending, the second completes with the next counter value.
struct Leaf<'a> {
    counter: &'a Cell<i32>,
    polled: bool,
}

impl<'a> Leaf<'a> {
    fn new(counter: &'a Cell<i32>) -> Self {
        Leaf {
            counter,
            polled: false,
        }
    }
}

impl Future for Leaf<'_> {
    type Output = i32;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<i32> {
        if !self.polled {
            self.polled = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let next = self.counter.get() + 1;
        self.counter.set(next);
        Poll::Ready(next)
    }
}

// A waker that sets a flag (a Cell<bool> on drive()'s stack), so that the
// driver can check that a pending future asked to be polled again: as cheap
// as a waker gets, like the C++ sides' (everything runs on one thread, and
// the waker never leaves drive()).
unsafe fn flag_clone(data: *const ()) -> RawWaker {
    RawWaker::new(data, &FLAG_VTABLE)
}
unsafe fn flag_wake(data: *const ()) {
    (*(data as *const Cell<bool>)).set(true);
}
unsafe fn flag_drop(_data: *const ()) {}
static FLAG_VTABLE: RawWakerVTable =
    RawWakerVTable::new(flag_clone, flag_wake, flag_wake, flag_drop);

/// Polls `top` in place until it is ready. As on the C++ sides, the
/// top-level poll is called through a pointer the optimizer cannot see
/// through (an executor polls its tasks type-erased), while everything below
/// it is visible to the compiler.
fn drive<F: Future>(mut top: Pin<&mut F>) -> F::Output {
    let woken = Cell::new(false);
    // Safety: the vtable's functions treat the data as the Cell<bool> above,
    // which outlives the waker (both are dropped at the end of this call).
    let waker = unsafe {
        Waker::from_raw(RawWaker::new(
            &woken as *const Cell<bool> as *const (),
            &FLAG_VTABLE,
        ))
    };
    let mut cx = Context::from_waker(&waker);
    let poll_fn: fn(Pin<&mut F>, &mut Context<'_>) -> Poll<F::Output> =
        opaque(<F as Future>::poll as fn(Pin<&mut F>, &mut Context<'_>) -> Poll<F::Output>);
    loop {
        if let Poll::Ready(value) = poll_fn(top.as_mut(), &mut cx) {
            return value;
        }
        if !woken.get() {
            // Pending without a wake: it would never be polled again.
            std::process::abort();
        }
        woken.set(false);
    }
}

/// Creates the future of `$make` on the stack, pins it there and drives it:
/// what std::pin::pin! (1.68+) does, without it.
macro_rules! drive_in_place {
    ($make:expr) => {{
        let mut future = $make;
        // Safety: `future` is shadowed at once, so it is never moved again.
        let future = unsafe { Pin::new_unchecked(&mut future) };
        drive(future)
    }};
}

//===----------------------------------------------------------------------===//
// The coroutines.
//===----------------------------------------------------------------------===//

/// Waits on 8 leaves in straight-line code and returns the sum of their
/// values.
async fn depth1(counter: &Cell<i32>) -> i64 {
    let mut sum: i64 = 0;
    sum += Leaf::new(counter).await as i64;
    sum += Leaf::new(counter).await as i64;
    sum += Leaf::new(counter).await as i64;
    sum += Leaf::new(counter).await as i64;
    sum += Leaf::new(counter).await as i64;
    sum += Leaf::new(counter).await as i64;
    sum += Leaf::new(counter).await as i64;
    sum += Leaf::new(counter).await as i64;
    sum
}

/// level4 -> level3 -> level2 -> depth1: each waits on the next and returns
/// its result.
async fn level2(counter: &Cell<i32>) -> i64 {
    depth1(counter).await
}
async fn level3(counter: &Cell<i32>) -> i64 {
    level2(counter).await
}
async fn level4(counter: &Cell<i32>) -> i64 {
    level3(counter).await
}

/// Two phases, each holding a 1 KiB buffer across one wait: the generator
/// layout lets the two buffers share storage. The buffers are filled with a
/// byte read from the counter and escaped before the wait, and read back
/// after it, so they cannot be optimized away. Returns 9.
async fn phases(counter: &Cell<i32>) -> i64 {
    let mut sum: i64 = 0;
    {
        let first = [(counter.get() + 1) as i8; 1024]; // 1
        escape(first.as_ptr());
        sum += Leaf::new(counter).await as i64;
        sum += first[0] as i64 + first[1023] as i64;
    }
    {
        let second = [(counter.get() + 1) as i8; 1024]; // 2
        escape(second.as_ptr());
        sum += Leaf::new(counter).await as i64;
        sum += second[0] as i64 + second[1023] as i64;
    }
    sum
}

/// nest10 -> ... -> nest2 -> depth1, each holding a local across its await.
/// Returns 36 + 2 + 3 + ... + 10 = 90.
async fn nest2(counter: &Cell<i32>) -> i64 {
    let mut own = counter.get() as i64 + 2;
    own += depth1(counter).await;
    own
}
async fn nest3(counter: &Cell<i32>) -> i64 {
    let mut own = counter.get() as i64 + 3;
    own += nest2(counter).await;
    own
}
async fn nest4(counter: &Cell<i32>) -> i64 {
    let mut own = counter.get() as i64 + 4;
    own += nest3(counter).await;
    own
}
async fn nest5(counter: &Cell<i32>) -> i64 {
    let mut own = counter.get() as i64 + 5;
    own += nest4(counter).await;
    own
}
async fn nest6(counter: &Cell<i32>) -> i64 {
    let mut own = counter.get() as i64 + 6;
    own += nest5(counter).await;
    own
}
async fn nest7(counter: &Cell<i32>) -> i64 {
    let mut own = counter.get() as i64 + 7;
    own += nest6(counter).await;
    own
}
async fn nest8(counter: &Cell<i32>) -> i64 {
    let mut own = counter.get() as i64 + 8;
    own += nest7(counter).await;
    own
}
async fn nest9(counter: &Cell<i32>) -> i64 {
    let mut own = counter.get() as i64 + 9;
    own += nest8(counter).await;
    own
}
async fn nest10(counter: &Cell<i32>) -> i64 {
    let mut own = counter.get() as i64 + 10;
    own += nest9(counter).await;
    own
}

// One complete top-level call each: create the future, drive it in place.
#[inline(never)]
fn run_depth1() -> i64 {
    let counter = Cell::new(0);
    drive_in_place!(depth1(&counter))
}
#[inline(never)]
fn run_depth4() -> i64 {
    let counter = Cell::new(0);
    drive_in_place!(level4(&counter))
}
#[inline(never)]
fn run_phases() -> i64 {
    let counter = Cell::new(0);
    drive_in_place!(phases(&counter))
}
#[inline(never)]
fn run_nest10() -> i64 {
    let counter = Cell::new(0);
    drive_in_place!(nest10(&counter))
}

// size_of_val of the top-level future (never polled).
fn frame_bytes_depth1() -> usize {
    let counter = Cell::new(0);
    let future = depth1(&counter);
    std::mem::size_of_val(&future)
}
fn frame_bytes_depth4() -> usize {
    let counter = Cell::new(0);
    let future = level4(&counter);
    std::mem::size_of_val(&future)
}
fn frame_bytes_phases() -> usize {
    let counter = Cell::new(0);
    let future = phases(&counter);
    std::mem::size_of_val(&future)
}
fn frame_bytes_nest10() -> usize {
    let counter = Cell::new(0);
    let future = nest10(&counter);
    std::mem::size_of_val(&future)
}

//===----------------------------------------------------------------------===//
// Measurement: the same method as coroutine_bench.cpp.
//===----------------------------------------------------------------------===//

const REPETITIONS: usize = 5;

struct Config {
    name: &'static str,
    waits_per_call: u32,
    run: fn() -> i64,
    frame_bytes: usize,
    expected: i64,
    iterations: u64,       // per measurement, after calibration
    ns_per_wait: Vec<f64>, // one per measurement
    total_calls: u64,      // over all timed loops
    total_allocs: u64,     // over all timed loops
    result: i64,           // of one call
    consistent: bool,      // every call returned `result`
}

impl Config {
    fn new(
        name: &'static str,
        waits_per_call: u32,
        run: fn() -> i64,
        frame_bytes: usize,
        expected: i64,
    ) -> Config {
        Config {
            name,
            waits_per_call,
            run,
            frame_bytes,
            expected,
            iterations: 0,
            ns_per_wait: Vec::new(),
            total_calls: 0,
            total_allocs: 0,
            result: 0,
            consistent: true,
        }
    }
}

/// Calls `run` `iterations` times; returns the elapsed nanoseconds and the
/// sum of the results.
fn time_loop(run: fn() -> i64, iterations: u64) -> (f64, i64) {
    let run = opaque(run);
    let mut acc: i64 = 0;
    let start = Instant::now();
    for _ in 0..iterations {
        acc = acc.wrapping_add(run());
    }
    let elapsed = start.elapsed();
    (elapsed.as_nanos() as f64, acc)
}

/// Warms up and picks an iteration count that takes about `target_ns`.
fn calibrate(run: fn() -> i64, target_ns: f64) -> u64 {
    let mut iterations: u64 = 1;
    let mut elapsed;
    // Grow until a loop takes at least a tenth of the target (this is also
    // the warm-up).
    loop {
        elapsed = time_loop(run, iterations).0;
        if elapsed >= target_ns / 10.0 || iterations >= (1u64 << 40) {
            break;
        }
        iterations *= 2;
    }
    let scaled = ((iterations as f64) * target_ns / elapsed.max(1.0)) as u64;
    let scaled = scaled.max(1);
    // One more warm-up loop at the final size.
    time_loop(run, scaled / 4 + 1);
    scaled
}

fn measure_once(config: &mut Config) {
    ALLOCS.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    let (ns, sum) = time_loop(config.run, config.iterations);
    COUNTING.store(false, Ordering::Relaxed);
    config.total_allocs += ALLOCS.load(Ordering::Relaxed);
    config.total_calls += config.iterations;
    if sum != config.result.wrapping_mul(config.iterations as i64) {
        config.consistent = false;
    }
    config
        .ns_per_wait
        .push(ns / config.iterations as f64 / config.waits_per_call as f64);
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = sorted.len();
    if n == 0 {
        return 0.0;
    }
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

fn report(configs: &[Config], out: &mut impl Write) -> io::Result<()> {
    for c in configs {
        let min = c.ns_per_wait.iter().cloned().fold(f64::INFINITY, f64::min);
        let max = c.ns_per_wait.iter().cloned().fold(0.0, f64::max);
        let allocs = if c.total_calls == 0 {
            0.0
        } else {
            c.total_allocs as f64 / c.total_calls as f64
        };
        writeln!(
            out,
            "rust {} ns_per_wait={:.3} min={:.3} max={:.3} allocs_per_call={:.2} \
             frame_bytes={} sum={} waits_per_call={} consistent={}",
            c.name,
            median(&c.ns_per_wait),
            min,
            max,
            allocs,
            c.frame_bytes,
            c.result,
            c.waits_per_call,
            if c.consistent { "yes" } else { "no" }
        )?;
    }
    Ok(())
}

fn main() {
    let mut serve = false;
    let mut target_ms = 200.0;
    for arg in std::env::args().skip(1) {
        if arg == "--serve" {
            serve = true;
        } else {
            match arg.parse::<f64>() {
                Ok(ms) if ms > 0.0 => target_ms = ms,
                _ => {
                    eprintln!("usage: peer [--serve] [milliseconds per measurement]");
                    std::process::exit(2);
                }
            }
        }
    }

    let mut configs = vec![
        Config::new("depth1", 8, run_depth1, frame_bytes_depth1(), 36),
        Config::new("depth4", 8, run_depth4, frame_bytes_depth4(), 36),
        Config::new("phases", 2, run_phases, frame_bytes_phases(), 9),
        Config::new("nest10", 8, run_nest10, frame_bytes_nest10(), 90),
    ];
    for c in configs.iter_mut() {
        c.result = (c.run)();
        if c.result != c.expected {
            eprintln!("peer: {} returned {}, not {}", c.name, c.result, c.expected);
            std::process::exit(1);
        }
    }
    for c in configs.iter_mut() {
        c.iterations = calibrate(c.run, target_ms * 1e6);
    }

    let stdout = io::stdout();
    let mut out = stdout.lock();
    if !serve {
        for _ in 0..REPETITIONS {
            for c in configs.iter_mut() {
                measure_once(c);
            }
        }
        report(&configs, &mut out).expect("peer: cannot write to stdout");
        return;
    }

    let result = (|| -> io::Result<()> {
        writeln!(
            out,
            "compiler {}",
            option_env!("COROFY_RUSTC_VERSION").unwrap_or("rustc (version unknown)")
        )?;
        writeln!(out, "ready")?;
        out.flush()?;
        let stdin = io::stdin();
        for line in stdin.lock().lines() {
            match line?.trim() {
                "measure" => {
                    for c in configs.iter_mut() {
                        measure_once(c);
                    }
                    writeln!(out, "done")?;
                    out.flush()?;
                }
                "report" => {
                    report(&configs, &mut out)?;
                    writeln!(out, "end")?;
                    out.flush()?;
                    return Ok(());
                }
                other => {
                    eprintln!("peer: unknown command '{}'", other);
                    std::process::exit(2);
                }
            }
        }
        Ok(()) // End of input: coroutine_bench gave up on the Rust rows.
    })();
    if let Err(error) = result {
        eprintln!("peer: {}", error);
        std::process::exit(1);
    }
}
