/* Writing flash: FLASH_BEGIN/DATA/END and the compressed FLASH_DEFL_* variants. Sectors are
 * erased lazily just before they are programmed (64 KiB block erases where a whole block
 * lies inside the region), data is programmed a sector at a time from a page buffer, and a
 * compressed stream is inflated as it arrives: the inflater pulls its input through
 * defl_in(), which acknowledges each FLASH_DEFL_DATA packet once all of it is in flash and
 * receives the next one. The acknowledgement therefore says "written", and the link is idle
 * while the chip erases (the UART FIFO cannot overflow). */
#include "proto.h"

static uint32_t w_end;       /* end of the region, rounded up to a sector */
static uint32_t page_addr;   /* flash address of WORK.wr.page[0] */
static const uint8_t *cur, *cur_end;
static uint8_t cur_op;
static int stashed;

static int ensure_erased(uint32_t upto)
{
    while (ST.w_erased < upto) {
        int r;
        if (ST.w_erased % BLOCK64 == 0 && ST.w_erased + BLOCK64 <= w_end) {
            r = hw_flash_erase_block(ST.w_erased);
            ST.w_erased += BLOCK64;
        } else {
            r = hw_flash_erase_sector(ST.w_erased);
            ST.w_erased += SECTOR;
        }
        if (r)
            return ERR_SPI_FAILED;
    }
    return 0;
}

static int flush_page(void)
{
    uint32_t n = ST.w_fill;
    if (n == 0)
        return 0;
    int r = ensure_erased(page_addr + n);
    while (!r && n % 4)
        WORK.wr.page[n++] = 0xFF; /* programming 0xFF leaves erased bits alone */
    int blank = 1;
    for (uint32_t i = 0; i < n && blank; i++)
        blank = WORK.wr.page[i] == 0xFF;
    if (!r && !blank && hw_flash_write(page_addr, WORK.wr.page, n))
        r = ERR_SPI_FAILED;
    page_addr += ST.w_fill;
    ST.w_fill = 0;
    return r;
}

static int put_byte(void *ctx, uint8_t b)
{
    (void)ctx;
    if (ST.w_left == 0) {
        if (!ST.werr)
            ST.werr = ERR_TOO_MUCH_DATA;
        return -1;
    }
    WORK.wr.page[ST.w_fill++] = b;
    ST.w_left--;
    if ((page_addr + ST.w_fill) % SECTOR == 0 || ST.w_left == 0) {
        int r = flush_page();
        if (r && !ST.werr)
            ST.werr = r;
        return r;
    }
    return 0;
}

void cmd_flash_begin(const packet *pk)
{
    if (pk->len != 16 && pk->len != 20) {
        reply_status(pk->op, ERR_BAD_DATA_LEN);
        return;
    }
    uint32_t size = rd32(pk->data), bs = rd32(pk->data + 8), off = rd32(pk->data + 12);
    if (bs == 0 || bs > MAX_BLOCK || off % 4) {
        reply_status(pk->op, ERR_BAD_BLOCKSIZE);
        return;
    }
    ST.wmode = pk->op == OP_FLASH_DEFL_BEGIN ? 2 : 1;
    ST.werr = 0;
    ST.w_addr = off;
    ST.w_left = size;
    ST.w_erased = off - off % SECTOR;
    ST.w_seq = 0;
    ST.w_fill = 0;
    ST.inf_done = 0;
    page_addr = off;
    w_end = (off + size + SECTOR - 1) / SECTOR * SECTOR;
    reply_status(pk->op, 0);
}

/* 0: a new block to take; 1: a resend of the block just acknowledged; else an error. */
static int take_block(const packet *pk)
{
    int e = check_data(pk);
    if (e)
        return e;
    uint32_t seq = rd32(pk->data + 4);
    if (ST.w_seq && seq == ST.w_seq - 1)
        return 1;
    return seq == ST.w_seq ? 0 : ERR_BAD_DATA_LEN;
}

static int defl_in(void *ctx)
{
    (void)ctx;
    while (cur == cur_end) {
        packet pk;
        reply_status(cur_op, ST.werr); /* everything of the last packet is in flash */
        ST.w_seq++;
        for (;;) {
            if (recv_packet(&pk)) {
                ST.stop = 1;
                stashed = 1;
                return -1;
            }
            if (pk.op != OP_FLASH_DEFL_DATA) {
                ST.pending_pk = pk;
                ST.pending = 1;
                stashed = 1;
                return -1;
            }
            int t = pk.bad_len ? ERR_BAD_DATA_LEN : take_block(&pk);
            if (t == 0)
                break;
            reply_status(pk.op, t == 1 ? 0 : t);
        }
        cur = pk.data + 16;
        cur_end = pk.data + pk.len;
        cur_op = pk.op;
    }
    return *cur++;
}

void cmd_flash_data(const packet *pk)
{
    int want = pk->op == OP_FLASH_DATA ? 1 : 2;
    if (ST.wmode != want) {
        reply_status(pk->op, ERR_NOT_IN_FLASH_MODE);
        return;
    }
    int t = take_block(pk);
    if (t) {
        reply_status(pk->op, t == 1 ? 0 : t);
        return;
    }
    if (ST.werr) {
        reply_status(pk->op, ST.werr);
        return;
    }
    if (want == 1) {
        uint32_t n = pk->len - 16;
        for (uint32_t i = 0; i < n && ST.w_left && !ST.werr; i++)
            put_byte(0, pk->data[16 + i]);
        ST.w_seq++;
        reply_status(pk->op, ST.werr);
        return;
    }
    if (ST.inf_done) {
        reply_status(pk->op, ERR_TOO_MUCH_DATA);
        return;
    }
    cur = pk->data + 16;
    cur_end = pk->data + pk->len;
    cur_op = pk->op;
    stashed = 0;
    int r = inflate_zlib(defl_in, put_byte, 0, WORK.wr.window);
    if (stashed) {
        if (!ST.werr)
            ST.werr = ERR_INFLATE;
        return; /* the last packet was acknowledged; the stashed one runs next */
    }
    if (r == 0) {
        ST.inf_done = 1;
        if (ST.w_fill && !ST.werr)
            ST.werr = flush_page();
    } else if (!ST.werr) {
        ST.werr = ERR_INFLATE;
    }
    reply_status(cur_op, ST.werr);
    ST.w_seq++;
}

void cmd_flash_end(const packet *pk)
{
    if (pk->len != 4) {
        reply_status(pk->op, ERR_BAD_DATA_LEN);
        return;
    }
    int err = ST.werr;
    if (!err && ST.wmode == 1 && ST.w_fill)
        err = flush_page();
    if (!err && ST.wmode == 2 && !ST.inf_done && ST.w_left)
        err = ERR_NOT_ENOUGH_DATA;
    if (!err && ST.wmode == 1 && ST.w_left && ST.w_seq)
        err = ERR_NOT_ENOUGH_DATA;
    ST.wmode = 0;
    reply_status(pk->op, err);
    if (rd32(pk->data) == 0) {
        hw_reboot();
        ST.rom = (uint8_t)hw_starts_in_rom();
    }
}
