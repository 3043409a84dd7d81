//===- FiberEmitter.cpp - A coroutine's body run on a fiber ---------------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// The fiber backend keeps the body as written and puts it in a lambda that
// corofy::fiber::run_on_fiber runs on a stack of its own:
//
//   coroutine<int> f(std::string s, int &n) { return corofy::Async<int>(
//       corofy::fiber::run_on_fiber(corofy::fiber::Options{.name = "f"},
//                                   [](std::string s, int &n) -> int {
//     ... corofy::fiber::await(g()) ...
//   }, std::move(s), n)); }
//
// with the added text on the lines of the body's braces, so that every line
// of the body keeps its number. A stack can hold what a state machine
// cannot: waits in lambdas the body calls, locals of any type, recursion.
//
//===----------------------------------------------------------------------===//

#include "FiberEmitter.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Lex/Lexer.h"

using namespace clang;

namespace corofy {
namespace {

/// The `return {};` statements of a coroutine<void> body, outside lambdas:
/// in the lambda, which returns void, they become `return;`.
class EmptyReturnFinder : public RecursiveASTVisitor<EmptyReturnFinder> {
public:
  std::vector<const ReturnStmt *> Found;
  bool TraverseLambdaExpr(LambdaExpr *) { return true; }
  bool TraverseCXXRecordDecl(CXXRecordDecl *) { return true; }
  bool VisitReturnStmt(ReturnStmt *Return) {
    const Expr *Value = Return->getRetValue();
    if (!Value)
      return true;
    Value = Value->IgnoreImplicit();
    if (const auto *Construct = dyn_cast<CXXConstructExpr>(Value))
      if (Construct->getNumArgs() == 0 || Construct->isListInitialization())
        Found.push_back(Return);
    if (const auto *List = dyn_cast<InitListExpr>(Value);
        List && List->getNumInits() == 0)
      Found.push_back(Return);
    return true;
  }
};

/// The body's lambda takes the coroutine's parameters as its own, spelled
/// as the user wrote them (without default arguments); \p Arguments gets
/// what the call passes: values moved, references as they are.
std::string parameterList(const Coroutine &C, const SourceManager &SM,
                          const LangOptions &LangOpts,
                          std::string &Arguments) {
  std::string Parameters;
  for (const ParmVarDecl *Param : C.Function->parameters()) {
    if (!Param->getIdentifier())
      continue; // unused, and not passed
    CharSourceRange Declarator = CharSourceRange::getTokenRange(
        SM.getSpellingLoc(Param->getBeginLoc()),
        SM.getSpellingLoc(Param->getLocation()));
    std::string Text =
        Lexer::getSourceText(Declarator, SM, LangOpts).str();
    QualType Type = Param->getType();
    if (const auto *Pack = Type->getAs<PackExpansionType>())
      Type = Pack->getPattern();
    std::string Name = Param->getName().str();
    std::string Argument =
        Type->isReferenceType() ? Name : "std::move(" + Name + ")";
    if (Param->isParameterPack())
      Argument += "...";
    Parameters += (Parameters.empty() ? "" : ", ") + Text;
    Arguments += ", " + Argument;
  }
  return Parameters;
}

} // namespace

void emitFiberCoroutine(const Coroutine &C, Rewriter &R, ASTContext &Ctx) {
  const SourceManager &SM = Ctx.getSourceManager();
  auto Replace = [&](SourceRange Range, StringRef Text) {
    R.ReplaceText(CharSourceRange::getTokenRange(
                      SM.getSpellingLoc(Range.getBegin()),
                      SM.getSpellingLoc(Range.getEnd())),
                  Text);
  };
  for (const WaitPoint &W : C.Waits)
    Replace(W.Call->getCallee()->IgnoreImplicit()->getSourceRange(),
            "corofy::fiber::await");

  const auto *Body = cast<CompoundStmt>(C.Function->getBody());
  if (C.Output->isVoidType()) {
    EmptyReturnFinder Returns;
    Returns.TraverseStmt(const_cast<CompoundStmt *>(Body));
    for (const ReturnStmt *Return : Returns.Found)
      Replace(SourceRange(Return->getReturnLoc(),
                          Return->getRetValue()->getEndLoc()),
              "return");
  }

  PrintingPolicy Policy = Ctx.getPrintingPolicy();
  Policy.SuppressScope = false;
  std::string Output = C.Output.getAsString(Policy);
  std::string Name = C.Function->getQualifiedNameAsString();
  std::string Arguments;
  std::string Parameters =
      parameterList(C, SM, Ctx.getLangOpts(), Arguments);
  R.InsertTextAfterToken(Body->getLBracLoc(),
                         " return corofy::Async<" + Output +
                             ">(corofy::fiber::run_on_fiber("
                             "corofy::fiber::Options{.name = \"" +
                             Name + "\"}, [" +
                             (C.isMember() ? "this" : "") + "](" +
                             Parameters + ") -> " + Output + " {");
  R.InsertTextBefore(Body->getRBracLoc(), "}" + Arguments + ")); ");
}

} // namespace corofy
