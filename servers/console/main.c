/* SPDX-License-Identifier: MIT */
/* Vireo console server: owns COM1; prints whole lines for each client, never mixed. */
#include "layout.h"
#include "vireo.h"

#define CLIENTS 16
#define LINE 160

struct line {
    char text[LINE];
    unsigned len;
};

static struct line lines[CLIENTS];

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
    if (n > CONSOLE_BYTES_MAX || n > (u->head.untyped - 1u) * 8ull)
        n = 0;                          /* a malformed request prints nothing */
    for (uint64_t i = 0; i < n; i++)
        take(&lines[client % CLIENTS], bytes[i]);
    u->head.untyped = 0;
    u->head.typed = 0;
    vireo_hypercall(VIREO_HC_REPLY, 0, 0, 0, 0);
    __builtin_unreachable();
}
