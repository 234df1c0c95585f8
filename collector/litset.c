/* litset.c - one pass over a text finds any of many literals (litset.h).
 *
 * The scanner is Teddy (Hyperscan's small-set literal matcher), reduced to
 * what dextwatch needs: every string gets a 4-byte anchor (3 bytes when some
 * string of the set is that short; its window of rarest bytes, so common
 * text such as "e t" rarely fingerprints), strings are spread over 8
 * buckets, and for each anchor byte k two 16-entry tables map the low and
 * the high nibble of a byte to the buckets whose anchors allow it.  A
 * position whose bytes leave some bucket bit set in
 *     lo0[b0 & 15] & hi0[b0 >> 4] & lo1[b1 & 15] & hi1[b1 >> 4] & ... & hi3[b3 >> 4]
 * is verified with memcmp against the strings of those buckets.  SIMD does the
 * lookups for 16 or 32 positions at a time (SSSE3 or AVX2 pshufb, NEON
 * vqtbl1q); the scalar loop uses the same tables folded per byte, so every
 * engine finds the same hits.  (The
 * fourth byte cuts the positions to verify by about a third on log text.) */
#include "litset.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#if defined(__x86_64__) && defined(__SSE2__)
#include <immintrin.h>
#define LS_X86 1
#elif defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>
#define LS_NEON 1
#endif

#define LS_BUCKETS 8
#define LS_ANCHOR DW_LITSET_MIN /* the shortest string a set can hold */
#define LS_ANCHOR_MAX 4         /* anchor bytes when every string has that many */

struct ls_str {
    char *s;
    uint32_t len, anchor; /* anchor: offset of the anchor window in s */
    uint32_t key;         /* anchor_key of that window */
    uint8_t bucket;       /* its bucket's bit */
};

struct dw_litset {
    struct ls_str *strs;
    size_t n;
    uint32_t alen; /* anchor bytes: 4, or 3 when some string is that short */
    /* nibble -> bucket bits; byte -> bucket bits (scalar).  Beyond alen
     * every entry is 0xff, so all engines always look at LS_ANCHOR_MAX bytes. */
    uint8_t lo[LS_ANCHOR_MAX][16], hi[LS_ANCHOR_MAX][16];
    uint8_t tab[LS_ANCHOR_MAX][256];
    uint32_t *head; /* exact anchor -> first string index + 1 (hash chains) */
    uint32_t *next; /* per string: next string index + 1 with the same hash */
    uint32_t hmask; /* head has hmask + 1 entries */
};

/* The alen anchor bytes at p as one number, and its slot in the chain heads. */
static inline uint32_t anchor_key(const unsigned char *p, uint32_t alen)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (alen > 3 ? (uint32_t)p[3] << 24 : 0);
}
static inline uint32_t anchor_slot(uint32_t key, uint32_t hmask)
{
    return (key * UINT32_C(2654435761)) >> 12 & hmask;
}

/* ---- building ---- */

/* Rough share of each byte in log text: the fingerprint should let few
 * positions through, so anchors and buckets are chosen against it. */
static double byte_freq(unsigned char c)
{
    if (c == ' ')
        return 0.14;
    if (c >= 'a' && c <= 'z')
        return strchr("etaoinsr", c) ? 0.05 : strchr("lcdhumpfg", c) ? 0.02 : 0.008;
    if (c >= '0' && c <= '9')
        return 0.015;
    if (c && strchr(".:-/_,=()[]\"", c))
        return 0.01;
    if (c >= 'A' && c <= 'Z')
        return strchr("EDSAICTFPUM", c) ? 0.005 : 0.002;
    return 0.0005;
}

/* Share of bytes a fingerprint byte position lets through: every byte whose
 * low nibble is in lo and high nibble in hi (bit sets of 16). */
static double nibble_mass(const double *freq, unsigned lo, unsigned hi)
{
    double m = 0;
    for (unsigned h = 0; h < 16; h++)
        if (hi >> h & 1)
            for (unsigned l = 0; l < 16; l++)
                if (lo >> l & 1)
                    m += freq[h << 4 | l];
    return m;
}

struct bucket_plan {
    unsigned lo[LS_ANCHOR_MAX], hi[LS_ANCHOR_MAX]; /* nibble bit sets */
    double pass;                                   /* product of the masses */
};

