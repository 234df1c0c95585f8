/* fuzz_pipeline.c - libFuzzer harness for the whole scan pipeline.
 *
 * Byte 0 picks the style (low 3 bits, 0 = auto) and the report variations
 * (verbose text, fail-on level, which incidents are baselined/suppressed);
 * the rest is one input, read and classified with the shipped rule packs
 * (rules/ of the source tree), correlated, and reported in every format
 * (text, json, github, junit, markdown) into memory, as `scan --no-store`
 * does.  Then the outputs must hold what report.h promises whatever the log
 * said:
 *   - no control byte but LF in any format (no ESC, BEL, BS, CR, DEL, C1),
 *     and valid UTF-8;
 *   - json: every line parses as one JSON object;
 *   - github: every line is one ::error/::warning/::notice command whose
 *     properties hold no raw ':' (log text cannot end them early);
 *   - junit: no raw '<' '>' '&' outside what the writer itself puts there is
 *     not checkable cheaply; the golden tests run xmllint on it instead.
 * And, run again with the literal prefilter off (no_prefilter), the incidents
 * (json, ids aside) must be the same: the prefilter is an optimisation only.
 * Seeds: tests/logs/ behind a 1-byte prefix. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pipeline.h"
#include "report.h"

#ifndef DW_SOURCE_DIR
#error "DW_SOURCE_DIR must name the source tree (for rules/)"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The harness's own checks need no coverage feedback: uninstrumented, they
 * leave the time to the code under test. */
#if defined(__clang__)
#define CHECKER __attribute__((no_sanitize("coverage")))
#else
#define CHECKER
#endif

#define NFORMATS 5

struct run {
    struct dw_report *reports[NFORMATS];
    struct dw_buf out[NFORMATS];
    struct dw_buf show; /* `show`: the verbose text form, and `recent`'s one-liners */
    struct dw_report_run totals;
    unsigned variant;
    long ordinal;
    enum dw_style style; /* as the reader decided it */
    bool json_only; /* the comparison run: only the JSON lines are needed */
};

static void on_incident(enum dw_change change, struct dw_incident *inc, struct dw_incident *into,
                        void *ctx)
{
    struct run *r = *(struct run **)ctx;
    (void)into;
    if (change != DW_CLOSED)
        return;
    struct dw_report_item item = {.inc = inc, .id = ++r->ordinal,
                                  .original_severity = inc->severity};
    switch ((r->variant >> 5) + (unsigned)r->ordinal) {
    case 1:
        item.verdict = DW_VERDICT_BASELINED;
        item.note = inc->root ? inc->root->message : "note \x1b]8;;x\x07%0A";
        break;
    case 2:
        item.verdict = DW_VERDICT_SUPPRESSED;
        item.note = inc->subject;
        break;
    case 3:
        item.verdict = DW_VERDICT_PASS;
        item.original_severity = DW_SEV_CRITICAL;
        item.note = "lowered {x} %s";
        break;
    default:
        item.verdict = DW_VERDICT_FAIL;
        break;
    }
    r->totals.incidents++;
    for (int f = 0; f < NFORMATS; f++)
        if (r->reports[f])
            report_incident(r->reports[f], &item, &r->out[f]);
    if (r->json_only)
        return;
    struct dw_text_style verbose = {.verbose = true};
    report_text_incident(&r->show, inc, item.id, &verbose);
    report_text_oneline(&r->show, inc, item.id, &verbose);
}

static int clean_text_at(const unsigned char *s, size_t n, size_t *bad);

/* Whether s[0..n) is valid UTF-8 with no control character but LF; if not,
 * says where on stderr (which output, the bytes around) before the abort. */
CHECKER static int clean_text(const char *what, const unsigned char *s, size_t n)
{
    size_t bad = 0;
    if (clean_text_at(s, n, &bad))
        return 1;
    size_t from = bad > 60 ? bad - 60 : 0;
    fprintf(stderr, "fuzz_pipeline: %s output: bad byte 0x%02x at %zu: ...%.*s\n", what, s[bad],
            bad, (int)(bad - from + 8 < n - from ? bad - from + 8 : n - from),
            (const char *)s + from);
    return 0;
}

