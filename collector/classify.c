/* classify.c - events to findings: filters, PCRE2 match, captures, code
 * decoding, template rendering, correlation keys. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "rules.h"

/* Appends a capture to remediation text.  Remediations hold commands that
 * people copy into a shell ("codesign --verify {path}"), and log text is
 * attacker-controlled: a value a shell would act on is single-quoted, so a
 * path like "/x/$(rm -rf ~)/y.dext" stays one inert argument. */
static void put_shell_safe(struct dw_buf *b, const char *v)
{
    if (!strpbrk(v, "$`\\\"';&|<>()\n\r!*?[]{}#~")) {
        buf_puts(b, v);
        return;
    }
    buf_putc(b, '\'');
    for (; *v; v++) {
        if (*v == '\'')
            buf_puts(b, "'\\''");
        else
            buf_putc(b, *v);
    }
    buf_putc(b, '\'');
}

static char *render(const char *tmpl, const struct dw_capture *caps, size_t ncaps, bool shell);

/* Renders a template (see rules.h).  Captured text is appended as data and
 * never scanned again, so a "{x}" inside a capture stays as written. */
char *rule_render(const char *tmpl, const struct dw_capture *caps, size_t ncaps)
{
    return render(tmpl, caps, ncaps, false);
}

static char *render(const char *tmpl, const struct dw_capture *caps, size_t ncaps, bool shell)
{
    if (!tmpl)
        return NULL;
    struct dw_buf b = {0};
    const char *p = tmpl;
    while (*p) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            buf_putc(&b, p[0]);
            p += 2;
            continue;
        }
        if (*p == '{') {
            const char *e = strchr(p + 1, '}');
            const struct dw_capture *hit = NULL;
            if (e) {
                size_t n = (size_t)(e - p - 1);
                for (size_t i = 0; i < ncaps && !hit; i++)
                    if (strlen(caps[i].name) == n && memcmp(caps[i].name, p + 1, n) == 0)
                        hit = &caps[i];
            }
            if (hit) {
                if (shell)
                    put_shell_safe(&b, hit->value);
                else
                    buf_puts(&b, hit->value);
                p = e + 1;
                continue;
            }
        }
        /* plain text up to the next brace goes out as one piece */
        size_t plain = 1 + strcspn(p + 1, "{}");
        buf_append(&b, p, plain);
        p += plain;
    }
    return b.data ? buf_steal(&b) : xstrdup("");
}

