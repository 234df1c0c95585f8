/* test_bundle.c - the Mach-O and code signature reader on hostile input
 * (truncated, overlapping, huge counts: clean errors naming the offset), page
 * hash verification, PCI match strings as IOPCIFamily reads them, and
 * property lists through libplist. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "bundle.h"
#include "check.h"
#include "macho.h"

/* ---- a minimal signed thin Mach-O, built here from loader.h / cs_blobs.h ---- */

#define SIG_OFF 0x2000u
#define CD_AT (SIG_OFF + 20) /* SuperBlob header 12 + one index entry 8 */

static void be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

static void le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16), p[3] = (unsigned char)(v >> 24);
}

/* Header + LC_CODE_SIGNATURE; two 4 KiB pages of code; a SuperBlob with one
 * ad-hoc CodeDirectory (identifier "t") hashing them.  Returns the size. */
static size_t build(unsigned char *m, size_t cap)
{
    memset(m, 0, cap);
    le32(m, 0xfeedfacf);
    le32(m + 4, DW_CPU_TYPE_ARM64);
    le32(m + 12, 2);
    le32(m + 16, 1);  /* ncmds */
    le32(m + 20, 16); /* sizeofcmds */
    le32(m + 32, 0x1d);
    le32(m + 36, 16);
    le32(m + 40, SIG_OFF);
    for (size_t i = 48; i < SIG_OFF; i++)
        m[i] = (unsigned char)(i * 7);
    unsigned char *cd = m + CD_AT;
    uint32_t hash_off = 88 + 2, cd_len = hash_off + 2 * 32;
    size_t size = SIG_OFF + 20 + cd_len;
    le32(m + 44, (uint32_t)(size - SIG_OFF)); /* datasize: in page 0, so before hashing */
    be32(cd, 0xfade0c02);
    be32(cd + 4, cd_len);
    be32(cd + 8, 0x20400);
    be32(cd + 12, DW_CS_ADHOC);
    be32(cd + 16, hash_off);
    be32(cd + 20, 88);
    be32(cd + 28, 2); /* nCodeSlots */
    be32(cd + 32, SIG_OFF);
    cd[36] = 32, cd[37] = DW_CS_HASHTYPE_SHA256, cd[39] = 12;
    cd[88] = 't';
    codesign_hash(DW_CS_HASHTYPE_SHA256, m, 4096, cd + hash_off);
    codesign_hash(DW_CS_HASHTYPE_SHA256, m + 4096, 4096, cd + hash_off + 32);
    unsigned char *sb = m + SIG_OFF;
    be32(sb, 0xfade0cc0);
    be32(sb + 4, 20 + cd_len);
    be32(sb + 8, 1);
    be32(sb + 12, 0);  /* slot 0 */
    be32(sb + 16, 20); /* offset */
    return size;
}

static enum dw_macho_rc read(const unsigned char *m, size_t n, struct dw_errors *err,
                             struct dw_macho *out)
{
    dw_errors_clear(err);
    return macho_read(m, n, out, err);
}

/* Expects DW_MACHO_BAD with a message containing want. */
static void expect_bad(const unsigned char *m, size_t n, const char *want)
{
    struct dw_errors err = {0};
    struct dw_macho mo;
    assert_int_equal(read(m, n, &err, &mo), DW_MACHO_BAD);
    assert_true(err.n > 0);
    if (!strstr(err.msgs[0], want))
        fail_msg("'%s' does not contain '%s'", err.msgs[0], want);
    assert_non_null(strstr(err.msgs[0], "offset 0x"));
    macho_free(&mo);
    dw_errors_clear(&err);
}

static unsigned char image[3 * 4096];

static void test_valid_adhoc(void **state)
{
    (void)state;
    size_t n = build(image, sizeof image);
    struct dw_errors err = {0};
    struct dw_macho mo;
    assert_int_equal(read(image, n, &err, &mo), DW_MACHO_OK);
    assert_int_equal(mo.nslices, 1);
    const struct dw_codesign *cs = &mo.slices[0].cs;
    assert_true(cs->present);
    assert_string_equal(cs->identifier, "t");
    assert_null(cs->team_id);
    assert_true(cs->flags & DW_CS_ADHOC);
    assert_int_equal(cs->n_code_slots, 2);
    assert_int_equal(cs->pages_bad, 0);
    macho_free(&mo);
    /* one byte of page 1 changed after signing */
    image[4096 + 5] ^= 1;
    assert_int_equal(read(image, n, &err, &mo), DW_MACHO_OK);
    assert_int_equal(mo.slices[0].cs.pages_bad, 1);
    assert_int_equal(mo.slices[0].cs.first_bad_page, 1);
    macho_free(&mo);
    dw_errors_clear(&err);
}

