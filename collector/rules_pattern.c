/* rules_pattern.c - an ad-hoc pattern, compiled and matched as rule
 * patterns are (rules.h: pattern_compile), for `rules try FILE REGEX`. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdio.h>
#include <stdlib.h>

#include "rules_private.h"

struct dw_pattern {
    pcre2_code *code;
    pcre2_match_data *match_data;
    struct dw_ruleset *limits; /* an empty set: its match context holds the limits */
};

struct dw_pattern *pattern_compile(const char *source, struct dw_buf *why)
{
    pcre2_code *code = rule_pattern_compile(source, why);
    if (!code)
        return NULL;
    struct dw_pattern *p = xcalloc(1, sizeof *p);
    p->code = code;
    p->match_data = pcre2_match_data_create_from_pattern(code, NULL);
    if (!p->match_data) {
        fprintf(stderr, "dextwatch: out of memory\n");
        abort(); /* allocation failure policy, as in util.c */
    }
    p->limits = ruleset_new();
    return p;
}

bool pattern_match(struct dw_pattern *p, const char *s, size_t n, uint64_t *limit_hits)
{
    int rc = pcre2_match(p->code, (PCRE2_SPTR)s, n, 0, 0, p->match_data, p->limits->match_ctx);
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
        rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT)
        (*limit_hits)++;
    return rc >= 0;
}

void pattern_free(struct dw_pattern *p)
{
    if (!p)
        return;
    pcre2_code_free(p->code);
    pcre2_match_data_free(p->match_data);
    ruleset_free(p->limits);
    free(p);
}
