#!/usr/bin/env python3
"""Differential test of corofy over a range of seeds.

For each seed, generate.py writes a coroutine program and its reference
program; this driver runs corofy on the coroutine program, compiles its
output and the reference with the same compiler command, runs both and
compares their standard output byte for byte. Any difference or failure
(corofy error, compile error, crash, non-zero exit, timeout) is reported with
the seed, the command and a unified diff, the seed's files are kept under
--work, and the driver exits non-zero once all seeds have run. Files of
seeds that pass are deleted unless --keep is given.

CI runs a fixed range (test/Random/random-programs.test). A long run on
demand, from the build directory:

    python3 ../test/Random/run_seeds.py --first 1 --count 500 \\
        --corofy bin/corofy --runtime "lib/libcorofy_runtime.a -pthread" \\
        --cxx "clang++-19 -std=c++20 -O1 -Wall -Wextra -Werror \\
               -I../include" --work /tmp/corofy-random

(--jobs 2 by default: at most two compiles at a time.) To look at one seed,
regenerate it with generate.py --seed N --coroutine-out co.cpp
--reference-out ref.cpp, or rerun it with --first N --count 1 --keep.
"""

import argparse
import concurrent.futures
import difflib
import os
import shlex
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SUPPORT_DIR = os.path.join(HERE, "Inputs")

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)
import generate  # noqa: E402

class Failure(Exception):
    def __init__(self, stage, command, output):
        super().__init__(stage)
        self.stage = stage
        self.command = command
        self.output = output


def run(stage, command, timeout, cwd=None):
    try:
        p = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired:
        raise Failure(stage, command, "timed out after %d s" % timeout)
    except OSError as e:
        raise Failure(stage, command, "cannot run: %s" % e)
    if p.returncode != 0:
        text = p.stderr.decode(errors="replace")
        if not text.strip():
            text = p.stdout.decode(errors="replace")[-4000:]
        raise Failure(stage, command, "exit code %d\n%s" % (p.returncode, text))
    return p.stdout.decode(errors="replace")


def check_seed(seed, args):
    """Returns None when the seed passes, else a report."""
    d = os.path.join(args.work, "seed-%d" % seed)
    os.makedirs(d, exist_ok=True)
    co_src = os.path.join(d, "co.cpp")
    ref_src = os.path.join(d, "ref.cpp")
    co_out = os.path.join(d, "co.corofied.cpp")
    co_exe = os.path.join(d, "co.exe")
    ref_exe = os.path.join(d, "ref.exe")
    co_text, ref_text = generate.generate(seed, args.coroutines, args.max_depth, args.statements, args.without)
    with open(co_src, "w") as f:
        f.write(co_text)
    with open(ref_src, "w") as f:
        f.write(ref_text)
    cxx = shlex.split(args.cxx) + ["-I" + SUPPORT_DIR]
    runtime = shlex.split(args.runtime)
    try:
        run("compile the reference program", cxx + [ref_src] + runtime + ["-o", ref_exe], args.timeout)
        want = run("run the reference program", [ref_exe], args.timeout)
        # Each backend's program must print what the reference prints.
        for backend in args.backends.split(","):
            suffix = "" if backend == "state-machine" else "." + backend
            out, exe = co_out.replace(".cpp", suffix + ".cpp"), co_exe.replace(".exe", suffix + ".exe")
            run("corofy --backend=" + backend,
                shlex.split(args.corofy) + ["--backend=" + backend, co_src, "-o", out, "--", "-std=c++20", "-I" + SUPPORT_DIR],
                args.timeout)
            run("compile the corofied program (%s)" % backend, cxx + [out] + runtime + ["-o", exe], args.timeout)
            got = run("run the corofied program (%s)" % backend, [exe], args.timeout)
            if got != want:
                diff = "".join(difflib.unified_diff(
                    want.splitlines(True), got.splitlines(True), "reference output (%s)" % ref_exe,
                    "corofied output, %s backend (%s)" % (backend, exe)))
                return "seed %d: outputs differ (%s backend)\n  command: %s\n  files: %s\n%s" % (
                    seed, backend, shlex.join([exe]), d, diff)
    except Failure as e:
        return "seed %d: %s failed\n  command: %s\n  files: %s\n%s" % (
            seed, e.stage, shlex.join(e.command), d, indent(e.output))
    if not args.keep:
        shutil.rmtree(d, ignore_errors=True)
    return None


def indent(text, limit=60):
    lines = text.rstrip("\n").split("\n")
    if len(lines) > limit:
        lines = lines[:limit] + ["  ... (%d more lines)" % (len(lines) - limit)]
    return "".join("    " + l + "\n" for l in lines)


def main():
    ap = argparse.ArgumentParser(description="differential test of corofy over random programs")
    ap.add_argument("--first", type=int, default=1, help="first seed")
    ap.add_argument("--count", type=int, default=12, help="number of seeds")
    ap.add_argument("--corofy", required=True, help="the corofy command (an executable, maybe with options)")
    ap.add_argument("--cxx", required=True, help="compiler command with its flags")
    ap.add_argument("--runtime", default="", help="libraries to link (the runtime)")
    ap.add_argument("--work", required=True, help="directory for the files of each seed")
    ap.add_argument("--jobs", type=int, default=2, help="seeds run in parallel (each compiles one file at a time)")
    ap.add_argument("--timeout", type=int, default=120, help="seconds per command")
    ap.add_argument("--keep", action="store_true", help="keep the files of passing seeds")
    ap.add_argument("--backends", default="state-machine,fiber",
                    help="comma-separated corofy backends to check against the reference")
    ap.add_argument("--coroutines", type=int, default=12, help="functions per program (more amortize the compiles)")
    ap.add_argument("--max-depth", type=int, default=3, help="nesting of control statements")
    ap.add_argument("--statements", type=int, default=14, help="statements per function, roughly")
    ap.add_argument("--without", default="",
                    help="generator features to leave out, comma-separated: " + ", ".join(generate.FEATURES))
    args = ap.parse_args()
    try:
        args.without = generate.parse_without(args.without)
    except ValueError as e:
        ap.error(str(e))
    args.work = os.path.abspath(args.work)
    os.makedirs(args.work, exist_ok=True)

    start = time.time()
    seeds = range(args.first, args.first + args.count)
    failed = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for seed, report in zip(seeds, pool.map(lambda s: check_seed(s, args), seeds)):
            if report:
                failed.append(seed)
                print(report, flush=True)
    print("%d seeds (%d to %d): %d passed, %d failed%s in %.0f s" % (
        args.count, args.first, args.first + args.count - 1, args.count - len(failed), len(failed),
        (" (%s)" % " ".join(map(str, failed))) if failed else "", time.time() - start))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
