//===- FrameLayout.cpp - What each state machine holds, and where ---------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// Prints the layout Clang computes for each generated frame class: it is
// read from a parse of the rewritten file, so the offsets and sizes are the
// compiler's, not an estimate.
//
//===----------------------------------------------------------------------===//

#include "corofy/Transform/CoroutineRewriter.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/RecordLayout.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"

using namespace clang;

namespace corofy {

namespace {

/// The definitions of classes with a given name in the main file, in order.
class ClassFinder : public RecursiveASTVisitor<ClassFinder> {
public:
  ClassFinder(const SourceManager &SM, llvm::StringRef Name)
      : SM(SM), Name(Name) {}
  std::vector<const CXXRecordDecl *> Found;
  bool VisitCXXRecordDecl(CXXRecordDecl *Record) {
    if (Record->getIdentifier() && Record->getName() == Name &&
        Record->isThisDeclarationADefinition() &&
        SM.isInMainFile(SM.getExpansionLoc(Record->getLocation())))
      Found.push_back(Record);
    return true;
  }

private:
  const SourceManager &SM;
  llvm::StringRef Name;
};

void printFields(llvm::raw_ostream &OS, const ASTContext &Ctx,
                 const RecordDecl *Frame, const RecordDecl *Record,
                 CharUnits Base, bool Shared, const std::string &Prefix) {
  const ASTRecordLayout &Layout = Ctx.getASTRecordLayout(Record);
  for (const FieldDecl *Field : Record->fields()) {
    CharUnits Offset =
        Base +
        Ctx.toCharUnitsFromBits(Layout.getFieldOffset(Field->getFieldIndex()));
    if (Field->isAnonymousStructOrUnion()) {
      const RecordDecl *Inner = Field->getType()->getAsRecordDecl();
      // A union of one member is only there to construct it by hand.
      printFields(
          OS, Ctx, Frame, Inner, Offset,
          Shared || (Inner->isUnion() && std::distance(Inner->field_begin(),
                                                       Inner->field_end()) > 1),
          Prefix);
      continue;
    }
    // The struct of a nested scope: its members, at their offsets.
    if (const RecordDecl *Scope = Field->getType()->getAsRecordDecl();
        Scope && Scope->getDeclContext() == Frame) {
      printFields(OS, Ctx, Frame, Scope, Offset, Shared,
                  Prefix + Field->getName().str() + ".");
      continue;
    }
    CharUnits Size = Ctx.getTypeSizeInChars(Field->getType());
    OS << llvm::format("  %6lld %6lld  ", (long long)Offset.getQuantity(),
                       (long long)Size.getQuantity())
       << Prefix << Field->getName() << "  ("
       << Field->getType().getAsString(Ctx.getPrintingPolicy())
       << (Shared ? ", shares storage" : "") << ")\n";
  }
}

} // namespace

void printFrameLayouts(llvm::raw_ostream &OS, ASTContext &Ctx,
                       const std::vector<StateMachine> &Machines) {
  const SourceManager &SM = Ctx.getSourceManager();
  std::map<std::string, size_t> Used; // frames of one name seen so far
  for (const StateMachine &M : Machines) {
    OS << "coroutine " << M.Coroutine << " (" << M.Location
       << "): " << M.FrameClass;
    ClassFinder Finder(SM, M.FrameClass);
    Finder.TraverseDecl(Ctx.getTranslationUnitDecl());
    size_t Index = Used[M.FrameClass]++;
    const CXXRecordDecl *Record =
        Index < Finder.Found.size() ? Finder.Found[Index] : nullptr;
    if (!Record) {
      OS << ", not found in the output\n";
    } else if (Record->isDependentContext()) {
      OS << ", a template: its layout depends on the template arguments\n";
    } else {
      const ASTRecordLayout &Layout = Ctx.getASTRecordLayout(Record);
      OS << ", " << Layout.getSize().getQuantity() << " bytes, align "
         << Layout.getAlignment().getQuantity() << "\n";
      OS << "  offset   size  member\n";
      printFields(OS, Ctx, Record, Record, CharUnits::Zero(), false, "");
    }
    if (!M.Parameters.empty())
      OS << "  parameters, alive in every state: "
         << llvm::join(M.Parameters, ", ") << "\n";
    OS << "  states:\n";
    for (const StateMachine::State &S : M.States) {
      OS << "    " << llvm::left_justify(S.Name, 10) << " ";
      if (S.Holds.empty())
        OS << S.Comment;
      else
        OS << llvm::left_justify(S.Comment, 26) << " holds "
           << llvm::join(S.Holds, ", ");
      OS << "\n";
    }
    OS << "\n";
  }
}

} // namespace corofy
