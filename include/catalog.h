/* catalog.h - the rule packs in use, recorded in the store (`dextwatch stats`
 * and docs/schema.md list them).  Sits above both the rules and the store:
 * it turns a rule set into the plain list store_record_rules takes, so that
 * the store needs nothing of rules.h. */
#ifndef DW_CATALOG_H
#define DW_CATALOG_H

#include "rules.h"
#include "store.h"
#include "util.h"

/* store_record_rules of rs's packs and rules.  0 or -1 (err). */
int catalog_record(struct dw_store *s, const struct dw_ruleset *rs, struct dw_errors *err);

#endif
