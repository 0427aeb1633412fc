/* Test layer for QEMU's lx106 core (`qemu-system-xtensa -M sim -cpu lx106 -semihosting`):
 * the serial line is QEMU's stdin/stdout opened through semihosting (bridged to a pty by the
 * test), the flash is the host file ./flash.bin accessed through semihosting file calls with NOR
 * semantics, the registers are the chip model of testchip.c. The core is the same object
 * code as on the chip; only this layer differs. */
#include "testchip.h"

#define SYS_EXIT 1
#define SYS_READ 3
#define SYS_WRITE 4
#define SYS_OPEN 5
#define SYS_LSEEK 19
#define O_RDONLY_ 0
#define O_WRONLY_ 1
#define O_RDWR_ 2

static int simcall(int nr, int a, int b, int c)
{
    register int a2 __asm__("a2") = nr;
    register int a3 __asm__("a3") = a;
    register int a4 __asm__("a4") = b;
    register int a5 __asm__("a5") = c;
    __asm__ volatile("simcall" : "+r"(a2), "+r"(a3) : "r"(a4), "r"(a5) : "memory");
    return a2;
}

extern uint8_t _bss_start[], _bss_end[];
void semihost_main(void);

__asm__(".section .text.entry,\"ax\"\n"
        ".literal_position\n"
        ".literal .Lstack_top, 0x3FFFFFF0\n"
        ".global stub_entry\n"
        ".align 4\n"
        "stub_entry:\n"
        "  l32r a1, .Lstack_top\n"
        "  call0 semihost_main\n"
        "1: j 1b\n");

static int flash_fd = -1, in_fd = -1, out_fd = -1;
static uint32_t flash_len;
static uint8_t tmp[256];

void semihost_main(void)
{
    for (uint8_t *p = _bss_start; p < _bss_end; p++)
        *p = 0;
    stub_main();
    hw_flush();
    simcall(SYS_EXIT, 0, 0, 0);
}

void hw_init(void)
{
    flash_fd = simcall(SYS_OPEN, (int)"flash.bin", O_RDWR_, 0);
    in_fd = simcall(SYS_OPEN, (int)"/dev/stdin", O_RDONLY_, 0);
    out_fd = simcall(SYS_OPEN, (int)"/dev/stdout", O_WRONLY_, 0);
    if (flash_fd < 0 || in_fd < 0 || out_fd < 0)
        simcall(SYS_EXIT, 2, 0, 0);
    flash_len = (uint32_t)simcall(SYS_LSEEK, flash_fd, 0, 2);
    chip_set_flash_bytes(flash_len);
}

/* The line is QEMU's own stdin/stdout, opened as host files through semihosting: reads and
 * writes then go straight to the host's pipe. (Reading fd 0 goes through QEMU 7.2's
 * semihosting console instead, which was seen to hold the last bytes of a frame back until
 * more input arrived: a stub waiting for them and a client waiting for the reply deadlock.) */
long tio_read(uint8_t *buf, size_t cap) { return simcall(SYS_READ, in_fd, (int)buf, (int)cap); }
long tio_write(const uint8_t *buf, size_t n) { return simcall(SYS_WRITE, out_fd, (int)buf, (int)n); }
void tio_fail(void) { simcall(SYS_EXIT, 3, 0, 0); }

static int in_range(uint32_t addr, uint32_t n) { return addr <= flash_len && n <= flash_len - addr; }

static int file_io(int nr, uint32_t addr, uint8_t *buf, uint32_t n)
{
    if (simcall(SYS_LSEEK, flash_fd, (int)addr, 0) != (int)addr)
        return -1;
    return simcall(nr, flash_fd, (int)buf, (int)n) == (int)n ? 0 : -1;
}

int hw_flash_read(uint32_t addr, uint8_t *buf, uint32_t n)
{
    return in_range(addr, n) ? file_io(SYS_READ, addr, buf, n) : -1;
}

int hw_flash_write(uint32_t addr, const uint8_t *buf, uint32_t n)
{
    if (!in_range(addr, n) || addr % 4 || n % 4)
        return -1;
    while (n) {
        uint32_t k = n < sizeof tmp ? n : (uint32_t)sizeof tmp;
        if (file_io(SYS_READ, addr, tmp, k))
            return -1;
        for (uint32_t i = 0; i < k; i++)
            tmp[i] &= buf[i]; /* NOR: programming only clears bits */
        if (file_io(SYS_WRITE, addr, tmp, k))
            return -1;
        addr += k;
        buf += k;
        n -= k;
    }
    return 0;
}

int test_flash_erase(uint32_t addr, uint32_t n)
{
    if (!in_range(addr, n))
        return -1;
    mem_fill(tmp, 0xFF, sizeof tmp);
    for (uint32_t done = 0; done < n; done += sizeof tmp)
        if (file_io(SYS_WRITE, addr + done, tmp, sizeof tmp))
            return -1;
    return 0;
}

void hw_delay_us(uint32_t us) { (void)us; }
int hw_starts_in_rom(void) { return 1; }
