/* SPDX-License-Identifier: MIT */
/* Vireo: portals: an entry point into a local EC. */
#pragma once
#include <stdint.h>
#include "kobj.h"

struct ec;

struct pt {
    struct kobj obj;
    struct ec *ec;              /* the local EC that serves calls */
    uint64_t ip, id, mtd;
};

struct pt *pt_create(struct ec *ec, uint64_t mtd, uint64_t ip);
void pt_destroy(struct kobj *o);
