//===- corofy/Transform/CoroutineRewriter.h - coroutine rewriting -*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// The entry points of the transformation: given a parsed translation unit,
// rewrite every coroutine<T> function defined in its main file into an enum
// state machine, keeping every other byte of the file.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_TRANSFORM_COROUTINEREWRITER_H
#define COROFY_TRANSFORM_COROUTINEREWRITER_H

#include "clang/Tooling/Tooling.h"
#include "llvm/Support/Error.h"

#include <map>
#include <memory>
#include <set>
#include <string>

namespace clang {
class ASTContext;
} // namespace clang

namespace corofy {

struct RewriteOptions {
  /// Emit #line directives so that compiler errors and debuggers point at
  /// the user's lines in the original file.
  bool LineDirectives = false;
  /// The name the output will be written under, used by the #line
  /// directives that point back at generated code.
  std::string OutputName;
};

/// Rewrites the coroutines defined in the main file of \p Ctx. Problems are
/// reported through the context's DiagnosticsEngine; on success returns the
/// whole new text of the main file, otherwise an error that says how many
/// problems were reported.
llvm::Expected<std::string> rewriteMainFile(clang::ASTContext &Ctx,
                                            const RewriteOptions &Options);

/// A factory for ClangTool::run that rewrites each main file it is given and
/// keeps the results, by absolute file name, until the caller collects them.
/// A file whose parse or rewrite reported errors gets no result.
class RewriteActionFactory : public clang::tooling::FrontendActionFactory {
public:
  /// \p OutputNames maps an input's real path to its output name (for
  /// #line directives); inputs missing from it use their own name.
  RewriteActionFactory(RewriteOptions Options,
                       std::map<std::string, std::string> OutputNames = {});
  std::unique_ptr<clang::FrontendAction> create() override;

  /// The rewritten text of each input that succeeded, by real path.
  const std::map<std::string, std::string> &results() const {
    return Results;
  }
  /// The real paths of the inputs that were parsed, successfully or not.
  const std::set<std::string> &processed() const { return Processed; }

private:
  RewriteOptions Options;
  std::map<std::string, std::string> OutputNames;
  std::map<std::string, std::string> Results;
  std::set<std::string> Processed;
};

} // namespace corofy

#endif // COROFY_TRANSFORM_COROUTINEREWRITER_H
