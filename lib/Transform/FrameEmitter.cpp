//===- FrameEmitter.cpp - Writes a coroutine's state machine --------------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// The lowering, for a coroutine `coroutine<T> f(params) { body }`:
//
//  - a class `f_frame` holding the parameters, a State enum, one anonymous
//    union per local that lives across a wait (constructed with placement
//    new where it is declared, destroyed where its scope ends) and one union
//    holding the future of each wait (only one is alive at a time);
//  - `Poll<T> f_frame::poll(Context &cx)`: a switch on the state jumps to the
//    resume label of the wait it stopped at; the body follows with the
//    user's statements kept as written, each wait replaced by: construct the
//    future in the frame, record the state, label, poll, return pending if
//    pending, use the value, destroy the future;
//  - f itself keeps its signature and boxes the frame into Async<T>.
//
// The state index also records which frame objects are alive between waits
// (the "LineN" states), so the destructor and the exception path destroy
// exactly the live objects. Jumps into nested blocks skip no initialisation
// because every local whose scope contains a resume label is in the frame.
//
//===----------------------------------------------------------------------===//

#include "FrameEmitter.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/QualTypeNames.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Lex/Lexer.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

using namespace clang;

namespace corofy {

const char OutputLineMarker[] = "#line COROFY_OUTPUT_LINE";

namespace {

//===----------------------------------------------------------------------===//
// Text helpers
//===----------------------------------------------------------------------===//

/// True when the end of a body is unreachable because it ends in `return`.
bool endsWithReturn(const CompoundStmt *Body) {
  return !Body->body_empty() && isa<ReturnStmt>(Body->body_back());
}

/// \p Range extended back over the spaces and line breaks before it, so
/// that removing it leaves no empty line behind.
CharSourceRange withLeadingSpace(CharSourceRange Range,
                                 const SourceManager &SM) {
  auto [File, Offset] = SM.getDecomposedLoc(Range.getBegin());
  StringRef Buffer = SM.getBufferData(File);
  unsigned Begin = Offset;
  while (Begin > 0 && isWhitespace(Buffer[Begin - 1]))
    --Begin;
  return CharSourceRange::getCharRange(
      Range.getBegin().getLocWithOffset(-static_cast<int>(Offset - Begin)),
      Range.getEnd());
}

/// Prefixes every line after the first with \p Indent.
std::string indentLines(StringRef Text, StringRef Indent) {
  std::string Result;
  bool First = true;
  while (!Text.empty()) {
    auto [Line, Rest] = Text.split('\n');
    if (!First && !Line.empty())
      Result += Indent;
    Result += Line;
    if (Text.contains('\n'))
      Result += '\n';
    Text = Rest;
    First = false;
  }
  return Result;
}

/// The whitespace that starts the line holding \p Loc.
std::string lineIndent(const SourceManager &SM, SourceLocation Loc) {
  auto [File, Offset] = SM.getDecomposedLoc(SM.getExpansionLoc(Loc));
  StringRef Buffer = SM.getBufferData(File);
  size_t LineStart = Buffer.rfind('\n', Offset);
  LineStart = LineStart == StringRef::npos ? 0 : LineStart + 1;
  size_t End = LineStart;
  while (End < Buffer.size() && (Buffer[End] == ' ' || Buffer[End] == '\t'))
    ++End;
  return Buffer.substr(LineStart, End - LineStart).str();
}

/// The characters of a token range, up to the end of its last token.
/// Rewriter measures the last token of a token range as originally spelled,
/// which cuts the text short when that token was itself replaced.
CharSourceRange charRange(SourceRange Range, const SourceManager &SM,
                          const LangOptions &LangOpts) {
  SourceLocation Begin = SM.getSpellingLoc(Range.getBegin());
  SourceLocation End = SM.getSpellingLoc(Range.getEnd());
  return CharSourceRange::getCharRange(
      Begin, Lexer::getLocForEndOfToken(End, 0, SM, LangOpts));
}

/// The source range of a statement including its terminating semicolon.
CharSourceRange statementRange(const Stmt *S, const SourceManager &SM,
                               const LangOptions &LangOpts) {
  SourceLocation End = S->getEndLoc();
  if (!isa<DeclStmt, CompoundStmt>(S)) {
    std::optional<Token> Next = Lexer::findNextToken(End, SM, LangOpts);
    if (Next && Next->is(tok::semi))
      End = Next->getLocation();
  }
  return charRange(SourceRange(S->getBeginLoc(), End), SM, LangOpts);
}

unsigned lineOf(const SourceManager &SM, SourceLocation Loc) {
  return SM.getExpansionLineNumber(Loc);
}

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

/// Replaces a deduced `auto` by the type it deduced, keeping sugar.
QualType resolveAuto(QualType T, ASTContext &Ctx) {
  if (!T->getContainedDeducedType())
    return T;
  Qualifiers Quals = T.getLocalQualifiers();
  const Type *Ty = T.getTypePtr();
  if (const auto *Auto = dyn_cast<AutoType>(Ty); Auto && Auto->isDeduced())
    return Ctx.getQualifiedType(resolveAuto(Auto->getDeducedType(), Ctx),
                                Quals);
  if (const auto *Ref = dyn_cast<LValueReferenceType>(Ty))
    return Ctx.getQualifiedType(
        Ctx.getLValueReferenceType(
            resolveAuto(Ref->getPointeeTypeAsWritten(), Ctx)),
        Quals);
  if (const auto *Ref = dyn_cast<RValueReferenceType>(Ty))
    return Ctx.getQualifiedType(
        Ctx.getRValueReferenceType(
            resolveAuto(Ref->getPointeeTypeAsWritten(), Ctx)),
        Quals);
  if (const auto *Pointer = dyn_cast<PointerType>(Ty))
    return Ctx.getQualifiedType(
        Ctx.getPointerType(resolveAuto(Pointer->getPointeeType(), Ctx)),
        Quals);
  return T.getCanonicalType();
}

bool spellsExpression(QualType T);

/// True when \p Arg prints as an expression other than a literal.
bool spellsExpression(const TemplateArgument &Arg) {
  switch (Arg.getKind()) {
  case TemplateArgument::Expression:
    return !isa<IntegerLiteral, CXXBoolLiteralExpr, CharacterLiteral>(
        Arg.getAsExpr()->IgnoreParenImpCasts());
  case TemplateArgument::Type:
    return spellsExpression(Arg.getAsType());
  case TemplateArgument::Pack:
    return llvm::any_of(Arg.pack_elements(), [](const TemplateArgument &A) {
      return spellsExpression(A);
    });
  default:
    return false;
  }
}

/// True when printing \p T spells an expression as it was written, such as
/// the `std::is_void_v<output_t<F>>` of an alias's argument or a local
/// constant `N` in `std::array<int, N>`: the names in it are not qualified
/// and may mean nothing where the frame is.
bool spellsExpression(QualType T) {
  if (T.isNull())
    return false;
  const Type *Ty = T.getTypePtr();
  if (isa<DecltypeType, TypeOfExprType>(Ty))
    return true;
  if (const auto *Spec = dyn_cast<TemplateSpecializationType>(Ty))
    return llvm::any_of(
        Spec->template_arguments(),
        [](const TemplateArgument &Arg) { return spellsExpression(Arg); });
  if (const auto *Elaborated = dyn_cast<ElaboratedType>(Ty))
    return spellsExpression(Elaborated->getNamedType());
  if (const auto *Paren = dyn_cast<ParenType>(Ty))
    return spellsExpression(Paren->getInnerType());
  if (const auto *Attributed = dyn_cast<AttributedType>(Ty))
    return spellsExpression(Attributed->getModifiedType());
  if (const auto *Subst = dyn_cast<SubstTemplateTypeParmType>(Ty))
    return spellsExpression(Subst->getReplacementType());
  if (const auto *Auto = dyn_cast<AutoType>(Ty))
    return spellsExpression(Auto->getDeducedType());
  if (const auto *Pointer = dyn_cast<PointerType>(Ty))
    return spellsExpression(Pointer->getPointeeType());
  if (const auto *Ref = dyn_cast<ReferenceType>(Ty))
    return spellsExpression(Ref->getPointeeTypeAsWritten());
  if (const auto *MemberPointer = dyn_cast<MemberPointerType>(Ty))
    return spellsExpression(MemberPointer->getPointeeType()) ||
           spellsExpression(QualType(MemberPointer->getClass(), 0));
  if (const auto *Array = dyn_cast<ArrayType>(Ty))
    return spellsExpression(Array->getElementType());
  if (const auto *Function = dyn_cast<FunctionProtoType>(Ty))
    return spellsExpression(Function->getReturnType()) ||
           llvm::any_of(Function->param_types(),
                        [](QualType P) { return spellsExpression(P); });
  return false;
}

/// Prints \p T so that it names the same type anywhere in the file, as a
/// declaration of \p Name when one is given ("char buf[16]").
std::string printType(QualType T, ASTContext &Ctx, StringRef Name = "") {
  T = resolveAuto(T, Ctx);
  PrintingPolicy Policy(Ctx.getLangOpts());
  Policy.SuppressUnwrittenScope = true;
  Policy.SuppressTagKeyword = true;
  if (!T->isDependentType())
    T = TypeName::getFullyQualifiedType(T, Ctx,
                                        /*WithGlobalNsPrefix=*/false);
  std::string Text;
  llvm::raw_string_ostream OS(Text);
  T.print(OS, Policy, Name);
  // Sugar that goes through a library's reserved names (the reference
  // typedef of std::vector, say) reads worse than the type itself, and sugar
  // that spells an expression may not compile here.
  if (!T->isDependentType() &&
      (StringRef(Text).contains("__") || spellsExpression(T))) {
    Text.clear();
    TypeName::getFullyQualifiedType(T.getCanonicalType(), Ctx, false)
        .print(OS, Policy, Name);
  }
  return Text;
}

/// True when printType cannot name \p T: the type of an expression whose
/// type depends on a template parameter in a way only it spells.
bool printsAsDependent(QualType T, ASTContext &Ctx) {
  return T->isDependentType() &&
         StringRef(printType(T, Ctx)).contains("<dependent type>");
}

bool needsDestruction(QualType T) {
  if (T->isDependentType())
    return true;
  return T.isDestructedType() != QualType::DK_none;
}

/// True when `&x` may not give the address (an overloaded unary &).
bool overloadsAddressOf(QualType T) {
  const auto *Record = T->getAsCXXRecordDecl();
  if (!Record || !Record->hasDefinition())
    return T->isDependentType();
  for (const CXXMethodDecl *Method : Record->methods())
    if (Method->getOverloadedOperator() == OO_Amp &&
        Method->getNumParams() == 0)
      return true;
  return false;
}

//===----------------------------------------------------------------------===//
// Names
//===----------------------------------------------------------------------===//

/// Collects every identifier spelled in a range of the source, so that the
/// names the frame introduces never capture a name the user's code uses.
class NameScope {
public:
  NameScope(const SourceManager &SM, const LangOptions &LangOpts,
            SourceRange Range) {
    SourceLocation Begin = SM.getExpansionLoc(Range.getBegin());
    SourceLocation End = SM.getExpansionLoc(Range.getEnd());
    auto [File, BeginOffset] = SM.getDecomposedLoc(Begin);
    unsigned EndOffset = SM.getFileOffset(End);
    StringRef Buffer = SM.getBufferData(File);
    Lexer Lex(SM.getLocForStartOfFile(File), LangOpts, Buffer.begin(),
              Buffer.begin() + BeginOffset, Buffer.end());
    Token Tok;
    while (!Lex.LexFromRawLexer(Tok)) {
      if (SM.getFileOffset(Tok.getLocation()) > EndOffset)
        break;
      if (Tok.is(tok::raw_identifier))
        Spelled[Tok.getRawIdentifier()].push_back(Tok.getLocation());
    }
  }

  /// Claims \p Base, or Base2, Base3... if it is spelled in the source or
  /// claimed already.
  std::string fresh(StringRef Base) {
    for (unsigned N = 1;; ++N) {
      std::string Candidate = N == 1 ? Base.str() : (Base + Twine(N)).str();
      if (!Spelled.count(Candidate) && Claimed.insert(Candidate).second)
        return Candidate;
    }
  }

  /// Claims \p Name for a declaration whose every spelling is at one of
  /// \p Owned; otherwise claims a fresh variant of it.
  std::string keepOrRename(StringRef Name,
                           const llvm::DenseSet<SourceLocation> &Owned) {
    auto It = Spelled.find(Name);
    bool OnlyOwn = It == Spelled.end() ||
                   llvm::all_of(It->second, [&](SourceLocation Loc) {
                     return Owned.contains(Loc);
                   });
    if (OnlyOwn && Claimed.insert(Name).second)
      return Name.str();
    for (unsigned N = 2;; ++N) {
      std::string Candidate = (Name + "_" + Twine(N)).str();
      if (!Spelled.count(Candidate) && Claimed.insert(Candidate).second)
        return Candidate;
    }
  }

private:
  llvm::StringMap<std::vector<SourceLocation>> Spelled;
  llvm::StringSet<> Claimed;
};

/// Finds the uses of variables and of `this` in a coroutine body.
class UseFinder : public RecursiveASTVisitor<UseFinder> {
public:
  llvm::DenseMap<const VarDecl *, std::vector<const DeclRefExpr *>> Refs;
  std::vector<const CXXThisExpr *> ExplicitThis;
  std::vector<const Expr *> ImplicitMemberAccess;

  bool shouldVisitTemplateInstantiations() const { return false; }
  bool shouldVisitImplicitCode() const { return false; }

  bool VisitDeclRefExpr(DeclRefExpr *Ref) {
    if (const auto *Var = dyn_cast<VarDecl>(Ref->getDecl()))
      Refs[Var].push_back(Ref);
    return true;
  }
  bool VisitCXXThisExpr(CXXThisExpr *This) {
    if (!This->isImplicit())
      ExplicitThis.push_back(This);
    return true;
  }
  bool VisitMemberExpr(MemberExpr *Member) {
    if (Member->isImplicitAccess())
      ImplicitMemberAccess.push_back(Member);
    return true;
  }
  bool VisitUnresolvedMemberExpr(UnresolvedMemberExpr *Member) {
    if (Member->isImplicitAccess())
      ImplicitMemberAccess.push_back(Member);
    return true;
  }
  bool VisitCXXDependentScopeMemberExpr(CXXDependentScopeMemberExpr *Member) {
    if (Member->isImplicitAccess())
      ImplicitMemberAccess.push_back(Member);
    return true;
  }
};

/// Whether a body names the function it belongs to (a directly recursive
/// coroutine), resolved or, in a template, as an overload candidate.
class SelfReferenceFinder : public RecursiveASTVisitor<SelfReferenceFinder> {
public:
  explicit SelfReferenceFinder(const FunctionDecl *Function)
      : Function(Function->getCanonicalDecl()) {}
  bool Found = false;

  bool shouldVisitTemplateInstantiations() const { return false; }

  bool VisitDeclRefExpr(DeclRefExpr *Ref) {
    if (const auto *Callee = dyn_cast<FunctionDecl>(Ref->getDecl()))
      note(Callee);
    return !Found;
  }
  bool VisitOverloadExpr(OverloadExpr *Overloads) {
    for (const NamedDecl *Candidate : Overloads->decls()) {
      const NamedDecl *Target = Candidate->getUnderlyingDecl();
      if (const auto *Template = dyn_cast<FunctionTemplateDecl>(Target))
        note(Template->getTemplatedDecl());
      else if (const auto *Callee = dyn_cast<FunctionDecl>(Target))
        note(Callee);
    }
    return !Found;
  }

private:
  void note(const FunctionDecl *Callee) {
    if (const FunctionDecl *Pattern = Callee->getTemplateInstantiationPattern())
      Callee = Pattern;
    if (Callee->getCanonicalDecl() == Function)
      Found = true;
  }
  const FunctionDecl *Function;
};

/// Whether \p Function's body names it while no declaration of it comes
/// before the definition: poll() must then be defined after the function.
bool callsItselfUndeclared(const FunctionDecl *Function) {
  const Decl *First = Function;
  if (const FunctionTemplateDecl *Template =
          Function->getDescribedFunctionTemplate())
    First = Template;
  if (First->getPreviousDecl())
    return false;
  SelfReferenceFinder Finder(Function);
  Finder.TraverseStmt(Function->getBody());
  return Finder.Found;
}

//===----------------------------------------------------------------------===//
// The emitter
//===----------------------------------------------------------------------===//

/// An object of the frame that may be alive at some point of the body.
struct FrameObject {
  std::string Member;
  /// The statement that destroys it; empty when destruction is a no-op.
  std::string Destroy;
  /// When not empty, a flag that says whether it has been made yet, for an
  /// exception that leaves before it is sure to be: the states test it.
  std::string Flag;
  /// Destroy itself tests such a flag: the object is made on some paths.
  bool DestroyTestsFlag = false;
  /// Whether the states' destruction of it tests a flag.
  bool flagged() const { return DestroyTestsFlag || !Flag.empty(); }
};

/// A temporary that an expression evaluated before a suspension point of
/// its full-expression materializes: the frame keeps it until the end of
/// that full-expression, as C++ keeps it across a co_await.
struct KeptTemporary {
  /// temps12_.temporary; its Destroy tests its flag when it is made on
  /// some paths only, otherwise Flag names the flag, for exceptions only.
  FrameObject Object;
  /// For one with a destructor: the statement that clears its flag before
  /// the expression runs.
  std::string Reset;
};

struct State {
  std::string Name;
  std::string Comment;
  /// Members to destroy when the frame dies in this state, in order.
  std::vector<std::string> Destroy;
  /// Every hoisted member alive in this state, in order of construction.
  std::vector<std::string> Holds;
  /// The label a poll in this state resumes at (empty: not resumable).
  std::string ResumeLabel;
};

/// A frame member for a local or a parameter.
struct Member {
  std::string Name;        // how the body names it: x, or block12_.x
  std::string Declaration; // "int x", "char buf[16]", "T *r"
  QualType Type;
  bool IsReference = false; // a reference local, kept as a pointer
};

class Emitter {
public:
  Emitter(const Coroutine &C, const FrameNames &Frames, Rewriter &Scratch,
          const RewriteOptions &Options)
      : C(C), Frames(Frames), R(Scratch), Options(Options),
        Ctx(C.Function->getASTContext()), SM(Ctx.getSourceManager()),
        LangOpts(Ctx.getLangOpts()),
        Names(SM, LangOpts, functionRange()) {}

