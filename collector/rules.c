/* rules.c - rule sets: loading YAML packs (libyaml document API, so every
 * node has a position for error messages), rule-id uniqueness, code tables,
 * and the PCRE2 match state shared by all rules.
 *
 * Per-rule parsing and validation (and loader_error, which both report
 * with) is in rules_parse.c, which calls nothing here; classification and
 * rendering are in classify.c, the self-test in rules_selftest.c. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rules_private.h"

/* Limits that keep a pathological pattern from hanging classification: a
 * match that reaches one is abandoned and counted in limit_hits. */
#define RULES_MATCH_LIMIT 1000000u
#define RULES_DEPTH_LIMIT 100000u
#define RULES_HEAP_LIMIT_KIB 65536u
#define RULES_JIT_STACK_MIN (32u * 1024u)
#define RULES_JIT_STACK_MAX (1024u * 1024u)
/* A pack larger than this is refused (packs are hand-written text). */
#define RULES_MAX_PACK_BYTES (16u << 20)

/* A new, empty rule set with its match context (limits, JIT stack) ready. */
struct dw_ruleset *ruleset_new(void)
{
    struct dw_ruleset *rs = xcalloc(1, sizeof(*rs));
    rs->codes = codes_new();
    pcre2_match_context *ctx = pcre2_match_context_create(NULL);
    if (!ctx) {
        fprintf(stderr, "dextwatch: out of memory\n");
        abort(); /* allocation failure policy, as in util.c */
    }
    pcre2_set_match_limit(ctx, RULES_MATCH_LIMIT);
    pcre2_set_depth_limit(ctx, RULES_DEPTH_LIMIT);
    pcre2_set_heap_limit(ctx, RULES_HEAP_LIMIT_KIB);
    pcre2_jit_stack *js = pcre2_jit_stack_create(RULES_JIT_STACK_MIN, RULES_JIT_STACK_MAX, NULL);
    if (js) /* NULL when JIT is not supported: the interpreter needs none */
        pcre2_jit_stack_assign(ctx, NULL, js);
    rs->match_ctx = ctx;
    rs->jit_stack = js;
    return rs;
}

void ruleset_free(struct dw_ruleset *rs)
{
    if (!rs)
        return;
    for (size_t i = 0; i < rs->nrules; i++)
        rule_clear(&rs->rules[i]);
    free(rs->rules);
    for (size_t i = 0; i < rs->npacks; i++) {
        free(rs->packs[i].name);
        free(rs->packs[i].path);
    }
    free(rs->packs);
    codes_free(rs->codes);
    free(rs->dir);
    pcre2_match_data_free(rs->match_data);
    pcre2_match_context_free(rs->match_ctx);
    pcre2_jit_stack_free(rs->jit_stack);
    free(rs);
}

size_t ruleset_limit_report(const struct dw_ruleset *rs, struct dw_errors *out)
{
    size_t n = 0;
    for (size_t i = 0; rs && i < rs->nrules; i++) {
        const struct dw_rule *r = &rs->rules[i];
        if (!r->limit_hits)
            continue;
        n++;
        dw_errors_add(out,
                      "%s:%d:%d: rule '%s': %llu match%s abandoned at the PCRE2 match/depth "
                      "limit (catastrophic backtracking?); those lines were taken as not "
                      "matching this rule: simplify its pattern",
                      r->file ? r->file : "?", r->src_line, r->src_col, r->id,
                      (unsigned long long)r->limit_hits, r->limit_hits == 1 ? "" : "es");
    }
    return n;
}

/* Makes the shared match data large enough for a rule with ncap groups. */
static void ensure_match_data(struct dw_ruleset *rs, uint32_t ncap)
{
    if (rs->match_data && pcre2_get_ovector_count(rs->match_data) >= ncap + 1)
        return;
    pcre2_match_data_free(rs->match_data);
    rs->match_data = pcre2_match_data_create(ncap + 1, NULL);
    if (!rs->match_data) {
        fprintf(stderr, "dextwatch: out of memory\n");
        abort();
    }
}

/* Pack name: base name without ".yaml"/".yml". Caller frees. */
static char *pack_name(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".yaml") == 0)
        n -= 5;
    else if (n > 4 && strcmp(base + n - 4, ".yml") == 0)
        n -= 4;
    return xstrndup(base, n);
}

/* Reports a rule id already used by a rule loaded before (any pack), or by
 * an earlier rule of the pack being loaded (pending[0..npending)). */