static bool str_in(const char *s, char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

/* Cheap filters first: a field the event does not have (forum pastes often
 * lack process, subsystem or category) passes. */
static bool rule_filters_pass(const struct dw_rule *r, const struct dw_event *ev)
{
    if (r->nprocesses && ev->process && !str_in(ev->process, r->processes, r->nprocesses))
        return false;
    if (r->subsystem && ev->subsystem && strcmp(r->subsystem, ev->subsystem) != 0)
        return false;
    if (r->category && ev->category && strcmp(r->category, ev->category) != 0)
        return false;
    return true;
}

/* Copies the named groups that took part in the match, in name order; a name
 * used by several groups gives the first one that matched. */
static void finding_fill_captures(struct dw_finding *f, const struct dw_rule *r,
                                  pcre2_match_data *md, const char *msg)
{
    uint32_t count = 0, entry = 0;
    PCRE2_SPTR table = NULL;
    pcre2_pattern_info(r->code, PCRE2_INFO_NAMECOUNT, &count);
    if (count == 0)
        return;
    pcre2_pattern_info(r->code, PCRE2_INFO_NAMEENTRYSIZE, &entry);
    pcre2_pattern_info(r->code, PCRE2_INFO_NAMETABLE, &table);
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    uint32_t ovn = pcre2_get_ovector_count(md);
    f->caps = xcalloc(count, sizeof(*f->caps));
    for (uint32_t i = 0; i < count; i++) {
        PCRE2_SPTR e = table + (size_t)i * entry;
        uint32_t group = ((uint32_t)e[0] << 8) | e[1];
        const char *name = (const char *)e + 2;
        if (group >= ovn || ov[2 * group] == PCRE2_UNSET || ov[2 * group + 1] < ov[2 * group])
            continue;
        if (f->ncaps && strcmp(f->caps[f->ncaps - 1].name, name) == 0)
            continue; /* duplicate name (sorted table): first that matched wins */
        f->caps[f->ncaps].name = xstrdup(name);
        f->caps[f->ncaps].value =
            xstrndup(msg + ov[2 * group], (size_t)(ov[2 * group + 1] - ov[2 * group]));
        f->ncaps++;
    }
}

static void add_decoded(struct dw_finding *f, const struct dw_codes *codes, const char *table,
                        const char *text)
{
    const struct dw_code *c = codes_lookup(codes, table, text);
    /* a printed string ("(os/kern) failure") names its subsystem, so any
     * table's row is taken when the rule's table has none */
    if (!c && table && !(c = codes_lookup_printed(codes, table, text)))
        c = codes_lookup_printed(codes, NULL, text);
    if (!c)
        return;
    for (size_t i = 0; i < f->ndecoded; i++)
        if (strcmp(f->decoded[i].code, text) == 0)
            return;
    f->decoded = xrealloc(f->decoded, (f->ndecoded + 1) * sizeof(*f->decoded));
    f->decoded[f->ndecoded].code = xstrdup(text);
    f->decoded[f->ndecoded].name = xstrdup(c->name);
    f->decoded[f->ndecoded].meaning = xstrdup(c->meaning);
    f->ndecoded++;
}

/* The first code in msg[0..len) whose table row names a failure class (not
 * "none"), or NULL: errSecCS, IOReturn and OSKextReturn values in any
 * spelling (a negative number of four or more digits, 0x and five or more
 * hex digits: codes_lookup without a table only accepts values that cannot be
 * counts), and `Code=N` / `code N` / `error N` within a few bytes after a
 * domain name, looked up in that domain's table.  *text gets the code as
 * written (NUL-terminated, at most size bytes). */
static const struct dw_code *code_in_line(const struct dw_codes *codes, const char *msg, size_t len,
                                          char *text, size_t size)
{
    static const struct {
        const char *domain, *table;
    } domains[] = {
        {"OSSystemExtensionErrorDomain", "sysext-errors"},
        {"KMErrorDomain", "kmerror-codes"},
        {"kernelmanagerd.KMError", "kmerror-codes"},
        {"AppleMobileFileIntegrityError", "amfi-errors"},
    };
    for (size_t i = 0; i < len; i++) {
        const char *table = NULL;
        size_t start = i, end = i;
        bool boundary = i == 0 || !(msg[i - 1] == '_' || (msg[i - 1] >= '0' && msg[i - 1] <= '9') ||
                                    ((msg[i - 1] | 32) >= 'a' && (msg[i - 1] | 32) <= 'z'));
        if (boundary && msg[i] == '-') {
            for (end = i + 1; end < len && msg[end] >= '0' && msg[end] <= '9';)
                end++;
            if (end - i - 1 < 4)
                continue;
        } else if (boundary && msg[i] == '0' && i + 1 < len && (msg[i + 1] | 32) == 'x') {
            for (end = i + 2; end < len && msg[end] && strchr("0123456789abcdefABCDEF", msg[end]);)
                end++;
            if (end - i - 2 < 5)
                continue;
        } else {
            for (size_t d = 0; d < sizeof domains / sizeof domains[0] && !table; d++) {
                size_t dl = strlen(domains[d].domain);
                if (i + dl > len || memcmp(msg + i, domains[d].domain, dl) != 0)
                    continue;
                /* the number after Code= / code / error, within 16 bytes */
                size_t j = i + dl, stop = j + 16 < len ? j + 16 : len;
                while (j < stop && !(msg[j] == '-' || (msg[j] >= '0' && msg[j] <= '9')))
                    j++;
                if (j < stop) {
                    table = domains[d].table;
                    start = j;
                    for (end = j + 1; end < len && msg[end] >= '0' && msg[end] <= '9';)
                        end++;
                }
            }
            if (!table)
                continue;
        }
        if (end - start >= size)
            continue;
        memcpy(text, msg + start, end - start);
        text[end - start] = '\0';
        const struct dw_code *c = codes_lookup(codes, table, text);
        if (c && c->class_name && strcmp(c->class_name, "none") != 0)
            return c;
        i = end > i ? end - 1 : i;
    }
    return NULL;
}

/* class_from_code (rules.h): the class of the first failure code in the
 * line, the code decoded.  False when the line has no such code. */
static bool class_from_code(struct dw_finding *f, const struct dw_codes *codes,
                            const struct dw_event *ev)
{
    char text[32];
    size_t len = ev->message_len ? ev->message_len : strlen(ev->message);
    const struct dw_code *c = code_in_line(codes, ev->message, len, text, sizeof text);
    if (!c)
        return false;
    free(f->class_name);
    f->class_name = xstrdup(c->class_name);
    add_decoded(f, codes, c->table, text);
    return true;
}

/* Builds the finding for event ev matched by rule r (match data in md), or
 * NULL when r needs a code the line does not carry (code_required). */
static struct dw_finding *finding_build(struct dw_ruleset *rs, const struct dw_rule *r,
                                        const struct dw_event *ev)
{
    struct dw_finding *f = xcalloc(1, sizeof(*f));
    f->rule_id = xstrdup(r->id);
    f->class_name = xstrdup(r->class_name);
    f->severity = r->severity;
    f->priority = r->priority;
    f->link_only = r->link;
    finding_set_event(f, ev);
    finding_fill_captures(f, r, rs->match_data, ev->message);
    for (size_t i = 0; i < f->ncaps; i++)
        if (strcmp(f->caps[i].name, "code") == 0)
            add_decoded(f, rs->codes, NULL, f->caps[i].value);
    for (size_t d = 0; d < r->ndecodes; d++)
        for (size_t i = 0; i < f->ncaps; i++)
            if (strcmp(f->caps[i].name, r->decodes[d].capture) == 0)
                add_decoded(f, rs->codes, r->decodes[d].table, f->caps[i].value);
    if (r->class_from_code && !class_from_code(f, rs->codes, ev) && r->code_required) {
        finding_free(f); /* `class_from_code: required` and no code: no match */
        return NULL;
    }
    if (!r->link) { /* a link finding only ever lends its keys (correlate.h) */
        /* the captures, then `{process}`: the event's process (a group of
         * that name comes first and wins) */
        struct dw_capture *caps = xcalloc(f->ncaps + 1, sizeof *caps);
        if (f->ncaps)
            memcpy(caps, f->caps, f->ncaps * sizeof *caps);
        caps[f->ncaps] = (struct dw_capture){
            .name = "process", .value = ev->process ? (char *)ev->process : "an unnamed process"};
        f->summary = rule_render(r->summary, caps, f->ncaps + 1);
        f->remediation = render(r->remediation, caps, f->ncaps + 1, true);
        free(caps);
    }
    finding_derive_keys(f);
    return f;
}

/* First rule in load order (among those set in mask, or all when mask is
 * NULL) whose filters pass and whose pattern matches.  Nothing is allocated
 * until a rule matched. */
/* The first rule index >= i whose bit is set in mask, or n. */
static size_t mask_next(const uint64_t *mask, size_t n, size_t i)
{
    for (size_t w = i / 64; w * 64 < n; w++) {
        uint64_t b = mask[w];
        if (w == i / 64)
            b &= ~UINT64_C(0) << (i % 64);
        if (b)
            return w * 64 + (size_t)__builtin_ctzll(b);
    }
    return n;
}

static struct dw_finding *classify_rules(struct dw_ruleset *rs, const struct dw_event *ev,
                                         const uint64_t *mask)
{
    if (!rs || !ev || !ev->message || !rs->match_data)
        return NULL;
    size_t len = ev->message_len ? ev->message_len : strlen(ev->message), n = rs->nrules;
    for (size_t i = mask ? mask_next(mask, n, 0) : 0; i < n;
         i = mask ? mask_next(mask, n, i + 1) : i + 1) {
        const struct dw_rule *r = &rs->rules[i];
        if (!rule_filters_pass(r, ev))
            continue;
        int rc =
            pcre2_match(r->code, (PCRE2_SPTR)ev->message, len, 0, 0, rs->match_data, rs->match_ctx);
        struct dw_finding *f = rc >= 0 ? finding_build(rs, r, ev) : NULL;
        if (f)
            return f;
        if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
            rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT ||
            rc == PCRE2_ERROR_NOMEMORY) {
            rs->limit_hits++;
            rs->rules[i].limit_hits++; /* reported by ruleset_limit_report */
        }
    }
    return NULL;
}

