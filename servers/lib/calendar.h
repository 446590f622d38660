/* SPDX-License-Identifier: MIT */
/* Vireo user runtime: the Gregorian calendar and seconds since 1970-01-01 00:00:00. */
#pragma once
#include <stdint.h>

#define CALENDAR_YEAR_MIN 1970
#define CALENDAR_YEAR_MAX 2199

struct calendar_time {
    unsigned year, month, day;          /* 1970-2199, 1-12, 1-31 */
    unsigned hour, minute, second;      /* 0-23, 0-59, 0-59 */
    unsigned weekday;                   /* 0 = Sunday (an output only) */
};

/* Seconds since the epoch; fields out of range are brought into it first (a day past the
   month's end is its last day, a year outside 1970-2199 the nearest such year). */
uint64_t calendar_to_seconds(const struct calendar_time *t);
/* The date and time `seconds` after the epoch (saturating at the end of 2199). */
void calendar_from_seconds(uint64_t seconds, struct calendar_time *t);
unsigned calendar_month_days(unsigned year, unsigned month);
