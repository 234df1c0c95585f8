/* correlate.c - streaming correlation of findings into incidents.
 *
 * Open incidents are few (a failure is a handful of lines), so they live in a
 * small array and every lookup is a linear scan: simpler and faster than any
 * index at this size.  Expiry runs before each finding is placed, so every
 * incident still open is within the window of the event being placed. */
#include "correlate.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Where and when an incident last saw a keyed finding of one process. */
struct proc_mark {
    char *process;
    struct dw_time time;
    long line;
};

struct slot {
    struct dw_incident *inc;
    struct proc_mark *marks;
    size_t nmarks;
};

#define DW_MAX_LINKS 256

/* A harmless line that named a tag and a bundle id at once (a link rule):
 * for the window after it, a finding with that tag also carries the bundle. */
struct link {
    char **keys; /* NULL: an empty (dropped) slot */
    size_t nkeys;
    uint64_t tag_bits; /* one bit per tag key (tag_bit), tested before any string */
    char *subject; /* the bundle id as spelled, when the line named one */
    int rank;
    struct dw_time time;
    long line;
};

struct dw_correlator {
    struct dw_correlate_opts opts;
    dw_incident_fn fn;
    void *ctx;
    struct slot *open;
    size_t nopen, capopen;
    struct dw_finding **pending; /* keyless findings waiting for a keyed neighbour */
    size_t npending, cappending;
    struct link *links; /* ring of DW_MAX_LINKS, oldest at links_head */
    size_t links_head, nlinks;
    /* how many tag keys of live links fall in each of 4096 slots (by hash):
     * a tag whose slot is empty has no link, whatever the ring holds */
    uint16_t tag_slots[4096];
    long opened;
};

struct dw_correlator *correlator_new(const struct dw_correlate_opts *opts, dw_incident_fn fn,
                                     void *ctx)
{
    struct dw_correlator *c = xcalloc(1, sizeof *c);
    struct dw_correlate_opts def = DW_CORRELATE_DEFAULTS;
    c->opts = opts ? *opts : def;
    c->fn = fn;
    c->ctx = ctx;
    return c;
}

/* True when a point at (t, line) lies within the window after (last, last_line):
 * by time when both have a time of the same kind, else by line. */
static bool within(const struct dw_correlator *c, const struct dw_time *last, long last_line,
                   const struct dw_time *t, long line)
{
    if (t->kind != DW_TIME_NONE && t->kind == last->kind)
        return t->us - last->us <= c->opts.window_us;
    return line - last_line <= c->opts.window_lines;
}

static bool slot_within(const struct dw_correlator *c, const struct slot *s,
                        const struct dw_time *t, long line)
{
    return within(c, &s->inc->last_seen, s->inc->last_line, t, line);
}

static void slot_free_marks(struct slot *s)
{
    for (size_t i = 0; i < s->nmarks; i++)
        free(s->marks[i].process);
    free(s->marks);
    s->marks = NULL;
    s->nmarks = 0;
}

static void slot_mark(struct slot *s, const struct dw_finding *f)
{
    if (!f->process)
        return;
    size_t i = 0;
    while (i < s->nmarks && strcmp(s->marks[i].process, f->process) != 0)
        i++;
    if (i == s->nmarks) {
        s->marks = xrealloc(s->marks, (s->nmarks + 1) * sizeof *s->marks);
        s->marks[s->nmarks++].process = xstrdup(f->process);
    }
    s->marks[i].time = f->time;
    s->marks[i].line = f->line;
}

/* Closes the open incident at index i (callback, then free). */
static void close_slot(struct dw_correlator *c, size_t i)
{
    struct slot s = c->open[i];
    memmove(&c->open[i], &c->open[i + 1], (c->nopen - i - 1) * sizeof *c->open);
    c->nopen--;
    c->fn(DW_CLOSED, s.inc, NULL, c->ctx);
    slot_free_marks(&s);
    incident_free(s.inc);
}

/* Appends an open slot holding inc (no marks yet). */
static struct slot *push_slot(struct dw_correlator *c, struct dw_incident *inc)
{
    xgrow((void **)&c->open, &c->capopen, c->nopen + 1, sizeof *c->open);
    struct slot *s = &c->open[c->nopen++];
    memset(s, 0, sizeof *s);
    s->inc = inc;
    return s;
}

static struct slot *open_slot(struct dw_correlator *c)
{
    struct slot *s = push_slot(c, incident_new());
    s->inc->seq = ++c->opened;
    return s;
}

static void place_alone(struct dw_correlator *c, struct dw_finding *f);

static bool has_key(char *const *keys, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i], key) == 0)
            return true;
    return false;
}

