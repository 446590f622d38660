/* SPDX-License-Identifier: MIT */
/* Vireo: the hypervisor command line from the boot loader. */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct boot_options {
    uint16_t serial_port;       /* 0: no serial output */
    int log_level;              /* enum log_level */
};

/*
 * Parses space-separated options into *opt (which holds the defaults on entry):
 *   serial=com1..com4 | serial=0xPORT | serial=none    loglevel=0..3 (error..debug)
 * Returns NULL or a message naming the offending option; *opt is unchanged on error.
 */
const char *cmdline_parse(const char *cmdline, struct boot_options *opt, char *err,
                          size_t err_size);
