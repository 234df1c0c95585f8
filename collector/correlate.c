/* correlate.c - streaming correlation of findings into incidents.
 *
 * Crafted or just large input can hold many failures at once (30,000
 * distinct dexts in one window took 15.8 s and 348 MB when every finding was
 * compared with every open incident), so nothing here grows with the input:
 *   - open incidents are found by correlation key (by_key, a hash multimap)
 *     and the latest keyed finding of a process by process (by_process);
 *   - they expire in the order their windows end, from a binary heap (the
 *     next to close is on top, so an event that closes nothing costs one
 *     comparison);
 *   - at most max_open stay open: a new one closes the one whose window ends
 *     first (counted: correlator_closed_early), and at most DW_MAX_PENDING
 *     keyless findings wait for a neighbour.
 * An incident whose window has passed is closed at the latest when a lookup
 * finds it (input mixing timed and untimed lines can leave one below the
 * heap's top), so a finding never joins an incident outside its window. */
#include "correlate.h"

#include <stdlib.h>
#include <string.h>

#include "correlate_private.h"
#include "strmap.h"
#include "util.h"

#define DW_MAX_PENDING 256 /* keyless findings waiting for a keyed neighbour */
#define DW_MAX_MARKS 64    /* processes remembered per incident */

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
    size_t heap_at;  /* index in c->heap */
    size_t nindexed; /* inc->keys[0..nindexed) are in c->by_key */
    uint64_t order;  /* when it was opened: the oldest absorbs the others */
};

/* by_process's value: the latest keyed finding of a process in an open
 * incident, where a keyless finding of that process joins. */
struct latest {
    struct slot *slot;
    struct dw_time time;
    long line;
};

struct dw_correlator {
    struct dw_correlate_opts opts;
    dw_incident_fn fn;
    void *ctx;
    struct slot **heap; /* open incidents, min-heap by closes_before */
    size_t nopen, capopen;
    struct dw_strmap by_key;     /* correlation key -> struct slot * (one per slot) */
    struct dw_strmap by_process; /* process -> struct latest * (owned) */
    struct dw_finding **pending; /* keyless findings waiting, in arrival order */
    size_t npending, cappending;
    struct link_ring links;
    long opened;
    uint64_t orders, closed_early;
};

struct dw_correlator *correlator_new(const struct dw_correlate_opts *opts, dw_incident_fn fn,
                                     void *ctx)
{
    struct dw_correlator *c = xcalloc(1, sizeof *c);
    struct dw_correlate_opts def = DW_CORRELATE_DEFAULTS;
    c->opts = opts ? *opts : def;
    if (c->opts.max_open <= 0)
        c->opts.max_open = DW_CORRELATE_MAX_OPEN;
    c->fn = fn;
    c->ctx = ctx;
    return c;
}

uint64_t correlator_closed_early(const struct dw_correlator *c)
{
    return c->closed_early;
}

static bool within(const struct dw_correlator *c, const struct dw_time *last, long last_line,
                   const struct dw_time *t, long line)
{
    return corr_within(&c->opts, last, last_line, t, line);
}

static bool slot_within(const struct dw_correlator *c, const struct slot *s,
                        const struct dw_time *t, long line)
{
    return within(c, &s->inc->last_seen, s->inc->last_line, t, line);
}

/* Whether a's window ends before b's: by last time when both have one of the
 * same kind, else by last line, then by opening order. */
static bool closes_before(const struct slot *x, const struct slot *y)
{
    const struct dw_incident *a = x->inc, *b = y->inc;
    if (a->last_seen.kind != DW_TIME_NONE && a->last_seen.kind == b->last_seen.kind &&
        a->last_seen.us != b->last_seen.us)
        return a->last_seen.us < b->last_seen.us;
    if (a->last_line != b->last_line)
        return a->last_line < b->last_line;
    return x->order < y->order;
}

/* ---- the expiry heap ---- */

static void heap_set(struct dw_correlator *c, size_t i, struct slot *s)
{
    c->heap[i] = s;
    s->heap_at = i;
}

