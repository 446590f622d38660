; SPDX-License-Identifier: MIT
; Vireo: ring-3 entry by SYSCALL and the two ways back (SYSRET, IRETQ); SDM Vol. 3A 5.8.8.
%include "asm-offsets.inc"
%include "gprs.inc"

extern syscall_dispatch
global syscall_entry, ret_user_sysret, ret_user_iret, idle_loop

section .text
bits 64

; The user registers go straight into the current EC's struct regs: the stack pointer
; is aimed at its end and the pushes fill it, SYSCALL frame (rsp, rflags, rip) first.
syscall_entry:
    swapgs
    mov [gs:CPU_SCRATCH], rsp
    mov rsp, [gs:CPU_CURRENT]
    add rsp, EC_REGS_END
    ; struct regs: the GPRs, then rip (in RCX), rflags (in R11) and the user's rsp.
    PUSH_REVERSED GPRS, rcx, r11, qword [gs:CPU_SCRATCH]
    mov rsp, [gs:CPU_KSTACK_TOP]
    xor ebp, ebp
    mov rdi, [gs:CPU_CURRENT]
    call syscall_dispatch               ; does not return
    ud2

; ret_user_sysret(struct regs *r): the caller has checked r->rip is canonical and
; sanitized r->rflags, since SYSRET faults in ring 0 otherwise.
ret_user_sysret:
    mov rsp, rdi
    POP_IN_ORDER GPRS, rcx, r11, rsp    ; the GPRs, then rip, rflags and rsp
    swapgs
    o64 sysret

; ret_user_iret(struct regs *r): also restores RCX and R11.
ret_user_iret:
    mov rsp, [gs:CPU_KSTACK_TOP]
    push 0x20 | 3                       ; SEL_UDATA (cpu.h), RPL 3
    push qword [rdi + REGS_RIP + 16]    ; rsp
    push qword [rdi + REGS_RIP + 8]     ; rflags
    push 0x28 | 3                       ; SEL_UCODE64 (cpu.h), RPL 3
    push qword [rdi + REGS_RIP]
    mov [gs:CPU_SCRATCH], rsp
    mov rsp, rdi
    POP_GPRS
    mov rsp, [gs:CPU_SCRATCH]
    swapgs
    iretq

idle_loop:
    sti
    hlt
    jmp idle_loop