static bool is_tag(const char *key)
{
    return strncmp(key, "tag:", 4) == 0;
}

static uint64_t key_hash(const char *key)
{
    return dw_hash64(DW_HASH_INIT, key, strlen(key));
}

static uint64_t tag_bit(uint64_t hash)
{
    return UINT64_C(1) << (hash >> 58);
}

/* Counts l's tag keys in (up) or out of the ring's tag slots. */
static void link_count_tags(struct dw_correlator *c, const struct link *l, bool up)
{
    for (size_t k = 0; k < l->nkeys; k++)
        if (is_tag(l->keys[k])) {
            uint16_t *slot = &c->tag_slots[key_hash(l->keys[k]) & 4095];
            *slot = (uint16_t)(up ? *slot + 1 : *slot - 1);
        }
}

static void link_free(struct dw_correlator *c, struct link *l)
{
    link_count_tags(c, l, false);
    dw_strv_free(l->keys, l->nkeys);
    free(l->subject);
    memset(l, 0, sizeof *l);
}

static struct link *link_at(const struct dw_correlator *c, size_t i)
{
    return &c->links[(c->links_head + i) % DW_MAX_LINKS];
}

static void link_drop_oldest(struct dw_correlator *c)
{
    link_free(c, link_at(c, 0));
    c->links_head = (c->links_head + 1) % DW_MAX_LINKS;
    c->nlinks--;
}

/* The latest remembered link naming one of these tags, or NULL.  Only a tag
 * leads to a link: a tag names one launch, while a bundle id is shared by
 * every launch of the dext, and following it would tie all their tags.
 * Slot counts and hash bits are tested first: this runs for every link line. */
static struct link *link_for_tags(const struct dw_correlator *c, char *const *keys, size_t nkeys)
{
    for (size_t k = 0; k < nkeys; k++) {
        if (!is_tag(keys[k]))
            continue;
        uint64_t h = key_hash(keys[k]);
        if (c->tag_slots[h & 4095] == 0)
            continue; /* no live link has this tag */
        for (size_t i = c->nlinks; i-- > 0;) {
            struct link *l = link_at(c, i);
            if (l->keys && (l->tag_bits & tag_bit(h)) && has_key(l->keys, l->nkeys, keys[k]))
                return l;
        }
    }
    return NULL;
}

/* Gives f the keys of the latest link naming one of its tags; returns that
 * link (its subject names the bundle) or NULL. */
static const struct link *extend_keys(struct dw_correlator *c, struct dw_finding *f)
{
    const struct link *l = link_for_tags(c, f->keys, f->nkeys);
    for (size_t k = 0; l && k < l->nkeys; k++) {
        if (has_key(f->keys, f->nkeys, l->keys[k]))
            continue;
        f->keys = xrealloc(f->keys, (f->nkeys + 1) * sizeof *f->keys);
        f->keys[f->nkeys++] = xstrdup(l->keys[k]);
    }
    return l;
}

/* Closes incidents and places pending findings whose window the point
 * (t, line) has passed. */
/* Whether a's window ends before b's: by last time when both have one of the
 * same kind, else by last line, then by opening order. */
static bool closes_before(const struct dw_incident *a, const struct dw_incident *b)
{
    if (a->last_seen.kind != DW_TIME_NONE && a->last_seen.kind == b->last_seen.kind &&
        a->last_seen.us != b->last_seen.us)
        return a->last_seen.us < b->last_seen.us;
    if (a->last_line != b->last_line)
        return a->last_line < b->last_line;
    return a->seq < b->seq;
}

static void expire(struct dw_correlator *c, const struct dw_time *t, long line)
{
    size_t i = 0;
    while (i < c->npending) {
        struct dw_finding *f = c->pending[i];
        if (within(c, &f->time, f->line, t, line)) {
            i++;
            continue;
        }
        memmove(&c->pending[i], &c->pending[i + 1], (c->npending - i - 1) * sizeof *c->pending);
        c->npending--;
        place_alone(c, f);
    }
    /* Close what this point has passed, earliest last finding first: the
     * order in which a reader that saw every event would have closed them,
     * so skipping events (the prefilter) does not reorder the output. */
    for (;;) {
        size_t pick = c->nopen;
        for (i = 0; i < c->nopen; i++) {
            if (slot_within(c, &c->open[i], t, line))
                continue;
            if (pick == c->nopen || closes_before(c->open[i].inc, c->open[pick].inc))
                pick = i;
        }
        if (pick == c->nopen)
            break;
        close_slot(c, pick);
    }
    /* links are kept in arrival order: drop from the front while stale, so
     * this costs nothing per event once the oldest is still fresh */
    while (c->nlinks && (!link_at(c, 0)->keys ||
                         !within(c, &link_at(c, 0)->time, link_at(c, 0)->line, t, line)))
        link_drop_oldest(c);
}

