/* store_extra.h - store operations of the live service: retention and the
 * numbers behind `dextwatch stats` (collector/store_prune.c). */
#ifndef DW_STORE_EXTRA_H
#define DW_STORE_EXTRA_H

#include <stdint.h>

#include "store.h"

/* Deletes incidents whose last finding is older than cutoff_us (log time,
 * dw_time.us); an incident without a calendar time goes by its updated_at
 * (wall clock).  Findings, remedies and keys cascade.  Sets *deleted. */
int store_prune(struct dw_store *s, int64_t cutoff_us, int64_t *deleted, struct dw_errors *err);

struct dw_store_count {
    char *name;
    int64_t count;
};

/* Incident counts grouped by class (an incident counts once per class it
 * has) or by subject, most first then by name.  Free with
 * store_counts_free. */
int store_count_by_class(struct dw_store *s, struct dw_store_count **out, size_t *n,
                         struct dw_errors *err);
int store_count_by_subject(struct dw_store *s, struct dw_store_count **out, size_t *n,
                           struct dw_errors *err);
/* Number of incidents (all). */
int store_count_incidents(struct dw_store *s, int64_t *n, struct dw_errors *err);
void store_counts_free(struct dw_store_count *v, size_t n);

#endif
