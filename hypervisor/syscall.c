/* SPDX-License-Identifier: MIT */
/* Vireo: hypercall dispatch: the masked number indexes a table; spare slots are BAD_HYP. */
#include <vireo/hypercall.h>
#include <vireo/status.h>
#include "ec.h"
#include "syscall.h"

#define CANONICAL_LIMIT (1ull << 47)

typedef NORETURN void (*hypercall_fn)(struct ec *ec);

NORETURN void sys_finish(struct ec *ec, enum vireo_status status)
{
    ec->regs.rax = status;
    /* SYSCALL as the last instruction below the hole leaves RCX non-canonical. */
    if (ec->regs.rip >= CANONICAL_LIMIT)
        ret_user_iret(&ec->regs);
    ret_user_sysret(&ec->regs);
}

static NORETURN void sys_bad_hypercall(struct ec *ec)
{
    sys_finish(ec, VIREO_BAD_HYP);
}

static const hypercall_fn hypercalls[1u << VIREO_HC_NUMBER_BITS] = {
    [0 ... (1u << VIREO_HC_NUMBER_BITS) - 1] = sys_bad_hypercall,
};

NORETURN void syscall_dispatch(struct ec *ec);
NORETURN void syscall_dispatch(struct ec *ec)
{
    hypercalls[ec->regs.rax & ((1u << VIREO_HC_NUMBER_BITS) - 1)](ec);
}
