/* SPDX-License-Identifier: MIT */
/* Test guests: serial output, printf subset, test accounting, IDT and traps, exit. */
#include "guest.h"

static unsigned tests_run, tests_failed, tests_skipped;

trap_hook trap_hooks[256];
volatile uint32_t trap_resume, trap_vector, trap_error, trap_count, trap_eip;

/* 16550: polled, the transmitter holding register is free when LSR bit 5 is set. The
 * UART is not programmed; only THR, LSR and SCR are touched. */
static void serial_putc(char c)
{
    while (!(inb(COM1_LSR) & 0x20))
        ;
    outb(COM1, (uint8_t)c);
}

static void put_str(const char *s)
{
    while (*s)
        serial_putc(*s++);
}

/* n / d for a 32-bit d in two 32-bit DIVs (no libgcc in a 32-bit freestanding image). */
uint64_t udiv64(uint64_t n, uint32_t d)
{
    uint32_t hi = (uint32_t)(n >> 32), lo = (uint32_t)n, qhi = hi / d, rem = hi % d, qlo;
    __asm__("divl %2" : "=a"(qlo), "+d"(rem) : "rm"(d), "a"(lo));
    return ((uint64_t)qhi << 32) | qlo;
}

static void put_num(uint64_t v, uint32_t base, int width, char pad, bool neg)
{
    char buf[24];
    int n = 0;
    do {
        uint64_t q = udiv64(v, base);
        buf[n++] = "0123456789abcdef"[v - q * base];
        v = q;
    } while (v);
    if (neg)
        buf[n++] = '-';
    while (width-- > n)
        serial_putc(pad);
    while (n)
        serial_putc(buf[--n]);
}

/* %s %c %d %u %x %p and %%, with a width, a 0 flag and an l or ll size. */
static void vprint(const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            serial_putc(*fmt);
            continue;
        }
        char pad = ' ';
        int width = 0, longs = 0;
        if (*++fmt == '0')
            pad = '0', fmt++;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l')
            longs++, fmt++;
        uint64_t v;
        switch (*fmt) {
        case 's': put_str(va_arg(ap, const char *)); break;
        case 'c': serial_putc((char)va_arg(ap, int)); break;
        case 'd': {
            int64_t s = longs == 2 ? va_arg(ap, int64_t) : va_arg(ap, int32_t);
            put_num(s < 0 ? (uint64_t)-s : (uint64_t)s, 10, width, pad, s < 0);
            break;
        }
        case 'u':
        case 'x':
            v = longs == 2 ? va_arg(ap, uint64_t) : va_arg(ap, uint32_t);
            put_num(v, *fmt == 'u' ? 10 : 16, width, pad, false);
            break;
        case 'p': put_str("0x"); put_num((uint32_t)va_arg(ap, void *), 16, 8, '0', false); break;
        case '%': serial_putc('%'); break;
        default: return;
        }
    }
}

void printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(fmt, ap);
    va_end(ap);
}

bool check(bool ok, const char *fmt, ...)
{
    va_list ap;
    tests_run++;
    tests_failed += !ok;
    put_str(ok ? "PASS: " : "FAIL: ");
    va_start(ap, fmt);
    vprint(fmt, ap);
    va_end(ap);
    serial_putc('\n');
    return ok;
}

bool check_eq(const char *name, uint32_t got, uint32_t want)
{
    if (got == want)
        return check(true, "%s", name);
    return check(false, "%s (got 0x%x, want 0x%x)", name, got, want);
}

void skip(const char *name, const char *reason)
{
    tests_skipped++;
    printf("SKIP: %s (%s)\n", name, reason);
}

unsigned failures(void) { return tests_failed; }

/* Waits until the transmitter is empty: the last line is out. */
void guest_exit_drain(void)
{
    while (!(inb(COM1_LSR) & 0x40))
        ;
}

void guest_exit(uint32_t status)
{
    guest_exit_drain();
    outl(EXIT_PORT, status);
    for (;;)
        __asm__ volatile("cli; hlt");
}

void summary_and_exit(void)
{
    printf("SUMMARY: %u tests, %u unexpected failures", tests_run, tests_failed);
    if (tests_skipped)
        printf(", %u skipped", tests_skipped);
    printf("\n");
    guest_exit(tests_failed ? 1 : 0);
}

/* IDT: 256 interrupt gates (type 0xe, DPL 0) to the stubs of entry.asm. */
struct idt_gate {
    uint16_t off_lo, sel;
    uint8_t zero, type;
    uint16_t off_hi;
} __attribute__((packed));

