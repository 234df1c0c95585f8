/* catalog.c - the rule packs in use, recorded in the store (catalog.h). */
#include "catalog.h"

#include <stdlib.h>

int catalog_record(struct dw_store *s, const struct dw_ruleset *rs, struct dw_errors *err)
{
    struct dw_store_pack *packs = xcalloc(rs->npacks ? rs->npacks : 1, sizeof *packs);
    struct dw_store_rule *rules = xcalloc(rs->nrules ? rs->nrules : 1, sizeof *rules);
    for (size_t i = 0; i < rs->nrules; i++)
        rules[i] = (struct dw_store_rule){rs->rules[i].id, rs->rules[i].class_name,
                                          rs->rules[i].severity, rs->rules[i].priority};
    for (size_t i = 0; i < rs->npacks; i++) {
        const struct dw_rule_pack *p = &rs->packs[i];
        /* a pack's rules are a run of the set's; a bad count is cut to the set */
        size_t first = p->first_rule < rs->nrules ? p->first_rule : rs->nrules;
        size_t n = p->nrules < rs->nrules - first ? p->nrules : rs->nrules - first;
        packs[i] = (struct dw_store_pack){p->name, p->path, p->hash, rules + first, n};
    }
    int rc = store_record_rules(s, packs, rs->npacks, err);
    free(packs);
    free(rules);
    return rc;
}
