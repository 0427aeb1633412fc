/* The compressor behind READ_FLASH_DEFL: LZ77 with one-step lazy matching over one buffer (hash of three bytes,
 * chains limited to an 8 KiB window and MAX_CHAIN candidates) coded with DEFLATE's fixed
 * Huffman code as one final block (RFC 1951 §3.2.6). Raw deflate: no zlib header. */
#include "stub.h"
#include "tables.h"

#define MIN_MATCH 3u
#define MAX_MATCH 258u
#define MAX_CHAIN 24u
#define LAZY_MAX 32u /* matches this long are taken without looking one byte further */
#define WSIZE (1u << DEFL_WBITS)
#define WMASK (WSIZE - 1u)

typedef struct {
    uint8_t *out;
    size_t cap, n;
    uint32_t acc;
    unsigned nacc;
    int full;
} bitw;

static void put(bitw *w, uint32_t v, unsigned n)
{
    w->acc |= v << w->nacc;
    w->nacc += n;
    while (w->nacc >= 8) {
        if (w->n < w->cap)
            w->out[w->n++] = (uint8_t)w->acc;
        else
            w->full = 1;
        w->acc >>= 8;
        w->nacc -= 8;
    }
}

/* Huffman codes go out most significant bit first. */
static void put_code(bitw *w, uint32_t code, unsigned n)
{
    uint32_t r = 0;
    for (unsigned i = 0; i < n; i++)
        r |= ((code >> i) & 1u) << (n - 1u - i);
    put(w, r, n);
}

static void put_sym(bitw *w, unsigned sym)
{
    if (sym < 144)
        put_code(w, 0x30u + sym, 8);
    else if (sym < 256)
        put_code(w, 0x190u + sym - 144u, 9);
    else if (sym < 280)
        put_code(w, sym - 256u, 7);
    else
        put_code(w, 0xC0u + sym - 280u, 8);
}

static void put_match(bitw *w, unsigned len, unsigned dist)
{
    unsigned i = 28;
    while (len_base[i] > len)
        i--;
    put_sym(w, 257u + i);
    put(w, len - len_base[i], len_extra[i]);
    unsigned d = 29;
    while (dist_base[d] > dist)
        d--;
    put_code(w, d, 5);
    put(w, dist - dist_base[d], dist_extra[d]);
}

static unsigned hash3(const uint8_t *p)
{
    uint32_t v = ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
    return (unsigned)((v * 2654435761u) >> (32u - DEFL_HBITS));
}

static void insert(defl_tables *t, const uint8_t *in, size_t pos)
{
    unsigned h = hash3(in + pos);
    t->prev[pos & WMASK] = t->head[h];
    t->head[h] = (uint16_t)(pos + 1u);
}

/* Longest earlier match for in[pos..], searching the hash chain; 0 when none of 3+ bytes. */
static unsigned longest(const defl_tables *t, const uint8_t *in, size_t pos, size_t n, unsigned *dist)
{
    unsigned best = 0;
    if (pos + MIN_MATCH > n)
        return 0;
    size_t maxlen = n - pos < MAX_MATCH ? n - pos : MAX_MATCH;
    unsigned cand = t->head[hash3(in + pos)];
    for (unsigned chain = MAX_CHAIN; cand && chain; chain--) {
        size_t c = cand - 1u;
        if (c >= pos || pos - c > WSIZE - 1u)
            break;
        if (in[c + best] == in[pos + best]) {
            unsigned l = 0;
            while (l < maxlen && in[c + l] == in[pos + l])
                l++;
            if (l > best) {
                best = l;
                *dist = (unsigned)(pos - c);
                if (l == maxlen)
                    break;
            }
        }
        unsigned nx = t->prev[c & WMASK];
        if (nx == 0 || nx - 1u >= c)
            break; /* end of chain, or an entry of an older window */
        cand = nx;
    }
    return best >= MIN_MATCH ? best : 0;
}

static void insert_at(defl_tables *t, const uint8_t *in, size_t pos, size_t n)
{
    if (pos + MIN_MATCH <= n)
        insert(t, in, pos);
}

/* Greedy parsing with one step of lazy evaluation: a match found at p is deferred when
 * p + 1 starts a longer one (as zlib's deflate_slow does). */
size_t deflate_fixed(const uint8_t *in, size_t n, uint8_t *out, size_t cap, defl_tables *t)
{
    bitw w = {out, cap, 0, 0, 0, 0};
    mem_fill(t->head, 0, sizeof t->head);
    put(&w, 1, 1); /* final block */
    put(&w, 1, 2); /* fixed Huffman */
    unsigned prev_len = 0, prev_dist = 0;
    int pending = 0; /* in[pos - 1] is not coded yet */
    size_t pos = 0;
    while (pos < n && !w.full) {
        unsigned dist = 0;
        unsigned len = prev_len < LAZY_MAX ? longest(t, in, pos, n, &dist) : 0;
        insert_at(t, in, pos, n);
        if (prev_len && len <= prev_len) {
            put_match(&w, prev_len, prev_dist); /* the match at pos - 1 */
            size_t end = pos - 1 + prev_len;
            for (size_t k = pos + 1; k < end; k++)
                insert_at(t, in, k, n);
            pos = end;
            prev_len = 0;
            pending = 0;
            continue;
        }
        if (pending)
            put_sym(&w, in[pos - 1]);
        prev_len = len;
        prev_dist = dist;
        pending = 1;
        pos++;
    }
    if (pending && !w.full)
        put_sym(&w, in[pos - 1]);
    put_sym(&w, 256);
    put(&w, 0, 7); /* flush the last partial byte */
    if (w.full)
        return 0;
    return w.n;
}
