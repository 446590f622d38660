/* SPDX-License-Identifier: MIT */
/* Vireo: printf-style formatting into a bounded buffer. */
#include <stdint.h>
#include <stdbool.h>
#include "lib.h"
#include "printf.h"

struct out {
    char *buf;
    size_t size;
    size_t len;
};

struct spec {
    bool left;
    char pad;
    unsigned width;
    unsigned length;    /* 0 int, 1 long, 2 long long / size_t, -1 short, -2 char */
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_padded(struct out *o, const struct spec *s, const char *str, size_t n)
{
    size_t fill = s->width > n ? s->width - n : 0;
    if (!s->left)
        while (fill--)
            put(o, s->pad);
    for (size_t i = 0; i < n; i++)
        put(o, str[i]);
    if (s->left)
        while (fill--)
            put(o, ' ');
}

static void put_number(struct out *o, const struct spec *s, uint64_t v, unsigned base,
                       bool negative, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    size_t n = 0;
    do {
        tmp[sizeof(tmp) - 1 - n++] = digits[v % base];
        v /= base;
    } while (v);
    if (negative && s->pad == '0' && s->width) {
        put(o, '-');
        struct spec rest = *s;
        rest.width = s->width - 1;
        put_padded(o, &rest, tmp + sizeof(tmp) - n, n);
        return;
    }
    if (negative)
        tmp[sizeof(tmp) - 1 - n++] = '-';
    put_padded(o, s, tmp + sizeof(tmp) - n, n);
}

static const char *parse_spec(const char *f, struct spec *s)
{
    *s = (struct spec){ .pad = ' ' };
    for (;; f++) {
        if (*f == '-')
            s->left = true;
        else if (*f == '0')
            s->pad = '0';
        else
            break;
    }
    while (*f >= '0' && *f <= '9')
        s->width = s->width * 10 + (unsigned)(*f++ - '0');
    if (s->left)
        s->pad = ' ';
    for (; *f == 'l' || *f == 'h' || *f == 'z'; f++)
        s->length += *f == 'h' ? -1u : (*f == 'z' ? 2u : 1u);
    return f;
}

static uint64_t arg_unsigned(const struct spec *s, va_list *ap)
{
    switch ((int)s->length) {
    case 0: return va_arg(*ap, unsigned int);
    case -1: return (uint16_t)va_arg(*ap, unsigned int);
    case -2: return (uint8_t)va_arg(*ap, unsigned int);
    case 1: return va_arg(*ap, unsigned long);
    default: return va_arg(*ap, unsigned long long);
    }
}

static int64_t arg_signed(const struct spec *s, va_list *ap)
{
    switch ((int)s->length) {
    case 0: return va_arg(*ap, int);
    case -1: return (int16_t)va_arg(*ap, int);
    case -2: return (int8_t)va_arg(*ap, int);
    case 1: return va_arg(*ap, long);
    default: return va_arg(*ap, long long);
    }
}

static void convert(struct out *o, char c, const struct spec *s, va_list *ap)
{
    switch (c) {
    case 'd':
    case 'i': {
        int64_t v = arg_signed(s, ap);
        put_number(o, s, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, false);
        break;
    }
    case 'u': put_number(o, s, arg_unsigned(s, ap), 10, false, false); break;
    case 'x': put_number(o, s, arg_unsigned(s, ap), 16, false, false); break;
    case 'X': put_number(o, s, arg_unsigned(s, ap), 16, false, true); break;
    case 'p': {
        struct spec ps = { .pad = '0', .width = 16 };
        put(o, '0');
        put(o, 'x');
        put_number(o, &ps, (uintptr_t)va_arg(*ap, void *), 16, false, false);
        break;
    }
    case 'c': {
        char ch = (char)va_arg(*ap, int);
        put_padded(o, s, &ch, 1);
        break;
    }
    case 's': {
        const char *str = va_arg(*ap, const char *);
        if (!str)
            str = "(null)";
        put_padded(o, s, str, strlen(str));
        break;
    }
    default:            /* "%%" and unknown conversions print themselves */
        put(o, c);
    }
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { .buf = buf, .size = size };
    va_list args;
    va_copy(args, ap);
    while (*fmt) {
        if (*fmt != '%') {
            put(&o, *fmt++);
            continue;
        }
        struct spec s;
        fmt = parse_spec(fmt + 1, &s);
        if (!*fmt)
            break;
        convert(&o, *fmt++, &s, &args);
    }
    va_end(args);
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