struct dw_finding *ruleset_classify(struct dw_ruleset *rs, const struct dw_event *ev)
{
    return classify_rules(rs, ev, NULL);
}

bool ruleset_message_may_match(struct dw_ruleset *rs, const char *msg, size_t len,
                               const uint64_t *mask)
{
    if (!rs || !rs->match_data)
        return true;
    for (size_t i = 0; i < rs->nrules; i++) {
        if (!(mask[i / 64] & (UINT64_C(1) << (i % 64))))
            continue;
        int rc = pcre2_match(rs->rules[i].code, (PCRE2_SPTR)msg, len, 0, 0, rs->match_data,
                             rs->match_ctx);
        if (rc >= 0 || rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
            rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT ||
            rc == PCRE2_ERROR_NOMEMORY)
            return true;
    }
    return false;
}

struct dw_finding *ruleset_classify_masked(struct dw_ruleset *rs, const struct dw_event *ev,
                                           const uint64_t *mask)
{
    return classify_rules(rs, ev, mask);
}

/* ---- correlation keys ---- */

static void key_add(struct dw_finding *f, const char *prefix, const char *v, size_t n)
{
    if (n == 0)
        return;
    struct dw_buf b = {0};
    buf_puts(&b, prefix);
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        buf_putc(&b, (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c);
    }
    for (size_t i = 0; i < f->nkeys; i++)
        if (strcmp(f->keys[i], buf_cstr(&b)) == 0) {
            buf_free(&b);
            return;
        }
    f->keys = xrealloc(f->keys, (f->nkeys + 1) * sizeof(*f->keys));
    f->keys[f->nkeys++] = buf_steal(&b);
}

