//===- StateGraph.h - How a coroutine's states follow each other -*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// Follows the control-flow graph of a coroutine's body from its start and
// from each wait to the next wait or the end, giving the transitions that
// --emit=dot draws.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_LIB_TRANSFORM_STATEGRAPH_H
#define COROFY_LIB_TRANSFORM_STATEGRAPH_H

#include "CoroutineAnalysis.h"

#include "corofy/Transform/CoroutineRewriter.h"

#include <vector>

namespace corofy {

/// The transitions between the resumable states (Start, WaitN) and Done of
/// \p C, each labelled with the source line of the wait or return it
/// reaches; empty when Clang cannot build the body's control-flow graph.
std::vector<StateMachine::Transition> stateTransitions(const Coroutine &C);

} // namespace corofy

#endif // COROFY_LIB_TRANSFORM_STATEGRAPH_H
