/* SPDX-License-Identifier: MIT */
/* Vireo: 16550 UART console output. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COM1_PORT 0x3f8

/* Programs the UART at `port` (115200 8N1); false if no UART answers there. */
bool serial_init(uint16_t port);
void serial_write(const char *s, size_t n);
/* Waits until the last character has left the transmitter. */
void serial_flush(void);
