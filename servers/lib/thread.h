/* SPDX-License-Identifier: MIT */
/* Vireo user runtime: threads of a server's own (it needs VIREO_SEL_SELF_PD). */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <vireo/utcb.h>

/* A global EC at selector `ec` on CPU 0 (where the portals of the root's servers run),
   with its UTCB at the free page `utcb`, running fn(utcb) on `stack` (16-byte aligned,
   size a multiple of 16), and its SC (priority and quantum: VIREO_QPD) at `sc`: it runs
   from now on. Its exceptions go to event_base + vector; with event_base 0 there are no
   such portals, so the whole image is paged in first: touching its own code and data
   never faults (anything else kills the thread). */
uint64_t thread_create(uint64_t ec, uint64_t sc, uint64_t utcb, void *stack, size_t size,
                       void (*fn)(struct vireo_utcb *), uint64_t qpd, uint64_t event_base);
