/* test_forward.c - forwarding (forward.h): destination URLs, RFC 5424
 * messages (PRI, header, SD-PARAM escaping, BOM, oversized datagrams), RFC 6587
 * framing, and the outbox on a real database (versions, bound, confirm). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forward.h"
#include "incident.h"
#include "store.h"
#include "util.h"

static void expect_url(const char *text, enum dw_forward_scheme scheme, const char *canon)
{
    struct dw_forward_url u;
    struct dw_errors err = {0};
    if (forward_url_parse(text, &u, &err) != 0)
        fail_msg("%s: %s", text, err.msgs[0]);
    assert_int_equal(u.scheme, scheme);
    assert_string_equal(u.text, canon);
}

static void expect_bad_url(const char *text, const char *msg)
{
    struct dw_forward_url u;
    struct dw_errors err = {0};
    assert_int_equal(forward_url_parse(text, &u, &err), -1);
    assert_int_equal(err.n, 1);
    if (!strstr(err.msgs[0], msg))
        fail_msg("expected \"%s\" in \"%s\"", msg, err.msgs[0]);
    dw_errors_clear(&err);
}

static void test_urls(void **state)
{
    (void)state;
    expect_url("tcp://logs.example.com:514", DW_FORWARD_TCP, "tcp://logs.example.com:514");
    expect_url("udp://127.0.0.1:5140", DW_FORWARD_UDP, "udp://127.0.0.1:5140");
    expect_url("tcp://[::1]:6514", DW_FORWARD_TCP, "tcp://[::1]:6514");
    expect_url("unix:///run/syslog.sock", DW_FORWARD_UNIX, "unix:///run/syslog.sock");
    struct dw_forward_url u;
    struct dw_errors err = {0};
    assert_int_equal(forward_url_parse("tcp://[::1]:6514", &u, &err), 0);
    assert_string_equal(u.host, "::1");
    assert_string_equal(u.port, "6514");
    expect_bad_url("tls://logs.example.com:6514", "built without TLS");
    expect_bad_url("http://x:1", "expected tcp://host:port");
    expect_bad_url("tcp://host", "expected host:port");
    expect_bad_url("tcp://host:0", "1 to 65535");
    expect_bad_url("tcp://host:65536", "1 to 65535");
    expect_bad_url("tcp://host:+5", "1 to 65535");
    expect_bad_url("tcp://:514", "missing or too long host");
    expect_bad_url("tcp://a b:514", "invalid character");
    expect_bad_url("tcp://::1:514", "IPv6 address goes in [ ]");
    expect_bad_url("unix://relative/path", "absolute");
}

static void test_pri_and_msgid(void **state)
{
    (void)state;
    assert_int_equal(forward_pri(DW_SEV_CRITICAL), 8 + 2);
    assert_int_equal(forward_pri(DW_SEV_ERROR), 8 + 3);
    assert_int_equal(forward_pri(DW_SEV_WARNING), 8 + 4);
    assert_int_equal(forward_pri(DW_SEV_INFO), 8 + 6);
    assert_string_equal(forward_msgid(DW_OPENED), "OPENED");
    assert_string_equal(forward_msgid(DW_GREW), "GREW");
    assert_string_equal(forward_msgid(DW_MERGED), "MERGED");
    assert_string_equal(forward_msgid(DW_CLOSED), "CLOSED");
}

static void test_sd_escape(void **state)
{
    (void)state;
    struct dw_buf b = {0};
    forward_sd_escape(&b, "a\"b\\c]d[e=f", 0);
    assert_string_equal(buf_cstr(&b), "a\\\"b\\\\c\\]d[e=f");
    buf_reset(&b);
    forward_sd_escape(&b,
                      "x\ny\x7f\xff"
                      "caf\xc3\xa9 \xc2\x85",
                      0);
    assert_string_equal(buf_cstr(&b), "x\xef\xbf\xbdy\xef\xbf\xbd\xef\xbf\xbd"
                                      "caf\xc3\xa9 \xef\xbf\xbd");
    buf_reset(&b);
    forward_sd_escape(&b, "\xc3\xa9\xc3\xa9\xc3\xa9", 5); /* never cuts a character */
    assert_string_equal(buf_cstr(&b), "\xc3\xa9\xc3\xa9");
    buf_reset(&b);
    forward_sd_escape(&b, "ab\"", 3); /* nor an escape */
    assert_string_equal(buf_cstr(&b), "ab");
    buf_reset(&b);
    forward_sd_escape(&b, NULL, 0);
    assert_string_equal(buf_cstr(&b), "");
    buf_free(&b);
}

static struct dw_incident *sample_incident(void)
{
    struct dw_incident *inc = incident_new();
    inc->id = 42;
    inc->subject = xstrdup("com.evil\"]\\x");
    inc->severity = DW_SEV_ERROR;
    inc->classes = xcalloc(2, sizeof *inc->classes);
    inc->classes[0] = xstrdup("entitlement.provider-check");
    inc->classes[1] = xstrdup("dext.exit");
    inc->nclasses = 2;
    return inc;
}

