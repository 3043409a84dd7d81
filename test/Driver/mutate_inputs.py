#!/usr/bin/env python3
"""Runs corofy on mutated copies of the test inputs and checks that it never
crashes: every run exits 0 (with an output file) or 1 (with none), and
nothing prints LLVM's crash report. With --cxx, every output of an accepted
input must compile too. The seed and count are fixed for CI;
COROFY_MUTATIONS raises the count for a long run on demand."""

import argparse
import glob
import os
import random
import re
import shlex
import subprocess
import sys


def mutate(text, rng):
    lines = text.split("\n")
    kind = rng.randrange(5)
    if kind == 0 and len(lines) > 1:  # drop a line
        del lines[rng.randrange(len(lines))]
        return "\n".join(lines)
    if kind == 1:  # duplicate a line
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
        return "\n".join(lines)
    tokens = [m for m in re.finditer(r"[;{}()]|wait|coroutine|return|int", text)]
    if not tokens:
        return text
    token = rng.choice(tokens)
    if kind == 2:  # drop a token
        return text[: token.start()] + text[token.end():]
    if kind == 3:  # double a token
        return text[: token.end()] + token.group() + text[token.end():]
    # move a token elsewhere
    cut = text[: token.start()] + text[token.end():]
    at = rng.randrange(len(cut) + 1)
    return cut[:at] + token.group() + cut[at:]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corofy", required=True, help="the corofy command (an executable, maybe with options)")
    parser.add_argument("--inputs", required=True, help="include directory")
    parser.add_argument("--work", required=True)
    parser.add_argument("--cxx", help="compiler and flags to check outputs with")
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("sources", nargs="+")
    args = parser.parse_args()
    count = int(os.environ.get("COROFY_MUTATIONS", args.count))
    os.makedirs(args.work, exist_ok=True)
    rng = random.Random(args.seed)
    files = sorted(f for pattern in args.sources for f in glob.glob(pattern))
    problems = outcomes = 0
    seen = {0: 0, 1: 0}
    for n in range(count):
        source = files[n % len(files)]
        text = mutate(open(source).read(), rng)
        case = os.path.join(args.work, f"case{n}.cpp")
        out = os.path.join(args.work, f"case{n}_out.cpp")
        with open(case, "w") as f:
            f.write(text)
        if os.path.exists(out):
            os.remove(out)
        run = subprocess.run(
            shlex.split(args.corofy) + [case, "-o", out, "--", "-I" + args.inputs],
            capture_output=True, text=True, timeout=120)
        crashed = run.returncode not in (0, 1) or "PLEASE submit a bug report" in run.stderr \
            or "Stack dump" in run.stderr
        wrong_output = (run.returncode == 0) != os.path.exists(out)
        broken_output = ""
        if not crashed and not wrong_output and run.returncode == 0 and args.cxx:
            check = subprocess.run(
                shlex.split(args.cxx) + ["-fsyntax-only", "-w", out],
                capture_output=True, text=True)
            if check.returncode != 0:
                broken_output = check.stderr[-2000:]
        if crashed or wrong_output or broken_output:
            problems += 1
            print(f"{case} (from {source}): exit {run.returncode}, "
                  f"output {'present' if os.path.exists(out) else 'absent'}\n{run.stderr[-2000:]}"
                  f"{broken_output}")
        else:
            seen[run.returncode] += 1
        outcomes += 1
    print(f"{outcomes} mutated inputs: {seen[0]} rewritten, {seen[1]} rejected, {problems} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
