; SPDX-License-Identifier: MIT
; Vireo: ring-3 entry by SYSCALL and the ways back (SYSRET, IRETQ); SDM Vol. 3A 5.8.8.
%include "asm-offsets.inc"
%include "gprs.inc"

extern syscall_dispatch, ipc_call_fast, ipc_reply_fast
global syscall_entry, ret_user_sysret, ret_user_iret, ret_user_portal, ret_user_reply, idle_loop

section .text
bits 64

; The user registers go straight into the current EC's struct regs: the stack pointer
; is aimed at its end and the pushes fill it, SYSCALL frame (rsp, rflags, rip) first.
; Hypercalls may clobber RCX, RDX, RSI, R8-R11 (include/vireo/hypercall.h), so call and
; reply without flags (RAX 0 and 1) save less: a call only the frame and IPC_KEPT; a
; reply of a local EC nothing at all, as the EC never resumes from it (the next call
; starts it afresh). A global EC's reply has no caller and comes back: the slow path.
; The flags of the first CMP survive to the JB (MOV, LEA and PUSH leave them alone).
syscall_entry:
    swapgs
    cmp rax, HC_REPLY
    je .reply
.save:
    mov [gs:CPU_SCRATCH], rsp
    mov rsp, [gs:CPU_CURRENT]
    lea rsp, [rsp + EC_REGS_END]
    PUSH_REVERSED IPC_KEPT, rcx, r11, qword [gs:CPU_SCRATCH]
    mov rdi, [gs:CPU_CURRENT]
    jb .call                            ; RAX 0
    PUSH_REVERSED CLOBBERED
    mov rsp, [gs:CPU_KSTACK_TOP]
    xor ebp, ebp
    call syscall_dispatch               ; does not return
.call:
    mov rsp, [gs:CPU_KSTACK_TOP]
    call ipc_call_fast                  ; does not return
.reply:
    mov rdi, [gs:CPU_CURRENT]
    cmp byte [rdi + EC_GLOBAL], 0
    jne .global
    mov rsp, [gs:CPU_KSTACK_TOP]
    call ipc_reply_fast                 ; does not return
.global:
    xor edi, edi                        ; no kernel pointer in its RDI; CF = 0: not below
    jmp .save

; ret_user_sysret(struct regs *r): the caller has checked r->rip is canonical and
; sanitized r->rflags, since SYSRET faults in ring 0 otherwise.
ret_user_sysret:
    mov rsp, rdi
    POP_IN_ORDER GPRS, rcx, r11, rsp    ; the GPRs, then rip, rflags and rsp
    swapgs
    o64 sysret

; ret_user_portal(ip, sp, id): a portal's handler starts afresh at ip on stack sp with
; RDI = id and every other register zero: nothing of its caller or the kernel leaks.
ret_user_portal:
    mov rcx, rdi
    mov rsp, rsi
    mov rdi, rdx
    mov r11d, RFLAGS_USER
    ZERO ebx, ebp, r12d, r13d, r14d, r15d
    jmp ret_user_reply.clobbered

; ret_user_reply(struct regs *r): a caller gets back what the ABI preserves; RAX = 0
; (SUCCESS) and the other registers zero, so nothing of the handler leaks.
ret_user_reply:
    lea rsp, [rdi + REGS_RBX]
    POP_IN_ORDER ABI_KEPT, rcx, r11, rsp
    xor edi, edi
.clobbered:
    ZERO eax, edx, esi, r8d, r9d, r10d
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
