//===- corofy/coroutine.hpp - coroutine<T>, wait() and frames ---*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// The source form that corofy reads, and the few helpers the state machines
// it writes call.
//
// A function whose declared return type is spelled coroutine<T> is a
// coroutine with output T, and wait(f) suspends it until the future f is
// ready. Source written this way is valid C++20 (editors and clangd work on
// it), but it only runs once corofy has rewritten it: compiling it directly
// fails with an error that says so.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_COROUTINE_HPP
#define COROFY_COROUTINE_HPP

#include "corofy/future.hpp"

#include <memory>
#include <utility>

namespace corofy {

/// The declared return type of a coroutine with output T. Callers that
/// cannot see the coroutine's state machine receive it boxed as Async<T>.
template <class T> using coroutine = Async<T>;

/// Suspends the enclosing coroutine until `future` is ready and yields its
/// output. A temporary future is stored in the coroutine's frame; an lvalue
/// future is polled in place. Only meaningful inside a coroutine<T> function
/// that corofy transforms, so it has no definition.
template <class F>
  requires Future<F>
__attribute__((error("wait() only works in code that corofy has transformed: "
                     "run corofy on this file and compile its output")))
output_t<F> wait(F &&future);

/// Support for the state machines corofy writes; not for hand-written code.
namespace frame {
/// Reports a poll of a coroutine that already completed (or threw) and
/// aborts.
[[noreturn]] void polled_after_completion(const char *coroutine) noexcept;
/// Reports a move of a coroutine after its first poll and aborts: a started
/// coroutine may hold pointers into its own frame.
[[noreturn]] void moved_after_start(const char *coroutine) noexcept;
/// Reports a non-void coroutine that ran off the end of its body and aborts.
[[noreturn]] void missing_return(const char *coroutine) noexcept;
/// The address of the future a wait polls in place (lvalue or xvalue).
template <class T> std::remove_reference_t<T> *address(T &&object) noexcept {
  return std::addressof(object);
}
/// Records that a temporary the frame keeps was made, for one in an
/// operand that is evaluated only on some paths; returns it.
template <class T> T *made(bool &flag, T *object) noexcept {
  flag = true;
  return object;
}
} // namespace frame

} // namespace corofy

using corofy::coroutine;
using corofy::wait;

#endif // COROFY_COROUTINE_HPP
