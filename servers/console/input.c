/* SPDX-License-Identifier: MIT */
/* Vireo console server: typed bytes go to the focused client's ring; Ctrl-] and a key
   move the focus. Bytes that find the ring full are counted and dropped: the UART is
   drained at once whatever the clients do, so no client can hold up the others. */
#include "input.h"
#include "lib.h"
#include "printf.h"

static void notice(struct input *in, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void notice(struct input *in, const char *fmt, ...)
{
    char line[INPUT_LINE];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    in->ops.say(in->ops.ctx, line);
}

void input_init(struct input *in, const struct input_ops *ops)
{
    memset(in, 0, sizeof(*in));
    in->focus = INPUT_NOBODY;
    in->ops = *ops;
}

/* What was lost for client c since the last notice, once. */
static void say_drops(struct input *in, unsigned c)
{
    struct input_client *cl = &in->client[c];
    if (!cl->unsaid)
        return;
    notice(in, "console: %lu byte(s) of input for %u '%s' dropped: its buffer was full",
           (unsigned long)cl->unsaid, c, cl->name);
    cl->unsaid = 0;
}

static void set_focus(struct input *in, unsigned c)
{
    if (in->focus != INPUT_NOBODY)
        say_drops(in, (unsigned)in->focus);
    in->focus = (int)c;
    notice(in, "console: input goes to %u '%s' (Ctrl-] then n or a digit moves it)", c,
           in->client[c].name);
}

/* The help line: the keys, the clients that take input, and which one has it. */
static void help(struct input *in)
{
    char list[INPUT_LINE] = "";
    size_t len = 0;
    for (unsigned c = 0; c < INPUT_CLIENTS && len < sizeof(list); c++)
        if (in->client[c].attached)
            len += (size_t)ksnprintf(list + len, sizeof(list) - len, " %u '%s'", c,
                                     in->client[c].name);
    notice(in, "console: Ctrl-] then n: next client, 0-9: that client, Ctrl-]: itself; "
           "input clients:%s", *list ? list : " none");
}

bool input_attach(struct input *in, unsigned client, const char *name, size_t name_len)
{
    if (client >= INPUT_CLIENTS)
        return false;
    struct input_client *cl = &in->client[client];
    size_t n = 0;
    for (size_t i = 0; i < name_len && name[i] && n < INPUT_NAME - 1; i++)
        cl->name[n++] = name[i] >= ' ' && name[i] <= '~' && name[i] != '\'' ? name[i] : '?';
    cl->name[n] = '\0';
    if (!n)
        memcpy(cl->name, "client", sizeof("client"));
    cl->attached = true;
    if (in->focus == INPUT_NOBODY ||
        (!in->chosen && in->focus == INPUT_ROOT && client != INPUT_ROOT))
        set_focus(in, client);
    return true;
}

/* One byte for the focused client; true if it was kept. */
static bool deliver(struct input *in, uint8_t b)
{
    if (in->focus == INPUT_NOBODY)
        return false;                   /* nobody takes input yet */
    struct input_client *cl = &in->client[in->focus];
    if (cl->tail - cl->head == INPUT_RING) {
        cl->dropped++;
        cl->unsaid++;
        return false;
    }
    cl->ring[cl->tail++ % INPUT_RING] = b;
    return true;
}

/* The key after Ctrl-]. */
static void command(struct input *in, uint8_t b)
{
    if (b >= '0' && b <= '9' && b - '0' < INPUT_CLIENTS && in->client[b - '0'].attached) {
        in->chosen = true;
        set_focus(in, (unsigned)(b - '0'));
        return;
    }
    if (b == INPUT_NEXT && in->focus != INPUT_NOBODY) {
        unsigned c = (unsigned)in->focus;
        do
            c = (c + 1) % INPUT_CLIENTS;
        while (!in->client[c].attached);
        in->chosen = true;
        set_focus(in, c);
        return;
    }
    help(in);
}

void input_take(struct input *in, const uint8_t *bytes, size_t n)
{
    uint32_t fresh = 0;                 /* clients that got bytes: woken once each */
    _Static_assert(INPUT_CLIENTS <= 32, "one bit per client");
    for (size_t i = 0; i < n; i++) {
        if (in->escaped) {
            in->escaped = false;
            if (bytes[i] != INPUT_ESCAPE) {
                command(in, bytes[i]);
                continue;
            }
        } else if (bytes[i] == INPUT_ESCAPE) {
            in->escaped = true;
            continue;
        }
        if (deliver(in, bytes[i]))
            fresh |= 1u << in->focus;
    }
    for (unsigned c = 0; c < INPUT_CLIENTS; c++)
        if (fresh & 1u << c)
            in->ops.wake(in->ops.ctx, c);
}

size_t input_read(struct input *in, unsigned client, uint8_t *buf, size_t max,
                  uint64_t *dropped, uint64_t *left)
{
    *dropped = *left = 0;
    if (client >= INPUT_CLIENTS)
        return 0;
    struct input_client *cl = &in->client[client];
    size_t n = MIN(max, (size_t)(cl->tail - cl->head));
    for (size_t i = 0; i < n; i++)
        buf[i] = cl->ring[cl->head++ % INPUT_RING];
    *dropped = cl->dropped;
    *left = cl->tail - cl->head;
    cl->dropped = 0;
    say_drops(in, client);
    return n;
}
