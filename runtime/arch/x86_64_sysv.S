//===- arch/x86_64_sysv.S - Fiber context switch, x86-64 System V ---------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// corofy_fiber_switch(FiberContext *from, const FiberContext *to) saves what
// the System V ABI says a callee must preserve (rbx, rbp, r12-r15, rsp, the
// MXCSR and the x87 control word) into *from, loads the same from *to and
// returns on to's stack. Everything else is caller-saved, so the compiler
// already spilled it around this call.
//
// corofy_fiber_trampoline is where a new context starts: make_fiber_context
// puts its address at the top of the fresh stack, so the first switch
// "returns" into it, with the C++ entry function in r12 and its argument in
// r13. The entry never returns (it switches away for good), hence ud2.
//
//===----------------------------------------------------------------------===//

#include "fiber_context_offsets.h"

        .text

        .globl  corofy_fiber_switch
        .type   corofy_fiber_switch, @function
        .p2align 4
corofy_fiber_switch:
        .cfi_startproc
        // Until the final pop the CFA is rsp + 8, on either stack, so the
        // default CFI describes those instructions.
        movq    %rsp, COROFY_FIBER_CONTEXT_RSP(%rdi)
        movq    %rbx, COROFY_FIBER_CONTEXT_RBX(%rdi)
        movq    %rbp, COROFY_FIBER_CONTEXT_RBP(%rdi)
        movq    %r12, COROFY_FIBER_CONTEXT_R12(%rdi)
        movq    %r13, COROFY_FIBER_CONTEXT_R13(%rdi)
        movq    %r14, COROFY_FIBER_CONTEXT_R14(%rdi)
        movq    %r15, COROFY_FIBER_CONTEXT_R15(%rdi)
        stmxcsr COROFY_FIBER_CONTEXT_MXCSR(%rdi)
        fnstcw  COROFY_FIBER_CONTEXT_X87CW(%rdi)

        movq    COROFY_FIBER_CONTEXT_RSP(%rsi), %rsp
        movq    COROFY_FIBER_CONTEXT_RBX(%rsi), %rbx
        movq    COROFY_FIBER_CONTEXT_RBP(%rsi), %rbp
        movq    COROFY_FIBER_CONTEXT_R12(%rsi), %r12
        movq    COROFY_FIBER_CONTEXT_R13(%rsi), %r13
        movq    COROFY_FIBER_CONTEXT_R14(%rsi), %r14
        movq    COROFY_FIBER_CONTEXT_R15(%rsi), %r15
        ldmxcsr COROFY_FIBER_CONTEXT_MXCSR(%rsi)
        fldcw   COROFY_FIBER_CONTEXT_X87CW(%rsi)
        // Not `ret`: the return stack buffer predicts a return to this
        // context's caller, so a ret would mispredict on every switch. An
        // indirect jump is predicted from its own history instead.
        popq    %r8
        .cfi_adjust_cfa_offset -8
        .cfi_register rip, r8
        jmpq    *%r8
        .cfi_endproc
        .size   corofy_fiber_switch, . - corofy_fiber_switch

        .globl  corofy_fiber_trampoline
        .type   corofy_fiber_trampoline, @function
        .p2align 4
corofy_fiber_trampoline:
        .cfi_startproc
        // The outermost frame of a fiber: unwinders and debuggers stop here
        // instead of walking off the top of the fiber's stack.
        .cfi_undefined rip
        movq    %r13, %rdi
        callq   *%r12
        ud2
        .cfi_endproc
        .size   corofy_fiber_trampoline, . - corofy_fiber_trampoline

        // This object needs no executable stack.
        .section .note.GNU-stack, "", @progbits
