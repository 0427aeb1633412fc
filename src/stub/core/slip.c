/* SLIP framing (RFC 1055 with esptool's use): 0xC0 delimits, 0xDB escapes. */
#include "stub.h"

#define END 0xC0
#define ESC 0xDB
#define ESC_END 0xDC
#define ESC_ESC 0xDD

void slip_start(void)
{
    static const uint8_t e = END;
    hw_write(&e, 1);
}

void slip_put(const uint8_t *p, size_t n)
{
    static const uint8_t esc_end[2] = {ESC, ESC_END};
    static const uint8_t esc_esc[2] = {ESC, ESC_ESC};
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != END && p[i] != ESC)
            continue;
        if (i > run)
            hw_write(p + run, i - run);
        hw_write(p[i] == END ? esc_end : esc_esc, 2);
        run = i + 1;
    }
    if (n > run)
        hw_write(p + run, n - run);
}

void slip_end(void)
{
    slip_start();
    hw_flush();
}

void slip_frame(const uint8_t *p, size_t n)
{
    slip_start();
    slip_put(p, n);
    slip_end();
}

long slip_recv(uint8_t *buf, size_t cap)
{
    size_t n = 0;
    int in_frame = 0, esc = 0, cut = 0;
    for (;;) {
        int c = hw_getc();
        if (c < 0)
            return -1;
        if (!in_frame) {
            if (c == END)
                in_frame = 1;
            continue; /* noise between frames */
        }
        if (c == END) {
            if (n == 0 && !cut)
                continue; /* empty frame: two delimiters */
            return cut ? (long)cap + 1 : (long)n;
        }
        if (esc) {
            esc = 0;
            if (c == ESC_END)
                c = END;
            else if (c == ESC_ESC)
                c = ESC;
            else
                cut = 1; /* invalid escape: the frame is bad */
        } else if (c == ESC) {
            esc = 1;
            continue;
        }
        if (n < cap)
            buf[n++] = (uint8_t)c;
        else
            cut = 1;
    }
}
