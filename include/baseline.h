/* baseline.h - known incidents that must not fail a CI run.
 *
 * `scan --write-baseline FILE` writes one entry per incident of the run;
 * `scan --baseline FILE` reports incidents that match an entry as
 * "baselined" instead of failing.  An entry matches by subject (compared
 * case-insensitively, as bundle ids are spelled both ways in logs) and
 * root-cause rule id, never by time, so the same failure in tomorrow's log
 * still matches.  The file is versioned JSON, sorted, one entry per line
 * group, made to be reviewed and committed:
 *
 *   {"dextwatch_baseline": 1,
 *    "entries": [{"subject": "com.MyDriver", "rule": "dk.provider-entitlements",
 *                 "class": "entitlement.provider-check", "note": "why it is known"}]}
 *
 * Loading is a pure function of a buffer (baseline_parse), so it can be
 * fuzzed (tests/fuzz/fuzz_baseline.c). */
#ifndef DW_BASELINE_H
#define DW_BASELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "strmap.h"
#include "util.h"

struct dw_rule_aliases;

#define DW_BASELINE_VERSION 1
#define DW_BASELINE_MAX_BYTES (64u << 20) /* a bigger file is refused */

struct dw_baseline_entry {
    char *subject;
    char *rule;
    char *class_name; /* may be NULL */
    char *note;       /* may be NULL */
};

struct dw_baseline {
    struct dw_baseline_entry *entries;
    size_t n, cap;
    struct dw_strmap index; /* case-folded subject + rule -> entry number + 1 */
};

struct dw_baseline *baseline_new(void);
/* Parses a baseline file's bytes; name is used in messages ("name:line:col:
 * reason" for JSON errors, "name: entries[3]: reason" for content errors).
 * Returns NULL with every problem in err. */
struct dw_baseline *baseline_parse(const char *name, const char *data, size_t n,
                                   struct dw_errors *err);
/* Reads path and parses it.  NULL with "path: reason" in err. */
struct dw_baseline *baseline_load(const char *path, struct dw_errors *err);
/* The entry for (subject, rule), or NULL.  O(1): entries are hashed (a
 * baseline of 60,000 entries once took 5.3 s of linear searches). */
const struct dw_baseline_entry *baseline_match(const struct dw_baseline *b, const char *subject,
                                               const char *rule);
/* Adds an entry (strings copied) unless one with the same subject and rule
 * exists.  Returns true when added. */
bool baseline_add(struct dw_baseline *b, const char *subject, const char *rule,
                  const char *class_name, const char *note);
/* Renames the entries' rule ids and classes that rules/aliases.tsv lists as
 * old names to the current ones (rules_alias.h), so a baseline written before
 * a rename matches the same incidents; an entry that then repeats an earlier
 * one is dropped.  Returns the number of entries renamed (a may be NULL). */
size_t baseline_resolve_aliases(struct dw_baseline *b, const struct dw_rule_aliases *a);
/* The file's text: entries sorted by subject (case-insensitively), then rule. */
char *baseline_serialize(struct dw_baseline *b);
/* Writes the file atomically (a temporary file beside it, created with
 * O_EXCL, then renamed).  0, or -1 with "path: reason" in err. */
int baseline_write(struct dw_baseline *b, const char *path, struct dw_errors *err);
void baseline_free(struct dw_baseline *b);

/* Reads a whole (small) file into *out (NUL-terminated, caller frees).
 * Refuses files over max bytes.  0, or -1 with "path: reason" in err.
 * Shared by the baseline and config loaders. */
int dw_read_file(const char *path, size_t max, char **out, size_t *n, struct dw_errors *err);

#endif
