/* SPDX-License-Identifier: MIT */
/* Vireo: command-line options: a table of names, each with its own parser. */
#include "cmdline.h"
#include "lib.h"
#include "printf.h"

#define TOKEN_MAX 64
#define TOKEN_SHOWN 24
#define MAX_PORT 0xfff8

struct option {
    const char *name;
    bool (*parse)(const char *value, struct boot_options *opt);
    const char *expected;
};

/* Decimal, or hexadecimal after 0x or 0X. */
static bool parse_number(const char *s, uint64_t *out)
{
    unsigned base = s[0] == '0' && (s[1] | 0x20) == 'x' ? 16 : 10;
    uint64_t v = 0;
    if (base == 16)
        s += 2;
    if (!*s)
        return false;
    for (; *s; s++) {
        unsigned lower = (unsigned)(*s | 0x20);     /* 'A'..'F' as 'a'..'f' */
        /* The digit's value, or `base` (never a digit) for any other character. */
        unsigned d = *s >= '0' && *s <= '9' ? (unsigned)(*s - '0')
                   : lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : base;
        if (d >= base || v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    *out = v;
    return true;
}

static bool parse_serial(const char *v, struct boot_options *opt)
{
    static const struct { const char *name; uint16_t port; } names[] = {
        { "com1", 0x3f8 }, { "com2", 0x2f8 }, { "com3", 0x3e8 }, { "com4", 0x2e8 },
        { "none", 0 },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
        if (!strcmp(v, names[i].name)) {
            opt->serial_port = names[i].port;
            return true;
        }
    }
    uint64_t port;
    if (!parse_number(v, &port) || port == 0 || port > MAX_PORT)
        return false;
    opt->serial_port = (uint16_t)port;
    return true;
}

static bool parse_loglevel(const char *v, struct boot_options *opt)
{
    uint64_t level;
    if (!parse_number(v, &level) || level > LOG_DEBUG)
        return false;
    opt->log_level = (int)level;
    return true;
}

static bool parse_crash(const char *v, struct boot_options *opt)
{
    opt->crash = !strcmp(v, "ud") ? CRASH_UD : !strcmp(v, "pf") ? CRASH_PF : CRASH_NONE;
    return opt->crash != CRASH_NONE;
}

static const struct option options[] = {
    { "serial", parse_serial, "com1..com4, none or an I/O port such as 0x3f8" },
    { "loglevel", parse_loglevel, "0 (errors) .. 3 (debug)" },
    { "crash", parse_crash, "ud or pf (a deliberate fault, for testing the panic report)" },
};

static const char *apply(const char *tok, struct boot_options *opt, char *err, size_t n)
{
    for (unsigned i = 0; i < ARRAY_SIZE(options); i++) {
        const struct option *o = &options[i];
        size_t len = strlen(o->name);
        if (strncmp(tok, o->name, len) || (tok[len] && tok[len] != '='))
            continue;
        if (tok[len] == '=' && o->parse(tok + len + 1, opt))
            return NULL;
        ksnprintf(err, n, "bad command-line option '%s': %s expects %s", tok, o->name,
                  o->expected);
        return err;
    }
    ksnprintf(err, n, "unknown command-line option '%s'", tok);
    return err;
}

const char *cmdline_parse(const char *cmdline, struct boot_options *opt, char *err,
                          size_t err_size)
{
    struct boot_options result = *opt;
    char tok[TOKEN_MAX];
    for (const char *p = cmdline; *p;) {
        while (*p == ' ')
            p++;
        size_t len = 0;
        while (p[len] && p[len] != ' ')
            len++;
        if (!len)
            break;
        if (len >= sizeof(tok)) {
            memcpy(tok, p, TOKEN_SHOWN);
            tok[TOKEN_SHOWN] = '\0';
            ksnprintf(err, err_size, "command-line option too long: '%s...'", tok);
            return err;
        }
        memcpy(tok, p, len);
        tok[len] = '\0';
        p += len;
        if (apply(tok, &result, err, err_size))
            return err;
    }
    *opt = result;
    return NULL;
}
