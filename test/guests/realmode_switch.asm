; SPDX-License-Identifier: MIT
; Guest "realmode": down from protected mode to real mode and back (SDM Vol. 3A 9.9.2 and
; 9.9.1). The 16-bit part is copied to RM_BASE by realmode.c: real mode cannot reach 1 MiB.

RM_BASE     equ 0x8000
RM_SEG      equ RM_BASE >> 4
RM_RESULTS  equ 0x7000          ; see struct rm_results in realmode.c
SEL_CODE32  equ 0x08
SEL_DATA32  equ 0x10
SEL_CODE16  equ 0x18
SEL_DATA16  equ 0x20
%define RM(label) ((label) - realmode_blob)

section .text
bits 32
global realmode_enter
realmode_enter:                 ; void realmode_enter(void): IF must be clear
    pushad
    mov [saved_esp], esp
    sidt [saved_idt]
    sgdt [RM_BASE + RM(gdtr_copy)]
    jmp SEL_CODE16:(RM_BASE + RM(pm16))

pm32_back:
    mov ax, SEL_DATA32
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, [saved_esp]
    lidt [saved_idt]
    popad
    ret

bits 16
global realmode_blob, realmode_blob_end
realmode_blob:
pm16:                           ; 16-bit protected mode, CS base 0
    mov ax, SEL_DATA16
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov eax, cr0
    and eax, ~1                 ; PE off (PG is already off)
    mov cr0, eax
    jmp RM_SEG:RM(real)

real:
    xor ax, ax
    mov ss, ax
    mov sp, 0x7c00
    mov es, ax                  ; ES = 0: results and the IVT
    mov ax, RM_SEG
    mov ds, ax
    lidt [RM(ivt_desc)]
    mov eax, cr0
    mov [es:RM_RESULTS + 16], eax

    ; Segment arithmetic: 0x1000:0x0010 and 0x1001:0x0000 are the same byte.
    push ds
    mov ax, 0x1000
    mov ds, ax
    mov dword [0x0010], 0x4c414552
    mov ax, 0x1001
    mov ds, ax
    mov eax, [0x0000]
    pop ds
    mov [es:RM_RESULTS + 0], eax

    ; A real-mode interrupt handler through the IVT.
    mov word [es:0x42 * 4], RM(int42)
    mov word [es:0x42 * 4 + 2], RM_SEG
    mov bx, 0x1234
    int 0x42
    mov [es:RM_RESULTS + 4], bx
    mov [es:RM_RESULTS + 8], cs

    ; Print through the UART, polled.
    mov si, RM(hello)
.next:
    lodsb
    test al, al
    jz .printed
    mov cl, al
    mov dx, 0x3fd
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    mov al, cl
    mov dx, 0x3f8
    out dx, al
    jmp .next
.printed:

    ; Back up: the GDT the guest had, PE on, a far jump to a 32-bit code segment.
    lgdt [RM(gdtr_copy)]
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    jmp dword SEL_CODE32:pm32_back

int42:                          ; BX ^= 0xffff, and count the calls
    xor bx, 0xffff
    inc dword [es:RM_RESULTS + 12]
    iret

align 4
ivt_desc:
    dw 0x3ff
    dd 0
gdtr_copy:
    dw 0
    dd 0
hello:
    db "realmode: hello from real mode", 10, 0
realmode_blob_end:

section .data
align 4
saved_esp: dd 0
saved_idt: dw 0
           dd 0
