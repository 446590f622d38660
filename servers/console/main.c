/* SPDX-License-Identifier: MIT */
/* Vireo console server: owns COM1 and the VGA text screen where there is one; prints whole
   lines for each client, never mixed, and hands typed input to one client at a time. The
   client with the input focus also has its unfinished line on COM1 at once (a shell's
   prompt and echo); a line of anyone else's first ends it there. */
#include <vireo/crd.h>
#include <vireo/sel.h>
#include "hc.h"
#include "input.h"
#include "layout.h"
#include "thread.h"
#include "vireo.h"

#define CLIENTS INPUT_CLIENTS
#define LINE 160
#define COM1 0x3f8
#define UART_IER 1
#define UART_LSR 5
#define IER_RX_AVAILABLE 0x01
#define LSR_DATA_READY 0x01

/* Input: a thread of its own waits for COM1's interrupt and calls the console through a
   portal of its own, so draining the UART takes turns with printing, never in parallel. */
#define SEL_INPUT_PT (VIREO_SEL_FIRST_FREE + 0)
#define SEL_INPUT_EC (VIREO_SEL_FIRST_FREE + 1)
#define SEL_INPUT_SC (VIREO_SEL_FIRST_FREE + 2)
#define SEL_CLIENT_SM(c) (VIREO_SEL_FIRST_FREE + 16 + (c))     /* each client's semaphore */
#define INPUT_ID 0x10000ull             /* that portal's id: no client's (the root's ids) */
#define INPUT_UTCB (SERVER_UTCB - 0x1000)
#define INPUT_PRIO (VIREO_PRIO_MAX / 2 + 64)    /* above servers and guests: typing stays
                                                   responsive while they compute */
#define INPUT_QUANTUM_US 1000
#define INPUT_STACK_WORDS 512
#define DRAIN_MAX 64                    /* bytes per drain: a printer waits no longer */

/* VGA text mode 3 (colour) or 7 (mono): 80x25 cells of character and attribute. */
#define VGA_COLS 80
#define VGA_ROWS 25
#define VGA_ATTR 0x0700                 /* light grey on black */
#define VGA_MONO_FRAME 0xb0
#define CRTC_COLOUR 0x3d4
#define CRTC_MONO 0x3b4
#define CRTC_DATA 1
#define CRTC_CURSOR_HIGH 0x0e           /* cursor location, VGA CRTC registers 0Eh/0Fh */
#define CRTC_CURSOR_LOW 0x0f
#define PROBE_A 0x1e56                  /* 'V', yellow on blue */
#define PROBE_B 0x61a9

struct line {
    char text[LINE];
    unsigned len;
    unsigned shown;                     /* bytes of it already on COM1 (unfinished line) */
};

struct screen {
    volatile uint16_t *cells;           /* NULL: no VGA, COM1 only */
    uint16_t shadow[VGA_ROWS * VGA_COLS];   /* what is on it: scrolling never reads VGA */
    uint16_t crtc;
    unsigned row, col;
};

static struct line lines[CLIENTS];
static struct line own;                 /* the console's own messages */
static struct line *shown_line;         /* whose unfinished line COM1 shows, or NULL */
static struct screen screen;
static bool set_up;
static struct input input;
static bool input_up;                   /* the thread runs: clients may attach */
static uint32_t client_sm;              /* bit c: SEL_CLIENT_SM(c) exists */
static uint64_t input_stack[INPUT_STACK_WORDS] __attribute__((aligned(16)));
extern char _start[];                   /* the entry every portal call starts at */

static void crtc_write(uint8_t reg, uint8_t value)
{
    outb(screen.crtc, reg);
    outb((uint16_t)(screen.crtc + CRTC_DATA), value);
}

