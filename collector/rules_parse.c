/* rules_parse.c - one rule mapping of a pack to a validated, compiled dw_rule.
 *
 * Every field is checked here: known keys only (a typo must not pass
 * silently), types, the class taxonomy, the PCRE2 pattern, template
 * placeholders against the pattern's named groups, examples and decodes.
 * Problems are reported with the YAML position of the offending node. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "rules_private.h"

/* Adds one "file:line:col: " message to the pack's errors (rules_private.h). */
void loader_error(struct rule_loader *lc, const yaml_mark_t *mark, const char *rule_id,
                  const char *fmt, ...)
{
    struct dw_buf b = {0};
    if (mark)
        buf_printf(&b, "%s:%zu:%zu: ", lc->file, mark->line + 1, mark->column + 1);
    else
        buf_printf(&b, "%s: ", lc->file);
    if (rule_id)
        buf_printf(&b, "rule '%s': ", rule_id);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    dw_errors_add(lc->err, "%s", buf_cstr(&b));
    buf_free(&b);
    lc->nerrors++;
}

static const char *const taxonomy[] = {
    "codesign.requirement",
    "codesign.invalid-signature",
    "codesign.unsigned",
    "entitlement.provider-check",
    "entitlement.family-check",
    "entitlement.user-client",
    "entitlement.restricted-not-validated",
    "entitlement.driverkit",
    "dext.exit",
    "dext.crash",
    "dext.start-failed",
    "dext.timeout",
    "sysext.activation-failed",
    "sysext.deactivation-failed",
    "sysext.needs-user-approval",
    "sysext.developer-mode",
    "kext.load-failed",
    "other",
};

static const char *const rule_keys[] = {
    "id",       "class",           "severity", "priority",    "process",         "subsystem",
    "category", "match",           "summary",  "remediation", "references",      "decode",
    "examples", "counterexamples", "literals", "link",        "class_from_code",
};
enum {
    K_ID,
    K_CLASS,
    K_SEVERITY,
    K_PRIORITY,
    K_PROCESS,
    K_SUBSYSTEM,
    K_CATEGORY,
    K_MATCH,
    K_SUMMARY,
    K_REMEDIATION,
    K_REFERENCES,
    K_DECODE,
    K_EXAMPLES,
    K_COUNTEREXAMPLES,
    K_LITERALS,
    K_LINK,
    K_CLASS_FROM_CODE,
    K_COUNT
};

void rule_clear(struct dw_rule *r)
{
    free(r->overrides);
    free(r->id);
    free(r->class_name);
    for (size_t i = 0; i < r->nprocesses; i++)
        free(r->processes[i]);
    free(r->processes);
    free(r->subsystem);
    free(r->category);
    free(r->pattern);
    for (size_t i = 0; i < r->nliterals; i++)
        free(r->literals[i]);
    free(r->literals);
    pcre2_code_free(r->code);
    free(r->summary);
    free(r->remediation);
    for (size_t i = 0; i < r->nreferences; i++)
        free(r->references[i]);
    free(r->references);
    for (size_t i = 0; i < r->nexamples; i++) {
        free(r->examples[i].line);
        for (size_t j = 0; j < r->examples[i].ncaps; j++) {
            free(r->examples[i].caps[j].name);
            free(r->examples[i].caps[j].value);
        }
        free(r->examples[i].caps);
    }
    free(r->examples);
    for (size_t i = 0; i < r->ncounterexamples; i++)
        free(r->counterexamples[i].line);
    free(r->counterexamples);
    for (size_t i = 0; i < r->ndecodes; i++) {
        free(r->decodes[i].capture);
        free(r->decodes[i].table);
    }
    free(r->decodes);
    free(r->file);
    memset(r, 0, sizeof(*r));
}

uint32_t rule_capture_count(const struct dw_rule *r)
{
    uint32_t n = 0;
    if (r->code)
        pcre2_pattern_info(r->code, PCRE2_INFO_CAPTURECOUNT, &n);
    return n;
}

/* Returns the scalar's text (owned by the document), or NULL after reporting
 * that `what` must be a string.  Scalars with NUL bytes are refused because
 * everything downstream is a C string. */
