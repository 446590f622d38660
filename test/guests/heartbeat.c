/* SPDX-License-Identifier: MIT */
/* Guest "heartbeat": prints "heartbeat: N" about once a second of guest time, sleeping in
 * HLT between (one-shot i8254 periods through the i8259), for ever: the guest that runs on
 * beside another one which gets killed (test/boot/tests.sh, bochs-vm-linux-pair). */
#include "guest.h"
#include "timer.h"

const char guest_name[] = "heartbeat";

#define PERIOD_MS 50u                   /* one i8254 one-shot count (at most 54 ms) */
#define BEAT_PERIODS 20u                /* a beat every second */

void guest_main(const struct mb1_info *mbi)
{
    (void)mbi;
    pic_init();
    for (uint32_t n = 1;; n++) {
        for (unsigned i = 0; i < BEAT_PERIODS; i++)
            pit_wait(PERIOD_MS * PIT_1MS);
        printf("heartbeat: %u\n", n);
    }
}
