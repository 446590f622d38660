/* SPDX-License-Identifier: MIT */
/* Vireo: validating parser of the root server's static ELF64 x86-64 executable. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* gABI "Segment Permissions": p_flags bits; other bits are dropped, not passed on. */
#define ELF_PF_X 1u
#define ELF_PF_W 2u
#define ELF_PF_R 4u
#define ELF_MAX_LOAD 16         /* PT_LOAD segments accepted; a static server has 2 to 4 */

/* One PT_LOAD segment, as the loader hands it to the caller. */
struct elf_segment {
    uint64_t vaddr;             /* >= 4 KiB; vaddr + memsz <= user_limit */
    uint64_t memsz;             /* > 0; bytes past filesz are zero (bss) */
    uint64_t offset;            /* congruent to vaddr modulo 4 KiB */
    uint64_t filesz;            /* <= memsz; offset + filesz within the image */
    unsigned flags;             /* ELF_PF_X/W/R, never both W and X */
};

/* Returns 0, or a nonzero status that stops the load. */
typedef int (*elf_segment_fn)(void *ctx, const struct elf_segment *seg);

/*
 * Validates the whole image [image, image + size), which must be readable (image is not
 * NULL) but need not be aligned, and only then calls fn for each PT_LOAD segment in file
 * order; a NULL fn just validates. The segments are in ascending, page-disjoint order: no
 * 4 KiB page holds bytes of two segments, so each page gets one set of permissions, and
 * e_entry lies in an executable one. Returns NULL with *entry set, or a message naming the
 * problem; for a bad image fn is never called. PT_INTERP (a dynamic executable) is refused.
 */
const char *elf_load(const void *image, size_t size, uint64_t user_limit, elf_segment_fn fn,
                     void *ctx, uint64_t *entry);
