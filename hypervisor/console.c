/* SPDX-License-Identifier: MIT */
/* Vireo: the ring-0 console: formatted lines to the serial port, one CPU at a time. */
#include "printf.h"
#include "serial.h"
#include "spinlock.h"

#define LINE_MAX 512

int console_level = LOG_INFO;
static struct spinlock console_lock;

static void vlog(enum log_level level, const char *fmt, va_list ap)
{
    char buf[LINE_MAX];
    if ((int)level > console_level)
        return;
    int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
    size_t len = n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
    spin_lock(&console_lock);
    serial_write(buf, len);
    spin_unlock(&console_lock);
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(LOG_INFO, fmt, ap);
    va_end(ap);
}

void klog(enum log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(level, fmt, ap);
    va_end(ap);
}
