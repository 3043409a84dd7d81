//===- CoroutineAnalysis.h - What a coroutine needs in its frame -*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// Finds the coroutines of a translation unit and the wait() calls in them,
// checks that every wait stands where the transformation supports it, and
// decides which locals live across a wait and so move into the frame.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_LIB_TRANSFORM_COROUTINEANALYSIS_H
#define COROFY_LIB_TRANSFORM_COROUTINEANALYSIS_H

#include "clang/AST/Decl.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/Expr.h"
#include "clang/AST/Stmt.h"

#include <optional>
#include <vector>

namespace corofy {

/// What the statement holding a wait does with the waited-for value.
enum class WaitUse {
  Discard,    // wait(f);
  Initialize, // T x = wait(f);
  Assign,     // x = wait(f);  x += wait(f);
  Return,     // return wait(f);
  Expression, // anywhere else: in a larger expression or a condition
};

/// Where the future of a wait lives while the coroutine is suspended.
enum class FutureStorage {
  Temporary, // a prvalue, constructed in the frame and destroyed after use
  InPlace,   // a frame member (parameter or hoisted local) polled in place
  Pointer,   // any other lvalue: the frame keeps its address
};

struct WaitPoint {
  const clang::CallExpr *Call = nullptr;
  /// The statement that holds the wait: directly inside a block, or the
  /// body or branch of a control statement; for a wait in a condition or
  /// increment, the control statement.
  const clang::Stmt *Statement = nullptr;
  WaitUse Use = WaitUse::Discard;
  FutureStorage Storage = FutureStorage::Temporary;
  /// The future as written, without the implicit nodes around it.
  const clang::Expr *Future = nullptr;
  /// For FutureStorage::InPlace: the parameter or local that is polled.
  const clang::VarDecl *PolledVar = nullptr;
};

struct LocalVar {
  const clang::VarDecl *Var = nullptr;
  /// The declaration statement, or null for a condition variable.
  const clang::DeclStmt *Declaration = nullptr;
  /// Where the variable's scope ends: its block, or the control statement
  /// whose init-statement or condition declares it.
  const clang::Stmt *Scope = nullptr;
  /// True when Scope is a control statement (for, if or switch) whose
  /// init-statement or condition declares the variable.
  bool InControlHeader = false;
  /// The first wait inside the variable's scope, or null when the variable
  /// does not live across a wait (and stays an ordinary local).
  const WaitPoint *SpannedWait = nullptr;
  bool hoisted() const { return SpannedWait != nullptr; }
};

struct Coroutine {
  const clang::FunctionDecl *Function = nullptr;
  /// Set when the coroutine is a function template.
  const clang::FunctionTemplateDecl *Template = nullptr;
  /// The T of coroutine<T>, as written.
  clang::QualType Output;
  std::vector<WaitPoint> Waits;   // in source order
  std::vector<LocalVar> Locals;   // in source order, hoisted or not
  std::vector<const clang::ReturnStmt *> Returns;
  std::vector<const clang::LambdaExpr *> Lambdas;

  bool isMember() const;
  /// The frame is a class local to the function when it needs the access of
  /// a member function or the lookup of an out-of-line definition; such a
  /// coroutine is boxed when another coroutine waits on it.
  bool hasLocalFrame() const;
  const LocalVar *findLocal(const clang::VarDecl *Var) const;
};

/// The output type T when \p Function is declared to return coroutine<T>.
std::optional<clang::QualType>
coroutineOutput(const clang::FunctionDecl *Function);

/// True when \p Call calls corofy::wait; in templates, also an unresolved
/// call whose candidates include corofy::wait.
bool isWaitCall(const clang::CallExpr *Call);

/// The body of a loop (for, while, do, range-based for) or switch; null for
/// any other statement.
const clang::Stmt *controlBody(const clang::Stmt *S);

/// True when a reference initialized by \p Init extends a temporary's life.
bool bindsTemporary(const clang::Expr *Init);

/// Strips the implicit nodes (conversions, temporaries, cleanups, a single
/// converting construction) around a value.
const clang::Expr *stripImplicit(const clang::Expr *E);

/// Analyses every coroutine defined in the main file of \p Ctx. Problems are
/// reported through the context's DiagnosticsEngine; check it for errors.
/// \p ForFibers: the body will run on a fiber, so a wait may stand anywhere
/// in it (lambdas included) and nothing moves into a frame; Waits then
/// lists every wait call (with only Call set), and Locals stays empty.
std::vector<Coroutine> analyzeMainFile(clang::ASTContext &Ctx,
                                       bool ForFibers = false);

} // namespace corofy

#endif // COROFY_LIB_TRANSFORM_COROUTINEANALYSIS_H