/* "bundle:<id>" from a bundle id, with ".dext" dropped. */
static void key_bundle(struct dw_finding *f, const char *s, size_t n)
{
    while (n && (s[n - 1] == ' ' || s[n - 1] == '/'))
        n--;
    if (n > 5 && strncmp(s + n - 5, ".dext", 5) == 0)
        n -= 5;
    key_add(f, "bundle:", s, n);
}

/* Finds "/<id>.dext/" (or a trailing "/<id>.dext") in a path. */
static void key_from_path(struct dw_finding *f, const char *p)
{
    for (const char *d = strstr(p, ".dext"); d; d = strstr(d + 1, ".dext")) {
        if (d[5] != '/' && d[5] != '\0')
            continue;
        const char *start = d;
        while (start > p && start[-1] != '/')
            start--;
        if (start > p && start < d) {
            key_bundle(f, start, (size_t)(d - start));
            return;
        }
    }
}

static void key_tag(struct dw_finding *f, const char *s)
{
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    size_t n = strspn(s, "0123456789abcdefABCDEF");
    if (n == 0 || s[n] != '\0')
        return;
    while (n > 1 && *s == '0') {
        s++;
        n--;
    }
    key_add(f, "tag:", s, n);
}

void finding_derive_keys(struct dw_finding *f)
{
    for (size_t i = 0; i < f->ncaps; i++) {
        const char *name = f->caps[i].name, *v = f->caps[i].value;
        if (strcmp(name, "bundle") == 0)
            key_bundle(f, v, strlen(v));
        else if (strcmp(name, "path") == 0)
            key_from_path(f, v);
        else if (strcmp(name, "tag") == 0)
            key_tag(f, v);
    }
    if (f->sender) {
        size_t n = strlen(f->sender);
        if (!strchr(f->sender, '/') && n > 5 && strcmp(f->sender + n - 5, ".dext") == 0)
            key_bundle(f, f->sender, n);
        else
            key_from_path(f, f->sender);
    }
}
