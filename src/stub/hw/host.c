/* Host layer: the stub core as a PC program, for tests. The serial line is stdin/stdout
 * (a test harness bridges them to a pty), the flash is a file loaded into RAM and written
 * back at the end of input. It starts as a model of the ROM loader (so a client uploads
 * "the stub" and gets OHAI) unless --running is given.
 *   espdump-stub-host FLASH.bin [--running] */
#include "testchip.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint8_t *flash;
static uint32_t flash_len;
static int running;

void hw_init(void) {}

long tio_read(uint8_t *buf, size_t cap) { return (long)read(0, buf, cap); }
long tio_write(const uint8_t *buf, size_t n) { return (long)write(1, buf, n); }
void tio_fail(void) { exit(3); }

static int in_range(uint32_t addr, uint32_t n) { return addr <= flash_len && n <= flash_len - addr; }

int hw_flash_read(uint32_t addr, uint8_t *buf, uint32_t n)
{
    if (!in_range(addr, n))
        return -1;
    memcpy(buf, flash + addr, n);
    return 0;
}

int hw_flash_write(uint32_t addr, const uint8_t *buf, uint32_t n)
{
    if (!in_range(addr, n) || addr % 4 || n % 4)
        return -1;
    for (uint32_t i = 0; i < n; i++)
        flash[addr + i] &= buf[i]; /* NOR: programming only clears bits */
    return 0;
}

int test_flash_erase(uint32_t addr, uint32_t n)
{
    if (!in_range(addr, n))
        return -1;
    memset(flash + addr, 0xFF, n);
    return 0;
}

void hw_delay_us(uint32_t us) { usleep(us); }
int hw_starts_in_rom(void) { return !running; }

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FLASH.bin [--running]\n", argv[0]);
        return 2;
    }
    running = argc > 2 && strcmp(argv[2], "--running") == 0;
    FILE *f = fopen(argv[1], "rb");
    if (!f || fseek(f, 0, SEEK_END) || (flash_len = (uint32_t)ftell(f)) == 0) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 2;
    }
    flash = malloc(flash_len);
    rewind(f);
    if (!flash || fread(flash, 1, flash_len, f) != flash_len)
        return 2;
    fclose(f);
    chip_set_flash_bytes(flash_len);
    stub_main();
    hw_flush();
    f = fopen(argv[1], "wb");
    if (!f || fwrite(flash, 1, flash_len, f) != flash_len || fclose(f))
        return 2;
    return 0;
}
