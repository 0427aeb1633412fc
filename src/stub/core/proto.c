/* The stub's command loop: packet parsing, replies, registers, baud, MD5, erase, and the
 * ROM-loader personality the test layers start in. Flash writing and reading live in
 * write.c and read.c. */
#include "proto.h"

stub_state ST;
uint8_t RX[RX_MAX] __attribute__((aligned(4)));
work_area WORK __attribute__((aligned(16)));

void mem_copy(void *d, const void *s, size_t n)
{
    uint8_t *dp = d;
    const uint8_t *sp = s;
    while (n--)
        *dp++ = *sp++;
}

void mem_fill(void *d, uint8_t v, size_t n)
{
    uint8_t *dp = d;
    while (n--)
        *dp++ = v;
}

void reply(uint8_t op, uint32_t value, const uint8_t *data, size_t n, uint8_t st0, uint8_t st1)
{
    uint8_t hdr[8] = {1, op, 0, 0, 0, 0, 0, 0};
    uint8_t st[2] = {st0, st1};
    hdr[2] = (uint8_t)(n + 2);
    hdr[3] = (uint8_t)((n + 2) >> 8);
    wr32(hdr + 4, value);
    slip_start();
    slip_put(hdr, 8);
    if (n)
        slip_put(data, n);
    slip_put(st, 2);
    slip_end();
}

/* A stub status: 0 = ok, else an ERR_* code; the ROM personality answers 01 xx. */
void reply_status(uint8_t op, int err)
{
    if (ST.rom)
        reply(op, 0, 0, 0, err ? ROM_FAIL : 0, (uint8_t)err);
    else
        reply(op, 0, 0, 0, (uint8_t)err, 0);
}

static uint8_t xor_sum(const uint8_t *p, size_t n)
{
    uint8_t c = 0xEF;
    while (n--)
        c ^= *p++;
    return c;
}

int check_data(const packet *pk)
{
    if (pk->len < 16 || rd32(pk->data) != pk->len - 16)
        return ERR_BAD_DATA_LEN;
    if (xor_sum(pk->data + 16, pk->len - 16) != (uint8_t)pk->checksum)
        return ERR_BAD_CHECKSUM;
    return 0;
}

/* Next request packet; -1 at end of input. Frames that are not requests are skipped. */
int recv_packet(packet *pk)
{
    for (;;) {
        long n = slip_recv(RX, RX_MAX);
        if (n < 0)
            return -1;
        if (n < 8 || n > (long)RX_MAX || RX[0] != 0)
            continue;
        pk->op = RX[1];
        pk->len = (uint32_t)RX[2] | ((uint32_t)RX[3] << 8);
        pk->checksum = rd32(RX + 4);
        pk->data = RX + 8;
        pk->bad_len = pk->len != (uint32_t)n - 8u;
        return 0;
    }
}

static void cmd_sync(const packet *pk)
{
    static const uint8_t pat[4] = {0x07, 0x07, 0x12, 0x20};
    if (pk->len != 36)
        return; /* not a SYNC: the ROM stays silent */
    for (unsigned i = 0; i < 4; i++)
        if (pk->data[i] != pat[i])
            return;
    for (unsigned i = 0; i < 8; i++)
        reply(OP_SYNC, ST.rom ? SYNC_ROM_VALUE : 0, 0, 0, 0, 0);
}

static void cmd_write_reg(const packet *pk)
{
    if (pk->len == 0 || pk->len % 16) {
        reply_status(pk->op, ST.rom ? ROM_ERR_MALFORMED : ERR_BAD_DATA_LEN);
        return;
    }
    for (uint32_t i = 0; i < pk->len; i += 16) {
        const uint8_t *e = pk->data + i;
        uint32_t addr = rd32(e), val = rd32(e + 4), mask = rd32(e + 8), delay = rd32(e + 12);
        uint32_t v = mask == 0xFFFFFFFFu ? val : ((hw_read_reg(addr) & ~mask) | (val & mask));
        hw_write_reg(addr, v);
        if (delay)
            hw_delay_us(delay);
    }
    reply_status(pk->op, 0);
}

static void cmd_md5(const packet *pk)
{
    if (pk->len != 16) {
        reply_status(pk->op, ERR_BAD_DATA_LEN);
        return;
    }
    uint32_t addr = rd32(pk->data), size = rd32(pk->data + 4);
    md5_ctx m;
    uint8_t dig[16];
    md5_init(&m);
    while (size) {
        uint32_t n = size < sizeof WORK.rd.in ? size : (uint32_t)sizeof WORK.rd.in;
        if (hw_flash_read(addr, WORK.rd.in, n)) {
            reply_status(pk->op, ERR_SPI_FAILED);
            return;
        }
        md5_update(&m, WORK.rd.in, n);
        addr += n;
        size -= n;
    }
    md5_final(&m, dig);
    reply(pk->op, 0, dig, 16, 0, 0);
}

int erase_range(uint32_t addr, uint32_t size)
{
    uint32_t end = addr + size;
    while (addr < end) {
        int r;
        if (addr % BLOCK64 == 0 && end - addr >= BLOCK64) {
            r = hw_flash_erase_block(addr);
            addr += BLOCK64;
        } else {
            r = hw_flash_erase_sector(addr);
            addr += SECTOR;
        }
        if (r)
            return ERR_SPI_FAILED;
    }
    return 0;
}

