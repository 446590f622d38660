/* SPDX-License-Identifier: MIT */
/* Vireo: kernel memory for objects and tables: whole pages and small fixed-size blocks. */
#pragma once

/* A zeroed 4 KiB page mapped in the kernel, or NULL. Host tests provide their own. */
void *kmem_page_alloc(void);
void kmem_page_free(void *page);
