/* incident.c - findings and incidents as data: building, merging, freeing. */
#include "incident.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void finding_set_event(struct dw_finding *f, const struct dw_event *ev)
{
    f->input = xstrdup(ev->input);
    f->line = ev->line;
    f->time = ev->time;
    f->time_text = xstrdup(ev->time_text);
    f->process = xstrdup(ev->process);
    f->pid = ev->pid;
    f->tid = ev->tid;
    f->has_tid = ev->has_tid;
    f->level = xstrdup(ev->level);
    f->subsystem = xstrdup(ev->subsystem);
    f->category = xstrdup(ev->category);
    f->sender = xstrdup(ev->sender);
    f->message = xstrndup(ev->message, ev->message_len);
    f->raw = xstrndup(ev->raw, ev->raw_len);
}

static uint64_t hash_str(uint64_t h, const char *s)
{
    /* the terminating NUL separates fields, so ("ab","c") != ("a","bc") */
    return s ? dw_hash64(h, s, strlen(s) + 1) : dw_hash64(h, "", 1);
}

uint64_t finding_event_key(const struct dw_finding *f)
{
    char num[64];
    uint64_t h = DW_HASH_INIT;
    h = hash_str(h, f->time_text);
    snprintf(num, sizeof num, "%ld", f->pid);
    h = hash_str(h, num);
    if (f->has_tid) {
        snprintf(num, sizeof num, "t%llx", (unsigned long long)f->tid);
        h = hash_str(h, num);
    } else {
        h = hash_str(h, f->process);
    }
    h = hash_str(h, f->message);
    if (f->time.kind == DW_TIME_NONE) {
        snprintf(num, sizeof num, "%ld", f->line);
        h = hash_str(hash_str(h, f->input), num);
    }
    /* SQLite integers are signed 64-bit; keep the key positive-agnostic but stable */
    return h;
}

const char *finding_capture(const struct dw_finding *f, const char *name)
{
    for (size_t i = 0; i < f->ncaps; i++)
        if (strcmp(f->caps[i].name, name) == 0)
            return f->caps[i].value;
    return NULL;
}

char *dw_bundle_from_path(const char *text)
{
    if (!text)
        return NULL;
    const char *end = NULL;
    for (const char *p = strstr(text, ".dext"); p; p = strstr(p + 1, ".dext")) {
        if (p[5] == '/' || p[5] == '\0') {
            end = p;
            break;
        }
    }
    if (!end)
        return NULL;
    const char *start = end;
    while (start > text && start[-1] != '/' && start[-1] != ' ' && start[-1] != '(' &&
           start[-1] != '\'' && start[-1] != '"')
        start--;
    if (start == end)
        return NULL;
    return xstrndup(start, (size_t)(end - start));
}

static bool is_id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

/* Reverse-DNS top labels a two-part bundle id starts with (`com.MyDriver`). */
static bool is_top_label(const char *s, size_t n)
{
    static const char *const tops[] = {"com", "org", "net", "io", "de", "fr", "co", "me", "dev"};
    for (size_t i = 0; i < sizeof tops / sizeof tops[0]; i++)
        if (strlen(tops[i]) == n && memcmp(tops[i], s, n) == 0)
            return true;
    return false;
}

/* The first token of s[0..n) that reads as a bundle id: labels of letters,
 * digits, '_' and '-', each starting with a letter, joined by '.', three or
 * more of them (or two after com., org. ...), not Apple's own (`com.apple.*`
 * names subsystems and entitlements far more often than a failing bundle);
 * `.kext`/`.dext`/`.systemextension`/`.app` at the end is dropped.  NULL
 * when there is none. */
static char *bundle_id_in(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (is_id_char(s[i - 1]) || s[i - 1] == '.'))
            continue;
        size_t j = i, labels = 0, first_len = 0;
        bool ok = true;
        while (ok && j < n) {
            size_t k = j;
            ok = (s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z');
            while (k < n && is_id_char(s[k]))
                k++;
            if (!ok || k == j)
                break;
            if (labels++ == 0)
                first_len = k - j;
            j = k;
            if (j + 1 < n && s[j] == '.' && is_id_char(s[j + 1]))
                j++;
            else
                break;
        }
        if (labels < 2 || (labels == 2 && !is_top_label(s + i, first_len)) ||
            (j < n && (s[j] == '.' || is_id_char(s[j]))) || strncmp(s + i, "com.apple.", 10) == 0)
            continue;
        size_t len = j - i;
        static const char *const ext[] = {".kext", ".dext", ".systemextension", ".app"};
        for (size_t e = 0; e < sizeof ext / sizeof ext[0]; e++) {
            size_t el = strlen(ext[e]);
            if (len > el && memcmp(s + j - el, ext[e], el) == 0) {
                len -= el;
                break;
            }
        }
        if (labels - (len < j - i) >= 2 || is_top_label(s + i, first_len))
            return xstrndup(s + i, len);
    }
    return NULL;
}