static void cmd_erase_region(const packet *pk)
{
    if (pk->len != 8) {
        reply_status(pk->op, ERR_BAD_DATA_LEN);
        return;
    }
    uint32_t addr = rd32(pk->data), size = rd32(pk->data + 4);
    if (addr % SECTOR || size % SECTOR) {
        reply_status(pk->op, ERR_BAD_BLOCKSIZE);
        return;
    }
    reply_status(pk->op, erase_range(addr, size));
}

static void cmd_baud(const packet *pk)
{
    if (pk->len != 8) {
        reply_status(pk->op, ERR_BAD_DATA_LEN);
        return;
    }
    reply_status(pk->op, 0);
    hw_set_baud(rd32(pk->data));
}

static void cmd_info(const packet *pk)
{
    uint8_t d[12] = {'E', 'D', 'S', 'T'};
    wr32(d + 4, STUB_VERSION);
    wr32(d + 8, FEAT_SECTOR_MAP | FEAT_READ_DEFL);
    reply(pk->op, 0, d, sizeof d, 0, 0);
}

/* The ROM loader as the test layers model it: SYNC with the ROM's value, registers, the
 * RAM download that "starts the stub" (answered with OHAI), FLASH_BEGIN/END as no-ops so a
 * client can attach the flash, 01 05 for everything else. */
static void rom_command(const packet *pk)
{
    switch (pk->op) {
    case OP_SYNC:
        cmd_sync(pk);
        return;
    case OP_READ_REG:
        reply(pk->op, pk->len == 4 ? hw_read_reg(rd32(pk->data)) : 0, 0, 0, 0, 0);
        return;
    case OP_WRITE_REG:
        cmd_write_reg(pk);
        return;
    case OP_MEM_BEGIN:
    case OP_FLASH_BEGIN:
    case OP_FLASH_END:
        reply_status(pk->op, 0);
        return;
    case OP_MEM_DATA: {
        int e = check_data(pk);
        reply_status(pk->op, e == ERR_BAD_CHECKSUM ? ROM_ERR_CHECKSUM : e ? ROM_ERR_MALFORMED : 0);
        return;
    }
    case OP_MEM_END:
        reply_status(pk->op, 0);
        if (pk->len == 8 && rd32(pk->data) == 0) {
            static const uint8_t ohai[4] = {'O', 'H', 'A', 'I'};
            ST.rom = 0;
            slip_frame(ohai, 4);
        }
        return;
    default:
        reply_status(pk->op, ROM_ERR_MALFORMED);
    }
}

static void stub_command(const packet *pk)
{
    switch (pk->op) {
    case OP_SYNC:
        cmd_sync(pk);
        break;
    case OP_READ_REG:
        if (pk->len != 4)
            reply_status(pk->op, ERR_BAD_DATA_LEN);
        else
            reply(pk->op, hw_read_reg(rd32(pk->data)), 0, 0, 0, 0);
        break;
    case OP_WRITE_REG:
        cmd_write_reg(pk);
        break;
    case OP_SPI_ATTACH:
        hw_spi_attach(pk->len >= 4 ? rd32(pk->data) : 0);
        reply_status(pk->op, 0);
        break;
    case OP_SPI_SET_PARAMS:
        if (pk->len != 24) {
            reply_status(pk->op, ERR_BAD_DATA_LEN);
            break;
        }
        ST.flash_size = rd32(pk->data + 4);
        hw_flash_set_size(ST.flash_size);
        reply_status(pk->op, 0);
        break;
    case OP_CHANGE_BAUDRATE:
        cmd_baud(pk);
        break;
    case OP_FLASH_BEGIN:
    case OP_FLASH_DEFL_BEGIN:
        cmd_flash_begin(pk);
        break;
    case OP_FLASH_DATA:
    case OP_FLASH_DEFL_DATA:
        cmd_flash_data(pk);
        break;
    case OP_FLASH_END:
    case OP_FLASH_DEFL_END:
        cmd_flash_end(pk);
        break;
    case OP_SPI_FLASH_MD5:
        cmd_md5(pk);
        break;
    case OP_ERASE_FLASH:
        reply_status(pk->op, hw_flash_erase_chip() ? ERR_SPI_FAILED : 0);
        break;
    case OP_ERASE_REGION:
        cmd_erase_region(pk);
        break;
    case OP_READ_FLASH:
        cmd_read_flash(pk);
        break;
    case OP_READ_FLASH_DEFL:
        cmd_read_flash_defl(pk);
        break;
    case OP_SECTOR_MAP:
        cmd_sector_map(pk);
        break;
    case OP_STUB_INFO:
        cmd_info(pk);
        break;
    case OP_RUN_USER_CODE:
        hw_run_user();
        ST.rom = hw_starts_in_rom();
        break;
    default:
        reply_status(pk->op, ERR_INVALID_COMMAND);
    }
}

void stub_main(void)
{
    static const uint8_t ohai[4] = {'O', 'H', 'A', 'I'};
    packet pk;
    hw_init();
    mem_fill(&ST, 0, sizeof ST);
    ST.rom = hw_starts_in_rom();
    if (!ST.rom)
        slip_frame(ohai, 4);
    for (;;) {
        if (ST.pending) {
            pk = ST.pending_pk;
            ST.pending = 0;
        } else if (recv_packet(&pk)) {
            return;
        }
        if (pk.bad_len) {
            reply_status(pk.op, ST.rom ? ROM_ERR_MALFORMED : ERR_BAD_DATA_LEN);
            continue;
        }
        if (ST.rom)
            rom_command(&pk);
        else
            stub_command(&pk);
        if (ST.stop)
            return;
    }
}
