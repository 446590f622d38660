/* SPDX-License-Identifier: MIT */
/* Vireo: execution contexts: creation, entering ring 3, and ending one that faulted. */
#include "cpu.h"
#include "ec.h"
#include "intr.h"
#include "kmem.h"
#include "memory.h"
#include "pd.h"
#include "pmm.h"
#include "ptab.h"
#include "x86.h"

#define RFLAGS_USER_FIXED (RFLAGS_IF | 0x2ull)     /* bit 1 is always set */
#define RFLAGS_USER_MASK 0xcd5ull                  /* CF PF AF ZF SF TF DF OF */
#define CANONICAL_LIMIT (1ull << 47)

struct ec *ec_create(struct pd *pd, unsigned cpu, uint64_t utcb_va, uint64_t ip, uint64_t sp)
{
    struct ec *ec = kmem_page_alloc();
    uint64_t utcb = page_alloc_zeroed(0);
    if (!ec || !utcb || pd_map(pd, utcb_va, utcb, PAGE_SIZE, PTE_W | PTE_NX)) {
        if (ec)
            kmem_page_free(ec);
        if (utcb)
            page_free(utcb, 0);
        return NULL;
    }
    ec->obj = (struct kobj){ .type = KOBJ_EC, .refs = 1 };
    ec->pd = pd;
    ec->cpu = cpu;
    ec->utcb = phys_to_virt(utcb);
    ec->utcb_va = utcb_va;
    ec->regs = (struct regs){ .rip = ip, .rsp = sp, .rflags = RFLAGS_USER_FIXED,
                              .rdi = utcb_va };
    return ec;
}

/* SYSRET to a non-canonical RIP faults in ring 0 with the user's RSP: never let it. */
NORETURN void ec_activate(struct ec *ec)
{
    struct regs *r = &ec->regs;
    this_cpu()->current = ec;
    pd_activate(ec->pd);
    r->rflags = (r->rflags & RFLAGS_USER_MASK) | RFLAGS_USER_FIXED;
    if (r->rip >= CANONICAL_LIMIT)
        ec_kill_current("return to the non-canonical address 0x%lx", r->rip);
    ret_user_sysret(r);
}

void idle_loop(void);

NORETURN void cpu_idle(void)
{
    struct cpu *c = this_cpu();
    c->current = NULL;
    pd_activate(NULL);
    __asm__ volatile("mov %0, %%rsp; jmp idle_loop" :: "r"(c->kstack_top) : "memory");
    __builtin_unreachable();
}

NORETURN void ec_kill_current(const char *fmt, ...)
{
    struct ec *ec = this_cpu()->current;
    char why[160];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    kprintf("vireo: killed %s on cpu%u: %s\n", ec ? ec->pd->name : "?", this_cpu()->id, why);
    cpu_idle();
}
