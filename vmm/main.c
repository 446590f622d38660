/* SPDX-License-Identifier: MIT */
/* Vireo VMM: builds the VM (PD with a guest-physical space, one vCPU, a portal per exit
   reason) at its first call, then serves the vCPU's exits. */
#include "vmm.h"

#define SEL_VM (VIREO_SEL_FIRST_FREE + 0)      /* the VM's objects: one CRD, revoked */
#define SEL_VCPU VMM_SEL_VCPU                   /* together by vmm_stop() */
#define SEL_VCPU_SC (VIREO_SEL_FIRST_FREE + 2)
#define VM_OBJECTS_ORDER 2
#define SEL_HANDLER (VIREO_SEL_FIRST_FREE + 8)
#define SEL_TIMER (VIREO_SEL_FIRST_FREE + 11)     /* the timer thread and its SC */
#define SEL_TIMER_SC (VIREO_SEL_FIRST_FREE + 12)
#define TIMER_UTCB 0x00007fffffffb000ull
#define TIMER_PRIO (VCPU_PRIO + 1)                 /* it must preempt the vCPU */
#define TIMER_QUANTUM_US 1000
#define TIMER_STACK_WORDS 512
#define IRQ_MTD (VIREO_MTD_RFLAGS | VIREO_MTD_STA) /* whether the guest can take one */
/* The exits that learn it: where the guest waits for an interrupt or can take one. Every
   other exit leaves the view empty, so a pending interrupt asks for a window instead: one
   more exit per interrupt, but the common exit carries two VMCS groups less. */
#define IRQ_VIEW(ev) ((ev) == VIREO_EXIT_HLT || (ev) == VIREO_EXIT_INTERRUPT_WINDOW || \
                      (ev) == VIREO_EVENT_RECALL)
#define EVENT_BASE 0x1000                      /* portal for event n: EVENT_BASE + n */
#define EVENT_ORDER 8
#define VCPU_PRIO (VIREO_PRIO_MAX / 2)
#define VCPU_QUANTUM_US 10000
#define STACK_WORDS 4096
#define LINE 160

struct vmm_boot vmm_boot;
static uint64_t handler_stack[STACK_WORDS] __attribute__((aligned(16)));
static uint64_t timer_stack[TIMER_STACK_WORDS] __attribute__((aligned(16)));
static uint64_t utcb_now = SERVER_UTCB;       /* whose UTCB prints use: the running EC's */

uint8_t *guest_ram(uint64_t gpa, uint64_t len)
{
    if (gpa >= vmm_boot.ram_size || len > vmm_boot.ram_size - gpa)
        return NULL;
    return GUEST_RAM + gpa;
}

/* Calls the console with the text. The message words it takes are put back after, so that
   a device model may print in the middle of an exit whose state lies in the same UTCB. */
static void print_text(const char *text, size_t n)
{
    struct vireo_utcb *u = (struct vireo_utcb *)utcb_now;
    struct vireo_utcb_head head = u->head;
    uint64_t saved[1 + LINE / 8 + 1];
    n = MIN(n, (size_t)LINE);
    unsigned words = (unsigned)(1 + (n + 7) / 8);
    for (unsigned i = 0; i < words; i++)
        saved[i] = u->words[i];
    u->words[0] = n;
    memcpy(&u->words[1], text, n);
    u->head.untyped = (uint16_t)words;
    u->head.typed = 0;
    hc_call(SERVER_SEL_CONSOLE);        /* its reply carries no words */
    for (unsigned i = 0; i < words; i++)
        u->words[i] = saved[i];
    u->head = head;
}

static void vprint(const char *fmt, va_list ap)
{
    char text[LINE];
    int n = kvsnprintf(text, sizeof(text), fmt, ap);
    if (n >= (int)sizeof(text) - 1)     /* cut short: the line must still end */
        text[sizeof(text) - 2] = '\n';
    print_text(text, (size_t)MIN(n, (int)sizeof(text) - 1));
}

void vmm_print(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(fmt, ap);
    va_end(ap);
}

void vmm_stop(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(fmt, ap);
    va_end(ap);
    exit_count[vmm_exit_reason & (VIREO_EVENT_COUNT - 1)]++;
    exit_stats_print("at the stop");
    /* Said first: the revoke takes the vCPU's SC, on which this handler runs. */
    vmm_print("vmm: guest stopped\n");
    hc_revoke(crd_obj(SEL_VM, VM_OBJECTS_ORDER, VIREO_OBJ_ALL), VIREO_HC_FLAG_REVOKE_SELF);
}

/* The TSC's low half: two instructions fewer on the exit path than rdtsc(). */
static inline uint32_t rdtsc_low(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return lo;
}

/* Every exit and event enters here afresh, RDI = the portal id = the exit reason. */
uint64_t vmm_exit_reason;

static NORETURN void vm_exit(uint64_t reason)
{
    uint32_t entry_tsc = rdtsc_low();
    vmm_exit_reason = reason;
    struct vireo_utcb *u = (struct vireo_utcb *)EXIT_UTCB;
    utcb_now = EXIT_UTCB;
    intr_exit_begins();
    u->head.untyped = 0;
    u->head.typed = 0;
    exit_pending += u->vcpu.inj_info >> 31;     /* an event waits for the next entry */
    intr_view = IRQ_VIEW(reason) ? (struct intr_view){ u->vcpu.rflags, u->vcpu.intr_state }
                                 : (struct intr_view){ 0, 0 };
    exit_fn fn = exit_handlers[reason & (VIREO_EVENT_COUNT - 1)].fn;
    (fn ? fn : exit_unexpected)(&u->vcpu);
    /* The reply's last look at the clock ends the handler time too. */
    uint32_t end_tsc = reason != VIREO_EVENT_STARTUP ? (uint32_t)intr_reply(&u->vcpu)
                                                     : rdtsc_low();
    /* Counted here, in one place, to keep the exit path short (vmm_stop counts the exit
       that stops the guest, which never gets here). The low 32 bits of the TSC suffice
       for any handler but a long HLT, which adds the rest itself (exits.c). */
    unsigned r = reason & (VIREO_EVENT_COUNT - 1);
    exit_count[r]++;
    exit_ticks[r] += (uint32_t)(end_tsc - entry_tsc);
    hc_reply();
    __builtin_unreachable();
}

/* The timer thread (intr.c), on the vCPU's CPU: it recalls the vCPU when a device's
   deadline passes while the guest runs. */
static uint64_t start_timer(void)
{
    uint64_t st = hc_create_sm(VMM_SEL_TIMER_WAKE, VIREO_SEL_SELF_PD, 0);
    if (!st)
        st = hc_create_ec(VIREO_HC_FLAG_EC_GLOBAL, SEL_TIMER, VIREO_SEL_SELF_PD,
                          hc_ec_cpu(0, vmm_boot.event_base), TIMER_UTCB,
                          (uint64_t)&timer_stack[TIMER_STACK_WORDS - 1],
                          (uint64_t)intr_timer_thread);
    if (!st)
        st = hc_create_sc(SEL_TIMER_SC, VIREO_SEL_SELF_PD, SEL_TIMER,
                          VIREO_QPD(TIMER_PRIO, TIMER_QUANTUM_US));
    return st;
}

/* The handler EC and one portal per event, then the VM PD (which gets the portals), its
   vCPU and the vCPU's SC: from then on the guest runs. */
static uint64_t build_vm(void)
{
    uint64_t st = hc_create_sm(VMM_SEL_TIMER_SM, VIREO_SEL_SELF_PD, 0);
    if (!st)
        st = hc_create_ec(0, SEL_HANDLER, VIREO_SEL_SELF_PD, hc_ec_cpu(0, vmm_boot.event_base),
                          EXIT_UTCB,
                               (uint64_t)&handler_stack[STACK_WORDS - 1], 0);
    for (unsigned ev = 0; ev < VIREO_EVENT_COUNT && !st; ev++) {
        const struct exit_handler *h = &exit_handlers[ev];
        if (!h->fn && ev >= VIREO_EXIT_COUNT)
            continue;                   /* every exit reason gets a portal */
        /* MTD_INJ everywhere: the reply must not replace an event the guest has pending. */
        uint64_t mtd = (h->fn ? h->mtd : VIREO_MTD_RIP_LEN) | (IRQ_VIEW(ev) ? IRQ_MTD : 0) |
                       VIREO_MTD_INJ;
        st = hc_create_pt(EVENT_BASE + ev, VIREO_SEL_SELF_PD, SEL_HANDLER, mtd,
                          (uint64_t)vm_exit);
        if (!st)
            st = hc_pt_ctrl(EVENT_BASE + ev, ev);
    }
    struct vireo_utcb *u = (struct vireo_utcb *)SERVER_UTCB;
    memset(u->words, 0, 32);
    memcpy(u->words, "vm", 3);
    u->head.untyped = 4;
    if (!st)
        st = vireo_hc6(hc_rax(VIREO_HC_CREATE_PD, VIREO_HC_FLAG_PD_VM), SEL_VM,
                       VIREO_SEL_SELF_PD, crd_obj(EVENT_BASE, EVENT_ORDER, VIREO_PT_CALL), 0, 0,
                       0).status;
    if (!st)
        st = hc_create_ec(VIREO_HC_FLAG_EC_VCPU, SEL_VCPU, SEL_VM, hc_ec_cpu(0, EVENT_BASE), 0,
                          0, 0);
    /* Input before the guest runs: prints use this EC's UTCB until the first exit. */
    uint64_t in = st ? 0 : input_start((struct vireo_utcb *)SERVER_UTCB);
    if (in)
        vmm_print("vmm: no console input for the guest: status %lu\n", in);
    if (!st)
        st = hc_create_sc(SEL_VCPU_SC, VIREO_SEL_SELF_PD, SEL_VCPU,
                          VIREO_QPD(VCPU_PRIO, VCPU_QUANTUM_US));
    return st ? st : start_timer();
}

const char *vmm_guest_cmdline(void) { return vmm_boot.cmdline; }

const uint8_t *vmm_module(const char *key, uint64_t *size)
{
    for (unsigned i = 0; i < vmm_boot.module_count; i++) {
        const struct vmm_module *m = &vmm_boot.modules[i];
        if (!strncmp(m->key, key, sizeof(m->key))) {
            *size = m->size;
            return (const uint8_t *)m->addr;
        }
    }
    *size = 0;
    return NULL;
}

/* The root's call: words[] = struct vmm_boot. */
NORETURN void main(uint64_t id);
NORETURN void main(uint64_t id)
{
    (void)id;
    struct vireo_utcb *u = (struct vireo_utcb *)SERVER_UTCB;
    memcpy(&vmm_boot, u->words, sizeof(vmm_boot));
    vmm_boot.cmdline[sizeof(vmm_boot.cmdline) - 1] = '\0';
    vmm_boot.module_count = MIN(vmm_boot.module_count, (uint64_t)VMM_MODULES_MAX);
    for (unsigned i = 0; i < vmm_boot.module_count; i++)
        vmm_boot.modules[i].key[sizeof(vmm_boot.modules[i].key) - 1] = '\0';
    /* Printed first: once the vCPU runs, prints belong to its exit handler's UTCB. */
    vmm_print("vmm: %lu MiB of RAM, %lu module(s), command line '%s'\n",
              vmm_boot.ram_size >> 20, vmm_boot.module_count, vmm_boot.cmdline);
    for (unsigned i = 0; i < vmm_boot.module_count; i++)
        vmm_print("vmm: module %s=: %lu bytes at 0x%lx\n", vmm_boot.modules[i].key,
                  vmm_boot.modules[i].size, vmm_boot.modules[i].addr);
    uint64_t st = platform_init() ? build_vm() : VIREO_BAD_PAR;
    if (st)
        vmm_print("vmm: cannot build the VM: status %lu\n", st);
    u->head.untyped = 0;
    u->head.typed = 0;
    hc_reply();
    __builtin_unreachable();
}
