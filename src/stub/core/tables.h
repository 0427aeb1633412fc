#ifndef ESPDUMP_STUB_TABLES_H
#define ESPDUMP_STUB_TABLES_H
#include <stdint.h>
extern const uint16_t len_base[29];
extern const uint8_t len_extra[29];
extern const uint16_t dist_base[30];
extern const uint8_t dist_extra[30];
#endif
