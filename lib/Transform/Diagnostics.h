//===- Diagnostics.h - The problems corofy reports --------------*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// Every user-facing message of the transformation, in one place, reported
// through clang's DiagnosticsEngine so they print like compiler errors.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_LIB_TRANSFORM_DIAGNOSTICS_H
#define COROFY_LIB_TRANSFORM_DIAGNOSTICS_H

#include "clang/Basic/Diagnostic.h"

namespace corofy {

enum class Problem {
  WaitOutsideCoroutine,   // %0: function name, or empty
  WaitOutsideAnyFunction,
  WaitInLambda,
  WaitInControlFlow,      // %0: "a 'try' block", ...
  DependentExpressionWait,
  WaitInMultiDeclaration,
  WaitInMacro,
  GotoInCoroutine,
  VariadicCoroutine,
  ConstexprCoroutine,
  CxxCoroutineKeyword,
  UnnameableHoistedType,  // %0: variable, %1: what kind of type
  HoistedReferenceToTemporary, // %0: variable
  HoistedStructuredBinding,
  HoistedAutoInTemplate,  // %0: variable
  UnnamedTemplateParameter,
  NoteCoroutineHere,      // %0: coroutine name
  NoteLivesAcrossWait,
};

/// Reports \p P at \p Loc; stream the message arguments into the result.
clang::DiagnosticBuilder report(clang::DiagnosticsEngine &Diags,
                                clang::SourceLocation Loc, Problem P);

} // namespace corofy

#endif // COROFY_LIB_TRANSFORM_DIAGNOSTICS_H
