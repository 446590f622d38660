; SPDX-License-Identifier: MIT
; Vireo: multiboot2 header, 32-bit entry and the switch to long mode (SDM Vol. 3A 9.8.5).

%include "x86.inc"
%define MB2_HDR_MAGIC   0xe85250d6
%define MB2_ARCH_I386   0
%define MB2_TAG_END     0
%define MB2_TAG_INFOREQ 1
%define MB2_TAG_OPTIONAL 1
%define MB2_INFO_CMDLINE 1
%define MB2_INFO_MODULE 3
%define MB2_INFO_MMAP   6
%define MB2_INFO_ACPI_OLD 14
%define MB2_INFO_ACPI_NEW 15

%define COM1            0x3f8
%define CPUID_EXT_LM    (1 << 29)
%define CPUID_EXT_NX    (1 << 20)
%define PTE_P_W         0x3
%define PTE_P_W_PS      0x83
%define BOOT_STACK_SIZE 16384

section .multiboot progbits alloc noexec nowrite align=8
mb2_header:
    dd MB2_HDR_MAGIC, MB2_ARCH_I386, mb2_header_end - mb2_header
    dd -(MB2_HDR_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
    align 8
.inforeq:                               ; Multiboot2 spec 3.1.4: required tags
    dw MB2_TAG_INFOREQ, 0
    dd .inforeq_end - .inforeq
    dd MB2_INFO_CMDLINE, MB2_INFO_MODULE, MB2_INFO_MMAP
.inforeq_end:
    align 8
.inforeq_acpi:                          ; ACPI copies are optional: we can scan for one
    dw MB2_TAG_INFOREQ, MB2_TAG_OPTIONAL
    dd .inforeq_acpi_end - .inforeq_acpi
    dd MB2_INFO_ACPI_OLD, MB2_INFO_ACPI_NEW
.inforeq_acpi_end:
    align 8
    dw MB2_TAG_END, 0
    dd 8
mb2_header_end:

section .boot.text progbits alloc exec nowrite align=16
bits 32
global _start
_start:
    cli
    cld
    mov esp, boot_stack_top
    mov edi, eax                        ; multiboot2 magic, checked in C
    mov esi, ebx                        ; physical address of the boot information

    ; BIOS and GRUB may leave caches disabled (CD/NW) and NE clear, which VMXON rejects.
    mov eax, cr0
    and eax, ~(CR0_CD | CR0_NW)
    or eax, CR0_NE
    mov cr0, eax

    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb .no_long_mode
    mov eax, 0x80000001
    cpuid
    test edx, CPUID_EXT_LM
    jz .no_long_mode
    test edx, CPUID_EXT_NX
    jz .no_nx

    ; Boot tables: the first GiB identity-mapped and again at KERNEL_VMA, in 2 MiB pages.
    mov eax, boot_pdpt_low
    or eax, PTE_P_W
    mov [boot_pml4], eax
    mov eax, boot_pdpt_high
    or eax, PTE_P_W
    mov [boot_pml4 + 511 * 8], eax
    mov eax, boot_pd
    or eax, PTE_P_W
    mov [boot_pdpt_low], eax
    mov [boot_pdpt_high + 510 * 8], eax
    xor ecx, ecx
.fill_pd:
    mov eax, ecx
    shl eax, 21
    or eax, PTE_P_W_PS
    mov [boot_pd + ecx * 8], eax
    inc ecx
    cmp ecx, 512
    jne .fill_pd

    mov eax, boot_pml4
    mov cr3, eax
    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov ecx, MSR_EFER
    rdmsr
    or eax, EFER_LME | EFER_NXE
    wrmsr
    mov eax, cr0
    or eax, CR0_PG | CR0_WP | CR0_PE
    mov cr0, eax
    lgdt [boot_gdtr]
    jmp 0x08:.long_mode

bits 64
.long_mode:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor ax, ax
    mov fs, ax
    mov gs, ax
    mov rax, high_entry
    jmp rax

bits 32
.no_long_mode:
    mov esi, msg_no_long_mode
    jmp early_fail
.no_nx:
    mov esi, msg_no_nx
early_fail:                             ; print [esi] on COM1 and stop
    mov dx, COM1 + 5
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    lodsb
    test al, al
    jz .stop
    mov dx, COM1
    out dx, al
    mov dx, COM1 + 5
    jmp .wait
.stop:
    hlt
    jmp .stop

section .boot.data progbits alloc noexec write align=16
msg_no_long_mode: db "vireo: error: this CPU has no 64-bit long mode", 13, 10
                  db "vireo: halted", 13, 10, 0
msg_no_nx:        db "vireo: error: this CPU has no NX (execute-disable) bit", 13, 10
                  db "vireo: halted", 13, 10, 0
align 8
boot_gdt:
    dq 0
    dq 0x00209a0000000000               ; 64-bit code
    dq 0x0000920000000000               ; data
boot_gdtr:
    dw boot_gdtr - boot_gdt - 1
    dq boot_gdt

section .boot.bss nobits alloc noexec write align=4096
boot_pml4:      resb 4096
boot_pdpt_low:  resb 4096
boot_pdpt_high: resb 4096
boot_pd:        resb 4096
boot_stack:     resb 1024
boot_stack_top:

section .text
bits 64
extern kmain
extern bsp_stacks
%define KERNEL_STACK_SIZE 16384
high_entry:
    mov rsp, bsp_stacks + KERNEL_STACK_SIZE
    xor ebp, ebp
    mov edi, edi                        ; upper halves are undefined after the mode switch
    mov esi, esi
    call kmain                          ; kmain(magic, info_pa) does not return
.hang:
    cli
    hlt
    jmp .hang
