/* Buffered serial line for the test layers: hw_getc/hw_write/hw_flush on top of two
 * primitives each layer provides, tio_read (blocking, partial reads allowed, <= 0 at the end
 * of input) and tio_write (partial writes allowed, <= 0 on failure). */
#include "testchip.h"

static uint8_t inbuf[512], outbuf[1024];
static size_t in_pos, in_len, out_len;

int hw_getc(void)
{
    if (in_pos == in_len) {
        hw_flush();
        long n = tio_read(inbuf, sizeof inbuf);
        if (n <= 0)
            return -1;
        in_pos = 0;
        in_len = (size_t)n;
    }
    return inbuf[in_pos++];
}

void hw_flush(void)
{
    size_t done = 0;
    while (done < out_len) {
        long n = tio_write(outbuf + done, out_len - done);
        if (n <= 0)
            tio_fail();
        done += (size_t)n;
    }
    out_len = 0;
}

void hw_write(const uint8_t *p, size_t n)
{
    while (n) {
        if (out_len == sizeof outbuf)
            hw_flush();
        size_t k = sizeof outbuf - out_len < n ? sizeof outbuf - out_len : n;
        mem_copy(outbuf + out_len, p, k);
        out_len += k;
        p += k;
        n -= k;
    }
}
