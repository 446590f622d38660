/* SPDX-License-Identifier: MIT */
/* Vireo root server: a VMM's module line, parsed (host-testable; docs/vmm.md). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "layout.h"

#define VMM_NAME_MAX 32                 /* a module's name, with its NUL */
#define VMM_MEM_DEFAULT 16              /* MiB, without mem= */
#define VMM_MEM_MAX 2048                /* MiB: guest RAM stays below the MMIO hole */

/*
 * `vmm [KEY=VALUE]...`: words separated by blanks, quoted as GRUB quotes what it passes
 * on: a double quote starts or ends a part in which blanks belong to the word, and a
 * backslash takes the next character as it is. So `cmdline="a b"` in grub.cfg (which GRUB
 * hands over as `"cmdline=a b"`) and `cmdline="a b"` typed into a line mean the same.
 * mem=MIB is the guest's RAM (decimal, a power of two from 2 to VMM_MEM_MAX); cmdline=TEXT
 * is the guest's command line; every other KEY=NAME names a module the VMM gets, in order.
 */
struct vmm_config {
    uint64_t mem_mib;
    unsigned module_count;
    struct {
        char key[VMM_MODULE_KEY];
        char name[VMM_NAME_MAX];
    } modules[VMM_MODULES_MAX];
    bool has_cmdline;
    char cmdline[VMM_CMDLINE_MAX];
};

/* What is wrong and where: `at` points into the line. */
struct vmm_config_error {
    const char *what;
    const char *at;
};

/* Parses `line` (its first word, the program's name, is skipped); false with *err set if
   the line is malformed. */
bool vmm_config_parse(const char *line, struct vmm_config *c, struct vmm_config_error *err);
