/* test_logcmd.c - the guard's check that a recorded pid is one of our `log`
 * children (logcmd_guard.h): the pure check of an argument vector, and the
 * whole check on real processes whose command line the system reports
 * (osdep_proc_args). */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "logcmd.h"
#include "logcmd_guard.h"
#include "osdep.h"

#define N(v) (sizeof(v) / sizeof(v)[0])

static void args_named_with_action(void **state)
{
    (void)state;
    const char *plain[] = {"/usr/bin/log", "stream", "--style", "ndjson"};
    const char *show[] = {"/usr/bin/log", "show", "--start", "2026-01-01 00:00:00+0000"};
    const char *wrapped[] = {"dextwatch", "__child", "4242", "/usr/bin/log", "stream"};
    assert_true(logcmd_args_are_ours(plain, N(plain), "/usr/bin/log"));
    assert_true(logcmd_args_are_ours(show, N(show), "/usr/bin/log"));
    assert_true(logcmd_args_are_ours(wrapped, N(wrapped), "/usr/bin/log"));
}

static void args_refused(void **state)
{
    (void)state;
    /* the executable alone is not enough: these are not what we spawn */
    const char *config[] = {"/usr/bin/log", "config", "--status"};
    const char *bare[] = {"/usr/bin/log"};
    const char *other[] = {"/usr/bin/tail", "stream"};
    const char *late[] = {"sh", "-c", "x", "y", "z", "/usr/bin/log", "stream"};
    const char *before[] = {"stream", "/usr/bin/log"};
    assert_false(logcmd_args_are_ours(config, N(config), "/usr/bin/log"));
    assert_false(logcmd_args_are_ours(bare, N(bare), "/usr/bin/log"));
    assert_false(logcmd_args_are_ours(other, N(other), "/usr/bin/log"));
    assert_false(logcmd_args_are_ours(late, N(late), "/usr/bin/log"));
    assert_false(logcmd_args_are_ours(before, N(before), "/usr/bin/log"));
    assert_false(logcmd_args_are_ours(NULL, 0, "/usr/bin/log"));
}

/* Starts /bin/sh -c 'sleep 30; :' sh ACTION: a live process whose real
 * argument vector carries cmd and the action (the `; :` keeps the shell
 * from exec'ing sleep in its place). */
static void spawn_sh(struct dw_child *c, char *action)
{
    struct dw_errors err = {0};
    char *args[] = {"-c", "sleep 30; :", "sh", action, NULL};
    assert_int_equal(logcmd_spawn("/bin/sh", args, c, &err), 0);
}

static void real_process(void **state)
{
    (void)state;
    struct dw_child stream, config;
    spawn_sh(&stream, "stream");
    spawn_sh(&config, "config");
    struct dw_buf raw = {0};
    const char *args[8];
    int n = osdep_proc_args(stream.pid, &raw, args, N(args));
    if (n < 0) { /* no /proc: nothing this test can check here */
        logcmd_stop(&stream, SIGKILL);
        logcmd_stop(&config, SIGKILL);
        skip();
    }
    assert_int_equal(n, 5);
    assert_string_equal(args[0], "/bin/sh");
    assert_string_equal(args[4], "stream");
    buf_free(&raw);
    assert_true(logcmd_pid_is_ours(stream.pid, "/bin/sh"));
    assert_false(logcmd_pid_is_ours(config.pid, "/bin/sh"));  /* no log action */
    assert_false(logcmd_pid_is_ours(stream.pid, "/usr/bin/log")); /* another command */
    pid_t gone = stream.pid;
    logcmd_stop(&stream, SIGKILL);
    logcmd_stop(&config, SIGKILL);
    assert_false(logcmd_pid_is_ours(gone, "/bin/sh")); /* reaped: no such process */
    assert_false(logcmd_pid_is_ours(1, "/sbin/init"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(args_named_with_action),
        cmocka_unit_test(args_refused),
        cmocka_unit_test(real_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