static void heap_up(struct dw_correlator *c, size_t i)
{
    struct slot *s = c->heap[i];
    while (i > 0 && closes_before(s, c->heap[(i - 1) / 2])) {
        heap_set(c, i, c->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    heap_set(c, i, s);
}

static void heap_down(struct dw_correlator *c, size_t i)
{
    struct slot *s = c->heap[i];
    for (;;) {
        size_t k = 2 * i + 1;
        if (k >= c->nopen)
            break;
        if (k + 1 < c->nopen && closes_before(c->heap[k + 1], c->heap[k]))
            k++;
        if (!closes_before(c->heap[k], s))
            break;
        heap_set(c, i, c->heap[k]);
        i = k;
    }
    heap_set(c, i, s);
}

static void heap_remove(struct dw_correlator *c, struct slot *s)
{
    size_t i = s->heap_at;
    struct slot *last = c->heap[--c->nopen];
    if (i == c->nopen)
        return;
    heap_set(c, i, last);
    heap_up(c, i);
    heap_down(c, last->heap_at);
}

/* ---- the indexes ---- */

/* After any change to s->inc: its new keys into by_key, its heap place. */
static void slot_changed(struct dw_correlator *c, struct slot *s)
{
    for (; s->nindexed < s->inc->nkeys; s->nindexed++)
        strmap_add(&c->by_key, s->inc->keys[s->nindexed], s);
    heap_up(c, s->heap_at);
    heap_down(c, s->heap_at);
}

/* Points by_process entries of s's marks at into (NULL: removes them). */
static void marks_retarget(struct dw_correlator *c, struct slot *s, struct slot *into)
{
    for (size_t i = 0; i < s->nmarks; i++) {
        struct latest *l = strmap_get(&c->by_process, s->marks[i].process);
        if (!l || l->slot != s)
            continue;
        if (into) {
            l->slot = into;
        } else {
            strmap_remove(&c->by_process, s->marks[i].process, l);
            free(l);
        }
    }
}

static void slot_free_marks(struct slot *s)
{
    for (size_t i = 0; i < s->nmarks; i++)
        free(s->marks[i].process);
    free(s->marks);
    s->marks = NULL;
    s->nmarks = 0;
}

/* Takes s out of every index and frees it (not its incident). */
static void slot_release(struct dw_correlator *c, struct slot *s)
{
    heap_remove(c, s);
    for (size_t k = 0; k < s->nindexed; k++)
        strmap_remove(&c->by_key, s->inc->keys[k], s);
    marks_retarget(c, s, NULL);
    slot_free_marks(s);
    free(s);
}

/* Remembers f as the latest keyed finding of its process in s. */
static void slot_mark(struct dw_correlator *c, struct slot *s, const struct dw_finding *f)
{
    if (!f->process)
        return;
    size_t i = 0;
    while (i < s->nmarks && strcmp(s->marks[i].process, f->process) != 0)
        i++;
    if (i == s->nmarks && s->nmarks == DW_MAX_MARKS) {
        /* a hostile incident naming ever new processes: forget its oldest */
        i = 0;
        for (size_t k = 1; k < s->nmarks; k++)
            if (s->marks[k].line < s->marks[i].line)
                i = k;
        struct latest *l = strmap_get(&c->by_process, s->marks[i].process);
        if (l && l->slot == s) {
            strmap_remove(&c->by_process, s->marks[i].process, l);
            free(l);
        }
        free(s->marks[i].process);
        s->marks[i].process = xstrdup(f->process);
    } else if (i == s->nmarks) {
        s->marks = xrealloc(s->marks, (s->nmarks + 1) * sizeof *s->marks);
        s->marks[s->nmarks++].process = xstrdup(f->process);
    }
    s->marks[i].time = f->time;
    s->marks[i].line = f->line;
    struct latest *l = strmap_get(&c->by_process, f->process);
    if (!l) {
        l = xcalloc(1, sizeof *l);
        strmap_add(&c->by_process, f->process, l);
    }
    *l = (struct latest){s, f->time, f->line};
}

/* ---- opening and closing ---- */

/* Closes the open incident of s (callback, then free). */
static void close_slot(struct dw_correlator *c, struct slot *s)
{
    struct dw_incident *inc = s->inc;
    slot_release(c, s);
    c->fn(DW_CLOSED, inc, NULL, c->ctx);
    incident_free(inc);
}

/* Adds an open slot holding inc (no marks yet).  At max_open, the incident
 * whose window ends first is closed to make room. */
static struct slot *push_slot(struct dw_correlator *c, struct dw_incident *inc)
{
    if (c->nopen >= (size_t)c->opts.max_open) {
        close_slot(c, c->heap[0]);
        c->closed_early++;
    }
    xgrow((void **)&c->heap, &c->capopen, c->nopen + 1, sizeof *c->heap);
    struct slot *s = xcalloc(1, sizeof *s);
    s->inc = inc;
    s->order = ++c->orders;
    heap_set(c, c->nopen++, s);
    slot_changed(c, s);
    return s;
}

static struct slot *open_slot(struct dw_correlator *c)
{
    struct slot *s = push_slot(c, incident_new());
    s->inc->seq = ++c->opened;
    return s;
}

static void place_alone(struct dw_correlator *c, struct dw_finding *f);

static void pending_remove(struct dw_correlator *c, size_t i)
{
    memmove(&c->pending[i], &c->pending[i + 1], (c->npending - i - 1) * sizeof *c->pending);
    c->npending--;
}

/* Places pending findings and closes incidents whose window the point
 * (t, line) has passed, earliest window end first: the order in which a
 * reader that saw every event would have closed them, so skipping events
 * (the prefilter) does not reorder the output. */
static void expire(struct dw_correlator *c, const struct dw_time *t, long line)
{
    /* pending findings are in arrival order: the oldest is in front */
    while (c->npending && !within(c, &c->pending[0]->time, c->pending[0]->line, t, line)) {
        struct dw_finding *f = c->pending[0];
        pending_remove(c, 0);
        place_alone(c, f);
    }
    while (c->nopen && !slot_within(c, c->heap[0], t, line))
        close_slot(c, c->heap[0]);
    links_expire(&c->links, &c->opts, t, line);
}

/* A keyless finding that found no keyed neighbour: it joins the open
 * stand-alone incident of its process, or opens one. */
static void place_alone(struct dw_correlator *c, struct dw_finding *f)
{
    struct dw_buf key = {0};
    buf_printf(&key, "process:%s", f->process ? f->process : "?");
    struct slot *s = NULL;
    for (struct dw_strmap_entry *e = strmap_first(&c->by_key, key.data); e; e = strmap_next(e)) {
        struct slot *o = e->value;
        if (slot_within(c, o, &f->time, f->line) && (!s || o->order < s->order))
            s = o;
    }
    bool fresh = !s;
    if (fresh)
        s = open_slot(c);
    f->keys = xrealloc(f->keys, (f->nkeys + 1) * sizeof *f->keys);
    f->keys[f->nkeys++] = buf_steal(&key);
    incident_add(s->inc, f);
    slot_changed(c, s);
    c->fn(fresh ? DW_OPENED : DW_GREW, s->inc, NULL, c->ctx);
}

/* Moves the marks of src into dst (keeping the later of two). */
static void slot_absorb_marks(struct dw_correlator *c, struct slot *dst, struct slot *src)
{
    marks_retarget(c, src, dst);
    for (size_t i = 0; i < src->nmarks; i++) {
        size_t j = 0;
        while (j < dst->nmarks && strcmp(dst->marks[j].process, src->marks[i].process) != 0)
            j++;
        if (j == dst->nmarks && dst->nmarks < DW_MAX_MARKS) {
            dst->marks = xrealloc(dst->marks, (dst->nmarks + 1) * sizeof *dst->marks);
            dst->marks[dst->nmarks++] = src->marks[i];
            src->marks[i].process = NULL;
        } else if (j < dst->nmarks && src->marks[i].line > dst->marks[j].line) {
            dst->marks[j].time = src->marks[i].time;
            dst->marks[j].line = src->marks[i].line;
        } else if (j == dst->nmarks) {
            /* dst is full and has no mark of this process: its latest entry
             * (just pointed at dst) must not outlive dst */
            struct latest *l = strmap_get(&c->by_process, src->marks[i].process);
            if (l && l->slot == dst) {
                strmap_remove(&c->by_process, src->marks[i].process, l);
                free(l);
            }
        }
    }
    slot_free_marks(src);
}

static int by_order(const void *a, const void *b)
{
    const struct slot *x = *(struct slot *const *)a, *y = *(struct slot *const *)b;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Every open incident sharing a key with f joins: the oldest absorbs the
 * others (MERGED for each).  One whose window f's point has passed is closed
 * instead.  Returns the target, or NULL when none. */
static struct slot *join_sharing(struct dw_correlator *c, const struct dw_finding *f)
{
    struct slot **found = NULL;
    size_t n = 0, cap = 0;
    for (size_t k = 0; k < f->nkeys; k++)
        for (struct dw_strmap_entry *e = strmap_first(&c->by_key, f->keys[k]); e;
             e = strmap_next(e)) {
            size_t i = 0;
            while (i < n && found[i] != e->value)
                i++;
            if (i == n) {
                xgrow((void **)&found, &cap, n + 1, sizeof *found);
                found[n++] = e->value;
            }
        }
    if (n > 1)
        qsort(found, n, sizeof *found, by_order);
    struct slot *target = NULL;
    for (size_t i = 0; i < n; i++) {
        struct slot *s = found[i];
        if (!slot_within(c, s, &f->time, f->line)) {
            close_slot(c, s);
        } else if (!target) {
            target = s;
        } else {
            incident_absorb(target->inc, s->inc);
            slot_absorb_marks(c, target, s);
            c->fn(DW_MERGED, s->inc, target->inc, c->ctx);
            struct dw_incident *gone = s->inc;
            slot_release(c, s);
            incident_free(gone);
        }
    }
    free(found);
    if (target)
        slot_changed(c, target);
    return target;
}

static void place_keyed(struct dw_correlator *c, struct dw_finding *f)
{
    const struct link *via = links_extend_keys(&c->links, f);
    struct slot *s = join_sharing(c, f);
    bool fresh = !s;
    if (fresh)
        s = open_slot(c);

    /* pending keyless findings of the same process come first: they are older */
    size_t i = 0;
    while (i < c->npending) {
        struct dw_finding *p = c->pending[i];
        if (p->process && f->process && strcmp(p->process, f->process) == 0) {
            pending_remove(c, i);
            incident_add(s->inc, p);
        } else {
            i++;
        }
    }
    slot_mark(c, s, f);
    incident_add(s->inc, f);
    if (via && via->subject)
        incident_offer_subject(s->inc, via->subject, via->rank);
    slot_changed(c, s);
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
    struct slot *s = join_sharing(c, f);
    if (s) {
        struct dw_incident *inc = s->inc;
        size_t nkeys = inc->nkeys;
        int had_rank = inc->subject_rank;
        incident_add_keys(inc, f->keys, f->nkeys);
        if (subject)
            incident_offer_subject(inc, subject, rank);
        slot_changed(c, s);
        if (inc->nkeys != nkeys || inc->subject_rank != had_rank)
            c->fn(DW_GREW, inc, NULL, c->ctx);
    }
    links_remember(&c->links, f, subject, rank);
}

/* A keyless finding joins the incident holding the nearest earlier keyed
 * finding of its process, or waits for a later one.  One whose process is
 * unknown stands alone: joining whatever is near merged unrelated failures
 * (a kext refusal pasted above a dext failure). */
static void place_keyless(struct dw_correlator *c, struct dw_finding *f)
{
    struct latest *l = f->process ? strmap_get(&c->by_process, f->process) : NULL;
    if (l && within(c, &l->time, l->line, &f->time, f->line) &&
        slot_within(c, l->slot, &f->time, f->line)) {
        incident_add(l->slot->inc, f);
        slot_changed(c, l->slot);
        c->fn(DW_GREW, l->slot->inc, NULL, c->ctx);
        return;
    }
    if (c->npending == DW_MAX_PENDING) { /* the oldest waited long enough */
        struct dw_finding *oldest = c->pending[0];
        pending_remove(c, 0);
        place_alone(c, oldest);
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
            slot_mark(c, s, f); /* in log order: the last of a process stays */
    }
}

const struct dw_finding *correlator_oldest_waiting(const struct dw_correlator *c)
{
    const struct dw_finding *oldest = NULL;
    for (size_t i = 0; i < c->npending; i++) {
        const struct dw_finding *f = c->pending[i];
        if (!oldest || (f->time.kind == DW_TIME_DATE &&
                        (oldest->time.kind != DW_TIME_DATE || f->time.us < oldest->time.us)))
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
        pending_remove(c, 0);
        place_alone(c, f);
    }
    /* at the end of an input, in the order they were opened */
    if (c->nopen) {
        struct slot **v = xmalloc(c->nopen * sizeof *v);
        size_t n = c->nopen;
        memcpy(v, c->heap, n * sizeof *v);
        qsort(v, n, sizeof *v, by_order);
        for (size_t i = 0; i < n; i++)
            close_slot(c, v[i]);
        free(v);
    }
    links_clear(&c->links);
}

void correlator_free(struct dw_correlator *c)
{
    if (!c)
        return;
    correlator_finish(c);
    strmap_clear(&c->by_key);
    strmap_clear(&c->by_process);
    free(c->heap);
    free(c->pending);
    free(c);
}
