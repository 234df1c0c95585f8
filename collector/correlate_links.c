/* correlate_links.c - link lines remembered for a window (see
 * correlator_link in correlate.h): a bounded ring, found by tag. */
#include <stdlib.h>
#include <string.h>

#include "correlate_private.h"
#include "util.h"

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
static void link_count_tags(struct link_ring *r, const struct link *l, bool up)
{
    for (size_t k = 0; k < l->nkeys; k++)
        if (is_tag(l->keys[k])) {
            uint16_t *slot = &r->tag_slots[key_hash(l->keys[k]) & 4095];
            *slot = (uint16_t)(up ? *slot + 1 : *slot - 1);
        }
}

static void link_free(struct link_ring *r, struct link *l)
{
    link_count_tags(r, l, false);
    dw_strv_free(l->keys, l->nkeys);
    free(l->subject);
    memset(l, 0, sizeof *l);
}

static struct link *link_at(const struct link_ring *r, size_t i)
{
    return &r->links[(r->head + i) % DW_MAX_LINKS];
}

static void link_drop_oldest(struct link_ring *r)
{
    link_free(r, link_at(r, 0));
    r->head = (r->head + 1) % DW_MAX_LINKS;
    r->n--;
}

/* The latest remembered link naming one of these tags, or NULL.  Only a tag
 * leads to a link: a tag names one launch, while a bundle id is shared by
 * every launch of the dext, and following it would tie all their tags.
 * Slot counts and hash bits are tested first: this runs for every link line. */
static struct link *link_for_tags(const struct link_ring *r, char *const *keys, size_t nkeys)
{
    for (size_t k = 0; k < nkeys; k++) {
        if (!is_tag(keys[k]))
            continue;
        uint64_t h = key_hash(keys[k]);
        if (r->tag_slots[h & 4095] == 0)
            continue; /* no live link has this tag */
        for (size_t i = r->n; i-- > 0;) {
            struct link *l = link_at(r, i);
            if (l->keys && (l->tag_bits & tag_bit(h)) && has_key(l->keys, l->nkeys, keys[k]))
                return l;
        }
    }
    return NULL;
}

const struct link *links_extend_keys(struct link_ring *r, struct dw_finding *f)
{
    const struct link *l = link_for_tags(r, f->keys, f->nkeys);
    for (size_t k = 0; l && k < l->nkeys; k++) {
        if (has_key(f->keys, f->nkeys, l->keys[k]))
            continue;
        f->keys = xrealloc(f->keys, (f->nkeys + 1) * sizeof *f->keys);
        f->keys[f->nkeys++] = xstrdup(l->keys[k]);
    }
    return l;
}

void links_remember(struct link_ring *r, struct dw_finding *f, char *subject, int rank)
{
    /* remember it for the findings to come: a repeat only moves its time, and
     * the list is bounded so that hostile input cannot grow it */
    struct link *known = link_for_tags(r, f->keys, f->nkeys);
    if (known && known == link_at(r, r->n - 1) && known->nkeys == f->nkeys) {
        known->time = f->time; /* the newest again: refresh in place */
        known->line = f->line;
        free(subject);
        finding_free(f);
        return;
    }
    if (known) /* refreshed: it moves to the back, its old slot empties */
        link_free(r, known);
    if (r->n == DW_MAX_LINKS)
        link_drop_oldest(r);
    if (!r->links)
        r->links = xcalloc(DW_MAX_LINKS, sizeof *r->links);
    uint64_t bits = 0;
    for (size_t k = 0; k < f->nkeys; k++)
        if (is_tag(f->keys[k]))
            bits |= tag_bit(key_hash(f->keys[k]));
    struct link *l = link_at(r, r->n++);
    *l = (struct link){f->keys, f->nkeys, bits, subject, rank, f->time, f->line};
    link_count_tags(r, l, true);
    f->keys = NULL;
    f->nkeys = 0;
    finding_free(f);
}

void links_expire(struct link_ring *r, const struct dw_correlate_opts *o, const struct dw_time *t,
                  long line)
{
    /* links are kept in arrival order: drop from the front while stale, so
     * this costs nothing per event once the oldest is still fresh */
    while (r->n && (!link_at(r, 0)->keys ||
                    !corr_within(o, &link_at(r, 0)->time, link_at(r, 0)->line, t, line)))
        link_drop_oldest(r);
}

void links_clear(struct link_ring *r)
{
    while (r->n)
        link_drop_oldest(r);
    free(r->links);
    r->links = NULL;
}
