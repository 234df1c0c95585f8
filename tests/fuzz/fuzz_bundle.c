/* fuzz_bundle.c - libFuzzer harness for what `dextwatch check` reads from a
 * bundle.  The first byte picks the input:
 *   0 a Mach-O file (thin or fat; load commands, SuperBlob, CodeDirectory,
 *     page hashes, entitlement blobs, CMS through libcrypto);
 *   1 an Info.plist (XML or binary, libplist), then every check on a dext
 *     whose Info.plist and entitlements are that plist (personalities, PCI
 *     match strings, entitlement values against a profile of the same plist,
 *     devices of an --ioreg listing that is the same plist, the rules2 of a
 *     CodeResources seal that is the same plist);
 *   2 an embedded.provisionprofile (CMS SignedData holding a plist);
 *   3 a PCI match string (IOPCIFamily's strtoul walk);
 *   4 the CMS blob of a code signature (signer, signature over a fixed
 *     CodeDirectory, the CDHashes attributes: a plist and DER sequences).
 * Seeds: tests/fuzz/regressions/fuzz_bundle (one input per path). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void drop(struct dw_incident *inc, void *ctx)
{
    (void)ctx;
    incident_free(inc);
}

/* Every check on a dext made of the plist (and the plist as entitlements). */
static void check_plist(const uint8_t *data, size_t size)
{
    const char *why = NULL;
    /* a signed slice, so the profile and entitlement checks run too */
    struct dw_macho_slice slice = {.cputype = DW_CPU_TYPE_ARM64,
                                   .cs = {.present = true, .identifier = "fuzz", .team_id = "T"}};
    struct dw_bundle b = {.path = "fuzz.dext", .name = "fuzz.dext", .kind = DW_BUNDLE_DEXT,
                          .info_path = "fuzz.dext/Info.plist", .exec_path = "fuzz.dext/fuzz",
                          .exec_found = true, .macho = {.slices = &slice, .nslices = 1}};
    unsigned char *text = xmalloc(size + 1); /* check_info_line wants a C string */
    memcpy(text, data, size);
    text[size] = '\0';
    b.info_bytes = text;
    b.info_len = size;
    b.info = dw_plist_parse(data, size, &why);
    if (b.info && plist_get_node_type(b.info) == PLIST_DICT) {
        b.bundle_id = dw_plist_string(b.info, "CFBundleIdentifier");
        b.entitlements = plist_copy(b.info);
        b.profile.present = true;
        b.profile.path = "fuzz.dext/embedded.provisionprofile";
        b.profile.entitlements = b.info;
        /* the same plist as an ioreg listing: device walk and judgement */
        struct dw_check_opts opts = {.now = 0, .ioreg = {{b.info, "fuzz.ioreg"}}, .nioreg = 1};
        check_bundle(&b, &opts, drop, NULL);
        /* the same plist as a CodeResources seal: its rules2 compiled (no files to walk) */
        b.resources = b.info;
        b.content_dir = "/nonexistent/dw-fuzz";
        struct dw_check_ctx c = {.b = &b, .opts = &opts, .inc = incident_new(), .subject = "f"};
        check_unsealed(&c);
        incident_free(c.inc);
    }
    plist_free(b.entitlements);
    plist_free(b.info);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned kind = data[0] % 5;
    data++, size--;
    if (kind == 0) {
        struct dw_errors err = {0};
        struct dw_macho m;
        macho_read(data, size, &m, &err);
        macho_free(&m);
        dw_errors_clear(&err);
    } else if (kind == 1) {
        check_plist(data, size);
    } else if (kind == 2) {
        struct dw_profile p = {0};
        profile_read(&p, "fuzz.provisionprofile", data, size);
        profile_free(&p);
    } else if (kind == 4) {
        static const unsigned char cd[64] = {0xfa, 0xde, 0x0c, 0x02};
        struct dw_codesign cs = {.cms = xmalloc(size + 1), .cms_len = size};
        memcpy(cs.cms, data, size);
        codesign_read_cms(&cs, cd, sizeof cd);
        if (cs.agility.v1_n > 0 && cs.agility.v1 == 0)
            __builtin_trap();
        codesign_free(&cs);
    } else {
        char *s = xstrndup((const char *)data, size);
        struct dw_pci_term t[DW_PCI_MAX_TERMS];
        const char *rest;
        size_t n = pci_parse_match(s, 0xffffffffu, t, &rest);
        if (n > DW_PCI_MAX_TERMS || rest < s || rest > s + strlen(s))
            __builtin_trap();
        free(s);
    }
    return 0;
}
