/* config.c - `.dextwatch.yaml` (see config.h), read with libyaml's document
 * loader.  The schema is three levels deep and every node is checked for its
 * type before use, so aliases cannot make the walk expensive. */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "baseline.h" /* dw_read_file */

struct loader {
    const char *name;
    yaml_document_t *doc;
    struct dw_errors *err;
    size_t nerr;
};

static void problem(struct loader *l, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(struct loader *l, const yaml_node_t *n, const char *fmt, ...)
{
    struct dw_buf msg = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    dw_errors_add(l->err, "%s:%zu:%zu: %s", l->name, n ? n->start_mark.line + 1 : 1,
                  n ? n->start_mark.column + 1 : 1, msg.data);
    buf_free(&msg);
    l->nerr++;
}

static yaml_node_t *node(struct loader *l, int id)
{
    return yaml_document_get_node(l->doc, id);
}

/* The scalar's text (NUL-free), or NULL after reporting "what must be a string". */
static const char *scalar(struct loader *l, yaml_node_t *n, const char *what)
{
    if (!n || n->type != YAML_SCALAR_NODE) {
        problem(l, n, "%s must be a string", what);
        return NULL;
    }
    const char *s = (const char *)n->data.scalar.value;
    if (strlen(s) != n->data.scalar.length) {
        problem(l, n, "%s contains a NUL character", what);
        return NULL;
    }
    return s;
}

static void parse_rule(struct loader *l, struct dw_config *c, yaml_node_t *n)
{
    if (n->type != YAML_MAPPING_NODE) {
        problem(l, n, "a rules entry must be a mapping (id, disable or severity, reason)");
        return;
    }
    const char *id = NULL, *reason = NULL;
    bool disable = false, has_disable = false, has_severity = false;
    enum dw_severity severity = DW_SEV_INFO;
    size_t before = l->nerr;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(l, p->key), *v = node(l, p->value);
        const char *key = scalar(l, k, "a key");
        if (!key)
            continue;
        if (strcmp(key, "id") == 0) {
            id = scalar(l, v, "id");
            if (id && !*id)
                problem(l, v, "id must not be empty");
        } else if (strcmp(key, "reason") == 0) {
            reason = scalar(l, v, "reason");
            if (reason && !*reason)
                problem(l, v, "reason must not be empty");
        } else if (strcmp(key, "disable") == 0) {
            const char *s = scalar(l, v, "disable");
            if (s && strcmp(s, "true") == 0)
                disable = has_disable = true;
            else if (s && strcmp(s, "false") == 0)
                has_disable = true;
            else if (s)
                problem(l, v, "disable must be true or false, not '%s'", s);
        } else if (strcmp(key, "severity") == 0) {
            const char *s = scalar(l, v, "severity");
            int sev;
            if (s && dw_severity_parse(s, &sev) == 0) {
                severity = (enum dw_severity)sev;
                has_severity = true;
            } else if (s) {
                problem(l, v, "severity must be info, warning, error or critical, not '%s'", s);
            }
        } else {
            problem(l, k, "unknown key '%s' (id, disable, severity, reason)", key);
        }
    }
    if (l->nerr != before)
        return;
    if (!id) {
        problem(l, n, "a rules entry needs an id");
        return;
    }
    if (!reason)
        problem(l, n, "rule '%s' needs a reason", id);
    else if (!disable && !has_severity)
        problem(l, n, "rule '%s': give disable: true or a severity", id);
    else if (disable && has_severity)
        problem(l, n, "rule '%s': disable and severity exclude each other", id);
    else if (config_rule(c, id))
        problem(l, n, "rule '%s' is listed twice", id);
    (void)has_disable;
    if (l->nerr != before)
        return;
    xgrow((void **)&c->rules, &c->cap, c->nrules + 1, sizeof *c->rules);
    c->rules[c->nrules++] = (struct dw_config_rule){xstrdup(id),
                                                    disable,
                                                    severity,
                                                    xstrdup(reason),
                                                    (int)n->start_mark.line + 1,
                                                    (int)n->start_mark.column + 1};
    strmap_add(&c->index, id, (void *)(uintptr_t)c->nrules);
}

static void parse_root(struct loader *l, struct dw_config *c, yaml_node_t *root)
{
    if (root->type != YAML_MAPPING_NODE) {
        problem(l, root, "expected a mapping with 'version' and 'rules'");
        return;
    }
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = node(l, p->key), *v = node(l, p->value);
        const char *key = scalar(l, k, "a key");
        if (!key)
            continue;
        if (strcmp(key, "version") == 0) {
            const char *s = scalar(l, v, "version");
            if (s && strcmp(s, "1") != 0)
                problem(l, v, "version '%s' is not supported (this dextwatch reads 1)", s);
        } else if (strcmp(key, "rules") == 0) {
            if (v->type == YAML_SCALAR_NODE && v->data.scalar.length == 0)
                continue; /* "rules:" with nothing under it */
            if (v->type != YAML_SEQUENCE_NODE) {
                problem(l, v, "rules must be a list");
                continue;
            }
            for (yaml_node_item_t *it = v->data.sequence.items.start;
                 it < v->data.sequence.items.top; it++)
                parse_rule(l, c, node(l, *it));
        } else {
            problem(l, k, "unknown key '%s' (version, rules)", key);
        }
    }
}

