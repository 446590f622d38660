/* SPDX-License-Identifier: MIT */
/* Vireo user runtime: the Gregorian calendar (leap years every 4, not 100, but 400). */
#include "calendar.h"

#define DAY 86400u
#define EPOCH_WEEKDAY 4                 /* 1970-01-01 was a Thursday */

static unsigned clamp(unsigned v, unsigned lo, unsigned hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static unsigned year_days(unsigned y)
{
    return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 366 : 365;
}

unsigned calendar_month_days(unsigned year, unsigned month)
{
    static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    month = clamp(month, 1, 12);
    return days[month - 1] + (month == 2 && year_days(year) == 366);
}

uint64_t calendar_to_seconds(const struct calendar_time *t)
{
    unsigned year = clamp(t->year, CALENDAR_YEAR_MIN, CALENDAR_YEAR_MAX);
    unsigned month = clamp(t->month, 1, 12);
    uint64_t days = clamp(t->day, 1, calendar_month_days(year, month)) - 1;
    for (unsigned y = CALENDAR_YEAR_MIN; y < year; y++)
        days += year_days(y);
    for (unsigned m = 1; m < month; m++)
        days += calendar_month_days(year, m);
    return days * DAY + clamp(t->hour, 0, 23) * 3600u + clamp(t->minute, 0, 59) * 60u +
           clamp(t->second, 0, 59);
}

void calendar_from_seconds(uint64_t seconds, struct calendar_time *t)
{
    uint64_t days = seconds / DAY;
    unsigned rest = (unsigned)(seconds % DAY);
    t->weekday = (unsigned)((days + EPOCH_WEEKDAY) % 7);
    t->year = CALENDAR_YEAR_MIN;
    while (days >= year_days(t->year) && t->year < CALENDAR_YEAR_MAX)
        days -= year_days(t->year++);
    t->month = 1;
    while (t->month < 12 && days >= calendar_month_days(t->year, t->month))
        days -= calendar_month_days(t->year, t->month++);
    if (days >= calendar_month_days(t->year, t->month)) {   /* past 2199: its last second */
        days = calendar_month_days(t->year, t->month) - 1;
        rest = DAY - 1;
    }
    t->day = (unsigned)days + 1;
    t->hour = rest / 3600;
    t->minute = rest / 60 % 60;
    t->second = rest % 60;
}
