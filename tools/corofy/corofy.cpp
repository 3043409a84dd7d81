//===- corofy.cpp - The corofy command-line tool --------------------------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// A thin driver over lib/Transform: parses the inputs with the flags of a
// compilation database (or the ones after `--`), rewrites their coroutines
// and writes each result atomically, never touching an input.
//
//===----------------------------------------------------------------------===//

#include "corofy/Transform/CoroutineRewriter.h"

#include "UnifiedDiff.h"

#include "clang/Frontend/ASTUnit.h"
#include "clang/Tooling/ArgumentsAdjusters.h"
#include "clang/Tooling/CompilationDatabase.h"
#include "clang/Tooling/Tooling.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace clang::tooling;
using namespace llvm;

static cl::OptionCategory CorofyCategory("corofy options");

static cl::list<std::string> Inputs(cl::Positional, cl::OneOrMore,
                                   cl::desc("<input files>"),
                                   cl::cat(CorofyCategory));

static cl::opt<std::string>
    OutputFile("o",
               cl::desc("Write the result to <file> ('-' for standard "
                        "output). Default: <input>_corofied.<ext> beside "
                        "each input"),
               cl::value_desc("file"), cl::cat(CorofyCategory));

static cl::opt<std::string>
    BuildPath("p",
              cl::desc("Read compiler flags from <build-dir>/"
                       "compile_commands.json"),
              cl::value_desc("build-dir"), cl::cat(CorofyCategory));

static cl::opt<bool> LineDirectives(
    "line-directives",
    cl::desc("Emit #line directives so that compiler errors and debuggers "
             "point at the original source"),
    cl::init(false), cl::cat(CorofyCategory));

enum class EmitKind { Source, Layout, Dot };
static cl::opt<EmitKind> Emit(
    "emit", cl::desc("What to write (default: source)"),
    cl::values(
        clEnumValN(EmitKind::Source, "source",
                   "the rewritten source file"),
        clEnumValN(EmitKind::Layout, "layout",
                   "each coroutine's frame layout (offset and size of "
                   "every member, as the compiler lays it out) and what "
                   "each state holds"),
        clEnumValN(EmitKind::Dot, "dot",
                   "the state machines as a Graphviz graph (one node per "
                   "resumable state, edges labelled with source lines)")),
    cl::init(EmitKind::Source), cl::cat(CorofyCategory));

static cl::opt<corofy::Backend> Backend(
    "backend", cl::desc("What each coroutine becomes (default: state-machine)"),
    cl::values(
        clEnumValN(corofy::Backend::StateMachine, "state-machine",
                   "a class with the frame and a poll() that resumes "
                   "where it left off: no stack, no allocation per wait"),
        clEnumValN(corofy::Backend::Fiber, "fiber",
                   "the body as written, run on a fiber (a stack of its "
                   "own) that parks at each wait; also allows waits in "
                   "lambdas, locals of any type and recursion")),
    cl::init(corofy::Backend::StateMachine), cl::cat(CorofyCategory));

static cl::opt<bool> Check(
    "check",
    cl::desc("Write nothing: compare each output file with what corofy "
             "would write now, print a unified diff of each that is stale "
             "or missing, and exit with status 1 if any is (for generated "
             "files checked into version control)"),
    cl::cat(CorofyCategory));

static cl::opt<std::string> DepFile(
    "depfile",
    cl::desc("Also write a Makefile-style dependency file listing the input "
             "and every file it includes, for build systems to re-run "
             "corofy when any of them changes (one input only)"),
    cl::value_desc("file"), cl::cat(CorofyCategory));

static cl::list<std::string> ExtraArgs(
    "extra-arg",
    cl::desc("Append <flag> to the compiler flags of every input (after "
             "those of a compilation database or '--'); may be repeated"),
    cl::value_desc("flag"), cl::cat(CorofyCategory));

static cl::list<std::string> ExtraArgsBefore(
    "extra-arg-before",
    cl::desc("Like --extra-arg, but put <flag> before the other flags"),
    cl::value_desc("flag"), cl::cat(CorofyCategory));

