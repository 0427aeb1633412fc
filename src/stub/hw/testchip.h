#ifndef ESPDUMP_STUB_TESTCHIP_H
#define ESPDUMP_STUB_TESTCHIP_H
#include "../core/stub.h"
void chip_set_baud(uint32_t b);
void chip_set_flash_bytes(uint32_t n);
#endif
