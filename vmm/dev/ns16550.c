/* SPDX-License-Identifier: MIT */
/* Vireo VMM: 16550A UART, after the National PC16550D datasheet: divisor latch, IER, IIR
   with its interrupt priorities (line status, received data, character timeout, THR empty,
   modem status), FCR and 16-byte FIFOs, LCR, MCR with loopback, LSR, MSR, scratch. The
   transmitter sends at once: THR is empty again right after each write, and the bytes go
   to the platform's console. The PC gates the IRQ line with MCR.OUT2. */
#include "ns16550.h"
#include "lib.h"

#define REG_DATA 0                      /* RBR / THR, DLL with DLAB */
#define REG_IER 1                       /* DLM with DLAB */
#define REG_IIR 2                       /* FCR on writes */
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define REG_MSR 6
#define REG_SCR 7
#define IER_RDA 0x01
#define IER_THRE 0x02
#define IER_RLS 0x04
#define IER_MS 0x08
#define IER_MASK 0x0f
#define IIR_NONE 0x01
#define IIR_RLS 0x06
#define IIR_RDA 0x04
#define IIR_TIMEOUT 0x0c
#define IIR_THRE 0x02
#define IIR_MS 0x00
#define IIR_FIFO 0xc0
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define FCR_KEEP 0xc9                   /* enable, DMA mode, trigger level */
#define LCR_DLAB 0x80
#define LCR_PARITY 0x08
#define LCR_STOP2 0x04
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1f
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_ERRORS 0x1e
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80
#define MSR_TERI 0x04
#define MSR_LINES_EXTERNAL (MSR_CTS | MSR_DSR | MSR_DCD)   /* a terminal is attached */
#define CLOCK_HZ 1843200u
#define TIMEOUT_CHARS 4
#define SAVE_MAGIC 0x30353531u          /* "1550" */
#define SAVE_VERSION 1

static bool fifo_on(const struct ns16550 *u) { return u->s.fcr & FCR_ENABLE; }
static unsigned rx_room(const struct ns16550 *u)
{
    return (fifo_on(u) ? NS16550_FIFO : 1u) - u->s.rx_count;
}

static unsigned rx_trigger(const struct ns16550 *u)
{
    static const uint8_t levels[4] = { 1, 4, 8, 14 };
    return fifo_on(u) ? levels[u->s.fcr >> 6] : 1;
}

/* The modem inputs: from the outputs in loopback, else those of an attached terminal. */
static uint8_t msr_lines(uint8_t mcr)
{
    if (!(mcr & MCR_LOOP))
        return MSR_LINES_EXTERNAL;
    return (uint8_t)((mcr & MCR_RTS ? MSR_CTS : 0) | (mcr & MCR_DTR ? MSR_DSR : 0) |
                     (mcr & MCR_OUT1 ? MSR_RI : 0) | (mcr & MCR_OUT2 ? MSR_DCD : 0));
}

/* Four character times (start, data, parity and stop bits at the divisor's rate). */
static uint64_t timeout_tsc(const struct ns16550 *u)
{
    unsigned bits = 1 + 5 + (u->s.lcr & 3) + !!(u->s.lcr & LCR_PARITY) + 1 +
                    !!(u->s.lcr & LCR_STOP2);
    unsigned divisor = (unsigned)u->s.dlm << 8 | u->s.dll;
    return dev_ticks_to_tsc(u->plat, (uint64_t)TIMEOUT_CHARS * bits * 16 * MAX(divisor, 1u),
                            CLOCK_HZ);
}

static bool timed_out(const struct ns16550 *u, uint64_t now)
{
    return fifo_on(u) && u->s.rx_count && now - MIN(now, u->s.rx_last) >= timeout_tsc(u);
}

/* The interrupt IIR reports, in the datasheet's priority order. */
static uint8_t interrupt_id(const struct ns16550 *u, uint64_t now)
{
    uint8_t ier = u->s.ier;
    if ((ier & IER_RLS) && u->s.lsr_errors)
        return IIR_RLS;
    if ((ier & IER_RDA) && u->s.rx_count >= rx_trigger(u))
        return IIR_RDA;
    if ((ier & IER_RDA) && timed_out(u, now))
        return IIR_TIMEOUT;
    if ((ier & IER_THRE) && u->s.thre_pending)
        return IIR_THRE;
    if ((ier & IER_MS) && u->s.msr_delta)
        return IIR_MS;
    return IIR_NONE;
}

