/* memcpy/memset for the lx106 builds (no C library): the compiler emits calls to them for
 * structure copies and clears. */
#include <stddef.h>
#include <stdint.h>

void *memcpy(void *d, const void *s, size_t n)
{
    uint8_t *dp = d;
    const uint8_t *sp = s;
    while (n--)
        *dp++ = *sp++;
    return d;
}

void *memset(void *d, int v, size_t n)
{
    uint8_t *dp = d;
    while (n--)
        *dp++ = (uint8_t)v;
    return d;
}
