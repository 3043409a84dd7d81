/*===- arch/fiber_context_offsets.h - Saved-register layout -----*- C -*-===*\
|*                                                                          *|
|* Part of corofy, under the Apache License v2.0.                           *|
|*                                                                          *|
|*===----------------------------------------------------------------------===*|
|*                                                                          *|
|* Where the context switch keeps each saved register inside a              *|
|* FiberContext. The assembly (<arch>_<abi>.S) includes this file through   *|
|* the C preprocessor; fiber_context.h checks every offset against the C++  *|
|* struct with static_assert, so the two cannot drift apart.                *|
|*                                                                          *|
\*===----------------------------------------------------------------------===*/

#ifndef COROFY_RUNTIME_ARCH_FIBER_CONTEXT_OFFSETS_H
#define COROFY_RUNTIME_ARCH_FIBER_CONTEXT_OFFSETS_H

#if defined(__x86_64__) && !defined(_WIN32)
/* x86-64 System V: the callee-saved general registers, the stack pointer,
   and the floating-point control state the ABI also makes callee-saved
   (MXCSR's control bits and the x87 control word). */
#define COROFY_FIBER_CONTEXT_RSP 0
#define COROFY_FIBER_CONTEXT_RBX 8
#define COROFY_FIBER_CONTEXT_RBP 16
#define COROFY_FIBER_CONTEXT_R12 24
#define COROFY_FIBER_CONTEXT_R13 32
#define COROFY_FIBER_CONTEXT_R14 40
#define COROFY_FIBER_CONTEXT_R15 48
#define COROFY_FIBER_CONTEXT_MXCSR 56
#define COROFY_FIBER_CONTEXT_X87CW 60
#define COROFY_FIBER_CONTEXT_SIZE 64
#else
#error "corofy fibers: no context switch for this architecture and ABI yet"
#endif

#endif /* COROFY_RUNTIME_ARCH_FIBER_CONTEXT_OFFSETS_H */
