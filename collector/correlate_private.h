/* correlate_private.h - what correlate.c (open incidents) and
 * correlate_links.c (the link lines remembered for a window) share. */
#ifndef DW_CORRELATE_PRIVATE_H
#define DW_CORRELATE_PRIVATE_H

#include <stdbool.h>

#include "correlate.h"

#define DW_MAX_LINKS 256

/* A harmless line that named a tag and a bundle id at once (a link rule):
 * for the window after it, a finding with that tag also carries the bundle. */
struct link {
    char **keys; /* NULL: an empty (dropped) slot */
    size_t nkeys;
    uint64_t tag_bits; /* one bit per tag key (tag_bit), tested before any string */
    char *subject;     /* the bundle id as spelled, when the line named one */
    int rank;
    struct dw_time time;
    long line;
};

/* The links of the last window: a ring of DW_MAX_LINKS, oldest at head. */
struct link_ring {
    struct link *links;
    size_t head, n;
    /* how many tag keys of live links fall in each of 4096 slots (by hash):
     * a tag whose slot is empty has no link, whatever the ring holds */
    uint16_t tag_slots[4096];
};

/* True when a point at (t, line) lies within the window after (last,
 * last_line): by time when both have a time of the same kind, else by line. */
static inline bool corr_within(const struct dw_correlate_opts *o, const struct dw_time *last,
                               long last_line, const struct dw_time *t, long line)
{
    if (t->kind != DW_TIME_NONE && t->kind == last->kind)
        return t->us - last->us <= o->window_us;
    return line - last_line <= o->window_lines;
}

/* Gives f the keys of the latest link naming one of its tags; returns that
 * link (its subject names the bundle) or NULL. */
const struct link *links_extend_keys(struct link_ring *r, struct dw_finding *f);
/* Remembers the link line f (its keys taken, f freed) with the bundle id
 * subject (taken; NULL when it named none) for the window after it. */
void links_remember(struct link_ring *r, struct dw_finding *f, char *subject, int rank);
/* Forgets the links the point (t, line) has passed. */
void links_expire(struct link_ring *r, const struct dw_correlate_opts *o, const struct dw_time *t,
                  long line);
void links_clear(struct link_ring *r);

#endif
