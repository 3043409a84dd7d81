//===- bench/tokio/src/main.rs - The Tokio side of runtime_bench ----------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// The same work as the corofy side of runtime_bench (runtime_bench.cpp), on
// Tokio's two schedulers (current_thread, and multi_thread with 2 workers;
// both built with enable_all, as corofy's Runtime always has its reactor):
//
//  - spawn: block_on spawns a batch of trivial tasks (each returns its
//    index), then awaits their JoinHandles in order and sums the outputs;
//  - pingpong: two spawned tasks take turns through a pair of Signals, a
//    hand-rolled future (a flag and a stored Waker under a spin lock; the
//    C++ side has the same one): A notifies B and waits on its own signal,
//    B waits, then notifies A; one round trip = two wake-to-run hops;
//  - sleeps: COUNT spawned tasks each sleep MS milliseconds (tokio::time::
//    sleep, its deadline taken at the task's first poll) and complete;
//    block_on awaits every JoinHandle. Run in a process of its own, so that
//    runtime_bench measures its peak RSS (wait4's ru_maxrss) alone.
//
// spawn and pingpong time batches until the target time has passed (after
// one warm-up batch on the same runtime) and report ns per task or per round
// trip, of wall time and of CPU time (all threads: CLOCK_PROCESS_CPUTIME_ID).
// Rust 1.63 (Debian bookworm's rustc) must compile it.
//
// Usage (runtime_bench runs it; the lines are for it to read):
//   tokio_peer inproc MS [BENCH...]       one measurement of spawn and
//                                         pingpong (or of the BENCHes
//                                         named) on each scheduler:
//       tokio <bench> <flavor> ns=.. cpu_ns=.. ops=.. check=..
//   tokio_peer sleeps FLAVOR COUNT MS     one sleeps run on FLAVOR:
//       tokio sleeps <flavor> wall_ms=.. start_rss_kib=.. tasks=..
// FLAVOR is current or multi2. The first line of both is
//   version tokio=<version> rustc=<version>
//
//===----------------------------------------------------------------------===//

use std::cell::UnsafeCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

#[derive(Clone, Copy)]
enum Flavor {
    Current,
    Multi2,
}

impl Flavor {
    fn name(self) -> &'static str {
        match self {
            Flavor::Current => "current",
            Flavor::Multi2 => "multi2",
        }
    }
    fn parse(name: &str) -> Option<Flavor> {
        match name {
            "current" => Some(Flavor::Current),
            "multi2" => Some(Flavor::Multi2),
            _ => None,
        }
    }
    fn runtime(self) -> tokio::runtime::Runtime {
        let mut builder = match self {
            Flavor::Current => tokio::runtime::Builder::new_current_thread(),
            Flavor::Multi2 => {
                let mut b = tokio::runtime::Builder::new_multi_thread();
                b.worker_threads(2);
                b
            }
        };
        builder
            .enable_all()
            .build()
            .expect("building the Tokio runtime")
    }
}

//===----------------------------------------------------------------------===//
// spawn
//===----------------------------------------------------------------------===//

const SPAWN_BATCH: u64 = 10_000;

/// Spawns SPAWN_BATCH trivial tasks and awaits them; returns the sum of
/// their outputs.
fn spawn_batch(rt: &tokio::runtime::Runtime) -> u64 {
    rt.block_on(async {
        let mut handles = Vec::with_capacity(SPAWN_BATCH as usize);
        for i in 0..SPAWN_BATCH {
            handles.push(tokio::spawn(async move { i }));
        }
        let mut sum = 0;
        for handle in handles {
            sum += handle.await.expect("a spawned task failed");
        }
        sum
    })
}

//===----------------------------------------------------------------------===//
// pingpong
//===----------------------------------------------------------------------===//

const PINGPONG_BATCH: u64 = 2_000;

/// A one-bit mailbox: notify() sets the flag and wakes the stored waker;
/// Wait is ready (clearing the flag) once it is set. The C++ side has the
/// same one, with the same spin lock: with each language's mutex (Rust's
/// futex Mutex, glibc's pthread_mutex_t) the difference between the two
/// would count as one between the runtimes.
struct Signal {
    locked: AtomicBool,
    inner: UnsafeCell<(bool, Option<Waker>)>,
}

// Safety: `inner` is only touched under `locked`.
unsafe impl Sync for Signal {}

impl Signal {
    fn new() -> Arc<Signal> {
        Arc::new(Signal {
            locked: AtomicBool::new(false),
            inner: UnsafeCell::new((false, None)),
        })
    }
    /// Runs `f` on the flag and the stored waker under the spin lock.
    fn with<R>(&self, f: impl FnOnce(&mut (bool, Option<Waker>)) -> R) -> R {
        while self.locked.swap(true, Ordering::Acquire) {
            while self.locked.load(Ordering::Relaxed) {
                std::hint::spin_loop();
            }
        }
        // Safety: the lock is held.
        let result = f(unsafe { &mut *self.inner.get() });
        self.locked.store(false, Ordering::Release);
        result
    }
    fn notify(&self) {
        let waker = self.with(|inner| {
            inner.0 = true;
            inner.1.take()
        });
        if let Some(waker) = waker {
            waker.wake();
        }
    }
    fn wait(&self) -> Wait<'_> {
        Wait { signal: self }
    }
}

