/* test_logpump.c - the pump that reads a `log` child (logpump.h), on real
 * /bin/sh children: stdout passed on whole, stderr split into lines (a last
 * line without its newline too, the last kept), the exit status or signal,
 * a child that cannot start, and a paused stdout left in the pipe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "logpump.h"

struct seen {
    struct dw_buf out;
    struct dw_buf err; /* lines joined by '|' */
    int nerr;
};

static void on_out(void *ctx, const char *data, size_t n)
{
    buf_append(&((struct seen *)ctx)->out, data, n);
}

static void on_err(void *ctx, const char *line, size_t n)
{
    struct seen *s = ctx;
    if (s->nerr++)
        buf_putc(&s->err, '|');
    buf_append(&s->err, line, n);
}

/* Runs `sh -c script stream` through a pump to its end; returns the status. */
static int run_sh(const char *script, struct seen *s, struct dw_logpump *p)
{
    struct dw_errors err = {0};
    char *args[] = {"-c", (char *)script, "stream", NULL};
    logpump_init(p, "stream", &(struct dw_logpump_sink){on_out, on_err, s});
    assert_int_equal(logpump_start(p, "/bin/sh", args, &err), 0);
    int st = logpump_run(p, &err);
    assert_int_equal(err.n, 0);
    return st;
}

static void output_lines_status(void **state)
{
    (void)state;
    struct seen s = {0};
    struct dw_logpump p;
    int st = run_sh("printf 'a\\nb'; printf 'e1\\ne2\\npartial' >&2; exit 3", &s, &p);
    assert_int_equal(st, 3);
    assert_true(p.exited);
    assert_false(p.running);
    assert_string_equal(buf_cstr(&s.out), "a\nb");
    assert_string_equal(buf_cstr(&s.err), "e1|e2|partial");
    assert_string_equal(p.last_err, "partial");
    logpump_reset(&p);
    buf_free(&s.out);
    buf_free(&s.err);
}

static void killed_by_signal(void **state)
{
    (void)state;
    struct seen s = {0};
    struct dw_logpump p;
    assert_int_equal(run_sh("echo x; kill -9 $$", &s, &p), 128 + 9);
    assert_string_equal(buf_cstr(&s.out), "x\n");
    assert_int_equal(s.nerr, 0);
    logpump_reset(&p);
    buf_free(&s.out);
}

static void cannot_start(void **state)
{
    (void)state;
    struct dw_logpump p;
    struct dw_errors err = {0};
    char *args[] = {"stream", NULL};
    logpump_init(&p, "stream", NULL);
    assert_int_equal(logpump_start(&p, "/nonexistent/log", args, &err), -1);
    assert_false(p.running);
    assert_int_equal(err.n, 1);
    assert_non_null(strstr(err.msgs[0], "/nonexistent/log"));
    dw_errors_clear(&err);
}

/* A paused stdout is neither polled nor read; unpaused, it all comes. */
static void paused(void **state)
{
    (void)state;
    struct seen s = {0};
    struct dw_logpump p;
    struct dw_errors err = {0};
    char *args[] = {"-c", "echo held; sleep 1", "stream", NULL};
    logpump_init(&p, "stream", &(struct dw_logpump_sink){on_out, on_err, &s});
    assert_int_equal(logpump_start(&p, "/bin/sh", args, &err), 0);
    p.paused = true;
    struct pollfd fds[2];
    assert_int_equal(logpump_pollfds(&p, fds), 1);
    assert_int_equal(fds[0].fd, p.c.err_fd);
    struct pollfd ready = {.fd = p.c.out_fd, .events = POLLIN};
    assert_int_equal(poll(&ready, 1, 5000), 1); /* the child has written */
    assert_false(logpump_read(&p, &err));
    assert_int_equal(s.out.len, 0);
    p.paused = false;
    assert_true(logpump_read(&p, &err));
    assert_string_equal(buf_cstr(&s.out), "held\n");
    logpump_stop(&p, 15, 2000);
    assert_false(p.running);
    assert_int_equal(err.n, 0);
    buf_free(&s.out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(output_lines_status),
        cmocka_unit_test(killed_by_signal),
        cmocka_unit_test(cannot_start),
        cmocka_unit_test(paused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
