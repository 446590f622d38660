/* SPDX-License-Identifier: MIT */
/* Vireo console server: owns COM1 and the VGA text screen where there is one; prints whole
   lines for each client, never mixed. */
#include <vireo/crd.h>
#include "hc.h"
#include "layout.h"
#include "vireo.h"

#define CLIENTS 16
#define LINE 160
#define READ_MAX 64
#define COM1 0x3f8
#define UART_IER 1
#define UART_LSR 5
#define IER_RX_AVAILABLE 0x01
#define LSR_DATA_READY 0x01
#define SM_DOWN (VIREO_HC_SM_CTRL | VIREO_HC_FLAG_SM_DOWN << VIREO_HC_FLAGS_SHIFT)

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
};

struct screen {
    volatile uint16_t *cells;           /* NULL: no VGA, COM1 only */
    uint16_t shadow[VGA_ROWS * VGA_COLS];   /* what is on it: scrolling never reads VGA */
    uint16_t crtc;
    unsigned row, col;
};

static struct line lines[CLIENTS];
static struct line own;                 /* the console's own messages */
static struct screen screen;
static bool rx_enabled, set_up;

/* Waits (on the caller's time) for the receive interrupt until some input is there. */
static uint64_t read_input(char *buf)
{
    if (!rx_enabled) {
        outb(COM1 + UART_IER, IER_RX_AVAILABLE);
        rx_enabled = true;
    }
    uint64_t n = 0;
    for (;;) {
        while (n < READ_MAX && (inb(COM1 + UART_LSR) & LSR_DATA_READY))
            buf[n++] = (char)inb(COM1);
        if (n || vireo_hypercall(SM_DOWN, SERVER_SEL_IRQ, 0, 0, 0).status != VIREO_SUCCESS)
            return n;
    }
}

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

static void take(struct line *l, char c)
{
    if (c != '\n' && l->len < LINE - 1) {
        l->text[l->len++] = c;
        return;
    }
    l->text[l->len] = '\0';
    if (screen.cells)                   /* the screen first: once COM1 shows it, so does VGA */
        screen_line(l->text);
    uart_printf("%s\n", l->text);       /* an overlong line is cut, not interleaved */
    l->len = 0;
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
    }
    if (n == CONSOLE_READ) {
        u->words[0] = read_input((char *)&u->words[1]);
        u->head.untyped = (uint16_t)(1 + (u->words[0] + 7) / 8);
        u->head.typed = 0;
        vireo_hypercall(VIREO_HC_REPLY, 0, 0, 0, 0);
        __builtin_unreachable();
    }
    if (n > CONSOLE_BYTES_MAX || n > (u->head.untyped - 1u) * 8ull)
        n = 0;                          /* a malformed request prints nothing */
    for (uint64_t i = 0; i < n; i++)
        take(&lines[client % CLIENTS], bytes[i]);
    u->head.untyped = 0;
    u->head.typed = 0;
    vireo_hypercall(VIREO_HC_REPLY, 0, 0, 0, 0);
    __builtin_unreachable();
}