static double plan_pass_with(const double *freq, const struct bucket_plan *b,
                             const unsigned char *w, size_t alen)
{
    double p = 1;
    for (size_t k = 0; k < alen; k++)
        p *= nibble_mass(freq, b->lo[k] | 1u << (w[k] & 15), b->hi[k] | 1u << (w[k] >> 4));
    return p;
}

static double window_freq(const double *freq, const unsigned char *w, size_t alen)
{
    double f = 0;
    for (size_t k = 0; k < alen; k++)
        f += freq[w[k]];
    return f;
}

/* Chooses each string's anchor window and bucket greedily: the pair that
 * raises the chance of a random position passing the fingerprint least
 * (short strings first: they have the fewest windows to choose from). */
static void plan_buckets(struct dw_litset *ls, uint8_t *bucket_of)
{
    double freq[256];
    for (unsigned c = 0; c < 256; c++)
        freq[c] = byte_freq((unsigned char)c);
    struct bucket_plan plan[LS_BUCKETS] = {{{0}, {0}, 0}};
    uint32_t *order = xcalloc(ls->n ? ls->n : 1, sizeof *order);
    for (size_t i = 0; i < ls->n; i++)
        order[i] = (uint32_t)i;
    for (size_t i = 1; i < ls->n; i++) /* insertion sort by length, stable */
        for (size_t j = i; j > 0 && ls->strs[order[j]].len < ls->strs[order[j - 1]].len; j--) {
            uint32_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (size_t o = 0; o < ls->n; o++) {
        struct ls_str *st = &ls->strs[order[o]];
        double best = 2;
        size_t best_b = 0;
        uint32_t best_w = 0;
        /* only the windows of rarest bytes are worth a try */
        double cut = 1;
        for (int round = 0; round < 6; round++) {
            double next = 0;
            for (uint32_t w = 0; w + ls->alen <= st->len; w++) {
                double f = window_freq(freq, (const unsigned char *)st->s + w, ls->alen);
                if (f < cut && f > next)
                    next = f;
            }
            if (next == 0)
                break;
            cut = next;
        }
        for (uint32_t w = 0; w + ls->alen <= st->len; w++) {
            const unsigned char *p = (const unsigned char *)st->s + w;
            if (window_freq(freq, p, ls->alen) < cut)
                continue;
            for (size_t b = 0; b < LS_BUCKETS; b++) {
                double cost = plan_pass_with(freq, &plan[b], p, ls->alen) - plan[b].pass;
                if (cost < best) {
                    best = cost;
                    best_b = b;
                    best_w = w;
                }
            }
        }
        st->anchor = best_w;
        bucket_of[order[o]] = (uint8_t)best_b;
        const unsigned char *p = (const unsigned char *)st->s + best_w;
        plan[best_b].pass = plan_pass_with(freq, &plan[best_b], p, ls->alen);
        for (size_t k = 0; k < ls->alen; k++) {
            plan[best_b].lo[k] |= 1u << (p[k] & 15);
            plan[best_b].hi[k] |= 1u << (p[k] >> 4);
        }
    }
    free(order);
}

struct dw_litset *litset_new(const char *const *strs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strs[i] || strlen(strs[i]) < LS_ANCHOR)
            return NULL;
    struct dw_litset *ls = xcalloc(1, sizeof *ls);
    ls->n = n;
    ls->alen = LS_ANCHOR_MAX;
    ls->strs = xcalloc(n ? n : 1, sizeof *ls->strs);
    for (size_t i = 0; i < n; i++) {
        ls->strs[i].s = xstrdup(strs[i]);
        ls->strs[i].len = (uint32_t)strlen(strs[i]);
        if (ls->strs[i].len < ls->alen)
            ls->alen = ls->strs[i].len;
    }
    uint8_t *bucket_of = xcalloc(n ? n : 1, 1);
    plan_buckets(ls, bucket_of);
    ls->hmask = 63;
    while (ls->hmask + 1 < 4 * n)
        ls->hmask = ls->hmask * 2 + 1;
    ls->head = xcalloc(ls->hmask + 1, sizeof *ls->head);
    ls->next = xcalloc(n ? n : 1, sizeof *ls->next);
    for (size_t k = n; k-- > 0;) { /* chains in index order */
        const struct ls_str *st = &ls->strs[k];
        ls->strs[k].key = anchor_key((const unsigned char *)st->s + st->anchor, ls->alen);
        ls->strs[k].bucket = (uint8_t)(1u << bucket_of[k]);
        uint32_t h = anchor_slot(st->key, ls->hmask);
        ls->next[k] = ls->head[h];
        ls->head[h] = (uint32_t)k + 1;
        for (size_t j = 0; j < ls->alen; j++) {
            unsigned char c = (unsigned char)st->s[st->anchor + j];
            ls->lo[j][c & 15] |= (uint8_t)(1u << bucket_of[k]);
            ls->hi[j][c >> 4] |= (uint8_t)(1u << bucket_of[k]);
        }
    }
    for (size_t j = ls->alen; j < LS_ANCHOR_MAX; j++) { /* no fourth byte: all pass */
        memset(ls->lo[j], 0xff, sizeof ls->lo[j]);
        memset(ls->hi[j], 0xff, sizeof ls->hi[j]);
    }
    for (size_t j = 0; j < LS_ANCHOR_MAX; j++)
        for (unsigned c = 0; c < 256; c++)
            ls->tab[j][c] = ls->lo[j][c & 15] & ls->hi[j][c >> 4];
    free(bucket_of);
    return ls;
}

