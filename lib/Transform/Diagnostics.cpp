//===- Diagnostics.cpp - The problems corofy reports ----------------------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#include "Diagnostics.h"

using namespace clang;

namespace corofy {

DiagnosticBuilder report(DiagnosticsEngine &Diags, SourceLocation Loc,
                         Problem P) {
  constexpr auto Error = DiagnosticsEngine::Error;
  constexpr auto Note = DiagnosticsEngine::Note;
  unsigned ID = 0;
  switch (P) {
  case Problem::WaitOutsideCoroutine:
    ID = Diags.getCustomDiagID(
        Error, "wait() used outside a coroutine; declare %0 with return type "
               "coroutine<T> to make it one");
    break;
  case Problem::WaitOutsideAnyFunction:
    ID = Diags.getCustomDiagID(Error, "wait() used outside a coroutine");
    break;
  case Problem::WaitInLambda:
    ID = Diags.getCustomDiagID(
        Error, "wait() cannot be used inside a lambda; only a function "
               "declared to return coroutine<T> can suspend");
    break;
  case Problem::WaitInControlFlow:
    ID = Diags.getCustomDiagID(
        Error, "wait() inside %0 is not supported yet");
    break;
  case Problem::DependentExpressionWait:
    ID = Diags.getCustomDiagID(
        Error, "wait() inside a larger expression that depends on a "
               "template parameter and holds a lambda is not supported yet; "
               "wait into a variable first: 'T x = wait(f);'");
    break;
  case Problem::WaitInMultiDeclaration:
    ID = Diags.getCustomDiagID(
        Error, "wait() in a declaration of several variables is not "
               "supported; declare the waited-for variable on its own");
    break;
  case Problem::WaitInMacro:
    ID = Diags.getCustomDiagID(
        Error, "wait() inside a macro expansion is not supported");
    break;
  case Problem::GotoInCoroutine:
    ID = Diags.getCustomDiagID(
        Error, "'goto' and labels in a coroutine are not supported yet");
    break;
  case Problem::VariadicCoroutine:
    ID = Diags.getCustomDiagID(Error,
                               "variadic coroutines are not supported yet");
    break;
  case Problem::ConstexprCoroutine:
    ID = Diags.getCustomDiagID(Error,
                               "a coroutine cannot be constexpr or consteval");
    break;
  case Problem::CxxCoroutineKeyword:
    ID = Diags.getCustomDiagID(
        Error, "C++20 coroutine keywords cannot be used in a corofy "
               "coroutine; use wait() and return");
    break;
  case Problem::UnnameableHoistedType:
    ID = Diags.getCustomDiagID(
        Error, "%0 lives across a wait, but its type is %1, which the "
               "coroutine's state machine cannot name; declare it after the "
               "last wait of its scope or give it a named type");
    break;
  case Problem::HoistedReferenceToTemporary:
    ID = Diags.getCustomDiagID(
        Error, "reference %0 lives across a wait but is bound to a "
               "temporary; store the value in a variable instead");
    break;
  case Problem::HoistedStructuredBinding:
    ID = Diags.getCustomDiagID(
        Error, "a structured binding that lives across a wait is not "
               "supported yet");
    break;
  case Problem::HoistedAutoInTemplate:
    ID = Diags.getCustomDiagID(
        Error, "%0 lives across a wait and its 'auto' type depends on a "
               "template parameter; spell out its type");
    break;
  case Problem::UnnamedTemplateParameter:
    ID = Diags.getCustomDiagID(
        Error, "a coroutine template's parameters must be named");
    break;
  case Problem::NoteCoroutineHere:
    ID = Diags.getCustomDiagID(Note, "in coroutine %0 declared here");
    break;
  case Problem::NoteLivesAcrossWait:
    ID = Diags.getCustomDiagID(Note, "the wait it lives across is here");
    break;
  }
  return Diags.Report(Loc, ID);
}

} // namespace corofy
