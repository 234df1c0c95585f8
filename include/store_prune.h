/* store_prune.h - retention: deleting old incidents (collector/store_prune.c),
 * for `watch --retain` and `prune --older-than`. */
#ifndef DW_STORE_PRUNE_H
#define DW_STORE_PRUNE_H

#include <stdint.h>

#include "store.h"

/* Deletes incidents whose last finding is older than cutoff_us (log time,
 * dw_time.us); an incident without a calendar time goes by its updated_at
 * (wall clock).  Findings, remedies and keys cascade.  Sets *deleted. */
int store_prune(struct dw_store *s, int64_t cutoff_us, int64_t *deleted, struct dw_errors *err);

#endif