void litset_free(struct dw_litset *ls)
{
    if (!ls)
        return;
    for (size_t i = 0; i < ls->n; i++)
        free(ls->strs[i].s);
    free(ls->head);
    free(ls->next);
    free(ls->strs);
    free(ls);
}

/* ---- scanning ---- */

/* What to do with verified occurrences: stop at the first (fn NULL) or
 * report each. */
struct ls_visit {
    void (*fn)(size_t index, size_t at, void *ctx);
    void *ctx;
    size_t which, at;
};

/* Verifies the strings whose anchor is the three bytes at pos (the
 * fingerprint m only said that some may be).  Returns true to stop scanning
 * (first-hit mode found one). */
static bool verify(const struct dw_litset *ls, const char *s, size_t n, size_t pos, unsigned m,
                   struct ls_visit *v)
{
    uint32_t key = anchor_key((const unsigned char *)s + pos, ls->alen);
    for (uint32_t e = ls->head[anchor_slot(key, ls->hmask)]; e; e = ls->next[e - 1]) {
        size_t idx = e - 1;
        const struct ls_str *st = &ls->strs[idx];
        if (st->key != key || !(st->bucket & m) || pos < st->anchor)
            continue;
        size_t start = pos - st->anchor;
        if (start + st->len > n || memcmp(s + start, st->s, st->len) != 0)
            continue;
        if (!v->fn) {
            v->which = idx;
            v->at = start;
            return true;
        }
        v->fn(idx, start, v->ctx);
    }
    return false;
}

/* Scalar loop from position i: the reference every engine agrees with. */
static bool scan_scalar(const struct dw_litset *ls, const char *s, size_t n, size_t i,
                        struct ls_visit *v)
{
    const unsigned char *u = (const unsigned char *)s;
    for (; i + ls->alen <= n; i++) {
        unsigned m = ls->tab[0][u[i]];
        if (m == 0)
            continue;
        m &= ls->tab[1][u[i + 1]] & ls->tab[2][u[i + 2]];
        if (ls->alen == 4)
            m &= ls->tab[3][u[i + 3]];
        if (m && verify(ls, s, n, i, m, v))
            return true;
    }
    return false;
}

enum ls_engine { ENGINE_BEST = -1, ENGINE_SCALAR, ENGINE_SSSE3, ENGINE_AVX2, ENGINE_NEON };
static const char *const engine_names[] = {"scalar", "ssse3", "avx2", "neon"};
static int engine = ENGINE_BEST; /* decided at the first scan */

static bool engine_available(int e)
{
    switch (e) {
    case ENGINE_SCALAR:
        return true;
#if defined(LS_X86)
    case ENGINE_SSSE3:
        return __builtin_cpu_supports("ssse3");
    case ENGINE_AVX2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("ssse3");
#elif defined(LS_NEON)
    case ENGINE_NEON:
        return true;
#endif
    default:
        return false;
    }
}

static int best_engine(void)
{
    for (int e = ENGINE_NEON; e > ENGINE_SCALAR; e--)
        if (engine_available(e))
            return e;
    return ENGINE_SCALAR;
}

bool litset_use_engine(const char *name)
{
    if (!name) {
        engine = best_engine();
        return true;
    }
    for (int e = ENGINE_SCALAR; e <= ENGINE_NEON; e++)
        if (strcmp(name, engine_names[e]) == 0 && engine_available(e)) {
            engine = e;
            return true;
        }
    return false;
}