/* Copies cells [first, end) to the screen and puts the cursor where the next line goes. */
static void screen_sync(unsigned first, unsigned end)
{
    for (unsigned i = first; i < end; i++)
        screen.cells[i] = screen.shadow[i];
    uint16_t at = (uint16_t)(screen.row * VGA_COLS + screen.col);
    crtc_write(CRTC_CURSOR_HIGH, (uint8_t)(at >> 8));
    crtc_write(CRTC_CURSOR_LOW, (uint8_t)at);
}

static void screen_newline(void)
{
    screen.col = 0;
    if (++screen.row < VGA_ROWS)
        return;
    screen.row = VGA_ROWS - 1;
    memmove(screen.shadow, screen.shadow + VGA_COLS, (VGA_ROWS - 1) * VGA_COLS * 2);
    for (unsigned c = 0; c < VGA_COLS; c++)
        screen.shadow[(VGA_ROWS - 1) * VGA_COLS + c] = VGA_ATTR | ' ';
}

/* One whole line, wrapped at 80 columns, scrolling the screen up when it is full. */
static void screen_line(const char *text)
{
    unsigned first = screen.row * VGA_COLS, scrolled = 0;
    for (; *text; text++) {
        if (screen.col == VGA_COLS) {
            scrolled |= screen.row == VGA_ROWS - 1;
            screen_newline();
        }
        char c = *text >= ' ' && *text <= '~' ? *text : '?';
        screen.shadow[screen.row * VGA_COLS + screen.col++] = (uint16_t)(VGA_ATTR | (uint8_t)c);
    }
    scrolled |= screen.row == VGA_ROWS - 1;
    screen_newline();
    screen_sync(scrolled ? 0 : first, scrolled ? VGA_ROWS * VGA_COLS : screen.row * VGA_COLS);
}

/* Ends another client's unfinished line on COM1 before l's text goes there; that client
   shows its line again in full when it next prints. */
static void cut_shown(const struct line *l)
{
    if (!shown_line || shown_line == l)
        return;
    uart_printf("\n");
    shown_line->shown = 0;
    shown_line = NULL;
}

static void take(struct line *l, char c)
{
    if (c != '\n' && l->len < LINE - 1) {
        l->text[l->len++] = c;
        return;
    }
    l->text[l->len] = '\0';
    cut_shown(l);
    if (screen.cells)                   /* the screen first: once COM1 shows it, so does VGA */
        screen_line(l->text);
    uart_printf("%s\n", l->text + l->shown);    /* an overlong line is cut, not interleaved */
    l->len = l->shown = 0;
    if (shown_line == l)
        shown_line = NULL;
}

/* The focused client's unfinished line goes to COM1 now: a prompt waits for no newline. */
static void show_unfinished(uint64_t client)
{
    struct line *l = &lines[client % CLIENTS];
    if (!input_up || input.focus != (int)client || l->shown == l->len)
        return;
    cut_shown(l);
    l->text[l->len] = '\0';
    uart_printf("%s", l->text + l->shown);
    l->shown = l->len;
    shown_line = l;
}

static void say(const char *fmt, ...) PRINTF_LIKE(1, 2);
static void say(const char *fmt, ...)
{
    char text[LINE];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    for (const char *p = text; *p; p++)
        take(&own, *p);
}

/* Which text buffer the root gave us, if any: "" or why there is none. */
static const char *vga_given(uint64_t *frame)
{
    vireo_crd held = 0;
    hc_lookup(vireo_crd_make(VIREO_CRD_MEM, SERVER_VGA / 4096, 0, 0), &held, frame);
    unsigned rw = VIREO_MEM_R | VIREO_MEM_W;
    if (vireo_crd_kind(held) != VIREO_CRD_MEM || (vireo_crd_rights(held) & rw) != rw)
        return "none given: no vga= on its module line";
    screen.crtc = *frame == VGA_MONO_FRAME ? CRTC_MONO : CRTC_COLOUR;
    hc_lookup(vireo_crd_make(VIREO_CRD_IO, screen.crtc, 0, 0), &held, NULL);
    if (vireo_crd_kind(held) != VIREO_CRD_IO)
        return "no CRT controller ports given";
    return "";
}

