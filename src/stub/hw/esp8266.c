/* Hardware layer for the ESP8266 itself. Loaded by the ROM loader (MEM_BEGIN/DATA/END) into
 * IRAM/DRAM and entered at stub_entry with the ROM's stack, the flash attached by the ROM
 * and the instruction cache off. Serial I/O polls UART0's FIFO registers; flash goes through
 * the ROM's SPI flash routines at their fixed addresses (eagle.rom.addr.v6.ld of the
 * ESP8266 SDK). NOT RUN ON A CHIP YET: see docs/stub.md. */
#include "../core/stub.h"

#define REG(a) (*(volatile uint32_t *)(a))
#define UART0 0x60000000u
#define UART_FIFO (UART0 + 0x00)
#define UART_INT_ENA (UART0 + 0x0C)
#define UART_INT_CLR (UART0 + 0x10)
#define UART_CLKDIV (UART0 + 0x14)
#define UART_STATUS (UART0 + 0x1C)
#define UART_RXCNT(s) ((s) & 0xFFu)
#define UART_TXCNT(s) (((s) >> 16) & 0xFFu)
#define UART_FIFO_LEN 128u
#define APB_HZ 52000000u /* 26 MHz crystal, PLL as the ROM leaves it */

/* ROM routines (ESP8266 ROM, eagle.rom.addr.v6.ld). */
typedef int (*spi_read_fn)(uint32_t addr, uint32_t *dst, uint32_t len);
typedef int (*spi_write_fn)(uint32_t addr, const uint32_t *src, uint32_t len);
typedef int (*spi_erase_fn)(uint32_t index);
typedef int (*spi_void_fn)(void);
typedef int (*spi_param_fn)(uint32_t id, uint32_t size, uint32_t block, uint32_t sector,
                            uint32_t page, uint32_t mask);
typedef void (*delay_fn)(uint32_t us);
typedef void (*void_fn)(void);
#define ROM_SPIRead ((spi_read_fn)0x40004b1cu)
#define ROM_SPIWrite ((spi_write_fn)0x40004a4cu)
#define ROM_SPIEraseSector ((spi_erase_fn)0x40004a00u)
#define ROM_SPIEraseBlock ((spi_erase_fn)0x400049b4u)
#define ROM_SPIEraseChip ((spi_void_fn)0x40004984u)
#define ROM_SPIUnlock ((spi_void_fn)0x40004878u)
#define ROM_SPIParamCfg ((spi_param_fn)0x40004c2cu)
#define ROM_spi_flash_attach ((spi_void_fn)0x40004644u)
#define ROM_Cache_Read_Disable ((void_fn)0x400047f0u)
#define ROM_ets_delay_us ((delay_fn)0x40002eccu)
#define ROM_software_reset ((void_fn)0x4000264cu)

extern uint8_t _bss_start[], _bss_end[];

void stub_entry(void) __attribute__((section(".text.entry")));
void stub_entry(void)
{
    for (uint8_t *p = _bss_start; p < _bss_end; p++)
        *p = 0;
    stub_main();
    for (;;)
        ;
}

static uint32_t bounce[64]; /* word-aligned staging for unaligned buffers and tails */

void hw_init(void)
{
    REG(UART_INT_ENA) = 0; /* the ROM's UART interrupt must not take bytes from the FIFO */
    REG(UART_INT_CLR) = 0x1FFu;
    ROM_Cache_Read_Disable();
    /* The ROM refuses addresses past the size it believes; until SPI_SET_PARAMS tells the
     * real one, allow the ESP8266's largest. */
    ROM_SPIParamCfg(0, 16u << 20, BLOCK64, SECTOR, 256, 0xFFFF);
    ROM_SPIUnlock();
}

int hw_getc(void)
{
    while (UART_RXCNT(REG(UART_STATUS)) == 0)
        ;
    return (int)(REG(UART_FIFO) & 0xFFu);
}

void hw_write(const uint8_t *p, size_t n)
{
    while (n) {
        while (UART_TXCNT(REG(UART_STATUS)) >= UART_FIFO_LEN - 2u)
            ;
        REG(UART_FIFO) = *p++;
        n--;
    }
}

void hw_flush(void)
{
    while (UART_TXCNT(REG(UART_STATUS)) != 0)
        ;
}

static int aligned(const void *p) { return ((uintptr_t)p & 3u) == 0; }

int hw_flash_read(uint32_t addr, uint8_t *buf, uint32_t n)
{
    if (aligned(buf) && addr % 4 == 0 && n % 4 == 0)
        return ROM_SPIRead(addr, (uint32_t *)(void *)buf, n) ? -1 : 0;
    while (n) {
        uint32_t off = addr & 3u;
        uint32_t k = (uint32_t)sizeof bounce - off;
        if (k > n)
            k = n;
        if (ROM_SPIRead(addr - off, bounce, (off + k + 3u) & ~3u))
            return -1;
        mem_copy(buf, (uint8_t *)bounce + off, k);
        addr += k;
        buf += k;
        n -= k;
    }
    return 0;
}

int hw_flash_write(uint32_t addr, const uint8_t *buf, uint32_t n)
{
    if (addr % 4 || n % 4)
        return -1;
    if (aligned(buf))
        return ROM_SPIWrite(addr, (const uint32_t *)(const void *)buf, n) ? -1 : 0;
    while (n) {
        uint32_t k = n < sizeof bounce ? n : (uint32_t)sizeof bounce;
        mem_copy(bounce, buf, k);
        if (ROM_SPIWrite(addr, bounce, k))
            return -1;
        addr += k;
        buf += k;
        n -= k;
    }
    return 0;
}

int hw_flash_erase_sector(uint32_t addr) { return ROM_SPIEraseSector(addr / SECTOR) ? -1 : 0; }
int hw_flash_erase_block(uint32_t addr) { return ROM_SPIEraseBlock(addr / BLOCK64) ? -1 : 0; }
int hw_flash_erase_chip(void) { return ROM_SPIEraseChip() ? -1 : 0; }

void hw_flash_set_size(uint32_t bytes)
{
    ROM_SPIParamCfg(0, bytes, BLOCK64, SECTOR, 256, 0xFFFF);
}

void hw_spi_attach(uint32_t arg)
{
    (void)arg;
    ROM_spi_flash_attach();
    ROM_SPIUnlock();
}

uint32_t hw_read_reg(uint32_t addr) { return REG(addr); }
void hw_write_reg(uint32_t addr, uint32_t value) { REG(addr) = value; }
void hw_delay_us(uint32_t us) { ROM_ets_delay_us(us); }

void hw_set_baud(uint32_t baud)
{
    hw_flush();
    ROM_ets_delay_us(1000); /* the FIFO is empty; let the last byte leave the shift register */
    uint32_t div = 0, rem = APB_HZ; /* APB_HZ / baud without a divide instruction */
    while (rem >= baud) {
        rem -= baud;
        div++;
    }
    REG(UART_CLKDIV) = div & 0xFFFFFu;
}

void hw_reboot(void)
{
    /* The boot straps are latched: the chip comes back in the ROM loader. */
    hw_flush();
    ROM_ets_delay_us(2000); /* the last bytes leave the shift register */
    ROM_software_reset();
}

void hw_run_user(void) { hw_reboot(); }
int hw_starts_in_rom(void) { return 0; }