static const char *scalar(struct rule_loader *lc, yaml_node_t *n, const char *id, const char *what)
{
    if (!n || n->type != YAML_SCALAR_NODE) {
        loader_error(lc, n ? &n->start_mark : NULL, id, "%s: must be a string", what);
        return NULL;
    }
    if (memchr(n->data.scalar.value, '\0', n->data.scalar.length)) {
        loader_error(lc, &n->start_mark, id, "%s: contains a NUL byte", what);
        return NULL;
    }
    return (const char *)n->data.scalar.value;
}

/* Reads a string or a list of strings into a new array. Returns 0 or -1. */
static int string_list(struct rule_loader *lc, yaml_node_t *n, const char *id, const char *what,
                       bool allow_scalar, char ***out, size_t *nout)
{
    if (allow_scalar && n->type == YAML_SCALAR_NODE) {
        const char *s = scalar(lc, n, id, what);
        if (!s)
            return -1;
        *out = xmalloc(sizeof(char *));
        (*out)[0] = xstrdup(s);
        *nout = 1;
        return 0;
    }
    if (n->type != YAML_SEQUENCE_NODE) {
        loader_error(lc, &n->start_mark, id, "%s: must be a list of strings", what);
        return -1;
    }
    int rc = 0;
    size_t cap = 0;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        const char *s = scalar(lc, yaml_document_get_node(lc->doc, *it), id, what);
        if (!s) {
            rc = -1;
            continue;
        }
        xgrow((void **)out, &cap, *nout + 1, sizeof(char *));
        (*out)[(*nout)++] = xstrdup(s);
    }
    return rc;
}

bool rules_id_valid(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '.' || *s == '-'))
            return false;
    return true;
}

