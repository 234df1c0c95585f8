/* predicate.h - the `log` predicate that streams only what some rule can match.
 *
 * Built from the loaded rule packs: a rule with a `process` filter contributes
 * `process == "P"` (narrowed by its message literals when it has them), a rule
 * with a `subsystem` filter `subsystem == "S"`, and a rule with neither its
 * literals for any process.  The text follows `log help predicates`
 * (NSPredicate): `==`, `CONTAINS`, `IN {...}`, `AND`, `OR`, double-quoted
 * strings with `\"` and `\\` escapes.  The output is deterministic (sorted), so
 * its hash tells whether a saved watch position still applies. */
#ifndef DW_PREDICATE_H
#define DW_PREDICATE_H

#include <stdint.h>

#include "rules.h"
#include "util.h"

/* The predicate text (caller frees).  "TRUEPREDICATE" when some rule can match
 * any line (no process, subsystem or literal): each such rule is named in warn.
 * Literals that cannot be written safely (control characters) are dropped and
 * their rule widened to its whole process (also reported in warn). */
char *predicate_build(const struct dw_ruleset *rs, struct dw_errors *warn);

/* True when p is the match-everything predicate (then `log` gets none). */
int predicate_is_everything(const char *p);

/* Appends s as an NSPredicate string literal: "..." with `"` and `\` escaped.
 * Returns -1 (and appends nothing) when s holds a control character. */
int predicate_quote(struct dw_buf *b, const char *s);

/* 16 hex digits identifying the predicate text (stored with the position). */
void predicate_hash(const char *p, char out[17]);

#endif
