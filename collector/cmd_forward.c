/* cmd_forward.c - `dextwatch forward --test URL`: one test message to a
 * receiver, to check a forwarding set-up before deploying it (docs/fleet.md). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "forward.h"

static const char forward_usage[] =
    "usage: dextwatch forward --test URL\n"
    "\n"
    "Sends one RFC 5424 message (msgid TEST, the same header and structured data\n"
    "as an incident event, body {\"test\":true}) to URL, as `watch --forward URL`\n"
    "would: tcp://host:port (octet counting), udp://host:port, unix:///path.\n"
    "Over TCP it waits (up to 5 s) until the receiver's TCP stack acknowledged it.\n"
    "Exit status 0 sent, 2 not (the reason is printed).\n"
    "\n"
    "  --test URL   the destination\n"
    "  -h, --help   this help\n";

static int64_t wall_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

int cmd_forward(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"test", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *url = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            url = optarg;
            break;
        case 'h':
            fputs(forward_usage, stdout);
            return DW_EXIT_OK;
        default:
            fputs(forward_usage, stderr);
            return DW_EXIT_USAGE;
        }
    }
    if (!url || optind < argc) {
        fputs(forward_usage, stderr);
        return DW_EXIT_USAGE;
    }
    struct dw_errors err = {0};
    struct dw_forward_conn conn = {.fd = -1};
    if (forward_url_parse(url, &conn.url, &err) != 0) {
        cli_error("forward: %s", err.msgs[0]);
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
        if (stream && forward_conn_unacked(&conn) > 0)
            dw_errors_add(&err, "%s: the receiver did not acknowledge the message within 5 s",
                          conn.url.text);
        else if (!forward_conn_broken(&conn, &err) || !stream)
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