/* A taxonomy class, or a taxonomy class plus one `.part` of [a-z0-9-]. */
static bool valid_class(const char *s)
{
    for (size_t i = 0; i < sizeof(taxonomy) / sizeof(taxonomy[0]); i++) {
        size_t n = strlen(taxonomy[i]);
        if (strncmp(s, taxonomy[i], n) != 0)
            continue;
        if (s[n] == '\0')
            return true;
        if (s[n] != '.' || !s[n + 1])
            continue;
        const char *p = s + n + 1;
        for (; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
                break;
        if (!*p)
            return true;
    }
    return false;
}

bool rules_class_valid(const char *s)
{
    return valid_class(s);
}

/* True when the compiled pattern has a group called name[0..n). */
static bool has_group(pcre2_code *code, const char *name, size_t n)
{
    char tmp[256];
    if (!code || n == 0 || n >= sizeof(tmp))
        return false;
    memcpy(tmp, name, n);
    tmp[n] = '\0';
    return pcre2_substring_number_from_name(code, (PCRE2_SPTR)tmp) >= 0 ||
           pcre2_substring_number_from_name(code, (PCRE2_SPTR)tmp) == PCRE2_ERROR_NOUNIQUESUBSTRING;
}

/* Checks a template: `{{` and `}}` are literal braces, `{name}` must name a
 * group of the pattern or be `{process}` (the event's process, see
 * classify.c); any other brace is an error (write `{{`). */
static int check_template(struct rule_loader *lc, yaml_node_t *n, const char *id, const char *what,
                          const char *t, pcre2_code *code)
{
    int rc = 0;
    for (const char *p = t; *p; p++) {
        if (p[0] == '{' && p[1] == '{') {
            p++;
        } else if (p[0] == '}' && p[1] == '}') {
            p++;
        } else if (*p == '{') {
            const char *e = p + 1;
            while ((*e >= 'a' && *e <= 'z') || (*e >= 'A' && *e <= 'Z') ||
                   (*e >= '0' && *e <= '9') || *e == '_')
                e++;
            if (*e != '}' || e == p + 1) {
                loader_error(lc, &n->start_mark, id,
                             "%s: '{' at offset %td does not start a {name} placeholder "
                             "(write '{{' for a literal brace)",
                             what, p - t);
                rc = -1;
                continue;
            }
            if (code && !has_group(code, p + 1, (size_t)(e - p - 1)) &&
                !(e - p - 1 == 7 && memcmp(p + 1, "process", 7) == 0)) {
                loader_error(lc, &n->start_mark, id,
                             "%s: placeholder '{%.*s}' names no capture group of the pattern", what,
                             (int)(e - p - 1), p + 1);
                rc = -1;
            }
            p = e;
        } else if (*p == '}') {
            loader_error(lc, &n->start_mark, id,
                         "%s: unmatched '}' at offset %td (write '}}' for a literal brace)", what,
                         p - t);
            rc = -1;
        }
    }
    return rc;
}

void *rule_pattern_compile(const char *pattern, struct dw_buf *why)
{
    int errcode;
    PCRE2_SIZE erroff;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                     PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &errcode, &erroff, NULL);
    if (!code) {
        PCRE2_UCHAR msg[256];
        if (pcre2_get_error_message(errcode, msg, sizeof(msg)) < 0)
            snprintf((char *)msg, sizeof(msg), "error %d", errcode);
        buf_printf(why, "%s at offset %zu (PCRE2)", (char *)msg, (size_t)erroff);
        return NULL;
    }
    /* no JIT: interpreter, silently (same results and limits).  Valgrind
     * cannot follow JIT code (false "uninitialised" reports), so the tests
     * run memcheck with DEXTWATCH_PCRE2_JIT=0. */
    const char *jit = getenv("DEXTWATCH_PCRE2_JIT");
    if (!jit || strcmp(jit, "0") != 0)
        (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    return code;
}

static int compile_pattern(struct rule_loader *lc, yaml_node_t *n, struct dw_rule *r)
{
    struct dw_buf why = {0};
    r->code = rule_pattern_compile(r->pattern, &why);
    if (!r->code)
        loader_error(lc, &n->start_mark, r->id, "match: %s", buf_cstr(&why));
    buf_free(&why);
    return r->code ? 0 : -1;
}

/* Reads one example: a line string, or {line: ..., captures: {name: value}}. */
static int parse_example(struct rule_loader *lc, yaml_node_t *n, struct dw_rule *r, size_t idx,
                         bool counter, struct dw_rule_example *ex)
{
    const char *what = counter ? "counterexample" : "example";
    ex->src_line = (int)n->start_mark.line + 1;
    ex->src_col = (int)n->start_mark.column + 1;
    if (n->type == YAML_SCALAR_NODE || counter) {
        const char *s = scalar(lc, n, r->id, what);
        if (!s)
            return -1;
        ex->line = xstrdup(s);
        return 0;
    }
    if (n->type != YAML_MAPPING_NODE) {
        loader_error(lc, &n->start_mark, r->id, "example %zu: must be a line or a mapping", idx);
        return -1;
    }
    int rc = 0;
    size_t cap = 0;
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = yaml_document_get_node(lc->doc, pr->key);
        yaml_node_t *v = yaml_document_get_node(lc->doc, pr->value);
        const char *key = scalar(lc, k, r->id, "example key");
        if (!key) {
            rc = -1;
        } else if (strcmp(key, "line") == 0) {
            const char *s = scalar(lc, v, r->id, "example line");
            if (s && !ex->line)
                ex->line = xstrdup(s);
            else
                rc = -1;
        } else if (strcmp(key, "captures") == 0 && v->type == YAML_MAPPING_NODE) {
            for (yaml_node_pair_t *c = v->data.mapping.pairs.start; c < v->data.mapping.pairs.top;
                 c++) {
                const char *cn =
                    scalar(lc, yaml_document_get_node(lc->doc, c->key), r->id, "capture name");
                const char *cv =
                    scalar(lc, yaml_document_get_node(lc->doc, c->value), r->id, "capture value");
                if (!cn || !cv) {
                    rc = -1;
                    continue;
                }
                if (r->code && !has_group(r->code, cn, strlen(cn))) {
                    loader_error(lc, &k->start_mark, r->id,
                                 "example %zu: capture '%s' names no group of the pattern", idx,
                                 cn);
                    rc = -1;
                    continue;
                }
                xgrow((void **)&ex->caps, &cap, ex->ncaps + 1, sizeof(*ex->caps));
                ex->caps[ex->ncaps].name = xstrdup(cn);
                ex->caps[ex->ncaps++].value = xstrdup(cv);
            }
        } else {
            loader_error(lc, &k->start_mark, r->id,
                         "example %zu: unknown key '%s' (expected 'line' and 'captures' mapping)",
                         idx, key);
            rc = -1;
        }
    }
    if (!ex->line) {
        loader_error(lc, &n->start_mark, r->id, "example %zu: missing 'line'", idx);
        rc = -1;
    }
    return rc;
}