/* `/<Name>.kext` in s (or `<Name>.kext` at its start): "<Name>.kext", the
 * kext a kext tool names by path. */
static char *kext_in(const char *s)
{
    for (const char *p = strstr(s, ".kext"); p; p = strstr(p + 1, ".kext")) {
        if (is_id_char(p[5]))
            continue;
        const char *b = p;
        while (b > s && b[-1] != '/' && b[-1] != ' ' && b[-1] != '\'' && b[-1] != '"')
            b--;
        if ((b == s || b[-1] == '/') && b < p)
            return xstrndup(b, (size_t)(p + 5 - b));
    }
    return NULL;
}

char *dw_subject_from_text(const char *text)
{
    if (!text)
        return NULL;
    char *b = dw_bundle_from_path(text);
    if (!b)
        b = bundle_id_in(text, strlen(text));
    return b ? b : kext_in(text);
}

char *finding_subject(const struct dw_finding *f, int *rank)
{
    const char *bundle = finding_capture(f, "bundle");
    if (bundle && *bundle) {
        size_t n = strlen(bundle);
        if (n > 5 && strcmp(bundle + n - 5, ".dext") == 0)
            n -= 5;
        *rank = 3;
        return xstrndup(bundle, n);
    }
    char *b = dw_bundle_from_path(finding_capture(f, "path"));
    if (!b)
        b = dw_bundle_from_path(f->sender);
    if (!b && f->sender) /* kextutil's `Diagnostics for /L/E/Foo.kext:` block */
        b = kext_in(f->sender);
    if (b) {
        *rank = 3;
        return b;
    }
    const char *tag = finding_capture(f, "tag");
    if (tag && *tag) {
        struct dw_buf s = {0};
        if (strncmp(tag, "0x", 2) != 0 && strncmp(tag, "0X", 2) != 0)
            buf_puts(&s, "0x");
        buf_puts(&s, tag);
        *rank = 2;
        return buf_steal(&s);
    }
    /* a catch-all names what its line names (a bundle id, a kext) */
    char *named = f->class_name && strncmp(f->class_name, "other", 5) == 0 &&
                          (f->class_name[5] == '\0' || f->class_name[5] == '.')
                      ? dw_subject_from_text(f->message)
                      : NULL;
    if (named) {
        *rank = 3;
        return named;
    }
    *rank = 1;
    return xstrdup(f->process ? f->process : "unknown");
}

static char **strv_dup(char **v, size_t n)
{
    if (!n)
        return NULL;
    char **d = xcalloc(n, sizeof *d);
    for (size_t i = 0; i < n; i++)
        d[i] = xstrdup(v[i]);
    return d;
}

struct dw_finding *finding_dup(const struct dw_finding *f)
{
    struct dw_finding *d = xcalloc(1, sizeof *d);
    *d = *f;
    d->rule_id = xstrdup(f->rule_id);
    d->class_name = xstrdup(f->class_name);
    d->summary = xstrdup(f->summary);
    d->remediation = xstrdup(f->remediation);
    d->input = xstrdup(f->input);
    d->time_text = xstrdup(f->time_text);
    d->process = xstrdup(f->process);
    d->level = xstrdup(f->level);
    d->subsystem = xstrdup(f->subsystem);
    d->category = xstrdup(f->category);
    d->sender = xstrdup(f->sender);
    d->message = xstrdup(f->message);
    d->raw = xstrdup(f->raw);
    d->caps = f->ncaps ? xcalloc(f->ncaps, sizeof *d->caps) : NULL;
    for (size_t i = 0; i < f->ncaps; i++) {
        d->caps[i].name = xstrdup(f->caps[i].name);
        d->caps[i].value = xstrdup(f->caps[i].value);
    }
    d->decoded = f->ndecoded ? xcalloc(f->ndecoded, sizeof *d->decoded) : NULL;
    for (size_t i = 0; i < f->ndecoded; i++) {
        d->decoded[i].code = xstrdup(f->decoded[i].code);
        d->decoded[i].name = xstrdup(f->decoded[i].name);
        d->decoded[i].meaning = xstrdup(f->decoded[i].meaning);
    }
    d->keys = strv_dup(f->keys, f->nkeys);
    return d;
}

