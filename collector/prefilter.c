/* prefilter.c - one pass over a text finds any of many literals (see
 * prefilter.h), and the rule-set prefilter built on it.
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
 * lookups for 16 positions at a time (pshufb / vqtbl1q); the scalar loop uses
 * the same tables folded per byte, so every engine finds the same hits.  (The
 * fourth byte cuts the positions to verify by about a third on log text.) */
#include "prefilter.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#if defined(__x86_64__) && defined(__SSE2__)
#include <tmmintrin.h>
#define LS_X86 1
#elif defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>
#define LS_NEON 1
#endif

#define LS_BUCKETS 8
#define LS_ANCHOR 3     /* the shortest string a set can hold */
#define LS_ANCHOR_MAX 4 /* anchor bytes when every string has that many */

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
    uint32_t *head;  /* exact anchor -> first string index + 1 (hash chains) */
    uint32_t *next;  /* per string: next string index + 1 with the same hash */
    uint32_t hmask;  /* head has hmask + 1 entries */
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
    double pass;                           /* product of the masses */
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

static bool force_scalar;

void litset_force_scalar(bool on)
{
    force_scalar = on;
}

#if defined(LS_X86)
static int have_ssse3 = -1;

/* The fingerprint of the 16 positions s[i..i+16) (reads s[i..i+19)): bit j
 * set when position i + j may start an anchor, m[j] its buckets. */
__attribute__((target("ssse3"))) static inline unsigned block_ssse3(const __m128i *lo,
                                                                   const __m128i *hi,
                                                                   const char *s, uint8_t m[16])
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

__attribute__((target("ssse3"))) static bool scan_ssse3(const struct dw_litset *ls,
                                                         const char *s, size_t n,
                                                         struct ls_visit *v)
{
    __m128i lo[LS_ANCHOR_MAX], hi[LS_ANCHOR_MAX];
    for (int k = 0; k < LS_ANCHOR_MAX; k++) {
        lo[k] = _mm_loadu_si128((const __m128i *)ls->lo[k]);
        hi[k] = _mm_loadu_si128((const __m128i *)ls->hi[k]);
    }
    const size_t span = 16 + LS_ANCHOR_MAX - 1; /* bytes one block reads */
    uint8_t m[16];
    size_t i = 0;
    for (; i + span <= n; i += 16) {
        for (unsigned bits = block_ssse3(lo, hi, s + i, m); bits; bits &= bits - 1) {
            unsigned j = (unsigned)__builtin_ctz(bits);
            if (verify(ls, s, n, i + j, m[j], v))
                return true;
        }
    }
    /* the tail: one more block ending at the last byte, without the positions
     * scanned already (short messages spend most of their bytes here) */
    if (n >= span && i < n - span + 16) {
        size_t b = n - span;
        unsigned bits = block_ssse3(lo, hi, s + b, m) & (0xffffu << (i - b)) & 0xffffu;
        for (; bits; bits &= bits - 1) {
            unsigned j = (unsigned)__builtin_ctz(bits);
            if (verify(ls, s, n, b + j, m[j], v))
                return true;
        }
        i = b + 16;
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
    if (!force_scalar) {
#if defined(LS_X86)
        if (have_ssse3 < 0)
            have_ssse3 = __builtin_cpu_supports("ssse3") ? 1 : 0;
        if (have_ssse3)
            return scan_ssse3(ls, s, n, v);
#elif defined(LS_NEON)
        return scan_neon(ls, s, n, v);
#endif
    }
    return scan_scalar(ls, s, n, 0, v);
}

const char *litset_engine(void)
{
    if (force_scalar)
        return "scalar";
#if defined(LS_X86)
    return __builtin_cpu_supports("ssse3") ? "ssse3" : "scalar";
#elif defined(LS_NEON)
    return "neon";
#else
    return "scalar";
#endif
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

/* ---- the prefilter of a rule set ---- */

struct dw_prefilter {
    struct dw_ruleset *rs;
    size_t words;             /* uint64_t words of a rule mask */
    struct dw_litset *msg;    /* the literals, none containing another */
    uint64_t *str_rules;      /* per string of msg: rules with a literal containing it */
    uint64_t *always;         /* rules without (usable) literals: process-filtered */
    bool has_always;
    struct dw_litset *json;   /* raw ndjson line scan, NULL if unusable */
    struct dw_litset *keys;   /* "timestamp" and "eventMessage" keys, for the reader */
    bool msg_ascii;           /* no literal holds a byte >= 0x80 */
    uint64_t *scratch;        /* the mask of the event being classified */
    struct dw_buf text;       /* a decoded ndjson message */
};

bool prefilter_disabled_by_env(void)
{
    const char *v = getenv("DEXTWATCH_NO_PREFILTER");
    return v && *v && strcmp(v, "0") != 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts and uniquifies v[0..*n), then drops every string that contains
 * another one: a text holding the longer holds the shorter, so the shorter
 * alone decides whether a text is a candidate. */
static void strs_minimize(char **v, size_t *n)
{
    qsort(v, *n, sizeof *v, cmp_str);
    bool *drop = xcalloc(*n ? *n : 1, sizeof *drop);
    for (size_t i = 0; i < *n; i++) {
        drop[i] = i > 0 && strcmp(v[i - 1], v[i]) == 0;
        for (size_t j = 0; j < *n && !drop[i]; j++)
            drop[i] = strcmp(v[j], v[i]) != 0 && strstr(v[i], v[j]) != NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        if (drop[i])
            free(v[i]);
        else
            v[k++] = v[i];
    }
    free(drop);
    *n = k;
}

/* A byte a JSON encoder may write as an escape (`\/`, `\"`, `\\`, `\n`,
 * `\uXXXX` for anything beyond ASCII). */
static bool json_escapable(unsigned char c)
{
    return c == '/' || c == '"' || c == '\\' || c < 0x20 || c >= 0x7f;
}

/* The longest run of s without a JSON-escapable byte, as a new string. */
static char *json_safe_piece(const char *s)
{
    size_t best = 0, best_len = 0, i = 0, n = strlen(s);
    while (i < n) {
        size_t j = i;
        while (j < n && !json_escapable((unsigned char)s[j]))
            j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j + 1;
    }
    return xstrndup(s + best, best_len);
}

/* The raw-line scan for ndjson: each literal's safe piece, every `\u`
 * escape, and the key of a crash report (whose message dextwatch composes). */
static struct dw_litset *json_set_new(char **lits, size_t n)
{
    size_t cap = n + 32, k = 0;
    char **v = xcalloc(cap, sizeof *v);
    for (size_t i = 0; i < n; i++) {
        v[k] = json_safe_piece(lits[i]);
        if (strlen(v[k]) < LS_ANCHOR) {
            for (size_t j = 0; j <= k; j++)
                free(v[j]);
            free(v);
            return NULL;
        }
        k++;
    }
    const char *hex = "0123456789abcdefABCDEF";
    for (const char *h = hex; *h; h++) {
        char e[4] = {'\\', 'u', *h, '\0'};
        v[k++] = xstrdup(e);
    }
    v[k++] = xstrdup("\"procName\"");
    strs_minimize(v, &k);
    struct dw_litset *ls = litset_new((const char *const *)v, k);
    for (size_t i = 0; i < k; i++)
        free(v[i]);
    free(v);
    return ls;
}

struct dw_prefilter *prefilter_new(struct dw_ruleset *rs)
{
    if (!rs)
        return NULL;
    size_t words = (rs->nrules + 63) / 64, n = 0, cap = 16;
    char **lits = xcalloc(cap, sizeof *lits);
    uint64_t *always = xcalloc(words ? words : 1, sizeof *always);
    bool has_always = false, hopeless = false;
    for (size_t i = 0; i < rs->nrules; i++) {
        const struct dw_rule *r = &rs->rules[i];
        bool usable = r->nliterals > 0;
        for (size_t k = 0; k < r->nliterals && usable; k++)
            usable = r->literals[k] && strlen(r->literals[k]) >= LS_ANCHOR;
        if (!usable) {
            always[i / 64] |= UINT64_C(1) << (i % 64);
            has_always = true;
            hopeless = hopeless || r->nprocesses == 0;
            continue;
        }
        for (size_t k = 0; k < r->nliterals; k++) {
            xgrow((void **)&lits, &cap, n + 1, sizeof *lits);
            lits[n++] = xstrdup(r->literals[k]);
        }
    }
    strs_minimize(lits, &n);
    struct dw_litset *msg = hopeless ? NULL : litset_new((const char *const *)lits, n);
    if (!msg) {
        for (size_t i = 0; i < n; i++)
            free(lits[i]);
        free(lits);
        free(always);
        return NULL;
    }
    struct dw_prefilter *pf = xcalloc(1, sizeof *pf);
    pf->rs = rs;
    pf->words = words;
    pf->msg = msg;
    pf->always = always;
    pf->has_always = has_always;
    pf->msg_ascii = true;
    for (size_t i = 0; i < n; i++)
        for (const char *c = lits[i]; *c; c++)
            pf->msg_ascii = pf->msg_ascii && (unsigned char)*c < 0x80;
    pf->scratch = xcalloc(words ? words : 1, sizeof *pf->scratch);
    pf->str_rules = xcalloc((n ? n : 1) * (words ? words : 1), sizeof *pf->str_rules);
    for (size_t s = 0; s < n; s++) {
        const char *str = msg->strs[s].s;
        for (size_t i = 0; i < rs->nrules; i++) {
            const struct dw_rule *r = &rs->rules[i];
            if (always[i / 64] & (UINT64_C(1) << (i % 64)))
                continue;
            for (size_t k = 0; k < r->nliterals; k++)
                if (strstr(r->literals[k], str)) {
                    pf->str_rules[s * words + i / 64] |= UINT64_C(1) << (i % 64);
                    break;
                }
        }
    }
    pf->json = has_always ? NULL : json_set_new(lits, n);
    const char *keys[] = {"\"timestamp\":\"", "\"eventMessage\":\""};
    pf->keys = litset_new(keys, 2);
    for (size_t i = 0; i < n; i++)
        free(lits[i]);
    free(lits);
    return pf;
}

void prefilter_free(struct dw_prefilter *pf)
{
    if (!pf)
        return;
    litset_free(pf->msg);
    litset_free(pf->json);
    litset_free(pf->keys);
    free(pf->str_rules);
    free(pf->always);
    free(pf->scratch);
    buf_free(&pf->text);
    free(pf);
}

static void mark_rules(size_t index, size_t at, void *ctx)
{
    (void)at;
    struct dw_prefilter *pf = ctx;
    const uint64_t *src = pf->str_rules + index * pf->words;
    for (size_t w = 0; w < pf->words; w++)
        pf->scratch[w] |= src[w];
}

struct dw_finding *prefilter_classify(struct dw_prefilter *pf, struct dw_ruleset *rs,
                                      const struct dw_event *ev)
{
    if (!pf || rs != pf->rs)
        return ruleset_classify(rs, ev);
    if (!ev || !ev->message)
        return NULL;
    size_t len = ev->message_len ? ev->message_len : strlen(ev->message);
    if (!pf->has_always && litset_find(pf->msg, ev->message, len, NULL) == len)
        return NULL;
    memcpy(pf->scratch, pf->always, pf->words * sizeof *pf->scratch);
    litset_each(pf->msg, ev->message, len, mark_rules, pf);
    return ruleset_classify_masked(rs, ev, pf->scratch);
}

bool prefilter_text_usable(const struct dw_prefilter *pf)
{
    return pf && !pf->has_always && pf->msg_ascii;
}

bool prefilter_text_skip(struct dw_prefilter *pf, const char *msg, size_t len)
{
    if (!prefilter_text_usable(pf))
        return false;
    /* ASCII literals cannot overlap the U+FFFD that replaces a NUL, so a
     * message without a literal has none once stored either */
    if (litset_find(pf->msg, msg, len, NULL) == len)
        return true;
    if (memchr(msg, '\0', len))
        return false;
    memset(pf->scratch, 0, pf->words * sizeof *pf->scratch);
    litset_each(pf->msg, msg, len, mark_rules, pf);
    return !ruleset_message_may_match(pf->rs, msg, len, pf->scratch);
}

bool prefilter_json_usable(const struct dw_prefilter *pf)
{
    return pf && pf->json;
}

bool prefilter_json_candidate(const struct dw_prefilter *pf, const char *s, size_t n)
{
    if (!prefilter_json_usable(pf))
        return true;
    return litset_find(pf->json, s, n, NULL) < n;
}

/* Where the keys of an ndjson line are: the first "timestamp" and
 * "eventMessage" keys, and how many of each there are. */
struct key_hits {
    size_t ts_at, ts_count, msg_at, msg_count;
};

static void note_key(size_t index, size_t at, void *ctx)
{
    struct key_hits *k = ctx;
    if (index == 0) {
        if (k->ts_count++ == 0)
            k->ts_at = at;
    } else if (k->msg_count++ == 0) {
        k->msg_at = at;
    }
}

/* Decodes the JSON string whose text starts at s[i] (after the opening
 * quote) into out, as jansson would; false when only jansson can tell
 * (a \u escape, a control or non-ASCII byte, no closing quote). */
static bool json_plain_string(const char *s, size_t n, size_t i, struct dw_buf *out)
{
    buf_reset(out);
    for (;;) {
        size_t j = i;
        while (j < n && s[j] != '"' && s[j] != '\\' && (unsigned char)s[j] >= 0x20 &&
               (unsigned char)s[j] < 0x80)
            j++;
        buf_append(out, s + i, j - i);
        if (j >= n)
            return false;
        if (s[j] == '"')
            return true;
        if (s[j] != '\\' || j + 1 >= n)
            return false;
        const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
        const char *e = memchr(from, s[j + 1], 8);
        if (!e)
            return false; /* \u, or an invalid escape */
        buf_putc(out, to[e - from]);
        i = j + 2;
    }
}

/* True if no rule's pattern can match msg whatever the event's other fields
 * (filters only ever remove matches). */
static bool message_unmatchable(struct dw_prefilter *pf, const char *msg, size_t len)
{
    if (litset_find(pf->msg, msg, len, NULL) == len)
        return true;
    memset(pf->scratch, 0, pf->words * sizeof *pf->scratch);
    litset_each(pf->msg, msg, len, mark_rules, pf);
    return !ruleset_message_may_match(pf->rs, msg, len, pf->scratch);
}

bool prefilter_json_skip(struct dw_prefilter *pf, const char *s, size_t n, struct dw_time *t)
{
    struct key_hits k = {0};
    if (!pf || !pf->json || !pf->keys)
        return false;
    litset_each(pf->keys, s, n, note_key, &k);
    /* a key follows '{' or ','; anything else (inside a string, after
     * blanks, twice) is left to the JSON parser */
    if (k.ts_count != 1 || k.msg_count != 1 || k.ts_at == 0 || k.msg_at == 0)
        return false;
    if ((s[k.ts_at - 1] != ',' && s[k.ts_at - 1] != '{') ||
        (s[k.msg_at - 1] != ',' && s[k.msg_at - 1] != '{'))
        return false;
    size_t v = k.ts_at + pf->keys->strs[0].len, e = v;
    while (e < n && s[e] != '"' && s[e] != '\\')
        e++;
    if (e >= n || s[e] != '"')
        return false;
    memset(t, 0, sizeof *t);
    if (e > v && dw_time_parse(s + v, e - v, t) == 0)
        t->kind = DW_TIME_NONE;
    if (litset_find(pf->json, s, n, NULL) == n)
        return true;
    /* a candidate: decode the message and try the rules on it */
    if (!json_plain_string(s, n, k.msg_at + pf->keys->strs[1].len, &pf->text))
        return false;
    return message_unmatchable(pf, pf->text.data ? pf->text.data : "", pf->text.len);
}
