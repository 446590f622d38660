/* SPDX-License-Identifier: MIT */
/* Vireo user runtime: the console server's client side (the protocol is in layout.h).
   Each call names the calling EC's UTCB (the message goes through it) and the portal to
   the console: SERVER_SEL_CONSOLE for a server, the root's own for the root. The
   console's portal runs on CPU 0: call from an EC on CPU 0. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <vireo/utcb.h>

struct console_input {
    uint64_t got;               /* bytes read into the buffer */
    uint64_t dropped;           /* lost since the last read: the console's buffer was full */
    uint64_t left;              /* still waiting at the console */
};

/* Prints n bytes (at most CONSOLE_BYTES_MAX); whole lines appear at once. */
uint64_t console_write(struct vireo_utcb *u, uint64_t pt, const char *text, size_t n);
/* From now on the caller takes input when it has the focus; the console's semaphore for
   it lands at selector `sm` (which must be free). `name` is shown to the user. */
uint64_t console_attach(struct vireo_utcb *u, uint64_t pt, uint64_t sm, const char *name);
/* Blocks until input has come since the last wait (all ups at once), or until the TSC
   reaches `deadline` (0: none) -> VIREO_TIMEOUT. */
uint64_t console_wait(uint64_t sm, uint64_t deadline);
/* Never blocks: up to `max` buffered bytes into buf; in->got says how many. */
uint64_t console_read(struct vireo_utcb *u, uint64_t pt, char *buf, size_t max,
                      struct console_input *in);
