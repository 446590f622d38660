/* SPDX-License-Identifier: MIT */
/* Vireo test program: a server that touches kernel memory and must be killed alone. */
#include "vireo.h"

#define KERNEL_ADDRESS 0xffffffff80200000ull

NORETURN void main(struct vireo_utcb *utcb);
NORETURN void main(struct vireo_utcb *utcb)
{
    uart_printf("fault: reading kernel memory from ring 3 (UTCB %p)\n", (void *)utcb);
    volatile uint64_t v = *(volatile uint64_t *)KERNEL_ADDRESS;
    uart_printf("fault: read 0x%lx: the kernel is not protected\n", (uint64_t)v);
    for (;;)
        __asm__ volatile("pause");
}
