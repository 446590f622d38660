/* SPDX-License-Identifier: MIT */
/* Vireo: the hypervisor command line from the boot loader. */
#pragma once
#include <stddef.h>
#include <stdint.h>

enum boot_crash { CRASH_NONE, CRASH_UD, CRASH_PF };

struct boot_options {
    uint16_t serial_port;       /* 0: no serial output */
    int log_level;              /* enum log_level */
    enum boot_crash crash;      /* a deliberate ring-0 fault after boot, to test panics */
};

/*
 * Parses space-separated options into *opt (which holds the defaults on entry):
 *   serial=com1..com4 | serial=0xPORT | serial=none    loglevel=0..3 (error..debug)
 *   crash=ud | crash=pf    (an invalid opcode or a page fault in ring 0 once all CPUs are up)
 * Returns NULL or a message naming the offending option; *opt is unchanged on error.
 */
const char *cmdline_parse(const char *cmdline, struct boot_options *opt, char *err,
                          size_t err_size);
