/* A small zlib/DEFLATE decoder (RFC 1950/1951) written for the stub: input is pulled one
 * byte at a time from a callback (which may receive the next FLASH_DEFL_DATA packet), output
 * is pushed one byte at a time, history lives in a caller-supplied 32 KiB ring. Canonical
 * Huffman codes are decoded bit by bit from per-length counts: slow on a PC, but far faster
 * than any serial link, and small. */
#include "stub.h"
#include "tables.h"

#define MAXBITS 15
#define NLIT 288
#define NDIST 30

typedef struct {
    uint16_t count[MAXBITS + 1];
    uint16_t sym[NLIT];
} huff;

typedef struct {
    inf_in_fn in;
    inf_out_fn out;
    void *ctx;
    uint8_t *win;
    uint32_t pos; /* bytes produced */
    uint32_t bits;
    unsigned nbits;
    uint32_t s1, s2; /* Adler-32 */
    int err;
    huff lit, dist;
    uint8_t lens[NLIT + NDIST];
} inflater;

static inflater S; /* static: the chip's stack is small */

static int getbits(inflater *z, unsigned n)
{
    while (z->nbits < n) {
        int c = z->in(z->ctx);
        if (c < 0) {
            z->err = 1;
            return 0;
        }
        z->bits |= (uint32_t)c << z->nbits;
        z->nbits += 8;
    }
    uint32_t v = z->bits & ((1u << n) - 1u);
    z->bits >>= n;
    z->nbits -= n;
    return (int)v;
}

static int build(huff *h, const uint8_t *len, unsigned n)
{
    uint16_t offs[MAXBITS + 2];
    mem_fill(h->count, 0, sizeof h->count);
    for (unsigned s = 0; s < n; s++)
        h->count[len[s]]++;
    int left = 1;
    for (unsigned l = 1; l <= MAXBITS; l++) {
        left = (left << 1) - h->count[l];
        if (left < 0)
            return -1; /* over-subscribed */
    }
    offs[1] = 0;
    for (unsigned l = 1; l <= MAXBITS; l++)
        offs[l + 1] = (uint16_t)(offs[l] + h->count[l]);
    for (unsigned s = 0; s < n; s++)
        if (len[s])
            h->sym[offs[len[s]]++] = (uint16_t)s;
    return 0;
}

static int decode(inflater *z, const huff *h)
{
    int code = 0, first = 0, index = 0;
    for (unsigned l = 1; l <= MAXBITS; l++) {
        code |= getbits(z, 1);
        if (z->err)
            return -1;
        int count = h->count[l];
        if (code - first < count)
            return h->sym[index + code - first];
        index += count;
        first = (first + count) << 1;
        code <<= 1;
    }
    z->err = 1;
    return -1;
}

static int emit(inflater *z, uint8_t b)
{
    z->win[z->pos & (INF_WINDOW - 1u)] = b;
    z->pos++;
    z->s1 += b; /* Adler-32 without a divide: the lx106 has none */
    if (z->s1 >= 65521u)
        z->s1 -= 65521u;
    z->s2 += z->s1;
    if (z->s2 >= 65521u)
        z->s2 -= 65521u;
    if (z->out(z->ctx, b)) {
        z->err = 1;
        return -1;
    }
    return 0;
}

static int stored(inflater *z)
{
    z->bits = 0;
    z->nbits = 0; /* to a byte boundary */
    unsigned len = (unsigned)getbits(z, 16);
    unsigned nlen = (unsigned)getbits(z, 16);
    if (z->err || (len ^ 0xFFFFu) != nlen)
        return -1;
    while (len--) {
        int b = getbits(z, 8);
        if (z->err || emit(z, (uint8_t)b))
            return -1;
    }
    return 0;
}