static void check_duplicate(struct rule_loader *lc, const struct dw_ruleset *rs,
                            const struct dw_rule *pending, size_t npending, const struct dw_rule *r)
{
    const struct dw_rule *prev = NULL;
    for (size_t i = 0; i < rs->nrules && !prev; i++)
        if (strcmp(rs->rules[i].id, r->id) == 0)
            prev = &rs->rules[i];
    for (size_t i = 0; i < npending && !prev; i++)
        if (pending[i].id && strcmp(pending[i].id, r->id) == 0)
            prev = &pending[i];
    if (prev) {
        yaml_mark_t m = {0, (size_t)r->src_line - 1, (size_t)r->src_col - 1};
        loader_error(lc, &m, r->id, "duplicate rule id (first defined at %s:%d:%d)", prev->file,
                     prev->src_line, prev->src_col);
    }
}

/* Walks the document: a mapping with `rules:` (a list of rule mappings) and
 * an optional `pack:` description.  Parsed rules go to *out. */
static void load_document(struct rule_loader *lc, const struct dw_ruleset *rs, struct dw_rule **out,
                          size_t *nout)
{
    yaml_node_t *root = yaml_document_get_root_node(lc->doc);
    if (!root) {
        loader_error(lc, NULL, NULL, "empty pack (expected a top-level 'rules:' list)");
        return;
    }
    if (root->type != YAML_MAPPING_NODE) {
        loader_error(lc, &root->start_mark, NULL,
                     "top level must be a mapping with a 'rules:' list");
        return;
    }
    yaml_node_t *rules = NULL;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(lc->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(lc->doc, p->value);
        const char *key = k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "";
        if (strcmp(key, "rules") == 0 && !rules) {
            rules = v;
        } else if (strcmp(key, "pack") == 0) {
            if (v->type != YAML_SCALAR_NODE)
                loader_error(lc, &v->start_mark, NULL, "pack: must be a description string");
        } else {
            loader_error(lc, &k->start_mark, NULL,
                         "unknown top-level key '%.64s' (expected 'rules' or 'pack')", key);
        }
    }
    if (!rules) {
        loader_error(lc, &root->start_mark, NULL, "missing top-level 'rules:' list");
        return;
    }
    if (rules->type != YAML_SEQUENCE_NODE) {
        loader_error(lc, &rules->start_mark, NULL, "'rules' must be a list of rules");
        return;
    }
    size_t n = (size_t)(rules->data.sequence.items.top - rules->data.sequence.items.start);
    *out = xcalloc(n ? n : 1, sizeof(**out));
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *rn = yaml_document_get_node(lc->doc, rules->data.sequence.items.start[i]);
        struct dw_rule *r = &(*out)[i];
        rule_parse(lc, rn, r);
        *nout = i + 1;
        if (r->id)
            check_duplicate(lc, rs, *out, i, r);
    }
}

/* Parses one pack from memory.  On any error the whole pack is refused (its
 * rules are not added) and -1 is returned; every problem is in err. */
int ruleset_add_buffer(struct dw_ruleset *rs, const char *name, const char *yaml, size_t n,
                       struct dw_errors *err)
{
    struct rule_loader lc = {.file = name, .err = err, .codes = rs->codes};
    if (n > RULES_MAX_PACK_BYTES) {
        loader_error(&lc, NULL, NULL, "pack larger than %u bytes", RULES_MAX_PACK_BYTES);
        return -1;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        loader_error(&lc, NULL, NULL, "cannot initialise the YAML parser");
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, n);
    if (!yaml_parser_load(&parser, &doc)) {
        const char *problem = parser.problem ? parser.problem : "syntax error";
        yaml_mark_t m = parser.problem_mark;
        if (parser.context)
            loader_error(&lc, &m, NULL, "YAML: %s %s", problem, parser.context);
        else
            loader_error(&lc, &m, NULL, "YAML: %s", problem);
        yaml_parser_delete(&parser);
        return -1;
    }
    lc.doc = &doc;
    struct dw_rule *rules = NULL;
    size_t nrules = 0;
    load_document(&lc, rs, &rules, &nrules);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);

    if (lc.nerrors) {
        for (size_t i = 0; i < nrules; i++)
            rule_clear(&rules[i]);
        free(rules);
        return -1;
    }
    size_t cap = rs->nrules;
    xgrow((void **)&rs->rules, &cap, rs->nrules + nrules + 1, sizeof(*rs->rules));
    for (size_t i = 0; i < nrules; i++) {
        ensure_match_data(rs, rule_capture_count(&rules[i]));
        rs->rules[rs->nrules + i] = rules[i];
    }
    size_t pcap = rs->npacks;
    xgrow((void **)&rs->packs, &pcap, rs->npacks + 1, sizeof(*rs->packs));
    struct dw_rule_pack *pk = &rs->packs[rs->npacks++];
    pk->name = pack_name(name);
    pk->path = xstrdup(name);
    pk->hash = dw_hash64(DW_HASH_INIT, yaml, n);
    pk->first_rule = rs->nrules;
    pk->nrules = nrules;
    rs->nrules += nrules;
    free(rules);
    return 0;
}

