/* forward.h - incidents to the syslog engines fleets already run (docs/fleet.md).
 *
 * `watch --forward URL` (repeatable) sends every incident event (OPENED, GREW,
 * MERGED, CLOSED) as one RFC 5424 message to rsyslog, syslog-ng or anything
 * that speaks syslog:
 *
 *   <PRI>1 TIMESTAMP HOSTNAME dextwatch PROCID MSGID [dextwatch@32473 id="12"
 *   version="3" subject="com.MyDriver" severity="error" classes="a,b"
 *   rule="..." host="..."] BOM{incident JSON, as `--format json` prints it}
 *
 *   PRI       facility user (1) * 8 + severity: critical 2, error 3,
 *             warning 4, info 6
 *   TIMESTAMP when the event happened (UTC, microseconds), not when it was sent
 *   MSGID     OPENED, GREW, MERGED (the SD id is the surviving incident, the
 *             param merged= the absorbed one), CLOSED
 *   32473     the example private enterprise number of RFC 5612 (dextwatch has
 *             no PEN of its own)
 *   version   per incident, 1, 2, 3 ... in event order, never reused: with host
 *             and id it names one event, so a receiver can drop duplicates
 *
 * Transports: tcp://host:port (RFC 6587 octet counting), udp://host:port (one
 * datagram per message, best effort), unix:///path (a datagram socket, like
 * rsyslog's imuxsock and /dev/log).  tls:// is recognised and refused: this
 * build has no TLS (docs/fleet.md says how to wrap tcp:// instead).
 *
 * Nothing lost: the event goes into the outbox table first, in the same
 * SQLite transaction that stores the incident change (forward_record).  One
 * sender thread per destination, with its own database connection, drains
 * the outbox in order with exponential backoff while the receiver is away; a
 * row leaves the outbox only when the receiver's TCP stack has acknowledged it
 * and the connection is still sound a moment later, else it is sent again:
 * delivery is at-least-once.  A receiver that sends anything back is a
 * protocol error: the connection is closed and retried with backoff.  The
 * outbox is bounded per destination (oldest dropped, counted in `dextwatch
 * stats`) and survives restarts. */
#ifndef DW_FORWARD_H
#define DW_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "correlate.h"
#include "incident.h"
#include "oplog.h"
#include "outbox.h"
#include "util.h"

/* ---- destinations (collector/forward_url.c) ---- */

enum dw_forward_scheme { DW_FORWARD_TCP, DW_FORWARD_UDP, DW_FORWARD_UNIX, DW_FORWARD_TLS };

struct dw_forward_url {
    enum dw_forward_scheme scheme;
    char host[256]; /* tcp/udp/tls: name or address ("[::1]" given as ::1) */
    char port[8];   /* tcp/udp/tls */
    char path[108]; /* unix: absolute socket path */
    char text[400]; /* canonical form, the outbox's destination key */
};

/* Parses "tcp://host:port", "udp://host:port", "unix:///path", "tls://...".
 * 0, or -1 with "--forward URL: reason" in err (tls:// is refused here). */
int forward_url_parse(const char *text, struct dw_forward_url *u, struct dw_errors *err);

/* ---- the message (collector/forward_format.c) ---- */

#define DW_FORWARD_APP_NAME "dextwatch"
#define DW_FORWARD_SD_ID "dextwatch@32473"
#define DW_FORWARD_FACILITY 1 /* user-level messages */
/* Largest message sent as one datagram (udp, unix); a bigger one keeps its
 * header and structured data and carries a short JSON summary instead of the
 * incident (docs/fleet.md). */
#define DW_FORWARD_DGRAM_MAX 65000

int forward_pri(int severity);               /* PRI value: facility * 8 + syslog severity */
const char *forward_msgid(enum dw_change c); /* "OPENED", "GREW", "MERGED", "CLOSED" */

/* What one event message says. */
struct dw_forward_event {
    enum dw_change change;
    const struct dw_incident *inc; /* the incident the message is about (MERGED: the survivor) */
    int64_t id;                    /* its DB id */
    int64_t version;               /* its event sequence */
    int64_t merged;                /* MERGED: the absorbed incident's id; else 0 */
    int64_t time_us;               /* wall clock of the event */
    const char *hostname;          /* as gethostname() said */
    long procid;
    const char *msgid; /* NULL: forward_msgid(change); "TEST" for `forward --test` */
};

/* Appends HEADER SP STRUCTURED-DATA (no trailing space) to out.  Every field
 * is made valid: HOSTNAME printable ASCII without spaces, SD values UTF-8 with
 * '"', '\' and ']' escaped and control characters replaced by U+FFFD. */
void forward_format_head(struct dw_buf *out, const struct dw_forward_event *ev);
/* Appends value as an SD-PARAM value (without the quotes), at most max bytes
 * of it (cut on a character boundary; 0: no limit). */
void forward_sd_escape(struct dw_buf *out, const char *value, size_t max);
/* Appends the whole message: head SP BOM body.  With max > 0 and the result
 * longer than max, the body is replaced by {"id":ID,"truncated":true,
 * "bytes":N} (ID read from the head's SD). */
void forward_message(struct dw_buf *out, const char *head, const char *body, size_t max);
/* Appends RFC 6587 octet-counting framing: "LEN SP MSG". */
void forward_frame(struct dw_buf *out, const char *msg, size_t len);