#if defined(LS_X86)
/* Verifies the positions base + j for each bit j of bits (a SIMD block's
 * fingerprint, m[j] its buckets), lowest first.  True to stop scanning. */
static bool verify_bits(const struct dw_litset *ls, const char *s, size_t n, size_t base,
                        uint32_t bits, const uint8_t *m, struct ls_visit *v)
{
    for (; bits; bits &= bits - 1) {
        unsigned j = (unsigned)__builtin_ctz(bits);
        if (verify(ls, s, n, base + j, m[j], v))
            return true;
    }
    return false;
}

/* The fingerprint of the 16 positions s[i..i+16) (reads s[i..i+19)): bit j
 * set when position i + j may start an anchor, m[j] its buckets. */
__attribute__((target("ssse3"))) static inline unsigned
block_ssse3(const __m128i *lo, const __m128i *hi, const char *s, uint8_t m[16])
{
    const __m128i low4 = _mm_set1_epi8(0x0f);
    __m128i r = _mm_set1_epi8(-1);
    for (int k = 0; k < LS_ANCHOR_MAX; k++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(s + k));
        __m128i l = _mm_shuffle_epi8(lo[k], _mm_and_si128(x, low4));
        __m128i h = _mm_shuffle_epi8(hi[k], _mm_and_si128(_mm_srli_epi16(x, 4), low4));
        r = _mm_and_si128(r, _mm_and_si128(l, h));
    }
    unsigned bits = ~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(r, _mm_setzero_si128())) & 0xffffu;
    if (bits)
        _mm_storeu_si128((__m128i *)m, r);
    return bits;
}

/* From position i0 on (scan_avx2 hands over the last bytes of a text). */
__attribute__((target("ssse3"))) static bool scan_ssse3(const struct dw_litset *ls, const char *s,
                                                        size_t n, size_t i0, struct ls_visit *v)
{
    __m128i lo[LS_ANCHOR_MAX], hi[LS_ANCHOR_MAX];
    for (int k = 0; k < LS_ANCHOR_MAX; k++) {
        lo[k] = _mm_loadu_si128((const __m128i *)ls->lo[k]);
        hi[k] = _mm_loadu_si128((const __m128i *)ls->hi[k]);
    }
    const size_t span = 16 + LS_ANCHOR_MAX - 1; /* bytes one block reads */
    uint8_t m[16];
    size_t i = i0;
    for (; i + span <= n; i += 16)
        if (verify_bits(ls, s, n, i, block_ssse3(lo, hi, s + i, m), m, v))
            return true;
    /* the tail: one more block ending at the last byte, without the positions
     * scanned already (short messages spend most of their bytes here) */
    if (n >= span && i < n - span + 16) {
        size_t b = n - span;
        unsigned bits = block_ssse3(lo, hi, s + b, m) & (0xffffu << (i - b)) & 0xffffu;
        if (verify_bits(ls, s, n, b, bits, m, v))
            return true;
        i = b + 16;
    }
    return scan_scalar(ls, s, n, i, v);
}

/* The same for 32 positions with AVX2 (pshufb works within each 16-byte
 * lane, so the tables are repeated in both). */
__attribute__((target("avx2"))) static inline uint32_t
block_avx2(const __m256i *lo, const __m256i *hi, const char *s, uint8_t m[32])
{
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    __m256i r = _mm256_set1_epi8(-1);
    for (int k = 0; k < LS_ANCHOR_MAX; k++) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(s + k));
        __m256i l = _mm256_shuffle_epi8(lo[k], _mm256_and_si256(x, low4));
        __m256i h = _mm256_shuffle_epi8(hi[k], _mm256_and_si256(_mm256_srli_epi16(x, 4), low4));
        r = _mm256_and_si256(r, _mm256_and_si256(l, h));
    }
    uint32_t bits = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(r, _mm256_setzero_si256()));
    if (bits)
        _mm256_storeu_si256((__m256i *)m, r);
    return bits;
}