static void update_irq(struct ns16550 *u, uint64_t now)
{
    bool level = interrupt_id(u, now) != IIR_NONE && (u->s.mcr & MCR_OUT2) &&
                 !(u->s.mcr & MCR_LOOP);
    if (u->s.irq_level == level)
        return;
    u->s.irq_level = level;
    u->plat->irq(u->plat->ctx, u->irq, level);
}

static void rx_push(struct ns16550 *u, uint8_t byte, uint64_t now)
{
    if (!rx_room(u)) {
        u->s.lsr_errors |= LSR_OE;      /* the shift register's byte is lost */
        return;
    }
    u->s.rx[(u->s.rx_head + u->s.rx_count++) % NS16550_FIFO] = byte;
    u->s.rx_last = now;
}

/* What the console has for the receiver (its input is cut off in loopback). */
static void rx_fill(struct ns16550 *u, uint64_t now)
{
    uint8_t buf[NS16550_FIFO];
    unsigned room = rx_room(u);
    if (!u->plat->console_in || !room || (u->s.mcr & MCR_LOOP))
        return;
    if (u->plat->console_lost && u->plat->console_lost(u->plat->ctx))
        u->s.lsr_errors |= LSR_OE;      /* bytes behind the receiver were lost */
    size_t n = u->plat->console_in(u->plat->ctx, buf, room);
    for (size_t i = 0; i < n && i < room; i++)
        rx_push(u, buf[i], now);
}

static uint8_t rx_pop(struct ns16550 *u, uint64_t now)
{
    if (!u->s.rx_count)
        return 0;
    uint8_t byte = u->s.rx[u->s.rx_head];
    u->s.rx_head = (u->s.rx_head + 1) % NS16550_FIFO;
    u->s.rx_count--;
    u->s.rx_last = now;
    return byte;
}

static void transmit(struct ns16550 *u, uint8_t byte, uint64_t now)
{
    u->s.thre_pending = 0;              /* THR written: its interrupt is served */
    update_irq(u, now);
    if (u->s.mcr & MCR_LOOP)
        rx_push(u, byte, now);
    else
        u->plat->console_out(u->plat->ctx, byte);
    u->s.thre_pending = 1;              /* ... and at once empty again */
}

static void write_mcr(struct ns16550 *u, uint8_t v)
{
    uint8_t before = msr_lines(u->s.mcr), after = msr_lines(v & MCR_MASK);
    uint8_t changed = before ^ after;
    u->s.msr_delta |= (uint8_t)((changed & (MSR_CTS | MSR_DSR | MSR_DCD)) >> 4);
    if ((before & MSR_RI) && !(after & MSR_RI))
        u->s.msr_delta |= MSR_TERI;     /* the trailing edge of RI */
    u->s.mcr = v & MCR_MASK;
}

static void write_fcr(struct ns16550 *u, uint8_t v)
{
    if ((v ^ u->s.fcr) & FCR_ENABLE)    /* switching the FIFOs on or off empties them */
        u->s.rx_count = u->s.rx_head = 0;
    if (v & FCR_CLEAR_RX)
        u->s.rx_count = u->s.rx_head = 0;
    u->s.fcr = v & FCR_ENABLE ? v & FCR_KEEP : 0;
}

static bool uart_write(void *dev, uint64_t addr, unsigned bytes, uint32_t value)
{
    struct ns16550 *u = dev;
    uint8_t v = (uint8_t)value;
    bool dlab = u->s.lcr & LCR_DLAB;
    if (bytes != 1)
        return false;
    unsigned reg = (unsigned)(addr - u->range[0].base);
    if (reg == REG_SCR || reg == REG_LCR || (dlab && reg <= REG_IER)) {
        uint8_t *r = reg == REG_SCR ? &u->s.scr : reg == REG_LCR ? &u->s.lcr
                   : reg == REG_DATA ? &u->s.dll : &u->s.dlm;
        *r = v;                         /* no interrupt depends on these */
        return true;
    }
    uint64_t now = dev_now(u->plat);
    switch (reg) {
    case REG_DATA:
        if (dlab)
            u->s.dll = v;
        else
            transmit(u, v, now);
        break;
    case REG_IER:
        if (dlab) {
            u->s.dlm = v;
            break;
        }
        if ((v & IER_THRE) && !(u->s.ier & IER_THRE))
            u->s.thre_pending = 1;      /* THR is empty: enabling its interrupt raises it */
        u->s.ier = v & IER_MASK;
        break;
    case REG_IIR: write_fcr(u, v); break;
    case REG_MCR: write_mcr(u, v); break;
    default: break;                     /* LSR and MSR are read-only (factory test) */
    }
    rx_fill(u, now);
    update_irq(u, now);
    return true;
}

