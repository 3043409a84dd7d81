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
    [config.corofy_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", os.environ["PATH"])]
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
        "-Wno-unused-parameter",
        "-I" + config.corofy_include_dir,
        "-I" + inputs,
        config.sanitizer_flags,
    ]
)
config.substitutions.append(("%corofy", os.path.join(config.corofy_tools_dir, "corofy")))
config.substitutions.append(("%cxx", config.cxx + " " + cxxflags))
config.substitutions.append(("%runtime", config.corofy_runtime_lib + " -pthread"))
config.substitutions.append(("%inputs", inputs))
config.substitutions.append(("%python", sys.executable))

# The fiber backend must print what the state-machine backend prints: a
# transform test runs `%fiber-exe | FileCheck ...` beside its own run, which
# rewrites the test with --backend=fiber, builds it and runs it. Spelled out
# here (lit expands %s and %t after these substitutions, not %corofy).
config.substitutions.insert(
    0,
    (
        "%fiber-exe",
        "{corofy} --backend=fiber %s -o %t.fiber.cpp -- -I{inputs} && "
        "{cxx} %t.fiber.cpp {runtime} -o %t.fiber.exe && %t.fiber.exe".format(
            corofy=os.path.join(config.corofy_tools_dir, "corofy"),
            inputs=inputs,
            cxx=config.cxx + " " + cxxflags,
            runtime=config.corofy_runtime_lib + " -pthread",
        ),
    ),
)
