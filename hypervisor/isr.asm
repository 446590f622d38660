; SPDX-License-Identifier: MIT
; Vireo: interrupt and exception entry stubs; all 256 vectors reach intr_entry(frame).

%include "gprs.inc"

extern intr_entry

; SDM Vol. 3A 6.15: vectors whose exceptions push an error code.
%define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 \
                      || (v) == 29 || (v) == 30)

section .text
bits 64

%assign v 0
%rep 256
isr_ %+ v:
%if !HAS_ERROR(v)
    push 0
%endif
    push v
    jmp isr_common
%assign v v + 1
%endrep

; Frame layout matches struct frame in intr.h: GPRs, vector, error, then the CPU's frame.
; From ring 3 the kernel's GS base must be swapped in (and out again on the way back).
isr_common:
    test byte [rsp + 24], 3             ; CS of the interrupted context
    jz .kernel_entry
    swapgs
.kernel_entry:
    PUSH_GPRS
    cld
    mov rdi, rsp
    call intr_entry
    POP_GPRS
    add rsp, 16
    test byte [rsp + 8], 3
    jz .kernel_exit
    swapgs
.kernel_exit:
    iretq

section .rodata
global isr_table
isr_table:
%assign v 0
%rep 256
    dq isr_ %+ v
%assign v v + 1
%endrep
