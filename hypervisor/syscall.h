/* SPDX-License-Identifier: MIT */
/* Vireo: hypercall completion. */
#pragma once
#include <vireo/status.h>
#include "ec.h"

/* Returns to the calling EC with `status` in RAX. */
NORETURN void sys_finish(struct ec *ec, enum vireo_status status);
