/* test_codes.c - error-code tables: loading, lookup rules, malformed files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "codes.h"

static struct dw_codes *load_shipped(void)
{
    struct dw_errors err = {0};
    struct dw_codes *c = codes_load_dir(DW_SOURCE_DIR "/rules/codes", &err);
    for (size_t i = 0; i < err.n; i++)
        print_error("%s\n", err.msgs[i]);
    assert_non_null(c);
    assert_int_equal(err.n, 0);
    dw_errors_clear(&err);
    return c;
}

static void test_load_all_tables(void **state)
{
    (void)state;
    struct dw_codes *c = load_shipped();
    const char *want[] = {"codesign-errors", "ioreturn-codes", "kern-return-codes",
                          "oskext-codes",    "sysext-errors",  "security-errors",
                          "amfi-errors",     "kmerror-codes"};
    for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
        size_t n = 0;
        for (size_t i = 0; i < codes_count(c); i++)
            n += strcmp(codes_at(c, i)->table, want[w]) == 0;
        assert_true(n > 0);
    }
    assert_null(codes_at(c, codes_count(c)));
    codes_free(c);
}

static void test_lookup_auto(void **state)
{
    (void)state;
    struct dw_codes *c = load_shipped();
    const struct dw_code *e = codes_lookup(c, NULL, "-67050");
    assert_non_null(e);
    assert_string_equal(e->name, "errSecCSReqFailed");
    assert_string_equal(e->table, "codesign-errors");
    assert_string_equal(e->text, "-67050");
    assert_true(strlen(e->meaning) > 10);
    e = codes_lookup(c, NULL, "0xe00002e2");
    assert_non_null(e);
    assert_string_equal(e->name, "kIOReturnNotPermitted");
    e = codes_lookup(c, NULL, "0xE00002E2"); /* hex is case-insensitive */
    assert_non_null(e);
    assert_string_equal(e->name, "kIOReturnNotPermitted");
    e = codes_lookup(c, NULL, "0xfffefa16"); /* -67050 as an unsigned 32-bit value */
    assert_non_null(e);
    assert_string_equal(e->name, "errSecCSReqFailed");
    e = codes_lookup(c, NULL, "0xdc008016");
    assert_non_null(e);
    assert_string_equal(e->name, "kOSKextReturnLinkError");
    /* small numbers are counts as often as codes: never auto-decoded */
    assert_null(codes_lookup(c, NULL, "8"));
    assert_null(codes_lookup(c, NULL, "5"));
    assert_null(codes_lookup(c, NULL, "0x8"));
    /* not numbers, or unknown */
    assert_null(codes_lookup(c, NULL, "-67050x"));
    assert_null(codes_lookup(c, NULL, ""));
    assert_null(codes_lookup(c, NULL, "0x"));
    assert_null(codes_lookup(c, NULL, "-1"));
    assert_null(codes_lookup(c, NULL, "kOSReturnSuccess"));
    codes_free(c);
}

static void test_lookup_table(void **state)
{
    (void)state;
    struct dw_codes *c = load_shipped();
    const struct dw_code *e = codes_lookup(c, "sysext-errors", "8");
    assert_non_null(e);
    assert_string_equal(e->name, "OSSystemExtensionErrorCodeSignatureInvalid");
    assert_true(strstr(e->meaning, "signature") != NULL); /* the meaning column, not swift_case */
    e = codes_lookup(c, "kern-return-codes", "5");
    assert_non_null(e);
    assert_string_equal(e->name, "KERN_FAILURE");
    assert_string_equal(e->meaning, "(os/kern) failure");
    assert_null(codes_lookup(c, "sysext-errors", "99"));
    assert_null(codes_lookup(c, "sysext-errors", "-67050")); /* other table */
    assert_null(codes_lookup(c, "no-such-table", "8"));
    codes_free(c);
}

