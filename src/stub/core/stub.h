/* espdump's ESP8266 flasher stub: the interface between the portable protocol core
 * (the core, no hardware access) and one hardware layer (hw/esp8266.c on the chip,
 * hw/semihost.c under QEMU's lx106 core, hw/host.c on a PC). */
#ifndef ESPDUMP_STUB_H
#define ESPDUMP_STUB_H

#include <stddef.h>
#include <stdint.h>

/* ---- protocol constants (see docs/stub.md) ---- */
#define OP_FLASH_BEGIN 0x02
#define OP_FLASH_DATA 0x03
#define OP_FLASH_END 0x04
#define OP_MEM_BEGIN 0x05
#define OP_MEM_END 0x06
#define OP_MEM_DATA 0x07
#define OP_SYNC 0x08
#define OP_WRITE_REG 0x09
#define OP_READ_REG 0x0A
#define OP_SPI_SET_PARAMS 0x0B
#define OP_SPI_ATTACH 0x0D
#define OP_CHANGE_BAUDRATE 0x0F
#define OP_FLASH_DEFL_BEGIN 0x10
#define OP_FLASH_DEFL_DATA 0x11
#define OP_FLASH_DEFL_END 0x12
#define OP_SPI_FLASH_MD5 0x13
#define OP_ERASE_FLASH 0xD0
#define OP_ERASE_REGION 0xD1
#define OP_READ_FLASH 0xD2
#define OP_RUN_USER_CODE 0xD3
/* espdump's additions, negotiated through OP_STUB_INFO */
#define OP_STUB_INFO 0xE0
#define OP_SECTOR_MAP 0xE1
#define OP_READ_FLASH_DEFL 0xE2

#define ERR_BAD_DATA_LEN 0xC0
#define ERR_BAD_CHECKSUM 0xC1
#define ERR_BAD_BLOCKSIZE 0xC2
#define ERR_INVALID_COMMAND 0xC3
#define ERR_SPI_FAILED 0xC4
#define ERR_NOT_IN_FLASH_MODE 0xC6
#define ERR_INFLATE 0xC7
#define ERR_NOT_ENOUGH_DATA 0xC8
#define ERR_TOO_MUCH_DATA 0xC9
#define ROM_FAIL 0x01
#define ROM_ERR_MALFORMED 0x05
#define ROM_ERR_CHECKSUM 0x07

#define SECTOR 4096u
#define BLOCK64 65536u
#define MAX_BLOCK 0x4000u              /* FLASH_(DEFL_)DATA payload */
#define RX_MAX (MAX_BLOCK + 16u + 8u + 32u)
#define READ_PACKET_MAX 4096u
#define DEFL_UNIT_MAX 16384u           /* compressed read: bytes compressed per frame */
#define SECTOR_MAP_MAX 4096u           /* sectors per SECTOR_MAP query (16 MiB) */
#define STUB_VERSION 1u
#define FEAT_SECTOR_MAP 1u
#define FEAT_READ_DEFL 2u
#define SYNC_ROM_VALUE 0x20120707u

/* ---- hardware layer (one file of hw) ---- */
void hw_init(void);
/* Next received byte, blocking. A negative value ends the stub (host/test layers). */
int hw_getc(void);
void hw_write(const uint8_t *p, size_t n);
void hw_flush(void);
int hw_flash_read(uint32_t addr, uint8_t *buf, uint32_t n);        /* 0 = ok */
int hw_flash_write(uint32_t addr, const uint8_t *buf, uint32_t n); /* n % 4 == 0 */
int hw_flash_erase_sector(uint32_t addr);
int hw_flash_erase_block(uint32_t addr);                            /* 64 KiB aligned */
int hw_flash_erase_chip(void);
void hw_flash_set_size(uint32_t bytes);
void hw_spi_attach(uint32_t arg);
uint32_t hw_read_reg(uint32_t addr);
void hw_write_reg(uint32_t addr, uint32_t value);
void hw_delay_us(uint32_t us);
void hw_set_baud(uint32_t baud); /* called after the reply has left */
/* FLASH_END(0): reboot (the chip comes back in the ROM loader; test layers go back to
 * their ROM personality). RUN_USER_CODE: leave for the firmware. */
void hw_reboot(void);
void hw_run_user(void);
/* Test layers start as a model of the ROM loader (SYNC value, MEM_* upload, OHAI). */
int hw_starts_in_rom(void);

/* ---- core ---- */
void stub_main(void); /* never returns on the chip; returns at end of input in tests */

/* slip.c */
void slip_start(void);
void slip_put(const uint8_t *p, size_t n);
void slip_end(void);
void slip_frame(const uint8_t *p, size_t n);
/* Receive one frame into buf (at most cap bytes; longer frames are cut and flagged by a
 * return of cap + 1). Returns the length, or -1 at end of input. */
long slip_recv(uint8_t *buf, size_t cap);

/* md5.c */
typedef struct {
    uint32_t a, b, c, d;
    uint32_t len_lo, len_hi;
    uint8_t buf[64];
} md5_ctx;
void md5_init(md5_ctx *m);
void md5_update(md5_ctx *m, const uint8_t *p, size_t n);
void md5_final(md5_ctx *m, uint8_t out[16]);

/* inflate.c: zlib stream inflater pulling input bytes and pushing output bytes. */
typedef int (*inf_in_fn)(void *ctx);                 /* next byte, or -1 */
typedef int (*inf_out_fn)(void *ctx, uint8_t byte);  /* 0 = ok */
#define INF_WINDOW 32768u
int inflate_zlib(inf_in_fn in, inf_out_fn out, void *ctx, uint8_t *window);

/* deflate.c: one raw deflate stream (fixed Huffman, one final block). Returns the
 * compressed length, or 0 when it would not fit in cap. */
#ifndef DEFL_WBITS
#define DEFL_WBITS 13u
#endif
#ifndef DEFL_HBITS
#define DEFL_HBITS 12u
#endif
typedef struct {
    uint16_t head[1u << DEFL_HBITS];
    uint16_t prev[1u << DEFL_WBITS];
} defl_tables;
size_t deflate_fixed(const uint8_t *in, size_t n, uint8_t *out, size_t cap, defl_tables *t);

/* utilities shared by the core */
static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
void mem_copy(void *d, const void *s, size_t n);
void mem_fill(void *d, uint8_t v, size_t n);

#endif
