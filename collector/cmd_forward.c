/* cmd_forward.c - `dextwatch forward --test URL`: one test message to a
 * receiver, to check a forwarding set-up before deploying it (docs/fleet.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "forward.h"

enum { FORWARD_TEST, FORWARD_HELP };
static const struct cli_opt forward_opts[] = {
    [FORWARD_TEST] = {"test", 0, "URL", NULL, "the destination"},
    [FORWARD_HELP] = CLI_OPT_HELP,
    {0},
};

static int cmd_forward(const struct cli_cmd *self, int argc, char **argv);

const struct cli_cmd cmd_forward_entry = {
    .name = "forward",
    .summary = "send a test message to a --forward destination (rsyslog, syslog-ng)",
    .usage = "forward --test URL",
    .about = "Sends one RFC 5424 message (msgid TEST, the same header and structured data\n"
             "as an incident event, body {\"test\":true}) to URL, as `watch --forward URL`\n"
             "would: tcp://host:port (octet counting), udp://host:port, unix:///path.\n"
             "Over TCP it waits (up to 5 s) until the receiver's TCP stack acknowledged it,\n"
             "then 200 ms more: a receiver that closed the connection or sent anything\n"
             "back (a syslog receiver sends nothing) fails the test (exit 2).",
    .opts = forward_opts,
    .epilog = "Exit status 0 sent, 2 not (the reason is printed).",
    .run = cmd_forward,
};

static int64_t wall_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static int cmd_forward(const struct cli_cmd *self, int argc, char **argv)
{
    const char *url = NULL;
    struct cli_parser p;
    cli_parse_begin(&p, self, argc, argv);
    for (int o; (o = cli_next(&p)) >= 0;)
        if (o == FORWARD_TEST)
            url = p.arg;
    if (p.status >= 0)
        return p.status;
    if (!url)
        return cli_usage_error(&cmd_forward_entry, "--test URL is required");
    struct dw_errors err = {0};
    struct dw_forward_conn conn = {.fd = -1};
    if (forward_url_parse(url, &conn.url, &err) != 0) {
        cli_usage_error(&cmd_forward_entry, "%s", err.msgs[0]);
        dw_errors_clear(&err);
        return DW_EXIT_USAGE;
    }
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0)
        host[0] = '\0';
    struct dw_incident inc = {.subject = "dextwatch.test", .severity = DW_SEV_INFO};
    struct dw_forward_event ev = {
        .change = DW_OPENED,
        .inc = &inc,
        .time_us = wall_us(),
        .hostname = host,
        .procid = (long)getpid(),
        .msgid = "TEST",
    };
    struct dw_buf head = {0}, msg = {0};
    forward_format_head(&head, &ev);
    bool stream = forward_conn_stream(&conn);
    forward_message(&msg, buf_cstr(&head), "{\"test\":true}", stream ? 0 : DW_FORWARD_DGRAM_MAX);
    int rc = DW_EXIT_USAGE;
    if (forward_conn_open(&conn, 5 * INT64_C(1000000), &err) == 0 &&
        forward_conn_send(&conn, msg.data, msg.len, &err) == 0) {
        for (int i = 0; stream && i < 100 && forward_conn_unacked(&conn) > 0; i++) {
            struct timespec ts = {0, 50 * 1000000L};
            nanosleep(&ts, NULL);
        }
        if (stream && forward_conn_unacked(&conn) > 0) {
            dw_errors_add(&err, "%s: the receiver did not acknowledge the message within 5 s",
                          conn.url.text);
        } else if (stream) { /* as the sender confirms: still sound a moment later */
            struct timespec ts = {0, 200 * 1000000L};
            nanosleep(&ts, NULL);
        }
        if (err.n == 0 && forward_conn_check(&conn, &err) == DW_FORWARD_SOUND)
            rc = DW_EXIT_OK;
    }
    forward_conn_close(&conn);
    if (rc == DW_EXIT_OK)
        printf("sent a test message to %s\n", conn.url.text);
    for (size_t i = 0; i < err.n; i++)
        cli_error("forward: %s", err.msgs[i]);
    dw_errors_clear(&err);
    buf_free(&head);
    buf_free(&msg);
    return rc;
}