void finding_free(struct dw_finding *f)
{
    if (!f)
        return;
    free(f->rule_id);
    free(f->class_name);
    free(f->summary);
    free(f->remediation);
    free(f->input);
    free(f->time_text);
    free(f->process);
    free(f->level);
    free(f->subsystem);
    free(f->category);
    free(f->sender);
    free(f->message);
    free(f->raw);
    for (size_t i = 0; i < f->ncaps; i++) {
        free(f->caps[i].name);
        free(f->caps[i].value);
    }
    free(f->caps);
    for (size_t i = 0; i < f->ndecoded; i++) {
        free(f->decoded[i].code);
        free(f->decoded[i].name);
        free(f->decoded[i].meaning);
    }
    free(f->decoded);
    dw_strv_free(f->keys, f->nkeys);
    free(f);
}

struct dw_incident *incident_new(void)
{
    struct dw_incident *inc = xcalloc(1, sizeof *inc);
    inc->head = xcalloc(DW_EVIDENCE_HEAD, sizeof *inc->head);
    inc->tail = xcalloc(DW_EVIDENCE_TAIL, sizeof *inc->tail);
    return inc;
}

static bool strv_has(char **v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

static void strv_add_unique(char ***v, size_t *n, const char *s)
{
    if (strv_has(*v, *n, s))
        return;
    *v = xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = xstrdup(s);
}

bool incident_has_key(const struct dw_incident *inc, const char *key)
{
    return strv_has(inc->keys, inc->nkeys, key);
}

void incident_add_keys(struct dw_incident *inc, char *const *keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!incident_has_key(inc, keys[i])) {
            strv_add_unique(&inc->keys, &inc->nkeys, keys[i]);
            inc->dirty = true;
        }
}

void incident_offer_subject(struct dw_incident *inc, const char *subject, int rank)
{
    if (rank <= inc->subject_rank)
        return;
    free(inc->subject);
    inc->subject = xstrdup(subject);
    inc->subject_rank = rank;
    inc->dirty = true;
}

static void remedy_add(struct dw_incident *inc, const char *rule_id, const char *text)
{
    if (!text || !*text)
        return;
    for (size_t i = 0; i < inc->nremedies; i++)
        if (strcmp(inc->remedies[i].rule_id, rule_id) == 0)
            return;
    inc->remedies = xrealloc(inc->remedies, (inc->nremedies + 1) * sizeof *inc->remedies);
    inc->remedies[inc->nremedies].rule_id = xstrdup(rule_id);
    inc->remedies[inc->nremedies].text = xstrdup(text);
    inc->nremedies++;
}

static void set_seen(char **text, struct dw_time *dst, const struct dw_time *t)
{
    char iso[DW_TIME_ISO_MAX];
    *dst = *t;
    free(*text);
    *text = dw_time_format(t, iso) ? xstrdup(iso) : NULL;
}

/* Updates subject, times, lines, severity, classes, remedies, keys and root
 * from f, without touching the evidence lists or the count. */
static void incident_note(struct dw_incident *inc, const struct dw_finding *f)
{
    int rank = 0;
    char *subject = finding_subject(f, &rank);
    if (rank > inc->subject_rank) {
        free(inc->subject);
        inc->subject = subject;
        inc->subject_rank = rank;
    } else {
        free(subject);
    }
    if (!inc->input)
        inc->input = xstrdup(f->input);
    if (f->time.kind != DW_TIME_NONE) {
        if (inc->first_seen.kind == DW_TIME_NONE || f->time.us < inc->first_seen.us)
            set_seen(&inc->first_seen_text, &inc->first_seen, &f->time);
        if (inc->last_seen.kind == DW_TIME_NONE || f->time.us >= inc->last_seen.us)
            set_seen(&inc->last_seen_text, &inc->last_seen, &f->time);
    }
    if (inc->first_line == 0 || f->line < inc->first_line)
        inc->first_line = f->line;
    if (f->line > inc->last_line)
        inc->last_line = f->line;
    if (f->severity > inc->severity)
        inc->severity = f->severity;
    strv_add_unique(&inc->classes, &inc->nclasses, f->class_name);
    remedy_add(inc, f->rule_id, f->remediation);
    for (size_t i = 0; i < f->nkeys; i++)
        strv_add_unique(&inc->keys, &inc->nkeys, f->keys[i]);
    if (!inc->root || f->priority > inc->root->priority) {
        finding_free(inc->root);
        inc->root = finding_dup(f);
    }
    inc->dirty = true;
}