static void test_head(void **state)
{
    (void)state;
    struct dw_incident *inc = sample_incident();
    struct dw_forward_event ev = {
        .change = DW_MERGED,
        .inc = inc,
        .id = 42,
        .version = 7,
        .merged = 41,
        .time_us = INT64_C(1704110400123456),
        .hostname = "Jane's Mac mini",
        .procid = 1234,
    };
    struct dw_buf b = {0};
    forward_format_head(&b, &ev);
    assert_string_equal(buf_cstr(&b),
                        "<11>1 2024-01-01T12:00:00.123456Z Jane's-Mac-mini dextwatch 1234 MERGED"
                        " [dextwatch@32473 id=\"42\" version=\"7\""
                        " subject=\"com.evil\\\"\\]\\\\x\" severity=\"error\""
                        " classes=\"entitlement.provider-check,dext.exit\" rule=\"\""
                        " host=\"Jane's Mac mini\" merged=\"41\"]");
    struct dw_buf m = {0};
    forward_message(&m, buf_cstr(&b), "{\"id\":42}", 0);
    assert_int_equal(m.len, b.len + 1 + 3 + 9);
    assert_memory_equal(m.data + b.len, " \xEF\xBB\xBF{\"id\":42}", 13);
    /* too big for a datagram: header kept, body a short summary */
    buf_reset(&m);
    forward_message(&m, buf_cstr(&b), "{\"id\":42,\"much\":\"more\"}", b.len + 10);
    assert_string_equal(m.data + b.len, " \xEF\xBB\xBF{\"id\":42,\"truncated\":true,\"bytes\":23}");
    struct dw_buf f = {0};
    forward_frame(&f, "<14>1 - - - - - -", 17);
    assert_string_equal(buf_cstr(&f), "17 <14>1 - - - - - -");
    buf_free(&b);
    buf_free(&m);
    buf_free(&f);
    incident_free(inc);
}

/* The outbox on a real file: each event numbered per incident, one row per
 * destination, the bound drops the oldest and counts them, confirm deletes
 * and counts sent, ids only grow. */
static void test_outbox(void **state)
{
    (void)state;
    char dir[] = "/tmp/dw-forward-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char db[128];
    snprintf(db, sizeof db, "%s/dw.db", dir);
    struct dw_errors err = {0};
    struct dw_store *s = store_open(db, DW_STORE_WRITE, &err);
    assert_non_null(s);
    struct dw_outbox *ob = outbox_open(s, &err);
    assert_non_null(ob);
    const char *dests[] = {"tcp://a:1", "udp://b:2"};
    struct dw_incident *inc = sample_incident();
    struct dw_forward_change ev = {.change = DW_OPENED, .inc = inc, .hostname = "h", .procid = 1};
    for (int i = 0; i < 5; i++) {
        ev.change = i == 0 ? DW_OPENED : i == 4 ? DW_CLOSED : DW_GREW;
        assert_int_equal(forward_queue(ob, dests, 2, 3, &ev, &err), 0);
    }
    struct dw_outbox_row *rows;
    size_t n;
    assert_int_equal(outbox_next(ob, "tcp://a:1", 0, 10, &rows, &n, &err), 0);
    assert_int_equal(n, 3); /* the bound: versions 3, 4, 5 are left */
    assert_non_null(strstr(rows[0].head, " GREW [dextwatch@32473 id=\"42\" version=\"3\""));
    assert_non_null(strstr(rows[2].head, " CLOSED [dextwatch@32473 id=\"42\" version=\"5\""));
    assert_string_equal(rows[2].body, rows[0].body);
    assert_true(rows[0].id < rows[1].id && rows[1].id < rows[2].id);
    int64_t mid = rows[1].id;
    outbox_rows_free(rows, n);
    assert_int_equal(outbox_confirm(ob, "tcp://a:1", mid, &err), 0);
    assert_int_equal(outbox_note_error(ob, "udp://b:2", "udp://b:2: send: nope", &err), 0);
    int64_t waiting;
    assert_int_equal(outbox_pending(ob, "tcp://a:1", &waiting, &err), 0);
    assert_int_equal(waiting, 1);
    struct dw_outbox_stats *st;
    assert_int_equal(outbox_stats(s, &st, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(st[0].destination, "tcp://a:1");
    assert_int_equal(st[0].waiting, 1);
    assert_int_equal(st[0].queued, 5);
    assert_int_equal(st[0].dropped, 2);
    assert_int_equal(st[0].sent, 2);
    assert_non_null(st[0].last_sent_at);
    assert_null(st[0].last_error);
    assert_int_equal(st[1].waiting, 3);
    assert_int_equal(st[1].sent, 0);
    assert_string_equal(st[1].last_error, "udp://b:2: send: nope");
    outbox_stats_free(st, n);
    /* deleting every row does not reuse ids (AUTOINCREMENT): cursors stay valid */
    assert_int_equal(outbox_confirm(ob, "tcp://a:1", INT64_MAX, &err), 0);
    assert_int_equal(outbox_confirm(ob, "udp://b:2", INT64_MAX, &err), 0);
    assert_int_equal(forward_queue(ob, dests, 1, 3, &ev, &err), 0);
    assert_int_equal(outbox_next(ob, "tcp://a:1", 0, 10, &rows, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_true(rows[0].id > mid + 1);
    assert_non_null(strstr(rows[0].head, " version=\"6\""));
    outbox_rows_free(rows, n);
    assert_int_equal(err.n, 0);
    incident_free(inc);
    outbox_close(ob);
    store_close(s);
    char path[160];
    const char *suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s%s", db, suffix[i]);
        unlink(path);
    }
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_urls),      cmocka_unit_test(test_pri_and_msgid),
        cmocka_unit_test(test_sd_escape), cmocka_unit_test(test_head),
        cmocka_unit_test(test_outbox),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
