/* forward_format.c - RFC 5424 messages and RFC 6587 octet-counting framing
 * for incident events (forward.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "forward.h"
#include "report.h"

#define BOM "\xEF\xBB\xBF"
#define SD_VALUE_MAX 1024 /* bytes of one SD value; the JSON body has everything */

int forward_pri(int severity)
{
    int sev;
    switch (severity) {
    case DW_SEV_CRITICAL:
        sev = 2;
        break; /* crit */
    case DW_SEV_ERROR:
        sev = 3;
        break; /* err */
    case DW_SEV_WARNING:
        sev = 4;
        break; /* warning */
    default:
        sev = 6;
        break; /* info */
    }
    return DW_FORWARD_FACILITY * 8 + sev;
}

const char *forward_msgid(enum dw_change c)
{
    switch (c) {
    case DW_OPENED:
        return "OPENED";
    case DW_GREW:
        return "GREW";
    case DW_MERGED:
        return "MERGED";
    case DW_CLOSED:
        return "CLOSED";
    }
    return "EVENT";
}

void forward_sd_escape(struct dw_buf *out, const char *value, size_t max)
{
    static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */
    const unsigned char *s = (const unsigned char *)(value ? value : "");
    size_t n = strlen((const char *)s), used = 0;
    for (size_t i = 0; i < n;) {
        size_t len = dw_utf8_seq_len(s + i, n - i);
        const char *put = (const char *)s + i;
        size_t putlen = len;
        bool escape = false;
        if (len == 0 || s[i] < 0x20 || s[i] == 0x7F) {
            put = replacement;
            putlen = 3;
            len = len ? len : 1;
        } else if (s[i] == '"' || s[i] == '\\' || s[i] == ']') {
            escape = true;
        } else if (len == 2 && s[i] == 0xC2 && s[i + 1] < 0xA0) {
            put = replacement; /* C1 controls */
            putlen = 3;
        }
        if (max && used + putlen + escape > max)
            break;
        if (escape)
            buf_putc(out, '\\');
        buf_append(out, put, putlen);
        used += putlen + escape;
        i += len;
    }
}

/* HOSTNAME: 1..255 printable US-ASCII characters, no space; "-" when unknown. */
static void put_hostname(struct dw_buf *out, const char *h)
{
    size_t n = 0;
    for (const char *p = h ? h : ""; *p && n < 255; p++, n++) {
        unsigned char c = (unsigned char)*p;
        buf_putc(out, c > ' ' && c < 0x7f ? (char)c : '-');
    }
    if (n == 0)
        buf_putc(out, '-');
}

static void put_param(struct dw_buf *out, const char *name, const char *value)
{
    buf_printf(out, " %s=\"", name);
    forward_sd_escape(out, value, SD_VALUE_MAX);
    buf_putc(out, '"');
}

/* TIMESTAMP: RFC 3339 in UTC with microseconds. */
static void put_timestamp(struct dw_buf *out, int64_t us)
{
    int64_t secs = us / 1000000 - (us % 1000000 < 0);
    long frac = (long)(us - secs * 1000000);
    time_t t = (time_t)secs;
    struct tm tm;
    char when[32];
    if (!gmtime_r(&t, &tm) || strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
        buf_putc(out, '-'); /* NILVALUE */
        return;
    }
    buf_printf(out, "%s.%06ldZ", when, frac);
}

void forward_format_head(struct dw_buf *out, const struct dw_forward_event *ev)
{
    const struct dw_incident *inc = ev->inc;
    buf_printf(out, "<%d>1 ", forward_pri(inc->severity));
    put_timestamp(out, ev->time_us);
    buf_putc(out, ' ');
    put_hostname(out, ev->hostname);
    buf_printf(out, " " DW_FORWARD_APP_NAME " %ld %s [" DW_FORWARD_SD_ID, ev->procid,
               ev->msgid ? ev->msgid : forward_msgid(ev->change));
    char num[32];
    snprintf(num, sizeof num, "%" PRId64, ev->id);
    put_param(out, "id", num);
    snprintf(num, sizeof num, "%" PRId64, ev->version);
    put_param(out, "version", num);
    put_param(out, "subject", inc->subject);
    put_param(out, "severity", dw_severity_name(inc->severity));
    struct dw_buf classes = {0};
    for (size_t i = 0; i < inc->nclasses; i++)
        buf_printf(&classes, "%s%s", i ? "," : "", inc->classes[i]);
    put_param(out, "classes", buf_cstr(&classes));
    buf_free(&classes);
    put_param(out, "rule", inc->root ? inc->root->rule_id : NULL);
    put_param(out, "host", ev->hostname);
    if (ev->change == DW_MERGED) {
        snprintf(num, sizeof num, "%" PRId64, ev->merged);
        put_param(out, "merged", num);
    }
    buf_putc(out, ']');
}

/* The id="N" of a head made by forward_format_head, or 0. */
static long long head_id(const char *head)
{
    const char *p = strstr(head, "[" DW_FORWARD_SD_ID " id=\"");
    return p ? strtoll(p + strlen("[" DW_FORWARD_SD_ID " id=\""), NULL, 10) : 0;
}

void forward_message(struct dw_buf *out, const char *head, const char *body, size_t max)
{
    size_t hlen = strlen(head), blen = strlen(body);
    buf_append(out, head, hlen);
    buf_puts(out, " " BOM);
    if (max && hlen + 1 + 3 + blen > max)
        buf_printf(out, "{\"id\":%lld,\"truncated\":true,\"bytes\":%zu}", head_id(head), blen);
    else
        buf_append(out, body, blen);
}

void forward_frame(struct dw_buf *out, const char *msg, size_t len)
{
    buf_printf(out, "%zu ", len);
    buf_append(out, msg, len);
}

static int64_t wall_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* dw_outbox_msg.head: the event's head once the outbox has numbered it. */
static void queued_head(struct dw_buf *out, int64_t version, void *ctx)
{
    struct dw_forward_event *fe = ctx;
    fe->version = version;
    forward_format_head(out, fe);
}

int forward_queue(struct dw_outbox *ob, const char *const *dests, size_t ndests, long limit,
                  const struct dw_forward_change *ev, struct dw_errors *err)
{
    const struct dw_incident *inc = ev->inc;
    if (ndests == 0 || !inc || inc->id <= 0)
        return 0;
    struct dw_forward_event fe = {
        .change = ev->change,
        .inc = inc,
        .id = inc->id,
        .merged = ev->merged,
        .time_us = wall_us(),
        .hostname = ev->hostname,
        .procid = ev->procid,
    };
    struct dw_buf body = {0};
    report_json_incident(&body, inc, (long long)inc->id);
    struct dw_outbox_msg m = {
        .incident_id = inc->id,
        .event = forward_msgid(ev->change),
        .body = buf_cstr(&body),
        .head = queued_head,
        .head_ctx = &fe,
    };
    int rc = outbox_add(ob, dests, ndests, limit > 0 ? limit : DW_FORWARD_OUTBOX_LIMIT, &m, err);
    buf_free(&body);
    return rc;
}