/* Reads a whole file into memory. Returns 0, or -1 with a message in err. */
static int read_file(const char *path, char **data, size_t *len, struct dw_errors *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        dw_errors_add(err, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    struct dw_buf b = {0};
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
        buf_append(&b, chunk, got);
        if (b.len > RULES_MAX_PACK_BYTES)
            break;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        dw_errors_add(err, "%s: read error", path);
        buf_free(&b);
        return -1;
    }
    *len = b.len;
    *data = b.data ? buf_steal(&b) : xstrdup("");
    return 0;
}

int ruleset_add_file(struct dw_ruleset *rs, const char *path, struct dw_errors *err)
{
    char *data;
    size_t len;
    if (read_file(path, &data, &len, err) != 0)
        return -1;
    int rc = ruleset_add_buffer(rs, path, data, len, err);
    free(data);
    return rc;
}

/* Adds every <dir>/NAME.yaml in name order; all are tried even after an
 * error, which sets *failed.  A directory that cannot be read, or holds no
 * pack, is an error (in err, returns -1) unless optional. */
static int add_dir_packs(struct dw_ruleset *rs, const char *dir, bool optional, int *failed,
                         struct dw_errors *err)
{
    char **names;
    size_t n;
    if (dw_dir_list(dir, ".yaml", &names, &n) != 0) {
        struct stat st;
        /* optional and absent (or behind a directory we may not search,
         * such as another user's home): nothing to load */
        if (optional && (errno == ENOENT || errno == ENOTDIR || stat(dir, &st) != 0))
            return 0;
        dw_errors_add(err, "%s: cannot open rule directory: %s", dir, strerror(errno));
        return -1;
    }
    struct dw_buf path = {0};
    for (size_t i = 0; i < n; i++) {
        buf_reset(&path);
        buf_printf(&path, "%s/%s", dir, names[i]);
        if (ruleset_add_file(rs, buf_cstr(&path), err) != 0)
            *failed = 1;
    }
    dw_strv_free(names, n);
    buf_free(&path);
    if (n == 0 && !optional) {
        dw_errors_add(err, "%s: no *.yaml rule packs", dir);
        return -1;
    }
    return 0;
}

/* Loads <dir>/codes/ first (so `decode` table names can be checked), then
 * every <dir>/NAME.yaml in name order.  All packs are tried even after an error
 * so that one run reports every problem. */
struct dw_ruleset *ruleset_load_dir(const char *dir, struct dw_errors *err)
{
    struct dw_ruleset *rs = ruleset_new();
    rs->dir = xstrdup(dir);
    int failed = 0;
    struct dw_buf path = {0};
    buf_printf(&path, "%s/codes", dir);
    struct dw_codes *codes = codes_load_dir(buf_cstr(&path), err);
    if (codes && codes_check_classes(codes, rules_class_valid, err) != 0) {
        codes_free(codes);
        codes = NULL;
    }
    if (codes) {
        codes_free(rs->codes);
        rs->codes = codes;
    } else {
        failed = 1;
    }
    buf_free(&path);
    if (add_dir_packs(rs, dir, false, &failed, err) != 0) {
        ruleset_free(rs);
        return NULL;
    }
    if (failed) {
        ruleset_free(rs);
        return NULL;
    }
    return rs;
}

/* True when layers[i]'s directory is that of an earlier layer. */
static bool layer_repeats(const struct dw_rule_layer *layers, size_t i)
{
    char *mine = realpath(layers[i].dir, NULL);
    bool same = false;
    for (size_t k = 0; mine && k < i && !same; k++) {
        char *other = realpath(layers[k].dir, NULL);
        same = other && strcmp(other, mine) == 0;
        free(other);
    }
    free(mine);
    return same;
}

/* Index of the rule with this id among rules[0..n), or n. */
static size_t rule_index(const struct dw_rule *rules, size_t n, const char *id)
{
    size_t i = 0;
    while (i < n && strcmp(rules[i].id, id) != 0)
        i++;
    return i;
}