static void test_not_macho(void **state)
{
    (void)state;
    struct dw_errors err = {0};
    struct dw_macho mo;
    assert_int_equal(read((const unsigned char *)"#!/bin/sh\necho\n", 15, &err, &mo),
                     DW_MACHO_NOT_MACHO);
    assert_int_equal(read((const unsigned char *)"\xcf\xfa", 2, &err, &mo), DW_MACHO_NOT_MACHO);
    macho_free(&mo);
    dw_errors_clear(&err);
}

static void test_truncated_and_counts(void **state)
{
    (void)state;
    size_t n = build(image, sizeof image);
    expect_bad(image, 20, "truncated");
    le32(image + 20, 0xfffffff0); /* sizeofcmds */
    expect_bad(image, n, "sizeofcmds");
    n = build(image, sizeof image);
    le32(image + 36, 0); /* cmdsize 0: a walk that never advances */
    expect_bad(image, n, "cmdsize 0");
    n = build(image, sizeof image);
    le32(image + 16, 1000000); /* ncmds far beyond sizeofcmds */
    expect_bad(image, n, "runs past sizeofcmds");
    n = build(image, sizeof image);
    expect_bad(image, n - 1, "LC_CODE_SIGNATURE data"); /* the signature cut short */
    n = build(image, sizeof image);
    be32(image + SIG_OFF + 8, 0x7fffffff); /* SuperBlob count */
    expect_bad(image, n, "SuperBlob index");
    n = build(image, sizeof image);
    be32(image + SIG_OFF + 16, 0xfffffff0); /* blob offset */
    expect_bad(image, n, "outside the SuperBlob");
    n = build(image, sizeof image);
    be32(image + SIG_OFF + 16, 4); /* blob overlapping the index */
    expect_bad(image, n, "overlaps its index");
}

static void test_code_directory_bounds(void **state)
{
    (void)state;
    size_t n = build(image, sizeof image);
    be32(image + CD_AT + 28, 0x10000000); /* nCodeSlots */
    expect_bad(image, n, "do not fit");
    n = build(image, sizeof image);
    be32(image + CD_AT + 32, 0x100000); /* codeLimit past the slice */
    expect_bad(image, n, "codeLimit");
    n = build(image, sizeof image);
    be32(image + CD_AT + 24, 0x100); /* special slots below the hash offset */
    expect_bad(image, n, "special");
    n = build(image, sizeof image);
    image[CD_AT + 88] = 'x';
    image[CD_AT + 89] = 'y'; /* identifier runs into the hashes... */
    be32(image + CD_AT + 20, 0xffff); /* ...or starts outside */
    expect_bad(image, n, "identifier offset 0xffff");
    n = build(image, sizeof image);
    image[CD_AT + 37] = 9; /* unknown hash type */
    expect_bad(image, n, "hash type 9");
    n = build(image, sizeof image);
    be32(image + CD_AT, 0xfade0c00); /* slot 0 is not a CodeDirectory */
    expect_bad(image, n, "expected 0xfade0c02");
}

