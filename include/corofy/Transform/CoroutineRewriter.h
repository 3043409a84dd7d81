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
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace clang {
class ASTContext;
} // namespace clang

namespace corofy {

/// What corofy turns a coroutine into.
enum class Backend {
  /// A class holding the frame, with a poll() that resumes where it left
  /// off: no stack, no allocation per wait.
  StateMachine,
  /// A function whose body runs on a fiber (a stack of its own) and parks
  /// the fiber at each wait.
  Fiber,
};

struct RewriteOptions {
  Backend Target = Backend::StateMachine;
  /// Emit #line directives so that compiler errors and debuggers point at
  /// the user's lines in the original file.
  bool LineDirectives = false;
  /// The name the output will be written under, used by the #line
  /// directives that point back at generated code.
  std::string OutputName;
};

/// What corofy generated for one coroutine: its states, what each holds and
/// how they follow each other. Printed by --emit=layout and --emit=dot.
struct StateMachine {
  std::string Coroutine;  // the qualified name of the function
  std::string FrameClass; // the state machine class, as named in the output
  std::string Location;   // file:line of the definition
  std::vector<std::string> Parameters; // frame members kept for the call
  struct State {
    std::string Name;    // Start, Line12, Wait1, Done
    std::string Comment; // "suspended at line 12"
    /// The frame members alive in this state, in order of construction.
    std::vector<std::string> Holds;
    bool Resumable = false; // a poll may resume here (Start, WaitN)
  };
  std::vector<State> States;
  struct Transition {
    std::string From, To; // state names
    std::string Label;     // "line 12", "return at line 20", "end"
  };
  /// The ways one poll can go from a resumable state to the next state it
  /// suspends in, or to Done.
  std::vector<Transition> Transitions;
};

/// Rewrites the coroutines defined in the main file of \p Ctx. Problems are
/// reported through the context's DiagnosticsEngine; on success returns the
/// whole new text of the main file, otherwise an error that says how many
/// problems were reported. When \p Machines is given, it receives a
/// description of each state machine, in source order.
llvm::Expected<std::string>
rewriteMainFile(clang::ASTContext &Ctx, const RewriteOptions &Options,
                std::vector<StateMachine> *Machines = nullptr);

/// Prints \p Machines as a Graphviz digraph, one cluster per coroutine.
void printStateGraph(llvm::raw_ostream &OS,
                     const std::vector<StateMachine> &Machines);

/// Prints each machine's frame layout (the offset and size of every member,
/// as \p Ctx lays out the class named FrameClass in its main file, which
/// must be the rewritten file) and what each state holds.
void printFrameLayouts(llvm::raw_ostream &OS, clang::ASTContext &Ctx,
                       const std::vector<StateMachine> &Machines);

/// What RewriteActionFactory collects, by the real path of each input.
struct RewriteResults {
  /// The rewritten text of each input that succeeded.
  std::map<std::string, std::string> Texts;
  /// The state machines of each input that succeeded.
  std::map<std::string, std::vector<StateMachine>> Machines;
  /// The files each input that succeeded read (itself and everything it
  /// includes), by real path, sorted: what a build's depfile lists.
  std::map<std::string, std::vector<std::string>> Dependencies;
  /// The inputs that were parsed, successfully or not.
  std::set<std::string> Processed;
};

/// A factory for ClangTool::run that rewrites each main file it is given and
/// keeps the results until the caller collects them. A file whose parse or
/// rewrite reported errors gets no result.
class RewriteActionFactory : public clang::tooling::FrontendActionFactory {
public:
  /// \p OutputNames maps an input's real path to its output name (for
  /// #line directives); inputs missing from it use their own name.
  RewriteActionFactory(RewriteOptions Options,
                       std::map<std::string, std::string> OutputNames = {});
  std::unique_ptr<clang::FrontendAction> create() override;

  const std::map<std::string, std::string> &results() const {
    return Collected.Texts;
  }
  const std::set<std::string> &processed() const {
    return Collected.Processed;
  }
  const std::map<std::string, std::vector<StateMachine>> &machines() const {
    return Collected.Machines;
  }
  const std::map<std::string, std::vector<std::string>> &
  dependencies() const {
    return Collected.Dependencies;
  }

private:
  RewriteOptions Options;
  std::map<std::string, std::string> OutputNames;
  RewriteResults Collected;
};

} // namespace corofy

#endif // COROFY_TRANSFORM_COROUTINEREWRITER_H