/* A keyless finding that found no keyed neighbour: it joins the open
 * stand-alone incident of its process, or opens one. */
static void place_alone(struct dw_correlator *c, struct dw_finding *f)
{
    struct dw_buf key = {0};
    buf_printf(&key, "process:%s", f->process ? f->process : "?");
    struct slot *s = NULL;
    for (size_t i = 0; i < c->nopen && !s; i++)
        if (incident_has_key(c->open[i].inc, key.data) &&
            slot_within(c, &c->open[i], &f->time, f->line))
            s = &c->open[i];
    bool fresh = !s;
    if (fresh)
        s = open_slot(c);
    f->keys = xrealloc(f->keys, (f->nkeys + 1) * sizeof *f->keys);
    f->keys[f->nkeys++] = buf_steal(&key);
    incident_add(s->inc, f);
    c->fn(fresh ? DW_OPENED : DW_GREW, s->inc, NULL, c->ctx);
}

static bool shares_key(const struct dw_incident *inc, const struct dw_finding *f)
{
    for (size_t k = 0; k < f->nkeys; k++)
        if (incident_has_key(inc, f->keys[k]))
            return true;
    return false;
}

/* Moves the marks of src into dst (keeping the later of two). */
static void slot_absorb_marks(struct slot *dst, struct slot *src)
{
    for (size_t i = 0; i < src->nmarks; i++) {
        size_t j = 0;
        while (j < dst->nmarks && strcmp(dst->marks[j].process, src->marks[i].process) != 0)
            j++;
        if (j == dst->nmarks) {
            dst->marks = xrealloc(dst->marks, (dst->nmarks + 1) * sizeof *dst->marks);
            dst->marks[dst->nmarks++] = src->marks[i];
            src->marks[i].process = NULL;
        } else if (src->marks[i].line > dst->marks[j].line) {
            dst->marks[j].time = src->marks[i].time;
            dst->marks[j].line = src->marks[i].line;
        }
    }
    slot_free_marks(src);
}

/* Every open incident sharing a key with f joins: the oldest absorbs the
 * others (MERGED for each).  Returns its index, or c->nopen when none. */
static size_t join_sharing(struct dw_correlator *c, const struct dw_finding *f)
{
    size_t target = c->nopen;
    for (size_t i = 0; i < c->nopen; i++) {
        if (!shares_key(c->open[i].inc, f))
            continue;
        if (target == c->nopen) {
            target = i;
            continue;
        }
        struct slot *dst = &c->open[target], *src = &c->open[i];
        incident_absorb(dst->inc, src->inc);
        slot_absorb_marks(dst, src);
        c->fn(DW_MERGED, src->inc, dst->inc, c->ctx);
        incident_free(src->inc);
        memmove(&c->open[i], &c->open[i + 1], (c->nopen - i - 1) * sizeof *c->open);
        c->nopen--;
        i--;
    }
    return target;
}

static void place_keyed(struct dw_correlator *c, struct dw_finding *f)
{
    const struct link *via = extend_keys(c, f);
    size_t target = join_sharing(c, f);
    bool fresh = target == c->nopen;
    struct slot *s = fresh ? open_slot(c) : &c->open[target];

    /* pending keyless findings of the same process come first: they are older */
    size_t i = 0;
    while (i < c->npending) {
        struct dw_finding *p = c->pending[i];
        if (p->process && f->process && strcmp(p->process, f->process) == 0) {
            memmove(&c->pending[i], &c->pending[i + 1],
                    (c->npending - i - 1) * sizeof *c->pending);
            c->npending--;
            incident_add(s->inc, p);
        } else {
            i++;
        }
    }
    slot_mark(s, f);
    incident_add(s->inc, f);
    if (via && via->subject)
        incident_offer_subject(s->inc, via->subject, via->rank);
    c->fn(fresh ? DW_OPENED : DW_GREW, s->inc, NULL, c->ctx);
}

