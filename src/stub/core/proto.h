/* Internal interface of the stub core. */
#ifndef ESPDUMP_STUB_PROTO_H
#define ESPDUMP_STUB_PROTO_H
#include "stub.h"

typedef struct {
    uint8_t op;
    uint8_t bad_len;
    uint32_t len;
    uint32_t checksum;
    uint8_t *data;
} packet;

typedef struct {
    uint8_t rom;        /* answering as the ROM loader (test layers only) */
    uint8_t stop;       /* leave stub_main (test layers) */
    uint8_t pending;    /* pending_pk arrived inside a compressed write and is still to do */
    packet pending_pk;
    uint32_t flash_size;
    /* write state */
    uint8_t wmode;      /* 0 none, 1 plain, 2 compressed */
    int werr;           /* first error of the current write */
    uint32_t w_addr;    /* next flash address to program */
    uint32_t w_left;    /* image bytes still expected */
    uint32_t w_erased;  /* flash below this address (from the start) is erased */
    uint32_t w_seq;     /* next expected sequence number */
    uint32_t w_fill;    /* bytes in WORK.wr.page */
    uint8_t inf_done;   /* the zlib stream ended */
} stub_state;

/* RAM shared by operations that never overlap. */
typedef union {
    struct {
        uint8_t window[INF_WINDOW];
        uint8_t page[SECTOR];
    } wr;
    struct {
        uint8_t in[DEFL_UNIT_MAX];
        uint8_t out[DEFL_UNIT_MAX + 16];
        defl_tables t;
    } rd;
} work_area;

extern stub_state ST;
extern uint8_t RX[RX_MAX];
extern work_area WORK;

void reply(uint8_t op, uint32_t value, const uint8_t *data, size_t n, uint8_t st0, uint8_t st1);
void reply_status(uint8_t op, int err);
int check_data(const packet *pk);
int recv_packet(packet *pk);
int erase_range(uint32_t addr, uint32_t size);

void cmd_flash_begin(const packet *pk);
void cmd_flash_data(const packet *pk);
void cmd_flash_end(const packet *pk);
void cmd_read_flash(const packet *pk);
void cmd_read_flash_defl(const packet *pk);
void cmd_sector_map(const packet *pk);
#endif
