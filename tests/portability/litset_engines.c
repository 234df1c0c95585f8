/* litset_engines.c - every scanning engine of litset.c finds the same hits.
 *
 * A plain C program (no test framework), so that it builds for any target
 * from litset.c and util.c alone: CTest runs it natively (SSSE3 on x86-64)
 * and tests/portability/neon.sh cross-builds it for arm64 and runs it under
 * qemu, the only way the NEON engine runs on this Linux x86 CI.
 *
 * Random texts made of the set's strings (some cut one byte short) and the
 * bytes they start with, of every length 1..300 (every block edge and
 * tail): every engine this CPU has (avx2, ssse3, neon, scalar) must find
 * every hit of a naive search, and the scalar loop's first hit.  Two sets: one with 3-byte
 * strings (3-byte anchors) and one without (4-byte anchors).
 * Prints the engines it tested; exit status 1 on any difference. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "litset.h"

#define MAX_WORDS 16

static int failures;

static void count_hit(size_t index, size_t at, void *ctx)
{
    size_t *counts = ctx;
    (void)at;
    counts[index]++;
}

static const char *const engines[] = {"avx2", "ssse3", "neon", "scalar"};

static void check(bool ok, const char *engine, const char *what, size_t round, const char *text,
                  size_t n)
{
    if (ok)
        return;
    if (failures++ < 10)
        fprintf(stderr, "litset_engines: %s: %s differ from a naive search (round %zu): '%.*s'\n",
                engine, what, round, (int)n, text);
}

static void engines_agree(const char *const *set, size_t nwords)
{
    struct dw_litset *ls = litset_new(set, nwords);
    if (!ls) {
        fprintf(stderr, "litset_engines: litset_new failed\n");
        failures++;
        return;
    }
    uint64_t seed = 12345;
    char text[600];
    for (size_t round = 0; round < 3000; round++) {
        size_t n = 0, len = round % 300 + 1;
        while (n < len) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            unsigned r = (unsigned)(seed >> 33);
            if (r % 29 == 0) {
                const char *w = set[r / 29 % nwords];
                size_t k = strlen(w);
                if (r & 1024)
                    k--; /* a truncated word: must not be found */
                memcpy(text + n, w, k);
                n += k;
            } else {
                text[n++] = " aDKzb-6:(S\\u0"[r % 14];
            }
        }
        size_t naive[MAX_WORDS] = {0};
        for (size_t w = 0; w < nwords; w++) {
            size_t k = strlen(set[w]);
            for (size_t i = 0; i + k <= n; i++)
                naive[w] += memcmp(text + i, set[w], k) == 0;
        }
        /* the first hit is the one whose anchor comes first (not always the
         * leftmost start): the scalar loop is the reference for it */
        litset_use_engine("scalar");
        size_t ref_which = 0, ref_first = litset_find(ls, text, n, &ref_which);
        for (size_t e = 0; e < sizeof engines / sizeof engines[0]; e++) {
            if (!litset_use_engine(engines[e]))
                continue;
            size_t counts[MAX_WORDS] = {0}, which = 0;
            size_t first = litset_find(ls, text, n, &which);
            litset_each(ls, text, n, count_hit, counts);
            check(first == ref_first && (first == n || which == ref_which), engines[e],
                  "first hits (with scalar's)", round, text, n);
            for (size_t w = 0; w < nwords; w++)
                check(counts[w] == naive[w], engines[e], "hit counts", round, text, n);
        }
    }
    litset_free(ls);
}

int main(void)
{
    static const char *const short_set[] = {"DK: ", "IOUserServer(", "amfid", "-670",   "::start(",
                                            "signature not valid: ", "abc", "zzz", "\\u0"};
    static const char *const long_set[] = {"DK: ", "IOUserServer(", "amfid", "-670",
                                           "::start(", "signature not valid: "};
    engines_agree(short_set, sizeof short_set / sizeof short_set[0]);
    engines_agree(long_set, sizeof long_set / sizeof long_set[0]);
    litset_use_engine(NULL);
    printf("litset_engines: engines tested:");
    for (size_t e = 0; e < sizeof engines / sizeof engines[0]; e++)
        if (litset_use_engine(engines[e]))
            printf(" %s", engines[e]);
    litset_use_engine(NULL);
    printf("; all agree: %s\n", failures ? "NO" : "yes");
    return failures ? 1 : 0;
}