void correlator_link(struct dw_correlator *c, struct dw_finding *f)
{
    expire(c, &f->time, f->line);
    int rank = 0;
    char *subject = finding_subject(f, &rank);
    if (rank < 3) { /* only a bundle id is worth naming an incident after */
        free(subject);
        subject = NULL;
    }
    if (f->nkeys < 2) { /* links nothing */
        free(subject);
        finding_free(f);
        return;
    }
    size_t target = join_sharing(c, f);
    if (target < c->nopen) {
        struct dw_incident *inc = c->open[target].inc;
        size_t nkeys = inc->nkeys;
        int had_rank = inc->subject_rank;
        incident_add_keys(inc, f->keys, f->nkeys);
        if (subject)
            incident_offer_subject(inc, subject, rank);
        if (inc->nkeys != nkeys || inc->subject_rank != had_rank)
            c->fn(DW_GREW, inc, NULL, c->ctx);
    }
    /* remember it for the findings to come: a repeat only moves its time, and
     * the list is bounded so that hostile input cannot grow it */
    struct link *known = link_for_tags(c, f->keys, f->nkeys);
    if (known && known == link_at(c, c->nlinks - 1) && known->nkeys == f->nkeys) {
        known->time = f->time; /* the newest again: refresh in place */
        known->line = f->line;
        free(subject);
        finding_free(f);
        return;
    }
    if (known) /* refreshed: it moves to the back, its old slot empties */
        link_free(c, known);
    if (c->nlinks == DW_MAX_LINKS)
        link_drop_oldest(c);
    if (!c->links)
        c->links = xcalloc(DW_MAX_LINKS, sizeof *c->links);
    uint64_t bits = 0;
    for (size_t k = 0; k < f->nkeys; k++)
        if (is_tag(f->keys[k]))
            bits |= tag_bit(key_hash(f->keys[k]));
    struct link *l = link_at(c, c->nlinks++);
    *l = (struct link){f->keys, f->nkeys, bits, subject, rank, f->time, f->line};
    link_count_tags(c, l, true);
    f->keys = NULL;
    f->nkeys = 0;
    finding_free(f);
}

/* A keyless finding joins the incident holding the nearest earlier keyed
 * finding of its process, or waits for a later one.  One whose process is
 * unknown stands alone: joining whatever is near merged unrelated failures
 * (a kext refusal pasted above a dext failure). */
static void place_keyless(struct dw_correlator *c, struct dw_finding *f)
{
    struct slot *best = NULL;
    long best_line = 0;
    for (size_t i = 0; i < c->nopen; i++) {
        struct slot *s = &c->open[i];
        for (size_t m = 0; m < s->nmarks; m++) {
            if (!f->process || strcmp(s->marks[m].process, f->process) != 0)
                continue;
            if (!within(c, &s->marks[m].time, s->marks[m].line, &f->time, f->line))
                continue;
            if (!best || s->marks[m].line > best_line) {
                best = s;
                best_line = s->marks[m].line;
            }
        }
    }
    if (best) {
        incident_add(best->inc, f);
        c->fn(DW_GREW, best->inc, NULL, c->ctx);
        return;
    }
    xgrow((void **)&c->pending, &c->cappending, c->npending + 1, sizeof *c->pending);
    c->pending[c->npending++] = f;
}

void correlator_reopen(struct dw_correlator *c, struct dw_incident *inc)
{
    struct slot *s = push_slot(c, inc); /* seq 0: not opened by this run */
    for (size_t i = 0; i < incident_evidence_count(inc); i++) {
        const struct dw_finding *f = incident_evidence_at(inc, i);
        if (f->nkeys)
            slot_mark(s, f); /* in log order: the last of a process stays */
    }
}

const struct dw_finding *correlator_oldest_waiting(const struct dw_correlator *c)
{
    const struct dw_finding *oldest = NULL;
    for (size_t i = 0; i < c->npending; i++) {
        const struct dw_finding *f = c->pending[i];
        if (!oldest || (f->time.kind == DW_TIME_DATE && (oldest->time.kind != DW_TIME_DATE ||
                                                         f->time.us < oldest->time.us)))
            oldest = f;
    }
    return oldest;
}

void correlator_add(struct dw_correlator *c, struct dw_finding *f)
{
    expire(c, &f->time, f->line);
    if (f->nkeys)
        place_keyed(c, f);
    else
        place_keyless(c, f);
}

void correlator_tick(struct dw_correlator *c, const struct dw_event *ev)
{
    expire(c, &ev->time, ev->line);
}

void correlator_finish(struct dw_correlator *c)
{
    while (c->npending) {
        struct dw_finding *f = c->pending[0];
        memmove(&c->pending[0], &c->pending[1], (c->npending - 1) * sizeof *c->pending);
        c->npending--;
        place_alone(c, f);
    }
    while (c->nopen)
        close_slot(c, 0);
    while (c->nlinks)
        link_drop_oldest(c);
}

void correlator_free(struct dw_correlator *c)
{
    if (!c)
        return;
    correlator_finish(c);
    free(c->open);
    free(c->pending);
    free(c->links);
    free(c);
}
