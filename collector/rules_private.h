/* rules_private.h - shared between the rule-pack loader (rules.c) and the
 * per-rule parser and validator (rules_parse.c), all defined in rules_parse.c:
 * rules.c calls into rules_parse.c, never the other way.  Not a public
 * interface. */
#ifndef DW_RULES_PRIVATE_H
#define DW_RULES_PRIVATE_H

#include <yaml.h>

#include "rules.h"

/* State while one pack file is being read. */
struct rule_loader {
    const char *file; /* path used in messages */
    yaml_document_t *doc;
    struct dw_errors *err;
    size_t nerrors;               /* errors added for this pack */
    const struct dw_codes *codes; /* for checking `decode` table names; may be empty */
};

/* Adds "file:line:col: [rule 'id': ]message" for a YAML mark (0-based in
 * libyaml, printed 1-based).  rule_id may be NULL. */
void loader_error(struct rule_loader *lc, const yaml_mark_t *mark, const char *rule_id,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Fills r from one rule mapping: every field checked, the pattern compiled
 * (JIT when available), templates checked against the pattern's group names.
 * Returns 0, or -1 after reporting each problem; r must be released with
 * rule_clear either way. */
int rule_parse(struct rule_loader *lc, yaml_node_t *node, struct dw_rule *r);
void rule_clear(struct dw_rule *r);
/* A rule id: [a-z0-9.-], not empty. */
bool rules_id_valid(const char *s);
/* A class of the taxonomy (rules/README.md), optionally with one `.part`. */
bool rules_class_valid(const char *s);

/* Compiles a rule pattern with UTF and invalid-UTF tolerance (log text is
 * not always valid UTF-8), then JIT-compiles it when the platform supports
 * JIT (and DEXTWATCH_PCRE2_JIT is not 0).  A pcre2_code_8 *, or NULL with
 * "MESSAGE at offset N (PCRE2)" in why. */
void *rule_pattern_compile(const char *pattern, struct dw_buf *why);

/* Number of capture groups of a compiled rule pattern. */
uint32_t rule_capture_count(const struct dw_rule *r);

#endif
