//===- CoroutineRewriter.cpp - Rewrites a file's coroutines ---------------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#include "corofy/Transform/CoroutineRewriter.h"

#include "CoroutineAnalysis.h"
#include "FiberEmitter.h"
#include "FrameEmitter.h"
#include "StateGraph.h"

#include "clang/AST/ASTConsumer.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/RawCommentList.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendAction.h"
#include "clang/Rewrite/Core/Rewriter.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

using namespace clang;

namespace corofy {

namespace {

/// Where the text that replaces a coroutine definition starts: before its
/// template header, leading attributes and documentation comment.
SourceLocation definitionStart(const Coroutine &C, ASTContext &Ctx) {
  const SourceManager &SM = Ctx.getSourceManager();
  SourceLocation Start = C.Template ? C.Template->getBeginLoc()
                                    : C.Function->getOuterLocStart();
  for (const Attr *A : C.Function->attrs())
    if (A->getLocation().isValid() && !A->isImplicit() &&
        SM.isBeforeInTranslationUnit(A->getRange().getBegin(), Start))
      Start = A->getRange().getBegin();
  const Decl *Documented =
      C.Template ? static_cast<const Decl *>(C.Template) : C.Function;
  if (const RawComment *Comment = Ctx.getRawCommentForDeclNoCache(Documented))
    if (SM.isBeforeInTranslationUnit(Comment->getBeginLoc(), Start))
      Start = Comment->getBeginLoc();
  return SM.getExpansionLoc(Start);
}

/// Replaces each output-line marker by a #line directive naming the output
/// file at the line that follows it.
std::string resolveOutputLines(StringRef Text, StringRef OutputName) {
  std::string Result;
  unsigned Line = 1;
  while (!Text.empty()) {
    auto [Current, Rest] = Text.split('\n');
    if (Current == OutputLineMarker)
      Result += llvm::formatv("#line {0} \"{1}\"", Line + 1, OutputName).str();
    else
      Result += Current;
    if (Text.contains('\n'))
      Result += '\n';
    Text = Rest;
    ++Line;
  }
  return Result;
}

class RewriteConsumer : public ASTConsumer {
public:
  RewriteConsumer(RewriteOptions Options, RewriteResults &Collected)
      : Options(std::move(Options)), Collected(Collected) {}

  void HandleTranslationUnit(ASTContext &Ctx) override {
    const SourceManager &SM = Ctx.getSourceManager();
    OptionalFileEntryRef Main = SM.getFileEntryRefForID(SM.getMainFileID());
    if (!Main)
      return;
    // A compile command may name the file relative to its directory.
    std::string Key = Main->getFileEntry().tryGetRealPathName().str();
    if (Key.empty())
      Key = Main->getName().str();
    Collected.Processed.insert(Key);
    // A file that does not compile is not rewritten: its errors are shown.
    if (Ctx.getDiagnostics().hasErrorOccurred())
      return;
    std::vector<StateMachine> FileMachines;
    llvm::Expected<std::string> Text =
        rewriteMainFile(Ctx, Options, &FileMachines);
    if (!Text) {
      llvm::consumeError(Text.takeError());
      return;
    }
    Collected.Texts[Key] = std::move(*Text);
    Collected.Machines[Key] = std::move(FileMachines);
    std::vector<std::string> &Files = Collected.Dependencies[Key];
    for (auto It = SM.fileinfo_begin(); It != SM.fileinfo_end(); ++It) {
      StringRef Real = It->first.getFileEntry().tryGetRealPathName();
      Files.push_back(Real.empty() ? It->first.getName().str() : Real.str());
    }
    llvm::sort(Files);
    Files.erase(std::unique(Files.begin(), Files.end()), Files.end());
  }

private:
  RewriteOptions Options;
  RewriteResults &Collected;
};

class RewriteAction : public ASTFrontendAction {
public:
  RewriteAction(const RewriteOptions &Options,
                const std::map<std::string, std::string> &OutputNames,
                RewriteResults &Collected)
      : Options(Options), OutputNames(OutputNames), Collected(Collected) {}

  std::unique_ptr<ASTConsumer> CreateASTConsumer(CompilerInstance &,
                                                 StringRef InFile) override {
    RewriteOptions ForFile = Options;
    llvm::SmallString<256> Real;
    if (llvm::sys::fs::real_path(InFile, Real))
      Real = InFile;
    auto It = OutputNames.find(std::string(Real));
    ForFile.OutputName = It != OutputNames.end() ? It->second : InFile.str();
    return std::make_unique<RewriteConsumer>(ForFile, Collected);
  }

private:
  const RewriteOptions &Options;
  const std::map<std::string, std::string> &OutputNames;
  RewriteResults &Collected;
};

} // namespace

llvm::Expected<std::string>
rewriteMainFile(ASTContext &Ctx, const RewriteOptions &Options,
                std::vector<StateMachine> *Machines) {
  DiagnosticsEngine &Diags = Ctx.getDiagnostics();
  unsigned ErrorsBefore = Diags.getNumErrors();
  bool Fibers = Options.Target == Backend::Fiber;
  std::vector<Coroutine> Coroutines = analyzeMainFile(Ctx, Fibers);
  if (unsigned Errors = Diags.getNumErrors() - ErrorsBefore)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "%u problem(s) reported", Errors);

  SourceManager &SM = Ctx.getSourceManager();
  const LangOptions &LangOpts = Ctx.getLangOpts();
  FrameNames Frames = nameFrames(Coroutines, Ctx);
  Rewriter Scratch(SM, LangOpts);
  Rewriter Output(SM, LangOpts);
  for (const Coroutine &C : Coroutines) {
    if (Fibers) {
      emitFiberCoroutine(C, Output, Ctx);
      continue;
    }
    FrameText Text = emitFrame(C, Frames, Scratch, Options);
    if (Machines) {
      Text.Machine.Transitions = stateTransitions(C);
      Machines->push_back(std::move(Text.Machine));
    }
    if (!Text.BeforeFunction.empty())
      Output.InsertTextBefore(definitionStart(C, Ctx), Text.BeforeFunction);
    Output.ReplaceText(C.Function->getBody()->getSourceRange(), Text.Body);
  }

  FileID Main = SM.getMainFileID();
  std::string Result;
  if (const RewriteBuffer *Buffer = Output.getRewriteBufferFor(Main))
    Result.assign(Buffer->begin(), Buffer->end());
  else
    Result = SM.getBufferData(Main).str();
  if (Options.LineDirectives && !Coroutines.empty()) {
    PresumedLoc Start = SM.getPresumedLoc(SM.getLocForStartOfFile(Main));
    // The fiber backend keeps every line where it was.
    if (Fibers)
      return llvm::formatv("#line 1 \"{0}\"\n", Start.getFilename()).str() +
             Result;
    Result = resolveOutputLines(
        llvm::formatv("#line 1 \"{0}\"\n", Start.getFilename()).str() + Result,
        Options.OutputName);
  }
  return Result;
}

RewriteActionFactory::RewriteActionFactory(
    RewriteOptions Options, std::map<std::string, std::string> OutputNames)
    : Options(std::move(Options)), OutputNames(std::move(OutputNames)) {}

std::unique_ptr<FrontendAction> RewriteActionFactory::create() {
  return std::make_unique<RewriteAction>(Options, OutputNames, Collected);
}

} // namespace corofy
