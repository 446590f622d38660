/* SPDX-License-Identifier: MIT */
/* Vireo: the ring-0 console: formatted lines to the serial port, one CPU at a time. */
#include "printf.h"
#include "serial.h"
#include "spinlock.h"

#define LINE_MAX 512

int console_level = LOG_INFO;
static struct spinlock console_lock;

void klog(enum log_level level, const char *fmt, ...)
{
    char buf[LINE_MAX];
    va_list ap;
    if ((int)level > console_level)
        return;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    spin_lock(&console_lock);
    serial_write(buf, MIN((size_t)n, sizeof(buf) - 1));
    spin_unlock(&console_lock);
}