struct dw_config *config_parse(const char *name, const char *data, size_t n, struct dw_errors *err)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    struct dw_config *c = xcalloc(1, sizeof *c);
    c->name = xstrdup(name);
    if (!yaml_parser_initialize(&parser)) {
        dw_errors_add(err, "%s: cannot initialise the YAML parser", name);
        config_free(c);
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, n);
    if (!yaml_parser_load(&parser, &doc)) {
        const yaml_mark_t *m = parser.context ? &parser.context_mark : &parser.problem_mark;
        if (parser.problem_mark.line || parser.problem_mark.column)
            m = &parser.problem_mark;
        dw_errors_add(err, "%s:%zu:%zu: %s%s%s", name, m->line + 1, m->column + 1,
                      parser.problem ? parser.problem : "invalid YAML", parser.context ? " " : "",
                      parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        config_free(c);
        return NULL;
    }
    struct loader l = {name, &doc, err, 0};
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root && !(root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0))
        parse_root(&l, c, root);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (l.nerr) {
        config_free(c);
        return NULL;
    }
    return c;
}

struct dw_config *config_load(const char *path, struct dw_errors *err)
{
    char *data;
    size_t n;
    if (dw_read_file(path, DW_CONFIG_MAX_BYTES, &data, &n, err) != 0)
        return NULL;
    struct dw_config *c = config_parse(path, data, n, err);
    free(data);
    return c;
}

int config_check(const struct dw_config *c, const struct dw_ruleset *rs, struct dw_errors *err)
{
    int rc = 0;
    for (size_t i = 0; i < c->nrules; i++) {
        const struct dw_config_rule *cr = &c->rules[i];
        const struct dw_rule *rule = NULL;
        for (size_t r = 0; r < rs->nrules && !rule; r++)
            if (strcmp(rs->rules[r].id, cr->id) == 0)
                rule = &rs->rules[r];
        if (!rule) {
            dw_errors_add(err, "%s:%d:%d: no rule '%s' in the rule packs", c->name, cr->line,
                          cr->col, cr->id);
            rc = -1;
        } else if (!cr->disable && (int)cr->severity > rule->severity) {
            dw_errors_add(err,
                          "%s:%d:%d: rule '%s' is %s: a config may only lower a severity, "
                          "not raise it to %s",
                          c->name, cr->line, cr->col, cr->id, dw_severity_name(rule->severity),
                          dw_severity_name(cr->severity));
            rc = -1;
        }
    }
    return rc;
}

int config_resolve_aliases(struct dw_config *c, const struct dw_rule_aliases *a,
                           struct dw_errors *notes, struct dw_errors *err)
{
    int rc = 0;
    for (size_t i = 0; i < c->nrules; i++) {
        struct dw_config_rule *cr = &c->rules[i];
        const struct dw_alias *x = rule_aliases_find(a, DW_ALIAS_RULE, cr->id);
        if (!x)
            continue;
        const char *now = rule_aliases_resolve(a, DW_ALIAS_RULE, cr->id);
        const struct dw_config_rule *other = config_rule(c, now);
        if (other) {
            dw_errors_add(err, "%s:%d:%d: rule '%s' is '%s' since %s, which line %d lists already",
                          c->name, cr->line, cr->col, cr->id, now, x->changed, other->line);
            rc = -1;
            continue;
        }
        dw_errors_add(notes,
                      "%s:%d:%d: rule '%s' is '%s' since %s (dextwatch %s): the entry "
                      "applies to it; write the new id",
                      c->name, cr->line, cr->col, cr->id, now, x->changed, x->version);
        strmap_remove(&c->index, cr->id, (void *)(uintptr_t)(i + 1));
        free(cr->id);
        cr->id = xstrdup(now);
        strmap_add(&c->index, cr->id, (void *)(uintptr_t)(i + 1));
    }
    return rc;
}

const struct dw_config_rule *config_rule(const struct dw_config *c, const char *rule_id)
{
    if (!c || !rule_id)
        return NULL;
    uintptr_t i = (uintptr_t)strmap_get(&c->index, rule_id); /* entry number + 1 */
    return i ? &c->rules[i - 1] : NULL;
}

void config_free(struct dw_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nrules; i++) {
        free(c->rules[i].id);
        free(c->rules[i].reason);
    }
    free(c->rules);
    strmap_clear(&c->index);
    free(c->name);
    free(c);
}
