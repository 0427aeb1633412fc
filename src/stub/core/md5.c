/* MD5 (RFC 1321), used for SPI_FLASH_MD5 and the digests after READ_FLASH. */
#include "stub.h"

static const uint32_t K[64] = {
    0xd76aa478u, 0xe8c7b756u, 0x242070dbu, 0xc1bdceeeu,
    0xf57c0fafu, 0x4787c62au, 0xa8304613u, 0xfd469501u,
    0x698098d8u, 0x8b44f7afu, 0xffff5bb1u, 0x895cd7beu,
    0x6b901122u, 0xfd987193u, 0xa679438eu, 0x49b40821u,
    0xf61e2562u, 0xc040b340u, 0x265e5a51u, 0xe9b6c7aau,
    0xd62f105du, 0x02441453u, 0xd8a1e681u, 0xe7d3fbc8u,
    0x21e1cde6u, 0xc33707d6u, 0xf4d50d87u, 0x455a14edu,
    0xa9e3e905u, 0xfcefa3f8u, 0x676f02d9u, 0x8d2a4c8au,
    0xfffa3942u, 0x8771f681u, 0x6d9d6122u, 0xfde5380cu,
    0xa4beea44u, 0x4bdecfa9u, 0xf6bb4b60u, 0xbebfbc70u,
    0x289b7ec6u, 0xeaa127fau, 0xd4ef3085u, 0x04881d05u,
    0xd9d4d039u, 0xe6db99e5u, 0x1fa27cf8u, 0xc4ac5665u,
    0xf4292244u, 0x432aff97u, 0xab9423a7u, 0xfc93a039u,
    0x655b59c3u, 0x8f0ccc92u, 0xffeff47du, 0x85845dd1u,
    0x6fa87e4fu, 0xfe2ce6e0u, 0xa3014314u, 0x4e0811a1u,
    0xf7537e82u, 0xbd3af235u, 0x2ad7d2bbu, 0xeb86d391u,
};
static const uint8_t R[16] = {7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21};

static uint32_t rotl(uint32_t x, unsigned s) { return (x << s) | (x >> (32u - s)); }

static void md5_block(md5_ctx *m, const uint8_t *p)
{
    uint32_t w[16];
    for (unsigned i = 0; i < 16; i++)
        w[i] = rd32(p + 4 * i);
    uint32_t a = m->a, b = m->b, c = m->c, d = m->d;
    for (unsigned i = 0; i < 64; i++) {
        uint32_t f;
        unsigned g, round = i >> 4;
        if (round == 0) {
            f = (b & c) | (~b & d);
            g = i;
        } else if (round == 1) {
            f = (d & b) | (~d & c);
            g = (5 * i + 1) & 15;
        } else if (round == 2) {
            f = b ^ c ^ d;
            g = (3 * i + 5) & 15;
        } else {
            f = c ^ (b | ~d);
            g = (7 * i) & 15;
        }
        uint32_t t = d;
        d = c;
        c = b;
        b = b + rotl(a + f + K[i] + w[g], R[round * 4 + (i & 3)]);
        a = t;
    }
    m->a += a;
    m->b += b;
    m->c += c;
    m->d += d;
}

void md5_init(md5_ctx *m)
{
    m->a = 0x67452301u;
    m->b = 0xefcdab89u;
    m->c = 0x98badcfeu;
    m->d = 0x10325476u;
    m->len_lo = m->len_hi = 0;
}

void md5_update(md5_ctx *m, const uint8_t *p, size_t n)
{
    unsigned used = m->len_lo & 63u;
    uint32_t old = m->len_lo;
    m->len_lo += (uint32_t)n;
    if (m->len_lo < old)
        m->len_hi++;
    if (used) {
        unsigned take = 64u - used;
        if (take > n)
            take = (unsigned)n;
        mem_copy(m->buf + used, p, take);
        p += take;
        n -= take;
        if (used + take < 64u)
            return;
        md5_block(m, m->buf);
    }
    while (n >= 64) {
        md5_block(m, p);
        p += 64;
        n -= 64;
    }
    if (n)
        mem_copy(m->buf, p, n);
}

void md5_final(md5_ctx *m, uint8_t out[16])
{
    uint8_t pad[72];
    unsigned used = m->len_lo & 63u;
    unsigned padlen = (used < 56u) ? 56u - used : 120u - used;
    uint32_t bits_lo = m->len_lo << 3, bits_hi = (m->len_hi << 3) | (m->len_lo >> 29);
    mem_fill(pad, 0, sizeof pad);
    pad[0] = 0x80;
    wr32(pad + padlen, bits_lo);
    wr32(pad + padlen + 4, bits_hi);
    md5_update(m, pad, padlen + 8);
    wr32(out, m->a);
    wr32(out + 4, m->b);
    wr32(out + 8, m->c);
    wr32(out + 12, m->d);
}
