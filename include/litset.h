/* litset.h - a set of literals searched for in one pass: Teddy (Hyperscan's
 * small-set literal matcher) with AVX2 or SSSE3 on x86-64, NEON on arm64 and a
 * table-driven scalar loop elsewhere, all giving the same hits (litset.c).
 * The rule-set prefilter (prefilter.h) is built on it.  No dependency but
 * libc and util.c, so tests/portability can build it for arm64 alone. */
#ifndef DW_LITSET_H
#define DW_LITSET_H

#include <stdbool.h>
#include <stddef.h>

#define DW_LITSET_MIN 3 /* the shortest string a set can hold */

/* A set of byte strings (each at least DW_LITSET_MIN bytes) searched for in one pass. */
struct dw_litset;
/* Builds a set from strs[0..n) (copied).  Returns NULL when some string is
 * shorter than DW_LITSET_MIN bytes (such a set cannot be scanned for). */
struct dw_litset *litset_new(const char *const *strs, size_t n);
void litset_free(struct dw_litset *ls);
/* Offset in s[0..n) of the start of a verified occurrence of one of the
 * strings (the one whose anchor comes first), or n when there is none.
 * *which (may be NULL) gets the string's index. */
size_t litset_find(const struct dw_litset *ls, const char *s, size_t n, size_t *which);
/* Calls fn(index, ctx) for every occurrence of every string in s[0..n). */
void litset_each(const struct dw_litset *ls, const char *s, size_t n,
                 void (*fn)(size_t index, size_t at, void *ctx), void *ctx);
/* Tests: scan with the engine of that name from now on (NULL: the best);
 * false when this build or CPU lacks it.  Every engine finds the same hits. */
bool litset_use_engine(const char *name);

/* String i of the set (its index as litset_find and litset_each report it:
 * the order given to litset_new); *len (may be NULL) gets its length. */
const char *litset_str(const struct dw_litset *ls, size_t i, size_t *len);

#endif
