/* SPDX-License-Identifier: MIT */
/* Vireo: 16550 UART, polled (NS16550A datasheet; PC16550D register map). */
#include "serial.h"
#include "x86.h"

enum uart_reg { UART_DATA = 0, UART_IER = 1, UART_DLL = 0, UART_DLM = 1, UART_FCR = 2,
                UART_LCR = 3, UART_MCR = 4, UART_LSR = 5, UART_SCR = 7 };

#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define FCR_ENABLE_CLEAR 0x07
#define MCR_DTR_RTS_OUT2 0x0b
#define LSR_THRE 0x20           /* transmit holding register empty */
#define LSR_TEMT 0x40           /* transmitter completely empty */
#define DIVISOR_115200 1
#define SCRATCH_PROBE 0xa5
#define POLL_LIMIT 1000000      /* a missing or stuck UART must not hang the hypervisor */

static uint16_t uart_port;

bool serial_init(uint16_t port)
{
    outb((uint16_t)(port + UART_SCR), SCRATCH_PROBE);
    if (inb((uint16_t)(port + UART_SCR)) != SCRATCH_PROBE)
        return false;
    outb((uint16_t)(port + UART_IER), 0);
    outb((uint16_t)(port + UART_LCR), LCR_DLAB);
    outb((uint16_t)(port + UART_DLL), DIVISOR_115200);
    outb((uint16_t)(port + UART_DLM), 0);
    outb((uint16_t)(port + UART_LCR), LCR_8N1);
    outb((uint16_t)(port + UART_FCR), FCR_ENABLE_CLEAR);
    outb((uint16_t)(port + UART_MCR), MCR_DTR_RTS_OUT2);
    uart_port = port;
    return true;
}

static void wait_lsr(uint8_t bit)
{
    for (unsigned i = 0; i < POLL_LIMIT; i++)
        if (inb((uint16_t)(uart_port + UART_LSR)) & bit)
            return;
}

static void putc_raw(char c)
{
    wait_lsr(LSR_THRE);
    outb((uint16_t)(uart_port + UART_DATA), (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
    if (!uart_port)
        return;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            putc_raw('\r');
        putc_raw(s[i]);
    }
}

void serial_flush(void)
{
    if (uart_port)
        wait_lsr(LSR_TEMT);
}
