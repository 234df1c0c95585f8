/* rules_alias.c - rules/aliases.tsv: old rule ids and classes (rules_alias.h). */
#include "rules_alias.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_private.h" /* rules_id_valid, rules_class_valid */

#define ALIASES_MAX_BYTES (1u << 20)

static const char *const alias_kind_names[] = {"rule", "class"};

static struct dw_strmap *alias_map(struct dw_rule_aliases *a, enum dw_alias_kind kind)
{
    return kind == DW_ALIAS_RULE ? &a->rules : &a->classes;
}

static bool alias_date_ok(const char *s)
{
    static const char shape[] = "dddd-dd-dd";
    if (strlen(s) != sizeof shape - 1)
        return false;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i])
            return false;
    return true;
}

/* Splits line (modified) at tabs into f[0..max); returns the number of fields, max + 1 when
 * there are more. */
static size_t alias_fields(char *line, char **f, size_t max)
{
    size_t n = 1;
    for (const char *c = line; *c; c++)
        n += *c == '\t';
    if (n > max)
        return max + 1;
    for (size_t i = 0; i < n; i++) {
        f[i] = line;
        line += strcspn(line, "\t");
        if (*line)
            *line++ = '\0';
    }
    return n;
}

/* One table line (no newline).  0, or -1 after reporting. */
static int alias_line(struct dw_rule_aliases *a, const char *name, int lineno, char *line,
                      struct dw_errors *err)
{
    char *f[5];
    size_t n = alias_fields(line, f, 5);
    if (n != 5) {
        dw_errors_add(err,
                      "%s:%d: expected 5 tab-separated fields (kind, old, new, changed, "
                      "version), got %s",
                      name, lineno, n > 5 ? "more" : "fewer");
        return -1;
    }
    enum dw_alias_kind kind;
    if (strcmp(f[0], "rule") == 0)
        kind = DW_ALIAS_RULE;
    else if (strcmp(f[0], "class") == 0)
        kind = DW_ALIAS_CLASS;
    else {
        dw_errors_add(err, "%s:%d: kind must be rule or class", name, lineno);
        return -1;
    }
    if (!rules_id_valid(f[1]) || !rules_id_valid(f[2])) {
        dw_errors_add(err, "%s:%d: old and new names are [a-z0-9.-], not empty", name, lineno);
        return -1;
    }
    if (strcmp(f[1], f[2]) == 0) {
        dw_errors_add(err, "%s:%d: '%s' renamed to itself", name, lineno, f[1]);
        return -1;
    }
    if (!alias_date_ok(f[3]) || !*f[4]) {
        dw_errors_add(err, "%s:%d: changed must be YYYY-MM-DD and version not empty", name, lineno);
        return -1;
    }
    const struct dw_alias *twice = rule_aliases_find(a, kind, f[1]);
    if (twice) {
        dw_errors_add(err, "%s:%d: %s '%s' is renamed already at line %d", name, lineno, f[0], f[1],
                      twice->line);
        return -1;
    }
    xgrow((void **)&a->v, &a->cap, a->n + 1, sizeof *a->v);
    a->v[a->n++] =
        (struct dw_alias){kind, xstrdup(f[1]), xstrdup(f[2]), xstrdup(f[3]), xstrdup(f[4]), lineno};
    strmap_add(alias_map(a, kind), f[1], (void *)(uintptr_t)a->n);
    return 0;
}

int rule_aliases_parse(struct dw_rule_aliases *a, const char *name, const char *data, size_t n,
                       struct dw_errors *err)
{
    int rc = 0, lineno = 0;
    if (!a->path)
        a->path = xstrdup(name);
    for (size_t pos = 0; pos < n;) {
        const char *nl = memchr(data + pos, '\n', n - pos);
        size_t len = nl ? (size_t)(nl - (data + pos)) : n - pos;
        char *line = xstrndup(data + pos, len);
        pos += len + 1;
        lineno++;
        if (strlen(line) != len) {
            dw_errors_add(err, "%s:%d: NUL character", name, lineno);
            rc = -1;
        } else {
            if (len && line[len - 1] == '\r')
                line[len - 1] = '\0';
            if (*line && *line != '#' && alias_line(a, name, lineno, line, err) != 0)
                rc = -1;
        }
        free(line);
    }
    return rc;
}

