#ifndef ESPDUMP_STUB_TESTCHIP_H
#define ESPDUMP_STUB_TESTCHIP_H
#include "../core/stub.h"
void chip_set_baud(uint32_t b);
void chip_set_flash_bytes(uint32_t n);
/* Erase [addr, addr + n) of the test flash (0 or -1); each test backend has its own. */
int test_flash_erase(uint32_t addr, uint32_t n);
/* The console primitives under testio.c. */
long tio_read(uint8_t *buf, size_t cap);
long tio_write(const uint8_t *buf, size_t n);
void tio_fail(void); /* the line is gone: end the program */
#endif