struct Wait<'a> {
    signal: &'a Signal,
}

impl Future for Wait<'_> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.signal.with(|inner| {
            if inner.0 {
                inner.0 = false;
                return Poll::Ready(());
            }
            // Clone the waker only when it changed, as the C++ side does.
            let stale = match &inner.1 {
                Some(waker) => !waker.will_wake(cx.waker()),
                None => true,
            };
            if stale {
                inner.1 = Some(cx.waker().clone());
            }
            Poll::Pending
        })
    }
}

/// PINGPONG_BATCH round trips between two spawned tasks; returns the round
/// trips B saw.
fn pingpong_batch(rt: &tokio::runtime::Runtime) -> u64 {
    rt.block_on(async {
        let (a, b) = (Signal::new(), Signal::new());
        let (a2, b2) = (a.clone(), b.clone());
        let pinger = tokio::spawn(async move {
            for _ in 0..PINGPONG_BATCH {
                b.notify();
                a.wait().await;
            }
        });
        let ponger = tokio::spawn(async move {
            let mut seen = 0;
            for _ in 0..PINGPONG_BATCH {
                b2.wait().await;
                seen += 1;
                a2.notify();
            }
            seen
        });
        pinger.await.expect("the pinger failed");
        ponger.await.expect("the ponger failed")
    })
}

//===----------------------------------------------------------------------===//
// Measurement
//===----------------------------------------------------------------------===//

/// Runs `batch` once to warm up, then until `target` has passed; prints the
/// ns per operation (`ops_per_batch` of them per batch).
fn measure(
    bench: &str,
    flavor: Flavor,
    target: Duration,
    ops_per_batch: u64,
    batch: fn(&tokio::runtime::Runtime) -> u64,
) {
    let rt = flavor.runtime();
    let expected = batch(&rt);
    let mut ops = 0u64;
    let mut check = true;
    let cpu_start = process_cpu_ns();
    let start = Instant::now();
    let elapsed = loop {
        check &= batch(&rt) == expected;
        ops += ops_per_batch;
        let elapsed = start.elapsed();
        if elapsed >= target {
            break elapsed;
        }
    };
    let cpu = process_cpu_ns() - cpu_start;
    println!(
        "tokio {} {} ns={:.2} cpu_ns={:.2} ops={} check={}",
        bench,
        flavor.name(),
        elapsed.as_nanos() as f64 / ops as f64,
        cpu as f64 / ops as f64,
        ops,
        if check { expected } else { 0 }
    );
}

/// The CPU time of all this process's threads, in ns (the C++ side reads
/// the same clock).
fn process_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // Safety: `ts` is a valid timespec to write to.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// This process's resident set in KiB, from /proc/self/status.
fn vm_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    for line in status.lines() {
        if let Some(rest) = line.strip_prefix("VmRSS:") {
            return rest
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .unwrap_or(0);
        }
    }
    0
}

fn sleeps(flavor: Flavor, count: u64, ms: u64) {
    let start_rss = vm_rss_kib();
    let rt = flavor.runtime();
    let duration = Duration::from_millis(ms);
    let start = Instant::now();
    let done = rt.block_on(async move {
        let mut handles = Vec::with_capacity(count as usize);
        for _ in 0..count {
            handles.push(tokio::spawn(async move {
                tokio::time::sleep(duration).await;
            }));
        }
        let mut done = 0u64;
        for handle in handles {
            handle.await.expect("a sleeping task failed");
            done += 1;
        }
        done
    });
    let wall = start.elapsed();
    println!(
        "tokio sleeps {} wall_ms={:.3} start_rss_kib={} tasks={}",
        flavor.name(),
        wall.as_secs_f64() * 1e3,
        start_rss,
        done
    );
    drop(rt);
}

fn usage() -> ! {
    eprintln!("usage: tokio_peer inproc MS | tokio_peer sleeps current|multi2 COUNT MS");
    std::process::exit(2);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let number = |i: usize| -> u64 {
        args.get(i)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| usage())
    };
    println!(
        "version tokio={} rustc={}",
        option_env!("COROFY_TOKIO_VERSION").unwrap_or("1"),
        option_env!("COROFY_RUSTC_VERSION")
            .unwrap_or("unknown")
            .replace(' ', "_")
    );
    match args.get(1).map(|s| s.as_str()) {
        Some("inproc") => {
            let target = Duration::from_millis(number(2));
            let selected = |bench: &str| args.len() <= 3 || args[3..].iter().any(|a| a == bench);
            for flavor in [Flavor::Current, Flavor::Multi2] {
                if selected("spawn") {
                    measure("spawn", flavor, target, SPAWN_BATCH, spawn_batch);
                }
            }
            for flavor in [Flavor::Current, Flavor::Multi2] {
                if selected("pingpong") {
                    measure("pingpong", flavor, target, PINGPONG_BATCH, pingpong_batch);
                }
            }
        }
        Some("sleeps") => {
            let flavor = args
                .get(2)
                .and_then(|s| Flavor::parse(s))
                .unwrap_or_else(|| usage());
            sleeps(flavor, number(3), number(4));
        }
        _ => usage(),
    }
}
