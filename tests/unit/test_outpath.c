/* test_outpath.c - an output that is the database (or its -wal/-shm) or an
 * input is refused by device and inode; stdout errors; whole numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "numparse.h"
#include "outpath.h"

static char dir[] = "/tmp/dw-outpath-XXXXXX";

static char *in_dir(const char *name)
{
    struct dw_buf b = {0};
    buf_printf(&b, "%s/%s", dir, name);
    return buf_steal(&b);
}

static void touch(const char *path)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("x\n", f);
    fclose(f);
}

static void test_database_files(void **state)
{
    (void)state;
    char *db = in_dir("d.db"), *wal = in_dir("d.db-wal"), *shm = in_dir("d.db-shm");
    char *other = in_dir("other.json"), *fresh = in_dir("fresh.json");
    touch(db);
    touch(wal);
    touch(shm);
    touch(other);
    struct dw_errors err = {0};
    assert_int_equal(dw_output_check(db, db, NULL, 0, &err), -1);
    assert_non_null(strstr(err.msgs[0], "refusing to write over the database"));
    assert_int_equal(dw_output_check(wal, db, NULL, 0, &err), -1);
    assert_int_equal(dw_output_check(shm, db, NULL, 0, &err), -1);
    assert_non_null(strstr(err.msgs[2], "-shm, a file of the database"));
    assert_int_equal(dw_output_check(other, db, NULL, 0, &err), 0);
    assert_int_equal(dw_output_check(fresh, db, NULL, 0, &err), 0); /* not there yet */
    assert_int_equal(dw_output_check(db, NULL, NULL, 0, &err), 0);  /* --no-store */
    assert_int_equal(err.n, 3);
    /* another spelling and a hard link of the same file */
    char *dotted = in_dir("./d.db"), *hard = in_dir("hard.db");
    assert_int_equal(link(db, hard), 0);
    assert_int_equal(dw_output_check(dotted, db, NULL, 0, &err), -1);
    assert_int_equal(dw_output_check(hard, db, NULL, 0, &err), -1);
    dw_errors_clear(&err);
    unlink(hard);
    char *all[] = {db, wal, shm, other, dotted, hard};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        unlink(all[i]);
        free(all[i]);
    }
    free(fresh);
}

static void test_inputs(void **state)
{
    (void)state;
    char *in = in_dir("in.log"), *sym = in_dir("sym.log"), *out = in_dir("out.json");
    touch(in);
    touch(out);
    assert_int_equal(symlink(in, sym), 0);
    char *inputs[] = {"-", out};
    struct dw_errors err = {0};
    assert_int_equal(dw_output_check(out, NULL, inputs, 1, &err), 0); /* stdin only */
    assert_int_equal(dw_output_check(out, NULL, inputs, 2, &err), -1);
    assert_non_null(strstr(err.msgs[0], "refusing to write over an input"));
    inputs[1] = in;
    assert_int_equal(dw_output_check(sym, NULL, inputs, 2, &err), -1); /* through a symlink */
    assert_int_equal(dw_output_check(out, NULL, inputs, 2, &err), 0);
    /* a device is not a file that could be destroyed */
    assert_int_equal(dw_output_check("/dev/null", NULL, (char *[]){"/dev/null"}, 1, &err), 0);
    assert_int_equal(err.n, 2);
    dw_errors_clear(&err);
    unlink(sym);
    unlink(in);
    unlink(out);
    free(sym);
    free(in);
    free(out);
}

static void test_parse_int64(void **state)
{
    (void)state;
    int64_t v = 7;
    assert_int_equal(dw_parse_int64("0", 0, 10, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(dw_parse_int64("9223372036854775807", 0, INT64_MAX, &v), 0);
    assert_true(v == INT64_MAX);
    assert_int_equal(dw_parse_int64("-9223372036854775808", INT64_MIN, 0, &v), 0);
    assert_true(v == INT64_MIN);
    v = 7;
    /* one past the end either way: refused, not clamped */
    assert_int_equal(dw_parse_int64("9223372036854775808", 0, INT64_MAX, &v), -1);
    assert_int_equal(dw_parse_int64("-9223372036854775809", INT64_MIN, 0, &v), -1);
    assert_int_equal(dw_parse_int64("99999999999999999999", 0, INT64_MAX, &v), -1);
    assert_int_equal(dw_parse_int64("11", 0, 10, &v), -1);
    assert_int_equal(dw_parse_int64("-1", 0, 10, &v), -1);
    assert_int_equal(dw_parse_int64("-1", 1, 10, &v), -1);
    static const char *const junk[] = {"", "-", "+1", " 1", "1 ", "1x", "0x10", "1e3", "--1"};
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++)
        assert_int_equal(dw_parse_int64(junk[i], INT64_MIN, INT64_MAX, &v), -1);
    assert_int_equal(dw_parse_int64(NULL, 0, 1, &v), -1);
    assert_int_equal(v, 7); /* untouched by every refusal */
    assert_int_equal(dw_parse_int64("-0042", -100, 0, &v), 0);
    assert_int_equal(v, -42);
}

/* stdout on /dev/full: what was written is lost, so the run failed */
static void test_stdout_full(void **state)
{
    (void)state;
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    assert_true(saved >= 0);
    assert_non_null(freopen("/dev/full", "w", stdout));
    fputs("lost\n", stdout);
    struct dw_errors err = {0};
    int rc = dw_stdout_finish(&err);
    /* back to the real stdout for cmocka's report */
    assert_true(dup2(saved, STDOUT_FILENO) >= 0);
    close(saved);
    stdout = fdopen(STDOUT_FILENO, "w");
    assert_non_null(stdout);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err.msgs[0], "stdout: write error"));
    dw_errors_clear(&err);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_database_files),
        cmocka_unit_test(test_inputs),
        cmocka_unit_test(test_parse_int64),
        cmocka_unit_test(test_stdout_full),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
