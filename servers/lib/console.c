/* SPDX-License-Identifier: MIT */
/* Vireo user runtime: the console server's client side. */
#include "console.h"
#include "hc.h"
#include "layout.h"

uint64_t console_write(struct vireo_utcb *u, uint64_t pt, const char *text, size_t n)
{
    n = MIN(n, (size_t)CONSOLE_BYTES_MAX);
    u->words[0] = n;
    memcpy(&u->words[1], text, n);
    u->head.untyped = (uint16_t)(1 + (n + 7) / 8);
    u->head.typed = 0;
    return hc_call(pt);
}

uint64_t console_attach(struct vireo_utcb *u, uint64_t pt, uint64_t sm, const char *name)
{
    vireo_crd window = u->head.crd_recv;
    u->words[0] = CONSOLE_ATTACH;
    memset(&u->words[1], 0, CONSOLE_NAME);
    memcpy(&u->words[1], name, strnlen(name, CONSOLE_NAME));
    u->head.untyped = 1 + CONSOLE_NAME / 8;
    u->head.typed = 0;
    u->head.crd_recv = crd_obj(sm, 0, VIREO_OBJ_ALL);
    uint64_t st = hc_call(pt);
    u->head.crd_recv = window;          /* nobody else may delegate there */
    if (st)
        return st;
    if (!u->head.untyped)
        return VIREO_BAD_PAR;
    if (u->words[0])
        return u->words[0];
    vireo_crd got = u->head.typed ? vireo_utcb_typed(u, 0)->crd : 0;
    if (vireo_crd_kind(got) != VIREO_CRD_OBJ || vireo_crd_base(got) != sm)
        return VIREO_BAD_CAP;           /* the selector was taken */
    return VIREO_SUCCESS;
}

uint64_t console_wait(uint64_t sm, uint64_t deadline)
{
    return hc_sm_down_flags(sm, deadline, VIREO_HC_FLAG_SM_ZERO);
}

uint64_t console_read(struct vireo_utcb *u, uint64_t pt, char *buf, size_t max,
                      struct console_input *in)
{
    *in = (struct console_input){ 0, 0, 0 };
    u->words[0] = CONSOLE_READ;
    u->words[1] = MIN(max, (size_t)CONSOLE_READ_MAX);
    u->head.untyped = 2;
    u->head.typed = 0;
    if (!max)
        return VIREO_SUCCESS;           /* 0 would mean "as many as fit" */
    uint64_t st = hc_call(pt);
    if (st)
        return st;
    if (u->head.untyped < 3)
        return VIREO_BAD_PAR;
    /* The reply is the console's word: still, never copy more than asked or sent. */
    uint64_t got = MIN(u->words[0], MIN((uint64_t)max, (u->head.untyped - 3ull) * 8));
    memcpy(buf, &u->words[3], got);
    *in = (struct console_input){ got, u->words[1], u->words[2] };
    return VIREO_SUCCESS;
}
