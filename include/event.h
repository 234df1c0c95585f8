/* event.h - the one record every reader produces, whatever the input style. */
#ifndef DW_EVENT_H
#define DW_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dwtime.h"

/* A log event as parsed from one record (one line, or several for a
 * multi-line message or a pretty-printed JSON object).
 * All strings are NUL-terminated, valid until the callback that received the
 * event returns, and owned by the reader.  Absent fields are NULL (pid -1).
 * NUL bytes inside the message are replaced by U+FFFD so strings stay whole. */
struct dw_event {
    const char *input;     /* input name as given (path, or "-" for stdin) */
    long line;             /* 1-based line where the record starts (a crash report:
                              the line of its Exception Type, else Termination Reason) */
    struct dw_time time;   /* kind NONE if the record had no time */
    const char *time_text; /* the timestamp exactly as written, or NULL */
    const char *process;   /* e.g. "kernel", "amfid"; NULL if unknown */
    long pid;              /* -1 if unknown */
    uint64_t tid;          /* thread id, valid if has_tid */
    bool has_tid;
    const char *level;     /* Default, Info, Debug, Error, Fault, Notice...; or NULL */
    const char *subsystem; /* e.g. "com.apple.sx"; NULL if none */
    const char *category;  /* e.g. "XPC"; NULL if none */
    const char *sender;    /* sender image name or path; NULL if none */
    const char *message;   /* the message text (never NULL) */
    size_t message_len;
    const char *raw; /* the raw record text as read (never NULL) */
    size_t raw_len;
};

/* Where events go, one call per event (the reader's output, and what the
 * rules' self-test is fed). */
typedef void (*dw_event_fn)(const struct dw_event *ev, void *ctx);

#endif
