/* The chip model the test layers (host.c, semihost.c) share: the registers espdump reads
 * to identify a chip (chip magic, OTP MAC words, UART divider) and the SPI0 user-command
 * engine for the flash id. On the chip (esp8266.c) these are the real registers. */
#include "testchip.h"

#define REG_MAGIC 0x40001000u
#define REG_OTP0 0x3FF00050u
#define REG_UART_CLKDIV 0x60000014u
#define SPI0 0x60000200u
#define SPI_CMD_USR (1u << 18)

static uint32_t spi_regs[64];
static uint32_t baud = 115200;
static uint32_t flash_bytes = 0x200000;

/* The lx106 has no divide instruction and this libgcc no __udivsi3. */
static uint32_t udiv(uint32_t n, uint32_t d)
{
    uint32_t q = 0, r = 0;
    for (int i = 31; i >= 0; i--) {
        r = (r << 1) | ((n >> i) & 1u);
        if (r >= d) {
            r -= d;
            q |= 1u << i;
        }
    }
    return q;
}

void chip_set_baud(uint32_t b) { baud = b; }
void chip_set_flash_bytes(uint32_t n) { flash_bytes = n; }

static uint32_t jedec_id(void)
{
    uint32_t cap = 0x12; /* 256 KiB */
    while ((1u << cap) < flash_bytes && cap < 0x18)
        cap++;
    return 0xEFu | (0x40u << 8) | (cap << 16); /* a Winbond W25Q-style id */
}

uint32_t hw_read_reg(uint32_t addr)
{
    static const uint32_t otp[4] = {0x56000000u, 0x00001234u, 0x00000000u, 0x005CCF7Fu};
    if (addr == REG_MAGIC)
        return 0xFFF0C101u;
    if (addr >= REG_OTP0 && addr < REG_OTP0 + 16 && addr % 4 == 0)
        return otp[(addr - REG_OTP0) / 4];
    if (addr == REG_UART_CLKDIV)
        return udiv(52000000u, baud); /* a 26 MHz crystal: APB 52 MHz */
    if (addr >= SPI0 && addr < SPI0 + 256 && addr % 4 == 0)
        return spi_regs[(addr - SPI0) / 4];
    return 0;
}

void hw_write_reg(uint32_t addr, uint32_t value)
{
    if (addr < SPI0 || addr >= SPI0 + 256 || addr % 4)
        return;
    spi_regs[(addr - SPI0) / 4] = value;
    if (addr == SPI0 && (value & SPI_CMD_USR)) {
        uint32_t opcode = spi_regs[0x24 / 4] & 0xFF;
        spi_regs[0x40 / 4] = opcode == 0x9F ? jedec_id() : 0;
        spi_regs[0] &= ~SPI_CMD_USR;
    }
}

/* The hardware-layer calls both test backends (host.c, semihost.c) answer alike. */
int hw_flash_erase_sector(uint32_t addr) { return addr % SECTOR ? -1 : test_flash_erase(addr, SECTOR); }
int hw_flash_erase_block(uint32_t addr) { return addr % BLOCK64 ? -1 : test_flash_erase(addr, BLOCK64); }
int hw_flash_erase_chip(void) { return test_flash_erase(0, flash_bytes); }
void hw_flash_set_size(uint32_t bytes) { (void)bytes; }
void hw_spi_attach(uint32_t arg) { (void)arg; }
void hw_set_baud(uint32_t baud) { chip_set_baud(baud); }
void hw_reboot(void) { chip_set_baud(115200); }
void hw_run_user(void) { chip_set_baud(115200); }