static uint8_t read_iir(struct ns16550 *u, uint64_t now)
{
    uint8_t id = interrupt_id(u, now);
    if (id == IIR_THRE)
        u->s.thre_pending = 0;          /* reading IIR that reports it serves it */
    return (uint8_t)(id | (fifo_on(u) ? IIR_FIFO : 0));
}

static uint8_t read_lsr(struct ns16550 *u)
{
    uint8_t v = (uint8_t)((u->s.rx_count ? LSR_DR : 0) | u->s.lsr_errors | LSR_THRE | LSR_TEMT);
    u->s.lsr_errors = 0;
    return v;
}

static bool uart_read(void *dev, uint64_t addr, unsigned bytes, uint32_t *value)
{
    struct ns16550 *u = dev;
    bool dlab = u->s.lcr & LCR_DLAB;
    if (bytes != 1)
        return false;
    unsigned reg = (unsigned)(addr - u->range[0].base);
    if (reg == REG_SCR || reg == REG_LCR || reg == REG_MCR || (reg == REG_IER && !dlab)) {
        *value = reg == REG_SCR ? u->s.scr : reg == REG_LCR ? u->s.lcr
               : reg == REG_MCR ? u->s.mcr : u->s.ier;
        return true;                    /* reading these changes nothing */
    }
    uint64_t now = dev_now(u->plat);
    rx_fill(u, now);
    switch (reg) {
    case REG_DATA: *value = dlab ? u->s.dll : rx_pop(u, now); break;
    case REG_IER: *value = u->s.dlm; break;
    case REG_IIR: *value = read_iir(u, now); break;
    case REG_LSR: *value = read_lsr(u); break;
    default:                            /* MSR */
        *value = msr_lines(u->s.mcr) | u->s.msr_delta;
        u->s.msr_delta = 0;
        break;
    }
    rx_fill(u, now);
    update_irq(u, now);
    return true;
}

static uint64_t uart_deadline(const void *dev)
{
    const struct ns16550 *u = dev;
    bool gated = (u->s.mcr & (MCR_OUT2 | MCR_LOOP)) != MCR_OUT2;
    if (!fifo_on(u) || !u->s.rx_count || !(u->s.ier & IER_RDA) || u->s.irq_level || gated)
        return DEV_NO_DEADLINE;         /* a timeout would change no line */
    return u->s.rx_last + timeout_tsc(u);
}

static void uart_advance(void *dev, uint64_t now)
{
    struct ns16550 *u = dev;
    rx_fill(u, now);
    update_irq(u, now);
}

void ns16550_init(struct ns16550 *uart, const struct dev_platform *plat, uint16_t base,
                  unsigned irq)
{
    uart->plat = plat;
    uart->irq = irq;
    uart->range[0] = (struct dev_range){ DEV_PIO, base, 8 };
}

/* Master reset (datasheet table): IER, IIR, FCR, LCR, MCR, LSR and MSR to their defaults. */
static void uart_reset(void *dev)
{
    struct ns16550 *u = dev;
    memset(&u->s, 0, sizeof(u->s));
    u->s.dll = 12;                      /* 9600 baud, as a BIOS leaves it */
    u->s.lcr = 3;
    u->plat->irq(u->plat->ctx, u->irq, false);
}

static size_t uart_save(const void *dev, uint8_t *buf, size_t len)
{
    const struct ns16550 *u = dev;
    return dev_save_blob(SAVE_MAGIC, SAVE_VERSION, &u->s, sizeof(u->s), buf, len);
}

static bool uart_restore(void *dev, const uint8_t *buf, size_t len)
{
    struct ns16550 *u = dev;
    struct ns16550_state s;
    if (!dev_restore_blob(SAVE_MAGIC, SAVE_VERSION, &s, sizeof(s), buf, len) ||
        s.rx_head >= NS16550_FIFO || s.rx_count > NS16550_FIFO || (s.ier & ~IER_MASK) ||
        (s.mcr & ~MCR_MASK) || (s.fcr & ~FCR_KEEP) || (s.lsr_errors & ~LSR_ERRORS) ||
        s.thre_pending > 1 || (s.msr_delta & 0xf0) || s.irq_level > 1 ||
        (!(s.fcr & FCR_ENABLE) && s.rx_count > 1))
        return false;
    u->s = s;
    u->plat->irq(u->plat->ctx, u->irq, s.irq_level);
    return true;
}

const struct dev_ops ns16550_ops = {
    .name = "ns16550",
    .read = uart_read,
    .write = uart_write,
    .reset = uart_reset,
    .save = uart_save,
    .restore = uart_restore,
    .deadline = uart_deadline,
    .advance = uart_advance,
};
