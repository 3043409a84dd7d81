//===- CoroutineAnalysis.cpp - What a coroutine needs in its frame --------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#include "CoroutineAnalysis.h"
#include "Diagnostics.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/AST/StmtCXX.h"
#include "clang/Basic/SourceManager.h"

using namespace clang;

namespace corofy {

namespace {

bool isInCorofyNamespace(const Decl *D) {
  const auto *NS =
      dyn_cast<NamespaceDecl>(D->getDeclContext()->getRedeclContext());
  return NS && NS->getIdentifier() && NS->getName() == "corofy" &&
         NS->getDeclContext()->getRedeclContext()->isTranslationUnit();
}

bool isCorofyWait(const NamedDecl *D) {
  D = D->getUnderlyingDecl();
  if (const auto *Template = dyn_cast<FunctionTemplateDecl>(D))
    D = Template->getTemplatedDecl();
  const auto *Function = dyn_cast<FunctionDecl>(D);
  return Function && Function->getIdentifier() &&
         Function->getName() == "wait" && isInCorofyNamespace(Function);
}

/// Finds the wait() calls under a statement, not looking into lambdas or
/// local classes (those are other functions).
class WaitFinder : public RecursiveASTVisitor<WaitFinder> {
public:
  /// \p IntoLambdas: a fiber runs the lambdas the coroutine calls on its
  /// own stack, so their waits are the coroutine's.
  explicit WaitFinder(bool IntoLambdas = false) : IntoLambdas(IntoLambdas) {}
  std::vector<const CallExpr *> Found;
  bool shouldVisitTemplateInstantiations() const { return false; }
  bool TraverseLambdaExpr(LambdaExpr *Lambda) {
    return !IntoLambdas || RecursiveASTVisitor::TraverseLambdaExpr(Lambda);
  }
  bool TraverseCXXRecordDecl(CXXRecordDecl *) { return true; }
  bool VisitCallExpr(CallExpr *Call) {
    if (isWaitCall(Call))
      Found.push_back(Call);
    return true;
  }

private:
  bool IntoLambdas;
};

std::vector<const CallExpr *> findWaits(const Stmt *S) {
  WaitFinder Finder;
  Finder.TraverseStmt(const_cast<Stmt *>(S));
  return Finder.Found;
}

/// A statement kind, as a user would name it in a message.
const char *describeControlStatement(const Stmt *S) {
  switch (S->getStmtClass()) {
  case Stmt::IfStmtClass:
    return "an 'if' statement";
  case Stmt::WhileStmtClass:
    return "a 'while' loop";
  case Stmt::DoStmtClass:
    return "a 'do' loop";
  case Stmt::ForStmtClass:
    return "a 'for' loop";
  case Stmt::CXXForRangeStmtClass:
    return "a range-based 'for' loop";
  case Stmt::SwitchStmtClass:
    return "a 'switch' statement";
  case Stmt::CXXTryStmtClass:
    return "a 'try' block";
  default:
    return "a control statement";
  }
}

const Expr *stripStatementExpr(const Expr *E) {
  for (;;) {
    E = E->IgnoreParens();
    if (const auto *Cleanups = dyn_cast<ExprWithCleanups>(E)) {
      E = Cleanups->getSubExpr();
      continue;
    }
    // `(void)wait(f);` discards the value just like `wait(f);`.
    if (const auto *Cast = dyn_cast<CastExpr>(E);
        Cast && Cast->getCastKind() == CK_ToVoid) {
      E = Cast->getSubExpr();
      continue;
    }
    return E;
  }
}

/// Collects coroutines and checks the placement of every wait() in the main
/// file.
class Analyzer : public RecursiveASTVisitor<Analyzer> {
public:
  Analyzer(ASTContext &Ctx, bool ForFibers)
      : Ctx(Ctx), SM(Ctx.getSourceManager()), Diags(Ctx.getDiagnostics()),
        ForFibers(ForFibers) {}

  std::vector<Coroutine> Coroutines;

  bool shouldVisitTemplateInstantiations() const { return false; }
  bool shouldVisitImplicitCode() const { return false; }

