/* store_stats.h - aggregate queries over incidents (collector/store_stats.c):
 * the class histogram and time span behind `recent`, the counts behind
 * `stats`. */
#ifndef DW_STORE_STATS_H
#define DW_STORE_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define DW_HIST_BINS 24

/* Per class: how many incidents matching q (limit ignored) carry it, and how
 * they spread over [start_us, end_us] by last_seen in DW_HIST_BINS bins
 * (incidents without a calendar time count but fall in no bin). */
struct dw_class_hist {
    char *class_name;
    size_t count;
    unsigned bins[DW_HIST_BINS];
};
int store_class_histogram(struct dw_store *s, const struct dw_query *q, int64_t start_us,
                          int64_t end_us, struct dw_class_hist **out, size_t *n,
                          struct dw_errors *err);
/* The time span [min, max] of last_seen over incidents matching q; 0 when none. */
int store_time_span(struct dw_store *s, const struct dw_query *q, int64_t *min_us, int64_t *max_us,
                    struct dw_errors *err);
void store_class_histogram_free(struct dw_class_hist *v, size_t n);

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