static void test_fat(void **state)
{
    (void)state;
    static unsigned char fat[0x4000 + sizeof image];
    size_t n = build(image, sizeof image);
    memset(fat, 0, sizeof fat);
    be32(fat, 0xcafebabe);
    be32(fat + 4, 1);
    be32(fat + 8, DW_CPU_TYPE_ARM64);
    be32(fat + 16, 0x4000);
    be32(fat + 20, (uint32_t)n);
    memcpy(fat + 0x4000, image, n);
    struct dw_errors err = {0};
    struct dw_macho mo;
    assert_int_equal(read(fat, 0x4000 + n, &err, &mo), DW_MACHO_OK);
    assert_true(mo.fat);
    assert_int_equal(mo.slices[0].offset, 0x4000);
    assert_int_equal(mo.slices[0].cs.pages_bad, 0); /* page hashes are relative to the slice */
    macho_free(&mo);
    be32(fat + 4, 100000);
    expect_bad(fat, 0x4000 + n, "offset 0x4: nfat_arch 100000");
    be32(fat + 4, 1);
    be32(fat + 20, 0x7fffffff);
    expect_bad(fat, 0x4000 + n, "runs past the end of the file");
    be32(fat + 4, 2); /* second arch overlapping the first */
    be32(fat + 20, (uint32_t)n);
    be32(fat + 28, DW_CPU_TYPE_ARM64);
    be32(fat + 36, 0x4000 + 16);
    be32(fat + 40, 64);
    expect_bad(fat, 0x4000 + n, "overlaps fat_arch 0");
    be32(fat + 36, 4); /* a slice inside the fat header */
    expect_bad(fat, 0x4000 + n, "overlaps the fat header");
    dw_errors_clear(&err);
}

static void test_pci_match(void **state)
{
    (void)state;
    struct dw_pci_term t[DW_PCI_MAX_TERMS];
    const char *rest;
    /* the seed case: nine digits, zero mask */
    assert_int_equal(pci_parse_match("0x00000000&0x000000000", 0xffffffffu, t, &rest), 1);
    assert_int_equal(t[0].mask, 0);
    assert_int_equal(t[0].mask_digits, 9);
    assert_true(pci_terms_match(t, 1, 0x12345678));
    /* &amp; left in: strtoul reads "a" as the mask and stops at "mp;" */
    assert_int_equal(pci_parse_match("0x1234abcd&amp;0xffffffff", 0xffffffffu, t, &rest), 1);
    assert_int_equal(t[0].mask, 0xa);
    assert_string_equal(rest, "mp;0xffffffff");
    /* several values, default mask; class match default mask ignores the revision */
    assert_int_equal(pci_parse_match("0x1234abcd 0x5678abcd", 0xffffffffu, t, &rest), 2);
    assert_true(pci_terms_match(t, 2, 0x5678abcd));
    assert_false(pci_terms_match(t, 2, 0x5678abce));
    assert_int_equal(pci_parse_match("0x01080200", 0xffffff00u, t, &rest), 1);
    assert_true(pci_terms_match(t, 1, 0x01080201));
    /* a vendor-wide entitlement covers one device; not the reverse */
    struct dw_pci_term vendor, device;
    pci_parse_match("0x0000abcd&0x0000ffff", 0xffffffffu, &vendor, &rest);
    pci_parse_match("0x1234abcd", 0xffffffffu, &device, &rest);
    assert_true(pci_term_covers(&vendor, &device));
    assert_false(pci_term_covers(&device, &vendor));
    /* an oversized value is cut to 32 bits, as the UInt32 assignment does */
    assert_int_equal(pci_parse_match("0x1ffffffff", 0xffffffffu, t, &rest), 1);
    assert_true(t[0].truncated);
    assert_int_equal(t[0].value, 0xffffffffu);
    assert_int_equal(pci_parse_match("zzz", 0xffffffffu, t, &rest), 0);
}

static void test_plist(void **state)
{
    (void)state;
    const char *why = NULL;
    const char xml[] = "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>CFBundleIdentifier"
                       "</key><string>com.example.x</string></dict></plist>";
    plist_t p = dw_plist_parse(xml, sizeof xml - 1, &why);
    assert_non_null(p);
    assert_string_equal(dw_plist_string(p, "CFBundleIdentifier"), "com.example.x");
    assert_null(dw_plist_string(p, "Missing"));
    char *bin = NULL;
    uint32_t len = 0;
    plist_to_bin(p, &bin, &len);
    plist_t q = dw_plist_parse(bin, len, &why);
    assert_non_null(q);
    assert_string_equal(dw_plist_string(q, "CFBundleIdentifier"), "com.example.x");
    plist_to_bin_free(bin);
    plist_free(p);
    plist_free(q);
    assert_null(dw_plist_parse("<plist><dict><key>x", 19, &why));
    assert_non_null(why);
    assert_null(dw_plist_parse("bplist00\xff\xff\xff\xff", 12, &why));
}

