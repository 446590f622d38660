/* SPDX-License-Identifier: MIT */
/* Vireo root server: parses a VMM's module line into its configuration. Freestanding:
   plain loops, no library calls, so the host tests can run it as it is. */
#include "vmmcfg.h"

static bool blank(char c) { return c == ' ' || c == '\t'; }

static bool same(const char *a, size_t n, const char *b)
{
    size_t i = 0;
    for (; i < n && b[i] && a[i] == b[i]; i++)
        ;
    return i == n && !b[i];
}

/* Copies [s, s + n) with a NUL into dst of `cap` bytes; false if it does not fit. */
static bool take(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        return false;
    for (size_t i = 0; i < n; i++)
        dst[i] = s[i];
    dst[n] = '\0';
    return true;
}

static bool fail(struct vmm_config_error *err, const char *what, const char *at)
{
    *err = (struct vmm_config_error){ what, at };
    return false;
}

/* mem=MIB: decimal, a power of two from 2 to VMM_MEM_MAX. */
static bool parse_mem(const char *v, size_t n, struct vmm_config *c)
{
    uint64_t mib = 0;
    if (n == 0 || n > 5)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        mib = mib * 10 + (uint64_t)(v[i] - '0');
    }
    if (mib < 2 || mib > VMM_MEM_MAX || (mib & (mib - 1)))
        return false;
    c->mem_mib = mib;
    return true;
}

/* The word at *p without its quoting into w (GRUB's own rules, which it applies when it
   writes a module's line: '\' takes the next character as it is, '"' starts and ends a
   quoted part in which blanks do not end the word); *p goes past it. */
static bool lex_word(const char **p, char *w, size_t cap, struct vmm_config_error *err)
{
    const char *s = *p, *quote = NULL;
    size_t n = 0;
    for (; *s && (quote || !blank(*s)); s++) {
        if (*s == '"') {
            quote = quote ? NULL : s;
            continue;
        }
        if (*s == '\\' && !*++s)
            return fail(err, "a backslash ends the line", s - 1);
        if (n + 1 >= cap)
            return fail(err, "word too long", *p);
        w[n++] = *s;
    }
    if (quote)
        return fail(err, "unterminated quote", quote);
    w[n] = '\0';
    *p = s;
    return true;
}

/* One KEY=VALUE word at *p; on success *p is past it. */
static bool parse_word(const char **p, struct vmm_config *c, struct vmm_config_error *err)
{
    char w[VMM_MODULE_KEY + VMM_CMDLINE_MAX + 1];
    const char *at = *p;
    if (!lex_word(p, w, sizeof(w), err))
        return false;
    size_t klen = 0;
    while (w[klen] && w[klen] != '=')
        klen++;
    if (!w[klen] || klen == 0)
        return fail(err, "expected KEY=VALUE", at);
    const char *v = w + klen + 1;
    size_t n = 0;
    while (v[n])
        n++;
    if (same(w, klen, "mem"))
        return parse_mem(v, n, c) ||
               fail(err, "mem= must be a power of two from 2 to 2048 (MiB)", at);
    if (same(w, klen, "cmdline")) {
        c->has_cmdline = true;
        return take(c->cmdline, sizeof(c->cmdline), v, n) ||
               fail(err, "cmdline= is too long", at);
    }
    for (unsigned i = 0; i < c->module_count; i++)
        if (same(w, klen, c->modules[i].key))
            return fail(err, "a module key given twice", at);
    if (c->module_count == VMM_MODULES_MAX)
        return fail(err, "too many modules (at most 4)", at);
    if (!take(c->modules[c->module_count].key, VMM_MODULE_KEY, w, klen))
        return fail(err, "key too long", at);
    if (n == 0 || !take(c->modules[c->module_count].name, VMM_NAME_MAX, v, n))
        return fail(err, "module name empty or too long", at);
    c->module_count++;
    return true;
}

bool vmm_config_parse(const char *line, struct vmm_config *c, struct vmm_config_error *err)
{
    *c = (struct vmm_config){ .mem_mib = VMM_MEM_DEFAULT };
    const char *p = line;
    while (*p && !blank(*p))
        p++;                            /* the program's own name */
    for (;;) {
        while (blank(*p))
            p++;
        if (!*p)
            return true;
        if (!parse_word(&p, c, err))
            return false;
    }
}
