; SPDX-License-Identifier: MIT
; Vireo user runtime: the entry point. The kernel starts an EC with RSP at the top of its
; stack, RDI pointing at its UTCB and, for the root server, RSI at the HIP.
extern main
global _start
section .text.start
bits 64
_start:
    xor ebp, ebp
    and rsp, -16
    call main                           ; main(utcb, hip) does not return
    ud2
