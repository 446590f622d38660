/* SPDX-License-Identifier: MIT */
/* Vireo user runtime: polled 16550 output on COM1 from ring 3 (needs the I/O ports). */
#include "vireo.h"

#define COM1 0x3f8
#define UART_LSR 5
#define LSR_THRE 0x20
#define LINE_MAX 256

static void uart_putc(char c)
{
    while (!(inb(COM1 + UART_LSR) & LSR_THRE))
        ;
    outb(COM1, (uint8_t)c);
}

void uart_printf(const char *fmt, ...)
{
    char buf[LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    for (const char *p = buf; *p; p++) {
        if (*p == '\n')
            uart_putc('\r');
        uart_putc(*p);
    }
}
