/*
 * gannet_libc.h - the few C library functions Gannet guests get (guest/libc/gannet_libc.c).
 *
 * Freestanding clang still emits calls to memcpy/memmove/memset/memcmp for struct copies,
 * large initialisations and comparisons, so every guest links gannet_libc. On the native
 * driver build the system C library provides the same functions instead.
 *
 * All functions have exactly the ISO C semantics.
 */
#ifndef GANNET_LIBC_H
#define GANNET_LIBC_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#endif /* GANNET_LIBC_H */
