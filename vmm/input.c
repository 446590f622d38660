/* SPDX-License-Identifier: MIT */
/* Vireo VMM: typed input for the guest's COM1. A thread of the VMM's own, attached to the
   console server as an input client, sleeps until input comes, reads what the ring to the
   UART model has room for (the rest stays buffered at the console), then makes the VMM
   look at its devices at once: it wakes a halted vCPU and recalls a running one, so that
   the model raises its receive interrupt. Like the timer thread, it changes no device
   state; the exit handler takes the bytes through console_in. */
#include "console.h"
#include "inring.h"
#include "thread.h"
#include "vmm.h"

#define SEL_INPUT_EC (VIREO_SEL_FIRST_FREE + 13)
#define SEL_INPUT_SC (VIREO_SEL_FIRST_FREE + 14)
#define SEL_INPUT_ROOM (VIREO_SEL_FIRST_FREE + 15)  /* the ring has room again */
#define INPUT_UTCB 0x00007fffffff9000ull
#define INPUT_PRIO (VIREO_PRIO_MAX / 2 + 1)         /* above the vCPU, as the timer's */
#define INPUT_QUANTUM_US 1000
#define INPUT_STACK_WORDS 512

static struct inring ring;
static uint64_t input_stack[INPUT_STACK_WORDS] __attribute__((aligned(16)));

/* Waits until the ring has room (the handler ups the semaphore when it takes bytes). */
static void wait_for_room(void)
{
    while (!inring_room(&ring)) {
        atomic_store(&ring.want_room, true);
        if (!inring_room(&ring))
            hc_sm_down_flags(SEL_INPUT_ROOM, 0, VIREO_HC_FLAG_SM_ZERO);
    }
}

static NORETURN void input_thread(struct vireo_utcb *u)
{
    uint8_t buf[INRING_SIZE];
    uint64_t left = 0;
    for (;;) {
        if (!left)
            console_wait(SERVER_SEL_INPUT, 0);
        wait_for_room();
        struct console_input in;
        if (console_read(u, SERVER_SEL_CONSOLE, (char *)buf, inring_room(&ring), &in)) {
            left = 0;
            continue;
        }
        if (in.dropped)
            inring_lost(&ring, in.dropped);
        inring_put(&ring, buf, in.got);
        left = in.left;
        if (in.got || in.dropped)
            intr_kick();
    }
}

/* COM1's console_in: what the thread has put into the ring. */
size_t input_take(uint8_t *buf, size_t max)
{
    bool wake;
    size_t n = inring_take(&ring, buf, max, &wake);
    if (wake)
        hc_sm_up(SEL_INPUT_ROOM);
    return n;
}

bool input_lost(void) { return inring_take_lost(&ring); }

uint64_t input_start(struct vireo_utcb *u)
{
    uint64_t st = console_attach(u, SERVER_SEL_CONSOLE, SERVER_SEL_INPUT, "vmm");
    if (!st)
        st = hc_create_sm(SEL_INPUT_ROOM, VIREO_SEL_SELF_PD, 0);
    if (!st)
        st = thread_create(SEL_INPUT_EC, SEL_INPUT_SC, INPUT_UTCB, input_stack,
                           sizeof(input_stack), input_thread,
                           VIREO_QPD(INPUT_PRIO, INPUT_QUANTUM_US), vmm_boot.event_base);
    return st;
}
