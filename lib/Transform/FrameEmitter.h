//===- FrameEmitter.h - Writes a coroutine's state machine ------*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_LIB_TRANSFORM_FRAMEEMITTER_H
#define COROFY_LIB_TRANSFORM_FRAMEEMITTER_H

#include "CoroutineAnalysis.h"

#include "corofy/Transform/CoroutineRewriter.h"

#include "clang/Rewrite/Core/Rewriter.h"
#include "llvm/ADT/DenseMap.h"

#include <string>

namespace corofy {

/// How other coroutines of the file can name a coroutine's state machine.
struct FrameName {
  /// The class name, e.g. "fetch_frame".
  std::string Name;
  /// The name qualified for use anywhere in the file, e.g. "net::fetch_frame".
  std::string QualifiedName;
  /// False for frames local to their function, which only the function
  /// itself can construct.
  bool Nameable = false;
  /// Where the frame's definition ends: a coroutine defined after that
  /// point can embed the frame by value.
  clang::SourceLocation DefinitionEnd;
};

using FrameNames = llvm::DenseMap<const clang::FunctionDecl *, FrameName>;

/// The text that replaces a coroutine definition.
struct FrameText {
  /// Goes before the function's declaration: the frame class and its poll()
  /// for a frame at namespace scope; empty for a local frame.
  std::string BeforeFunction;
  /// Replaces the function body, braces included.
  std::string Body;
  /// The states and what each holds; no transitions (see stateTransitions).
  StateMachine Machine;
};

/// Writes the state machine of \p C. Edits inside the body are made in
/// \p Scratch, a Rewriter over the same sources that only emitters use.
FrameText emitFrame(const Coroutine &C, const FrameNames &Frames,
                    clang::Rewriter &Scratch, const RewriteOptions &Options);

/// Chooses the frame class name of each coroutine, unique in its scope.
FrameNames nameFrames(const std::vector<Coroutine> &Coroutines,
                      clang::ASTContext &Ctx);

/// A marker line replaced, once the whole output is known, by a #line
/// directive naming the output file at its own position.
extern const char OutputLineMarker[];

} // namespace corofy

#endif // COROFY_LIB_TRANSFORM_FRAMEEMITTER_H