/* Queues one event in the outbox (outbox.h) for every destination: the
 * incident rendered once as JSON (report_json_incident, now, hostname) and
 * the head for the version outbox_add gives it.  limit <= 0:
 * DW_FORWARD_OUTBOX_LIMIT.  Incidents without a DB id are skipped.  0 or -1.
 * (collector/forward_format.c) */
struct dw_forward_change {
    enum dw_change change;
    const struct dw_incident *inc; /* MERGED: the survivor */
    int64_t merged;                /* MERGED: the absorbed id */
    const char *hostname;
    long procid;
};
int forward_queue(struct dw_outbox *ob, const char *const *dests, size_t ndests, long limit,
                  const struct dw_forward_change *ev, struct dw_errors *err);

/* ---- the sender (collector/forward.c, collector/forward_net.c) ---- */

#define DW_FORWARD_OUTBOX_LIMIT DW_OUTBOX_LIMIT /* rows per destination */

struct dw_forward_opts {
    const char *db_path;     /* the senders open their own connections */
    const char *const *urls; /* as given to --forward */
    size_t nurls;
    long outbox_limit;      /* rows per destination; <= 0: DW_FORWARD_OUTBOX_LIMIT */
    int64_t backoff_min_us; /* first retry delay (1 s) */
    int64_t backoff_max_us; /* cap (60 s) */
    /* Messages for the operator, one line each; called from the sender
     * threads too (must be thread-safe).  log.fn NULL: none. */
    struct dw_oplog log;
};

struct dw_forwarder;
/* Parses the URLs, prepares the outbox statements on main (the connection
 * that stores incidents) and starts one sender thread per destination.  NULL
 * with messages in err (a bad URL, a thread that would not start). */
struct dw_forwarder *forward_start(const struct dw_forward_opts *o, struct dw_store *main,
                                   struct dw_errors *err);
/* Queues an incident change; call it on main's thread right after the store
 * saved the change (inside the same transaction).  Ignores incidents without
 * a DB id.  0 or -1. */
int forward_record(struct dw_forwarder *fw, enum dw_change change, struct dw_incident *inc,
                   struct dw_incident *into, struct dw_errors *err);
/* Tells the senders that new rows were committed. */
void forward_wake(struct dw_forwarder *fw);
/* Stops the senders, giving them up to grace_us to deliver what is queued
 * (what is left stays in the outbox for the next run), and frees fw. */
void forward_stop(struct dw_forwarder *fw, int64_t grace_us);

/* A send gives up when the receiver has taken nothing for this long. */
#define DW_FORWARD_SEND_TIMEOUT_US (10 * INT64_C(1000000))
/* How often a wait on the receiver asks for its deadline again. */
#define DW_FORWARD_WAIT_SLICE_US (50 * INT64_C(1000))

/* One connection to a destination (collector/forward_net.c).  The socket is
 * non-blocking: every wait on the receiver (connect, a send waiting for room
 * in the socket) is a poll() bounded by its timeout and by deadline. */
struct dw_forward_conn {
    struct dw_forward_url url;
    int fd;
    /* NULL, or the monotonic time (us) at which every wait gives up,
     * INT64_MAX for none; asked again every DW_FORWARD_WAIT_SLICE_US while
     * waiting, so a deadline set during a wait (a stop) ends it in time. */
    int64_t (*deadline)(void *ctx);
    void *deadline_ctx;
};
/* Connects (stream) or connects the datagram socket, within timeout_us and
 * the deadline; -1 with a reason. */
int forward_conn_open(struct dw_forward_conn *c, int64_t timeout_us, struct dw_errors *err);
void forward_conn_close(struct dw_forward_conn *c);
bool forward_conn_stream(const struct dw_forward_conn *c);
/* Sends one message, framed for a stream (RFC 6587 octet counting), as a
 * datagram otherwise, writing what the socket takes and waiting for room
 * while the receiver takes nothing, at most DW_FORWARD_SEND_TIMEOUT_US at a
 * time and never past the deadline.  0, or -1 with a reason: then part of
 * the frame may have been written, the connection is unusable (close it)
 * and the message is to be sent again whole on a new one (the receiver sees
 * the cut frame end with the connection). */
int forward_conn_send(struct dw_forward_conn *c, const char *msg, size_t len,
                      struct dw_errors *err);
/* How a connection is, as far as can be told without blocking. */
enum dw_forward_health {
    DW_FORWARD_SOUND, /* open, nothing pending (always, for a datagram socket) */
    DW_FORWARD_GONE,  /* not open, closed or reset by the peer, or an error */
    DW_FORWARD_SPOKE, /* the peer sent data: a syslog receiver never does (protocol error) */
};
/* Stream: checks c with one non-blocking read of at most 512 bytes (so a
 * peer that keeps sending cannot hold the caller); anything but
 * DW_FORWARD_SOUND puts the reason in err (for DW_FORWARD_SPOKE with the
 * first bytes, printable ASCII kept and the rest shown as '.'). */
enum dw_forward_health forward_conn_check(struct dw_forward_conn *c, struct dw_errors *err);
/* Stream: bytes written but not yet acknowledged by the peer; 0 when the
 * system cannot tell. */
long forward_conn_unacked(const struct dw_forward_conn *c);

#endif
