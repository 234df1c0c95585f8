/* litset_engines.c - every scanning engine of litset.c finds the same hits.
 *
 * A plain C program (no test framework), so that it builds for any target
 * from litset.c and util.c alone: CTest runs it natively (SSSE3 on x86-64)
 * and tests/portability/neon.sh cross-builds it for arm64 and runs it under
 * qemu, the only way the NEON engine runs on this Linux x86 CI.
 *
 * Random texts made of the set's strings (some cut one byte short) and the
 * bytes they start with, of every length 1..300 (every block edge and
 * tail): the best engine and the scalar loop must find the same first hit,
 * and every hit, counted against a naive search.  Two sets: one with 3-byte
 * strings (3-byte anchors) and one without (4-byte anchors).
 * Prints the engine it tested; exit status 1 on any difference. */
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

static void check(bool ok, const char *what, size_t round, const char *text, size_t n)
{
    if (ok)
        return;
    if (failures++ < 10)
        fprintf(stderr, "litset_engines: %s differ (round %zu): '%.*s'\n", what, round, (int)n,
                text);
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
        size_t best_counts[MAX_WORDS] = {0}, scalar_counts[MAX_WORDS] = {0};
        size_t w1 = 0, w2 = 0;
        litset_force_scalar(false);
        size_t best_first = litset_find(ls, text, n, &w1);
        litset_each(ls, text, n, count_hit, best_counts);
        litset_force_scalar(true);
        size_t scalar_first = litset_find(ls, text, n, &w2);
        litset_each(ls, text, n, count_hit, scalar_counts);
        litset_force_scalar(false);
        check(best_first == scalar_first && (best_first == n || w1 == w2), "first hits", round,
              text, n);
        for (size_t w = 0; w < nwords; w++) {
            size_t k = strlen(set[w]), naive = 0;
            for (size_t i = 0; i + k <= n; i++)
                naive += memcmp(text + i, set[w], k) == 0;
            check(best_counts[w] == naive, "engine and naive counts", round, text, n);
            check(scalar_counts[w] == naive, "scalar and naive counts", round, text, n);
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
    printf("litset_engines: %s and scalar agree: %s\n", litset_engine(),
           failures ? "NO" : "yes");
    return failures ? 1 : 0;
}
