/* SPDX-License-Identifier: MIT */
/* Vireo root server: the host's CMOS clock (root/cmos.c). */
#pragma once
#include <stdbool.h>
#include <stdint.h>

/* The date and time (seconds since 1970) and the TSC when read; false if the clock never
   left its update cycle or would not read the same twice. */
bool cmos_clock(uint64_t *seconds, uint64_t *tsc);
