/* SPDX-License-Identifier: MIT */
/* Vireo: formatted output (a subset of C99 printf) and the console. */
#pragma once
#include <stdarg.h>
#include <stddef.h>

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* %[-0][width][hh|h|l|ll|z]{d,i,u,x,X,c,s,p,%}; always NUL-terminates; returns the
   length the full output would have had. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) PRINTF_LIKE(3, 4);

extern int console_level;
/* Whole calls never interleave between CPUs. */
void klog(enum log_level level, const char *fmt, ...) PRINTF_LIKE(2, 3);
#define kprintf(...) klog(LOG_INFO, __VA_ARGS__)
