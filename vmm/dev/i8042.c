/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the 8042 keyboard controller as a PC wires it, after IBM's PS/2 (and AT)
   Technical Reference, "Keyboard/Auxiliary Device Controller": data at 0x60, status and
   commands at 0x64, OBF on IRQ 1 (keyboard data) or IRQ 12 (auxiliary data) when the
   command byte enables it. No keyboard or mouse is attached: bytes sent to a device go
   nowhere and nothing answers, as with empty connectors. The controller's own functions
   answer: the command byte, self-tests, interface tests, the output port, writes into
   the output buffer (the loopback Linux uses to find the AUX port), enable and disable,
   and the pulse of output port bit 0, which resets the CPU (command 0xfe, what Linux's
   "reboot" writes). The input buffer is always empty: each write takes effect at once. */
#include "i8042.h"
#include "lib.h"

#define PORT_DATA 0x60
#define PORT_CMD 0x64
#define ST_OBF 0x01                     /* status: output buffer full */
#define ST_SYS 0x04                     /* system flag, from the command byte */
#define ST_CMD 0x08                     /* last write was a command */
#define ST_UNLOCKED 0x10                /* keyboard not inhibited */
#define ST_AUX 0x20                     /* output buffer holds AUX data */
#define CTR_KBD_INT 0x01
#define CTR_AUX_INT 0x02
#define CTR_SYS 0x04
#define CTR_KBD_OFF 0x10
#define CTR_AUX_OFF 0x20
#define CTR_XLATE 0x40
#define CTR_RESET (CTR_KBD_INT | CTR_SYS | CTR_AUX_OFF | CTR_XLATE)
#define OUTPORT_RESET_N 0x01            /* 0 holds the CPU in reset */
#define OUTPORT_A20 0x02
#define CMD_READ_RAM 0x20               /* 0x20-0x3f: RAM byte n, 0x20 the command byte */
#define CMD_WRITE_RAM 0x60              /* 0x60-0x7f, with a data byte */
#define CMD_AUX_OFF 0xa7
#define CMD_AUX_ON 0xa8
#define CMD_AUX_TEST 0xa9
#define CMD_SELF_TEST 0xaa
#define CMD_KBD_TEST 0xab
#define CMD_KBD_OFF 0xad
#define CMD_KBD_ON 0xae
#define CMD_READ_OUTPORT 0xd0
#define CMD_WRITE_OUTPORT 0xd1
#define CMD_WRITE_KBD_OBUF 0xd2
#define CMD_WRITE_AUX_OBUF 0xd3
#define CMD_WRITE_AUX 0xd4
#define CMD_PULSE 0xf0                  /* 0xf0-0xff: pulse output bits 3-0 where 0 */
#define CMD_PULSE_RESET 0xfe            /* the usual one: bit 0 alone */
#define SELF_TEST_OK 0x55
#define INTERFACE_OK 0x00
#define SAVE_MAGIC 0x32343038u          /* "8042" */
#define SAVE_VERSION 1

const struct dev_range i8042_ranges[2] = { { DEV_PIO, PORT_DATA, 1 }, { DEV_PIO, PORT_CMD, 1 } };

void i8042_init(struct i8042 *kbc, const struct dev_platform *plat)
{
    memset(kbc, 0, sizeof(*kbc));
    kbc->plat = plat;
}

/* OBF drives IRQ 1 or IRQ 12 as a level while the command byte enables it. */
static void update_irqs(struct i8042 *kbc)
{
    const struct i8042_state *s = &kbc->s;
    kbc->plat->irq(kbc->plat->ctx, I8042_KBD_IRQ, s->obf && !s->aux && (s->ctr & CTR_KBD_INT));
    kbc->plat->irq(kbc->plat->ctx, I8042_AUX_IRQ, s->obf && s->aux && (s->ctr & CTR_AUX_INT));
}

static void put(struct i8042 *kbc, uint8_t byte, bool aux)
{
    kbc->s.out = byte;
    kbc->s.obf = 1;
    kbc->s.aux = aux;
    update_irqs(kbc);
}

static void pull_reset(struct i8042 *kbc, const char *source)
{
    if (kbc->plat->reset)
        kbc->plat->reset(kbc->plat->ctx, source);
}

static bool takes_data(uint8_t cmd)
{
    return (cmd >= CMD_WRITE_RAM && cmd < CMD_WRITE_RAM + 0x20) ||
           (cmd >= CMD_WRITE_OUTPORT && cmd <= CMD_WRITE_AUX);
}

