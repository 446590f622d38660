/* SPDX-License-Identifier: MIT */
/* Vireo VMM: the guest's PCI bus and its devices (vmm/pcidev.c). */
#pragma once
#include "dev/bus.h"

/* Builds PCI bus 0 (virtio-blk if the VMM's line has disk=), assigns BARs and lines, and
   adds the bus to `b`; false, with a message, if that fails. */
bool pcidev_init(struct bus *b, const struct dev_platform *p);
/* Marks the PCI interrupt lines level-triggered in the ELCR; after each bus reset. */
void pcidev_set_lines(struct bus *b);
/* The functions with an INTA#: their device numbers and ISA lines, at most `max`; returns
   how many (for the MP table). */
unsigned pcidev_irqs(uint8_t *dev, uint8_t *irq, unsigned max);