static int parse_examples(struct rule_loader *lc, yaml_node_t *n, struct dw_rule *r, bool counter)
{
    if (n->type != YAML_SEQUENCE_NODE) {
        loader_error(lc, &n->start_mark, r->id, "%s: must be a list",
                     counter ? "counterexamples" : "examples");
        return -1;
    }
    struct dw_rule_example **arr = counter ? &r->counterexamples : &r->examples;
    size_t *cnt = counter ? &r->ncounterexamples : &r->nexamples;
    size_t total = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    *arr = xcalloc(total ? total : 1, sizeof(**arr));
    int rc = 0;
    for (size_t i = 0; i < total; i++) {
        yaml_node_t *e = yaml_document_get_node(lc->doc, n->data.sequence.items.start[i]);
        if (parse_example(lc, e, r, i + 1, counter, &(*arr)[i]) != 0)
            rc = -1;
        *cnt = i + 1;
    }
    return rc;
}

static int parse_decode(struct rule_loader *lc, yaml_node_t *n, struct dw_rule *r)
{
    if (n->type != YAML_MAPPING_NODE) {
        loader_error(lc, &n->start_mark, r->id, "decode: must map capture names to code tables");
        return -1;
    }
    int rc = 0;
    size_t cap = 0;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(lc->doc, p->key);
        const char *cn = scalar(lc, k, r->id, "decode capture");
        const char *tn =
            scalar(lc, yaml_document_get_node(lc->doc, p->value), r->id, "decode table");
        if (!cn || !tn) {
            rc = -1;
            continue;
        }
        if (r->code && !has_group(r->code, cn, strlen(cn))) {
            loader_error(lc, &k->start_mark, r->id, "decode: '%s' names no capture group", cn);
            rc = -1;
        }
        bool known = codes_count(lc->codes) == 0; /* no tables loaded: checked later, if ever */
        for (size_t i = 0; !known && i < codes_count(lc->codes); i++)
            known = strcmp(codes_at(lc->codes, i)->table, tn) == 0;
        if (!known) {
            loader_error(lc, &k->start_mark, r->id, "decode: unknown code table '%s'", tn);
            rc = -1;
        }
        xgrow((void **)&r->decodes, &cap, r->ndecodes + 1, sizeof(*r->decodes));
        r->decodes[r->ndecodes].capture = xstrdup(cn);
        r->decodes[r->ndecodes++].table = xstrdup(tn);
    }
    return rc;
}

/* Collects the rule's key nodes (unknown or repeated keys are errors) and
 * reads the id first so that every later message can name the rule. */
static int collect_keys(struct rule_loader *lc, yaml_node_t *node, yaml_node_t **f, const char *id)
{
    int rc = 0;
    for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(lc->doc, p->key);
        const char *key = scalar(lc, k, id, "key");
        if (!key) {
            rc = -1;
            continue;
        }
        size_t i = 0;
        while (i < K_COUNT && strcmp(rule_keys[i], key) != 0)
            i++;
        if (i == K_COUNT) {
            loader_error(lc, &k->start_mark, id, "unknown key '%.64s'", key);
            rc = -1;
        } else if (f[i]) {
            loader_error(lc, &k->start_mark, id, "key '%s' given twice", key);
            rc = -1;
        } else {
            f[i] = yaml_document_get_node(lc->doc, p->value);
        }
    }
    return rc;
}

/* The rule's id, read before anything else so that every message about the
 * rule can name it (a new string, or NULL when it has none usable). */
