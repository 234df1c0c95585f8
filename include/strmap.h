/* strmap.h - a hash multimap from strings to pointers.
 *
 * For the lookups that must not grow with the input: the correlator's open
 * incidents by correlation key and by process, the baseline's entries.  Keys
 * are copied; values are the caller's.  One key may hold several values
 * (strmap_add never replaces); lookups walk the entries of one key in no
 * particular order.  Every operation is O(1) on average (the table doubles
 * at load 1). */
#ifndef DW_STRMAP_H
#define DW_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct dw_strmap_entry {
    struct dw_strmap_entry *next;
    uint64_t hash;
    void *value;
    char key[]; /* NUL-terminated copy */
};

struct dw_strmap {
    struct dw_strmap_entry **buckets; /* NULL until the first add */
    size_t nbuckets, n;               /* nbuckets is a power of two */
};

/* Adds (key, value); an existing entry of key stays. */
void strmap_add(struct dw_strmap *m, const char *key, void *value);
/* An entry of key, or NULL; the next entry of the same key after e, or NULL. */
struct dw_strmap_entry *strmap_first(const struct dw_strmap *m, const char *key);
struct dw_strmap_entry *strmap_next(const struct dw_strmap_entry *e);
/* The value of an entry of key (the only one, for a plain map), or NULL. */
void *strmap_get(const struct dw_strmap *m, const char *key);
/* Removes one entry holding (key, value); 0 when there is none. */
int strmap_remove(struct dw_strmap *m, const char *key, const void *value);
/* Frees the entries (not the values); the map is empty and reusable. */
void strmap_clear(struct dw_strmap *m);

#endif
