/* reader_run.h - what the reader's unit tests share: collecting events
 * (copied, since event strings die with the callback), feeding text in
 * pieces, reading a case file.  Included by tests/unit/test_reader*.c after
 * <cmocka.h>. */
#ifndef DW_TEST_READER_RUN_H
#define DW_TEST_READER_RUN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "util.h"

/* ---- collecting events (copied: event strings die with the callback) ---- */

struct got {
    long line, pid;
    uint64_t tid;
    bool has_tid;
    struct dw_time time;
    char *time_text, *process, *level, *subsystem, *category, *sender, *message, *raw;
    size_t message_len, raw_len;
};

struct run {
    struct got *ev;
    size_t n, cap;
    struct dw_reader_stats st;
    enum dw_style style;
};

static inline char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static inline void collect(const struct dw_event *e, void *ctx)
{
    struct run *r = ctx;
    assert_non_null(e->message);
    assert_non_null(e->raw);
    assert_int_equal(strlen(e->message), e->message_len);
    assert_string_equal(e->input, "test");
    xgrow((void **)&r->ev, &r->cap, r->n + 1, sizeof *r->ev);
    struct got *g = &r->ev[r->n++];
    *g = (struct got){.line = e->line,
                      .pid = e->pid,
                      .tid = e->tid,
                      .has_tid = e->has_tid,
                      .time = e->time,
                      .message_len = e->message_len,
                      .raw_len = e->raw_len};
    g->time_text = dup_or_null(e->time_text);
    g->process = dup_or_null(e->process);
    g->level = dup_or_null(e->level);
    g->subsystem = dup_or_null(e->subsystem);
    g->category = dup_or_null(e->category);
    g->sender = dup_or_null(e->sender);
    g->message = xstrndup(e->message, e->message_len);
    g->raw = xstrndup(e->raw, e->raw_len);
}

static inline void run_free(struct run *r)
{
    for (size_t k = 0; k < r->n; k++) {
        struct got *g = &r->ev[k];
        char *all[] = {g->time_text, g->process, g->level,   g->subsystem,
                       g->category,  g->sender,  g->message, g->raw};
        for (size_t j = 0; j < sizeof all / sizeof all[0]; j++)
            free(all[j]);
    }
    free(r->ev);
    memset(r, 0, sizeof *r);
}

/* Feeds data[0..n) in pieces of `chunk` bytes (0 = all at once) and finishes. */
static inline struct run feed(enum dw_style style, const char *data, size_t n, size_t chunk)
{
    struct run r = {0};
    struct dw_reader *rd = reader_new("test", style, collect, &r);
    if (chunk == 0)
        chunk = n ? n : 1;
    for (size_t off = 0; off < n; off += chunk)
        reader_feed(rd, data + off, n - off < chunk ? n - off : chunk);
    reader_finish(rd);
    r.st = *reader_stats(rd);
    r.style = reader_style(rd);
    reader_free(rd);
    return r;
}

static inline struct run feed_str(enum dw_style style, const char *s)
{
    return feed(style, s, strlen(s), 0);
}

static inline char *slurp(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/logs/%s", DW_SOURCE_DIR, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    struct dw_buf b = {0};
    char tmp[4096];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_append(&b, tmp, k);
    fclose(f);
    *len = b.len;
    return buf_steal(&b);
}

#define assert_str_or_null(a, b)                                                                   \
    do {                                                                                           \
        if ((b) == NULL)                                                                           \
            assert_null(a);                                                                        \
        else                                                                                       \
            assert_string_equal((a), (b));                                                         \
    } while (0)

#endif