static char *find_id(struct rule_loader *lc, yaml_node_t *node)
{
    for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(lc->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(lc->doc, p->value);
        if (k->type == YAML_SCALAR_NODE && strcmp((char *)k->data.scalar.value, "id") == 0 &&
            v->type == YAML_SCALAR_NODE &&
            !memchr(v->data.scalar.value, '\0', v->data.scalar.length))
            return xstrdup((char *)v->data.scalar.value);
    }
    return NULL;
}

static void check_required(struct rule_loader *lc, yaml_node_t *node, yaml_node_t **f,
                           const char *id)
{
    static const struct {
        int key;
        const char *name;
    } required[] = {
        {K_ID, "id"},
        {K_CLASS, "class"},
        {K_SEVERITY, "severity"},
        {K_MATCH, "match"},
        {K_SUMMARY, "summary"},
        {K_REFERENCES, "references"},
        {K_EXAMPLES, "examples"},
    };
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
        if (!f[required[i].key])
            loader_error(lc, &node->start_mark, id, "missing required field '%s'",
                         required[i].name);
}

/* id, class, severity and priority. */
static void parse_identity(struct rule_loader *lc, yaml_node_t **f, struct dw_rule *r)
{
    const char *s;
    if (f[K_ID] && (s = scalar(lc, f[K_ID], r->id, "id")) && !rules_id_valid(s))
        loader_error(lc, &f[K_ID]->start_mark, NULL, "id '%.64s': only [a-z0-9.-] allowed", s);
    if (f[K_CLASS] && (s = scalar(lc, f[K_CLASS], r->id, "class"))) {
        if (valid_class(s))
            r->class_name = xstrdup(s);
        else
            loader_error(lc, &f[K_CLASS]->start_mark, r->id,
                         "class '%.80s' is not in the taxonomy (see rules/README.md)", s);
    }
    if (f[K_SEVERITY] && (s = scalar(lc, f[K_SEVERITY], r->id, "severity")) &&
        dw_severity_parse(s, &r->severity) != 0)
        loader_error(lc, &f[K_SEVERITY]->start_mark, r->id,
                     "severity '%.40s': expected info, warning, error or critical", s);
    if (f[K_PRIORITY] && (s = scalar(lc, f[K_PRIORITY], r->id, "priority"))) {
        char *end;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (errno || end == s || *end || v < INT_MIN / 2 || v > INT_MAX / 2)
            loader_error(lc, &f[K_PRIORITY]->start_mark, r->id, "priority '%.40s': not an integer",
                         s);
        else
            r->priority = (int)v;
    }
}

/* The filters (process, subsystem, category), the pattern and its literals. */
static void parse_match(struct rule_loader *lc, yaml_node_t **f, struct dw_rule *r)
{
    const char *s;
    if (f[K_PROCESS])
        string_list(lc, f[K_PROCESS], r->id, "process", true, &r->processes, &r->nprocesses);
    if (f[K_SUBSYSTEM] && (s = scalar(lc, f[K_SUBSYSTEM], r->id, "subsystem")))
        r->subsystem = xstrdup(s);
    if (f[K_CATEGORY] && (s = scalar(lc, f[K_CATEGORY], r->id, "category")))
        r->category = xstrdup(s);
    if (f[K_MATCH] && (s = scalar(lc, f[K_MATCH], r->id, "match"))) {
        r->pattern = xstrdup(s);
        compile_pattern(lc, f[K_MATCH], r);
    }
    if (f[K_LITERALS]) {
        r->literals_declared = true;
        if (string_list(lc, f[K_LITERALS], r->id, "literals", true, &r->literals, &r->nliterals) ==
            0) {
            if (r->nliterals == 0)
                loader_error(lc, &f[K_LITERALS]->start_mark, r->id,
                             "literals: at least one needed (leave the key out to derive them)");
            for (size_t i = 0; i < r->nliterals; i++)
                if (!r->literals[i][0])
                    loader_error(lc, &f[K_LITERALS]->start_mark, r->id,
                                 "literals: an empty literal would let every line through");
        }
    } else if (r->pattern) {
        r->nliterals = rule_literals_derive(r->pattern, &r->literals);
    }
}

/* What a finding of the rule says: summary, remediation (required from
 * severity error up), references. */
