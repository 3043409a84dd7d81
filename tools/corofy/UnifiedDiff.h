//===- UnifiedDiff.h - Line diffs for corofy --check ------------*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_TOOLS_COROFY_UNIFIEDDIFF_H
#define COROFY_TOOLS_COROFY_UNIFIEDDIFF_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

namespace corofy {

/// Prints the changes from \p Old to \p New as a unified diff with three
/// lines of context, under the headers `--- OldName` and `+++ NewName`.
/// Prints nothing when the texts are equal.
void printUnifiedDiff(llvm::raw_ostream &OS, llvm::StringRef Old,
                      llvm::StringRef New, llvm::StringRef OldName,
                      llvm::StringRef NewName);

} // namespace corofy

#endif // COROFY_TOOLS_COROFY_UNIFIEDDIFF_H
