/* correlate.h - group findings of one failure into incidents, as a stream.
 *
 * Findings that share a key (bundle id however spelled, or registry tag) join
 * one incident while each new finding is within the window of the incident's
 * last finding: window_us of log time when both have a time, else window_lines
 * lines of the same input.  Keys join transitively: a finding whose keys hit
 * two open incidents merges them.  A finding without keys joins the incident
 * of the nearest keyed finding of the same process within the window (the
 * previous one at once, else the next one to arrive); if none comes, it stands
 * alone with its process as subject ("unknown" when the line had none).
 *
 * The caller hears of every change through one callback:
 *   OPENED  a new incident (first finding)
 *   GREW    a finding was added
 *   MERGED  this incident was absorbed by another (`into`); it is freed after
 *   CLOSED  its window passed or input ended; it is freed after the callback
 * A live `watch` stores on each change; a batch `scan` may wait for CLOSED.
 *
 * Time and memory do not grow with the input: lookups are hashed, expiry
 * follows the order in which windows end, and at most max_open incidents
 * (and 256 keyless findings waiting for a neighbour) are held. */
#ifndef DW_CORRELATE_H
#define DW_CORRELATE_H

#include <stdint.h>

#include "event.h"
#include "incident.h"

enum dw_change { DW_OPENED, DW_GREW, DW_MERGED, DW_CLOSED };

typedef void (*dw_incident_fn)(enum dw_change change, struct dw_incident *inc,
                               struct dw_incident *into, void *ctx);

struct dw_correlate_opts {
    int64_t window_us; /* default 30 s */
    long window_lines; /* default 50 */
    long max_open;     /* incidents open at once; <= 0: DW_CORRELATE_MAX_OPEN */
};
#define DW_CORRELATE_DEFAULTS                                                                      \
    {                                                                                              \
        30 * INT64_C(1000000), 50, 0                                                               \
    }
/* A real failure is a handful of lines; thousands of failures open in one
 * window are a flood or an attack.  Beyond this many, the incident whose
 * window ends first is closed early, so memory stays flat. */
#define DW_CORRELATE_MAX_OPEN 1000

struct dw_correlator;

struct dw_correlator *correlator_new(const struct dw_correlate_opts *opts, dw_incident_fn fn,
                                     void *ctx);
/* Adds a finding (ownership taken). */
void correlator_add(struct dw_correlator *c, struct dw_finding *f);
/* A finding of a link rule (ownership taken): a harmless line naming several
 * keys at once, such as `DK: X-0x<tag> waiting for server <bundle>-<tag>`.
 * Open incidents holding any of them merge and learn the others (and the
 * bundle id as subject); for the window after it, findings with one of them
 * carry all.  Never evidence itself. */
void correlator_link(struct dw_correlator *c, struct dw_finding *f);
/* Advances the clock to an event that matched no rule: closes incidents whose
 * window this event has passed.  Cheap; call it for every event. */
void correlator_tick(struct dw_correlator *c, const struct dw_event *ev);
/* End of an input: closes every open incident (and places pending keyless
 * findings). Input boundaries are correlation boundaries. */
void correlator_finish(struct dw_correlator *c);
/* Live resume: takes a stored incident (ownership taken, inc->id set) as
 * open, so that findings read after a restart join it as they would have
 * before.  Its evidence findings that carry keys mark their processes.  It
 * closes like any other once the window has passed.  Add the oldest first. */
void correlator_reopen(struct dw_correlator *c, struct dw_incident *inc);
/* The oldest keyless finding still waiting for a keyed neighbour (not yet
 * in any incident, so not stored): NULL if none.  A live source must not
 * record its position past it. */
const struct dw_finding *correlator_oldest_waiting(const struct dw_correlator *c);
/* Incidents closed before their window ended because max_open were open. */
uint64_t correlator_closed_early(const struct dw_correlator *c);
void correlator_free(struct dw_correlator *c); /* finishes first */

#endif
