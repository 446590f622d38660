/* SPDX-License-Identifier: MIT */
/* Vireo console server: COM1 input shared by its clients, one ring each, with a focus the
   user moves by an escape key. No hypercalls here: host-testable. */
#ifndef VIREO_CONSOLE_INPUT_H
#define VIREO_CONSOLE_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INPUT_CLIENTS 16        /* client ids 0 .. 15 (the console's portal ids) */
#define INPUT_RING 1024         /* bytes buffered per client; more are dropped */
#define INPUT_NAME 16           /* a client's name for the notices, with its NUL */
#define INPUT_ROOT 0            /* the root server: yields the first focus to a VMM */
#define INPUT_NOBODY (-1)
#define INPUT_ESCAPE 0x1d       /* Ctrl-]: the next key is a command to the console */
#define INPUT_NEXT 'n'          /* Ctrl-] n: the next client that takes input */
#define INPUT_LINE 160

struct input_client {
    bool attached;
    char name[INPUT_NAME];
    uint8_t ring[INPUT_RING];
    uint32_t head, tail;        /* free-running: read at head, written at tail */
    uint64_t dropped;           /* since its last read: told to the client */
    uint64_t unsaid;            /* since the last notice: told to the user */
};

/* wake: input arrived for `client`; say: one line for the user (no newline). */
struct input_ops {
    void (*wake)(void *ctx, unsigned client);
    void (*say)(void *ctx, const char *line);
    void *ctx;
};

struct input {
    struct input_client client[INPUT_CLIENTS];
    int focus;                  /* the client that gets typed bytes, or INPUT_NOBODY */
    bool escaped;               /* Ctrl-] seen: the next byte is a command */
    bool chosen;                /* the user moved the focus: attaching no longer does */
    struct input_ops ops;
};

void input_init(struct input *in, const struct input_ops *ops);
/* `client` takes input from now on (again: renames it); the first client to attach gets
   the focus, and the first one other than the root takes it from the root unless the
   user has moved it. False: no such client id. */
bool input_attach(struct input *in, unsigned client, const char *name, size_t name_len);
/* Bytes from the UART, in the order typed. */
void input_take(struct input *in, const uint8_t *bytes, size_t n);
/* Up to `max` of the client's buffered bytes into buf; *dropped: bytes lost since its
   last read (then reset); *left: bytes still buffered. Never blocks. */
size_t input_read(struct input *in, unsigned client, uint8_t *buf, size_t max,
                  uint64_t *dropped, uint64_t *left);

#endif
