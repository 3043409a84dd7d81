//===- StateGraph.cpp - How a coroutine's states follow each other --------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#include "StateGraph.h"

#include "clang/AST/ASTContext.h"
#include "clang/Analysis/CFG.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"

#include <set>
#include <tuple>

using namespace clang;

namespace corofy {

/// The last statement of \p Block when it is a \p T.
template <class T> static const T *lastStmtIf(const CFGBlock &Block) {
  for (const CFGElement &Element : llvm::reverse(Block))
    if (std::optional<CFGStmt> S = Element.getAs<CFGStmt>())
      return dyn_cast<T>(S->getStmt());
  return nullptr;
}

/// Whether \p Block is the dispatch of a try block to its handlers.
static bool isTryDispatch(const CFGBlock &Block) {
  return isa_and_nonnull<CXXTryStmt>(Block.getTerminatorStmt());
}

/// Whether \p Block's edge to the exit is an exception leaving the body:
/// one a call may throw, or one no handler of a try block caught. Those are
/// not drawn: any poll may throw.
static bool leavesByException(const CFGBlock &Block) {
  if (isTryDispatch(Block))
    return true;
  // A call's block ends with the call and has its exceptional edge beside
  // the one to what follows.
  return Block.succ_size() > 1 &&
         (lastStmtIf<CallExpr>(Block) || lastStmtIf<CXXConstructExpr>(Block));
}

std::vector<StateMachine::Transition> stateTransitions(const Coroutine &C) {
  ASTContext &Ctx = C.Function->getASTContext();
  const SourceManager &SM = Ctx.getSourceManager();
  CFG::BuildOptions Options;
  Options.setAllAlwaysAdd(); // every sub-expression, waits included
  // A call that may throw (a wait too: polling a child can) gets an edge to
  // the handlers of its try block, so paths through a catch are drawn.
  Options.AddEHEdges = true;
  std::unique_ptr<CFG> Graph =
      CFG::buildCFG(C.Function, C.Function->getBody(), &Ctx, Options);
  if (!Graph)
    return {};

  llvm::DenseMap<const Stmt *, unsigned> WaitNumber;
  for (size_t I = 0; I < C.Waits.size(); ++I)
    WaitNumber[C.Waits[I].Call] = I + 1;
  auto Line = [&](const Stmt *S) {
    return std::to_string(SM.getExpansionLineNumber(S->getBeginLoc()));
  };

  std::vector<StateMachine::Transition> Transitions;
  std::set<std::tuple<std::string, std::string, std::string>> Seen;
  auto Add = [&](const std::string &From, const std::string &To,
                 const std::string &Label) {
    if (Seen.insert({From, To, Label}).second)
      Transitions.push_back({From, To, Label});
  };

  // From a point of the graph, every path runs to the first wait or the end.
  auto Follow = [&](const CFGBlock *Block, unsigned First,
                    const std::string &From) {
    std::vector<std::pair<const CFGBlock *, unsigned>> Work{{Block, First}};
    llvm::DenseSet<const CFGBlock *> Entered;
    while (!Work.empty()) {
      auto [Current, Index] = Work.back();
      Work.pop_back();
      bool Stopped = false;
      for (unsigned I = Index; I < Current->size() && !Stopped; ++I) {
        std::optional<CFGStmt> Element = (*Current)[I].getAs<CFGStmt>();
        if (!Element)
          continue;
        const Stmt *S = Element->getStmt();
        if (auto Wait = WaitNumber.find(S); Wait != WaitNumber.end()) {
          Add(From, "Wait" + std::to_string(Wait->second), "line " + Line(S));
          Stopped = true;
          // Its first poll runs now, and a child that throws at once goes
          // to the handlers in this poll.
          if (I + 1 == Current->size())
            for (const CFGBlock *Next : Current->succs())
              if (Next && isTryDispatch(*Next) && Entered.insert(Next).second)
                Work.push_back({Next, 0});
        } else if (isa<ReturnStmt>(S)) {
          Add(From, "Done", "return at line " + Line(S));
          Stopped = true;
        }
      }
      if (Stopped)
        continue;
      for (const CFGBlock *Next : Current->succs()) {
        if (!Next)
          continue;
        if (Next == &Graph->getExit()) {
          if (const Stmt *Throw = lastStmtIf<CXXThrowExpr>(*Current))
            Add(From, "Done", "throw at line " + Line(Throw));
          else if (!leavesByException(*Current))
            Add(From, "Done", "end of body");
          continue;
        }
        if (Entered.insert(Next).second)
          Work.push_back({Next, 0});
      }
    }
  };

  Follow(&Graph->getEntry(), 0, "Start");
  for (const CFGBlock *Block : *Graph)
    for (unsigned I = 0; I < Block->size(); ++I)
      if (std::optional<CFGStmt> Element = (*Block)[I].getAs<CFGStmt>())
        if (auto Wait = WaitNumber.find(Element->getStmt());
            Wait != WaitNumber.end())
          Follow(Block, I + 1, "Wait" + std::to_string(Wait->second));
  // Resumable states first, in order, for a stable, readable graph.
  auto Order = [](const std::string &State) {
    if (State == "Start")
      return 0;
    if (State == "Done")
      return 1 << 30;
    return std::stoi(State.substr(4));
  };
  llvm::sort(Transitions, [&](const StateMachine::Transition &A,
                              const StateMachine::Transition &B) {
    return std::make_tuple(Order(A.From), Order(A.To), A.Label) <
           std::make_tuple(Order(B.From), Order(B.To), B.Label);
  });
  return Transitions;
}

/// A string as a double-quoted Graphviz ID.
static std::string quoted(llvm::StringRef Text) {
  std::string Result = "\"";
  for (char Ch : Text) {
    if (Ch == '"' || Ch == '\\')
      Result += '\\';
    Result += Ch;
  }
  return Result + "\"";
}

void printStateGraph(llvm::raw_ostream &OS,
                     const std::vector<StateMachine> &Machines) {
  OS << "// The state machines corofy generated: one cluster per coroutine,\n"
        "// one node per state a poll can resume in, and Done; an edge is\n"
        "// what one poll can do, labelled with the line of the wait it\n"
        "// suspends at or of the return or throw that completes it,\n"
        "// through catch handlers too; an exception that leaves the\n"
        "// coroutine is not drawn (any poll may throw one).\n";
  OS << "digraph corofy {\n";
  OS << "  node [shape=box, fontname=\"monospace\", fontsize=10];\n";
  OS << "  edge [fontname=\"monospace\", fontsize=9];\n";
  for (size_t I = 0; I < Machines.size(); ++I) {
    const StateMachine &M = Machines[I];
    std::string Prefix = "c" + std::to_string(I) + "_";
    OS << "  subgraph " << quoted("cluster_" + std::to_string(I)) << " {\n";
    OS << "    label=" << quoted(M.Coroutine + " (" + M.Location + ")")
       << ";\n";
    for (const StateMachine::State &S : M.States) {
      if (!S.Resumable && S.Name != "Done")
        continue;
      std::string Label = S.Name + "\\n" + S.Comment;
      if (!S.Holds.empty())
        Label += "\\nholds: " + llvm::join(S.Holds, ", ");
      OS << "    " << Prefix << S.Name << " [label=\"";
      // The label's own escapes (\n) are kept; quotes are escaped.
      for (char Ch : Label)
        OS << (Ch == '"' ? "\\\"" : std::string(1, Ch));
      OS << "\"";
      if (S.Name == "Done")
        OS << ", shape=doubleoctagon";
      else if (S.Name == "Start")
        OS << ", shape=oval";
      OS << "];\n";
    }
    for (const StateMachine::Transition &T : M.Transitions)
      OS << "    " << Prefix << T.From << " -> " << Prefix << T.To
         << " [label=" << quoted(T.Label) << "];\n";
    OS << "  }\n";
  }
  OS << "}\n";
}

} // namespace corofy
