/* prefilter.c - the rule-set prefilter (prefilter.h), built on the
 * multi-literal scanner of litset.c. */
#include "prefilter.h"

#include <stdlib.h>
#include <string.h>

#include "litset.h"
#include "util.h"

struct dw_prefilter {
    struct dw_ruleset *rs;
    size_t words;          /* uint64_t words of a rule mask */
    struct dw_litset *msg; /* the literals, none containing another */
    uint64_t *str_rules;   /* per string of msg: rules with a literal containing it */
    uint64_t *always;      /* rules without (usable) literals: process-filtered */
    bool has_always;
    struct dw_litset *json; /* raw ndjson line scan, NULL if unusable */
    struct dw_litset *keys; /* "timestamp" and "eventMessage" keys, for the reader */
    bool msg_ascii;         /* no literal holds a byte >= 0x80 */
    uint64_t *scratch;      /* the mask of the event being classified */
    struct dw_buf text;     /* a decoded ndjson message */
};

bool prefilter_disabled_by_env(void)
{
    const char *v = getenv("DEXTWATCH_NO_PREFILTER");
    return v && *v && strcmp(v, "0") != 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts and uniquifies v[0..*n), then drops every string that contains
 * another one: a text holding the longer holds the shorter, so the shorter
 * alone decides whether a text is a candidate. */
static void strs_minimize(char **v, size_t *n)
{
    qsort(v, *n, sizeof *v, cmp_str);
    bool *drop = xcalloc(*n ? *n : 1, sizeof *drop);
    for (size_t i = 0; i < *n; i++) {
        drop[i] = i > 0 && strcmp(v[i - 1], v[i]) == 0;
        for (size_t j = 0; j < *n && !drop[i]; j++)
            drop[i] = strcmp(v[j], v[i]) != 0 && strstr(v[i], v[j]) != NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        if (drop[i])
            free(v[i]);
        else
            v[k++] = v[i];
    }
    free(drop);
    *n = k;
}

/* A byte a JSON encoder may write as an escape (`\/`, `\"`, `\\`, `\n`,
 * `\uXXXX` for anything beyond ASCII). */
static bool json_escapable(unsigned char c)
{
    return c == '/' || c == '"' || c == '\\' || c < 0x20 || c >= 0x7f;
}

/* The longest run of s without a JSON-escapable byte, as a new string. */
static char *json_safe_piece(const char *s)
{
    size_t best = 0, best_len = 0, i = 0, n = strlen(s);
    while (i < n) {
        size_t j = i;
        while (j < n && !json_escapable((unsigned char)s[j]))
            j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j + 1;
    }
    return xstrndup(s + best, best_len);
}

/* The raw-line scan for ndjson: each literal's safe piece, every `\u`
 * escape, and the key of a crash report (whose message dextwatch composes). */
static struct dw_litset *json_set_new(char **lits, size_t n)
{
    size_t cap = n + 32, k = 0;
    char **v = xcalloc(cap, sizeof *v);
    for (size_t i = 0; i < n; i++) {
        v[k] = json_safe_piece(lits[i]);
        if (strlen(v[k]) < DW_LITSET_MIN) {
            for (size_t j = 0; j <= k; j++)
                free(v[j]);
            free(v);
            return NULL;
        }
        k++;
    }
    const char *hex = "0123456789abcdefABCDEF";
    for (const char *h = hex; *h; h++) {
        char e[4] = {'\\', 'u', *h, '\0'};
        v[k++] = xstrdup(e);
    }
    v[k++] = xstrdup("\"procName\"");
    strs_minimize(v, &k);
    struct dw_litset *ls = litset_new((const char *const *)v, k);
    for (size_t i = 0; i < k; i++)
        free(v[i]);
    free(v);
    return ls;
}

struct dw_prefilter *prefilter_new(struct dw_ruleset *rs)
{
    if (!rs)
        return NULL;
    size_t words = (rs->nrules + 63) / 64, n = 0, cap = 16;
    char **lits = xcalloc(cap, sizeof *lits);
    uint64_t *always = xcalloc(words ? words : 1, sizeof *always);
    bool has_always = false, hopeless = false;
    for (size_t i = 0; i < rs->nrules; i++) {
        const struct dw_rule *r = &rs->rules[i];
        bool usable = r->nliterals > 0;
        for (size_t k = 0; k < r->nliterals && usable; k++)
            usable = r->literals[k] && strlen(r->literals[k]) >= DW_LITSET_MIN;
        if (!usable) {
            always[i / 64] |= UINT64_C(1) << (i % 64);
            has_always = true;
            hopeless = hopeless || r->nprocesses == 0;
            continue;
        }
        for (size_t k = 0; k < r->nliterals; k++) {
            xgrow((void **)&lits, &cap, n + 1, sizeof *lits);
            lits[n++] = xstrdup(r->literals[k]);
        }
    }
    strs_minimize(lits, &n);
    struct dw_litset *msg = hopeless ? NULL : litset_new((const char *const *)lits, n);
    if (!msg) {
        for (size_t i = 0; i < n; i++)
            free(lits[i]);
        free(lits);
        free(always);
        return NULL;
    }
    struct dw_prefilter *pf = xcalloc(1, sizeof *pf);
    pf->rs = rs;
    pf->words = words;
    pf->msg = msg;
    pf->always = always;
    pf->has_always = has_always;
    pf->msg_ascii = true;
    for (size_t i = 0; i < n; i++)
        for (const char *c = lits[i]; *c; c++)
            pf->msg_ascii = pf->msg_ascii && (unsigned char)*c < 0x80;
    pf->scratch = xcalloc(words ? words : 1, sizeof *pf->scratch);
    pf->str_rules = xcalloc((n ? n : 1) * (words ? words : 1), sizeof *pf->str_rules);
    for (size_t s = 0; s < n; s++) {
        const char *str = litset_str(msg, s, NULL);
        for (size_t i = 0; i < rs->nrules; i++) {
            const struct dw_rule *r = &rs->rules[i];
            if (always[i / 64] & (UINT64_C(1) << (i % 64)))
                continue;
            for (size_t k = 0; k < r->nliterals; k++)
                if (strstr(r->literals[k], str)) {
                    pf->str_rules[s * words + i / 64] |= UINT64_C(1) << (i % 64);
                    break;
                }
        }
    }
    pf->json = has_always ? NULL : json_set_new(lits, n);
    const char *keys[] = {"\"timestamp\":\"", "\"eventMessage\":\""};
    pf->keys = litset_new(keys, 2);
    for (size_t i = 0; i < n; i++)
        free(lits[i]);
    free(lits);
    return pf;
}

void prefilter_free(struct dw_prefilter *pf)
{
    if (!pf)
        return;
    litset_free(pf->msg);
    litset_free(pf->json);
    litset_free(pf->keys);
    free(pf->str_rules);
    free(pf->always);
    free(pf->scratch);
    buf_free(&pf->text);
    free(pf);
}

static void mark_rules(size_t index, size_t at, void *ctx)
{
    (void)at;
    struct dw_prefilter *pf = ctx;
    const uint64_t *src = pf->str_rules + index * pf->words;
    for (size_t w = 0; w < pf->words; w++)
        pf->scratch[w] |= src[w];
}

struct dw_finding *prefilter_classify(struct dw_prefilter *pf, struct dw_ruleset *rs,
                                      const struct dw_event *ev)
{
    if (!pf || rs != pf->rs)
        return ruleset_classify(rs, ev);
    if (!ev || !ev->message)
        return NULL;
    size_t len = ev->message_len ? ev->message_len : strlen(ev->message);
    if (!pf->has_always && litset_find(pf->msg, ev->message, len, NULL) == len)
        return NULL;
    memcpy(pf->scratch, pf->always, pf->words * sizeof *pf->scratch);
    litset_each(pf->msg, ev->message, len, mark_rules, pf);
    return ruleset_classify_masked(rs, ev, pf->scratch);
}

/* False if a rule that msg[0..len)'s literals leave matches it (filters not
 * applied: they only ever remove matches), or a match gave up on a limit. */
static bool rules_all_fail(struct dw_prefilter *pf, const char *msg, size_t len)
{
    memset(pf->scratch, 0, pf->words * sizeof *pf->scratch);
    litset_each(pf->msg, msg, len, mark_rules, pf);
    return !ruleset_message_may_match(pf->rs, msg, len, pf->scratch);
}

bool prefilter_text_usable(const struct dw_prefilter *pf)
{
    return pf && !pf->has_always && pf->msg_ascii;
}

bool prefilter_text_skip(struct dw_prefilter *pf, const char *msg, size_t len)
{
    if (!prefilter_text_usable(pf))
        return false;
    /* ASCII literals cannot overlap the U+FFFD that replaces a NUL, so a
     * message without a literal has none once stored either */
    if (litset_find(pf->msg, msg, len, NULL) == len)
        return true;
    return !memchr(msg, '\0', len) && rules_all_fail(pf, msg, len);
}

bool prefilter_json_usable(const struct dw_prefilter *pf)
{
    return pf && pf->json;
}

bool prefilter_json_candidate(const struct dw_prefilter *pf, const char *s, size_t n)
{
    if (!prefilter_json_usable(pf))
        return true;
    return litset_find(pf->json, s, n, NULL) < n;
}

/* Where the keys of an ndjson line are: the first "timestamp" and
 * "eventMessage" keys, and how many of each there are. */
struct key_hits {
    size_t ts_at, ts_count, msg_at, msg_count;
};

static void note_key(size_t index, size_t at, void *ctx)
{
    struct key_hits *k = ctx;
    if (index == 0) {
        if (k->ts_count++ == 0)
            k->ts_at = at;
    } else if (k->msg_count++ == 0) {
        k->msg_at = at;
    }
}

/* Decodes the JSON string whose text starts at s[i] (after the opening
 * quote) into out, as jansson would; false when only jansson can tell
 * (a \u escape, a control or non-ASCII byte, no closing quote). */
static bool json_plain_string(const char *s, size_t n, size_t i, struct dw_buf *out)
{
    buf_reset(out);
    for (;;) {
        size_t j = i;
        while (j < n && s[j] != '"' && s[j] != '\\' && (unsigned char)s[j] >= 0x20 &&
               (unsigned char)s[j] < 0x80)
            j++;
        buf_append(out, s + i, j - i);
        if (j >= n)
            return false;
        if (s[j] == '"')
            return true;
        if (s[j] != '\\' || j + 1 >= n)
            return false;
        const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
        const char *e = memchr(from, s[j + 1], 8);
        if (!e)
            return false; /* \u, or an invalid escape */
        buf_putc(out, to[e - from]);
        i = j + 2;
    }
}

/* True if no rule's pattern can match msg whatever the event's other fields
 * (filters only ever remove matches). */
static bool message_unmatchable(struct dw_prefilter *pf, const char *msg, size_t len)
{
    return litset_find(pf->msg, msg, len, NULL) == len || rules_all_fail(pf, msg, len);
}

bool prefilter_json_skip(struct dw_prefilter *pf, const char *s, size_t n, struct dw_time *t,
                         const char **time_text, size_t *time_len)
{
    struct key_hits k = {0};
    if (!pf || !pf->json || !pf->keys)
        return false;
    litset_each(pf->keys, s, n, note_key, &k);
    /* a key follows '{' or ','; anything else (inside a string, after
     * blanks, twice) is left to the JSON parser */
    if (k.ts_count != 1 || k.msg_count != 1 || k.ts_at == 0 || k.msg_at == 0)
        return false;
    if ((s[k.ts_at - 1] != ',' && s[k.ts_at - 1] != '{') ||
        (s[k.msg_at - 1] != ',' && s[k.msg_at - 1] != '{'))
        return false;
    size_t ts_key_len, msg_key_len;
    litset_str(pf->keys, 0, &ts_key_len);
    litset_str(pf->keys, 1, &msg_key_len);
    size_t v = k.ts_at + ts_key_len, e = v;
    while (e < n && s[e] != '"' && s[e] != '\\')
        e++;
    if (e >= n || s[e] != '"')
        return false;
    memset(t, 0, sizeof *t);
    if (e > v && dw_time_parse(s + v, e - v, t) == 0)
        t->kind = DW_TIME_NONE;
    *time_text = s + v;
    *time_len = e - v;
    if (litset_find(pf->json, s, n, NULL) == n)
        return true;
    /* a candidate: decode the message and try the rules on it */
    if (!json_plain_string(s, n, k.msg_at + msg_key_len, &pf->text))
        return false;
    return message_unmatchable(pf, pf->text.data ? pf->text.data : "", pf->text.len);
}
