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
#include <unistd.h>

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

static char self[4096]; /* this test's binary: a child it can verify on any system */

/* Starts this binary as `SELF __sleep ACTION`: a live process that runs self
 * and whose real argument vector carries self and the action. */
static void spawn_self(struct dw_child *c, char *action)
{
    struct dw_errors err = {0};
    char *args[] = {"__sleep", action, NULL};
    assert_int_equal(logcmd_spawn(self, args, c, &err), 0);
}

static void real_process(void **state)
{
    (void)state;
    struct dw_child stream, config;
    spawn_self(&stream, "stream");
    spawn_self(&config, "config");
    struct dw_buf raw = {0};
    const char *args[8];
    int n = osdep_proc_args(stream.pid, &raw, args, N(args));
    if (n < 0) { /* the system will not tell: nothing this test can check here */
        logcmd_stop(&stream, SIGKILL);
        logcmd_stop(&config, SIGKILL);
        skip();
    }
    assert_int_equal(n, 3);
    assert_string_equal(args[0], self);
    assert_string_equal(args[1], "__sleep");
    assert_string_equal(args[2], "stream");
    buf_free(&raw);
    assert_true(logcmd_pid_is_ours(stream.pid, self));
    assert_false(logcmd_pid_is_ours(config.pid, self));      /* no log action */
    assert_false(logcmd_pid_is_ours(stream.pid, "/usr/bin/log")); /* another command */
    pid_t gone = stream.pid;
    logcmd_stop(&stream, SIGKILL);
    logcmd_stop(&config, SIGKILL);
    assert_false(logcmd_pid_is_ours(gone, self)); /* reaped: no such process */
    assert_false(logcmd_pid_is_ours(1, "/sbin/init"));
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "__sleep") == 0) {
        sleep(30); /* until the test ends it */
        return 0;
    }
    osdep_self_exe(self, sizeof self);
    if (!self[0]) {
        fprintf(stderr, "test_logcmd: cannot find this binary's path\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(args_named_with_action),
        cmocka_unit_test(args_refused),
        cmocka_unit_test(real_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
