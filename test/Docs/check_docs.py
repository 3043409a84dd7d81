#!/usr/bin/env python3
"""Checks the code blocks of a Markdown document.

Each ```cpp docs-test block is rewritten by corofy, compiled and run; when
the paragraph after it is "Output:" followed by a fenced block, the program
must print exactly that.
"""

import argparse
import os
import re
import shlex
import subprocess
import sys

BLOCK = re.compile(
    r"```cpp docs-test\n(?P<code>.*?)```\n(?:\s*Output:\s*\n+```\n(?P<out>.*?)```)?",
    re.S,
)


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
            with open(base + ".cpp", "w") as source:
                source.write(match.group("code"))
            steps = [
                shlex.split(args.corofy) + [base + ".cpp", "-o", base + "_corofied.cpp"],
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