/* A command byte that needs no data. RAM bytes other than the command byte read 0. */
static void command(struct i8042 *kbc, uint8_t cmd)
{
    struct i8042_state *s = &kbc->s;
    if (takes_data(cmd)) {
        s->pending = cmd;
        return;
    }
    if (cmd >= CMD_READ_RAM && cmd < CMD_READ_RAM + 0x20)
        put(kbc, cmd == CMD_READ_RAM ? s->ctr : 0, false);
    else if (cmd == CMD_AUX_OFF || cmd == CMD_AUX_ON)
        s->ctr = (uint8_t)(cmd == CMD_AUX_OFF ? s->ctr | CTR_AUX_OFF : s->ctr & ~CTR_AUX_OFF);
    else if (cmd == CMD_KBD_OFF || cmd == CMD_KBD_ON)
        s->ctr = (uint8_t)(cmd == CMD_KBD_OFF ? s->ctr | CTR_KBD_OFF : s->ctr & ~CTR_KBD_OFF);
    else if (cmd == CMD_SELF_TEST)
        put(kbc, SELF_TEST_OK, false);
    else if (cmd == CMD_KBD_TEST || cmd == CMD_AUX_TEST)
        put(kbc, INTERFACE_OK, false);
    else if (cmd == CMD_READ_OUTPORT)
        put(kbc, s->outport, false);
    else if (cmd >= CMD_PULSE && !(cmd & OUTPORT_RESET_N))
        pull_reset(kbc, cmd == CMD_PULSE_RESET ? "keyboard controller reset pulse, command 0xfe"
                                               : "keyboard controller pulse of its reset line");
    update_irqs(kbc);                   /* the command byte may have changed */
}

/* The data byte of a pending command; without one it is for the keyboard, which is not
   there. */
static void data(struct i8042 *kbc, uint8_t byte)
{
    struct i8042_state *s = &kbc->s;
    uint8_t cmd = s->pending;
    s->pending = 0;
    if (cmd == CMD_WRITE_RAM)
        s->ctr = byte;
    else if (cmd == CMD_WRITE_OUTPORT)
        s->outport = byte;
    else if (cmd == CMD_WRITE_KBD_OBUF || cmd == CMD_WRITE_AUX_OBUF)
        put(kbc, byte, cmd == CMD_WRITE_AUX_OBUF);
    update_irqs(kbc);
    if (cmd == CMD_WRITE_OUTPORT && !(byte & OUTPORT_RESET_N))
        pull_reset(kbc, "keyboard controller output port reset bit cleared, command 0xd1");
}

static bool i8042_read(void *dev, uint64_t addr, unsigned bytes, uint32_t *value)
{
    struct i8042 *kbc = dev;
    struct i8042_state *s = &kbc->s;
    if (bytes != 1)
        return false;
    if (addr == PORT_CMD) {
        *value = (s->obf ? ST_OBF : 0) | (s->obf && s->aux ? ST_AUX : 0) |
                 (s->ctr & CTR_SYS ? ST_SYS : 0) | (s->last_cmd ? ST_CMD : 0) | ST_UNLOCKED;
        return true;
    }
    *value = s->out;
    s->obf = 0;
    s->aux = 0;
    update_irqs(kbc);
    return true;
}

static bool i8042_write(void *dev, uint64_t addr, unsigned bytes, uint32_t value)
{
    struct i8042 *kbc = dev;
    if (bytes != 1)
        return false;
    kbc->s.last_cmd = addr == PORT_CMD;
    if (addr == PORT_CMD)
        command(kbc, (uint8_t)value);
    else
        data(kbc, (uint8_t)value);
    return true;
}

static void i8042_reset(void *dev)
{
    struct i8042 *kbc = dev;
    memset(&kbc->s, 0, sizeof(kbc->s));
    kbc->s.ctr = CTR_RESET;
    kbc->s.outport = OUTPORT_RESET_N | OUTPORT_A20;
    update_irqs(kbc);
}

static size_t i8042_save(const void *dev, uint8_t *buf, size_t len)
{
    const struct i8042 *kbc = dev;
    return dev_save_blob(SAVE_MAGIC, SAVE_VERSION, &kbc->s, sizeof(kbc->s), buf, len);
}

/* A pending command must be one that takes data; the flags are 0 or 1, and AUX data
   needs a full buffer. */
static bool i8042_restore(void *dev, const uint8_t *buf, size_t len)
{
    struct i8042 *kbc = dev;
    struct i8042_state s;
    if (!dev_restore_blob(SAVE_MAGIC, SAVE_VERSION, &s, sizeof(s), buf, len))
        return false;
    if ((s.pending && !takes_data(s.pending)) || s.obf > 1 || s.aux > 1 || s.last_cmd > 1 ||
        (s.aux && !s.obf) || s.reserved)
        return false;
    kbc->s = s;
    update_irqs(kbc);
    return true;
}

const struct dev_ops i8042_ops = {
    .name = "i8042",
    .read = i8042_read,
    .write = i8042_write,
    .reset = i8042_reset,
    .save = i8042_save,
    .restore = i8042_restore,
};
