//===- UnifiedDiff.cpp - Line diffs for corofy --check --------------------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// Myers' O((N+M)D) diff over lines: a stale generated file usually differs
// from the fresh one in a few places, so D stays small.
//
//===----------------------------------------------------------------------===//

#include "UnifiedDiff.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <vector>

using namespace llvm;

namespace corofy {
namespace {

enum class EditKind { Keep, Remove, Add };
struct Edit {
  EditKind Kind;
  size_t OldLine, NewLine; // 0-based positions before the edit
};

std::vector<StringRef> splitLines(StringRef Text) {
  std::vector<StringRef> Lines;
  while (!Text.empty()) {
    auto [Line, Rest] = Text.split('\n');
    Lines.push_back(Line);
    Text = Rest;
  }
  return Lines;
}

/// The shortest edit script from \p A to \p B, in order.
std::vector<Edit> diffLines(ArrayRef<StringRef> A, ArrayRef<StringRef> B) {
  const long N = A.size(), M = B.size(), Offset = N + M + 1;
  // Furthest x reached on each diagonal k = x - y, and a copy per step D
  // for the walk back.
  std::vector<long> Far(2 * Offset + 1, 0);
  std::vector<std::vector<long>> Trace;
  long X = 0, Y = 0;
  for (long D = 0; D <= N + M; ++D) {
    Trace.push_back(Far);
    bool Reached = false;
    for (long K = -D; K <= D && !Reached; K += 2) {
      bool Down = K == -D || (K != D && Far[Offset + K - 1] <
                                            Far[Offset + K + 1]);
      X = Down ? Far[Offset + K + 1] : Far[Offset + K - 1] + 1;
      Y = X - K;
      while (X < N && Y < M && A[X] == B[Y])
        ++X, ++Y;
      Far[Offset + K] = X;
      Reached = X >= N && Y >= M;
    }
    if (Reached)
      break;
  }

  std::vector<Edit> Edits;
  X = N, Y = M;
  for (long D = static_cast<long>(Trace.size()) - 1; D >= 0; --D) {
    const std::vector<long> &Before = Trace[D];
    long K = X - Y;
    bool Down = K == -D || (K != D && Before[Offset + K - 1] <
                                          Before[Offset + K + 1]);
    long PrevK = Down ? K + 1 : K - 1;
    long PrevX = D == 0 ? 0 : Before[Offset + PrevK];
    long PrevY = D == 0 ? 0 : PrevX - PrevK;
    while (X > PrevX && Y > PrevY) {
      --X, --Y;
      Edits.push_back({EditKind::Keep, size_t(X), size_t(Y)});
    }
    if (D > 0) {
      if (Down)
        Edits.push_back({EditKind::Add, size_t(PrevX), size_t(PrevY)});
      else
        Edits.push_back({EditKind::Remove, size_t(PrevX), size_t(PrevY)});
    }
    X = PrevX, Y = PrevY;
  }
  std::reverse(Edits.begin(), Edits.end());
  return Edits;
}

/// `-12,3` style: the first line (1-based) and the count; an empty range
/// names the line before it, as diff(1) does.
std::string rangeText(size_t First, size_t Count) {
  return formatv("{0},{1}", Count == 0 ? First : First + 1, Count).str();
}

} // namespace

void printUnifiedDiff(raw_ostream &OS, StringRef Old, StringRef New,
                      StringRef OldName, StringRef NewName) {
  std::vector<StringRef> A = splitLines(Old), B = splitLines(New);
  std::vector<Edit> Edits = diffLines(A, B);
  const size_t Context = 3;
  bool HeaderDone = false;
  size_t I = 0, PreviousEnd = 0;
  while (I < Edits.size()) {
    // The next change, with up to Context kept lines before it.
    while (I < Edits.size() && Edits[I].Kind == EditKind::Keep)
      ++I;
    if (I == Edits.size())
      break;
    size_t Begin = std::max(I >= Context ? I - Context : 0, PreviousEnd);
    // Extend while the next change is within 2 * Context kept lines.
    size_t End = I;
    for (;;) {
      while (End < Edits.size() && Edits[End].Kind != EditKind::Keep)
        ++End;
      size_t Kept = End;
      while (Kept < Edits.size() && Edits[Kept].Kind == EditKind::Keep &&
             Kept - End < 2 * Context)
        ++Kept;
      if (Kept < Edits.size() && Edits[Kept].Kind != EditKind::Keep) {
        End = Kept;
        continue;
      }
      End = std::min(End + Context, Kept);
      break;
    }
    if (!HeaderDone) {
      OS << "--- " << OldName << "\n+++ " << NewName << "\n";
      HeaderDone = true;
    }
    size_t OldCount = 0, NewCount = 0;
    for (size_t J = Begin; J < End; ++J) {
      OldCount += Edits[J].Kind != EditKind::Add;
      NewCount += Edits[J].Kind != EditKind::Remove;
    }
    OS << "@@ -" << rangeText(Edits[Begin].OldLine, OldCount) << " +"
       << rangeText(Edits[Begin].NewLine, NewCount) << " @@\n";
    for (size_t J = Begin; J < End; ++J) {
      const Edit &E = Edits[J];
      switch (E.Kind) {
      case EditKind::Keep:
        OS << " " << A[E.OldLine] << "\n";
        break;
      case EditKind::Remove:
        OS << "-" << A[E.OldLine] << "\n";
        break;
      case EditKind::Add:
        OS << "+" << B[E.NewLine] << "\n";
        break;
      }
    }
    I = PreviousEnd = End;
  }
}

} // namespace corofy
