/* SPDX-License-Identifier: MIT */
/* Test guests: the shared runtime (serial output, test accounting, traps, port I/O). */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Selectors of the guest's own GDT (entry.asm). */
#define SEL_CODE32 0x08
#define SEL_DATA32 0x10
#define SEL_CODE16 0x18
#define SEL_DATA16 0x20

#define COM1 0x3f8
#define COM1_LSR (COM1 + 5)
#define COM1_SCR (COM1 + 7)
#define EXIT_PORT 0xf4

/* Multiboot Specification 0.6.96, 3.3: the boot information fields the guests read. */
#define MB1_BOOT_MAGIC 0x2badb002u
#define MB1_INFO_MEM (1u << 0)
#define MB1_INFO_CMDLINE (1u << 2)
#define MB1_INFO_MODS (1u << 3)
#define MB1_INFO_MMAP (1u << 6)
#define MB1_INFO_LOADER_NAME (1u << 9)

struct mb1_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    uint32_t syms[4], mmap_length, mmap_addr;
    uint32_t drives_length, drives_addr, config_table, boot_loader_name;
};

/* What trap_common (entry.asm) pushes: pusha, then vector and error code, then the CPU's. */
struct trap_frame {
    uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax;
    uint32_t vector, error, eip, cs, eflags;
};

typedef void (*trap_hook)(struct trap_frame *frame);

/* Each guest defines these; guest_main returning ends the run with the summary. */
extern const char guest_name[];
void guest_main(const struct mb1_info *mbi);

/* Test accounting: one PASS:/FAIL:/SKIP: line each. */
void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool check_eq(const char *name, uint32_t got, uint32_t want);
void skip(const char *name, const char *reason);
unsigned failures(void);
void summary_and_exit(void) __attribute__((noreturn));
void guest_exit(uint32_t status) __attribute__((noreturn));
void guest_exit_drain(void);
uint64_t udiv64(uint64_t n, uint32_t d);

/* Traps. A hook set for a vector runs instead of the default. Otherwise, if
 * trap_resume is set, the trap is recorded (trap_vector, trap_error, trap_eip, trap_count)
 * and the guest resumes there; any other trap is an unexpected failure that ends the run. */
extern trap_hook trap_hooks[256];
extern volatile uint32_t trap_resume, trap_vector, trap_error, trap_count, trap_eip;
void trap_expect(void);
void idt_load(void);
void idt_load_limit(uint16_t limit);

/* asm fragments: CATCH_BEGIN instructions CATCH_END resumes after them on a trap. */
#define CATCH_BEGIN "movl $.Lresume%=, trap_resume\n\t"
#define CATCH_END "\n.Lresume%=:\n\tmovl $0, trap_resume\n\t"

/* Helpers. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int strncmp(const char *a, const char *b, size_t n);
bool cmdline_hex(const char *cmdline, const char *key, uint32_t *out);
bool hypervisor_is_vireo(void);
void paging_identity(uint32_t *pd, uint32_t bytes);
void paging_on(uint32_t *pd);
void paging_off(void);

static inline void outb(uint16_t p, uint8_t v)
{
    __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(p));
}
static inline void outw(uint16_t p, uint16_t v)
{
    __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(p));
}
static inline void outl(uint16_t p, uint32_t v)
{
    __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(p));
}
static inline uint8_t inb(uint16_t p)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(p));
    return v;
}
static inline uint16_t inw(uint16_t p)
{
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(p));
    return v;
}
static inline uint32_t inl(uint16_t p)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(p));
    return v;
}

static inline void cpuid(uint32_t leaf, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline uint32_t read_cr0(void)
{
    uint32_t v;
    __asm__ volatile("mov %%cr0, %0" : "=r"(v));
    return v;
}
static inline void write_cr0(uint32_t v) { __asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory"); }
static inline uint32_t read_cr4(void)
{
    uint32_t v;
    __asm__ volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}
static inline void write_cr4(uint32_t v) { __asm__ volatile("mov %0, %%cr4" ::"r"(v) : "memory"); }
static inline uint32_t read_cr2(void)
{
    uint32_t v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}

static inline uint32_t mmio_read32(uint32_t addr) { return *(volatile uint32_t *)addr; }
static inline void mmio_write32(uint32_t addr, uint32_t v) { *(volatile uint32_t *)addr = v; }

#define CR0_PE (1u << 0)
#define CR0_TS (1u << 3)
#define CR0_WP (1u << 16)
#define CR0_PG (1u << 31)
#define CR4_PSE (1u << 4)
#define CR4_PGE (1u << 7)
#define CR4_OSFXSR (1u << 9)

#endif