/* Every spelling tools print for one code finds the same row. */
static void test_lookup_spellings(void **state)
{
    (void)state;
    struct dw_codes *c = load_shipped();
    static const struct {
        const char *text, *name;
    } cases[] = {
        {"0xfffefa16", "errSecCSReqFailed"}, /* OSStatus as unsigned 32-bit hex */
        {"0xFFFEFA16", "errSecCSReqFailed"},
        {"0xfffffffffffefa16", "errSecCSReqFailed"}, /* sign-extended 64-bit hex */
        {"0xfffffffffffefa0a", "errSecCSUnsigned"},  /* -67062 */
        {"-603946986", "kOSKextReturnLinkError"},    /* 0xdc008016 as negative decimal */
        {"0xffffffffdc008016", "kOSKextReturnLinkError"},
        {"-536870174", "kIOReturnNotPermitted"},   /* 0xe00002e2 as negative decimal */
        {"-2147409622", "CSSMERR_TP_NOT_TRUSTED"}, /* CSSM/TP as large negative decimal */
        {"0x8001212a", "CSSMERR_TP_NOT_TRUSTED"},
        {"-2147409654", "CSSMERR_TP_CERT_EXPIRED"},
        {"-67843", "errSecNotTrusted"},
        {"-67671", "errSecInternalError"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct dw_code *e = codes_lookup(c, NULL, cases[i].text);
        if (!e)
            fail_msg("%s: not found", cases[i].text);
        assert_string_equal(e->name, cases[i].name);
    }
    /* a 64-bit value that is not a sign-extended 32-bit code finds nothing */
    assert_null(codes_lookup(c, NULL, "0x1fffefa16"));
    assert_null(codes_lookup(c, NULL, "0xfffffffe0000fa16"));
    codes_free(c);
}

/* Each row carries the class a line with the code implies. */
static void test_classes(void **state)
{
    (void)state;
    struct dw_codes *c = load_shipped();
    static const struct {
        const char *table, *text, *cls;
    } cases[] = {
        {NULL, "-67050", "codesign.requirement"},
        {NULL, "-67062", "codesign.unsigned"},
        {NULL, "-67061", "codesign.invalid-signature"},
        {NULL, "0xe00002e2", "entitlement.user-client"},
        {NULL, "0xdc008016", "kext.load-failed"},
        {NULL, "-2147409622", "codesign.invalid-signature"},
        {"amfi-errors", "-413", "entitlement.restricted-not-validated"},
        {"sysext-errors", "8", "codesign.invalid-signature"},
        {"sysext-errors", "9", "sysext.activation-failed"},
        {"kmerror-codes", "29", "codesign.invalid-signature"},
        {"kmerror-codes", "27", "kext.load-failed"},
        {"kmerror-codes", "28", "none"},
        {"kern-return-codes", "0", "none"}, /* success never makes a finding */
        {"ioreturn-codes", "0", "none"},
        {"kern-return-codes", "5", "kext.load-failed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct dw_code *e = codes_lookup(c, cases[i].table, cases[i].text);
        if (!e)
            fail_msg("%s: not found", cases[i].text);
        assert_string_equal(e->class_name, cases[i].cls);
    }
    for (size_t i = 0; i < codes_count(c); i++)
        assert_true(codes_at(c, i)->class_name[0] != '\0');
    codes_free(c);
}

static bool only_other(const char *cls)
{
    return strcmp(cls, "other") == 0;
}

/* Writes text to a new file dir/name; returns the path (caller frees). */
static char *write_file(const char *dir, const char *name, const char *text)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = malloc(n);
    snprintf(path, n, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    return path;
}

static void test_malformed(void **state)
{
    (void)state;
    char dir[] = "/tmp/dw-codes-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *good = write_file(dir, "a-good.tsv",
                            "# comment\nvalue\tname\tclass\tmeaning\n-1\tE_ONE\tother\tone\n");
    char *bad = write_file(
        dir, "b-bad.tsv",
        "# source\nvalue\tname\tclass\tmeaning\n0x10\tOK\tnone\tfine\n12zz\tBAD\tother\tnope\n");
    struct dw_errors err = {0};
    assert_null(codes_load_dir(dir, &err));
    assert_int_equal(err.n, 1);
    char want[512];
    snprintf(want, sizeof want, "%s:4: ", bad);
    assert_true(strncmp(err.msgs[0], want, strlen(want)) == 0);
    assert_non_null(strstr(err.msgs[0], "12zz"));
    dw_errors_clear(&err);

    /* the good file alone loads; its table is named after the file */
    struct dw_codes *c = codes_new();
    assert_int_equal(codes_load_file(c, good, &err), 0);
    assert_int_equal(codes_count(c), 1);
    assert_string_equal(codes_at(c, 0)->table, "a-good");
    /* a failed file adds nothing */
    assert_int_equal(codes_load_file(c, bad, &err), -1);
    assert_int_equal(codes_count(c), 1);
    dw_errors_clear(&err);

    /* header without the needed columns */
    char *hdr = write_file(dir, "c-hdr.tsv", "# x\nnumber\tname\n1\tA\n");
    assert_int_equal(codes_load_file(c, hdr, &err), -1);
    assert_int_equal(err.n, 1);
    snprintf(want, sizeof want, "%s:2: ", hdr);
    assert_true(strncmp(err.msgs[0], want, strlen(want)) == 0);
    dw_errors_clear(&err);
    codes_free(c);

    /* a header without the class column, and a class that is not a class */
    char *nocls = write_file(dir, "d-nocls.tsv", "value\tname\tmeaning\n1\tA\tx\n");
    char *badcls = write_file(
        dir, "e-badcls.tsv", "value\tname\tclass\tmeaning\n1\tA\tother\tx\n2\tB\tNot A Class\ty\n");
    c = codes_new();
    assert_int_equal(codes_load_file(c, nocls, &err), -1);
    assert_non_null(strstr(err.msgs[0], "'class'"));
    dw_errors_clear(&err);
    assert_int_equal(codes_load_file(c, badcls, &err), -1);
    snprintf(want, sizeof want, "%s:3: bad class", badcls);
    assert_true(strncmp(err.msgs[0], want, strlen(want)) == 0);
    assert_int_equal(codes_count(c), 0);
    dw_errors_clear(&err);
    /* a well-formed class outside the taxonomy: codes_check_classes names it; none passes */
    char *tax = write_file(dir, "f-tax.tsv",
                           "value\tname\tclass\tmeaning\n1\tA\tother\tx\n2\tB\tnone\ty\n"
                           "3\tC\tcodesign.nope\tz\n");
    assert_int_equal(codes_load_file(c, tax, &err), 0);
    assert_int_equal(codes_check_classes(c, only_other, &err), -1);
    assert_int_equal(err.n, 1);
    assert_non_null(strstr(err.msgs[0], "f-tax.tsv: code 3 (C): class 'codesign.nope'"));
    dw_errors_clear(&err);
    codes_free(c);

    /* a missing directory is an empty set, not an error */
    c = codes_load_dir("/nonexistent/dw-codes", &err);
    assert_non_null(c);
    assert_int_equal(codes_count(c), 0);
    assert_int_equal(err.n, 0);
    codes_free(c);

    unlink(good);
    unlink(bad);
    unlink(hdr);
    unlink(nocls);
    unlink(badcls);
    unlink(tax);
    free(nocls);
    free(badcls);
    free(tax);
    rmdir(dir);
    free(good);
    free(bad);
    free(hdr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_all_tables), cmocka_unit_test(test_lookup_auto),
        cmocka_unit_test(test_lookup_table),    cmocka_unit_test(test_lookup_spellings),
        cmocka_unit_test(test_classes),         cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
