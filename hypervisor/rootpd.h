/* SPDX-License-Identifier: MIT */
/* Vireo: creating the root PD and starting the root server. */
#pragma once
#include "lib.h"
#include "mb2.h"

/* Loads module 0 (an ELF executable) into a new PD with all I/O ports and runs it. */
NORETURN void root_start(const struct mb2_info *mb);
