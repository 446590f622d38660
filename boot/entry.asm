; SPDX-License-Identifier: MIT
; Vireo: multiboot2 header, 32-bit entry and the switch to long mode (SDM Vol. 3A 9.8.5).

%include "x86.inc"
%define MB2_HDR_MAGIC   0xe85250d6
%define MB2_ARCH_I386   0
%define MB2_TAG_INFOREQ 1
%define COM1            0x3f8
%define PTE_P_W         0x3                 ; present, writable
%define HALTED          13, 10, "vireo: halted", 13, 10, 0

section .multiboot progbits alloc noexec nowrite align=8
mb2_header:
    dd MB2_HDR_MAGIC, MB2_ARCH_I386, mb2_header_end - mb2_header
    dd -(MB2_HDR_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
    align 8
.inforeq:                               ; Multiboot2 spec 3.1.4: required tags
    dw MB2_TAG_INFOREQ, 0
    dd .inforeq_end - .inforeq
    dd 1, 3, 6                          ; spec 3.6: command line, modules, memory map
.inforeq_end:
    align 8
.inforeq_acpi:                          ; ACPI copies are optional: we can scan for one
    dw MB2_TAG_INFOREQ, 1               ; flags: 1 = optional
    dd .inforeq_acpi_end - .inforeq_acpi
    dd 14, 15                           ; old (ACPI 1.0) and new RSDP
.inforeq_acpi_end:
    align 8
    dw 0, 0                             ; end tag
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
    mov ebp, ebx                        ; the boot information, kept from CPUID below

    ; BIOS and GRUB may leave caches disabled (CD/NW) and NE clear, which VMXON rejects.
    mov eax, cr0
    and eax, ~(CR0_CD | CR0_NW)
    or eax, CR0_NE
    mov cr0, eax

    mov esi, msg_no_long_mode
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb early_fail
    mov eax, 0x80000001
    cpuid
    test edx, 1 << 29                   ; CPUID.80000001H:EDX.LM
    jz early_fail
    mov esi, msg_no_nx
    test edx, 1 << 20                   ; CPUID.80000001H:EDX.NX
    jz early_fail
    mov esi, ebp                        ; physical address of the boot information

    ; Boot tables: the first GiB identity-mapped and again at KERNEL_VMA, in 2 MiB pages.
    mov dword [boot_pml4], boot_pdpt_low + PTE_P_W
    mov dword [boot_pml4 + 511 * 8], boot_pdpt_high + PTE_P_W
    mov dword [boot_pdpt_low], boot_pd + PTE_P_W
    mov dword [boot_pdpt_high + 510 * 8], boot_pd + PTE_P_W
    mov ecx, 511
.fill_pd:                               ; boot_pd[i] = i * 2 MiB, PS (bit 7): a 2 MiB page
    imul eax, ecx, 1 << 21
    or eax, PTE_P_W | 0x80
    mov [boot_pd + ecx * 8], eax
    dec ecx
    jns .fill_pd

    mov eax, boot_pml4
    ENABLE_LONG_MODE 0, CR0_WP | CR0_PE
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

; Prints [esi] on COM1 and halts; 16550 line status bit 5: transmitter holding register empty.
bits 32
early_fail:
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
    jmp early_fail
.stop:
    hlt
    jmp .stop

section .boot.data progbits alloc noexec write align=16
msg_no_long_mode: db "vireo: error: this CPU has no 64-bit long mode", HALTED
msg_no_nx:        db "vireo: error: this CPU has no NX (execute-disable) bit", HALTED
align 8
; Null descriptor, 64-bit code (0x08), data (0x10).
boot_gdt: dq 0, 0x00209a0000000000, 0x0000920000000000
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
extern kmain, bsp_stacks
high_entry:
    mov rsp, bsp_stacks + 16384         ; top of the BSP's KERNEL_STACK_SIZE (cpu.h) stack
    xor ebp, ebp
    mov edi, edi                        ; upper halves are undefined after the mode switch
    mov esi, esi
    call kmain                          ; kmain(magic, info_pa) does not return
.hang:
    cli
    hlt
    jmp .hang
