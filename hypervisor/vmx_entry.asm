; SPDX-License-Identifier: MIT
; Vireo: VM entry and exit (SDM Vol. 3C 26, 27). The guest's GPRs live in the vCPU's
; struct regs; HOST_RSP points just past them, so the exit's pushes fill them in place.
%include "asm-offsets.inc"
%include "gprs.inc"

extern vmx_exit_handler, vcpu_entry_failed
global vmx_enter, vmx_exit_entry

section .text
bits 64

; vmx_enter(struct regs *r, bool launched)
vmx_enter:
    test esi, esi                       ; POP and MOV leave the flags alone
    mov rsp, rdi
    POP_GPRS
    jnz .resume
    vmlaunch
    jmp .failed
.resume:
    vmresume
.failed:
    mov rsp, [gs:CPU_KSTACK_TOP]
    call vcpu_entry_failed
    ud2

vmx_exit_entry:
    PUSH_GPRS
    mov rsp, [gs:CPU_KSTACK_TOP]
    call vmx_exit_handler
    ud2