static uint8_t crtc_read(uint8_t reg)
{
    outb(screen.crtc, reg);
    return inb((uint16_t)(screen.crtc + CRTC_DATA));
}

/* A cell and the cursor register must keep two different values: unassigned memory
   and ports do not (an absent adapter's ports read as all ones). */
static const char *vga_answers(volatile uint16_t *cell)
{
    *cell = PROBE_A;
    uint16_t a = *cell;
    *cell = PROBE_B;
    if (a != PROBE_A || *cell != PROBE_B)
        return "no memory answers there";
    crtc_write(CRTC_CURSOR_LOW, (uint8_t)PROBE_A);
    a = crtc_read(CRTC_CURSOR_LOW);
    crtc_write(CRTC_CURSOR_LOW, (uint8_t)PROBE_B);
    if (a != (uint8_t)PROBE_A || crtc_read(CRTC_CURSOR_LOW) != (uint8_t)PROBE_B)
        return "no CRT controller answers";
    return "";
}

static void screen_init(void)
{
    uint64_t frame = 0;
    const char *why = vga_given(&frame);
    volatile uint16_t *cells = (volatile uint16_t *)SERVER_VGA;
    if (!*why)
        why = vga_answers(cells);
    if (*why) {
        say("console: no VGA text screen (%s); COM1 only\n", why);
        return;
    }
    screen.cells = cells;
    for (unsigned i = 0; i < VGA_ROWS * VGA_COLS; i++)
        screen.shadow[i] = VGA_ATTR | ' ';
    screen_sync(0, VGA_ROWS * VGA_COLS);
    say("console: VGA text screen at 0x%lx, %ux%u, CRT controller at 0x%x\n", frame * 4096,
        VGA_COLS, VGA_ROWS, screen.crtc);
}

static void wake_client(void *ctx, unsigned c)
{
    (void)ctx;
    if (client_sm & 1u << c)
        hc_sm_up(SEL_CLIENT_SM(c));
}

static void say_line(void *ctx, const char *line)
{
    (void)ctx;
    say("%s\n", line);
}

/* The input thread: each interrupt (or a drain that left bytes behind) is one call. */
static NORETURN void input_thread(struct vireo_utcb *u)
{
    for (;;) {
        u->head.untyped = 0;
        u->head.typed = 0;
        bool more = !hc_call(SEL_INPUT_PT) && u->head.untyped && u->words[0];
        if (!more)
            hc_sm_down(SERVER_SEL_IRQ, 0);
    }
}

/* Input needs COM1's interrupt, and the console's own PD and EC for the thread and its
   portal; without them it says so, and clients that attach hear BAD_DEV. */
static void input_setup(void)
{
    static const struct input_ops ops = { wake_client, say_line, NULL };
    input_init(&input, &ops);
    vireo_crd held = 0;
    uint64_t type = 0;
    hc_lookup(crd_obj(SERVER_SEL_IRQ, 0, 0), &held, &type);
    if (vireo_crd_kind(held) != VIREO_CRD_OBJ || type != VIREO_OBJ_SM) {
        say("console: no COM1 interrupt (no irq= on its module line); no input\n");
        return;
    }
    uint64_t st = hc_create_pt(SEL_INPUT_PT, VIREO_SEL_SELF_PD, VIREO_SEL_SELF_EC, 0,
                               (uint64_t)_start);
    if (!st)
        st = hc_pt_ctrl(SEL_INPUT_PT, INPUT_ID);
    if (!st)
        st = thread_create(SEL_INPUT_EC, SEL_INPUT_SC, INPUT_UTCB, input_stack,
                           sizeof(input_stack), input_thread,
                           VIREO_QPD(INPUT_PRIO, INPUT_QUANTUM_US), 0);
    if (st) {
        say("console: cannot start its input thread (status %lu); no input\n", st);
        return;
    }
    outb(COM1 + UART_IER, IER_RX_AVAILABLE);
    input_up = true;
}

