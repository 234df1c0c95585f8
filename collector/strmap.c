/* strmap.c - hash multimap from strings to pointers (strmap.h).  Separate
 * chaining: an entry is one allocation holding its key. */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static uint64_t key_hash(const char *key)
{
    return dw_hash64(DW_HASH_INIT, key, strlen(key));
}

static size_t bucket_of(const struct dw_strmap *m, uint64_t hash)
{
    /* FNV's low bits are weak for short keys: fold the high half in */
    return (size_t)(hash ^ (hash >> 32)) & (m->nbuckets - 1);
}

static void grow(struct dw_strmap *m)
{
    size_t old = m->nbuckets;
    struct dw_strmap_entry **prev = m->buckets;
    m->nbuckets = old ? 2 * old : 16;
    m->buckets = xcalloc(m->nbuckets, sizeof *m->buckets);
    for (size_t b = 0; b < old; b++) {
        struct dw_strmap_entry *e = prev[b];
        while (e) {
            struct dw_strmap_entry *next = e->next;
            size_t i = bucket_of(m, e->hash);
            e->next = m->buckets[i];
            m->buckets[i] = e;
            e = next;
        }
    }
    free(prev);
}

void strmap_add(struct dw_strmap *m, const char *key, void *value)
{
    if (m->n + 1 > m->nbuckets)
        grow(m);
    size_t len = strlen(key);
    struct dw_strmap_entry *e = xmalloc(sizeof *e + len + 1);
    e->hash = key_hash(key);
    e->value = value;
    memcpy(e->key, key, len + 1);
    size_t i = bucket_of(m, e->hash);
    e->next = m->buckets[i];
    m->buckets[i] = e;
    m->n++;
}

/* The first entry of key at or after e in its chain. */
static struct dw_strmap_entry *match_from(struct dw_strmap_entry *e, uint64_t hash, const char *key)
{
    while (e && (e->hash != hash || strcmp(e->key, key) != 0))
        e = e->next;
    return e;
}

struct dw_strmap_entry *strmap_first(const struct dw_strmap *m, const char *key)
{
    if (!m->n)
        return NULL;
    uint64_t h = key_hash(key);
    return match_from(m->buckets[bucket_of(m, h)], h, key);
}

struct dw_strmap_entry *strmap_next(const struct dw_strmap_entry *e)
{
    return match_from(e->next, e->hash, e->key);
}

void *strmap_get(const struct dw_strmap *m, const char *key)
{
    struct dw_strmap_entry *e = strmap_first(m, key);
    return e ? e->value : NULL;
}

int strmap_remove(struct dw_strmap *m, const char *key, const void *value)
{
    if (!m->n)
        return 0;
    uint64_t h = key_hash(key);
    for (struct dw_strmap_entry **p = &m->buckets[bucket_of(m, h)]; *p; p = &(*p)->next) {
        struct dw_strmap_entry *e = *p;
        if (e->hash == h && e->value == value && strcmp(e->key, key) == 0) {
            *p = e->next;
            free(e);
            m->n--;
            return 1;
        }
    }
    return 0;
}

void strmap_clear(struct dw_strmap *m)
{
    for (size_t b = 0; b < m->nbuckets; b++) {
        struct dw_strmap_entry *e = m->buckets[b];
        while (e) {
            struct dw_strmap_entry *next = e->next;
            free(e);
            e = next;
        }
    }
    free(m->buckets);
    m->buckets = NULL;
    m->nbuckets = m->n = 0;
}