static void test_der_entitlements(void **state)
{
    (void)state;
    /* { "com.apple.developer.driverkit": true, "a": ["x", 5] } as codesign encodes it */
    static const unsigned char der[] = {
        0x70, 0x36, 0x02, 0x01, 0x01, 0xb0, 0x31, 0x30, 0x0b, 0x0c, 0x01, 'a', 0x30, 0x06,
        0x0c, 0x01, 'x', 0x02, 0x01, 0x05, 0x30, 0x22, 0x0c, 0x1d, 'c', 'o', 'm', '.', 'a',
        'p', 'p', 'l', 'e', '.', 'd', 'e', 'v', 'e', 'l', 'o', 'p', 'e', 'r', '.', 'd', 'r',
        'i', 'v', 'e', 'r', 'k', 'i', 't', 0x01, 0x01, 0xff};
    plist_t p = dw_der_entitlements_parse(der, sizeof der);
    assert_non_null(p);
    assert_int_equal(plist_dict_get_size(p), 2);
    assert_true(plist_bool_val_is_true(plist_dict_get_item(p, "com.apple.developer.driverkit")));
    plist_t a = plist_dict_get_item(p, "a");
    assert_int_equal(plist_array_get_size(a), 2);
    assert_int_equal(plist_uint_val_compare(plist_array_get_item(a, 1), 5), 0);
    plist_t q = plist_copy(p);
    assert_true(dw_plist_equal(p, q, 0));
    plist_set_bool_val(plist_dict_get_item(q, "com.apple.developer.driverkit"), 0);
    assert_false(dw_plist_equal(p, q, 0));
    plist_free(q);
    plist_free(p);
    /* every truncation, and a length that points past the end, is refused */
    for (size_t n = 0; n < sizeof der; n++)
        assert_null(dw_der_entitlements_parse(der, n));
    unsigned char bad[sizeof der];
    memcpy(bad, der, sizeof der);
    bad[7] = 0x84; /* a four-byte length */
    assert_null(dw_der_entitlements_parse(bad, sizeof bad));
}

static void touch(const char *dir, const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
}

/* The seal's own rules2 decide what must be sealed: an omitted directory and
 * the main executable are not reported, a sealed file neither, the rest is. */