  bool TraverseDecl(Decl *D) {
    if (!D)
      return true;
    // Only the main file is rewritten; headers are only read.
    if (!isa<TranslationUnitDecl>(D) && D->getLocation().isValid() &&
        !SM.isInMainFile(SM.getExpansionLoc(D->getLocation())))
      return true;
    auto *Function = dyn_cast<FunctionDecl>(D);
    if (!Function)
      return RecursiveASTVisitor::TraverseDecl(D);
    FunctionStack.push_back(Function);
    bool Result = RecursiveASTVisitor::TraverseDecl(D);
    FunctionStack.pop_back();
    return Result;
  }

  bool TraverseLambdaExpr(LambdaExpr *Lambda) {
    ++LambdaDepth;
    bool Result = RecursiveASTVisitor::TraverseLambdaExpr(Lambda);
    --LambdaDepth;
    return Result;
  }

  bool VisitFunctionDecl(FunctionDecl *Function) {
    if (!Function->doesThisDeclarationHaveABody() ||
        Function->isTemplateInstantiation())
      return true;
    std::optional<QualType> Output = coroutineOutput(Function);
    if (!Output)
      return true;
    analyzeCoroutine(Function, *Output);
    return true;
  }

  bool VisitCallExpr(CallExpr *Call) {
    if (!isWaitCall(Call))
      return true;
    // Waits inside coroutines are checked by analyzeCoroutine; here only
    // the ones that no coroutine can own.
    if (LambdaDepth > 0 && !ForFibers) {
      report(Diags, Call->getBeginLoc(), Problem::WaitInLambda);
      return true;
    }
    if (FunctionStack.empty()) {
      report(Diags, Call->getBeginLoc(), Problem::WaitOutsideAnyFunction);
      return true;
    }
    const FunctionDecl *Function = FunctionStack.back();
    if (coroutineOutput(Function))
      return true;
    // In a template, an unresolved wait(x) may still become POSIX wait(int*).
    if (!Call->getDirectCallee())
      return true;
    report(Diags, Call->getBeginLoc(), Problem::WaitOutsideCoroutine)
        << Function;
    return true;
  }

private:
  void analyzeCoroutine(FunctionDecl *Function, QualType Output);
  void checkStatement(Coroutine &C, const Stmt *S);
  bool addWait(Coroutine &C, const Stmt *S, const CallExpr *Call,
               WaitUse Use);
  void collectLocalsAndReturns(Coroutine &C, const Stmt *S, const Stmt *Scope,
                               bool InControlHeader);
  void decideHoisting(Coroutine &C);

