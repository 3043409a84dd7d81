//===- FiberEmitter.h - A coroutine's body run on a fiber -------*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_LIB_TRANSFORM_FIBEREMITTER_H
#define COROFY_LIB_TRANSFORM_FIBEREMITTER_H

#include "CoroutineAnalysis.h"

#include "clang/Rewrite/Core/Rewriter.h"

namespace corofy {

/// Rewrites \p C, in \p R, into a function that returns a future running
/// its body on a fiber of its own (corofy::fiber::run_on_fiber), started at
/// the first poll; each wait(f) becomes corofy::fiber::await(f), which
/// parks the fiber while f is pending. The body keeps its lines.
void emitFiberCoroutine(const Coroutine &C, clang::Rewriter &R,
                        clang::ASTContext &Ctx);

} // namespace corofy

#endif // COROFY_LIB_TRANSFORM_FIBEREMITTER_H