int rule_aliases_load_dir(struct dw_rule_aliases *a, const char *dir, struct dw_errors *err)
{
    struct dw_buf path = {0}, data = {0};
    buf_printf(&path, "%s/%s", dir, DW_ALIASES_FILE);
    FILE *fp = fopen(buf_cstr(&path), "re");
    int rc = 0;
    if (!fp) {
        if (errno != ENOENT) {
            dw_errors_add(err, "%s: %s", path.data, strerror(errno));
            rc = -1;
        }
        buf_free(&path);
        return rc;
    }
    char chunk[8192];
    size_t r;
    while ((r = fread(chunk, 1, sizeof chunk, fp)) > 0 && data.len <= ALIASES_MAX_BYTES)
        buf_append(&data, chunk, r);
    if (ferror(fp) || data.len > ALIASES_MAX_BYTES) {
        dw_errors_add(err, "%s: %s", path.data,
                      ferror(fp) ? "read error" : "larger than 1 MiB: not an alias table");
        rc = -1;
    } else {
        rc = rule_aliases_parse(a, path.data, data.data ? data.data : "", data.len, err);
    }
    fclose(fp);
    buf_free(&data);
    buf_free(&path);
    return rc;
}

static bool ruleset_has(const struct dw_ruleset *rs, const char *id)
{
    for (size_t i = 0; i < rs->nrules; i++)
        if (strcmp(rs->rules[i].id, id) == 0)
            return true;
    return false;
}

/* The end of name's chain, or NULL when the chain loops. */
static const char *alias_chain_end(const struct dw_rule_aliases *a, enum dw_alias_kind kind,
                                   const char *name)
{
    const struct dw_alias *x;
    for (size_t steps = 0; (x = rule_aliases_find(a, kind, name)); steps++) {
        if (steps >= a->n)
            return NULL;
        name = x->new_name;
    }
    return name;
}

int rule_aliases_check(const struct dw_rule_aliases *a, const struct dw_ruleset *rs,
                       struct dw_errors *err)
{
    int rc = 0;
    for (size_t i = 0; i < a->n; i++) {
        const struct dw_alias *x = &a->v[i];
        const char *end = alias_chain_end(a, x->kind, x->old_name);
        const char *problem = NULL;
        if (!end)
            problem = "its renames loop";
        else if (x->kind == DW_ALIAS_RULE && ruleset_has(rs, x->old_name))
            problem = "a rule still has the old id";
        else if (x->kind == DW_ALIAS_RULE && !ruleset_has(rs, end))
            problem = "no rule has the new id";
        else if (x->kind == DW_ALIAS_CLASS && !rules_class_valid(end))
            problem = "the new class is not in the taxonomy";
        if (problem) {
            dw_errors_add(err, "%s:%d: %s '%s' -> '%s': %s", a->path, x->line,
                          alias_kind_names[x->kind], x->old_name, x->new_name, problem);
            rc = -1;
        }
    }
    return rc;
}

const struct dw_alias *rule_aliases_find(const struct dw_rule_aliases *a, enum dw_alias_kind kind,
                                         const char *name)
{
    if (!a || !name || !a->n)
        return NULL;
    uintptr_t i = (uintptr_t)strmap_get(kind == DW_ALIAS_RULE ? &a->rules : &a->classes, name);
    return i ? &a->v[i - 1] : NULL;
}

const char *rule_aliases_resolve(const struct dw_rule_aliases *a, enum dw_alias_kind kind,
                                 const char *name)
{
    const char *end = a ? alias_chain_end(a, kind, name) : name;
    return end ? end : name;
}

void rule_aliases_free(struct dw_rule_aliases *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n; i++) {
        free(a->v[i].old_name);
        free(a->v[i].new_name);
        free(a->v[i].changed);
        free(a->v[i].version);
    }
    free(a->v);
    free(a->path);
    strmap_clear(&a->rules);
    strmap_clear(&a->classes);
    *a = (struct dw_rule_aliases){0};
}
