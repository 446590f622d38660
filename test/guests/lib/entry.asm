; SPDX-License-Identifier: MIT
; Test guests: multiboot v1 header, 32-bit entry, the guest's own GDT and IDT stubs.
; Multiboot Specification 0.6.96, section 3.1 (header) and 3.2 (machine state at entry).

MB1_MAGIC   equ 0x1badb002
MB1_FLAGS   equ 0x00000003          ; bit 0: page-aligned modules, bit 1: memory info

section .multiboot
align 4
    dd MB1_MAGIC
    dd MB1_FLAGS
    dd -(MB1_MAGIC + MB1_FLAGS)

section .text
bits 32
global _start
extern guest_start
_start:
    cli
    mov esp, stack_top
    ; The loader's GDT is not ours to keep: load one with the selectors guest.h names.
    lgdt [gdt_desc]
    jmp 0x08:.flat
.flat:
    mov cx, 0x10
    mov ds, cx
    mov es, cx
    mov fs, cx
    mov gs, cx
    mov ss, cx
    push ebx                        ; multiboot info
    push eax                        ; multiboot magic
    call guest_start                ; does not return
.stop:
    cli
    hlt
    jmp .stop

; One stub per vector: push a zero where the CPU pushes no error code (SDM Vol. 3A
; 6.13), then the vector, and go to the common path.
%macro TRAP_STUB 1
trap_stub_%1:
%if (%1 = 8) || (%1 >= 10 && %1 <= 14) || (%1 = 17) || (%1 = 21) || (%1 = 29) || (%1 = 30)
%else
    push 0
%endif
    push %1
    jmp trap_common
%endmacro

%assign v 0
%rep 256
TRAP_STUB v
%assign v v + 1
%endrep

extern guest_trap
; Frame layout (struct trap_frame in guest.h): pusha registers, vector, error, eip, cs, eflags.
trap_common:
    pusha
    cld
    push esp
    call guest_trap
    add esp, 4
    popa
    add esp, 8
    iret

section .rodata
global trap_stubs
align 4
trap_stubs:
%assign v 0
%rep 256
    dd trap_stub_ %+ v
%assign v v + 1
%endrep

section .data
align 8
; 0x08 flat 32-bit code, 0x10 flat data, 0x18 16-bit code and 0x20 16-bit data (base 0,
; limit 64 KiB) for the way down to real mode.
global gdt
gdt:
    dq 0
    dq 0x00cf9a000000ffff
    dq 0x00cf92000000ffff
    dq 0x00009a000000ffff
    dq 0x000092000000ffff
gdt_end:
global gdt_desc
gdt_desc:
    dw gdt_end - gdt - 1
    dd gdt

section .bss
align 16
    resb 16384
stack_top:
