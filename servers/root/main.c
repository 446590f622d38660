/* SPDX-License-Identifier: MIT */
/* Vireo root server: receives every initial resource, starts the servers the modules
   name, pages them in on demand, and ends any that faults. */
#include <vireo/crd.h>
#include <vireo/hip.h>
#include <vireo/mtd.h>
#include <vireo/sel.h>
#include "cmos.h"
#include "console.h"
#include "elf.h"
#include "hc.h"
#include "layout.h"
#include "vireo.h"
#include "vmmcfg.h"

#define SPARE_HYPERCALL 15
#define MIB (1024 * 1024)
#define PAGE 4096ull
#define MAX_SERVERS 8
#define MAX_SEGMENTS 8
#define VEC_PF 14
#define PF_PRESENT 0x1                  /* error code: a protection fault, not a missing page */
#define EVENTS 32                       /* exception vectors, one portal each */
#define SEL_PAGER VIREO_SEL_FIRST_FREE
#define SEL_CONSOLE (VIREO_SEL_FIRST_FREE + 1)
#define SEL_IDLE (VIREO_SEL_FIRST_FREE + 2)    /* a semaphore nobody ups */
#define SEL_INPUT (VIREO_SEL_FIRST_FREE + 3)   /* the console ups it when input comes */
#define SEL_SERVER(i, k) (64 + 8 * (i) + (k))   /* k: 0 PD, 1 EC, 2 portal, 3 irq SM,
                                                   4 its console portal */
#define EVENT_BASE(i) (256 + EVENTS * (i))      /* in the root's and the server's space */
#define PAGER_UTCB 0x20000000ull
#define HANDLER_UTCB SERVER_UTCB
#define STACK_WORDS 2048
#define IO_ARG "io=0x"
#define IRQ_ARG "irq="
#define VMM_NAME "vmm"
#define MAX_ITEMS 200                   /* typed items in one reply (the UTCB holds 254) */
#define VGA_ARG "vga=0x"
#define VGA_COLOUR 0xb8000ull               /* text buffer and CRT controller ports */
#define VGA_MONO 0xb0000ull
#define CRTC_COLOUR 0x3d4
#define CRTC_MONO 0x3b4
#define CRTC_ORDER 1                        /* index and data register */
#define HOTSPOT_SHIFT 12
#define LINE_MAX 120

struct server {
    char name[32];
    uint64_t module;                    /* the image, in the root's memory window */
    uint64_t size;
    struct elf_segment seg[MAX_SEGMENTS];
    unsigned segments;
    uint64_t entry, io_base;
    unsigned io_order;
    int irq;                            /* -1: none */
    uint64_t vga;                       /* VGA text buffer (physical), 0: none */
    bool io_given, dead;
    bool console_pt;                    /* has a console portal of its own */
    bool vmm;                           /* a VMM: the fields below */
    struct vmm_boot boot;               /* what its first call carries */
    int guest[VMM_MODULES_MAX];         /* the modules it gets, as HIP indices */
    uint64_t ram;                       /* the guest's RAM, 2^ram_order pages */
    unsigned ram_order;
};

static const struct vireo_hip *hip;
static struct server servers[MAX_SERVERS];
static unsigned server_count;
static uint64_t pager_stack[STACK_WORDS] __attribute__((aligned(16)));
static uint64_t next_ram, ram_end;
static unsigned ram_range;
static bool console_up;
static uint64_t wall_seconds, wall_tsc;    /* the host's clock, for the VMMs */

/* The root's RAM, handed out page by page (never returned yet). */
static uint64_t ram_page(void)
{
    while (next_ram >= ram_end && ram_range < hip->mem_count) {
        next_ram = hip->mem_window + hip->mem[ram_range].start;
        ram_end = next_ram + hip->mem[ram_range++].size;
    }
    if (next_ram >= ram_end)
        return 0;
    next_ram += PAGE;
    memset((void *)(next_ram - PAGE), 0, PAGE);
    return next_ram - PAGE;
}

/* 2^order naturally aligned pages of RAM, not zeroed; 0 if no range has them. */
static uint64_t ram_chunk(unsigned order)
{
    uint64_t size = PAGE << order;
    for (;;) {
        uint64_t base = (next_ram + size - 1) & ~(size - 1);
        if (next_ram && base + size <= ram_end) {
            next_ram = base + size;
            return base;
        }
        if (ram_range >= hip->mem_count)
            return 0;
        next_ram = hip->mem_window + hip->mem[ram_range].start;
        ram_end = next_ram + hip->mem[ram_range++].size;
    }
}

/* Typed items delegating [base, base + size) to `dst` onwards: aligned power-of-two
   pieces, as a CRD must be; returns the next free item. With u NULL it only counts. */
static unsigned give_range(struct vireo_utcb *u, unsigned t, uint64_t base, uint64_t size,
                           uint64_t dst, unsigned rights)
{
    for (uint64_t off = 0; off < size && (t < MAX_ITEMS || !u);) {
        unsigned order = 0;
        while (order < 30 && !((base + off) & (PAGE << order)) &&
               !((dst + off) & (PAGE << order)) && off + (PAGE << (order + 1)) <= size)
            order++;
        if (u) {
            struct vireo_typed_item *item = vireo_utcb_typed(u, t);
            item->crd = vireo_crd_make(VIREO_CRD_MEM, (base + off) / PAGE, order, rights);
            item->hotspot = dst + off;
        }
        t++;
        off += PAGE << order;
    }
    return t;
}

/* What every server gets with its first page: its own PD and first EC, for threads and
   portals of its own (a VMM builds its VM from them), and a console portal of its own. */
static void give_self(struct server *s, unsigned i, struct vireo_utcb *u)
{
    unsigned t = u->head.typed;
    struct vireo_typed_item *item = vireo_utcb_typed(u, t++);
    item->crd = vireo_crd_make(VIREO_CRD_OBJ, SEL_SERVER(i, 0), 0, VIREO_OBJ_ALL);
    item->hotspot = (uint64_t)VIREO_SEL_SELF_PD << HOTSPOT_SHIFT;
    item = vireo_utcb_typed(u, t++);
    item->crd = vireo_crd_make(VIREO_CRD_OBJ, SEL_SERVER(i, 1), 0, VIREO_OBJ_ALL);
    item->hotspot = (uint64_t)VIREO_SEL_SELF_EC << HOTSPOT_SHIFT;
    if (s->console_pt) {
        item = vireo_utcb_typed(u, t++);
        item->crd = vireo_crd_make(VIREO_CRD_OBJ, SEL_SERVER(i, 4), 0, VIREO_PT_CALL);
        item->hotspot = (uint64_t)SERVER_SEL_CONSOLE << HOTSPOT_SHIFT;
    }
    u->head.typed = (uint16_t)t;
}

/* Module k of a VMM: its pages in the root's window, and where they go in the VMM (at
   the same offset within a GiB, so that both sides allow the same large pieces). */
static uint64_t module_src(int m)
{
    return hip->mem_window + (hip->modules[m].start & ~(PAGE - 1));
}
static uint64_t module_dst(unsigned k, int m)
{
    return VMM_MODULE_BASE + k * VMM_MODULE_SLOT + (module_src(m) & VMM_MODULE_OFFSET_MASK);
}
static uint64_t module_pages(int m)
{
    return (hip->modules[m].start % PAGE + hip->modules[m].size + PAGE - 1) & ~(PAGE - 1);
}

/* A VMM's guest RAM and its modules (read-only), as typed items from item t on; returns
   the next free item. With u NULL it only counts. */
static unsigned give_vmm_memory(struct server *s, struct vireo_utcb *u, unsigned t)
{
    t = give_range(u, t, s->ram, PAGE << s->ram_order, VMM_GUEST_RAM,
                   VIREO_MEM_R | VIREO_MEM_W | VIREO_MEM_X);
    for (unsigned k = 0; k < s->boot.module_count; k++)
        t = give_range(u, t, module_src(s->guest[k]), module_pages(s->guest[k]),
                       module_dst(k, s->guest[k]), VIREO_MEM_R);
    return t;
}

/* Through the console server once it runs, else straight to COM1. */
static void say(const char *fmt, ...) PRINTF_LIKE(1, 2);
static void say(const char *fmt, ...)
{
    struct vireo_utcb *u = (struct vireo_utcb *)SERVER_UTCB;
    char *text = (char *)&u->words[1];
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(text, 256, fmt, ap);
    va_end(ap);
    if (!console_up) {
        uart_printf("%s", text);
        return;
    }
    u->words[0] = (uint64_t)MIN(n, 255);
    u->head.untyped = (uint16_t)(1 + (u->words[0] + 7) / 8);
    u->head.typed = 0;
    vireo_hypercall(VIREO_HC_CALL, SEL_SERVER(0, 2), 0, 0, 0);
}

static void end_server(struct server *s, unsigned i, const struct vireo_vcpu_state *st,
                       unsigned vector)
{
    uint64_t self = VIREO_HC_FLAG_REVOKE_SELF << VIREO_HC_FLAGS_SHIFT;
    s->dead = true;
    vireo_hypercall(VIREO_HC_REVOKE | self, vireo_crd_make(VIREO_CRD_OBJ, SEL_SERVER(i, 0), 3,
                                                           0), 0, 0, 0);
    if (vector == VEC_PF)
        uart_printf("root: killed %s: page fault at rip 0x%lx, address 0x%lx, error 0x%lx\n",
                    s->name, st->rip, st->qual[1], st->qual[0]);
    else
        uart_printf("root: killed %s: exception %u at rip 0x%lx, error 0x%lx\n", s->name,
                    vector, st->rip, st->qual[0]);
}

/* The page that belongs at `page` of server s, as a typed item; false if none does.
   Read-only segments without bss share the module's pages; the rest are copies. */
static bool resolve(struct server *s, uint64_t page, struct vireo_typed_item *t)
{
    unsigned rights = VIREO_MEM_R | VIREO_MEM_W;
    uint64_t frame = 0;
    if (page >= SERVER_STACK_TOP - SERVER_STACK_SIZE && page < SERVER_STACK_TOP)
        frame = ram_page();
    for (unsigned k = 0; k < s->segments && !frame; k++) {
        const struct elf_segment *g = &s->seg[k];
        if (page + PAGE <= g->vaddr || page >= g->vaddr + g->memsz)
            continue;
        rights = VIREO_MEM_R | (g->flags & ELF_PF_W ? VIREO_MEM_W : 0) |
                 (g->flags & ELF_PF_X ? VIREO_MEM_X : 0);
        if (!(g->flags & ELF_PF_W) && g->memsz == g->filesz) {
            frame = s->module + g->offset + (page - g->vaddr);
            break;
        }
        if (!(frame = ram_page()))
            return false;
        uint64_t lo = MAX(page, g->vaddr), hi = MIN(page + PAGE, g->vaddr + g->filesz);
        if (lo < hi)
            memcpy((void *)(frame + lo - page), (void *)(s->module + g->offset + lo - g->vaddr),
                   hi - lo);
    }
    if (!frame)
        return false;
    t->crd = vireo_crd_make(VIREO_CRD_MEM, frame / PAGE, 0, rights);
    t->hotspot = page;
    return true;
}

/* Every exception of every server lands here; portal id = server << 8 | vector. */
static NORETURN void pager(uint64_t id)
{
    struct vireo_utcb *u = (struct vireo_utcb *)PAGER_UTCB;
    unsigned i = (unsigned)(id >> 8), vector = id & 0xff;
    struct server *s = &servers[i];
    uint64_t page = u->vcpu.qual[1] & ~(PAGE - 1);
    u->head.untyped = 0;
    u->head.typed = 0;
    u->vcpu.mtd = 0;
    if (vector != VEC_PF || (u->vcpu.qual[0] & PF_PRESENT) ||
        !resolve(s, page, vireo_utcb_typed(u, 0)))
        end_server(s, i, &u->vcpu, vector);
    else
        u->head.typed = 1;
    if (!s->dead && !s->io_given) {     /* its ports and interrupt come with its first page */
        struct vireo_typed_item *t = vireo_utcb_typed(u, u->head.typed);
        if (s->io_order) {
            t->crd = vireo_crd_make(VIREO_CRD_IO, s->io_base, s->io_order, VIREO_IO_ACCESS);
            t->hotspot = s->io_base << HOTSPOT_SHIFT;
            t = vireo_utcb_typed(u, ++u->head.typed);
        }
        if (s->irq >= 0) {
            t->crd = vireo_crd_make(VIREO_CRD_OBJ, SEL_SERVER(i, 3), 0,
                                    VIREO_SM_UP | VIREO_SM_DOWN);
            t->hotspot = (uint64_t)SERVER_SEL_IRQ << HOTSPOT_SHIFT;
            t = vireo_utcb_typed(u, ++u->head.typed);
        }
        if (s->vga) {                   /* the screen's page and its CRT controller */
            uint64_t crtc = s->vga == VGA_MONO ? CRTC_MONO : CRTC_COLOUR;
            t->crd = vireo_crd_make(VIREO_CRD_MEM, (hip->mem_window + s->vga) / PAGE, 0,
                                    VIREO_MEM_R | VIREO_MEM_W);
            t->hotspot = SERVER_VGA;
            t = vireo_utcb_typed(u, ++u->head.typed);
            t->crd = vireo_crd_make(VIREO_CRD_IO, crtc, CRTC_ORDER, VIREO_IO_ACCESS);
            t->hotspot = crtc << HOTSPOT_SHIFT;
            u->head.typed++;
        }
        give_self(s, i, u);
        if (s->vmm)
            u->head.typed = (uint16_t)give_vmm_memory(s, u, u->head.typed);
        s->io_given = true;
    }
    vireo_hypercall(VIREO_HC_REPLY, 0, 0, 0, 0);
    __builtin_unreachable();
}

static int keep_segment(void *ctx, const struct elf_segment *seg)
{
    struct server *s = ctx;
    if (s->segments == MAX_SEGMENTS)
        return 1;
    s->seg[s->segments++] = *seg;
    return 0;
}

static uint64_t hc(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                   uint64_t a4, uint64_t a5)
{
    return vireo_hc6(nr, a0, a1, a2, a3, a4, a5).status;
}

/* A server: its PD gets its exception portals (bound to the pager), a local EC that
   runs its entry point for each call, and the root a portal to call it. */
static uint64_t start_server(unsigned i)
{
    struct server *s = &servers[i];
    struct vireo_utcb *u = (struct vireo_utcb *)SERVER_UTCB;
    uint64_t st = 0;
    for (unsigned v = 0; v < EVENTS && !st; v++) {
        st = hc(VIREO_HC_CREATE_PT, EVENT_BASE(i) + v, VIREO_SEL_SELF_PD, SEL_PAGER, 0,
                (uint64_t)pager, 0);
        if (!st)
            st = hc(VIREO_HC_PT_CTRL, EVENT_BASE(i) + v, (uint64_t)i << 8 | v, 0, 0, 0, 0);
    }
    memset(u->words, 0, 32);
    memcpy(u->words, s->name, sizeof(s->name) - 1);
    u->head.untyped = 4;
    if (!st)
        st = hc(VIREO_HC_CREATE_PD, SEL_SERVER(i, 0), VIREO_SEL_SELF_PD,
                vireo_crd_make(VIREO_CRD_OBJ, EVENT_BASE(i), 5, VIREO_PT_CALL), 0, 0, 0);
    if (!st)
        st = hc(VIREO_HC_CREATE_EC, SEL_SERVER(i, 1), SEL_SERVER(i, 0),
                (uint64_t)EVENT_BASE(i) << 16, SERVER_UTCB, SERVER_STACK_TOP - 8, 0);
    if (!st)
        st = hc(VIREO_HC_CREATE_PT, SEL_SERVER(i, 2), VIREO_SEL_SELF_PD, SEL_SERVER(i, 1), 0,
                s->entry, 0);
    if (!st)
        st = hc(VIREO_HC_PT_CTRL, SEL_SERVER(i, 2), 0, 0, 0, 0, 0);
    if (!st && s->irq >= 0)
        st = hc(VIREO_HC_CREATE_SM, SEL_SERVER(i, 3), VIREO_SEL_SELF_PD, 0, 0, 0, 0);
    if (!st && s->irq >= 0)
        st = hc(VIREO_HC_ASSIGN_GSI, SEL_SERVER(i, 3), (uint64_t)s->irq, 0, 0, 0, 0);
    s->console_pt = i > 0 && !strcmp(servers[0].name, "console");
    if (!st && s->console_pt)           /* the console knows its clients by portal id */
        st = hc(VIREO_HC_CREATE_PT, SEL_SERVER(i, 4), VIREO_SEL_SELF_PD, SEL_SERVER(0, 1), 0,
                servers[0].entry, 0);
    if (!st && s->console_pt)
        st = hc(VIREO_HC_PT_CTRL, SEL_SERVER(i, 4), i, 0, 0, 0, 0);
    return st;
}

/* The module named `name` (up to a blank), or -1. */
static int find_module(const char *name)
{
    size_t n = 0;
    while (name[n] && name[n] != ' ')
        n++;
    if (!n)
        return -1;
    for (unsigned m = 1; m < hip->module_count; m++) {
        const char *c = hip->modules[m].cmdline;
        if (!strncmp(c, name, n) && (c[n] == ' ' || !c[n]))
            return (int)m;
    }
    return -1;
}

static bool is_vmm(const char *cmd)
{
    size_t n = strlen(VMM_NAME);
    return !strncmp(cmd, VMM_NAME, n) && (cmd[n] == ' ' || !cmd[n]);
}

/* A module some VMM's line names: the guest's, not a server. */
static bool is_guest(unsigned m)
{
    struct vmm_config c;
    struct vmm_config_error e;
    for (unsigned k = 1; k < hip->module_count; k++) {
        if (!is_vmm(hip->modules[k].cmdline))
            continue;
        vmm_config_parse(hip->modules[k].cmdline, &c, &e);    /* up to an error, if any */
        for (unsigned i = 0; i < c.module_count; i++)
            if (find_module(c.modules[i].name) == (int)m)
                return true;
    }
    return false;
}

static bool vmm_error(const struct server *s, unsigned m, const char *what, const char *at)
{
    char where[40] = "";
    if (at)
        memcpy(where, at, MIN(strlen(at), sizeof(where) - 1));
    say("root: %s (module %u): %s%s%s%s; not started\n", s->name, m, what, at ? " at '" : "",
        where, at ? "'" : "");
    return false;
}

/* A VMM's line: its guest's RAM, its modules and the guest's command line, checked; the
   RAM taken last, once all else is well. */
static bool parse_vmm(struct server *s, unsigned m, const char *cmd)
{
    struct vmm_config c;
    struct vmm_config_error e;
    if (strlen(cmd) >= VIREO_HIP_CMDLINE - 1)  /* the hypervisor may have cut it */
        return vmm_error(s, m, "line too long for the hypervisor information page", NULL);
    if (!vmm_config_parse(cmd, &c, &e))
        return vmm_error(s, m, e.what, e.at);
    struct vmm_boot *b = &s->boot;
    *b = (struct vmm_boot){ .ram_size = c.mem_mib * MIB, .tsc_khz = hip->tsc_khz,
                            .wall_seconds = wall_seconds, .wall_tsc = wall_tsc,
                            .module_count = c.module_count };
    for (unsigned k = 0; k < c.module_count; k++) {
        int g = find_module(c.modules[k].name);
        if (g < 0 || g == (int)m)
            return vmm_error(s, m, "no such module", c.modules[k].name);
        s->guest[k] = g;
        memcpy(b->modules[k].key, c.modules[k].key, sizeof(b->modules[k].key));
        b->modules[k].addr = module_dst(k, g) + hip->modules[g].start % PAGE;
        b->modules[k].size = hip->modules[g].size;
    }
    /* Without cmdline=, the first module's own line, as multiboot guests had it. */
    const char *line = c.has_cmdline ? c.cmdline : c.module_count ?
                       hip->modules[s->guest[0]].cmdline : "";
    memcpy(b->cmdline, line, MIN(strlen(line), sizeof(b->cmdline) - 1));
    s->ram_order = (unsigned)__builtin_ctzll(b->ram_size / PAGE);
    if (give_vmm_memory(s, NULL, 4) > MAX_ITEMS)  /* after its page, PD, EC and console */
        return vmm_error(s, m, "its modules need too many mappings", NULL);
    if (!(s->ram = ram_chunk(s->ram_order))) {
        say("root: %s (module %u): no %lu MiB of RAM for the guest; not started\n", s->name,
            m, c.mem_mib);
        return false;
    }
    s->vmm = true;
    return true;
}

/* Hex digits from p on; *end gets the first other character. */
static uint64_t parse_hex(const char *p, const char **end)
{
    uint64_t v = 0;
    for (; (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'); p++)
        v = v * 16 + (unsigned)(*p <= '9' ? *p - '0' : *p - 'a' + 10);
    *end = p;
    return v;
}

/* vga=0xADDR: a text buffer the root holds as device memory, else none (and says why). */
static uint64_t check_vga(const char *server, uint64_t pa)
{
    vireo_crd held = 0;
    if (pa != VGA_COLOUR && pa != VGA_MONO) {
        uart_printf("root: %s: vga=0x%lx is no VGA text buffer (0xb8000 or 0xb0000)\n",
                    server, pa);
        return 0;
    }
    hc_lookup(vireo_crd_make(VIREO_CRD_MEM, (hip->mem_window + pa) / PAGE, 0, 0), &held, NULL);
    if (vireo_crd_kind(held) != VIREO_CRD_MEM || !(vireo_crd_rights(held) & VIREO_MEM_DEVICE)) {
        uart_printf("root: %s: no device memory at 0x%lx to give\n", server, pa);
        return 0;
    }
    return pa;
}

static void parse_module(unsigned m)
{
    struct server *s = &servers[server_count];
    const char *cmd = hip->modules[m].cmdline;
    unsigned n = 0;
    *s = (struct server){ .irq = -1 };
    while (cmd[n] && cmd[n] != ' ' && n < sizeof(s->name) - 1) {
        s->name[n] = cmd[n];
        n++;
    }
    if (is_guest(m) || (is_vmm(cmd) && !parse_vmm(s, m, cmd)))
        return;
    const char *end = s->vmm ? cmd : cmd + strlen(cmd);      /* a VMM's line is parsed */
    for (const char *p = cmd; p < end; p++) {
        if (strncmp(p, IRQ_ARG, strlen(IRQ_ARG)) == 0)
            for (p += strlen(IRQ_ARG), s->irq = 0; *p >= '0' && *p <= '9'; p++)
                s->irq = s->irq * 10 + (*p - '0');
        if (strncmp(p, IO_ARG, strlen(IO_ARG)) == 0) {
            s->io_base = parse_hex(p + strlen(IO_ARG), &p);
            s->io_order = 3;            /* a UART's eight registers */
        }
        if (strncmp(p, VGA_ARG, strlen(VGA_ARG)) == 0)
            s->vga = check_vga(s->name, parse_hex(p + strlen(VGA_ARG), &p));
        if (p >= end)
            break;
    }
    s->module = hip->mem_window + hip->modules[m].start;
    s->size = hip->modules[m].size;
    const char *err = elf_load((const void *)s->module, s->size, SERVER_STACK_TOP -
                               SERVER_STACK_SIZE, keep_segment, s, &s->entry);
    if (err) {
        say("root: module %u '%s' is not a server: %s\n", m, s->name, err);
        return;
    }
    /* One empty call lets the server set itself up (and shows that it runs). */
    uint64_t st = start_server(server_count);
    struct vireo_utcb *u = (struct vireo_utcb *)SERVER_UTCB;
    u->head.untyped = 0;
    u->head.typed = 0;
    if (s->vmm) {                       /* what the VMM must know about its guest */
        s->boot.event_base = EVENT_BASE(server_count);
        memcpy(u->words, &s->boot, sizeof(s->boot));
        u->head.untyped = (uint16_t)((sizeof(s->boot) + 7) / 8);
    }
    if (!st)
        st = vireo_hypercall(VIREO_HC_CALL, SEL_SERVER(server_count, 2), 0, 0, 0).status;
    say("root: server %u '%s' %s (status %lu)\n", server_count, s->name,
        st ? "did not start" : "started", st);
    if (!st)
        server_count++;
}

/* Takes the console's input (the root has it until a VMM takes it, or the user moves it);
   false if there is no console or it has no input. */
static bool attach_input(void)
{
    if (!console_up)
        return false;
    uint64_t st = console_attach((struct vireo_utcb *)SERVER_UTCB, SEL_SERVER(0, 2), SEL_INPUT,
                                 "root");
    if (st)
        say("root: no input from the console (status %lu); no echo\n", st);
    return !st;
}

/* `vms`: every server the root started, with its number for `kill`. */
static void list_servers(void)
{
    for (unsigned i = 0; i < server_count; i++)
        say("root: server %u '%s'%s: %s\n", i, servers[i].name,
            servers[i].vmm ? " (a VMM)" : "", servers[i].dead ? "ended" : "running");
}

/* `kill N` or `kill NAME` (the first running server of that name): revokes the server's
   PD, EC and portals as end_server() does for a faulting one; a VMM's VM goes with its
   PD. The console server (0) prints this and stays. */
static void kill_server(const char *arg)
{
    unsigned i = 0;
    bool number = *arg >= '0' && *arg <= '9' && !arg[1];
    for (; i < server_count; i++)
        if (number ? i == (unsigned)(*arg - '0') : !strcmp(servers[i].name, arg) &&
                                                    !servers[i].dead)
            break;
    if (i >= server_count || servers[i].dead) {
        say("root: kill: no running server '%s' (vms lists them)\n", arg);
        return;
    }
    if (i == 0 && console_up) {
        say("root: kill: the console server stays\n");
        return;
    }
    uint64_t self = VIREO_HC_FLAG_REVOKE_SELF << VIREO_HC_FLAGS_SHIFT;
    servers[i].dead = true;
    vireo_hypercall(VIREO_HC_REVOKE | self, vireo_crd_make(VIREO_CRD_OBJ, SEL_SERVER(i, 0), 3,
                                                           0), 0, 0, 0);
    say("root: killed server %u '%s' (from the console)\n", i, servers[i].name);
}

/* A typed line: a command, or echoed. */
static void take_line(const char *line)
{
    if (!strcmp(line, "vms"))
        list_servers();
    else if (!strncmp(line, "kill ", 5))
        kill_server(line + 5);
    else
        say("root: you typed '%s'\n", line);
}

/* Typed bytes, assembled into lines: commands or echoed. */
static void echo_bytes(const char *in, size_t n)
{
    static char line[LINE_MAX];
    static unsigned len;
    for (size_t i = 0; i < n; i++) {
        if (in[i] == '\r' || in[i] == '\n') {
            line[len] = '\0';
            if (len)
                take_line(line);
            len = 0;
        } else if (in[i] && len < LINE_MAX - 1) {
            line[len++] = in[i];
        }
    }
}

/* Echoes input line by line: it sleeps on its input semaphore and reads without waiting,
   so the console serves everyone else meanwhile. */
static NORETURN void echo_input(bool echo)
{
    struct vireo_utcb *u = (struct vireo_utcb *)SERVER_UTCB;
    char in[LINE_MAX];
    for (;;) {
        struct console_input got = { 0, 0, 1 };
        while (echo && got.left && !console_read(u, SEL_SERVER(0, 2), in, sizeof(in), &got))
            echo_bytes(in, got.got);
        if (echo)
            console_wait(SEL_INPUT, 0);
        else                            /* no console input: nothing to wait for */
            hc_sm_down(SEL_IDLE, 0);
    }
}

NORETURN void main(struct vireo_utcb *utcb, const struct vireo_hip *h);
NORETURN void main(struct vireo_utcb *utcb, const struct vireo_hip *h)
{
    hip = h;
    uart_printf("root: running in ring 3, UTCB at %p\n", (void *)utcb);
    if (hip->magic != VIREO_HIP_MAGIC) {
        uart_printf("root: no hypervisor information page\n");
        for (;;)
            __asm__ volatile("pause");
    }
    uint64_t st = hc(VIREO_HC_CREATE_EC, SEL_PAGER, VIREO_SEL_SELF_PD, 0, PAGER_UTCB,
                     (uint64_t)&pager_stack[STACK_WORDS - 1], 0);
    if (!st)
        st = hc(VIREO_HC_CREATE_SM, SEL_IDLE, VIREO_SEL_SELF_PD, 0, 0, 0, 0);
    if (st)
        uart_printf("root: cannot create the pager: status %lu\n", st);
    if (!cmos_clock(&wall_seconds, &wall_tsc))
        uart_printf("root: the CMOS clock does not read; guests start in 1970\n");
    /* Once the console runs, lines go through it: a VMM started here may print already. */
    for (unsigned m = 1; m < hip->module_count && server_count < MAX_SERVERS && !st; m++) {
        parse_module(m);
        console_up = server_count && !strcmp(servers[0].name, "console");
    }
    uint64_t ram = 0;
    for (unsigned i = 0; i < hip->mem_count; i++)
        ram += hip->mem[i].size;
    say("root: %u CPU(s), TSC %lu kHz; %lu MiB of RAM in %u range(s); the hypervisor keeps "
        "%lu MiB\n", hip->cpu_count, hip->tsc_khz, ram / MIB, hip->mem_count,
        (uint64_t)(hip->kernel_free_pages * PAGE / MIB));
    const uint8_t *img = (const uint8_t *)(hip->mem_window + hip->modules[0].start);
    say("root: module 0 '%s', %lu bytes, starts with %02x %c%c%c\n", hip->modules[0].cmdline,
        hip->modules[0].size, img[0], img[1], img[2], img[3]);
    struct vireo_hc_result r = vireo_hypercall(SPARE_HYPERCALL, 0, 0, 0, 0);
    say("root: spare hypercall %u returned status %lu (%s)\n", SPARE_HYPERCALL, r.status,
        r.status == VIREO_BAD_HYP ? "BAD_HYP, as it should" : "WRONG");
    bool echo = attach_input();
    say("root: ready%s\n", console_up ? " (printing through the console server)" : "");
    echo_input(echo);
}
