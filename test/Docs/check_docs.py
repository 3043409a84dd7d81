#!/usr/bin/env python3
"""Checks the code blocks of a Markdown document.

Each ```cpp docs-test block is rewritten by corofy, compiled and run; when
the paragraph after it is "Output:" followed by a fenced block, the program
must print exactly that.

The info string may add attributes after "docs-test", as name=value:
  backend=fiber   corofy rewrites the block with --backend=fiber (any value
                  of --backend is accepted), for programs that only the
                  fiber backend allows.
Anything else on that line fails the block.
"""

import argparse
import os
import re
import shlex
import subprocess
import sys

BLOCK = re.compile(
    r"```cpp docs-test(?P<attributes>[^\n]*)\n(?P<code>.*?)```\n(?:\s*Output:\s*\n+```\n(?P<out>.*?)```)?",
    re.S,
)


# The corofy options each attribute of the info string stands for.
ATTRIBUTES = {"backend": lambda value: ["--backend=" + value]}


def run(command, **kwargs):
    return subprocess.run(command, capture_output=True, text=True, **kwargs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corofy", required=True, help="the corofy command (an executable, maybe with options)")
    parser.add_argument("--cxx", required=True, help="compiler and flags")
    parser.add_argument("--runtime", required=True, help="link inputs")
    parser.add_argument("--work", required=True)
    parser.add_argument("documents", nargs="+")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)

    failures = checked = 0
    for document in args.documents:
        text = open(document).read()
        for number, match in enumerate(BLOCK.finditer(text), 1):
            checked += 1
            line = text.count("\n", 0, match.start()) + 1
            where = f"{document}:{line}"
            base = os.path.join(args.work, f"{os.path.basename(document)}.{number}")
            attributes = match.group("attributes").split()
            unknown = [a for a in attributes
                       if "=" not in a or a.partition("=")[0] not in ATTRIBUTES]
            if unknown:
                print(f"{where}: error: unknown attribute '{unknown[0]}' "
                      f"(known: {', '.join(name + '=...' for name in sorted(ATTRIBUTES))})")
                failures += 1
                continue
            options = []
            for attribute in attributes:
                name, _, value = attribute.partition("=")
                options += ATTRIBUTES[name](value)
            with open(base + ".cpp", "w") as source:
                source.write(match.group("code"))
            steps = [
                shlex.split(args.corofy)
                + options
                + [base + ".cpp", "-o", base + "_corofied.cpp"],
                shlex.split(args.cxx)
                + [base + "_corofied.cpp"]
                + shlex.split(args.runtime)
                + ["-o", base + ".exe"],
                [base + ".exe"],
            ]
            for step in steps:
                result = run(step)
                if result.returncode != 0:
                    print(f"{where}: error: '{' '.join(step)}' failed:\n"
                          f"{result.stdout}{result.stderr}")
                    failures += 1
                    break
            else:
                expected = match.group("out")
                if expected is not None and result.stdout != expected:
                    print(f"{where}: error: the block printed\n{result.stdout}"
                          f"instead of\n{expected}")
                    failures += 1
    print(f"checked {checked} block(s), {failures} failed")
    return 1 if failures or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