extern const uint32_t trap_stubs[256];
static struct idt_gate idt[256] __attribute__((aligned(8)));

void idt_load_limit(uint16_t limit)
{
    struct {
        uint16_t limit;
        uint32_t base;
    } __attribute__((packed)) d = { limit, (uint32_t)idt };
    __asm__ volatile("lidt %0" ::"m"(d));
}

void idt_load(void) { idt_load_limit(sizeof(idt) - 1); }

static void idt_init(void)
{
    for (int v = 0; v < 256; v++)
        idt[v] = (struct idt_gate){ (uint16_t)trap_stubs[v], SEL_CODE32, 0, 0x8e,
                                    (uint16_t)(trap_stubs[v] >> 16) };
    idt_load();
}

void trap_expect(void)
{
    trap_vector = ~0u;
    trap_error = ~0u;
    trap_count = 0;
}

void guest_trap(struct trap_frame *f);
void guest_trap(struct trap_frame *f)
{
    if (trap_hooks[f->vector]) {
        trap_hooks[f->vector](f);
        return;
    }
    if (trap_resume) {
        trap_vector = f->vector;
        trap_error = f->error;
        trap_eip = f->eip;
        trap_count++;
        f->eip = trap_resume;
        trap_resume = 0;
        return;
    }
    check(false, "%s: unexpected exception %u, error 0x%x at eip 0x%x", guest_name, f->vector,
          f->error, f->eip);
    summary_and_exit();
}

void *memset(void *d, int c, size_t n)
{
    uint8_t *p = d;
    while (n--)
        *p++ = (uint8_t)c;
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    uint8_t *p = d;
    const uint8_t *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (uint8_t)*a - (uint8_t)*b;
        if (!*a)
            return 0;
    }
    return 0;
}

/* "key=HEX" (an optional 0x) as a separate word of the command line. */
bool cmdline_hex(const char *s, const char *key, uint32_t *out)
{
    size_t klen = 0;
    while (key[klen])
        klen++;
    for (; s && *s; s++) {
        bool word_start = *s != ' ' && (s[-1] == ' ' || s[-1] == '\0');
        if (!word_start || strncmp(s, key, klen) || s[klen] != '=')
            continue;
        const char *p = s + klen + 1;
        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
            p += 2;
        uint32_t v = 0;
        int digits = 0;
        for (; *p && *p != ' '; p++, digits++) {
            char c = *p;
            uint32_t d = c >= '0' && c <= '9' ? (uint32_t)(c - '0')
                       : c >= 'a' && c <= 'f' ? (uint32_t)(c - 'a' + 10)
                       : c >= 'A' && c <= 'F' ? (uint32_t)(c - 'A' + 10) : 16u;
            if (d == 16 || digits == 8)
                return false;
            v = v << 4 | d;
        }
        if (!digits)
            return false;
        *out = v;
        return true;
    }
    return false;
}

/* CPUID.1:ECX bit 31 and the signature "Vireo-VMM-v1" at leaf 0x40000000. */
bool hypervisor_is_vireo(void)
{
    uint32_t r[4];
    cpuid(1, r);
    if (!(r[2] & (1u << 31)))
        return false;
    cpuid(0x40000000, r);
    return r[1] == 0x65726956 && r[2] == 0x4d562d6f && r[3] == 0x31762d4d;
}

/* A page directory of 4 MiB pages (PSE) mapping [0, bytes) one to one. */
void paging_identity(uint32_t *pd, uint32_t bytes)
{
    for (uint32_t i = 0; i < 1024; i++)
        pd[i] = (uint64_t)i << 22 < bytes ? (i << 22) | 0x83 : 0;     /* P, RW, PS */
}

void paging_on(uint32_t *pd)
{
    write_cr4(read_cr4() | CR4_PSE);
    __asm__ volatile("mov %0, %%cr3" ::"r"(pd) : "memory");
    write_cr0(read_cr0() | CR0_PG);
}

void paging_off(void) { write_cr0(read_cr0() & ~CR0_PG); }

void guest_start(uint32_t magic, const struct mb1_info *mbi);
void guest_start(uint32_t magic, const struct mb1_info *mbi)
{
    idt_init();
    printf("%s: multiboot v1 test guest\n", guest_name);
    if (!check_eq("boot: EAX holds the multiboot magic", magic, MB1_BOOT_MAGIC))
        summary_and_exit();
    guest_main(mbi);
    summary_and_exit();
}
