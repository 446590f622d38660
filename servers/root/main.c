/* SPDX-License-Identifier: MIT */
/* Vireo root server: receives every initial resource and starts the other servers. */
#include <vireo/hip.h>
#include "vireo.h"

#define SPARE_HYPERCALL 15
#define MIB (1024 * 1024)

/* Reads the first byte of each module through the memory window: proves the mapping. */
static void show_resources(const struct vireo_hip *hip)
{
    uint64_t ram = 0;
    for (unsigned i = 0; i < hip->mem_count; i++)
        ram += hip->mem[i].size;
    uart_printf("root: %u CPU(s), TSC %lu kHz; %lu MiB of RAM in %u range(s); the "
                "hypervisor keeps %lu MiB\n", hip->cpu_count, hip->tsc_khz, ram / MIB,
                hip->mem_count, hip->kernel_free_pages * 4096 / MIB);
    for (unsigned i = 0; i < hip->module_count; i++) {
        const uint8_t *m = (const uint8_t *)(hip->mem_window + hip->modules[i].start);
        uart_printf("root: module %u '%s', %lu bytes, starts with %02x %c%c%c\n", i,
                    hip->modules[i].cmdline, hip->modules[i].size, m[0], m[1], m[2], m[3]);
    }
}

NORETURN void main(struct vireo_utcb *utcb, const struct vireo_hip *hip);
NORETURN void main(struct vireo_utcb *utcb, const struct vireo_hip *hip)
{
    uart_printf("root: running in ring 3, UTCB at %p\n", (void *)utcb);
    if (hip->magic == VIREO_HIP_MAGIC)
        show_resources(hip);
    else
        uart_printf("root: no hypervisor information page\n");
    struct vireo_hc_result r = vireo_hypercall(SPARE_HYPERCALL, 0, 0, 0, 0);
    uart_printf("root: spare hypercall %u returned status %lu (%s)\n", SPARE_HYPERCALL,
                r.status, r.status == VIREO_BAD_HYP ? "BAD_HYP, as it should" : "WRONG");
    uart_printf("root: ready\n");
    for (;;)
        __asm__ volatile("pause");
}
