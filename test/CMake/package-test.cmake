# cmake -P script behind the cmake.package test: installs this build into a
# scratch prefix, builds test/CMake/consumer against it with
# find_package(Corofy), runs the program, and checks that corofy re-runs
# exactly when the source or a header it includes changes.
#   -DBUILD_DIR=<corofy build> -DSOURCE_DIR=<test/CMake> -DWORK_DIR=<scratch>
#   -DCXX=<compiler> -DGENERATOR=<generator>
cmake_minimum_required(VERSION 3.20)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status
    OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "failed (${status}): ${ARGN}\n${out}")
  endif()
  set(output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
file(COPY "${SOURCE_DIR}/consumer" DESTINATION "${WORK_DIR}")
set(project "${WORK_DIR}/consumer")
run("${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${WORK_DIR}/prefix")
run("${CMAKE_COMMAND}" -S "${project}" -B "${WORK_DIR}/build" -G "${GENERATOR}"
    "-DCMAKE_CXX_COMPILER=${CXX}" "-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix")

# Builds the consumer, which must run corofy (after `when`), and runs it.
function(build_and_run when expected)
  run("${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
  if(NOT output MATCHES "Corofying main.cpp")
    message(FATAL_ERROR "corofy did not run ${when}:\n${output}")
  endif()
  run("${WORK_DIR}/build/consumer")
  if(NOT output STREQUAL "${expected}")
    message(FATAL_ERROR "unexpected output ${when}: '${output}'")
  endif()
endfunction()

build_and_run("in the first build" "hello from the consumer: 42\n")

# Nothing changed: nothing to do.
run("${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
if(output MATCHES "Corofying")
  message(FATAL_ERROR "corofy re-ran with nothing changed:\n${output}")
endif()

# A header main.cpp includes changed: corofy re-runs (the depfile).
file(WRITE "${project}/include/answer.hpp"
  "#pragma once\ninline int answerBase() { return 50; }\n")
build_and_run("after a header changed" "hello from the consumer: 52\n")

# corofy_check_sources: a missing or stale committed file fails the test,
# a fresh one passes.
function(check_test expect_pass)
  execute_process(COMMAND "${CMAKE_CTEST_COMMAND}" -R corofy_check --output-on-failure
    WORKING_DIRECTORY "${WORK_DIR}/build"
    RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(expect_pass AND NOT status EQUAL 0)
    message(FATAL_ERROR "corofy_check failed on a fresh file:\n${out}")
  endif()
  if(NOT expect_pass AND (status EQUAL 0 OR NOT out MATCHES "is (missing|out of date)"))
    message(FATAL_ERROR "corofy_check passed on a stale file:\n${out}")
  endif()
endfunction()
check_test(FALSE)
run("${WORK_DIR}/prefix/bin/corofy" "${project}/checked.cpp")
check_test(TRUE)
file(APPEND "${project}/checked.cpp" "int unrelated = 1;\n")
check_test(FALSE)

# An error in the input points at the input file.
file(APPEND "${project}/main.cpp" "coroutine<int> broken() { return wait(3); }\n")
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${WORK_DIR}/build"
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(status EQUAL 0 OR NOT out MATCHES "consumer/main.cpp:[0-9]+:[0-9]+: error:")
  message(FATAL_ERROR "a broken input did not fail at its own line:\n${out}")
endif()
message(STATUS "cmake.package: passed")
