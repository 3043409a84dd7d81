# -*- Python -*-
# lit configuration of corofy's tests: each test runs corofy, checks its
# output or diagnostics with FileCheck, and compiles and runs the result.

import os
import sys

import lit.formats

config.name = "corofy"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".cpp", ".test"]
config.excludes = ["Inputs", "Unit", "CMake", "CMakeLists.txt", "lit.cfg.py", "check_docs.py", "mutate_inputs.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.corofy_obj_root, "test")

config.environment["PATH"] = os.pathsep.join(
    [os.path.dirname(config.corofy_executable), config.llvm_tools_dir, config.environment.get("PATH", os.environ["PATH"])]
)
# Sanitizer runtimes print to stderr and fail the test on any finding.
# allow_user_poisoning=0: see cmake/Sanitizers.cmake (the tool links an
# uninstrumented LLVM).
config.environment["ASAN_OPTIONS"] = "detect_leaks=1:allow_user_poisoning=0"
config.environment["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"

inputs = os.path.join(config.test_source_root, "Inputs")
# The generated code must compile cleanly with warnings as errors.
cxxflags = " ".join(
    [
        "-std=c++20",
        "-O1",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-I" + config.corofy_include_dir,
        "-I" + inputs,
        config.sanitizer_flags,
    ]
)
runtime = config.corofy_runtime_lib + " -pthread"
config.substitutions.append(("%runtime", runtime))
config.substitutions.append(("%inputs", inputs))
config.substitutions.append(("%python", sys.executable))


def program_substitutions(pch=None):
    """%fiber-exe, %corofy and %cxx. With `pch`, corofy and the compiler read
    corofy.hpp precompiled instead of parsing it again, which halves the time
    of a test that rewrites, compiles and runs a program."""
    corofy = config.corofy_executable
    cxx = config.cxx + " " + cxxflags
    if pch:
        # The flags that must match the ones the header was precompiled with
        # (see test/CMakeLists.txt).
        matching = ["-O1", "-pthread"] + config.sanitizer_flags.split()
        corofy += "".join(
            " --extra-arg=" + flag for flag in matching + ["-include-pch", pch]
        )
        cxx += " -pthread -include-pch " + pch
    # The fiber backend must print what the state-machine backend prints: a
    # transform test runs `%fiber-exe | FileCheck ...` beside its own run,
    # which rewrites the test with --backend=fiber, builds it and runs it.
    # First and spelled out, since lit expands %s and %t after these
    # substitutions, and would expand %corofy inside it too early.
    fiber_exe = (
        "{corofy} --backend=fiber %s -o %t.fiber.cpp -- -I{inputs} && "
        "{cxx} %t.fiber.cpp {runtime} -o %t.fiber.exe && %t.fiber.exe".format(
            corofy=corofy, inputs=inputs, cxx=cxx, runtime=runtime
        )
    )
    # %fiber-exe first: see above.
    return {"%fiber-exe": fiber_exe, "%corofy": corofy, "%cxx": cxx}


plain = program_substitutions()
fast = program_substitutions(config.corofy_test_pch) if config.corofy_test_pch else plain
# %corofy-pch and %cxx-pch: for the scripts that run corofy and the compiler
# on many programs (Driver/no-crash.test, Random/). First, as %corofy is a
# prefix of %corofy-pch.
config.substitutions = (
    [("%corofy-pch", fast["%corofy"]), ("%cxx-pch", fast["%cxx"])]
    + list(plain.items())
    + config.substitutions
)
# test/Transform/lit.local.cfg puts these in place of the plain ones.
config.corofy_pch_substitutions = fast