static NORETURN void reply(struct vireo_utcb *u, uint64_t untyped, unsigned typed)
{
    u->head.untyped = (uint16_t)untyped;
    u->head.typed = (uint16_t)typed;
    hc_reply();
    __builtin_unreachable();
}

/* The input thread's call: what the UART holds, to the focused client; words[0] = 1 if
   bytes are left (the thread calls again rather than wait for an interrupt). */
static NORETURN void drain(struct vireo_utcb *u)
{
    uint8_t got[DRAIN_MAX];
    size_t n = 0;
    while (n < DRAIN_MAX && (inb(COM1 + UART_LSR) & LSR_DATA_READY))
        got[n++] = inb(COM1);
    input_take(&input, got, n);
    u->words[0] = (inb(COM1 + UART_LSR) & LSR_DATA_READY) != 0;
    reply(u, 1, 0);
}

/* CONSOLE_ATTACH: the client gets its semaphore (created at its first attach). */
static NORETURN void attach(struct vireo_utcb *u, uint64_t client)
{
    char name[CONSOLE_NAME] = "";
    if (u->head.untyped >= 1 + CONSOLE_NAME / 8)
        memcpy(name, &u->words[1], CONSOLE_NAME);
    uint64_t st = !input_up ? VIREO_BAD_DEV : client >= CLIENTS ? VIREO_BAD_PAR : 0;
    if (!st && !(client_sm & 1u << client)) {
        st = hc_create_sm(SEL_CLIENT_SM(client), VIREO_SEL_SELF_PD, 0);
        client_sm |= st ? 0 : 1u << client;
    }
    u->words[0] = st;
    if (st)
        reply(u, 1, 0);
    input_attach(&input, (unsigned)client, name, sizeof(name));
    struct vireo_typed_item *item = vireo_utcb_typed(u, 0);
    item->crd = crd_obj(SEL_CLIENT_SM(client), 0, VIREO_SM_DOWN);
    item->hotspot = 0;                  /* the client's window says where */
    reply(u, 1, 1);
}

/* CONSOLE_READ: what is buffered for the client, never waiting for more. */
static NORETURN void read_input(struct vireo_utcb *u, uint64_t client)
{
    uint64_t max = u->head.untyped >= 2 && u->words[1] ? u->words[1] : CONSOLE_READ_MAX;
    uint64_t dropped = 0, left = 0;
    size_t n = input_read(&input, client < CLIENTS ? (unsigned)client : CLIENTS,
                          (uint8_t *)&u->words[3], MIN(max, CONSOLE_READ_MAX), &dropped, &left);
    u->words[0] = n;
    u->words[1] = dropped;
    u->words[2] = left;
    reply(u, 3 + (n + 7) / 8, 0);
}

/* Each call enters here afresh with the portal id (the client) in RDI. */
NORETURN void main(uint64_t client);
NORETURN void main(uint64_t client)
{
    struct vireo_utcb *u = (struct vireo_utcb *)SERVER_UTCB;
    uint64_t n = u->head.untyped ? u->words[0] : 0;
    const char *bytes = (const char *)&u->words[1];
    if (!set_up) {                      /* the root's first call */
        set_up = true;
        screen_init();
        input_setup();
    }
    if (client == INPUT_ID)
        drain(u);
    if (n == CONSOLE_ATTACH)
        attach(u, client);
    if (n == CONSOLE_READ)
        read_input(u, client);
    if (n > CONSOLE_BYTES_MAX || n > (u->head.untyped - 1u) * 8ull)
        n = 0;                          /* a malformed request prints nothing */
    for (uint64_t i = 0; i < n; i++)
        take(&lines[client % CLIENTS], bytes[i]);
    if (n)
        show_unfinished(client);
    reply(u, 0, 0);
}
