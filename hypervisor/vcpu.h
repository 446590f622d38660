/* SPDX-License-Identifier: MIT */
/* Vireo: virtual CPUs: ECs with a VMCS whose VM exits become portal calls. */
#pragma once
#include <stdbool.h>
#include "lib.h"

struct ec;
struct pd;
struct cpu;
struct vireo_vcpu_state;

/* A vCPU of the VM PD `pd` on `cpu`; it starts with a STARTUP event once it has an SC. */
struct ec *vcpu_create(struct pd *pd, unsigned cpu);
/* Frees the VMCS once no CPU holds it; false: its CPU will destroy it later. */
bool vcpu_release(struct ec *ec);
/* Runs the vCPU `ec` (current, kernel locked): pending event, else VM entry. */
NORETURN void vcpu_return(struct ec *ec);
/* ec_ctrl(recall): the vCPU leaves the guest for its RECALL portal. */
void vcpu_recall(struct ec *ec);
/* Resched IPI: VMCS of vCPUs destroyed on other CPUs are cleared and freed. */
void vcpu_reap(struct cpu *c);
/* The guest state the reply names (s->mtd) goes back into the vCPU. */
void vcpu_state_in(struct ec *ec, const struct vireo_vcpu_state *s);