static void test_unsealed_rules(void **state)
{
    (void)state;
    char dir[] = "/tmp/dw-unsealed-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[600];
    snprintf(sub, sizeof sub, "%s/skip", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    touch(dir, "sealed.txt");
    touch(dir, "added.txt");
    touch(dir, "Driver");
    touch(dir, "skip/inner.txt");
    const char xml[] =
        "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict>"
        "<key>files2</key><dict><key>sealed.txt</key><dict><key>hash2</key><data>AA==</data>"
        "</dict></dict><key>rules2</key><dict><key>^.*</key><true/>"
        "<key>^skip/</key><dict><key>omit</key><true/><key>weight</key><integer>20</integer>"
        "</dict><key>^(bad</key><true/></dict></dict></plist>";
    const char *why = NULL;
    char exec[600];
    snprintf(exec, sizeof exec, "%s/Driver", dir);
    struct dw_bundle b = {.path = dir, .name = "x.dext", .kind = DW_BUNDLE_DEXT,
                          .content_dir = dir, .exec_path = exec};
    b.resources = dw_plist_parse(xml, sizeof xml - 1, &why);
    assert_non_null(b.resources);
    struct dw_check_opts opts = {0};
    struct dw_check_ctx c = {.b = &b, .opts = &opts, .inc = incident_new(), .subject = "x"};
    check_unsealed(&c);
    assert_int_equal(c.inc->count, 1);
    assert_string_equal(incident_evidence_at(c.inc, 0)->rule_id, "check.unsealed");
    assert_non_null(
        strstr(incident_evidence_at(c.inc, 0)->summary, "added.txt was added after signing"));
    incident_free(c.inc);
    plist_free(b.resources);
    for (const char *const *f = (const char *const[]){"sealed.txt", "added.txt", "Driver",
                                                       "skip/inner.txt", "skip", NULL};
         *f; f++) {
        char p[600];
        snprintf(p, sizeof p, "%s/%s", dir, *f);
        remove(p);
    }
    remove(dir);
}

/* A seal without files2 (macOS before 10.9) is checked against files (SHA-1). */
static void test_seal_files_sha1(void **state)
{
    (void)state;
    char dir[] = "/tmp/dw-seal-XXXXXX";
    assert_non_null(mkdtemp(dir));
    touch(dir, "a.txt"); /* empty: its SHA-1 is da39a3ee..., not the zeros sealed below */
    const char xml[] = "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>files</key>"
                       "<dict><key>a.txt</key><data>AAAAAAAAAAAAAAAAAAAAAAAAAAA=</data></dict>"
                       "</dict></plist>";
    const char *why = NULL;
    struct dw_macho_slice slice = {.cs = {.present = true, .identifier = "x",
                                          .hash_type = DW_CS_HASHTYPE_SHA256, .hash_size = 32}};
    slice.cs.has_special[DW_CSSLOT_RESOURCEDIR] = true;
    codesign_hash(DW_CS_HASHTYPE_SHA256, xml, sizeof xml - 1,
                  slice.cs.special[DW_CSSLOT_RESOURCEDIR]);
    struct dw_bundle b = {.path = dir, .name = "x.dext", .kind = DW_BUNDLE_DEXT,
                          .content_dir = dir, .resources_bytes = (unsigned char *)xml,
                          .resources_len = sizeof xml - 1,
                          .macho = {.slices = &slice, .nslices = 1}};
    b.resources = dw_plist_parse(xml, sizeof xml - 1, &why);
    assert_non_null(b.resources);
    struct dw_check_opts opts = {0};
    struct dw_check_ctx c = {.b = &b, .opts = &opts, .inc = incident_new(), .subject = "x"};
    check_resources(&c);
    assert_int_equal(c.inc->count, 1);
    assert_non_null(strstr(incident_evidence_at(c.inc, 0)->summary,
                           "a.txt changed after signing: its SHA-1 differs"));
    incident_free(c.inc);
    plist_free(b.resources);
    char p[600];
    snprintf(p, sizeof p, "%s/a.txt", dir);
    remove(p);
    remove(dir);
}

/* Every row of the family table names a family entitlement and its source,
 * and a personality of a table class without the entitlement is reported. */
static void test_family_table(void **state)
{
    (void)state;
    assert_true(dw_family_nrows >= 7);
    for (size_t i = 0; i < dw_family_nrows; i++) {
        assert_int_equal(strncmp(dw_family_table[i].entitlement,
                                 "com.apple.developer.driverkit.family.", 37),
                         0);
        assert_non_null(strstr(dw_family_table[i].source, "https://"));
    }
    const char xml[] = "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>IOClass</key>"
                       "<string>IOUserBlockStorageDevice</string></dict></plist>";
    const char *why = NULL;
    plist_t pers = dw_plist_parse(xml, sizeof xml - 1, &why);
    plist_t ent = plist_new_dict();
    struct dw_bundle b = {.path = "x.dext", .name = "x.dext", .kind = DW_BUNDLE_DEXT,
                          .info_path = "x.dext/Info.plist", .entitlements = ent};
    struct dw_check_opts opts = {0};
    struct dw_check_ctx c = {.b = &b, .opts = &opts, .inc = incident_new(), .subject = "x"};
    check_family(&c, "personality P", pers, "P");
    assert_int_equal(c.inc->count, 1);
    assert_non_null(strstr(incident_evidence_at(c.inc, 0)->summary,
                           "com.apple.developer.driverkit.family.block-storage-device"));
    plist_dict_set_item(ent, "com.apple.developer.driverkit.family.block-storage-device",
                        plist_new_bool(1));
    check_family(&c, "personality P", pers, "P");
    assert_int_equal(c.inc->count, 1);
    incident_free(c.inc);
    plist_free(ent);
    plist_free(pers);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_adhoc),     cmocka_unit_test(test_not_macho),
        cmocka_unit_test(test_truncated_and_counts), cmocka_unit_test(test_code_directory_bounds),
        cmocka_unit_test(test_fat),             cmocka_unit_test(test_pci_match),
        cmocka_unit_test(test_plist),           cmocka_unit_test(test_der_entitlements),
        cmocka_unit_test(test_unsealed_rules),
        cmocka_unit_test(test_family_table),
        cmocka_unit_test(test_seal_files_sha1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
