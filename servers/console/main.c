/* SPDX-License-Identifier: MIT */
/* Vireo console server: owns COM1; prints whole lines for each client, never mixed. */
#include "layout.h"
#include "vireo.h"

#define CLIENTS 16
#define LINE 160
#define READ_MAX 64
#define COM1 0x3f8
#define UART_IER 1
#define UART_LSR 5
#define IER_RX_AVAILABLE 0x01
#define LSR_DATA_READY 0x01
#define SM_DOWN (VIREO_HC_SM_CTRL | VIREO_HC_FLAG_SM_DOWN << VIREO_HC_FLAGS_SHIFT)

struct line {
    char text[LINE];
    unsigned len;
};

static struct line lines[CLIENTS];
static bool rx_enabled;

/* Waits (on the caller's time) for the receive interrupt until some input is there. */
static uint64_t read_input(char *buf)
{
    if (!rx_enabled) {
        outb(COM1 + UART_IER, IER_RX_AVAILABLE);
        rx_enabled = true;
    }
    uint64_t n = 0;
    for (;;) {
        while (n < READ_MAX && (inb(COM1 + UART_LSR) & LSR_DATA_READY))
            buf[n++] = (char)inb(COM1);
        if (n || vireo_hypercall(SM_DOWN, SERVER_SEL_IRQ, 0, 0, 0).status != VIREO_SUCCESS)
            return n;
    }
}

static void take(struct line *l, char c)
{
    if (c != '\n' && l->len < LINE - 1) {
        l->text[l->len++] = c;
        return;
    }
    l->text[l->len] = '\0';
    uart_printf("%s\n", l->text);       /* an overlong line is cut, not interleaved */
    l->len = 0;
}

/* Each call enters here afresh with the portal id (the client) in RDI. */
NORETURN void main(uint64_t client);
NORETURN void main(uint64_t client)
{
    struct vireo_utcb *u = (struct vireo_utcb *)SERVER_UTCB;
    uint64_t n = u->head.untyped ? u->words[0] : 0;
    const char *bytes = (const char *)&u->words[1];
    if (n == CONSOLE_READ) {
        u->words[0] = read_input((char *)&u->words[1]);
        u->head.untyped = (uint16_t)(1 + (u->words[0] + 7) / 8);
        u->head.typed = 0;
        vireo_hypercall(VIREO_HC_REPLY, 0, 0, 0, 0);
        __builtin_unreachable();
    }
    if (n > CONSOLE_BYTES_MAX || n > (u->head.untyped - 1u) * 8ull)
        n = 0;                          /* a malformed request prints nothing */
    for (uint64_t i = 0; i < n; i++)
        take(&lines[client % CLIENTS], bytes[i]);
    u->head.untyped = 0;
    u->head.typed = 0;
    vireo_hypercall(VIREO_HC_REPLY, 0, 0, 0, 0);
    __builtin_unreachable();
}