CHECKER static int clean_text_at(const unsigned char *s, size_t n, size_t *bad)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        if (c < 0x80) {
            if ((c < 0x20 && c != '\n') || c == 0x7f)
                return (*bad = i, 0);
            i++;
            continue;
        }
        size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
        if (len == 0 || c > 0xf4 || i + len > n)
            return (*bad = i, 0);
        uint32_t cp = c & (0x7f >> len);
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return (*bad = i, 0);
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
            return (*bad = i, 0);
        i += len;
    }
    return 1;
}

CHECKER static void check_json_lines(const char *s)
{
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        json_error_t e;
        json_t *v = json_loadb(s, n, 0, &e);
        if (!json_is_object(v))
            abort();
        json_decref(v);
        s += n + (nl ? 1 : 0);
    }
}

CHECKER static void check_github_lines(const char *s)
{
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        const char *props = NULL;
        static const char *const cmds[] = {"::error title=", "::warning title=",
                                           "::notice title="};
        for (size_t k = 0; k < 3; k++)
            if (strncmp(s, cmds[k], strlen(cmds[k])) == 0)
                props = s + strlen(cmds[k]);
        if (!props)
            abort();
        const char *end = strstr(props, "::");
        if (!end || end > s + n || memchr(props, ':', (size_t)(end - props)))
            abort();
        s += n + (nl ? 1 : 0);
    }
}

/* One `scan --no-store` of data[1..] into every format (r->out, r->show);
 * into JSON only for the comparison run without the prefilter.
 * The pipelines (prefilter on, off) are made once per style and reused for
 * every input, as scan reuses one for all its inputs: building the prefilter
 * costs more than a small input. */
static void scan_once(struct dw_ruleset *rules, const uint8_t *data, size_t size,
                      bool no_prefilter, struct run *r)
{
    static struct dw_pipeline *pipes[2][8][2]; /* [no_prefilter][style][save_every_change] */
    static struct run *current;
    memset(r, 0, sizeof *r);
    r->variant = data[0];
    r->json_only = no_prefilter;
    struct dw_report_opts ropts = {.title = "dextwatch scan"};
    for (int f = 0; f < NFORMATS; f++)
        if (!r->json_only || f == DW_FORMAT_JSON)
            r->reports[f] = report_new((enum dw_format)f, &ropts);
    bool every = (data[0] & 0x10) != 0;
    struct dw_pipeline **pp = &pipes[no_prefilter][data[0] & 7][every];
    if (!*pp) {
        struct dw_pipeline_opts popts = {.style = (enum dw_style)(data[0] & 7),
                                         .correlate = DW_CORRELATE_DEFAULTS,
                                         .save_every_change = every,
                                         .no_prefilter = no_prefilter};
        *pp = pipeline_new(rules, NULL, &popts, on_incident, &current);
    }
    struct dw_pipeline *p = *pp;
    current = r;
    uint64_t findings = pipeline_stats(p)->findings, events = pipeline_stats(p)->events;
    pipeline_begin(p, (data[0] & 0x08) ? "-" : "in\x1b[31m:put%0A.log");
    pipeline_feed(p, (const char *)data + 1, size - 1);
    struct dw_errors err = {0};
    if (pipeline_end(p, &err) != 0)
        abort(); /* no store: nothing can fail */
    dw_errors_clear(&err);
    const struct dw_reader_stats *rs = pipeline_reader_stats(p);
    struct dw_report_input in = {.name = "in\x1b[31m:put%0A.log",
                                 .events = pipeline_stats(p)->events - events,
                                 .no_events_is_error = (data[0] & 0x20) != 0};
    r->totals.have_scan_stats = true;
    r->totals.inputs = 1;
    r->totals.lines = rs->lines;
    r->totals.events = in.events;
    r->totals.findings = pipeline_stats(p)->findings - findings;
    r->totals.skipped = rs->malformed + rs->oversized;
    r->style = pipeline_style(p);
    for (int f = 0; f < NFORMATS; f++) {
        if (!r->reports[f])
            continue;
        report_input(r->reports[f], &in, &r->out[f]);
        report_finish(r->reports[f], &r->totals, &r->out[f]);
        report_free(r->reports[f]);
    }
    current = NULL;
}

