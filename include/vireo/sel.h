/* SPDX-License-Identifier: MIT */
/* Vireo ABI: what every PD's object space holds at start, and the root server's view. */
#pragma once

/* Selectors the hypervisor fills in the root PD (the root server does the same for the
   PDs it creates, by delegation). */
#define VIREO_SEL_SELF_PD 1         /* the PD itself, every right */
#define VIREO_SEL_SELF_EC 2         /* the root server's first EC */
#define VIREO_SEL_SELF_SC 3         /* ... and its scheduling context */
#define VIREO_SEL_FIRST_FREE 32     /* below: reserved for the above */
#define VIREO_SEL_BITS 15           /* selectors are 0 .. 2^15 - 1 */
