/* SPDX-License-Identifier: MIT */
/* Vireo ABI: hypercall status codes (returned in RAX). */
#pragma once

enum vireo_status {
    VIREO_SUCCESS = 0,
    VIREO_TIMEOUT = 1,      /* sm_ctrl down: the deadline passed */
    VIREO_ABORTED = 2,      /* the partner went away (revoked portal, dead EC) */
    VIREO_BAD_HYP = 3,      /* no such hypercall */
    VIREO_BAD_CAP = 4,      /* selector empty, wrong object type or missing right */
    VIREO_BAD_PAR = 5,      /* a parameter is out of range or inconsistent */
    VIREO_BAD_FTR = 6,      /* the hardware lacks a feature the call needs */
    VIREO_BAD_CPU = 7,      /* no such CPU, or the object is bound to another one */
    VIREO_BAD_DEV = 8,      /* no such device or interrupt */
    VIREO_NO_MEM = 9,       /* the kernel ran out of memory */
    VIREO_STATUS_COUNT
};
