/* Reading flash: READ_FLASH (esptool's form: packets, acknowledged with the running byte
 * count, at most max_in_flight packets unacknowledged, an MD5 frame at the end), espdump's
 * READ_FLASH_DEFL (the same flow, each frame a compressed unit), and SECTOR_MAP (which
 * sectors of a region are erased). */
#include "proto.h"

/* Wait for an acknowledgement; returns the count, or -1 when the client sent a command
 * instead (it is kept for the main loop) or the input ended. */
static long wait_ack(void)
{
    for (;;) {
        long n = slip_recv(RX, RX_MAX);
        if (n < 0) {
            ST.stop = 1;
            return -1;
        }
        if (n == 4)
            return (long)rd32(RX);
        if (n >= 8 && n <= (long)RX_MAX && RX[0] == 0) {
            packet *pk = &ST.pending_pk;
            pk->op = RX[1];
            pk->len = (uint32_t)RX[2] | ((uint32_t)RX[3] << 8);
            pk->checksum = rd32(RX + 4);
            pk->data = RX + 8;
            pk->bad_len = pk->len != (uint32_t)n - 8u;
            ST.pending = 1;
            return -1;
        }
    }
}

typedef int (*send_fn)(uint32_t addr, uint32_t n, md5_ctx *m);

static int send_plain(uint32_t addr, uint32_t n, md5_ctx *m)
{
    if (hw_flash_read(addr, WORK.rd.in, n))
        return -1;
    md5_update(m, WORK.rd.in, n);
    slip_frame(WORK.rd.in, n);
    return 0;
}

static int send_deflated(uint32_t addr, uint32_t n, md5_ctx *m)
{
    if (hw_flash_read(addr, WORK.rd.in, n))
        return -1;
    md5_update(m, WORK.rd.in, n);
    size_t c = deflate_fixed(WORK.rd.in, n, WORK.rd.out + 1, n - 1, &WORK.rd.t);
    if (c) {
        WORK.rd.out[0] = 1;
        slip_frame(WORK.rd.out, c + 1);
    } else {
        static const uint8_t raw = 0;
        slip_start();
        slip_put(&raw, 1);
        slip_put(WORK.rd.in, n);
        slip_end();
    }
    return 0;
}

static void stream(const packet *pk, uint32_t max_unit, send_fn send)
{
    if (pk->len != 16) {
        reply_status(pk->op, ERR_BAD_DATA_LEN);
        return;
    }
    uint32_t off = rd32(pk->data), len = rd32(pk->data + 4);
    uint32_t unit = rd32(pk->data + 8), inflight = rd32(pk->data + 12);
    if (unit == 0 || unit > max_unit) {
        reply_status(pk->op, ERR_BAD_BLOCKSIZE);
        return;
    }
    if (inflight == 0)
        inflight = 1;
    if (inflight > 64)
        inflight = 64;
    reply_status(pk->op, 0);
    md5_ctx m;
    md5_init(&m);
    uint32_t sent = 0, acked = 0;
    while (acked < len) {
        while (sent < len && sent - acked < inflight * unit) {
            uint32_t n = len - sent < unit ? len - sent : unit;
            if (send(off + sent, n, &m))
                return; /* the client times out and resynchronises */
            sent += n;
        }
        long a = wait_ack();
        if (a < 0)
            return;
        if ((uint32_t)a > sent)
            return; /* nonsense: stop; the client's MD5 check would fail anyway */
        if ((uint32_t)a > acked)
            acked = (uint32_t)a;
    }
    uint8_t dig[16];
    md5_final(&m, dig);
    slip_frame(dig, 16);
}

void cmd_read_flash(const packet *pk)
{
    stream(pk, READ_PACKET_MAX, send_plain);
}

void cmd_read_flash_defl(const packet *pk)
{
    stream(pk, DEFL_UNIT_MAX, send_deflated);
}

void cmd_sector_map(const packet *pk)
{
    if (pk->len != 8) {
        reply_status(pk->op, ERR_BAD_DATA_LEN);
        return;
    }
    uint32_t off = rd32(pk->data), len = rd32(pk->data + 4);
    uint32_t n = len / SECTOR;
    if (off % SECTOR || len % SECTOR || n > SECTOR_MAP_MAX) {
        reply_status(pk->op, ERR_BAD_BLOCKSIZE);
        return;
    }
    uint8_t *map = WORK.rd.out;
    mem_fill(map, 0, (n + 7) / 8);
    for (uint32_t s = 0; s < n; s++) {
        if (hw_flash_read(off + s * SECTOR, WORK.rd.in, SECTOR)) {
            reply_status(pk->op, ERR_SPI_FAILED);
            return;
        }
        const uint32_t *w = (const uint32_t *)(const void *)WORK.rd.in;
        uint32_t all = 0xFFFFFFFFu;
        for (uint32_t i = 0; i < SECTOR / 4; i++)
            all &= w[i];
        if (all == 0xFFFFFFFFu)
            map[s / 8] |= (uint8_t)(1u << (s % 8));
    }
    reply(pk->op, 0, map, (n + 7) / 8, 0, 0);
}
