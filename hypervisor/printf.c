/* SPDX-License-Identifier: MIT */
/* Vireo: printf-style formatting into a bounded buffer. */
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

/* str[0..n) in s->width columns; zero padding goes after the first `sign` characters. */
static void put_padded(struct out *o, const struct spec *s, const char *str, size_t n,
                       size_t sign)
{
    size_t fill = s->width > n ? s->width - n : 0;
    size_t at = s->left ? n : (s->pad == '0' ? sign : 0);     /* where the padding goes */

    for (size_t i = 0; i < at; i++)
        put(o, str[i]);
    while (fill--)
        put(o, s->left ? ' ' : s->pad);
    for (size_t i = at; i < n; i++)
        put(o, str[i]);
}

/* Conversion d, i, u, x or X of v, which is sign-extended for d and i. */
static void put_number(struct out *o, const struct spec *s, uint64_t v, char conv)
{
    const char *digits = conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    unsigned base = conv == 'x' || conv == 'X' ? 16 : 10;
    bool negative = (conv == 'd' || conv == 'i') && (int64_t)v < 0;
    char tmp[24];
    size_t n = 0;

    if (negative)
        v = -v;
    do {
        tmp[sizeof(tmp) - 1 - n++] = digits[v % base];
        v /= base;
    } while (v);
    if (negative)
        tmp[sizeof(tmp) - 1 - n++] = '-';
    put_padded(o, s, tmp + sizeof(tmp) - n, n, negative);
}

static const char *parse_spec(const char *f, struct spec *s)
{
    *s = (struct spec){ .pad = ' ' };
    for (; *f == '-' || *f == '0'; f++) {
        if (*f == '-')
            s->left = true;
        else
            s->pad = '0';
    }
    while (*f >= '0' && *f <= '9')
        s->width = s->width * 10 + (unsigned)(*f++ - '0');
    for (; *f == 'l' || *f == 'h' || *f == 'z'; f++)
        s->length += *f == 'h' ? -1u : (*f == 'z' ? 2u : 1u);
    return f;
}

/* The argument as the length modifier types it (C99 7.19.6.1), sign- or zero-extended. */
static uint64_t arg_integer(const struct spec *s, va_list *ap, bool is_signed)
{
    switch ((int)s->length) {
    case 0: return is_signed ? (uint64_t)va_arg(*ap, int) : va_arg(*ap, unsigned int);
    case -1: return is_signed ? (uint64_t)(int16_t)va_arg(*ap, int) : (uint16_t)va_arg(*ap, int);
    case -2: return is_signed ? (uint64_t)(int8_t)va_arg(*ap, int) : (uint8_t)va_arg(*ap, int);
    case 1: return is_signed ? (uint64_t)va_arg(*ap, long) : va_arg(*ap, unsigned long);
    default: return is_signed ? (uint64_t)va_arg(*ap, long long) : va_arg(*ap, unsigned long long);
    }
}

static void convert(struct out *o, char c, const struct spec *s, va_list *ap)
{
    static const struct spec pointer = { .pad = '0', .width = 16 };
    const char *str;
    char ch;

    switch (c) {
    case 'd':
    case 'i':
    case 'u':
    case 'x':
    case 'X':
        put_number(o, s, arg_integer(s, ap, c == 'd' || c == 'i'), c);
        break;
    case 'p':
        put(o, '0');
        put(o, 'x');
        put_number(o, &pointer, (uintptr_t)va_arg(*ap, void *), 'x');
        break;
    case 'c':
        ch = (char)va_arg(*ap, int);
        put_padded(o, s, &ch, 1, 0);
        break;
    case 's':
        str = va_arg(*ap, const char *);
        str = str ? str : "(null)";
        put_padded(o, s, str, strlen(str), 0);
        break;
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