__attribute__((target("avx2"))) static bool scan_avx2(const struct dw_litset *ls, const char *s,
                                                      size_t n, struct ls_visit *v)
{
    const size_t span = 32 + LS_ANCHOR_MAX - 1;
    if (n < span)
        return scan_ssse3(ls, s, n, 0, v);
    __m256i lo[LS_ANCHOR_MAX], hi[LS_ANCHOR_MAX];
    for (int k = 0; k < LS_ANCHOR_MAX; k++) {
        lo[k] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)ls->lo[k]));
        hi[k] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)ls->hi[k]));
    }
    uint8_t m[32];
    size_t i = 0;
    for (; i + span <= n; i += 32)
        if (verify_bits(ls, s, n, i, block_avx2(lo, hi, s + i, m), m, v))
            return true;
    if (i < n - span + 32) { /* the tail, as scan_ssse3 does it */
        size_t b = n - span;
        uint32_t bits = block_avx2(lo, hi, s + b, m) & (UINT32_C(0xffffffff) << (i - b));
        if (verify_bits(ls, s, n, b, bits, m, v))
            return true;
        i = b + 32;
    }
    return scan_scalar(ls, s, n, i, v);
}
#elif defined(LS_NEON)
/* The fingerprint of the 16 positions s[i..i+16) into m (reads s[i..i+19));
 * false when no position may start an anchor. */
static inline bool block_neon(const uint8x16_t *lo, const uint8x16_t *hi, const char *s,
                              uint8_t m[16])
{
    const uint8x16_t low4 = vdupq_n_u8(0x0f);
    uint8x16_t r = vdupq_n_u8(0xff);
    for (int k = 0; k < LS_ANCHOR_MAX; k++) {
        uint8x16_t x = vld1q_u8((const uint8_t *)s + k);
        uint8x16_t l = vqtbl1q_u8(lo[k], vandq_u8(x, low4));
        uint8x16_t h = vqtbl1q_u8(hi[k], vshrq_n_u8(x, 4));
        r = vandq_u8(r, vandq_u8(l, h));
    }
    if (vmaxvq_u8(r) == 0)
        return false;
    vst1q_u8(m, r);
    return true;
}

static bool scan_neon(const struct dw_litset *ls, const char *s, size_t n, struct ls_visit *v)
{
    uint8x16_t lo[LS_ANCHOR_MAX], hi[LS_ANCHOR_MAX];
    for (int k = 0; k < LS_ANCHOR_MAX; k++) {
        lo[k] = vld1q_u8(ls->lo[k]);
        hi[k] = vld1q_u8(ls->hi[k]);
    }
    const size_t span = 16 + LS_ANCHOR_MAX - 1;
    uint8_t m[16];
    size_t i = 0;
    for (; i + span <= n; i += 16) {
        if (!block_neon(lo, hi, s + i, m))
            continue;
        for (unsigned j = 0; j < 16; j++)
            if (m[j] && verify(ls, s, n, i + j, m[j], v))
                return true;
    }
    /* the tail, as scan_ssse3 does it */
    if (n >= span && i < n - span + 16) {
        size_t b = n - span;
        if (block_neon(lo, hi, s + b, m))
            for (unsigned j = (unsigned)(i - b); j < 16; j++)
                if (m[j] && verify(ls, s, n, b + j, m[j], v))
                    return true;
        i = b + 16;
    }
    return scan_scalar(ls, s, n, i, v);
}
#endif

static bool scan(const struct dw_litset *ls, const char *s, size_t n, struct ls_visit *v)
{
    if (engine == ENGINE_BEST)
        engine = best_engine();
    switch (engine) {
#if defined(LS_X86)
    case ENGINE_AVX2:
        return scan_avx2(ls, s, n, v);
    case ENGINE_SSSE3:
        return scan_ssse3(ls, s, n, 0, v);
#elif defined(LS_NEON)
    case ENGINE_NEON:
        return scan_neon(ls, s, n, v);
#endif
    default:
        return scan_scalar(ls, s, n, 0, v);
    }
}

size_t litset_find(const struct dw_litset *ls, const char *s, size_t n, size_t *which)
{
    struct ls_visit v = {0};
    if (!ls || !scan(ls, s, n, &v))
        return n;
    if (which)
        *which = v.which;
    return v.at;
}

void litset_each(const struct dw_litset *ls, const char *s, size_t n,
                 void (*fn)(size_t index, size_t at, void *ctx), void *ctx)
{
    struct ls_visit v = {fn, ctx, 0, 0};
    if (ls && fn)
        scan(ls, s, n, &v);
}

const char *litset_str(const struct dw_litset *ls, size_t i, size_t *len)
{
    if (len)
        *len = ls->strs[i].len;
    return ls->strs[i].s;
}