/* Appends f to the evidence: head first, then the tail ring (evicting). */
static void evidence_push(struct dw_incident *inc, struct dw_finding *f)
{
    if (inc->nhead < DW_EVIDENCE_HEAD) {
        inc->head[inc->nhead++] = f;
    } else if (inc->ntail < DW_EVIDENCE_TAIL) {
        inc->tail[(inc->tail_start + inc->ntail++) % DW_EVIDENCE_TAIL] = f;
    } else {
        finding_free(inc->tail[inc->tail_start]);
        inc->tail[inc->tail_start] = f;
        inc->tail_start = (inc->tail_start + 1) % DW_EVIDENCE_TAIL;
    }
}

void incident_add(struct dw_incident *inc, struct dw_finding *f)
{
    incident_note(inc, f);
    inc->count++;
    evidence_push(inc, f);
}

size_t incident_evidence_count(const struct dw_incident *inc)
{
    return inc->nhead + inc->ntail;
}

struct dw_finding *incident_evidence_at(const struct dw_incident *inc, size_t i)
{
    if (i < inc->nhead)
        return inc->head[i];
    i -= inc->nhead;
    if (i >= inc->ntail)
        return NULL;
    return inc->tail[(inc->tail_start + i) % DW_EVIDENCE_TAIL];
}

/* Log order of two findings of one input: by time when both have one of the
 * same kind, else by line. */
static int finding_order(const void *pa, const void *pb)
{
    const struct dw_finding *a = *(struct dw_finding *const *)pa;
    const struct dw_finding *b = *(struct dw_finding *const *)pb;
    if (a->time.kind != DW_TIME_NONE && a->time.kind == b->time.kind && a->time.us != b->time.us)
        return a->time.us < b->time.us ? -1 : 1;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    return 0;
}

void incident_absorb(struct dw_incident *dst, struct dw_incident *src)
{
    size_t na = incident_evidence_count(dst), nb = incident_evidence_count(src);
    struct dw_finding **all = xcalloc(na + nb, sizeof *all);
    for (size_t i = 0; i < na; i++)
        all[i] = incident_evidence_at(dst, i);
    for (size_t i = 0; i < nb; i++)
        all[na + i] = incident_evidence_at(src, i);
    /* summary fields: note src's root and evidence (classes, keys, remedies of
     * evicted findings live on in src's lists, so copy those too) */
    for (size_t i = 0; i < nb; i++)
        incident_note(dst, all[na + i]);
    qsort(all, na + nb, sizeof *all, finding_order);

    for (size_t i = 0; i < src->nclasses; i++)
        strv_add_unique(&dst->classes, &dst->nclasses, src->classes[i]);
    for (size_t i = 0; i < src->nremedies; i++)
        remedy_add(dst, src->remedies[i].rule_id, src->remedies[i].text);
    for (size_t i = 0; i < src->nkeys; i++)
        strv_add_unique(&dst->keys, &dst->nkeys, src->keys[i]);
    if (src->root)
        incident_note(dst, src->root);
    dst->count += src->count;

    dst->nhead = dst->ntail = dst->tail_start = 0;
    size_t n = na + nb;
    for (size_t i = 0; i < n; i++) {
        if (i < DW_EVIDENCE_HEAD || i >= n - DW_EVIDENCE_TAIL ||
            n <= DW_EVIDENCE_HEAD + DW_EVIDENCE_TAIL)
            evidence_push(dst, all[i]);
        else
            finding_free(all[i]);
    }
    free(all);
    src->nhead = src->ntail = src->tail_start = 0;
    src->count = 0;
    dst->dirty = true;
}

void incident_free(struct dw_incident *inc)
{
    if (!inc)
        return;
    for (size_t i = 0; i < incident_evidence_count(inc); i++)
        finding_free(incident_evidence_at(inc, i));
    free(inc->head);
    free(inc->tail);
    finding_free(inc->root);
    free(inc->subject);
    free(inc->input);
    free(inc->first_seen_text);
    free(inc->last_seen_text);
    dw_strv_free(inc->classes, inc->nclasses);
    for (size_t i = 0; i < inc->nremedies; i++) {
        free(inc->remedies[i].rule_id);
        free(inc->remedies[i].text);
    }
    free(inc->remedies);
    dw_strv_free(inc->keys, inc->nkeys);
    free(inc);
}