static void run_free(struct run *r)
{
    for (int f = 0; f < NFORMATS; f++)
        buf_free(&r->out[f]);
    buf_free(&r->show);
}

CHECKER static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The JSON lines of a run, each without its "id" (the output ordinal), in
 * canonical form, sorted; *n of them.  Caller frees each and the array. */
CHECKER static char **canonical_incidents(const char *s, size_t *n)
{
    char **v = NULL;
    size_t cap = 0;
    *n = 0;
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        json_t *o = json_loadb(s, len, 0, NULL);
        json_object_del(o, "id");
        xgrow((void **)&v, &cap, *n + 1, sizeof *v);
        char *d = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        v[(*n)++] = d ? d : xstrdup("(not JSON)");
        json_decref(o);
        s += len + (nl ? 1 : 0);
    }
    if (*n)
        qsort(v, *n, sizeof *v, cmp_str);
    return v;
}

/* Whether two runs found the same incidents.  The order in which they close
 * may differ (see tests/fuzz/README.md: a known prefilter difference). */
CHECKER static bool same_incidents(const char *a, const char *b)
{
    size_t na, nb;
    char **va = canonical_incidents(a, &na), **vb = canonical_incidents(b, &nb);
    bool same = na == nb;
    for (size_t i = 0; same && i < na; i++)
        same = strcmp(va[i], vb[i]) == 0;
    for (size_t i = 0; i < na; i++)
        free(va[i]);
    for (size_t i = 0; i < nb; i++)
        free(vb[i]);
    free(va);
    free(vb);
    return same;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct dw_ruleset *rules;
    if (!rules) {
        struct dw_errors err = {0};
        rules = ruleset_load_dir(DW_SOURCE_DIR "/rules", &err);
        if (!rules)
            abort();
        dw_errors_clear(&err);
    }
    if (size < 1)
        return 0;
    struct run r, plain;
    scan_once(rules, data, size, false, &r);
    for (int f = 0; f < NFORMATS; f++)
        if (!clean_text(dw_format_name((enum dw_format)f),
                        (const unsigned char *)buf_cstr(&r.out[f]), r.out[f].len))
            abort();
    if (!clean_text("show", (const unsigned char *)buf_cstr(&r.show), r.show.len))
        abort();
    check_json_lines(buf_cstr(&r.out[DW_FORMAT_JSON]));
    check_github_lines(buf_cstr(&r.out[DW_FORMAT_GITHUB]));
    /* differential: the literal prefilter must change no incident */
    scan_once(rules, data, size, true, &plain);
    /* The equivalence holds for every text style, malformed records and all
     * (they are parsed dry either way), and for JSON input the reader can
     * parse: a malformed ndjson line is never parsed on the prefiltered path,
     * yet its timestamp still moves the correlator's clock there (see
     * tests/fuzz/README.md) */
    bool json = plain.style == DW_STYLE_JSON || plain.style == DW_STYLE_NDJSON;
    if ((!json || plain.totals.skipped == 0) &&
        !same_incidents(buf_cstr(&r.out[DW_FORMAT_JSON]), buf_cstr(&plain.out[DW_FORMAT_JSON]))) {
        fprintf(stderr, "fuzz_pipeline: the prefilter changed the incidents:\n--- with\n%s"
                        "--- without\n%s",
                buf_cstr(&r.out[DW_FORMAT_JSON]), buf_cstr(&plain.out[DW_FORMAT_JSON]));
        abort();
    }
    run_free(&plain);
    run_free(&r);
    return 0;
}