  FrameText emit();

private:
  SourceRange functionRange() const {
    SourceRange Range = C.Function->getSourceRange();
    if (C.Template)
      Range.setBegin(C.Template->getBeginLoc());
    return Range;
  }
  std::string text(CharSourceRange Range) const {
    return R.getRewrittenText(Range);
  }
  std::string text(SourceRange Range) const {
    return text(charRange(Range, SM, LangOpts));
  }
  std::string lineDirective(SourceLocation Loc) const {
    if (!Options.LineDirectives)
      return "";
    PresumedLoc Presumed = SM.getPresumedLoc(SM.getExpansionLoc(Loc));
    return llvm::formatv("#line {0} \"{1}\"\n", Presumed.getLine(),
                         Presumed.getFilename())
        .str();
  }
  std::string outputLineDirective() const {
    return Options.LineDirectives ? std::string(OutputLineMarker) + "\n" : "";
  }

  void chooseNames();
  void editUses();
  void editLambdaCaptures();
  void editWaitFutures();
  void editReturns();
  std::string returnText(const ReturnStmt *Return);
  bool hasExpressionWaits(const Stmt *S) const {
    return llvm::any_of(C.Waits, [&](const WaitPoint &W) {
      return W.Statement == S && W.Use == WaitUse::Expression;
    });
  }

  // Waits inside expressions.
  /// The frame storage of one statement's temporaries: the values of its
  /// waits, the operands evaluated before a later wait, and the results of
  /// the && || ?: that guard a wait. Two statements' temporaries are never
  /// alive at once, so each statement's are a struct in one shared union.
  struct TempGroup {
    std::string TypeName, MemberName; // Temps12, temps12_
    unsigned Line = 0;
    std::vector<std::string> Declarations;
  };
  std::vector<TempGroup> TempGroups;
  llvm::DenseMap<const Stmt *, size_t> GroupOf;
  size_t groupFor(const Stmt *S);
  std::string addTemp(size_t Group, StringRef Base, QualType Type,
                      bool Pointer, std::string &Path,
                      std::string Spelling = "");
  QualType outputSpelling(QualType Type) const;
  std::string dependentSpelling(const Expr *E, bool Pointer) const;
  std::string sourceText(const Expr *E) const;
  bool containsWait(const Stmt *S) const;
  const WaitPoint *waitAt(const Expr *E, size_t &Index) const;
  void lowerExpr(const Expr *E, size_t Group, std::string &Out,
                 bool Discarded = false);
  std::string lowerDiscarded(const Expr *E, size_t Group);
  void spill(const Expr *E, size_t Group, std::string &Out);
  using TemporaryList =
      std::vector<std::pair<const MaterializeTemporaryExpr *, bool>>;
  void findTemporaries(const Expr *E, bool Conditional,
                       TemporaryList &Found) const;
  std::vector<KeptTemporary> keepTemporaries(const Expr *E, size_t Group);
  std::string startTemporaries(const std::vector<KeptTemporary> &Kept,
                               SourceLocation Loc);
  std::string startObject(size_t Group, const std::string &Path,
                          QualType Type);
  std::string lowerBranches(const std::vector<const Expr *> &Parts,
                            const std::function<std::string(const Expr *)> &Finish,
                            size_t Group, SourceLocation Loc,
                            std::vector<std::string> &Arms);
  std::string dropTemporaries(const std::vector<KeptTemporary> &Kept);
  /// Expressions whose text now reads frame storage that lives until the
  /// end of the full-expression (besides waits): spilled operands, lowered
  /// && || ?: and kept temporaries.
  llvm::DenseSet<const Expr *> Lowered;
  void suspendInExpression(const WaitPoint &W, size_t Index, size_t Group,
                           std::string &Out, bool Discarded = false);
  std::string endTemporaries(size_t Mark, SourceLocation Loc);
  bool lowerStatement(const Stmt *S);
  std::string walkBlock(const CompoundStmt *Block, bool EndReachable = true,
                        bool TailInside = false, bool AfterStart = false);
  bool walkStatement(const Stmt *S, bool &OpenedBrace);
  void walkSubstatement(const Stmt *S, SourceLocation Opener,
                        const std::string &Start = "",
                        const std::string &End = "");
  bool walkControl(const Stmt *S, const Stmt *Body, SourceLocation BodyOpener,
                   std::initializer_list<std::pair<const Stmt *,
                                                   SourceLocation>>
                       Branches);
  bool walkJump(const Stmt *Jump);
  bool walkRangeFor(const CXXForRangeStmt *For);
  void insertAfterStatement(const Stmt *S, std::string Text);
  void placeAround(const Stmt *S, const std::string &Before,
                   std::string After);
  bool walkTry(const CXXTryStmt *Try);
  /// Where the top-level dispatch sends a state when it is not its resume
  /// label: the entry of the outermost try block around the wait.
  llvm::StringMap<std::string> Redirect;
  std::string hoistHeader(const Stmt *Control);
  std::string popLive(size_t Mark);
  void emitHoistedDeclaration(const DeclStmt *Declaration);
  std::string construction(const VarDecl *Var);
  void emitWait(const WaitPoint &W, unsigned Index, bool &OpenedBrace);
  std::vector<std::string> suspendLines(const WaitPoint &W, unsigned Number);
  std::string releaseFuture(const WaitPoint &W, unsigned Number);
  std::string syncState(SourceLocation Loc);
  /// LiveCount: how many objects of Live (from the bottom) the state holds.
  std::string newLineState(SourceLocation Loc,
                           const std::vector<std::string> &Current,
                           size_t LiveCount = SIZE_MAX);
  std::string resumeState(unsigned Index, unsigned Line,
                          const std::string &Label);

  std::vector<std::string> liveDestroys() const {
    std::vector<std::string> Destroys;
    for (const FrameObject &Object : Live)
      if (!Object.Destroy.empty())
        Destroys.push_back(Object.Flag.empty() ? Object.Destroy
                                               : "if (" + Object.Flag + ") " +
                                                     Object.Destroy);
    return Destroys;
  }
  FrameObject objectFor(const Member &M) const {
    return {M.Name, !M.IsReference && needsDestruction(M.Type)
                        ? destroyCall(M.Name, M.Type)
                        : ""};
  }
  std::string templateArgsText() const;
  std::string pendingReturn() const {
    return "return corofy::Poll<" + OutputText + ">::pending();";
  }
  std::string destroyCall(StringRef Name, QualType T) const {
    return (overloadsAddressOf(T) ? "std::destroy_at(std::addressof(" + Name +
                                        "));"
                                  : "std::destroy_at(&" + Name + ");")
        .str();
  }
  std::string address(StringRef Name, QualType T) const {
    return overloadsAddressOf(T) ? ("std::addressof(" + Name + ")").str()
                                 : ("&" + Name).str();
  }

  std::string classText();
  std::string pollText(bool Inline);

  const Coroutine &C;
  const FrameNames &Frames;
  Rewriter &R;
  const RewriteOptions &Options;
  ASTContext &Ctx;
  SourceManager &SM;
  const LangOptions &LangOpts;
  NameScope Names;

  // Names.
  std::string FrameClass, DisplayName, OutputText, StateType, StateMember,
      ResultVar, ContextVar, SelfMember, DestroyFn, DoneLabel;
  bool VoidOutput = false;
  llvm::DenseMap<const VarDecl *, Member> Members; // parameters and hoisted
  std::vector<const ParmVarDecl *> StoredParams;

  // Waits.
  struct WaitSlot {
    std::string Member;   // wait1_, or block12_.wait1_ inside a scope
    std::string Leaf;     // wait1_
    std::string Declaration;
    std::string Polled;   // polled1
    std::string Future;   // rewritten text of the future
    QualType Type;
    bool NeedsDestruction = false;
    /// The temporaries the future's expression makes.
    std::vector<KeptTemporary> Kept;
  };
  std::vector<WaitSlot> Slots;

  // Frame storage: a scope's frame objects, and the storage its nested
  // scopes and wait futures share, since no two of those are alive at once.
  struct ScopeNode;
  /// A run of one scope's storage, in source order: the objects alive from
  /// its start to the scope's end, and a union of what is alive only for a
  /// while (nested scopes and wait futures). When an object is declared
  /// after a nested scope with objects of its own has ended, it and what
  /// follows it form the next segment, which joins that union: storage is
  /// shared by what is never alive at once.
  struct Segment {
    std::vector<const VarDecl *> Objects;
    std::vector<const ScopeNode *> Scopes; // nested scopes in the union
    std::vector<size_t> Futures;           // wait slots in the union
    std::unique_ptr<Segment> Next;
    unsigned Line = 0;                // where the segment starts
    std::string TypeName, MemberName; // of a segment after the first
  };
  struct ScopeNode {
    const Stmt *Statement = nullptr;
    std::vector<const VarDecl *> Own; // hoisted locals declared directly
    llvm::DenseSet<const VarDecl *> Relocated; // own, declared elsewhere
    std::vector<size_t> OwnSlots;     // waits directly in the scope
    std::vector<ScopeNode *> Children;
    bool HasContent = false; // itself or a nested scope holds something
    std::string TypeName, MemberName; // when it has members of its own
    Segment Layout;                   // when it has members of its own
  };
  std::vector<std::unique_ptr<ScopeNode>> ScopeNodes;
  ScopeNode *RootScope = nullptr;
  void planLayout();
  void planSegments(ScopeNode &Node);
  void nameScopeMembers(ScopeNode &Node, const std::string &Prefix);
  void nameSegment(Segment &Seg, const std::string &Prefix);
  std::vector<std::string> segmentLines(const Segment &Seg,
                                        std::string &Structs,
                                        StringRef UnionComment);
  std::string ownMemberLine(const VarDecl *Var) const;

  // States and the objects alive while the body runs.
  std::vector<State> States;
  std::vector<FrameObject> Live;
  std::vector<std::string> StateLive{}; // live set recorded in state_
  /// The right operand of && or || or the arms of ?: that hold a wait,
  /// innermost last: what they make lives to the end of the
  /// full-expression, as in C++, but is made on some paths only, so each
  /// such object has a flag (its Destroy tests it). While they run, the
  /// coroutine is in one state (Enter) that destroys what is alive before
  /// the branch and the flagged objects: the objects above Mark.
  struct Branch {
    size_t Mark;
    size_t Enter; // index in States
  };
  std::vector<Branch> Branches;
  /// The statements that clear those flags, before the outermost branch.
  std::string BranchResets;
  /// What StateLive holds while the coroutine is in \p B's Enter state.
  std::vector<std::string> branchMarker(const Branch &B) const {
    return {"in the branch of " + States[B.Enter].Name};
  }

