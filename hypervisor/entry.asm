; SPDX-License-Identifier: MIT
; Vireo: ring-3 entry by SYSCALL and the two ways back (SYSRET, IRETQ); SDM Vol. 3A 5.8.8.
%include "asm-offsets.inc"

%define SEL_UCODE64_USER (0x28 | 3)
%define SEL_UDATA_USER (0x20 | 3)

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
    push qword [gs:CPU_SCRATCH]
    push r11
    push rcx
    push r15
    push r14
    push r13
    push r12
    push r11
    push r10
    push r9
    push r8
    push rbp
    push rdi
    push rsi
    push rdx
    push rcx
    push rbx
    push rax
    mov rsp, [gs:CPU_KSTACK_TOP]
    xor ebp, ebp
    mov rdi, [gs:CPU_CURRENT]
    call syscall_dispatch               ; does not return
    ud2

%macro POP_GPRS 0
    pop rax
    pop rbx
    pop rcx
    pop rdx
    pop rsi
    pop rdi
    pop rbp
    pop r8
    pop r9
    pop r10
    pop r11
    pop r12
    pop r13
    pop r14
    pop r15
%endmacro

; ret_user_sysret(struct regs *r): the caller has checked r->rip is canonical and
; sanitized r->rflags, since SYSRET faults in ring 0 otherwise.
ret_user_sysret:
    mov rsp, rdi
    POP_GPRS
    pop rcx                             ; rip
    pop r11                             ; rflags
    pop rsp
    swapgs
    o64 sysret

; ret_user_iret(struct regs *r): also restores RCX and R11.
ret_user_iret:
    mov rsp, [gs:CPU_KSTACK_TOP]
    push SEL_UDATA_USER
    push qword [rdi + REGS_RIP + 16]    ; rsp
    push qword [rdi + REGS_RIP + 8]     ; rflags
    push SEL_UCODE64_USER
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
