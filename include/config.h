/* config.h - the project file `.dextwatch.yaml`: disable rules or lower their
 * severity for this project, each with a reason a reviewer can read.
 *
 *   version: 1
 *   rules:
 *     - id: amfi.basic-requirement
 *       disable: true
 *       reason: amfid logs this for every ad-hoc signed helper on our runners
 *     - id: dk.requested-exit
 *       severity: warning
 *       reason: our test harness stops the dext on purpose
 *
 * Incidents whose findings all come from disabled rules are "suppressed":
 * still reported, never failing.  A lowered severity applies to the findings
 * of that rule, so an incident's severity is the highest remaining one.
 * Errors name their place: "file:line:col: reason".  Loading is a pure
 * function of a buffer (config_parse), so it can be fuzzed. */
#ifndef DW_CONFIG_H
#define DW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "rules.h"
#include "rules_alias.h"
#include "strmap.h"
#include "util.h"

#define DW_CONFIG_FILE ".dextwatch.yaml"
#define DW_CONFIG_VERSION 1
#define DW_CONFIG_MAX_BYTES (1u << 20)

struct dw_config_rule {
    char *id;
    bool disable;
    enum dw_severity severity; /* the lowered severity (not used with disable) */
    char *reason;
    int line, col; /* where the entry starts (1-based) */
};

struct dw_config {
    char *name; /* file name, for messages */
    struct dw_config_rule *rules;
    size_t nrules, cap;
    struct dw_strmap index; /* rule id -> entry number + 1 (config_rule is O(1)) */
};

/* Parses the file's bytes.  NULL with every problem in err. */
struct dw_config *config_parse(const char *name, const char *data, size_t n, struct dw_errors *err);
struct dw_config *config_load(const char *path, struct dw_errors *err);
/* Checks the entries against the loaded rules: every id must name a rule, a
 * severity may only lower the rule's.  0, or -1 with "file:line:col: reason". */
int config_check(const struct dw_config *c, const struct dw_ruleset *rs, struct dw_errors *err);
/* Entries that name a rule by an old id (rules/aliases.tsv, rules_alias.h)
 * apply to the rule's current id from here on; each such entry adds a note
 * "file:line:col: rule 'old' is 'new' since DATE (VERSION): ..." to notes.
 * -1 with a message when that makes two entries name one rule; else 0. */
int config_resolve_aliases(struct dw_config *c, const struct dw_rule_aliases *a,
                           struct dw_errors *notes, struct dw_errors *err);
/* The entry for a rule id, or NULL (c may be NULL). */
const struct dw_config_rule *config_rule(const struct dw_config *c, const char *rule_id);
void config_free(struct dw_config *c);

#endif