static cl::extrahelp MoreHelp(R"(
corofy rewrites each function declared to return coroutine<T> into a state
machine class with a poll(corofy::Context&) method; every wait(f) becomes a
point where the coroutine suspends until the future f is ready. Everything
else in the file is kept byte for byte.

Compiler flags come from the arguments after '--', else from the
compile_commands.json of -p <build-dir> or of a parent directory of the
input, else default to -std=c++20. corofy's own headers are always found.

Examples:
  corofy main.cpp                      writes main_corofied.cpp
  corofy main.cpp -o - -- -Iinclude    prints the result
  corofy --emit=layout main.cpp        prints the frame layouts
  corofy --emit=dot main.cpp | dot -Tsvg -o machines.svg
  corofy -p build src/a.cpp src/b.cpp  uses build/compile_commands.json
  corofy --check main.cpp              fails with a diff if main_corofied.cpp
                                       is out of date
  corofy -p build --extra-arg=-DNDEBUG src/a.cpp
                                       adds a flag to the database's
  corofy main.cpp -o out.cpp --depfile out.cpp.d
)");

static void printVersion(raw_ostream &OS) {
  OS << "corofy " COROFY_VERSION " (built with LLVM " LLVM_VERSION_STRING
        ")\n";
}

/// Where corofy's headers are: beside an installed tool, else the source
/// tree it was built from.
static std::string corofyIncludeDir(const char *Argv0) {
  std::string Executable =
      sys::fs::getMainExecutable(Argv0, (void *)&corofyIncludeDir);
  SmallString<256> Installed(sys::path::parent_path(
      sys::path::parent_path(Executable)));
  sys::path::append(Installed, "include");
  SmallString<256> Probe(Installed);
  sys::path::append(Probe, "corofy", "corofy.hpp");
  if (sys::fs::exists(Probe))
    return std::string(Installed);
  return COROFY_SOURCE_INCLUDE_DIR;
}

static std::string defaultOutputName(StringRef Input) {
  SmallString<256> Name(sys::path::parent_path(Input));
  sys::path::append(Name, sys::path::stem(Input) + "_corofied" +
                              sys::path::extension(Input));
  return std::string(Name);
}

static bool hasFlag(const CommandLineArguments &Args, StringRef Prefix) {
  return any_of(Args, [&](const std::string &Arg) {
    return StringRef(Arg).starts_with(Prefix);
  });
}

/// --check: true when \p Output holds \p Text; otherwise prints a diff
/// from the file to \p Text on standard output and says so.
static bool isUpToDate(StringRef Output, StringRef Text) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> Existing =
      MemoryBuffer::getFile(Output, /*IsText=*/true);
  StringRef Old;
  if (Existing)
    Old = (*Existing)->getBuffer();
  else if (Existing.getError() != std::errc::no_such_file_or_directory) {
    WithColor::error(errs(), "corofy")
        << "cannot read '" << Output << "': " << Existing.getError().message()
        << "\n";
    return false;
  }
  if (Existing && Old == Text)
    return true;
  corofy::printUnifiedDiff(outs(), Old, Text,
                           Existing ? Output.str() : "/dev/null",
                           (Output + " (as corofy writes it now)").str());
  WithColor::error(errs(), "corofy")
      << "'" << Output << "' is "
      << (Existing ? "out of date" : "missing")
      << "; run corofy without --check to update it\n";
  return false;
}

/// Make's rule syntax: spaces and '#' escaped with a backslash, '$' as '$$'.
static std::string escapeForMake(StringRef Path) {
  std::string Escaped;
  for (char C : Path) {
    if (C == ' ' || C == '#' || C == '\\')
      Escaped += '\\';
    if (C == '$')
      Escaped += '$';
    Escaped += C;
  }
  return Escaped;
}