/* Moves the packs of layer (its set's, index layer_no) to the end of
 * rs->rules / rs->packs (both grown by the caller to fit): a rule whose id
 * is already there is overridden by it (and cleared), a pack name already
 * used gets "@layer_no".  layer is left without rules or packs. */
static void take_layer(struct dw_ruleset *rs, struct dw_ruleset *layer, size_t layer_no)
{
    for (size_t p = 0; p < layer->npacks; p++) {
        struct dw_rule_pack pk = layer->packs[p];
        pk.first_rule = rs->nrules;
        for (size_t i = 0; i < layer->packs[p].nrules; i++) {
            struct dw_rule *r = &layer->rules[layer->packs[p].first_rule + i];
            size_t j = rule_index(rs->rules, rs->nrules, r->id);
            if (j < rs->nrules) {
                if (!rs->rules[j].overrides) {
                    struct dw_buf where = {0};
                    buf_printf(&where, "%s:%d", r->file, r->src_line);
                    rs->rules[j].overrides = buf_steal(&where);
                }
                rule_clear(r);
                continue;
            }
            ensure_match_data(rs, rule_capture_count(r));
            rs->rules[rs->nrules++] = *r;
        }
        pk.nrules = rs->nrules - pk.first_rule;
        bool clash = false;
        for (size_t k = 0; k < rs->npacks && !clash; k++)
            clash = strcmp(rs->packs[k].name, pk.name) == 0;
        if (clash) {
            struct dw_buf name = {0};
            buf_printf(&name, "%s@%zu", pk.name, layer_no);
            free(pk.name);
            pk.name = buf_steal(&name);
        }
        rs->packs[rs->npacks++] = pk;
    }
    free(layer->rules);
    free(layer->packs);
    layer->rules = NULL;
    layer->packs = NULL;
    layer->nrules = layer->npacks = 0;
}

/* Loads the packs of a layer after the first, with the code tables codes
 * (borrowed).  NULL when it is skipped (a repeat, or optional and absent)
 * or failed (*failed set, the reasons in err). */
static struct dw_ruleset *load_upper_layer(const struct dw_rule_layer *layers, size_t i,
                                           struct dw_codes *codes, int *failed,
                                           struct dw_errors *err)
{
    if (layer_repeats(layers, i))
        return NULL;
    struct dw_ruleset *rs = ruleset_new();
    codes_free(rs->codes);
    rs->codes = codes;
    rs->dir = xstrdup(layers[i].dir);
    int bad = 0;
    if (add_dir_packs(rs, layers[i].dir, layers[i].optional, &bad, err) != 0 || bad) {
        *failed = 1;
        rs->codes = NULL;
        ruleset_free(rs);
        return NULL;
    }
    return rs;
}

struct dw_ruleset *ruleset_load_layers(const struct dw_rule_layer *layers, size_t n,
                                       struct dw_errors *err)
{
    if (n == 0) {
        dw_errors_add(err, "no rule directory given");
        return NULL;
    }
    struct dw_ruleset *base = ruleset_load_dir(layers[0].dir, err);
    if (!base)
        return NULL;
    struct dw_ruleset **upper = xcalloc(n, sizeof *upper);
    int failed = 0;
    size_t rules_max = base->nrules, packs_max = base->npacks;
    for (size_t i = 1; i < n; i++) {
        upper[i] = load_upper_layer(layers, i, base->codes, &failed, err);
        if (upper[i]) {
            rules_max += upper[i]->nrules;
            packs_max += upper[i]->npacks;
        }
    }
    struct dw_ruleset *rs = NULL;
    if (!failed) {
        /* the later layers first: base's rules and packs move behind theirs */
        struct dw_ruleset lower = {.rules = base->rules,
                                   .nrules = base->nrules,
                                   .packs = base->packs,
                                   .npacks = base->npacks};
        base->rules = xcalloc(rules_max ? rules_max : 1, sizeof *base->rules);
        base->packs = xcalloc(packs_max ? packs_max : 1, sizeof *base->packs);
        base->nrules = base->npacks = 0;
        for (size_t i = n; i-- > 1;)
            if (upper[i])
                take_layer(base, upper[i], i);
        take_layer(base, &lower, 0);
        rs = base;
    }
    for (size_t i = 1; i < n; i++)
        if (upper[i]) {
            upper[i]->codes = NULL; /* base's */
            ruleset_free(upper[i]);
        }
    free(upper);
    if (!rs)
        ruleset_free(base);
    return rs;
}