static void parse_texts(struct rule_loader *lc, yaml_node_t *node, yaml_node_t **f,
                        struct dw_rule *r)
{
    const char *s;
    if (f[K_SUMMARY] && (s = scalar(lc, f[K_SUMMARY], r->id, "summary"))) {
        r->summary = xstrdup(s);
        if (r->code)
            check_template(lc, f[K_SUMMARY], r->id, "summary", s, r->code);
    }
    if (f[K_REMEDIATION] && (s = scalar(lc, f[K_REMEDIATION], r->id, "remediation"))) {
        r->remediation = xstrdup(s);
        if (r->code)
            check_template(lc, f[K_REMEDIATION], r->id, "remediation", s, r->code);
    }
    if (!f[K_REMEDIATION] && f[K_SEVERITY] && r->severity >= DW_SEV_ERROR)
        loader_error(lc, &node->start_mark, r->id,
                     "missing required field 'remediation' (severity error or critical)");
    if (f[K_REFERENCES] &&
        string_list(lc, f[K_REFERENCES], r->id, "references", false, &r->references,
                    &r->nreferences) == 0 &&
        r->nreferences == 0)
        loader_error(lc, &f[K_REFERENCES]->start_mark, r->id, "references: at least one needed");
}

/* `link:` true or false; a link rule reports nothing of its own. */
static void parse_link(struct rule_loader *lc, yaml_node_t *n, struct dw_rule *r)
{
    const char *s = scalar(lc, n, r->id, "link");
    if (!s)
        return;
    if (strcmp(s, "true") == 0)
        r->link = true;
    else if (strcmp(s, "false") != 0)
        loader_error(lc, &n->start_mark, r->id, "link: expected true or false");
    if (r->link &&
        ((r->class_name && strcmp(r->class_name, "other") != 0) || r->severity != DW_SEV_INFO))
        loader_error(lc, &n->start_mark, r->id,
                     "a link rule has class 'other' and severity 'info': it reports nothing");
}

/* `class_from_code: true`: a code in the line names the cause (rules.h). */
static void parse_class_from_code(struct rule_loader *lc, yaml_node_t *n, struct dw_rule *r)
{
    const char *s = scalar(lc, n, r->id, "class_from_code");
    if (!s)
        return;
    if (strcmp(s, "true") == 0 || strcmp(s, "required") == 0)
        r->class_from_code = true;
    else if (strcmp(s, "false") != 0)
        loader_error(lc, &n->start_mark, r->id,
                     "class_from_code: expected true, required or false");
    r->code_required = strcmp(s, "required") == 0;
}

int rule_parse(struct rule_loader *lc, yaml_node_t *node, struct dw_rule *r)
{
    memset(r, 0, sizeof(*r));
    r->file = xstrdup(lc->file);
    r->src_line = (int)node->start_mark.line + 1;
    r->src_col = (int)node->start_mark.column + 1;
    if (node->type != YAML_MAPPING_NODE) {
        loader_error(lc, &node->start_mark, NULL, "a rule must be a mapping");
        return -1;
    }
    yaml_node_t *f[K_COUNT] = {0};
    size_t before = lc->nerrors;
    r->id = find_id(lc, node);
    collect_keys(lc, node, f, r->id);
    check_required(lc, node, f, r->id);
    parse_identity(lc, f, r);
    parse_match(lc, f, r);
    parse_texts(lc, node, f, r);
    if (f[K_DECODE])
        parse_decode(lc, f[K_DECODE], r);
    if (f[K_LINK])
        parse_link(lc, f[K_LINK], r);
    if (f[K_CLASS_FROM_CODE])
        parse_class_from_code(lc, f[K_CLASS_FROM_CODE], r);
    if (f[K_EXAMPLES] && parse_examples(lc, f[K_EXAMPLES], r, false) == 0 && r->nexamples == 0)
        loader_error(lc, &f[K_EXAMPLES]->start_mark, r->id, "examples: at least one needed");
    if (f[K_COUNTEREXAMPLES])
        parse_examples(lc, f[K_COUNTEREXAMPLES], r, true);
    return lc->nerrors == before ? 0 : -1;
}
