; SPDX-License-Identifier: MIT
; Vireo: application-processor start-up code (SDM Vol. 3A 8.4.4, 9.9). smp.c copies it to
; TRAMP_BASE; a STARTUP IPI with vector TRAMP_BASE >> 12 enters it in real mode.

%define TRAMP_BASE  0x8000
%define REL(x)      (TRAMP_BASE + (x) - ap_tramp_start)
%include "x86.inc"

section .rodata
global ap_tramp_start, ap_tramp_end, ap_tramp_cr3, ap_tramp_stack, ap_tramp_entry
align 16
ap_tramp_start:
bits 16
    cli
    cld
    xor ax, ax
    mov ds, ax
    lgdt [REL(tramp_gdtr)]
    mov eax, cr0
    and eax, ~(CR0_CD | CR0_NW)
    or eax, CR0_PE | CR0_NE
    mov cr0, eax
    jmp dword 0x08:REL(.protected)

bits 32
.protected:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, [REL(ap_tramp_cr3)]        ; the kernel's root table lies below 4 GiB
    ENABLE_LONG_MODE CR4_PGE, CR0_WP
    jmp 0x18:REL(.long_mode)

bits 64
.long_mode:
    xor eax, eax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov rsp, [REL(ap_tramp_stack)]
    xor ebp, ebp
    mov rax, [REL(ap_tramp_entry)]
    call rax                            ; ap_main() does not return
.hang:
    hlt
    jmp .hang

align 8
; Null descriptor, 32-bit code (0x08), data (0x10), 64-bit code (0x18). Accessed bits
; preset: the page is mapped read-only, and loading a descriptor whose Accessed bit is
; clear makes the CPU write it (SDM Vol. 3A 3.4.5.1).
tramp_gdt: dq 0, 0x00cf9b000000ffff, 0x00cf93000000ffff, 0x00209b0000000000
tramp_gdtr:
    dw tramp_gdtr - tramp_gdt - 1
    dd REL(tramp_gdt)
align 8
ap_tramp_cr3:   dq 0
ap_tramp_stack: dq 0
ap_tramp_entry: dq 0
ap_tramp_end:
