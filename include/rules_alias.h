/* rules_alias.h - the old names of renamed rules and classes (rules/aliases.tsv).
 *
 * Baselines and `.dextwatch.yaml` name rules (and baselines classes) as they
 * were spelled when the file was written.  When a rule id or a class is
 * renamed, the old name goes into <rules>/aliases.tsv, one line each:
 *
 *   # kind  old                              new                      changed     version
 *   class   dext.start-failed.checkin-token  dext.exit.checkin-token  2026-12-03  0.1.0
 *   rule    dk.old-id                        dk.new-id                2027-01-10  0.2.0
 *
 * tab-separated; '#' starts a comment line.  The loader (verdict's users:
 * baseline.c, config.c) resolves an old name to the current one, following
 * chains (a -> b -> c), so a file written before a rename keeps matching the
 * same incidents.  The table is separate from the rule packs on purpose: it
 * outlives the rules it names, and loading it changes nothing in
 * ruleset_load_dir. */
#ifndef DW_RULES_ALIAS_H
#define DW_RULES_ALIAS_H

#include <stdbool.h>
#include <stddef.h>

#include "rules.h"
#include "strmap.h"
#include "util.h"

#define DW_ALIASES_FILE "aliases.tsv"

enum dw_alias_kind { DW_ALIAS_RULE, DW_ALIAS_CLASS };

struct dw_alias {
    enum dw_alias_kind kind;
    char *old_name, *new_name;
    char *changed; /* YYYY-MM-DD */
    char *version; /* the dextwatch version that first had the new name */
    int line;
};

struct dw_rule_aliases {
    char *path; /* for messages; NULL for an empty table */
    struct dw_alias *v;
    size_t n, cap;
    struct dw_strmap rules, classes; /* old name -> index + 1 */
};

/* Parses a table's bytes (name for messages: "name:line: reason").  0, or -1
 * with every problem in err (then the table holds what was read). */
int rule_aliases_parse(struct dw_rule_aliases *a, const char *name, const char *data, size_t n,
                       struct dw_errors *err);
/* Reads <dir>/aliases.tsv; a directory without one has no aliases (0). */
int rule_aliases_load_dir(struct dw_rule_aliases *a, const char *dir, struct dw_errors *err);
/* Checks the table against a rule set: a renamed rule must lead to a rule of
 * the set and its old id must not be a rule of the set any more; a class must
 * lead to a valid class of the taxonomy; no chain may loop.  0, or -1. */
int rule_aliases_check(const struct dw_rule_aliases *a, const struct dw_ruleset *rs,
                       struct dw_errors *err);
/* The alias that renamed name, or NULL when name is not an old name. */
const struct dw_alias *rule_aliases_find(const struct dw_rule_aliases *a, enum dw_alias_kind kind,
                                         const char *name);
/* The current name for name (chains followed; at most a->n steps), or name
 * itself when it was never renamed.  a may be NULL. */
const char *rule_aliases_resolve(const struct dw_rule_aliases *a, enum dw_alias_kind kind,
                                 const char *name);
void rule_aliases_free(struct dw_rule_aliases *a); /* the members; a itself is the caller's */

#endif