/// Writes `Output: Dependencies...` to \p Path, atomically.
static bool writeDepFile(StringRef Path, StringRef Output,
                         const std::vector<std::string> &Dependencies) {
  if (Error E = writeToOutput(Path, [&](raw_ostream &OS) -> Error {
        OS << escapeForMake(Output) << ":";
        for (const std::string &File : Dependencies)
          OS << " \\\n  " << escapeForMake(File);
        OS << "\n";
        return Error::success();
      })) {
    WithColor::error(errs(), "corofy")
        << "cannot write '" << Path << "': " << toString(std::move(E))
        << "\n";
    return false;
  }
  return true;
}

int main(int argc, const char **argv) {
  InitLLVM Init(argc, argv);
  cl::SetVersionPrinter(printVersion);
  cl::HideUnrelatedOptions(CorofyCategory);

  // Flags after `--` form a fixed compilation database; the rest are ours.
  std::string DatabaseError;
  std::unique_ptr<CompilationDatabase> Database =
      FixedCompilationDatabase::loadFromCommandLine(argc, argv, DatabaseError);
  if (!DatabaseError.empty()) {
    WithColor::error(errs(), "corofy") << DatabaseError << "\n";
    return 1;
  }
  if (!cl::ParseCommandLineOptions(
          argc, argv,
          "corofy: turns coroutine<T> functions with wait(f) suspension "
          "points into C++ state machines\n"))
    return 1;

  if (!OutputFile.empty() && Inputs.size() > 1) {
    WithColor::error(errs(), "corofy")
        << "-o can only be used with a single input file\n";
    return 1;
  }
  if (!DepFile.empty() && Inputs.size() > 1) {
    WithColor::error(errs(), "corofy")
        << "--depfile can only be used with a single input file\n";
    return 1;
  }
  if (Backend == corofy::Backend::Fiber && Emit != EmitKind::Source) {
    WithColor::error(errs(), "corofy")
        << "--emit=layout and --emit=dot describe state machines; they "
           "cannot be used with --backend=fiber\n";
    return 1;
  }
  if (Check && Emit != EmitKind::Source) {
    WithColor::error(errs(), "corofy")
        << "--check compares generated source files; it cannot be used "
           "with --emit=layout or --emit=dot\n";
    return 1;
  }
  if (Check && OutputFile == "-") {
    WithColor::error(errs(), "corofy")
        << "--check needs the output file to compare with, not '-o -'\n";
    return 1;
  }

  std::vector<std::string> Sources;
  std::map<std::string, std::string> OutputNames; // absolute input -> output
  for (const std::string &Input : Inputs) {
    if (!sys::fs::is_regular_file(Input)) {
      WithColor::error(errs(), "corofy")
          << "no such file: '" << Input << "'\n";
      return 1;
    }
    // --emit=layout and --emit=dot print unless told where to write.
    std::string Output = !OutputFile.empty() ? OutputFile.getValue()
                         : Emit == EmitKind::Source ? defaultOutputName(Input)
                                                    : "-";
    if (Output != "-" && sys::fs::equivalent(Input, Output)) {
      WithColor::error(errs(), "corofy")
          << "refusing to overwrite the input file '" << Input << "'\n";
      return 1;
    }
    SmallString<256> Real;
    if (std::error_code EC = sys::fs::real_path(Input, Real)) {
      WithColor::error(errs(), "corofy")
          << "cannot read '" << Input << "': " << EC.message() << "\n";
      return 1;
    }
    Sources.push_back(std::string(Real));
    OutputNames[std::string(Real)] = Output;
  }

  if (!Database && !BuildPath.empty()) {
    Database =
        CompilationDatabase::autoDetectFromDirectory(BuildPath, DatabaseError);
    if (!Database) {
      WithColor::error(errs(), "corofy")
          << "cannot read a compilation database from '" << BuildPath
          << "': " << DatabaseError << "\n";
      return 1;
    }
  }
  if (!Database)
    Database = CompilationDatabase::autoDetectFromSource(Sources.front(),
                                                         DatabaseError);
  if (!Database)
    Database = std::make_unique<FixedCompilationDatabase>(
        ".", std::vector<std::string>{});

  ClangTool Tool(*Database, Sources);
  std::string IncludeDir = corofyIncludeDir(argv[0]);
  ArgumentsAdjuster AddCorofyFlags =
      [IncludeDir](const CommandLineArguments &Args, StringRef) {
        CommandLineArguments Adjusted = Args;
        std::vector<std::string> Extra;
        if (!hasFlag(Args, "-std=") && !hasFlag(Args, "--std="))
          Extra.push_back("-std=c++20");
        if (!hasFlag(Args, "-resource-dir"))
          Extra.push_back("-resource-dir=" COROFY_CLANG_RESOURCE_DIR);
        // After the user's own include paths, so theirs win.
        Extra.push_back("-idirafter");
        Extra.push_back(IncludeDir);
        // A coroutine<void> that runs off its end is fine before rewriting;
        // the compiler checks the rewritten file.
        Extra.push_back("-Wno-return-type");
        // Insert after the compiler name so that flags follow it.
        Adjusted.insert(Adjusted.begin() + (Adjusted.empty() ? 0 : 1),
                        Extra.begin(), Extra.end());
        return Adjusted;
      };
  // Every parse of an input sees the same flags: the --extra-arg ones last,
  // so that they win.
  ArgumentsAdjuster InputFlags = combineAdjusters(
      AddCorofyFlags,
      combineAdjusters(getInsertArgumentAdjuster(
                           ExtraArgsBefore, ArgumentInsertPosition::BEGIN),
                       getInsertArgumentAdjuster(ExtraArgs,
                                                 ArgumentInsertPosition::END)));
  Tool.appendArgumentsAdjuster(InputFlags);

  corofy::RewriteOptions Options;
  Options.LineDirectives = LineDirectives;
  Options.Target = Backend;
  corofy::RewriteActionFactory Factory(Options, OutputNames);
  Tool.run(&Factory);

  int Status = 0;
  for (const std::string &Source : Sources) {
    auto Result = Factory.results().find(Source);
    if (Result == Factory.results().end()) {
      // Errors found while parsing or rewriting were printed as they were
      // found; a file that was never parsed has not been reported yet.
      if (!Factory.processed().count(Source))
        WithColor::error(errs(), "corofy")
            << "'" << Source
            << "' was not processed: no compile command could be run for it\n";
      Status = 1;
      continue;
    }
    std::string Text = Result->second;
    const std::vector<corofy::StateMachine> &Machines =
        Factory.machines().at(Source);
    if (Emit == EmitKind::Dot) {
      Text.clear();
      raw_string_ostream OS(Text);
      corofy::printStateGraph(OS, Machines);
    } else if (Emit == EmitKind::Layout) {
      // The layout is the compiler's: parse the rewritten file, in memory,
      // in place of the input and with the input's flags.
      ClangTool Second(*Database, {Source});
      Second.appendArgumentsAdjuster(InputFlags);
      Second.mapVirtualFile(Source, Text);
      std::vector<std::unique_ptr<clang::ASTUnit>> ASTs;
      if (Second.buildASTs(ASTs) != 0 || ASTs.size() != 1 ||
          ASTs.front()->getDiagnostics().hasErrorOccurred()) {
        WithColor::error(errs(), "corofy")
            << "the rewritten '" << Source
            << "' does not compile, so its layout is unknown\n";
        Status = 1;
        continue;
      }
      Text.clear();
      raw_string_ostream OS(Text);
      corofy::printFrameLayouts(OS, ASTs.front()->getASTContext(), Machines);
    }
    const std::string &Output = OutputNames[Source];
    if (Check) {
      if (!isUpToDate(Output, Text))
        Status = 1;
      continue;
    }
    if (Error E = writeToOutput(Output, [&](raw_ostream &OS) -> Error {
          OS << Text;
          return Error::success();
        })) {
      WithColor::error(errs(), "corofy")
          << "cannot write '" << Output << "': " << toString(std::move(E))
          << "\n";
      Status = 1;
      continue;
    }
    if (!DepFile.empty() &&
        !writeDepFile(DepFile, Output, Factory.dependencies().at(Source)))
      Status = 1;
  }
  return Status;
}