  ASTContext &Ctx;
  SourceManager &SM;
  DiagnosticsEngine &Diags;
  bool ForFibers;
  std::vector<FunctionDecl *> FunctionStack;
  unsigned LambdaDepth = 0;
};

void Analyzer::analyzeCoroutine(FunctionDecl *Function, QualType Output) {
  Coroutine C;
  C.Function = Function;
  C.Template = Function->getDescribedFunctionTemplate();
  C.Output = Output;
  unsigned ErrorsBefore = Diags.getNumErrors();

  if (Function->isConstexpr())
    report(Diags, Function->getLocation(), Problem::ConstexprCoroutine);
  // A fiber's lambda captures a parameter pack; a frame cannot hold one.
  if (Function->isVariadic() ||
      (!ForFibers &&
       llvm::any_of(Function->parameters(), [](const ParmVarDecl *P) {
         return P->isParameterPack();
       })))
    report(Diags, Function->getLocation(), Problem::VariadicCoroutine);
  if (C.Template && !ForFibers)
    for (const NamedDecl *P : *C.Template->getTemplateParameters())
      if (!P->getIdentifier())
        report(Diags, P->getLocation(), Problem::UnnamedTemplateParameter);

  const auto *Body = cast<CompoundStmt>(Function->getBody());
  if (ForFibers) {
    // The body stays as written: only each wait's callee is replaced, which
    // a macro expansion would hide.
    WaitFinder Finder(/*IntoLambdas=*/true);
    Finder.TraverseStmt(const_cast<CompoundStmt *>(Body));
    for (const CallExpr *Call : Finder.Found) {
      if (Call->getCallee()->getBeginLoc().isMacroID()) {
        report(Diags, SM.getExpansionLoc(Call->getBeginLoc()),
               Problem::WaitInMacro);
        continue;
      }
      WaitPoint W;
      W.Call = Call;
      C.Waits.push_back(W);
    }
    if (Diags.getNumErrors() != ErrorsBefore)
      report(Diags, Function->getLocation(), Problem::NoteCoroutineHere)
          << Function;
    Coroutines.push_back(std::move(C));
    return;
  }
  checkStatement(C, Body);
  collectLocalsAndReturns(C, Body, nullptr, false);
  decideHoisting(C);

  if (Diags.getNumErrors() != ErrorsBefore)
    report(Diags, Function->getLocation(), Problem::NoteCoroutineHere)
        << Function;
  Coroutines.push_back(std::move(C));
}

namespace {
/// True when \p S holds a lambda or a statement expression.
bool holdsLambda(const Stmt *S) {
  if (!S)
    return false;
  if (isa<LambdaExpr, StmtExpr, BlockExpr>(S))
    return true;
  return llvm::any_of(S->children(), holdsLambda);
}
} // namespace

void Analyzer::checkStatement(Coroutine &C, const Stmt *S) {
  if (!S)
    return;
  // `case 1: wait(f);` holds the wait in the labelled statement.
  while (const auto *Case = dyn_cast<SwitchCase>(S))
    S = Case->getSubStmt();
  if (const auto *Block = dyn_cast<CompoundStmt>(S)) {
    for (const Stmt *Child : Block->body())
      checkStatement(C, Child);
    return;
  }

  std::vector<const CallExpr *> Waits = findWaits(S);
  if (Waits.empty())
    return;
  for (const CallExpr *Call : Waits)
    if (Call->getBeginLoc().isMacroID()) {
      report(Diags, SM.getExpansionLoc(Call->getBeginLoc()),
             Problem::WaitInMacro);
      return;
    }

  // Control statements: waits in headers, bodies and branches.
  auto InExpression = [&](const Stmt *Part) {
    if (!Part)
      return;
    for (const CallExpr *Call : findWaits(Part)) {
      // The frame spells a dependent type as decltype of the expression,
      // which a lambda cannot appear in at class scope.
      if (Call->isTypeDependent() && holdsLambda(S)) {
        report(Diags, Call->getBeginLoc(), Problem::DependentExpressionWait);
        return;
      }
      addWait(C, S, Call, WaitUse::Expression);
    }
  };
  if (const auto *If = dyn_cast<IfStmt>(S)) {
    {
      InExpression(If->getInit());
      InExpression(If->getConditionVariableDeclStmt());
      InExpression(If->getCond());
      checkStatement(C, If->getThen());
      checkStatement(C, If->getElse());
    }
    return;
  }
  if (const auto *While = dyn_cast<WhileStmt>(S)) {
    {
      InExpression(While->getConditionVariableDeclStmt());
      InExpression(While->getCond());
      checkStatement(C, While->getBody());
    }
    return;
  }
  if (const auto *Do = dyn_cast<DoStmt>(S)) {
    checkStatement(C, Do->getBody());
    InExpression(Do->getCond());
    return;
  }
  if (const auto *For = dyn_cast<ForStmt>(S)) {
    InExpression(For->getInit());
    InExpression(For->getConditionVariableDeclStmt());
    InExpression(For->getCond());
    checkStatement(C, For->getBody());
    InExpression(For->getInc());
    return;
  }
  if (const auto *Switch = dyn_cast<SwitchStmt>(S)) {
    {
      InExpression(Switch->getInit());
      InExpression(Switch->getConditionVariableDeclStmt());
      InExpression(Switch->getCond());
      checkStatement(C, Switch->getBody());
    }
    return;
  }
  if (const auto *Range = dyn_cast<CXXForRangeStmt>(S)) {
    InExpression(Range->getInit());
    InExpression(Range->getRangeInit());
    checkStatement(C, Range->getBody());
    return;
  }
  if (const auto *Try = dyn_cast<CXXTryStmt>(S)) {
    for (unsigned I = 0; I < Try->getNumHandlers(); ++I)
      if (std::vector<const CallExpr *> InHandler =
              findWaits(Try->getHandler(I));
          !InHandler.empty()) {
        report(Diags, InHandler.front()->getBeginLoc(),
               Problem::WaitInControlFlow)
            << "a 'catch' handler";
        return;
      }
    checkStatement(C, Try->getTryBlock());
    return;
  }
  if (isa<CXXCatchStmt, AttributedStmt, LabelStmt>(S)) {
    report(Diags, Waits.front()->getBeginLoc(), Problem::WaitInControlFlow)
        << describeControlStatement(S);
    return;
  }

  // Anything else is lowered as an expression: each wait is evaluated in
  // order into the frame, and the statement reads the values.
  auto ReportExpression = [&] { InExpression(S); };
  bool Single = Waits.size() == 1;

  if (const auto *Declaration = dyn_cast<DeclStmt>(S)) {
    if (!Declaration->isSingleDecl()) {
      report(Diags, Waits.front()->getBeginLoc(),
             Problem::WaitInMultiDeclaration);
      return;
    }
    const auto *Var = dyn_cast<VarDecl>(Declaration->getSingleDecl());
    if (Single && Var && Var->getInit() &&
        stripImplicit(Var->getInit()) == Waits.front() &&
        !isa<DecompositionDecl>(Var)) {
      addWait(C, S, Waits.front(), WaitUse::Initialize);
      return;
    }
    return ReportExpression();
  }

  if (const auto *Return = dyn_cast<ReturnStmt>(S)) {
    if (Single && Return->getRetValue() &&
        stripImplicit(Return->getRetValue()) == Waits.front()) {
      addWait(C, S, Waits.front(), WaitUse::Return);
      return;
    }
    return ReportExpression();
  }

  if (const auto *E = dyn_cast<Expr>(S)) {
    const Expr *Top = stripStatementExpr(E);
    if (Single && stripImplicit(Top) == Waits.front()) {
      addWait(C, S, Waits.front(), WaitUse::Discard);
      return;
    }
    // x = wait(f), for built-in and overloaded assignment operators. C++17
    // evaluates the right operand of an assignment first, so the left one
    // may be evaluated after the wait.
    const Expr *RHS = nullptr;
    if (const auto *Binary = dyn_cast<BinaryOperator>(Top);
        Binary && Binary->isAssignmentOp())
      RHS = Binary->getRHS();
    else if (const auto *Call = dyn_cast<CXXOperatorCallExpr>(Top);
             Call && Call->isAssignmentOp() && Call->getNumArgs() == 2)
      RHS = Call->getArg(1);
    if (Single && RHS && stripImplicit(RHS) == Waits.front()) {
      addWait(C, S, Waits.front(), WaitUse::Assign);
      return;
    }
    return ReportExpression();
  }

  report(Diags, Waits.front()->getBeginLoc(), Problem::WaitInControlFlow)
      << describeControlStatement(S);
}

bool Analyzer::addWait(Coroutine &C, const Stmt *S, const CallExpr *Call,
                       WaitUse Use) {
  WaitPoint W;
  W.Call = Call;
  W.Statement = S;
  W.Use = Use;
  const Expr *Arg = Call->getArg(0);
  if (const auto *Temporary = dyn_cast<MaterializeTemporaryExpr>(Arg)) {
    W.Storage = FutureStorage::Temporary;
    W.Future = Temporary->getSubExpr();
  } else if (Arg->isPRValue()) {
    // Unresolved calls in templates keep the argument as written.
    W.Storage = FutureStorage::Temporary;
    W.Future = Arg;
  } else {
    W.Future = Arg->IgnoreParenImpCasts();
    W.Storage = FutureStorage::Pointer;
    if (const auto *Ref = dyn_cast<DeclRefExpr>(W.Future))
      if (const auto *Var = dyn_cast<VarDecl>(Ref->getDecl());
          Var && !Var->getType()->isReferenceType() &&
          (isa<ParmVarDecl>(Var) || Var->isLocalVarDecl()) &&
          !Var->isStaticLocal()) {
        // A local or parameter named here is declared before the wait in
        // an enclosing scope, so it lives in the frame: poll it in place.
        W.Storage = FutureStorage::InPlace;
        W.PolledVar = Var;
      }
  }
  C.Waits.push_back(W);
  return true;
}

/// Records every local declared in the body (outside lambdas and local
/// classes) with the statement its scope ends with, and every return
/// statement.
void Analyzer::collectLocalsAndReturns(Coroutine &C, const Stmt *S,
                                       const Stmt *Scope,
                                       bool InControlHeader) {
  if (!S)
    return;
  if (isa<LambdaExpr>(S)) {
    C.Lambdas.push_back(cast<LambdaExpr>(S));
    return;
  }
  if (isa<CoreturnStmt, CoawaitExpr, CoyieldExpr>(S))
    report(Diags, S->getBeginLoc(), Problem::CxxCoroutineKeyword);
  if (isa<GotoStmt, IndirectGotoStmt, LabelStmt>(S))
    report(Diags, S->getBeginLoc(), Problem::GotoInCoroutine);
  if (const auto *Return = dyn_cast<ReturnStmt>(S))
    C.Returns.push_back(Return);
  if (const auto *Declaration = dyn_cast<DeclStmt>(S)) {
    for (const Decl *D : Declaration->decls()) {
      const auto *Var = dyn_cast<VarDecl>(D);
      if (!Var || !Var->isLocalVarDecl() || Var->isStaticLocal() ||
          Var->hasExternalStorage())
        continue;
      LocalVar Local;
      Local.Var = Var;
      Local.Declaration = Declaration;
      Local.Scope = Scope;
      Local.InControlHeader = InControlHeader;
      C.Locals.push_back(Local);
    }
  }
  if (isa<CompoundStmt>(S)) {
    for (const Stmt *Child : S->children())
      collectLocalsAndReturns(C, Child, S, false);
    return;
  }
  // The init-statement and condition variable of a control statement are
  // scoped to the statement; so is a body that is a lone declaration.
  if (isa<IfStmt, ForStmt, WhileStmt, DoStmt, SwitchStmt, CXXForRangeStmt>(
          S)) {
    const auto *If = dyn_cast<IfStmt>(S);
    const Stmt *Body = If ? If->getThen() : controlBody(S);
    const Stmt *Else = If ? If->getElse() : nullptr;
    for (const Stmt *Child : S->children())
      collectLocalsAndReturns(C, Child, S,
                              Child != Body && Child != Else);
    return;
  }
  // Labels (case, default) and expressions keep the enclosing scope.
  for (const Stmt *Child : S->children())
    collectLocalsAndReturns(C, Child, Scope, InControlHeader);
}

/// Each break and continue of a body with the loop or switch it leaves.
void collectJumps(const Stmt *S, std::vector<const Stmt *> &Enclosing,
                  std::vector<std::pair<const Stmt *, const Stmt *>> &Jumps) {
  if (!S || isa<LambdaExpr>(S))
    return;
  if (isa<BreakStmt>(S) && !Enclosing.empty())
    Jumps.push_back({S, Enclosing.back()});
  if (isa<ContinueStmt>(S))
    for (auto It = Enclosing.rbegin(); It != Enclosing.rend(); ++It)
      if (!isa<SwitchStmt>(*It)) {
        Jumps.push_back({S, *It});
        break;
      }
  bool Target = isa<ForStmt, WhileStmt, DoStmt, CXXForRangeStmt, SwitchStmt>(S);
  if (Target)
    Enclosing.push_back(S);
  for (const Stmt *Child : S->children())
    collectJumps(Child, Enclosing, Jumps);
  if (Target)
    Enclosing.pop_back();
}

void Analyzer::decideHoisting(Coroutine &C) {
  for (LocalVar &Local : C.Locals) {
    if (!Local.Scope)
      continue;
    SourceLocation DeclEnd = Local.Var->getEndLoc();
    for (const WaitPoint &W : C.Waits) {
      SourceLocation At = W.Call->getBeginLoc();
      if (SM.isBeforeInTranslationUnit(DeclEnd, At) &&
          SM.isPointWithin(At, Local.Scope->getBeginLoc(),
                           Local.Scope->getEndLoc())) {
        Local.SpannedWait = &W;
        break;
      }
    }
    // A header variable whose initializer waits is constructed in the frame
    // after that wait, before its statement.
    if (!Local.hoisted() && Local.InControlHeader && Local.Var->getInit())
      for (const WaitPoint &W : C.Waits)
        if (SM.isPointWithin(W.Call->getBeginLoc(),
                             Local.Var->getInit()->getBeginLoc(),
                             Local.Var->getInit()->getEndLoc())) {
          Local.SpannedWait = &W;
          break;
        }
    // So are the range, begin and end of a range-based for whose header
    // waits: the loop becomes the standard's loop over frame members.
    const auto *Range = dyn_cast<CXXForRangeStmt>(Local.Scope);
    if (!Local.hoisted() && Range && Local.InControlHeader &&
        Local.Declaration != Range->getInit() &&
        Local.Declaration != Range->getLoopVarStmt())
      for (const WaitPoint &W : C.Waits)
        if (SM.isPointWithin(W.Call->getBeginLoc(), Range->getBeginLoc(),
                             Range->getRParenLoc())) {
          Local.SpannedWait = &W;
          break;
        }
  }

  // break and continue destroy the frame objects of the scopes they leave
  // before they jump, but C++ destroys the ordinary locals they leave when
  // they jump, which would be too late: those were declared later and must
  // die first. So when a jump leaves a frame object with a destructor, the
  // destructible locals it leaves move into the frame too.
  std::vector<const Stmt *> Enclosing;
  std::vector<std::pair<const Stmt *, const Stmt *>> Jumps;
  collectJumps(C.Function->getBody(), Enclosing, Jumps);
  for (auto [Jump, Target] : Jumps) {
    SourceLocation At = Jump->getBeginLoc();
    std::vector<LocalVar *> Left;
    const WaitPoint *Spanned = nullptr;
    for (LocalVar &Local : C.Locals) {
      if (!Local.Scope || Local.Scope == Target ||
          !SM.isPointWithin(Local.Scope->getBeginLoc(), Target->getBeginLoc(),
                            Target->getEndLoc()) ||
          !SM.isPointWithin(At, Local.Scope->getBeginLoc(),
                            Local.Scope->getEndLoc()) ||
          !SM.isBeforeInTranslationUnit(Local.Var->getEndLoc(), At) ||
          Local.Var->getType().isDestructedType() == QualType::DK_none)
        continue;
      if (Local.hoisted())
        Spanned = Local.SpannedWait;
      else
        Left.push_back(&Local);
    }
    if (Spanned)
      for (LocalVar *Local : Left)
        Local->SpannedWait = Spanned;
  }

  for (LocalVar &Local : C.Locals) {
    if (!Local.hoisted())
      continue;
    const VarDecl *Var = Local.Var;
    auto NoteWait = [&] {
      report(Diags, Local.SpannedWait->Call->getBeginLoc(),
             Problem::NoteLivesAcrossWait);
    };
    if (isa<DecompositionDecl>(Var)) {
      report(Diags, Var->getLocation(), Problem::HoistedStructuredBinding);
      NoteWait();
      continue;
    }
    QualType Type = Var->getType();
    // A range-based for's own range variable may bind a temporary: the
    // frame then keeps the range by value.
    if (Type->isReferenceType() && bindsTemporary(Var->getInit()) &&
        !Var->isImplicit()) {
      report(Diags, Var->getLocation(),
             Problem::HoistedReferenceToTemporary)
          << Var;
      NoteWait();
      continue;
    }
    if (Type->isUndeducedAutoType() ||
        (Type->getContainedDeducedType() && Type->isDependentType())) {
      report(Diags, Var->getLocation(), Problem::HoistedAutoInTemplate) << Var;
      NoteWait();
      continue;
    }
    // The frame is declared outside the function body, so types declared
    // inside it (lambdas, local classes) cannot be named there.
    QualType Base = Type.getNonReferenceType();
    while (const ArrayType *Array = Ctx.getAsArrayType(Base))
      Base = Array->getElementType();
    if (const auto *Record = Base->getAsCXXRecordDecl()) {
      if (Record->isLambda()) {
        report(Diags, Var->getLocation(), Problem::UnnameableHoistedType)
            << Var << "a lambda's closure type";
        NoteWait();
      } else if (Record->isLocalClass()) {
        report(Diags, Var->getLocation(), Problem::UnnameableHoistedType)
            << Var << "a class local to the function";
        NoteWait();
      }
    }
  }
}

} // namespace

bool Coroutine::isMember() const {
  const auto *Method = dyn_cast<CXXMethodDecl>(Function);
  return Method && Method->isInstance();
}

bool Coroutine::hasLocalFrame() const {
  if (isa<CXXMethodDecl>(Function))
    return true;
  // An out-of-line definition (ns::f defined outside ns) looks names up in
  // a scope the frame cannot be declared in.
  return Function->getLexicalDeclContext()->getRedeclContext() !=
             Function->getDeclContext()->getRedeclContext() ||
         Function->getQualifier() != nullptr;
}

const LocalVar *Coroutine::findLocal(const VarDecl *Var) const {
  for (const LocalVar &Local : Locals)
    if (Local.Var == Var)
      return &Local;
  return nullptr;
}

std::optional<QualType> coroutineOutput(const FunctionDecl *Function) {
  QualType Type = Function->getDeclaredReturnType();
  while (!Type.isNull()) {
    const clang::Type *T = Type.getTypePtr();
    if (const auto *Elaborated = dyn_cast<ElaboratedType>(T)) {
      Type = Elaborated->getNamedType();
      continue;
    }
    if (const auto *Paren = dyn_cast<ParenType>(T)) {
      Type = Paren->getInnerType();
      continue;
    }
    if (const auto *Specialization = dyn_cast<TemplateSpecializationType>(T)) {
      const TemplateDecl *Template =
          Specialization->getTemplateName().getAsTemplateDecl();
      if (Template && isa<TypeAliasTemplateDecl>(Template) &&
          Template->getName() == "coroutine" && isInCorofyNamespace(Template) &&
          Specialization->template_arguments().size() == 1)
        return Specialization->template_arguments()[0].getAsType();
      if (Specialization->isTypeAlias()) {
        Type = Specialization->getAliasedType();
        continue;
      }
      return std::nullopt;
    }
    if (const auto *Typedef = dyn_cast<TypedefType>(T)) {
      Type = Typedef->desugar();
      continue;
    }
    return std::nullopt;
  }
  return std::nullopt;
}

const Stmt *controlBody(const Stmt *S) {
  if (const auto *For = dyn_cast<ForStmt>(S))
    return For->getBody();
  if (const auto *While = dyn_cast<WhileStmt>(S))
    return While->getBody();
  if (const auto *Do = dyn_cast<DoStmt>(S))
    return Do->getBody();
  if (const auto *Range = dyn_cast<CXXForRangeStmt>(S))
    return Range->getBody();
  if (const auto *Switch = dyn_cast<SwitchStmt>(S))
    return Switch->getBody();
  return nullptr;
}

bool bindsTemporary(const Expr *Init) {
  while (Init) {
    Init = Init->IgnoreParens();
    if (isa<MaterializeTemporaryExpr>(Init))
      return true;
    if (const auto *Cleanups = dyn_cast<ExprWithCleanups>(Init))
      Init = Cleanups->getSubExpr();
    else if (const auto *Cast = dyn_cast<ImplicitCastExpr>(Init))
      Init = Cast->getSubExpr();
    else
      return false;
  }
  return false;
}

bool isWaitCall(const CallExpr *Call) {
  if (Call->getNumArgs() != 1)
    return false;
  if (const FunctionDecl *Callee = Call->getDirectCallee())
    return isCorofyWait(Callee);
  if (const auto *Lookup = dyn_cast<UnresolvedLookupExpr>(
          Call->getCallee()->IgnoreParenImpCasts()))
    return llvm::any_of(Lookup->decls(), isCorofyWait);
  return false;
}

const Expr *stripImplicit(const Expr *E) {
  for (;;) {
    E = E->IgnoreParens();
    if (const auto *Cleanups = dyn_cast<ExprWithCleanups>(E))
      E = Cleanups->getSubExpr();
    else if (const auto *Temporary = dyn_cast<MaterializeTemporaryExpr>(E))
      E = Temporary->getSubExpr();
    else if (const auto *Bind = dyn_cast<CXXBindTemporaryExpr>(E))
      E = Bind->getSubExpr();
    else if (const auto *Cast = dyn_cast<ImplicitCastExpr>(E)) {
      const auto *Conversion = dyn_cast<CXXMemberCallExpr>(Cast->getSubExpr());
      // An implicit `operator T()` call converts the object it is called on.
      E = Cast->getCastKind() == CK_UserDefinedConversion && Conversion
              ? Conversion->getImplicitObjectArgument()
              : Cast->getSubExpr();
    } else if (const auto *Construct = dyn_cast<CXXConstructExpr>(E);
               Construct && Construct->getNumArgs() == 1 &&
               !isa<CXXTemporaryObjectExpr>(Construct))
      E = Construct->getArg(0);
    else if (const auto *List = dyn_cast<InitListExpr>(E);
             List && List->getNumInits() == 1)
      E = List->getInit(0);
    else if (const auto *Parens = dyn_cast<ParenListExpr>(E);
             Parens && Parens->getNumExprs() == 1)
      E = Parens->getExpr(0);
    else
      return E;
  }
}

std::vector<Coroutine> analyzeMainFile(ASTContext &Ctx, bool ForFibers) {
  Analyzer A(Ctx, ForFibers);
  A.TraverseDecl(Ctx.getTranslationUnitDecl());
  return std::move(A.Coroutines);
}

} // namespace corofy