static int codes(inflater *z)
{
    for (;;) {
        int sym = decode(z, &z->lit);
        if (sym < 0)
            return -1;
        if (sym < 256) {
            if (emit(z, (uint8_t)sym))
                return -1;
            continue;
        }
        if (sym == 256)
            return 0;
        sym -= 257;
        if (sym >= 29)
            return -1;
        unsigned len = len_base[sym] + (unsigned)getbits(z, len_extra[sym]);
        int ds = decode(z, &z->dist);
        if (ds < 0 || ds >= 30)
            return -1;
        uint32_t dist = dist_base[ds] + (uint32_t)getbits(z, dist_extra[ds]);
        if (z->err || dist > z->pos || dist > INF_WINDOW)
            return -1;
        while (len--)
            if (emit(z, z->win[(z->pos - dist) & (INF_WINDOW - 1u)]))
                return -1;
    }
}

static void fixed_tables(inflater *z)
{
    unsigned s = 0;
    for (; s < 144; s++)
        z->lens[s] = 8;
    for (; s < 256; s++)
        z->lens[s] = 9;
    for (; s < 280; s++)
        z->lens[s] = 7;
    for (; s < NLIT; s++)
        z->lens[s] = 8;
    build(&z->lit, z->lens, NLIT);
    for (s = 0; s < NDIST; s++)
        z->lens[s] = 5;
    build(&z->dist, z->lens, NDIST);
}

static int dynamic_tables(inflater *z)
{
    static const uint8_t order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    unsigned nlen = (unsigned)getbits(z, 5) + 257;
    unsigned ndist = (unsigned)getbits(z, 5) + 1;
    unsigned ncode = (unsigned)getbits(z, 4) + 4;
    if (z->err || nlen > 286 || ndist > 30)
        return -1;
    mem_fill(z->lens, 0, 19);
    for (unsigned i = 0; i < ncode; i++)
        z->lens[order[i]] = (uint8_t)getbits(z, 3);
    if (z->err || build(&z->lit, z->lens, 19))
        return -1;
    unsigned i = 0;
    while (i < nlen + ndist) {
        int sym = decode(z, &z->lit);
        if (sym < 0)
            return -1;
        if (sym < 16) {
            z->lens[i++] = (uint8_t)sym;
            continue;
        }
        uint8_t val = 0;
        unsigned rep;
        if (sym == 16) {
            if (i == 0)
                return -1;
            val = z->lens[i - 1];
            rep = 3 + (unsigned)getbits(z, 2);
        } else if (sym == 17) {
            rep = 3 + (unsigned)getbits(z, 3);
        } else {
            rep = 11 + (unsigned)getbits(z, 7);
        }
        if (z->err || i + rep > nlen + ndist)
            return -1;
        while (rep--)
            z->lens[i++] = val;
    }
    if (z->lens[256] == 0)
        return -1;
    if (build(&z->lit, z->lens, nlen) || build(&z->dist, z->lens + nlen, ndist))
        return -1;
    return 0;
}

static unsigned mod31(unsigned v)
{
    while (v >= 31u)
        v -= 31u;
    return v;
}

int inflate_zlib(inf_in_fn in, inf_out_fn out, void *ctx, uint8_t *window)
{
    inflater *z = &S;
    mem_fill(z, 0, sizeof *z);
    z->in = in;
    z->out = out;
    z->ctx = ctx;
    z->win = window;
    z->s1 = 1;
    unsigned cmf = (unsigned)getbits(z, 8), flg = (unsigned)getbits(z, 8);
    if (z->err || (cmf & 15u) != 8u || (cmf >> 4) > 7u || mod31((cmf << 8) | flg) || (flg & 0x20u))
        return -1;
    int last;
    do {
        last = getbits(z, 1);
        int type = getbits(z, 2);
        if (z->err)
            return -1;
        int r;
        if (type == 0)
            r = stored(z);
        else if (type == 1) {
            fixed_tables(z);
            r = codes(z);
        } else if (type == 2) {
            r = dynamic_tables(z);
            if (r == 0)
                r = codes(z);
        } else
            r = -1;
        if (r || z->err)
            return -1;
    } while (!last);
    z->bits = 0;
    z->nbits = 0;
    uint32_t want = 0;
    for (int i = 0; i < 4; i++)
        want = (want << 8) | (uint32_t)getbits(z, 8);
    if (z->err || want != ((z->s2 << 16) | z->s1))
        return -1;
    return 0;
}
