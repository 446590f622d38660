/* SPDX-License-Identifier: MIT */
/* Vireo root server: receives every initial resource and starts the other servers. */
#include "vireo.h"

#define SPARE_HYPERCALL 15

NORETURN void main(struct vireo_utcb *utcb);
NORETURN void main(struct vireo_utcb *utcb)
{
    uart_printf("root: running in ring 3, UTCB at %p\n", (void *)utcb);
    struct vireo_hc_result r = vireo_hypercall(SPARE_HYPERCALL, 0, 0, 0, 0);
    uart_printf("root: spare hypercall %u returned status %lu (%s)\n", SPARE_HYPERCALL,
                r.status, r.status == VIREO_BAD_HYP ? "BAD_HYP, as it should" : "WRONG");
    uart_printf("root: ready\n");
    for (;;)
        __asm__ volatile("pause");
}
