//===- TransformTest.cpp - Unit tests of lib/Transform --------------------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#include "CoroutineAnalysis.h"
#include "corofy/Transform/CoroutineRewriter.h"

#include "clang/AST/ASTContext.h"
#include "clang/Frontend/ASTUnit.h"
#include "clang/Tooling/Tooling.h"
#include "gtest/gtest.h"

#include <memory>
#include <string>

using namespace clang;

namespace {

std::unique_ptr<ASTUnit> parse(const std::string &Code) {
  std::vector<std::string> Args = {
      "-std=c++20", "-I" COROFY_SOURCE_INCLUDE_DIR,
      "-resource-dir=" COROFY_CLANG_RESOURCE_DIR, "-Wno-return-type"};
  return tooling::buildASTFromCodeWithArgs(
      "#include <corofy/corofy.hpp>\n" + Code, Args, "input.cpp");
}

const std::string Leaf = R"(
struct Leaf {
  using Output = int;
  corofy::Poll<int> poll(corofy::Context &) { return corofy::Poll<int>::ready(1); }
};
)";

std::vector<std::string> coroutineNames(ASTUnit &AST) {
  std::vector<std::string> Names;
  for (const corofy::Coroutine &C : corofy::analyzeMainFile(AST.getASTContext()))
    Names.push_back(C.Function->getNameAsString());
  return Names;
}

TEST(CoroutineDetection, FindsFunctionsDeclaredToReturnCoroutine) {
  auto AST = parse(Leaf + R"(
template <class T> using task = corofy::coroutine<T>;
coroutine<int> plain() { return 1; }
corofy::coroutine<void> qualified() {}
task<long> throughAlias() { return 2; }
corofy::Async<int> boxed() { return corofy::Ready<int>(3); }
int ordinary() { return 4; }
coroutine<int> declaredOnly();
)");
  ASSERT_TRUE(AST);
  EXPECT_EQ(coroutineNames(*AST),
            (std::vector<std::string>{"plain", "qualified", "throughAlias"}));
}

TEST(CoroutineDetection, OutputTypeIsTheArgumentAsWritten) {
  auto AST = parse("#include <string>\ncoroutine<std::string> f() { return \"\"; }");
  ASSERT_TRUE(AST);
  auto Coroutines = corofy::analyzeMainFile(AST->getASTContext());
  ASSERT_EQ(Coroutines.size(), 1u);
  EXPECT_EQ(Coroutines[0].Output.getAsString(), "std::string");
}

TEST(WaitDetection, OnlyCallsOfCorofyWaitAreSuspensionPoints) {
  auto AST = parse(Leaf + R"(
namespace mine { int wait(int x) { return x; } }
coroutine<int> f() {
  int a = mine::wait(1);
  int b = wait(Leaf{});
  return a + b;
}
)");
  ASSERT_TRUE(AST);
  auto Coroutines = corofy::analyzeMainFile(AST->getASTContext());
  ASSERT_EQ(Coroutines.size(), 1u);
  ASSERT_EQ(Coroutines[0].Waits.size(), 1u);
  EXPECT_EQ(Coroutines[0].Waits[0].Use, corofy::WaitUse::Initialize);
  EXPECT_EQ(Coroutines[0].Waits[0].Storage, corofy::FutureStorage::Temporary);
}

TEST(Hoisting, OnlyLocalsWhoseScopeSpansAWaitMoveIntoTheFrame) {
  auto AST = parse(Leaf + R"(
coroutine<int> f() {
  int before = 1;
  int fromWait = wait(Leaf{});
  { int inner = 2; (void)inner; }
  int spans = 3;
  wait(Leaf{});
  int after = 4;
  return before + fromWait + spans + after;
}
)");
  ASSERT_TRUE(AST);
  auto Coroutines = corofy::analyzeMainFile(AST->getASTContext());
  ASSERT_EQ(Coroutines.size(), 1u);
  std::vector<std::string> Hoisted, Ordinary;
  for (const corofy::LocalVar &Local : Coroutines[0].Locals)
    (Local.hoisted() ? Hoisted : Ordinary)
        .push_back(Local.Var->getNameAsString());
  EXPECT_EQ(Hoisted, (std::vector<std::string>{"before", "fromWait", "spans"}));
  EXPECT_EQ(Ordinary, (std::vector<std::string>{"inner", "after"}));
}

TEST(Rewrite, IsDeterministic) {
  std::string Code = Leaf + R"(
coroutine<int> g(int x) { int y = wait(Leaf{}); return x + y; }
coroutine<int> f() { int a = wait(g(1)); int b = wait(g(2)); return a + b; }
)";
  auto First = parse(Code), Second = parse(Code);
  ASSERT_TRUE(First && Second);
  llvm::Expected<std::string> A =
      corofy::rewriteMainFile(First->getASTContext(), {});
  llvm::Expected<std::string> B =
      corofy::rewriteMainFile(Second->getASTContext(), {});
  ASSERT_TRUE(bool(A)) << llvm::toString(A.takeError());
  ASSERT_TRUE(bool(B)) << llvm::toString(B.takeError());
  EXPECT_EQ(*A, *B);
  EXPECT_NE(A->find("class f_frame {"), std::string::npos);
  EXPECT_NE(A->find("g_frame wait1_;"), std::string::npos);
}

TEST(Rewrite, ReportsUnsupportedWaitsAsAnError) {
  auto AST = parse(Leaf + R"(
coroutine<int> f(bool b) {
  try {
    return 1;
  } catch (...) {
    return wait(Leaf{});
  }
}
)");
  ASSERT_TRUE(AST);
  DiagnosticsEngine &Diags = AST->getASTContext().getDiagnostics();
  // The parse's own printer has finished with its source file; count the
  // rewrite's reports with a consumer of our own.
  Diags.setClient(new IgnoringDiagConsumer(), /*ShouldOwnClient=*/true);
  unsigned Before = Diags.getNumErrors();
  llvm::Expected<std::string> Result =
      corofy::rewriteMainFile(AST->getASTContext(), {});
  ASSERT_FALSE(bool(Result));
  EXPECT_EQ(llvm::toString(Result.takeError()), "1 problem(s) reported");
  EXPECT_EQ(Diags.getNumErrors(), Before + 1);
}

TEST(Rewrite, LeavesAFileWithoutCoroutinesUnchanged) {
  std::string Code = "int main() { return 0; }\n";
  auto AST = parse(Code);
  ASSERT_TRUE(AST);
  llvm::Expected<std::string> Result =
      corofy::rewriteMainFile(AST->getASTContext(), {});
  ASSERT_TRUE(bool(Result));
  EXPECT_EQ(*Result, "#include <corofy/corofy.hpp>\n" + Code);
}

} // namespace
