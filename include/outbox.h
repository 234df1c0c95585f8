/* outbox.h - the forwarding outbox in the incident database
 * (collector/outbox.c; tables outbox, outbox_destinations, outbox_versions
 * in docs/schema.md).  Part of the store: it queues messages the caller
 * rendered (forward.h renders them) and hands them back in order. */
#ifndef DW_OUTBOX_H
#define DW_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "util.h"

#define DW_OUTBOX_LIMIT 10000 /* rows per destination, unless told otherwise */

struct dw_outbox;
/* Statements over s's connection (s stays owned by the caller). */
struct dw_outbox *outbox_open(struct dw_store *s, struct dw_errors *err);
void outbox_close(struct dw_outbox *ob);

/* One event, rendered by the caller (the outbox knows no message format). */
struct dw_outbox_msg {
    int64_t incident_id; /* > 0 */
    const char *event;   /* "OPENED", "GREW", ... */
    const char *body;    /* the rendered incident */
    /* Appends the message head for the event's number (1, 2, ... per
     * incident, never reused), which only the outbox knows. */
    void (*head)(struct dw_buf *out, int64_t version, void *ctx);
    void *head_ctx;
};
/* Queues m for every destination: the incident's next version, then per
 * destination a row, its `queued` counter, and the trim to the newest limit
 * (> 0) rows, the dropped ones counted.  Atomic: inside the caller's open
 * transaction (as a savepoint) or in its own.  0 or -1. */
int outbox_add(struct dw_outbox *ob, const char *const *dests, size_t ndests, long limit,
               const struct dw_outbox_msg *m, struct dw_errors *err);
/* Makes sure the destination has its counters row (stats lists it). */
int outbox_declare(struct dw_outbox *ob, const char *dest, struct dw_errors *err);

struct dw_outbox_row {
    int64_t id;
    char *head, *body;
};
/* Up to max rows of dest with id > after, oldest first.  *rows is an array
 * the caller frees with outbox_rows_free. */
int outbox_next(struct dw_outbox *ob, const char *dest, int64_t after, size_t max,
                struct dw_outbox_row **rows, size_t *n, struct dw_errors *err);
void outbox_rows_free(struct dw_outbox_row *rows, size_t n);
/* The receiver has dest's rows up to id upto: deletes them, counts them sent. */
int outbox_confirm(struct dw_outbox *ob, const char *dest, int64_t upto, struct dw_errors *err);
/* Records the last delivery problem (NULL: none) for stats. */
int outbox_note_error(struct dw_outbox *ob, const char *dest, const char *msg,
                      struct dw_errors *err);
/* Rows still waiting for dest. */
int outbox_pending(struct dw_outbox *ob, const char *dest, int64_t *n, struct dw_errors *err);

/* Per destination: waiting now, queued/sent/dropped over all runs, the last
 * delivery and the last problem (NULL when none).  Free with
 * outbox_stats_free. */
struct dw_outbox_stats {
    char *destination;
    int64_t waiting, queued, sent, dropped;
    char *last_sent_at, *last_error, *last_error_at;
};
int outbox_stats(struct dw_store *s, struct dw_outbox_stats **out, size_t *n,
                 struct dw_errors *err);
void outbox_stats_free(struct dw_outbox_stats *v, size_t n);

#endif
