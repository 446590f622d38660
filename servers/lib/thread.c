/* SPDX-License-Identifier: MIT */
/* Vireo user runtime: threads of a server's own. */
#include <vireo/sel.h>
#include "hc.h"
#include "thread.h"

#define PAGE 4096

extern const volatile char __image_start[], __image_end[];   /* user.ld */

/* Reads one byte per page of the image (it starts on a page): each missing page comes
   from the root's pager now, on the caller's exception portals, rather than later on a
   thread that has none. */
static void page_in_image(void)
{
    for (const volatile char *p = __image_start; p < __image_end; p += PAGE)
        (void)*p;
}

uint64_t thread_create(uint64_t ec, uint64_t sc, uint64_t utcb, void *stack, size_t size,
                       void (*fn)(struct vireo_utcb *), uint64_t qpd, uint64_t event_base)
{
    if (!event_base)
        page_in_image();
    uint64_t rsp = (uint64_t)stack + size - 8;  /* as if called: RSP + 8 is 16-aligned */
    uint64_t st = hc_create_ec(VIREO_HC_FLAG_EC_GLOBAL, ec, VIREO_SEL_SELF_PD,
                               hc_ec_cpu(0, event_base), utcb, rsp, (uint64_t)fn);
    if (!st)
        st = hc_create_sc(sc, VIREO_SEL_SELF_PD, ec, qpd);
    return st;
}