  /// A loop or switch that break (and, for loops, continue) leaves: the
  /// frame objects above Mark in Live die when it is left.
  struct JumpTarget {
    size_t Mark;
    bool AcceptsContinue;
    /// Where continue goes when the loop's increment or condition waits and
    /// so was moved into the body; empty otherwise.
    std::string ContinueLabel = {};
    /// The frame objects above this mark die on continue: a for loop's
    /// condition variable outlives its increment, which continue reaches.
    size_t ContinueMark = Mark;
  };
  std::vector<JumpTarget> Targets;
  /// Continue labels no continue jumped to: pollText drops them.
  llvm::StringSet<> UnusedLabels;
  std::string BodyTail; // destroys the body's frame objects after the body
};

void Emitter::chooseNames() {
  const FunctionDecl *F = C.Function;
  DisplayName = F->getQualifiedNameAsString();
  FrameClass = C.hasLocalFrame() ? Names.fresh(Frames.lookup(F).Name)
                                 : Frames.lookup(F).Name;
  VoidOutput = C.Output->isVoidType();
  OutputText = printType(C.Output, Ctx);

  StateType = Names.fresh("State");
  StateMember = Names.fresh("state_");
  ResultVar = Names.fresh("result");
  ContextVar = Names.fresh("cx");
  DestroyFn = Names.fresh("destroy_live_");
  DoneLabel = Names.fresh("done");
  if (C.isMember())
    SelfMember = Names.fresh("self");

  UseFinder Uses;
  Uses.TraverseStmt(F->getBody());
  auto OwnedLocations = [&](const VarDecl *Var) {
    llvm::DenseSet<SourceLocation> Owned;
    Owned.insert(Var->getLocation());
    for (const DeclRefExpr *Ref : Uses.Refs.lookup(Var))
      Owned.insert(SM.getSpellingLoc(Ref->getLocation()));
    for (const LambdaExpr *Lambda : C.Lambdas)
      for (const LambdaCapture &Capture : Lambda->explicit_captures())
        if (Capture.capturesVariable() && Capture.getCapturedVar() == Var)
          Owned.insert(Capture.getLocation());
    return Owned;
  };

  for (const ParmVarDecl *Param : F->parameters()) {
    if (!Param->getIdentifier())
      continue; // unnamed parameters are unused: the frame does not keep them
    Member M;
    M.Name = Names.keepOrRename(Param->getName(), OwnedLocations(Param));
    M.Type = Param->getType();
    M.Declaration = printType(M.Type, Ctx, M.Name);
    Members[Param] = M;
    StoredParams.push_back(Param);
  }
  for (const LocalVar &Local : C.Locals) {
    if (!Local.hoisted())
      continue;
    const VarDecl *Var = Local.Var;
    Member M;
    if (Var->isImplicit()) {
      // A range-based for's __range1, __begin1, __end1: range_, begin_...
      StringRef Base = Var->getName().ltrim('_').rtrim("0123456789");
      M.Name = Names.fresh(Base.str() + "_");
    } else {
      M.Name = Names.keepOrRename(Var->getName(), OwnedLocations(Var));
    }
    M.Type = Var->getType();
    // A range-based for over a temporary keeps the temporary itself.
    if (Var->isImplicit() && M.Type->isReferenceType() &&
        bindsTemporary(Var->getInit()))
      M.Type = outputSpelling(M.Type.getNonReferenceType());
    if (M.Type->isReferenceType()) {
      // A union cannot hold a reference: keep the address instead.
      M.IsReference = true;
      M.Declaration = printType(
          Ctx.getPointerType(M.Type.getNonReferenceType()), Ctx, M.Name);
    } else {
      // The declaration was already checked with its const; the frame
      // constructs the object in place, which a const member would forbid.
      M.Declaration = printType(M.Type.getUnqualifiedType(), Ctx, M.Name);
    }
    Members[Var] = M;
  }

  unsigned Index = 0;
  for (const WaitPoint &W : C.Waits) {
    ++Index;
    WaitSlot Slot;
    Slot.Polled = Names.fresh("polled" + std::to_string(Index));
    if (W.Storage != FutureStorage::InPlace)
      Slot.Member = Slot.Leaf =
          Names.fresh("wait" + std::to_string(Index) + "_");
    Slots.push_back(Slot);
  }
  planLayout();
}

/// Places each hoisted local in the scope that declares it and each wait's
/// future in the innermost scope around the wait. A scope's own objects are
/// alive together, but its nested scopes and the futures of its own waits
/// never are (C++ scoping: siblings do not overlap, and a wait directly in
/// the scope is in none of them), so they share storage: the frame holds
/// the largest set alive at one suspension point, not the sum.
void Emitter::planLayout() {
  llvm::DenseMap<const Stmt *, ScopeNode *> ByStatement;
  llvm::DenseMap<const CallExpr *, size_t> WaitIndex;
  for (size_t I = 0; I < C.Waits.size(); ++I)
    WaitIndex[C.Waits[I].Call] = I;
  std::function<void(const Stmt *, ScopeNode *)> Visit =
      [&](const Stmt *S, ScopeNode *Current) {
        if (!S || isa<LambdaExpr>(S))
          return;
        if (isa<CompoundStmt, ForStmt, IfStmt, SwitchStmt, WhileStmt, DoStmt,
                CXXForRangeStmt>(S)) {
          ScopeNodes.push_back(std::make_unique<ScopeNode>());
          ScopeNode *Node = ScopeNodes.back().get();
          Node->Statement = S;
          if (Current)
            Current->Children.push_back(Node);
          ByStatement[S] = Node;
          Current = Node;
        }
        if (const auto *Call = dyn_cast<CallExpr>(S))
          if (auto It = WaitIndex.find(Call);
              It != WaitIndex.end() && !Slots[It->second].Member.empty())
            Current->OwnSlots.push_back(It->second);
        for (const Stmt *Child : S->children())
          Visit(Child, Current);
      };
  Visit(C.Function->getBody(), nullptr);
  RootScope = ByStatement.lookup(C.Function->getBody());

  // A lambda captures a frame member by an init-capture named after it,
  // which must be a plain name: captured locals stay at the top.
  llvm::DenseSet<const VarDecl *> Captured;
  for (const LambdaExpr *Lambda : C.Lambdas)
    for (const LambdaCapture &Capture : Lambda->captures())
      if (Capture.capturesVariable())
        if (const auto *Var = dyn_cast<VarDecl>(Capture.getCapturedVar()))
          Captured.insert(Var);
  for (const LocalVar &Local : C.Locals) {
    if (!Local.hoisted() || !Members.count(Local.Var))
      continue;
    ScopeNode *Node = Captured.count(Local.Var)
                          ? RootScope
                          : ByStatement.lookup(Local.Scope);
    if (!Node) {
      Node = RootScope;
      Node->Relocated.insert(Local.Var);
    } else if (Captured.count(Local.Var)) {
      Node->Relocated.insert(Local.Var);
    }
    Node->Own.push_back(Local.Var);
  }

  std::function<void(ScopeNode &)> MarkContent = [&](ScopeNode &Node) {
    Node.HasContent = !Node.Own.empty() || !Node.OwnSlots.empty();
    for (ScopeNode *Child : Node.Children) {
      MarkContent(*Child);
      Node.HasContent |= Child->HasContent;
    }
  };
  MarkContent(*RootScope);
  for (auto &Node : ScopeNodes)
    planSegments(*Node);
  nameScopeMembers(*RootScope, "");
}

/// Splits the storage of \p Node into segments (see Segment). A nested
/// scope without objects of its own lends its contents to the union.
void Emitter::planSegments(ScopeNode &Node) {
  if (Node.Own.empty() && &Node != RootScope)
    return;
  enum Kind { Object, Scope, Future };
  struct Item {
    unsigned Offset;
    Kind What;
    const void *Ptr;
    size_t Slot;
  };
  std::vector<Item> Items;
  auto OffsetOf = [&](SourceLocation Loc) {
    return SM.getFileOffset(SM.getExpansionLoc(Loc));
  };
  for (const VarDecl *Var : Node.Own) {
    // An object held away from its own scope counts as alive throughout.
    unsigned Offset = Node.Relocated.count(Var)
                          ? 0
                          : OffsetOf(Var->getBeginLoc());
    Items.push_back({Offset, Object, Var, 0});
  }
  std::function<void(const ScopeNode &)> AddContents =
      [&](const ScopeNode &Inner) {
        for (const ScopeNode *Child : Inner.Children) {
          if (!Child->HasContent)
            continue;
          if (Child->Own.empty())
            AddContents(*Child);
          else
            Items.push_back({OffsetOf(Child->Statement->getBeginLoc()), Scope,
                             Child, 0});
        }
        for (size_t I : Inner.OwnSlots)
          Items.push_back(
              {OffsetOf(C.Waits[I].Call->getBeginLoc()), Future, nullptr, I});
      };
  AddContents(Node);
  llvm::stable_sort(Items, [](const Item &A, const Item &B) {
    return A.Offset < B.Offset;
  });

  Segment *Seg = &Node.Layout;
  bool EndedScopeWithObjects = false;
  for (const Item &I : Items) {
    if (I.What == Object && EndedScopeWithObjects) {
      Seg->Next = std::make_unique<Segment>();
      Seg = Seg->Next.get();
      Seg->Line = lineOf(SM, static_cast<const VarDecl *>(I.Ptr)->getBeginLoc());
      EndedScopeWithObjects = false;
    }
    switch (I.What) {
    case Object:
      Seg->Objects.push_back(static_cast<const VarDecl *>(I.Ptr));
      break;
    case Scope:
      Seg->Scopes.push_back(static_cast<const ScopeNode *>(I.Ptr));
      EndedScopeWithObjects = true;
      break;
    case Future:
      Seg->Futures.push_back(I.Slot);
      break;
    }
  }
}

/// Names the struct of each scope that has objects of its own, and gives
/// every object the path the body reaches it by (block12_.buffer).
void Emitter::nameScopeMembers(ScopeNode &Node, const std::string &Prefix) {
  nameSegment(Node.Layout, Prefix);
}

void Emitter::nameSegment(Segment &Seg, const std::string &Prefix) {
  for (const VarDecl *Var : Seg.Objects)
    Members[Var].Name = Prefix + Members[Var].Name;
  for (size_t I : Seg.Futures)
    Slots[I].Member = Prefix + Slots[I].Leaf;
  for (const ScopeNode *Scope : Seg.Scopes) {
    auto &Child = const_cast<ScopeNode &>(*Scope);
    const Stmt *S = Child.Statement;
    std::string Kind = isa<CompoundStmt>(S)  ? "Block"
                       : isa<IfStmt>(S)      ? "If"
                       : isa<SwitchStmt>(S)  ? "Switch"
                                             : "Loop";
    std::string Line = std::to_string(lineOf(SM, S->getBeginLoc()));
    Child.TypeName = Names.fresh(Kind + Line);
    Child.MemberName = Names.fresh(StringRef(Kind).lower() + Line + "_");
    nameScopeMembers(Child, Prefix + Child.MemberName + ".");
  }
  if (Seg.Next) {
    std::string Line = std::to_string(Seg.Next->Line);
    Seg.Next->TypeName = Names.fresh("After" + Line);
    Seg.Next->MemberName = Names.fresh("after" + Line + "_");
    nameSegment(*Seg.Next, Prefix + Seg.Next->MemberName + ".");
  }
}

std::string Emitter::ownMemberLine(const VarDecl *Var) const {
  return "union { " + Members.find(Var)->second.Declaration + "; }; // line " +
         std::to_string(lineOf(SM, Var->getLocation()));
}

/// The member lines of \p Seg: its objects, then the union of its nested
/// scopes, futures and next segment, whose struct definitions are appended
/// to \p Structs (before their use, as C++ requires).
std::vector<std::string> Emitter::segmentLines(const Segment &Seg,
                                               std::string &Structs,
                                               StringRef UnionComment) {
  std::vector<std::string> Lines;
  for (const VarDecl *Var : Seg.Objects)
    Lines.push_back(ownMemberLine(Var));
  std::vector<std::string> Alternatives;
  auto Define = [&](const std::string &TypeName, const std::string &Comment,
                    const std::vector<std::string> &Body) {
    std::string Text = "struct " + TypeName + " { // " + Comment + "\n";
    Text += "  " + TypeName + "() {}\n";
    Text += "  ~" + TypeName + "() {}\n";
    for (const std::string &Line : Body)
      Text += "  " + indentLines(Line, "  ") + "\n";
    Structs += Text + "};\n";
  };
  for (const ScopeNode *Child : Seg.Scopes) {
    unsigned Line = lineOf(SM, Child->Statement->getBeginLoc());
    std::vector<std::string> Body =
        segmentLines(Child->Layout, Structs, "");
    Define(Child->TypeName,
           "the frame objects of the scope at line " + std::to_string(Line),
           Body);
    Alternatives.push_back(Child->TypeName + " " + Child->MemberName +
                           "; // line " + std::to_string(Line));
  }
  for (size_t I : Seg.Futures)
    Alternatives.push_back(
        Slots[I].Declaration + "; // the future of the wait at line " +
        std::to_string(lineOf(SM, C.Waits[I].Call->getBeginLoc())));
  if (Seg.Next) {
    std::vector<std::string> Body = segmentLines(*Seg.Next, Structs, "");
    Define(Seg.Next->TypeName,
           "what is declared from line " + std::to_string(Seg.Next->Line) +
               " on, after the scopes above ended",
           Body);
    Alternatives.push_back(Seg.Next->TypeName + " " + Seg.Next->MemberName +
                           "; // line " + std::to_string(Seg.Next->Line));
  }
  if (!Alternatives.empty()) {
    std::string Union = "union {";
    if (!UnionComment.empty())
      Union += " // " + UnionComment.str();
    for (const std::string &Alternative : Alternatives)
      Union += "\n  " + Alternative;
    Lines.push_back(Union + "\n};");
  }
  return Lines;
}

/// Renames uses of frame members, turns uses of reference locals into
/// dereferences of the stored pointer, and routes `this` to the object the
/// coroutine was called on.
void Emitter::editUses() {
  UseFinder Uses;
  Uses.TraverseStmt(C.Function->getBody());
  for (auto &[Var, Refs] : Uses.Refs) {
    auto It = Members.find(Var);
    if (It == Members.end())
      continue;
    const Member &M = It->second;
    for (const DeclRefExpr *Ref : Refs) {
      SourceLocation Loc = SM.getSpellingLoc(Ref->getLocation());
      if (M.IsReference)
        R.ReplaceText(Loc, Var->getName().size(), "(*" + M.Name + ")");
      else if (M.Name != Var->getName())
        R.ReplaceText(Loc, Var->getName().size(), M.Name);
    }
  }
  if (!C.isMember())
    return;
  for (const CXXThisExpr *This : Uses.ExplicitThis)
    R.ReplaceText(SM.getSpellingLoc(This->getLocation()), 4, SelfMember);
  // Replace the first token rather than insert before it: an insertion at
  // the start of a statement would survive that statement's replacement.
  for (const Expr *Access : Uses.ImplicitMemberAccess) {
    SourceLocation Loc = SM.getSpellingLoc(Access->getBeginLoc());
    unsigned Length = Lexer::MeasureTokenLength(Loc, SM, LangOpts);
    R.ReplaceText(Loc, Length,
                  SelfMember + "->" +
                      Lexer::getSourceText(CharSourceRange::getTokenRange(Loc),
                                           SM, LangOpts)
                          .str());
  }
}

/// A lambda cannot capture a data member by name, so explicit captures of
/// frame members become init-captures, and `[=]` lambdas copy the frame
/// members they use explicitly (they would otherwise read them through the
/// frame's `this`).
void Emitter::editLambdaCaptures() {
  for (const LambdaExpr *Lambda : C.Lambdas) {
    std::string Added;
    for (const LambdaCapture &Capture : Lambda->captures()) {
      if (!Capture.capturesVariable())
        continue;
      const auto *Var = dyn_cast<VarDecl>(Capture.getCapturedVar());
      auto It = Var ? Members.find(Var) : Members.end();
      if (It == Members.end())
        continue;
      const Member &M = It->second;
      std::string Source = M.IsReference ? "*" + M.Name : M.Name;
      bool ByRef = Capture.getCaptureKind() == LCK_ByRef;
      if (Lambda->isInitCapture(&Capture))
        continue;
      if (Capture.isExplicit()) {
        SourceLocation Loc = SM.getSpellingLoc(Capture.getLocation());
        R.ReplaceText(Loc, Var->getName().size(),
                      M.Name + " = " + Source);
      } else if (!ByRef) {
        Added += ", " + M.Name + " = " + Source;
      }
    }
    if (!Added.empty())
      R.InsertTextAfterToken(
          SM.getSpellingLoc(Lambda->getCaptureDefaultLoc()), Added);
  }
}

/// Records the rewritten text of each wait's future, pointing calls of
/// coroutines whose frames are visible at the frame class itself, then
/// replaces each wait(...) by the value it yields.
void Emitter::editWaitFutures() {
  SourceLocation Begin = functionRange().getBegin();
  for (size_t I = 0; I < C.Waits.size(); ++I) {
    const WaitPoint &W = C.Waits[I];
    WaitSlot &Slot = Slots[I];
    if (W.Storage == FutureStorage::Temporary) {
      Slot.Type = W.Future->getType();
      Slot.Declaration = printType(Slot.Type, Ctx, Slot.Leaf);
      // wait(g(args)) where g is a coroutine of this file whose frame class
      // is complete here: construct that frame in place, with no box.
      const auto *Call = dyn_cast<CallExpr>(stripImplicit(W.Future));
      const FunctionDecl *Callee = Call ? Call->getDirectCallee() : nullptr;
      const FunctionDecl *Pattern =
          Callee && Callee->getPrimaryTemplate()
              ? Callee->getPrimaryTemplate()->getTemplatedDecl()
              : Callee;
      auto Frame = Pattern ? Frames.find(Pattern) : Frames.end();
      bool UsesDefaults = Call && llvm::any_of(Call->arguments(),
                                               [](const Expr *Arg) {
                                                 return isa<CXXDefaultArgExpr>(
                                                     Arg);
                                               });
      const auto *CalleeRef =
          Call ? dyn_cast<DeclRefExpr>(Call->getCallee()->IgnoreImpCasts())
               : nullptr;
      if (Frame != Frames.end() && Frame->second.Nameable && CalleeRef &&
          !UsesDefaults &&
          SM.isBeforeInTranslationUnit(Frame->second.DefinitionEnd, Begin)) {
        std::string TemplateArgs;
        const TemplateArgumentList *Deduced =
            Callee->getTemplateSpecializationArgs();
        if (Deduced && CalleeRef->hasExplicitTemplateArgs() &&
            CalleeRef->getNumTemplateArgs() == Deduced->size()) {
          // All arguments written: keep the user's spelling.
          TemplateArgs = Lexer::getSourceText(
                             charRange(SourceRange(CalleeRef->getLAngleLoc(),
                                                   CalleeRef->getRAngleLoc()),
                                       SM, LangOpts),
                             SM, LangOpts)
                             .str();
        } else if (Deduced) {
          TemplateArgs = "<";
          bool First = true;
          for (const TemplateArgument &Arg : Deduced->asArray()) {
            if (!First)
              TemplateArgs += ", ";
            First = false;
            if (Arg.getKind() == TemplateArgument::Type)
              TemplateArgs += printType(Arg.getAsType(), Ctx);
            else {
              llvm::raw_string_ostream OS(TemplateArgs);
              Arg.print(Ctx.getPrintingPolicy(), OS, /*IncludeType=*/true);
            }
          }
          TemplateArgs += ">";
        }
        SourceLocation NameLoc = SM.getSpellingLoc(CalleeRef->getLocation());
        if (CalleeRef->hasExplicitTemplateArgs())
          R.ReplaceText(NameLoc, Callee->getName().size(), Frame->second.Name);
        else
          R.ReplaceText(NameLoc, Callee->getName().size(),
                        Frame->second.Name + TemplateArgs);
        Slot.Declaration =
            Frame->second.QualifiedName + TemplateArgs + " " + Slot.Leaf;
        Slot.NeedsDestruction = true;
      } else {
        Slot.NeedsDestruction = needsDestruction(Slot.Type);
      }
      if (Slot.Type->isDependentType() &&
          Slot.Declaration.find("<dependent type>") != std::string::npos)
        Slot.Declaration = "decltype(" + text(W.Future->getSourceRange()) +
                           ") " + Slot.Leaf;
    } else if (W.Storage == FutureStorage::Pointer) {
      Slot.Type = W.Future->getType().getNonReferenceType();
      Slot.Declaration =
          printType(Ctx.getPointerType(Slot.Type), Ctx, Slot.Leaf);
    }
    // Before the wait's text is replaced below, which would swallow edits
    // inside it; a wait inside an expression keeps them when it is lowered.
    if (W.Use != WaitUse::Expression && W.Storage != FutureStorage::InPlace)
      Slot.Kept = keepTemporaries(W.Future, groupFor(W.Statement));
    Slot.Future = text(W.Future->getSourceRange());
  }
  for (size_t I = 0; I < C.Waits.size(); ++I) {
    const WaitPoint &W = C.Waits[I];
    // A wait inside an expression is replaced when it is lowered, after the
    // waits and spills inside its future.
    if (W.Use == WaitUse::Discard || W.Use == WaitUse::Expression)
      continue;
    R.ReplaceText(charRange(W.Call->getSourceRange(), SM, LangOpts),
                  "std::move(" + Slots[I].Polled + ").value()");
  }
}

/// `return e;` stores the value and leaves through the done label, which
/// destroys the frame objects still alive; ordinary locals are destroyed
/// by the jump itself, before them, as their later declaration requires.
void Emitter::editReturns() {
  for (const ReturnStmt *Return : C.Returns)
    if (!hasExpressionWaits(Return))
      R.ReplaceText(statementRange(Return, SM, LangOpts),
                    returnText(Return));
}

std::string Emitter::returnText(const ReturnStmt *Return) {
  const Expr *Value = Return->getRetValue();
  std::string Store;
  const Expr *Bare = Value ? Value->IgnoreImplicit() : nullptr;
  bool EmptyBraces =
      Bare && ((isa<InitListExpr>(Bare) &&
                cast<InitListExpr>(Bare)->getNumInits() == 0) ||
               (isa<CXXConstructExpr>(Bare) &&
                cast<CXXConstructExpr>(Bare)->getNumArgs() == 0));
  if (!Value || (VoidOutput && EmptyBraces)) {
    Store = ResultVar + ".emplace(); ";
  } else if (VoidOutput) {
    Store = text(Value->getSourceRange()) + "; " + ResultVar + ".emplace(); ";
  } else {
    std::string ValueText = text(Value->getSourceRange());
    // `return x;` moves from a local or parameter, as C++ does.
    const auto *Ref = dyn_cast<DeclRefExpr>(stripImplicit(Value));
    const auto *Var = Ref ? dyn_cast<VarDecl>(Ref->getDecl()) : nullptr;
    if (Var && (Var->isLocalVarDecl() || isa<ParmVarDecl>(Var)) &&
        !Var->getType()->isReferenceType() &&
        !Var->getType().isVolatileQualified())
      ValueText = "std::move(" + ValueText + ")";
    else if (isa<InitListExpr>(Value->IgnoreImplicit()) &&
             ValueText.front() == '{')
      ValueText = OutputText + ValueText;
    Store = ResultVar + ".emplace(" + ValueText + "); ";
  }
  return "{ " + Store + "goto " + DoneLabel + "; }";
}

/// Records the current set of live frame objects in the state index, if it
/// changed, so that an exception or the destructor destroys exactly them.
std::string Emitter::syncState(SourceLocation Loc) {
  std::vector<std::string> Current = liveDestroys();
  // In a branch whose objects all have flags, its Enter state is right.
  if (!Branches.empty() &&
      std::all_of(Live.begin() + Branches.back().Mark, Live.end(),
                  [](const FrameObject &Object) {
                    return Object.Destroy.empty() || Object.flagged();
                  })) {
    std::vector<std::string> Marker = branchMarker(Branches.back());
    if (StateLive == Marker)
      return "";
    StateLive = Marker;
    return StateMember + " = " + StateType + "::" +
           States[Branches.back().Enter].Name + ";";
  }
  if (Current == StateLive)
    return "";
  StateLive = Current;
  return newLineState(Loc, Current);
}

/// A state that is not resumable, recording \p Current (in order of
/// construction); returns the assignment that enters it.
std::string Emitter::newLineState(SourceLocation Loc,
                                  const std::vector<std::string> &Current,
                                  size_t LiveCount) {
  unsigned Line = lineOf(SM, Loc);
  State S;
  S.Name = "Line" + std::to_string(Line);
  for (unsigned N = 2; llvm::any_of(States, [&](const State &Other) {
         return Other.Name == S.Name;
       });
       ++N)
    S.Name = "Line" + std::to_string(Line) + "_" + std::to_string(N);
  S.Comment = "running after line " + std::to_string(Line);
  S.Destroy.assign(Current.rbegin(), Current.rend());
  for (size_t I = 0; I < std::min(LiveCount, Live.size()); ++I)
    S.Holds.push_back(Live[I].Member);
  States.push_back(S);
  return StateMember + " = " + StateType + "::" + S.Name + ";";
}

std::string Emitter::resumeState(unsigned Index, unsigned Line,
                                 const std::string &Label) {
  State S;
  S.Name = "Wait" + std::to_string(Index);
  S.Comment = "suspended at line " + std::to_string(Line);
  S.ResumeLabel = Label;
  for (const FrameObject &Object : Live)
    S.Holds.push_back(Object.Member);
  if (C.Waits[Index - 1].Storage != FutureStorage::InPlace &&
      !llvm::is_contained(S.Holds, Slots[Index - 1].Member))
    S.Holds.push_back(Slots[Index - 1].Member);
  std::vector<std::string> Current = liveDestroys();
  S.Destroy.assign(Current.rbegin(), Current.rend());
  StateLive = Current;
  States.push_back(S);
  return StateMember + " = " + StateType + "::" + S.Name + ";";
}

/// The statement that constructs a hoisted local in its frame slot.
std::string Emitter::construction(const VarDecl *Var) {
  const Member &M = Members.find(Var)->second;
  const Expr *Init = Var->getInit();
  if (M.IsReference)
    return M.Name + " = std::addressof(" + text(Init->getSourceRange()) +
           ");";
  std::string Placement =
      "::new (" + address(M.Name, M.Type) + ") " +
      printType(M.Type.getUnqualifiedType(), Ctx);
  if (!Init || (isa<CXXConstructExpr>(Init) &&
                cast<CXXConstructExpr>(Init)->getParenOrBraceRange()
                    .isInvalid() &&
                Var->getInitStyle() == VarDecl::CInit &&
                !Var->hasInit()))
    return Placement + ";";
  // The initializer as written: everything after the declarator.
  SourceLocation DeclaratorEnd = Var->getLocation();
  if (TypeSourceInfo *Info = Var->getTypeSourceInfo()) {
    SourceLocation TypeEnd = Info->getTypeLoc().getEndLoc();
    if (SM.isBeforeInTranslationUnit(DeclaratorEnd, TypeEnd))
      DeclaratorEnd = TypeEnd;
  }
  SourceLocation InitBegin = Lexer::getLocForEndOfToken(
      SM.getSpellingLoc(DeclaratorEnd), 0, SM, LangOpts);
  std::string InitText = StringRef(text(CharSourceRange::getCharRange(
                                       InitBegin, Lexer::getLocForEndOfToken(
                                                      Var->getEndLoc(), 0, SM,
                                                      LangOpts))))
                             .trim()
                             .str();
  if (InitText.empty())
    return Placement + ";";
  if (InitText.front() == '=') {
    InitText = StringRef(InitText).drop_front().trim().str();
    if (InitText.front() != '{')
      InitText = "(" + InitText + ")";
  }
  return Placement + InitText + ";";
}

void Emitter::emitHoistedDeclaration(const DeclStmt *Declaration) {
  std::string Indent = lineIndent(SM, Declaration->getBeginLoc());
  std::string Text;
  for (const Decl *D : Declaration->decls()) {
    const auto *Var = dyn_cast<VarDecl>(D);
    if (!Var || !Members.count(Var))
      continue;
    if (!Text.empty())
      Text += "\n" + Indent;
    Text += construction(Var);
    Live.push_back(objectFor(Members.find(Var)->second));
  }
  if (std::string Sync = syncState(Declaration->getEndLoc()); !Sync.empty())
    Text += "\n" + Indent + Sync;
  R.ReplaceText(statementRange(Declaration, SM, LangOpts), Text);
}

/// Suspension at wait number \p Number: keeps its future in the frame
/// (constructed in its slot, or its address) unless it is polled in place,
/// enters its state, and opens the resume block up to the pending return.
/// One line per element; the caller indents and closes the block.
std::vector<std::string> Emitter::suspendLines(const WaitPoint &W,
                                               unsigned Number) {
  const WaitSlot &Slot = Slots[Number - 1];
  std::string Label = "resume_wait" + std::to_string(Number);
  std::vector<std::string> Lines;
  // The future's temporaries are made with it, and outlive it.
  SmallVector<StringRef> Resets;
  std::string Started =
      startTemporaries(Slot.Kept, W.Future->getBeginLoc());
  StringRef(Started).split(Resets, '\n', -1, /*KeepEmpty=*/false);
  for (StringRef Reset : Resets)
    Lines.push_back(Reset.str());
  std::string PollCall;
  switch (W.Storage) {
  case FutureStorage::Temporary:
    Lines.push_back("::new (&" + Slot.Member + ") auto(" + Slot.Future +
                    ");");
    Live.push_back({Slot.Member, Slot.NeedsDestruction
                                     ? destroyCall(Slot.Member, Slot.Type)
                                     : ""});
    PollCall = Slot.Member + ".poll(" + ContextVar + ")";
    break;
  case FutureStorage::Pointer:
    Lines.push_back(Slot.Member + " = corofy::frame::address(" +
                    Slot.Future + ");");
    PollCall = Slot.Member + "->poll(" + ContextVar + ")";
    break;
  case FutureStorage::InPlace:
    PollCall = Slot.Future + ".poll(" + ContextVar + ")";
    break;
  }
  Lines.push_back(
      resumeState(Number, lineOf(SM, W.Call->getBeginLoc()), Label));
  Lines.push_back(Label + ": {");
  Lines.push_back("  auto " + Slot.Polled + " = " + PollCall + ";");
  Lines.push_back("  if (" + Slot.Polled + ".is_pending())");
  Lines.push_back("    " + pendingReturn());
  return Lines;
}

/// After the resume block: a future constructed in its slot dies; returns
/// the statement that destroys it, if it has a destructor.
std::string Emitter::releaseFuture(const WaitPoint &W, unsigned Number) {
  const WaitSlot &Slot = Slots[Number - 1];
  if (W.Storage != FutureStorage::Temporary)
    return "";
  Live.erase(llvm::find_if(Live, [&](const FrameObject &Object) {
    return Object.Member == Slot.Member;
  }));
  return Slot.NeedsDestruction ? destroyCall(Slot.Member, Slot.Type) : "";
}

void Emitter::emitWait(const WaitPoint &W, unsigned Index, bool &OpenedBrace) {
  std::string Indent = lineIndent(SM, W.Statement->getBeginLoc());

  std::string Out;
  llvm::raw_string_ostream OS(Out);
  OS << llvm::join(suspendLines(W, Index), "\n" + Indent) << "\n";

  // The statement itself, with wait(...) already replaced by the value.
  bool IsHoistedInit = false;
  if (W.Use == WaitUse::Initialize) {
    const auto *Var =
        cast<VarDecl>(cast<DeclStmt>(W.Statement)->getSingleDecl());
    if (Members.count(Var)) {
      IsHoistedInit = true;
      OS << Indent << "  " << construction(Var) << "\n";
      Live.push_back(objectFor(Members.find(Var)->second));
    }
  }
  std::string Statement =
      text(statementRange(W.Statement, SM, LangOpts));
  bool LocalInit = W.Use == WaitUse::Initialize && !IsHoistedInit;
  std::string After;
  if (std::string Release = releaseFuture(W, Index); !Release.empty())
    After += "\n" + Indent + Release;
  // The statement is the wait's full-expression: its temporaries die now.
  if (std::string Drop = dropTemporaries(Slots[Index - 1].Kept); !Drop.empty())
    After += "\n" + Indent + indentLines(StringRef(Drop).rtrim(), Indent);
  if (W.Use == WaitUse::Return) {
    OS << Indent << "  " << indentLines(Statement, Indent + "  ") << "\n"
       << Indent << "}";
  } else if (LocalInit) {
    // The local outlives this statement but no wait follows it in its block:
    // the brace opened at the label closes at the end of the block.
    OS << Indent << indentLines(Statement, Indent);
    if (std::string Sync = syncState(W.Statement->getEndLoc()); !Sync.empty())
      After += "\n" + Indent + Sync;
    OS << After;
    OpenedBrace = true;
  } else {
    if (W.Use == WaitUse::Assign)
      OS << Indent << "  " << indentLines(Statement, Indent + "  ") << "\n";
    OS << Indent << "}";
    if (std::string Sync = syncState(W.Statement->getEndLoc()); !Sync.empty())
      After += "\n" + Indent + Sync;
    OS << After;
  }
  // The rest of the statement's source line follows: without a directive it
  // ends the last line written here; with one, it must start a line of its
  // own, which the directive numbers as the statement's last line.
  std::string Directive = lineDirective(W.Statement->getEndLoc());
  OS << "\n" << Directive;
  std::string Result = OS.str();
  if (Directive.empty() && !Result.empty() && Result.back() == '\n')
    Result.pop_back();
  R.ReplaceText(statementRange(W.Statement, SM, LangOpts), Result);
}

/// The last location of a statement, its semicolon included.
SourceLocation statementEnd(const Stmt *S, const SourceManager &SM,
                            const LangOptions &LangOpts) {
  while (true) {
    // A do loop ends with its own `while (...);`.
    if (const auto *If = dyn_cast<IfStmt>(S))
      S = If->getElse() ? If->getElse() : If->getThen();
    else if (const Stmt *Body = isa<DoStmt>(S) ? nullptr : controlBody(S))
      S = Body;
    else if (const auto *Case = dyn_cast<SwitchCase>(S))
      S = Case->getSubStmt();
    else
      break;
  }
  return statementRange(S, SM, LangOpts).getEnd().getLocWithOffset(-1);
}

/// Destroys the frame objects above \p Mark in Live, newest first; returns
/// the statements that do it.
std::string Emitter::popLive(size_t Mark) {
  std::string Text;
  while (Live.size() > Mark) {
    FrameObject Object = Live.back();
    Live.pop_back();
    if (!Object.Destroy.empty())
      Text += Object.Destroy + "\n";
  }
  return Text;
}

/// Rewrites the waits, hoisted declarations and jumps of a block and returns
/// the statements that must follow the block: the destruction of its frame
/// objects. They run after the block's ordinary locals are destroyed, which
/// were all declared after them (a local declared before a wait in its block
/// is a frame object). With \p TailInside (the body or branch of a control
/// statement) they are placed inside the block instead, before its brace.
/// \p AfterStart says that statements were put after the block's opening
/// brace already (a loop's lowered condition).
std::string Emitter::walkBlock(const CompoundStmt *Block, bool EndReachable,
                               bool TailInside, bool AfterStart) {
  size_t LiveMark = Live.size();
  bool OpenedBrace = false;
  for (const Stmt *S : Block->body())
    walkStatement(S, OpenedBrace);

  std::string Indent = lineIndent(SM, Block->getRBracLoc());
  // A brace opened for a local initialized by the block's last wait closes
  // where the block ends.
  // With --line-directives, a line break put before the block's brace is
  // followed by a directive that numbers the brace's line again.
  std::string Resync = lineDirective(Block->getRBracLoc());
  std::string Close = OpenedBrace ? "  }\n" + Resync + Indent : "";
  std::string Tail = popLive(LiveMark);
  if (EndReachable && !Tail.empty())
    if (std::string Sync = syncState(Block->getRBracLoc()); !Sync.empty())
      Tail += Sync + "\n";
  if (!EndReachable)
    Tail.clear();
  if (!TailInside || Tail.empty()) {
    if (!Close.empty())
      R.InsertTextBefore(Block->getRBracLoc(), Close);
    if (!Tail.empty())
      Tail.pop_back(); // the caller ends the last line
    return Tail;
  }
  // The tail inside the block must run after the block's ordinary locals
  // die: when the block has some that a destructor runs for, they get a
  // block of their own.
  bool Wrap = llvm::any_of(Block->body(), [&](const Stmt *S) {
    const auto *Declaration = dyn_cast<DeclStmt>(S);
    return Declaration &&
           llvm::any_of(Declaration->decls(), [&](const Decl *D) {
             const auto *Var = dyn_cast<VarDecl>(D);
             return Var && !Members.count(Var) && !Var->isStaticLocal() &&
                    needsDestruction(Var->getType());
           });
  });
  std::string Text = OpenedBrace ? "  }\n" + Indent : "";
  if (Wrap) {
    // On a line of its own after statements, or it would seem to belong to
    // the `if (!c) break;` before it (-Wmisleading-indentation).
    // (With --line-directives, the start ended with a directive line.)
    R.InsertTextAfterToken(
        Block->getLBracLoc(),
        !AfterStart                ? std::string(" {")
        : Options.LineDirectives ? Indent + "  {"
                                   : "\n" + Indent + "  {");
    Text += "  }\n" + Indent;
  }
  StringRef Lines(Tail);
  while (!Lines.empty()) {
    auto [Line, Rest] = Lines.split('\n');
    Text += "  " + Line.str() + "\n" + Indent;
    Lines = Rest;
  }
  if (!Resync.empty())
    Text.insert(Text.size() - Indent.size(), Resync);
  R.InsertTextBefore(Block->getRBracLoc(), Text);
  return "";
}

/// Rewrites one statement of a block; returns true when it became several
/// statements (and needs braces where it stands alone).
bool Emitter::walkStatement(const Stmt *S, bool &OpenedBrace) {
  // `case 1: stmt` rewrites stmt and keeps the label.
  while (const auto *Case = dyn_cast<SwitchCase>(S))
    S = Case->getSubStmt();
  if (const auto *Inner = dyn_cast<CompoundStmt>(S)) {
    std::string Tail = walkBlock(Inner);
    if (!Tail.empty()) {
      std::string Indent = lineIndent(SM, Inner->getRBracLoc());
      R.InsertTextAfterToken(Inner->getRBracLoc(),
                             "\n" + Indent + indentLines(Tail, Indent));
      return true;
    }
    return false;
  }
  auto Wait = llvm::find_if(C.Waits, [&](const WaitPoint &W) {
    return W.Statement == S && W.Use != WaitUse::Expression;
  });
  if (Wait != C.Waits.end()) {
    emitWait(*Wait, Wait - C.Waits.begin() + 1, OpenedBrace);
    return true;
  }
  if (isa<Expr, DeclStmt, ReturnStmt>(S) && hasExpressionWaits(S))
    return lowerStatement(S);
  if (const auto *Declaration = dyn_cast<DeclStmt>(S)) {
    if (llvm::any_of(Declaration->decls(), [&](const Decl *D) {
          const auto *Var = dyn_cast<VarDecl>(D);
          return Var && Members.count(Var) && !isa<ParmVarDecl>(Var);
        })) {
      emitHoistedDeclaration(Declaration);
      return true;
    }
    return false;
  }
  if (isa<BreakStmt, ContinueStmt>(S))
    return walkJump(S);
  // Each body or branch comes with the token before it, after which a lone
  // statement that becomes several opens its braces.
  if (const auto *If = dyn_cast<IfStmt>(S))
    return walkControl(S, nullptr, {},
                       {{If->getThen(), If->getRParenLoc()},
                        {If->getElse(), If->getElseLoc()}});
  if (const auto *For = dyn_cast<ForStmt>(S))
    return walkControl(S, For->getBody(), For->getRParenLoc(), {});
  if (const auto *While = dyn_cast<WhileStmt>(S))
    return walkControl(S, While->getBody(), While->getRParenLoc(), {});
  if (const auto *Do = dyn_cast<DoStmt>(S))
    return walkControl(S, Do->getBody(), Do->getDoLoc(), {});
  if (const auto *Switch = dyn_cast<SwitchStmt>(S))
    return walkControl(S, Switch->getBody(), Switch->getRParenLoc(), {});
  if (const auto *Range = dyn_cast<CXXForRangeStmt>(S))
    return walkRangeFor(Range);
  if (const auto *Try = dyn_cast<CXXTryStmt>(S))
    return walkTry(Try);
  return false;
}

/// `break;` and `continue;` leave scopes whose frame objects must die first:
/// they are destroyed, and the state records what is left.
bool Emitter::walkJump(const Stmt *Jump) {
  bool IsContinue = isa<ContinueStmt>(Jump);
  for (auto Target = Targets.rbegin(); Target != Targets.rend(); ++Target) {
    if (IsContinue && !Target->AcceptsContinue)
      continue;
    std::vector<std::string> Kept;
    std::string Text;
    size_t Mark = IsContinue ? Target->ContinueMark : Target->Mark;
    for (size_t I = 0; I < Live.size(); ++I)
      if (!Live[I].Destroy.empty()) {
        if (I < Mark)
          Kept.push_back(Live[I].Destroy);
        else
          Text = Live[I].Destroy + " " + Text;
      }
    bool ToLabel = IsContinue && !Target->ContinueLabel.empty();
    if (ToLabel)
      UnusedLabels.erase(Target->ContinueLabel);
    if (Text.empty() && !ToLabel)
      return false;
    if (!Text.empty())
      Text += newLineState(Jump->getBeginLoc(), Kept, Mark) + " ";
    Text = "{ " + Text +
           (ToLabel ? "goto " + Target->ContinueLabel + "; }"
                    : IsContinue ? "continue; }"
                                 : "break; }");
    R.ReplaceText(statementRange(Jump, SM, LangOpts), Text);
    return false; // already one statement
  }
  return false;
}

/// Constructs the hoisted variables declared in the init-statement or
/// condition of \p Control; returns the statements that do it, to be placed
/// before the statement, and leaves in the header what stays there.
std::string Emitter::hoistHeader(const Stmt *Control) {
  const Stmt *Init = nullptr;
  const DeclStmt *Condition = nullptr;
  if (const auto *For = dyn_cast<ForStmt>(Control))
    Init = For->getInit();
  else if (const auto *If = dyn_cast<IfStmt>(Control)) {
    Init = If->getInit();
    Condition = If->getConditionVariableDeclStmt();
  } else if (const auto *Switch = dyn_cast<SwitchStmt>(Control)) {
    Init = Switch->getInit();
    Condition = Switch->getConditionVariableDeclStmt();
  } else if (const auto *Range = dyn_cast<CXXForRangeStmt>(Control)) {
    Init = Range->getInit();
  }
  auto Hoisted = [&](const Stmt *S) {
    const auto *Declaration = dyn_cast_or_null<DeclStmt>(S);
    return Declaration &&
           llvm::any_of(Declaration->decls(), [&](const Decl *D) {
             const auto *Var = dyn_cast<VarDecl>(D);
             return Var && Members.count(Var);
           });
  };
  std::string Text;
  // Removes the init-statement from the header: `for (int i = 0; ...)`
  // becomes `for (; ...)`, `if (T x; c)` becomes `if (c)`.
  auto RemoveInit = [&] {
    if (isa<CXXForRangeStmt>(Control))
      return; // walkRangeFor rewrites the whole header
    if (isa<ForStmt>(Control)) {
      R.ReplaceText(statementRange(Init, SM, LangOpts), ";");
      return;
    }
    const Stmt *Next = Condition;
    if (!Next)
      Next = isa<IfStmt>(Control) ? cast<IfStmt>(Control)->getCond()
                                  : cast<SwitchStmt>(Control)->getCond();
    R.ReplaceText(CharSourceRange::getCharRange(
                      SM.getSpellingLoc(Init->getBeginLoc()),
                      SM.getSpellingLoc(Next->getBeginLoc())),
                  "");
  };
  // An init-statement that is an expression with waits runs before too.
  if (const auto *E = dyn_cast_or_null<Expr>(Init); E && containsWait(E)) {
    size_t Mark = Live.size();
    Text += lowerDiscarded(E, groupFor(Control));
    Text += popLive(Mark);
    RemoveInit();
  }
  for (const Stmt *Part : {Init, static_cast<const Stmt *>(Condition)}) {
    if (!Hoisted(Part))
      continue;
    for (const Decl *D : cast<DeclStmt>(Part)->decls()) {
      const auto *Var = cast<VarDecl>(D);
      // Waits in the initializer come first; their values die once the
      // variable is made, at the end of its full-expression.
      size_t Mark = Live.size();
      if (containsWait(Var->getInit()))
        lowerExpr(Var->getInit(), groupFor(Control), Text);
      Text += construction(Var) + "\n";
      Text += popLive(Mark);
      Live.push_back(objectFor(Members.find(Var)->second));
    }
    if (Part == Init) {
      RemoveInit();
    } else {
      // `if (T x = e)` tests the constructed x.
      const auto *Var = cast<VarDecl>(Condition->getSingleDecl());
      const Member &M = Members.find(Var)->second;
      R.ReplaceText(charRange(Var->getSourceRange(), SM, LangOpts),
                    M.IsReference ? "*" + M.Name : M.Name);
    }
  }
  if (Text.empty())
    return "";
  if (std::string Sync = syncState(Control->getBeginLoc()); !Sync.empty())
    Text += Sync + "\n";
  return Text;
}

/// A control statement: its header's hoisted variables are constructed
/// before it and destroyed after it; its body (of a loop or switch, which
/// break and continue leave) and branches are rewritten like blocks.
bool Emitter::walkControl(
    const Stmt *S, const Stmt *Body, SourceLocation BodyOpener,
    std::initializer_list<std::pair<const Stmt *, SourceLocation>> Branches) {
  size_t Mark = Live.size();
  std::string Before = hoistHeader(S);

  // Waits in the condition or increment: the condition of if and switch is
  // evaluated before the statement; a loop's is evaluated at the top of its
  // body (`while (true) { ...; if (!c) break; ... }`), a do loop's and an
  // increment at its end, where continue then leads.
  const Expr *Cond = nullptr;
  const Expr *Inc = nullptr;
  if (const auto *If = dyn_cast<IfStmt>(S))
    Cond = If->getCond();
  else if (const auto *Switch = dyn_cast<SwitchStmt>(S))
    Cond = Switch->getCond();
  else if (const auto *While = dyn_cast<WhileStmt>(S))
    Cond = While->getCond();
  else if (const auto *Do = dyn_cast<DoStmt>(S))
    Cond = Do->getCond();
  else if (const auto *For = dyn_cast<ForStmt>(S)) {
    Cond = For->getCond();
    Inc = For->getInc();
  }
  // A condition variable's waits were lowered with its declaration.
  if (Cond && (!containsWait(Cond) ||
               (isa<IfStmt>(S) && cast<IfStmt>(S)->getConditionVariable()) ||
               (isa<SwitchStmt>(S) &&
                cast<SwitchStmt>(S)->getConditionVariable())))
    Cond = nullptr;
  const VarDecl *LoopVar = nullptr;
  if (const auto *While = dyn_cast<WhileStmt>(S))
    LoopVar = While->getConditionVariable();
  else if (const auto *For = dyn_cast<ForStmt>(S))
    LoopVar = For->getConditionVariable();
  if (LoopVar && !Members.count(LoopVar))
    LoopVar = nullptr;
  // A hoisted condition variable of a for loop dies after the increment,
  // so the increment moves into the body as well.
  if (Inc && !containsWait(Inc) && !LoopVar)
    Inc = nullptr;
  std::string BodyStart, BodyEnd, ContinueLabel;
  size_t TargetMark = Live.size();
  if (LoopVar) {
    // `while (T x = e) body` makes x anew for each test:
    //   while (true) { <waits>; x = e; if (!x) { ~x; break; } body; ~x; }
    // and `for (; T x = e; inc)` the same, with inc before ~x.
    const Member &M = Members.find(LoopVar)->second;
    size_t Mark = Live.size();
    if (containsWait(LoopVar->getInit()))
      lowerExpr(LoopVar->getInit(), groupFor(S), BodyStart);
    BodyStart += construction(LoopVar) + "\n";
    BodyStart += popLive(Mark);
    FrameObject Object = objectFor(M);
    std::vector<std::string> Outer = liveDestroys();
    Live.push_back(Object);
    if (std::string Sync = syncState(LoopVar->getBeginLoc()); !Sync.empty())
      BodyStart += Sync + "\n";
    std::string Leave =
        Object.Destroy.empty()
            ? ""
            : Object.Destroy + "\n" +
                  newLineState(LoopVar->getBeginLoc(), Outer, TargetMark) +
                  "\n";
    BodyStart += "if (!(" + (M.IsReference ? "*" + M.Name : M.Name) +
                 ")) {\n" + indentLines("  " + Leave, "  ") + "  break;\n}\n";
    BodyEnd = Leave;
    R.ReplaceText(charRange(LoopVar->getSourceRange(), SM, LangOpts), "true");
    Cond = nullptr;
  }
  if (Cond || Inc) {
    size_t Group = groupFor(S);
    // Evaluates the condition into a bool the statement can test after
    // the condition's temporaries are gone.
    auto Condition = [&](std::string &Out) {
      size_t TempMark = Live.size();
      lowerExpr(Cond, Group, Out);
      std::string Ends = endTemporaries(TempMark, Cond->getEndLoc());
      if (Ends.empty())
        return text(Cond->getSourceRange());
      std::string Path;
      addTemp(Group, "cond", Ctx.BoolTy, false, Path);
      Out += Path + " = static_cast<bool>(" + text(Cond->getSourceRange()) +
             ");\n" + Ends;
      return Path;
    };
    if (isa<IfStmt, SwitchStmt>(S) && Cond) {
      std::string Test;
      if (isa<IfStmt>(S)) {
        Test = Condition(Before);
      } else {
        // The condition is a full-expression: its temporaries die before
        // the body runs (whose statements' temporaries share their
        // storage), once the value switched on is kept.
        size_t TempMark = Live.size();
        lowerExpr(Cond, Group, Before);
        std::string Ends = endTemporaries(TempMark, Cond->getEndLoc());
        Test = text(Cond->getSourceRange());
        if (!Ends.empty()) {
          std::string Path;
          addTemp(Group, "cond", Cond->getType(), false, Path);
          Before += Path + " = " + Test + ";\n" + Ends;
          Test = Path;
        }
      }
      R.ReplaceText(charRange(Cond->getSourceRange(), SM, LangOpts), Test);
    } else if (isa<WhileStmt, ForStmt>(S)) {
      if (Inc) {
        std::string Label = Names.fresh(
            "next" + std::to_string(lineOf(SM, S->getBeginLoc())));
        ContinueLabel = Label;
        UnusedLabels.insert(Label);
        size_t TempMark = Live.size();
        std::string Next = lowerDiscarded(Inc, Group);
        Next += endTemporaries(TempMark, Inc->getEndLoc());
        BodyStart += "{\n";
        BodyEnd = "}\n" + Label + ":\n" + Next + BodyEnd;
        R.ReplaceText(
            withLeadingSpace(charRange(Inc->getSourceRange(), SM, LangOpts),
                             SM),
            "");
      }
      if (Cond) {
        std::string Test = "if (!(" + Condition(BodyStart) + "))\n  break;\n";
        // The Condition() text went before the inner brace of an
        // increment's block; keep the test before it as well.
        if (Inc)
          BodyStart = BodyStart.substr(2) + Test + "{\n";
        else
          BodyStart += Test;
        R.ReplaceText(charRange(Cond->getSourceRange(), SM, LangOpts),
                      isa<WhileStmt>(S) ? "true" : "");
      }
    } else if (isa<DoStmt>(S) && Cond) {
      std::string Label = Names.fresh(
          "next" + std::to_string(lineOf(SM, S->getBeginLoc())));
      ContinueLabel = Label;
      UnusedLabels.insert(Label);
      std::string Next;
      std::string Test = Condition(Next);
      BodyStart = "{\n";
      BodyEnd = "}\n" + Label + ":\n" + Next;
      R.ReplaceText(charRange(Cond->getSourceRange(), SM, LangOpts), Test);
    }
  }

  if (Body) {
    // break leaves a switch too; continue goes on to the enclosing loop.
    // continue to the increment keeps a for loop's condition variable.
    size_t ContinueMark =
        LoopVar && !ContinueLabel.empty() ? TargetMark + 1 : TargetMark;
    Targets.push_back(
        {TargetMark, !isa<SwitchStmt>(S), ContinueLabel, ContinueMark});
    walkSubstatement(Body, BodyOpener, BodyStart, BodyEnd);
    Targets.pop_back();
    if (Live.size() > TargetMark) {
      // A while loop's condition variable, destroyed inside the body.
      Live.resize(TargetMark);
      StateLive = {"?"};
    }
  }
  for (auto [Branch, Opener] : Branches)
    walkSubstatement(Branch, Opener);
  std::string After = popLive(Mark);
  if (!After.empty())
    if (std::string Sync = syncState(statementEnd(S, SM, LangOpts));
        !Sync.empty())
      After += Sync + "\n";
  if (Before.empty() && After.empty() && BodyStart.empty() && BodyEnd.empty())
    return false;
  placeAround(S, Before, After);
  return true;
}

/// Puts \p Before (statements, each ending its line) before \p S and
/// \p After after it, at S's indentation.
void Emitter::placeAround(const Stmt *S, const std::string &Before,
                          std::string After) {
  std::string Indent = lineIndent(SM, S->getBeginLoc());
  // With --line-directives, the statement and the rest of its last line
  // get their lines' numbers again after the inserted lines.
  if (!Before.empty())
    R.InsertTextBefore(S->getBeginLoc(), indentLines(Before, Indent) +
                                             lineDirective(S->getBeginLoc()) +
                                             Indent);
  if (!After.empty()) {
    After.pop_back();
    insertAfterStatement(S, "\n" + Indent + indentLines(After, Indent));
  }
}

/// Puts \p Text after \p S, on S's last line. With --line-directives, the
/// rest of that line then starts a line of its own, numbered again.
void Emitter::insertAfterStatement(const Stmt *S, std::string Text) {
  SourceLocation End = statementEnd(S, SM, LangOpts);
  if (std::string Resync = lineDirective(End); !Resync.empty())
    Text += "\n" + Resync;
  R.InsertTextAfterToken(End, Text);
}

/// A range-based for whose body waits: its hidden range, begin and end
/// variables live across the waits, so it becomes the loop the standard
/// defines it as, over frame members:
///   range_ = &items; begin_ = ...; end_ = ...;
///   for (; begin_ != end_; ++begin_) { auto &x = *begin_; ... }
bool Emitter::walkRangeFor(const CXXForRangeStmt *For) {
  const VarDecl *RangeVar = For->getRangeStmt()
                                ? dyn_cast<VarDecl>(For->getRangeStmt()->getSingleDecl())
                                : nullptr;
  const VarDecl *BeginVar = For->getBeginStmt()
                                ? dyn_cast<VarDecl>(For->getBeginStmt()->getSingleDecl())
                                : nullptr;
  const VarDecl *EndVar = For->getEndStmt()
                              ? dyn_cast<VarDecl>(For->getEndStmt()->getSingleDecl())
                              : nullptr;
  const VarDecl *LoopVar = For->getLoopVariable();
  if (!RangeVar || !BeginVar || !EndVar || !Members.count(BeginVar) ||
      !Members.count(RangeVar) || !Members.count(EndVar)) {
    Targets.push_back({Live.size(), true});
    walkSubstatement(For->getBody(), For->getRParenLoc());
    Targets.pop_back();
    return false;
  }
  size_t Mark = Live.size();
  // Read before the header is rewritten whole, below.
  std::string LoopVarText =
      StringRef(text(CharSourceRange::getCharRange(
                    SM.getSpellingLoc(LoopVar->getBeginLoc()),
                    SM.getSpellingLoc(For->getColonLoc()))))
          .rtrim()
          .str();
  // The init-statement runs first.
  std::string Before = hoistHeader(For);
  if (const auto *Init = dyn_cast_or_null<Expr>(For->getInit());
      Init && !containsWait(Init))
    Before += text(Init->getSourceRange()) + ";\n";
  const Member &Range = Members.find(RangeVar)->second;
  // Waits in the range come first; their values die once the range is
  // made, except what the range keeps (moved into the frame).
  const Expr *RangeInit = For->getRangeInit();
  size_t TempMark = Live.size();
  if (containsWait(RangeInit))
    lowerExpr(RangeInit, groupFor(For), Before);
  std::string RangeText = text(RangeInit->getSourceRange());
  if (Range.IsReference)
    Before += Range.Name + " = std::addressof(" + RangeText + ");\n";
  else
    Before += "::new (" + address(Range.Name, Range.Type) + ") " +
              printType(Range.Type.getUnqualifiedType(), Ctx) + "(" +
              RangeText + ");\n";
  Before += popLive(TempMark);
  Live.push_back(objectFor(Range));
  std::string Of = Range.IsReference ? "(*" + Range.Name + ")" : Range.Name;

  // begin and end as the range-for found them: members, free functions
  // found by ADL, or the bounds of an array.
  QualType RangeType = RangeVar->getType().getNonReferenceType();
  auto Bound = [&](const VarDecl *Var, StringRef Which) {
    if (const auto *Array = Ctx.getAsConstantArrayType(RangeType))
      return Which == "begin" ? Of + " + 0"
                              : Of + " + " +
                                    std::to_string(
                                        Array->getSize().getZExtValue());
    if (isa<CXXMemberCallExpr>(Var->getInit()->IgnoreImplicit()))
      return Of + "." + Which.str() + "()";
    return Which.str() + "(" + Of + ")";
  };
  for (const VarDecl *Var : {BeginVar, EndVar}) {
    const Member &M = Members.find(Var)->second;
    Before += "::new (" + address(M.Name, M.Type) + ") auto(" +
              Bound(Var, Var == BeginVar ? "begin" : "end") + ");\n";
    Live.push_back(objectFor(M));
  }
  if (std::string Sync = syncState(For->getBeginLoc()); !Sync.empty())
    Before += Sync + "\n";
  const std::string &Begin = Members.find(BeginVar)->second.Name;
  const std::string &End = Members.find(EndVar)->second.Name;
  SourceLocation LParen = Lexer::findNextToken(For->getForLoc(), SM, LangOpts)
                              ->getLocation();
  R.ReplaceText(CharSourceRange::getCharRange(LParen.getLocWithOffset(1),
                                              For->getRParenLoc()),
                "; " + Begin + " != " + End + "; ++" + Begin);

  // The loop variable, at the start of each iteration.
  size_t LoopMark = Live.size();
  std::string Start, Finish;
  if (auto It = Members.find(LoopVar); It != Members.end()) {
    const Member &M = It->second;
    if (M.IsReference)
      Start = M.Name + " = std::addressof(*" + Begin + ");";
    else
      Start = "::new (" + address(M.Name, M.Type) + ") " +
              printType(M.Type.getUnqualifiedType(), Ctx) + "(*" + Begin +
              ");";
    FrameObject Object = objectFor(M);
    if (!Object.Destroy.empty()) {
      std::vector<std::string> Kept = liveDestroys();
      Finish = Object.Destroy + "\n" +
               newLineState(For->getEndLoc(), Kept, LoopMark);
    }
    Live.push_back(Object);
    if (std::string Sync = syncState(For->getBeginLoc()); !Sync.empty())
      Start += "\n" + Sync;
  } else {
    Start = LoopVarText + " = *" + Begin + ";";
  }
  Targets.push_back({LoopMark, true});
  walkSubstatement(For->getBody(), For->getRParenLoc(), Start, Finish);
  Targets.pop_back();
  while (Live.size() > LoopMark)
    Live.pop_back();
  // The next line's state records the loop's objects again.
  StateLive = {"?"};

  std::string After = popLive(Mark);
  if (std::string Sync = syncState(statementEnd(For, SM, LangOpts));
      !Sync.empty())
    After += Sync + "\n";
  placeAround(For, Before, After);
  return true;
}

/// A try block around waits. C++ forbids jumping into a try block, so the
/// dispatch jumps to a label before it and a second switch inside it goes
/// on to the wait (as Roslyn does). A handler first destroys the frame
/// objects the try block had alive, as unwinding does for locals.
bool Emitter::walkTry(const CXXTryStmt *Try) {
  const CompoundStmt *Block = Try->getTryBlock();
  auto WalkHandlers = [&](const std::string &Cleanup) {
    for (unsigned I = 0; I < Try->getNumHandlers(); ++I) {
      const auto *Handler =
          cast<CompoundStmt>(Try->getHandler(I)->getHandlerBlock());
      if (!Cleanup.empty()) {
        std::string Indent = lineIndent(SM, Handler->getRBracLoc()) + "  ";
        R.InsertTextAfterToken(Handler->getLBracLoc(),
                               "\n" + Indent + indentLines(Cleanup, Indent));
      }
      walkBlock(Handler, /*EndReachable=*/true, /*TailInside=*/true);
    }
  };
  // A try block without waits may still hold frame objects (moved there
  // for a jump); its handlers must destroy those too.
  bool Waits = containsWait(Block);
  size_t Mark = Live.size();
  std::vector<std::string> Outer = liveDestroys();
  size_t FirstState = States.size();
  std::string Label, Entry;
  if (Waits) {
    Label =
        Names.fresh("try" + std::to_string(lineOf(SM, Try->getBeginLoc())));
    // A fresh state on the way in: the inner switch must not mistake a
    // state left from an earlier pass through the block for a resumption.
    Entry = newLineState(Try->getBeginLoc(), Outer, Mark);
    StateLive = Outer;
  }
  walkBlock(Block, /*EndReachable=*/true, /*TailInside=*/true);

  std::string Dispatch = "switch (" + StateMember + ") {\n";
  std::string Cleanup = "switch (" + StateMember + ") {\n";
  bool AnyCleanup = false;
  for (size_t I = FirstState; I < States.size(); ++I) {
    const State &S = States[I];
    if (!S.ResumeLabel.empty()) {
      std::string Target = Redirect.count(S.Name) ? Redirect.lookup(S.Name)
                                                  : S.ResumeLabel;
      Dispatch += "case " + StateType + "::" + S.Name + ":\n  goto " +
                  Target + ";\n";
      Redirect[S.Name] = Label;
    }
    std::string Destroys;
    for (const std::string &Destroy : S.Destroy)
      if (!llvm::is_contained(Outer, Destroy))
        Destroys += "  " + Destroy + "\n";
    if (!Destroys.empty()) {
      Cleanup += "case " + StateType + "::" + S.Name + ":\n" + Destroys +
                 "  break;\n";
      AnyCleanup = true;
    }
  }
  Dispatch += "default:\n  break;\n}";
  Cleanup += "default:\n  break;\n}\n";
  if (Waits) {
    std::string Indent = lineIndent(SM, Block->getRBracLoc()) + "  ";
    R.InsertTextAfterToken(Block->getLBracLoc(),
                           "\n" + Indent + indentLines(Dispatch, Indent));
  }
  WalkHandlers(AnyCleanup ? Cleanup + newLineState(Try->getBeginLoc(), Outer,
                                                   Mark)
                          : "");
  if (Waits || AnyCleanup)
    StateLive = Outer;
  if (!Waits)
    return false;
  std::string TryIndent = lineIndent(SM, Try->getBeginLoc());
  R.InsertTextBefore(Try->getBeginLoc(),
                     Entry + "\n" + TryIndent + Label + ":\n" + TryIndent);
  return true;
}

/// The body or a branch of a control statement. A lone statement that
/// becomes several is put in braces. \p Start and \p End, when given, are
/// placed at the start and end of the body.
void Emitter::walkSubstatement(const Stmt *S, SourceLocation Opener,
                               const std::string &Start,
                               const std::string &End) {
  if (!S)
    return;
  // A block's closing brace shows how its statement is indented, even when
  // the header that opens it spans several lines.
  const auto *Block = dyn_cast<CompoundStmt>(S);
  std::string OuterIndent =
      lineIndent(SM, Block ? Block->getRBracLoc() : Opener);
  std::string Inner = OuterIndent + "  ";
  auto Indented = [&](const std::string &Text) {
    std::string Result;
    StringRef Lines(Text);
    while (!Lines.empty()) {
      auto [Line, Rest] = Lines.split('\n');
      Result += Inner + Line.str() + "\n";
      Lines = Rest;
    }
    return Result;
  };
  if (Block) {
    if (!Start.empty()) {
      std::string Text = Indented(Start);
      // The block's own line break follows; with --line-directives, after a
      // directive that numbers the rest of the brace's line again.
      std::string Resync = lineDirective(Block->getLBracLoc());
      if (Resync.empty())
        Text.pop_back();
      R.InsertTextAfterToken(Block->getLBracLoc(), "\n" + Text + Resync);
    }
    if (!End.empty())
      R.InsertTextBefore(Block->getRBracLoc(),
                         Indented(End).substr(OuterIndent.size()) +
                             OuterIndent);
    walkBlock(Block, /*EndReachable=*/true, /*TailInside=*/true,
              /*AfterStart=*/!Start.empty());
    return;
  }
  size_t Mark = Live.size();
  bool OpenedBrace = false;
  bool Expanded = walkStatement(S, OpenedBrace);
  std::string Tail = popLive(Mark);
  if (!Tail.empty())
    if (std::string Sync = syncState(statementEnd(S, SM, LangOpts));
        !Sync.empty())
      Tail += Sync + "\n";
  if (!Expanded && !OpenedBrace && Tail.empty() && Start.empty() &&
      End.empty())
    return;
  std::string Indent = lineIndent(SM, S->getBeginLoc());
  std::string Open = " {";
  if (!Start.empty())
    Open += "\n" + Indented(Start) + lineDirective(S->getBeginLoc());
  R.InsertTextAfterToken(Opener, Open);
  std::string Close = OpenedBrace ? "\n" + OuterIndent + "}" : "";
  if (!Tail.empty()) {
    Tail.pop_back();
    Close += "\n" + Indent + indentLines(Tail, Indent);
  }
  if (!End.empty()) {
    std::string EndText = Indented(End);
    EndText.pop_back();
    Close += "\n" + EndText;
  }
  insertAfterStatement(S, Close + "\n" + OuterIndent + "}");
}

//===----------------------------------------------------------------------===//
// Waits inside expressions
//===----------------------------------------------------------------------===//

size_t Emitter::groupFor(const Stmt *S) {
  auto [It, New] = GroupOf.try_emplace(S, TempGroups.size());
  if (New) {
    TempGroup G;
    G.Line = lineOf(SM, S->getBeginLoc());
    G.TypeName = Names.fresh("Temps" + std::to_string(G.Line));
    G.MemberName = Names.fresh("temps" + std::to_string(G.Line) + "_");
    TempGroups.push_back(G);
  }
  return It->second;
}

/// Declares a temporary of the statement's group: a \p Type, or a pointer
/// to one; \p Path receives how the body names it. Returns the type as
/// printed.
std::string Emitter::addTemp(size_t Group, StringRef Base, QualType Type,
                             bool Pointer, std::string &Path,
                             std::string Spelling) {
  TempGroup &G = TempGroups[Group];
  std::string Leaf = Names.fresh(Base);
  Path = G.MemberName + "." + Leaf;
  if (!Spelling.empty()) {
    G.Declarations.push_back("union { " + Spelling + " " + Leaf + "; };");
    return Spelling;
  }
  QualType Stored = outputSpelling(Type.getNonReferenceType())
                        .getUnqualifiedType();
  if (Pointer)
    Stored = Ctx.getPointerType(Type.getNonReferenceType());
  G.Declarations.push_back("union { " + printType(Stored, Ctx, Leaf) + "; };");
  Path = G.MemberName + "." + Leaf;
  return printType(Stored, Ctx);
}

/// The type of \p E (a pointer to it, for \p Pointer) as a frame member
/// declares it, when it depends on a template parameter in a way that only
/// the expression spells: decltype of the expression as written, which
/// names the frame's members (its parameters and hoisted locals) there.
/// Empty when printType spells the type.
std::string Emitter::dependentSpelling(const Expr *E, bool Pointer) const {
  if (!printsAsDependent(E->getType(), Ctx))
    return "";
  std::string Declared = "decltype((" + sourceText(E) + "))";
  if (Pointer)
    return "std::remove_reference_t<" + Declared + "> *";
  return "std::remove_cvref_t<" + Declared + ">";
}

/// \p E as the user wrote it, before any rewriting.
std::string Emitter::sourceText(const Expr *E) const {
  return Lexer::getSourceText(charRange(E->getSourceRange(), SM, LangOpts),
                              SM, LangOpts)
      .str();
}

/// wait() yields corofy::output_t<F>, which reads better as the type F
/// names Output, as written there, unless that spells an expression
/// (`std::conditional_t<std::is_void_v<...>, ...>`, written for the place
/// of F's definition).
QualType Emitter::outputSpelling(QualType Type) const {
  const auto *Alias = Type->getAs<TemplateSpecializationType>();
  if (!Alias || !Alias->isTypeAlias() || Alias->template_arguments().size() != 1)
    return Type;
  const TemplateDecl *Template = Alias->getTemplateName().getAsTemplateDecl();
  if (!Template || Template->getName() != "output_t")
    return Type;
  QualType Future = Alias->template_arguments()[0].getAsType();
  if (const auto *Record = Future.isNull() ? nullptr
                                           : Future->getAsCXXRecordDecl())
    for (const NamedDecl *Found : Record->lookup(&Ctx.Idents.get("Output")))
      if (const auto *Typedef = dyn_cast<TypedefNameDecl>(Found))
        return spellsExpression(Typedef->getUnderlyingType())
                   ? Type
                   : Typedef->getUnderlyingType();
  return Type.getCanonicalType();
}

bool Emitter::containsWait(const Stmt *S) const {
  if (!S || S->getSourceRange().isInvalid())
    return false;
  SourceLocation Begin = SM.getExpansionLoc(S->getBeginLoc());
  SourceLocation End = SM.getExpansionLoc(S->getEndLoc());
  return llvm::any_of(C.Waits, [&](const WaitPoint &W) {
    return SM.isPointWithin(SM.getExpansionLoc(W.Call->getBeginLoc()), Begin,
                            End);
  });
}

const WaitPoint *Emitter::waitAt(const Expr *E, size_t &Index) const {
  E = E->IgnoreParens();
  for (size_t I = 0; I < C.Waits.size(); ++I)
    if (C.Waits[I].Call == E) {
      Index = I;
      return &C.Waits[I];
    }
  return nullptr;
}

/// Destroys the temporaries above \p Mark in Live and records the state;
/// returns the statements that do it.
std::string Emitter::endTemporaries(size_t Mark, SourceLocation Loc) {
  std::string Text = popLive(Mark);
  if (!Text.empty())
    if (std::string Sync = syncState(Loc); !Sync.empty())
      Text += Sync + "\n";
  return Text;
}

namespace {
/// An operand that reads the same whether it is evaluated before or after
/// a later wait of its expression, as far as corofy can tell without
/// alias analysis: literals, names, `this`, and members of those.
bool isStable(const Expr *E) {
  E = E->IgnoreParenImpCasts();
  if (isa<IntegerLiteral, FloatingLiteral, CharacterLiteral, StringLiteral,
          CXXBoolLiteralExpr, CXXNullPtrLiteralExpr, GNUNullExpr,
          CXXThisExpr, UnaryExprOrTypeTraitExpr, CXXDefaultArgExpr,
          CXXDefaultInitExpr, ImaginaryLiteral>(E))
    return true;
  if (const auto *Ref = dyn_cast<DeclRefExpr>(E))
    return !Ref->getType().isVolatileQualified();
  if (const auto *Member = dyn_cast<MemberExpr>(E))
    return !Member->getType().isVolatileQualified() &&
           isStable(Member->getBase());
  return false;
}

/// The operands of \p E in the order corofy evaluates them: left to right,
/// except the right operand of an assignment first (as C++17 does).
std::vector<const Expr *> operandsInOrder(const Expr *E) {
  std::vector<const Expr *> Operands;
  if (const auto *Binary = dyn_cast<BinaryOperator>(E);
      Binary && Binary->isAssignmentOp())
    return {Binary->getRHS(), Binary->getLHS()};
  if (const auto *Op = dyn_cast<CXXOperatorCallExpr>(E)) {
    if (Op->isAssignmentOp() && Op->getNumArgs() == 2)
      return {Op->getArg(1), Op->getArg(0)};
    for (const Expr *Arg : Op->arguments())
      Operands.push_back(Arg);
    return Operands;
  }
  if (const auto *Call = dyn_cast<CXXMemberCallExpr>(E)) {
    if (const auto *Callee =
            dyn_cast<MemberExpr>(Call->getCallee()->IgnoreParens());
        Callee && !Callee->isImplicitAccess())
      Operands.push_back(Callee->getBase());
    for (const Expr *Arg : Call->arguments())
      Operands.push_back(Arg);
    return Operands;
  }
  for (const Stmt *Child : E->children())
    if (const auto *Operand = dyn_cast_or_null<Expr>(Child))
      Operands.push_back(Operand);
  return Operands;
}
} // namespace

/// Evaluates into the frame an operand that a later wait of its expression
/// would otherwise overtake, and makes the expression read it from there.
void Emitter::spill(const Expr *E, size_t Group, std::string &Out) {
  if (E->getSourceRange().isInvalid() || isStable(E))
    return;
  const Expr *Value = E->IgnoreImplicit();
  QualType Type = Value->getType();
  // The operand's own temporaries are made before it, and outlive it.
  Out += startTemporaries(keepTemporaries(Value, Group), Value->getBeginLoc());
  Lowered.insert(E);
  Lowered.insert(Value);
  std::string Source = text(Value->getSourceRange());
  std::string Use;
  if (Type->isVoidType()) {
    Out += Source + ";\n";
    Use = "(void)0";
  } else if (Value->isGLValue() && !Value->refersToBitField()) {
    std::string Path;
    addTemp(Group, "operand", Type, /*Pointer=*/true, Path,
            dependentSpelling(Value, /*Pointer=*/true));
    // std::addressof refuses an xvalue (std::move(s), a member of a
    // temporary); corofy::frame::address takes either.
    Out += Path +
           (Value->isXValue() ? " = corofy::frame::address("
                              : " = std::addressof(") +
           Source + ");\n";
    Use = Value->isXValue() ? "std::move(*" + Path + ")" : "(*" + Path + ")";
    Live.push_back({Path, ""});
  } else {
    std::string Path;
    std::string Printed = addTemp(Group, "operand", Type, false, Path,
                                  dependentSpelling(Value, false));
    Out += "::new (&" + Path + ") " + Printed + "(" + Source + ");\n";
    Use = "std::move(" + Path + ")";
    Out += startObject(Group, Path, Type);
    // An exception before the next wait destroys it.
    if (std::string Sync = syncState(Value->getEndLoc()); !Sync.empty())
      Out += Sync + "\n";
  }
  R.ReplaceText(charRange(Value->getSourceRange(), SM, LangOpts), Use);
}

namespace {
/// \p E without the nodes that leave its object as it is.
const Expr *ignoreSameObject(const Expr *E) {
  while (true) {
    E = E->IgnoreParens();
    if (const auto *Bind = dyn_cast<CXXBindTemporaryExpr>(E))
      E = Bind->getSubExpr();
    else if (const auto *Cast = dyn_cast<ImplicitCastExpr>(E);
             Cast && Cast->getCastKind() == CK_NoOp)
      E = Cast->getSubExpr();
    else
      return E;
  }
}

/// True when the frame can hold a temporary of \p Type: a type the frame
/// class can name, as the analysis requires of hoisted locals.
bool isNameableHere(QualType Type) {
  if (Type->isDependentType())
    return false;
  const auto *Record = Type->getAsCXXRecordDecl();
  return !Record || (!Record->isLambda() && !Record->isLocalClass());
}
} // namespace

/// Collects, in the order they are made, the temporaries \p E materializes
/// for its full-expression that it would destroy at its own end if it
/// became a statement: not those of the waits, spills and branches already
/// lowered (frame storage already), nor those of lambdas and unevaluated
/// operands. \p Conditional: E is evaluated only on some paths of the
/// expression that is becoming a statement.
void Emitter::findTemporaries(const Expr *E, bool Conditional,
                              TemporaryList &Found) const {
  if (!E || Lowered.contains(E))
    return;
  if (isa<LambdaExpr, BlockExpr, StmtExpr, UnaryExprOrTypeTraitExpr,
          CXXTypeidExpr, CXXNoexceptExpr, RequiresExpr,
          ConceptSpecializationExpr, CXXDefaultArgExpr, CXXDefaultInitExpr,
          OpaqueValueExpr>(E))
    return;
  size_t Ignored;
  if (waitAt(E, Ignored))
    return;
  if (const auto *Choice = dyn_cast<BinaryConditionalOperator>(E)) {
    findTemporaries(Choice->getCommon(), Conditional, Found);
    findTemporaries(Choice->getFalseExpr(), true, Found);
    return;
  }
  if (const auto *Choice = dyn_cast<ConditionalOperator>(E)) {
    findTemporaries(Choice->getCond(), Conditional, Found);
    findTemporaries(Choice->getTrueExpr(), true, Found);
    findTemporaries(Choice->getFalseExpr(), true, Found);
    return;
  }
  if (const auto *Binary = dyn_cast<BinaryOperator>(E);
      Binary && Binary->isLogicalOp()) {
    findTemporaries(Binary->getLHS(), Conditional, Found);
    findTemporaries(Binary->getRHS(), true, Found);
    return;
  }
  if (const auto *Temporary = dyn_cast<MaterializeTemporaryExpr>(E)) {
    const Expr *Object = ignoreSameObject(Temporary->getSubExpr());
    if (Lowered.contains(Object) || waitAt(Object, Ignored))
      return; // a value the frame keeps already
    // Its initializer's temporaries are made first.
    findTemporaries(Temporary->getSubExpr(), Conditional, Found);
    // A std::initializer_list's array cannot be handed to one elsewhere.
    if (Temporary->getStorageDuration() == SD_FullExpression &&
        !Temporary->getType()->isArrayType() &&
        isNameableHere(Temporary->getType()) &&
        Temporary->getBeginLoc().isFileID() &&
        Temporary->getEndLoc().isFileID())
      Found.push_back({Temporary, Conditional});
    return;
  }
  // A member call's object may be reached through `.*`, which
  // operandsInOrder does not look into.
  if (isa<CXXMemberCallExpr>(E)) {
    for (const Stmt *Child : E->children())
      findTemporaries(dyn_cast_or_null<Expr>(Child), Conditional, Found);
    return;
  }
  for (const Expr *Operand : operandsInOrder(E))
    findTemporaries(Operand, Conditional, Found);
}

/// Moves the temporaries that \p E materializes into the frame (see
/// findTemporaries): each is constructed where C++ would materialize it,
/// in storage of \p Group, and E reads it there as the same type and value
/// category. Returns them in the order they are made; startTemporaries
/// records them once E's statement is written.
std::vector<KeptTemporary> Emitter::keepTemporaries(const Expr *E,
                                                    size_t Group) {
  TemporaryList Found;
  findTemporaries(E, false, Found);
  std::vector<KeptTemporary> Kept;
  for (auto [Temporary, Conditional] : Found) {
    QualType Type = Temporary->getType();
    KeptTemporary K;
    FrameObject &Temp = K.Object;
    std::string Printed =
        addTemp(Group, "temporary", Type, false, Temp.Member);
    std::string Init = text(Temporary->getSourceRange());
    std::string Made = "::new (" + address(Temp.Member, Type) + ") ";
    // `auto` when the initializer as written has the type already (no
    // implicit conversion makes the temporary).
    const Expr *Written =
        Temporary->getSubExpr()->IgnoreUnlessSpelledInSource();
    if (StringRef(Init).starts_with("{"))
      Made += Printed + Init;
    else if (Written->isPRValue() &&
             Ctx.hasSameUnqualifiedType(Written->getType(), Type))
      Made += "auto(" + Init + ")";
    else
      Made += Printed + "(" + Init + ")";
    if (needsDestruction(Type)) {
      // A flag says whether it was made: an exception can leave the
      // expression after some of its temporaries were made and before
      // others, in whatever order the compiler evaluates them.
      std::string Flag;
      addTemp(Group, "made", Ctx.BoolTy, false, Flag);
      K.Reset = Flag + " = false;";
      Temp.Destroy = destroyCall(Temp.Member, Type);
      if (Conditional || !Branches.empty()) { // made on some paths only
        Temp.Destroy = "if (" + Flag + ") " + Temp.Destroy;
        Temp.DestroyTestsFlag = true;
      } else { // made by the time the expression completes
        Temp.Flag = Flag;
      }
      Made = "corofy::frame::made(" + Flag + ", " + Made + ")";
    }
    // The glvalue the temporary was: an lvalue (of const type, when bound
    // to a const reference) or an xvalue.
    std::string Object = "*" + Made;
    std::string Use;
    if (Type.isVolatileQualified() ||
        (Temporary->isXValue() && Type.isConstQualified()))
      Use = "static_cast<" +
            printType(Temporary->isLValue() ? Ctx.getLValueReferenceType(Type)
                                            : Ctx.getRValueReferenceType(Type),
                      Ctx) +
            ">(" + Object + ")";
    else if (Temporary->isXValue())
      Use = "std::move(" + Object + ")";
    else if (Type.isConstQualified())
      Use = "std::as_const(" + Object + ")";
    else
      Use = "(" + Object + ")";
    R.ReplaceText(charRange(Temporary->getSourceRange(), SM, LangOpts), Use);
    Lowered.insert(Temporary);
    Kept.push_back(K);
  }
  return Kept;
}

/// Records \p Kept as alive; returns the statements that must run before
/// the expression that makes them (at \p Loc): their flags are cleared and
/// the state index records them, so that an exception thrown before the
/// coroutine reaches its next state destroys the ones already made.
std::string Emitter::startTemporaries(const std::vector<KeptTemporary> &Kept,
                                      SourceLocation Loc) {
  std::string Resets;
  for (const KeptTemporary &K : Kept) {
    // In a branch, the flag must be clear on the paths that skip it too.
    if (!K.Reset.empty())
      (Branches.empty() ? Resets : BranchResets) += K.Reset + "\n";
    Live.push_back(K.Object);
  }
  if (std::string Sync = syncState(Loc); !Sync.empty())
    Resets += Sync + "\n";
  return Resets;
}

/// Ends \p Kept, which may have frame objects made after them above them
/// in Live (a local initialized by their full-expression); returns the
/// statements that destroy them, newest first.
std::string Emitter::dropTemporaries(const std::vector<KeptTemporary> &Kept) {
  std::string Text;
  for (const KeptTemporary &K : llvm::reverse(Kept)) {
    Live.erase(llvm::find_if(Live, [&](const FrameObject &Object) {
      return Object.Member == K.Object.Member;
    }));
    if (!K.Object.Destroy.empty())
      Text += K.Object.Destroy + "\n";
  }
  return Text;
}

/// Suspends at a wait inside an expression: the value is stored in the
/// frame until the end of the full-expression, which reads it there.
void Emitter::suspendInExpression(const WaitPoint &W, size_t Index,
                                  size_t Group, std::string &Out,
                                  bool Discarded) {
  WaitSlot &Slot = Slots[Index];
  if (W.Storage != FutureStorage::InPlace)
    Slot.Kept = keepTemporaries(W.Future, Group);
  Slot.Future = text(W.Future->getSourceRange());
  unsigned Number = Index + 1;
  Out += llvm::join(suspendLines(W, Number), "\n") + "\n";
  QualType Type = W.Call->getType();
  std::string Use = "(void)0";
  std::string Path;
  if (!Type->isVoidType() && !Discarded) {
    // The value's type as the future's own type spells it.
    QualType Future = W.Future->getType().getNonReferenceType();
    std::string FutureText =
        printsAsDependent(Future, Ctx)
            ? "decltype(" + sourceText(W.Future) + ")"
            : printType(Future.getUnqualifiedType(), Ctx);
    std::string Spelling = "corofy::output_t<" + FutureText + ">";
    std::string Printed =
        addTemp(Group, "value" + std::to_string(Number) + "_", Type, false,
                Path, Spelling);
    Out += "  ::new (&" + Path + ") " + Printed + "(std::move(" +
           Slot.Polled + ").value());\n";
    Use = "std::move(" + Path + ")";
    if (std::string Made = startObject(Group, Path, Type); !Made.empty())
      Out += "  " + Made;
  }
  Out += "}\n";
  if (std::string Release = releaseFuture(W, Number); !Release.empty())
    Out += Release + "\n";
  if (std::string Sync = syncState(W.Call->getEndLoc()); !Sync.empty())
    Out += Sync + "\n";
  R.ReplaceText(charRange(W.Call->getSourceRange(), SM, LangOpts), Use);
}

/// Lowers the waits under \p E in evaluation order into \p Out: each wait
/// suspends with its value stored in the frame; operands evaluated before a
/// later wait are spilled; the right operand of && and || and the arms of
/// ?: that hold waits become branches. E's text then reads the stored
/// values.
/// An expression evaluated for its effects (an init-statement, a for
/// loop's increment): its waits, then the statement that is left, if any.
std::string Emitter::lowerDiscarded(const Expr *E, size_t Group) {
  std::string Out;
  size_t Index;
  const Expr *Bare = E->IgnoreImplicit();
  bool JustWait = waitAt(Bare, Index) != nullptr;
  lowerExpr(JustWait ? Bare : E, Group, Out, /*Discarded=*/true);
  if (!JustWait)
    Out += text(E->getSourceRange()) + ";\n";
  return Out;
}

/// Records the object of \p Type at \p Path, about to be made, as alive.
/// In a branch (see Branches) it gets a flag that its destruction tests;
/// returns the statement that sets the flag once it is made.
std::string Emitter::startObject(size_t Group, const std::string &Path,
                                 QualType Type) {
  FrameObject &Object = Live.emplace_back();
  Object.Member = Path;
  if (needsDestruction(Type))
    Object.Destroy = destroyCall(Path, Type);
  if (Branches.empty() || Object.Destroy.empty())
    return "";
  std::string Flag;
  addTemp(Group, "made", Ctx.BoolTy, false, Flag);
  BranchResets += Flag + " = false;\n";
  Object.Destroy = "if (" + Flag + ") " + Object.Destroy;
  Object.DestroyTestsFlag = true;
  return Flag + " = true;\n";
}

/// Lowers \p Parts, the right operand of one && or || or the two arms of
/// one ?:, of which a run evaluates one or none, into \p Arms: each part's
/// waits, then \p Finish(part). What a part makes lives, as in C++, to the
/// end of the full-expression, with a flag. Returns the statements that go
/// before the branching `if`: the flags cleared (before the outermost
/// branch) and one state, entered there and left in by every path, that
/// destroys whatever has been made.
std::string Emitter::lowerBranches(
    const std::vector<const Expr *> &Parts,
    const std::function<std::string(const Expr *)> &Finish, size_t Group,
    SourceLocation Loc, std::vector<std::string> &Arms) {
  std::vector<std::string> Before = StateLive;
  // The state entered before the branch and left in after it: it destroys
  // what was alive before, and what the parts made, by their flags. Its
  // list is known once the parts are lowered.
  std::string Enter = newLineState(Loc, {}) + "\n";
  size_t EnterIndex = States.size() - 1;
  Branches.push_back({Live.size(), EnterIndex});
  std::vector<std::string> InEnter = branchMarker(Branches.back());
  std::vector<std::vector<std::string>> Ends;
  for (const Expr *Part : Parts) {
    StateLive = InEnter;
    std::string Inner;
    lowerExpr(Part, Group, Inner);
    Inner += startTemporaries(keepTemporaries(Part, Group),
                              Part->getBeginLoc());
    Inner += Finish(Part);
    Arms.push_back(Inner);
    Ends.push_back(StateLive);
  }
  Branches.pop_back();
  std::vector<std::string> Current = liveDestroys();
  State &Entered = States[EnterIndex];
  Entered.Destroy.assign(Current.rbegin(), Current.rend());
  Entered.Holds.clear();
  for (const FrameObject &Object : Live)
    Entered.Holds.push_back(Object.Member);
  std::string Prefix;
  if (Branches.empty())
    std::swap(Prefix, BranchResets);
  if (Before != Current)
    Prefix += Enter;
  for (size_t I = 0; I < Arms.size(); ++I) {
    if (Ends[I] != InEnter)
      Arms[I] += Enter;
    Arms[I] = indentLines("  " + Arms[I], "  ");
  }
  StateLive = Current;
  return Prefix;
}

/// Evaluates the waits of \p E, in order, into \p Out, and leaves in E's
/// place what reads their values. \p Discarded: E's value is unused.
void Emitter::lowerExpr(const Expr *E, size_t Group, std::string &Out,
                        bool Discarded) {
  if (!E || !containsWait(E))
    return;
  size_t Index = 0;
  if (const WaitPoint *W = waitAt(E, Index)) {
    lowerExpr(W->Call->getArg(0), Group, Out);
    suspendInExpression(*W, Index, Group, Out, Discarded);
    return;
  }
  const Expr *Bare = E->IgnoreParens();
  if (const auto *Binary = dyn_cast<BinaryOperator>(Bare);
      Binary && Binary->isLogicalOp() && containsWait(Binary->getRHS())) {
    lowerExpr(Binary->getLHS(), Group, Out);
    Out += startTemporaries(keepTemporaries(Binary->getLHS(), Group),
                            Binary->getLHS()->getBeginLoc());
    std::string Path;
    addTemp(Group, "cond", Ctx.BoolTy, false, Path);
    Out += Path + " = static_cast<bool>(" +
           text(Binary->getLHS()->getSourceRange()) + ");\n";
    std::vector<std::string> Arms;
    Out += lowerBranches(
        {Binary->getRHS()},
        [&](const Expr *Part) {
          return Path + " = static_cast<bool>(" +
                 text(Part->getSourceRange()) + ");\n";
        },
        Group, Binary->getOperatorLoc(), Arms);
    Out += std::string("if (") + (Binary->getOpcode() == BO_LAnd ? "" : "!") +
           Path + ") {\n" + Arms[0] + "}\n";
    R.ReplaceText(charRange(Bare->getSourceRange(), SM, LangOpts), Path);
    Lowered.insert(Bare);
    return;
  }
  if (const auto *Choice = dyn_cast<ConditionalOperator>(Bare);
      Choice && (containsWait(Choice->getTrueExpr()) ||
                 containsWait(Choice->getFalseExpr()))) {
    lowerExpr(Choice->getCond(), Group, Out);
    Out += startTemporaries(keepTemporaries(Choice->getCond(), Group),
                            Choice->getCond()->getBeginLoc());
    QualType Type = Bare->getType();
    bool Void = Type->isVoidType();
    bool Pointer = !Void && Bare->isLValue() && !Bare->refersToBitField();
    std::string Path, Printed;
    if (!Void)
      Printed = addTemp(Group, "choice", Type, Pointer, Path,
                        dependentSpelling(Bare, Pointer));
    std::vector<std::string> Arms;
    Out += lowerBranches(
        {Choice->getTrueExpr(), Choice->getFalseExpr()},
        [&](const Expr *Part) {
          std::string Source = text(Part->getSourceRange());
          if (Void)
            return Source + ";\n";
          if (Pointer)
            return Path + " = std::addressof(" + Source + ");\n";
          return "::new (&" + Path + ") " + Printed + "(" + Source + ");\n";
        },
        Group, Choice->getQuestionLoc(), Arms);
    Out += "if (" + text(Choice->getCond()->getSourceRange()) + ") {\n" +
           Arms[0] + "} else {\n" + Arms[1] + "}\n";
    std::string Use = Void ? "(void)0"
                      : Pointer ? "(*" + Path + ")"
                                : "std::move(" + Path + ")";
    if (Pointer)
      Live.push_back({Path, ""});
    else if (!Void)
      Out += startObject(Group, Path, Type);
    if (std::string Sync = syncState(Choice->getEndLoc()); !Sync.empty())
      Out += Sync + "\n";
    R.ReplaceText(charRange(Bare->getSourceRange(), SM, LangOpts), Use);
    Lowered.insert(Bare);
    return;
  }
  std::vector<const Expr *> Operands = operandsInOrder(Bare);
  // `(wait(f), x)` discards the value: nothing to keep.
  if (const auto *Comma = dyn_cast<BinaryOperator>(Bare);
      Comma && Comma->getOpcode() == BO_Comma)
    if (const WaitPoint *W = waitAt(ignoreSameObject(Comma->getLHS()), Index)) {
      lowerExpr(W->Call->getArg(0), Group, Out);
      suspendInExpression(*W, Index, Group, Out, /*Discarded=*/true);
      Operands.erase(Operands.begin());
    }
  for (size_t I = 0; I < Operands.size(); ++I) {
    bool LaterWait =
        std::any_of(Operands.begin() + I + 1, Operands.end(),
                    [&](const Expr *Later) { return containsWait(Later); });
    if (containsWait(Operands[I])) {
      lowerExpr(Operands[I], Group, Out);
      // What is left of the operand (mix(x, value) once its wait is done)
      // is still evaluated before the next operand's wait; a wait, && or ?:
      // that was all of it left a read of the frame, which stays put.
      size_t Ignored;
      const Expr *Left = Operands[I]->IgnoreImplicit()->IgnoreParens();
      if (LaterWait && !waitAt(Operands[I], Ignored) && !Lowered.contains(Left))
        spill(Operands[I], Group, Out);
    } else if (LaterWait) {
      spill(Operands[I], Group, Out);
    }
  }
}

/// A statement whose expression holds waits that are not the whole of it:
/// the waits are lowered before it, and its temporaries die after it.
bool Emitter::lowerStatement(const Stmt *S) {
  size_t Group = groupFor(S);
  size_t Mark = Live.size();
  const Expr *Full = nullptr;
  const VarDecl *Var = nullptr;
  if (const auto *E = dyn_cast<Expr>(S))
    Full = E;
  else if (const auto *Return = dyn_cast<ReturnStmt>(S))
    Full = Return->getRetValue();
  else if (const auto *Declaration = dyn_cast<DeclStmt>(S)) {
    Var = dyn_cast<VarDecl>(Declaration->getSingleDecl());
    Full = Var ? Var->getInit() : nullptr;
  }
  std::string Out;
  lowerExpr(Full, Group, Out);
  bool Hoisted = Var && Members.count(Var);
  if (const auto *Return = dyn_cast<ReturnStmt>(S))
    Out += returnText(Return) + "\n";
  else if (Hoisted)
    Out += construction(Var) + "\n";
  else
    Out += text(statementRange(S, SM, LangOpts)) + "\n";
  if (!isa<ReturnStmt>(S)) {
    Out += popLive(Mark);
    if (Hoisted)
      Live.push_back(objectFor(Members.find(Var)->second));
    if (std::string Sync = syncState(S->getEndLoc()); !Sync.empty())
      Out += Sync + "\n";
  } else {
    while (Live.size() > Mark)
      Live.pop_back(); // the return leaves through the frame's exit
  }
  Out.pop_back();
  std::string Indent = lineIndent(SM, S->getBeginLoc());
  // As after a wait statement: the rest of the source line starts a line
  // of its own after the directive.
  std::string Directive = lineDirective(S->getEndLoc());
  if (!Directive.empty())
    Out += "\n" + Directive;
  R.ReplaceText(statementRange(S, SM, LangOpts), indentLines(Out, Indent));
  return true;
}

std::string Emitter::pollText(bool Inline) {
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  const auto *Body = cast<CompoundStmt>(C.Function->getBody());
  // Without a wait the body never polls a child with the context.
  bool Waits = llvm::any_of(
      States, [](const State &S) { return !S.ResumeLabel.empty(); });
  std::string Signature =
      "corofy::Poll<" + OutputText + "> " +
      (Inline ? std::string("poll")
              : FrameClass + templateArgsText() + "::poll") +
      "(" + (Waits ? "" : "[[maybe_unused]] ") + "corofy::Context &" +
      ContextVar + ")";
  if (!Inline) {
    if (C.Template)
      OS << text(C.Template->getTemplateParameters()->getSourceRange())
         << "\n";
    OS << "inline ";
  }
  OS << Signature << " try {\n";
  OS << "  corofy::Poll<" << OutputText << "> " << ResultVar << ";\n";
  OS << "  switch (" << StateMember << ") {\n";
  OS << "  case " << StateType << "::Start:\n    break;\n";
  for (const State &S : States)
    if (!S.ResumeLabel.empty())
      OS << "  case " << StateType << "::" << S.Name << ": // "
         << S.Comment.substr(S.Comment.find("line")) << "\n    goto "
         << (Redirect.count(S.Name) ? Redirect.lookup(S.Name)
                                    : S.ResumeLabel)
         << ";\n";
  OS << "  default:\n    corofy::frame::polled_after_completion(\""
     << DisplayName << "\");\n  }\n";
  // The body as the user wrote it, between its braces.
  OS << "  {\n";
  std::string Inner = text(CharSourceRange::getCharRange(
      Body->getLBracLoc().getLocWithOffset(1), Body->getRBracLoc()));
  for (const auto &Label : UnusedLabels) {
    std::string Line = Label.getKey().str() + ":\n";
    for (size_t At = Inner.find(Line); At != std::string::npos;
         At = Inner.find(Line, At + 1)) {
      size_t LineStart = Inner.rfind('\n', At);
      LineStart = LineStart == std::string::npos ? 0 : LineStart + 1;
      if (StringRef(Inner).slice(LineStart, At).trim().empty()) {
        Inner.erase(LineStart, At + Line.size() - LineStart);
        break;
      }
    }
  }
  StringRef InnerRef(Inner);
  // The body's text starts after its brace; without the rest of the brace's
  // line, it starts on the next line.
  unsigned FirstLineAfterBrace = 0;
  if (InnerRef.starts_with("\n")) {
    InnerRef = InnerRef.drop_front();
    FirstLineAfterBrace = 1;
  }
  if (Options.LineDirectives) {
    PresumedLoc Brace =
        SM.getPresumedLoc(SM.getExpansionLoc(Body->getLBracLoc()));
    OS << llvm::formatv("#line {0} \"{1}\"\n",
                        Brace.getLine() + FirstLineAfterBrace,
                        Brace.getFilename());
  }
  OS << InnerRef.rtrim(" \t");
  if (!InnerRef.rtrim(" \t").ends_with("\n"))
    OS << "\n";
  OS << outputLineDirective();
  OS << "  }\n";
  if (!endsWithReturn(Body)) {
    if (!BodyTail.empty())
      OS << "  " << indentLines(BodyTail, "  ") << "\n";
    if (VoidOutput)
      OS << "  " << ResultVar << ".emplace();\n";
    else
      OS << "  corofy::frame::missing_return(\"" << DisplayName << "\");\n";
  }
  if (!C.Returns.empty())
    OS << DoneLabel << ":\n";
  OS << "  " << DestroyFn << "();\n";
  OS << "  " << StateMember << " = " << StateType << "::Done;\n";
  OS << "  return " << ResultVar << ";\n";
  OS << "} catch (...) {\n";
  OS << "  " << DestroyFn << "();\n";
  OS << "  " << StateMember << " = " << StateType << "::Done;\n";
  OS << "  throw;\n";
  OS << "}\n";
  return Out;
}

std::string Emitter::templateArgsText() const {
  if (!C.Template)
    return "";
  std::string Text = "<";
  bool First = true;
  for (const NamedDecl *Param : *C.Template->getTemplateParameters()) {
    if (!First)
      Text += ", ";
    First = false;
    Text += Param->getName();
    if (Param->isParameterPack())
      Text += "...";
  }
  return Text + ">";
}

std::string Emitter::classText() {
  bool Local = C.hasLocalFrame();
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  PresumedLoc Where = SM.getPresumedLoc(C.Function->getLocation());
  OS << "/// The state machine corofy wrote for the coroutine '" << DisplayName
     << "' (" << llvm::sys::path::filename(Where.getFilename()) << ":"
     << Where.getLine() << ").\n";
  if (C.Template)
    OS << text(C.Template->getTemplateParameters()->getSourceRange()) << "\n";
  OS << "class " << FrameClass << " {\npublic:\n";
  OS << "  using Output = " << OutputText << ";\n\n";

  // Construction from the arguments, and moves before the first poll.
  std::vector<std::string> CtorParams, CtorInits, MoveInits;
  if (C.isMember()) {
    CtorParams.push_back(printType(
        cast<CXXMethodDecl>(C.Function)->getThisType(), Ctx, SelfMember));
    CtorInits.push_back(SelfMember + "(" + SelfMember + ")");
    MoveInits.push_back(SelfMember + "(other." + SelfMember + ")");
  }
  for (const ParmVarDecl *Param : StoredParams) {
    const Member &M = Members.find(Param)->second;
    CtorParams.push_back(M.Declaration);
    bool LValueRef = M.Type->isLValueReferenceType();
    CtorInits.push_back(M.Name + "(" +
                        (LValueRef ? M.Name : "std::move(" + M.Name + ")") +
                        ")");
    MoveInits.push_back(M.Name + "(" +
                        (LValueRef ? "other." + M.Name
                                   : "std::move(other." + M.Name + ")") +
                        ")");
  }
  OS << "  " << (CtorParams.size() == 1 ? "explicit " : "") << FrameClass
     << "(" << llvm::join(CtorParams, ", ") << ")";
  if (!CtorInits.empty())
    OS << "\n      : " << llvm::join(CtorInits, ", ");
  OS << " {}\n";
  OS << "  " << FrameClass << "(" << FrameClass << " &&other)";
  if (!MoveInits.empty())
    OS << "\n      : " << llvm::join(MoveInits, ", ");
  OS << " {\n    if (other." << StateMember << " != " << StateType
     << "::Start)\n      corofy::frame::moved_after_start(\"" << DisplayName
     << "\");\n    other." << StateMember << " = " << StateType
     << "::Done;\n  }\n";
  OS << "  " << FrameClass << " &operator=(" << FrameClass
     << " &&) = delete;\n";
  OS << "  ~" << FrameClass << "() { " << DestroyFn << "(); }\n\n";
  if (Local)
    OS << indentLines("  " + pollText(/*Inline=*/true), "  ");
  else
    OS << "  corofy::Poll<" << OutputText << "> poll(corofy::Context &"
       << ContextVar << ");\n";

  OS << "\nprivate:\n";
  size_t StateCount = States.size() + 2;
  OS << "  enum class " << StateType << " : "
     << (StateCount <= 256 ? "unsigned char" : "unsigned short") << " {\n";
  OS << "    Start, // not started\n";
  for (const State &S : States)
    OS << "    " << S.Name << ", // " << S.Comment << "\n";
  OS << "    Done, // completed\n  };\n\n";

  OS << "  void " << DestroyFn << "() noexcept {\n";
  OS << "    switch (" << StateMember << ") {\n";
  for (const State &S : States) {
    if (S.Destroy.empty())
      continue;
    OS << "    case " << StateType << "::" << S.Name << ":\n";
    for (const std::string &Destroy : S.Destroy)
      OS << "      " << Destroy << "\n";
    OS << "      break;\n";
  }
  OS << "    default:\n      break;\n    }\n  }\n\n";

  OS << "  " << StateType << " " << StateMember << " = " << StateType
     << "::Start;\n";
  if (C.isMember())
    OS << "  " << CtorParams.front() << ";\n";
  for (const ParmVarDecl *Param : StoredParams)
    OS << "  " << Members.find(Param)->second.Declaration << ";\n";
  std::string Structs;
  std::vector<std::string> Lines = segmentLines(
      RootScope->Layout, Structs, "storage shared by what is never alive at once");
  if (!Structs.empty())
    OS << "  " << indentLines(Structs, "  ");
  for (const std::string &Line : Lines)
    OS << "  " << indentLines(Line, "  ") << "\n";
  llvm::erase_if(TempGroups,
                 [](const TempGroup &G) { return G.Declarations.empty(); });
  // In source order: the groups of statements that are whole waits were
  // made before the walk, when their temporaries were kept.
  llvm::stable_sort(TempGroups, [](const TempGroup &A, const TempGroup &B) {
    return A.Line < B.Line;
  });
  if (!TempGroups.empty()) {
    for (const TempGroup &G : TempGroups) {
      OS << "  struct " << G.TypeName
         << " { // the temporaries of the statement at line " << G.Line
         << "\n";
      OS << "    " << G.TypeName << "() {}\n";
      OS << "    ~" << G.TypeName << "() {}\n";
      for (const std::string &Declaration : G.Declarations)
        OS << "    " << Declaration << "\n";
      OS << "  };\n";
    }
    OS << "  union { // the temporaries of one statement at a time\n";
    for (const TempGroup &G : TempGroups)
      OS << "    " << G.TypeName << " " << G.MemberName << ";\n";
    OS << "  };\n";
  }
  OS << "};\n";
  return Out;
}

FrameText Emitter::emit() {
  chooseNames();
  editUses();
  editLambdaCaptures();
  editWaitFutures();
  editReturns();
  const auto *Body = cast<CompoundStmt>(C.Function->getBody());
  BodyTail = walkBlock(Body, !endsWithReturn(Body));

  std::vector<std::string> Args;
  if (C.isMember())
    Args.push_back("this");
  for (const ParmVarDecl *Param : StoredParams)
    Args.push_back(Param->getType()->isLValueReferenceType()
                       ? Param->getName().str()
                       : "std::move(" + Param->getName().str() + ")");
  std::string Construct =
      FrameClass + templateArgsText() + "(" + llvm::join(Args, ", ") + ")";
  std::string Return =
      "  return corofy::Async<" + OutputText + ">(" + Construct + ");\n";

  FrameText Result;
  StateMachine &Machine = Result.Machine;
  Machine.Coroutine = DisplayName;
  Machine.FrameClass = FrameClass;
  PresumedLoc Where = SM.getPresumedLoc(SM.getExpansionLoc(
      C.Function->getLocation()));
  Machine.Location = (llvm::sys::path::filename(Where.getFilename()) + ":" +
                      llvm::Twine(Where.getLine()))
                         .str();
  if (C.isMember())
    Machine.Parameters.push_back(SelfMember);
  for (const ParmVarDecl *Param : StoredParams)
    Machine.Parameters.push_back(Members.find(Param)->second.Name);
  Machine.States.push_back({"Start", "not started", {}, true});
  for (const State &S : States)
    Machine.States.push_back(
        {S.Name, S.Comment, S.Holds, !S.ResumeLabel.empty()});
  Machine.States.push_back({"Done", "completed", {}, false});

  if (C.hasLocalFrame()) {
    Result.Body = "{\n" + outputLineDirective() + "  " +
                  indentLines(classText(), "  ") + Return + "}";
  } else {
    // Internal linkage: another file may have a coroutine of the same name.
    // A directly recursive coroutine names itself in poll() and, in a
    // template, in the types of its wait futures: what names it follows the
    // function's definition, which is its first declaration.
    std::string BeforeFunction, AfterFunction;
    if (!callsItselfUndeclared(C.Function))
      BeforeFunction = classText() + "\n" + pollText(/*Inline=*/false);
    else if (!C.Template) {
      BeforeFunction = classText();
      AfterFunction = pollText(/*Inline=*/false);
    } else {
      BeforeFunction =
          text(C.Template->getTemplateParameters()->getSourceRange()) +
          "\nclass " + FrameClass + ";\n";
      AfterFunction = classText() + "\n" + pollText(/*Inline=*/false);
    }
    Result.BeforeFunction = outputLineDirective() + "namespace {\n" +
                            BeforeFunction + "} // namespace\n\n" +
                            lineDirective(functionRange().getBegin());
    Result.Body = "{\n" + outputLineDirective() + Return + "}";
    if (!AfterFunction.empty())
      Result.Body += "\n\n" + outputLineDirective() + "namespace {\n" +
                     AfterFunction + "} // namespace\n";
  }
  if (Options.LineDirectives) {
    PresumedLoc End =
        SM.getPresumedLoc(SM.getExpansionLoc(C.Function->getEndLoc()));
    Result.Body += llvm::formatv("\n#line {0} \"{1}\"\n", End.getLine(),
                                 End.getFilename());
  }
  return Result;
}

/// The name of \p Function usable as part of an identifier.
std::string identifierFor(const FunctionDecl *Function) {
  std::string Name = Function->getNameAsString();
  for (char &Ch : Name)
    if (!isAlphanumeric(Ch) && Ch != '_')
      Ch = '_';
  return Name;
}

} // namespace

FrameNames nameFrames(const std::vector<Coroutine> &Coroutines,
                      ASTContext &Ctx) {
  FrameNames Frames;
  llvm::StringSet<> Taken;
  for (const Coroutine &C : Coroutines) {
    FrameName Frame;
    std::string Base = identifierFor(C.Function) + "_frame";
    if (C.hasLocalFrame()) {
      // Unique within the function: the emitter's own name scope decides.
      Frame.Name = Base;
      Frames[C.Function] = Frame;
      continue;
    }
    const DeclContext *Scope = C.Function->getDeclContext();
    auto IsFree = [&](StringRef Candidate) {
      std::string Key =
          (Twine(reinterpret_cast<uintptr_t>(Scope)) + ":" + Candidate).str();
      if (Taken.contains(Key))
        return false;
      IdentifierInfo &Id = Ctx.Idents.get(Candidate);
      for (const DeclContext *DC = Scope; DC; DC = DC->getParent())
        if (!DC->lookup(&Id).empty())
          return false;
      Taken.insert(Key);
      return true;
    };
    Frame.Name = Base;
    for (unsigned N = 2; !IsFree(Frame.Name); ++N)
      Frame.Name = Base + "_" + std::to_string(N);
    std::string Qualifier;
    for (const DeclContext *DC = Scope; DC && !DC->isTranslationUnit();
         DC = DC->getParent())
      if (const auto *NS = dyn_cast<NamespaceDecl>(DC);
          NS && !NS->isAnonymousNamespace() && !NS->isInline())
        Qualifier = NS->getName().str() + "::" + Qualifier;
    Frame.QualifiedName = Qualifier + Frame.Name;
    Frame.Nameable = true;
    Frame.DefinitionEnd = C.Function->getEndLoc();
    Frames[C.Function] = Frame;
  }
  return Frames;
}

FrameText emitFrame(const Coroutine &C, const FrameNames &Frames,
                    Rewriter &Scratch, const RewriteOptions &Options) {
  return Emitter(C, Frames, Scratch, Options).emit();
}

} // namespace corofy
