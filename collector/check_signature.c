/* check_signature.c - the code signature of each slice: present, intact
 * (page hashes, bound Info.plist and entitlements, CMS over the
 * CodeDirectory), ad-hoc while claiming restricted entitlements, and the
 * architectures. */
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const char *hash_name(int type)
{
    switch (type) {
    case DW_CS_HASHTYPE_SHA1:
        return "SHA-1";
    case DW_CS_HASHTYPE_SHA256:
        return "SHA-256";
    case DW_CS_HASHTYPE_SHA256_TRUNCATED:
        return "SHA-256 (truncated)";
    case DW_CS_HASHTYPE_SHA384:
        return "SHA-384";
    default:
        return "unknown hash";
    }
}

struct restricted {
    struct dw_buf list;
    size_t n;
};

static void add_restricted(const char *key, plist_t value, void *ctx)
{
    struct restricted *r = ctx;
    (void)value;
    if (check_is_restricted(key))
        buf_printf(&r->list, "%s%s", r->n++ ? ", " : "", key);
}

/* The first 20 bytes of a hash in hex (what `codesign -dvvv` prints as CDHash). */
static void hex20(char out[41], const struct dw_cdhash *h)
{
    static const char digits[] = "0123456789abcdef";
    size_t n = h->len < 20 ? h->len : 20;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[h->hash[i] >> 4];
        out[2 * i + 1] = digits[h->hash[i] & 15];
    }
    out[2 * n] = '\0';
}

static const char *hash_name(int type);

/* The CodeDirectory hashes the CMS signed (its hash-agility attributes, as
 * SecStaticCode::verifySignature compares them) against the CodeDirectories
 * the SuperBlob holds.  Returns true when an attribute was there and agreed;
 * reports each disagreement unless c is NULL. */
static bool check_cdhashes(struct dw_check_ctx *c, const char *arch, const struct dw_codesign *cs)
{
    const struct dw_cms_agility *ag = &cs->agility;
    const char *file = c ? c->b->exec_path : NULL;
    bool bad = false;
    if (ag->v1 < 0 || ag->v2 < 0) {
        if (c)
            check_report(c, "check.cdhashes", -1, file, 0,
                         "%s: the CMS's CDHashes attribute (%s) is not well formed", arch,
                         ag->v1 < 0 ? "1.2.840.113635.100.9.1" : "1.2.840.113635.100.9.2");
        return false;
    }
    char want[41], have[41];
    if (ag->v1 && ag->v1_n != cs->n_cdhashes) {
        if (c)
            check_report(
                c, "check.cdhashes", -1, file, 0,
                "%s: the CMS signed %zu CodeDirectory hash%s (CDHashes attribute), the "
                "signature holds %zu CodeDirector%s: one was added or removed after signing",
                arch, ag->v1_n, ag->v1_n == 1 ? "" : "es", cs->n_cdhashes,
                cs->n_cdhashes == 1 ? "y" : "ies");
        bad = true;
    } else if (ag->v1) {
        for (size_t i = 0; i < cs->n_cdhashes; i++) {
            size_t n = cs->cdhashes[i].len < 20 ? cs->cdhashes[i].len : 20;
            if (ag->v1_hashes[i].len == n &&
                memcmp(ag->v1_hashes[i].hash, cs->cdhashes[i].hash, n) == 0)
                continue;
            hex20(want, &ag->v1_hashes[i]);
            hex20(have, &cs->cdhashes[i]);
            if (c)
                check_report(c, "check.cdhashes", -1, file, 0,
                             "%s: CodeDirectory %zu (slot 0x%x, %s) has CDHash %s, but the CMS "
                             "signed %s: it was rewritten after signing",
                             arch, i + 1, cs->cdhashes[i].slot, hash_name(cs->cdhashes[i].type),
                             have, want);
            bad = true;
        }
    }
    if (ag->v2 && !bad) {
        for (size_t i = 0; i < cs->n_cdhashes; i++) {
            const struct dw_cdhash *h = &cs->cdhashes[i], *e = NULL;
            for (size_t j = 0; j < ag->v2_n && j < DW_CS_MAX_CDS && !e; j++)
                if (ag->v2_hashes[j].type == h->type)
                    e = &ag->v2_hashes[j];
            if (e && e->len == h->len && memcmp(e->hash, h->hash, h->len) == 0)
                continue;
            hex20(have, h);
            if (e)
                hex20(want, e);
            if (c)
                check_report(c, "check.cdhashes", -1, file, 0,
                             "%s: CodeDirectory %zu (slot 0x%x, %s) has CDHash %s, but the CMS's "
                             "1.2.840.113635.100.9.2 attribute %s%s",
                             arch, i + 1, h->slot, hash_name(h->type), have,
                             e ? "signed " : "lists no hash of its type", e ? want : "");
            bad = true;
        }
        if (!bad && ag->v2_n != cs->n_cdhashes) {
            if (c)
                check_report(
                    c, "check.cdhashes", -1, file, 0,
                    "%s: the CMS's 1.2.840.113635.100.9.2 attribute lists %zu hashes for %zu "
                    "CodeDirector%s",
                    arch, ag->v2_n, cs->n_cdhashes, cs->n_cdhashes == 1 ? "y" : "ies");
            bad = true;
        }
    }
    return (ag->v1 || ag->v2) && !bad;
}

/* The info finding: identifier, team, signer, flags, hashes verified. */
static void describe(struct dw_check_ctx *c, const char *arch, const struct dw_codesign *cs,
                     bool cdhashes_ok)
{
    struct dw_buf flags = {0};
    if (cs->flags & DW_CS_ADHOC)
        buf_puts(&flags, ", ad-hoc");
    if (cs->flags & DW_CS_LINKER_SIGNED)
        buf_puts(&flags, ", linker-signed");
    if (cs->flags & DW_CS_RUNTIME)
        buf_puts(&flags, ", hardened runtime");
    check_report(c, "check.signature", -1, c->b->exec_path, 0,
                 "%s: identifier %s, team %s, signed by %s%s%s%s; %u %s page hashes checked%s",
                 arch, cs->identifier, cs->team_id ? cs->team_id : "none", cs->signer_cn ? "'" : "",
                 cs->signer_cn ? cs->signer_cn : "no certificate", cs->signer_cn ? "'" : "",
                 buf_cstr(&flags), cs->n_code_slots, hash_name(cs->hash_type),
                 cdhashes_ok ? "; the CMS's CDHashes match" : "");
    buf_free(&flags);
}

/* Modified after signing: pages, bound blobs and files, the CMS. */
static void check_intact(struct dw_check_ctx *c, const char *arch, const struct dw_codesign *cs)
{
    const struct dw_bundle *b = c->b;
    if (cs->pages_bad)
        check_report(c, "check.modified", -1, b->exec_path, 0,
                     "%s: %u of %u pages differ from their hashes in the signature (%zu "
                     "CodeDirector%s checked; first: page %u at slice offset 0x%llx)",
                     arch, cs->pages_bad, cs->n_code_slots, cs->n_code_directories,
                     cs->n_code_directories == 1 ? "y" : "ies", cs->first_bad_page,
                     (unsigned long long)cs->first_bad_page
                         << (cs->page_shift ? cs->page_shift : 0));
    if (cs->slot_entitlements == DW_SLOT_MISMATCH)
        check_report(c, "check.modified", -1, b->exec_path, 0,
                     "%s: the entitlements blob does not match its hash in the CodeDirectory",
                     arch);
    if (cs->slot_der_entitlements == DW_SLOT_MISMATCH)
        check_report(c, "check.modified", -1, b->exec_path, 0,
                     "%s: the DER entitlements blob does not match its hash in the CodeDirectory",
                     arch);
    if (b->kind != DW_BUNDLE_MACHO &&
        codesign_check_slot(cs, DW_CSSLOT_INFOSLOT, b->info_bytes, b->info_len) == DW_SLOT_MISMATCH)
        check_report(c, "check.modified", -1, b->info_path, 0,
                     "%s: Info.plist %s the hash the signature sealed", arch,
                     b->info_bytes ? "does not match" : "is missing; the signature binds");
    if (cs->cms_state < 0)
        check_report(c, "check.modified", -1, b->exec_path, 0, "%s: %s", arch,
                     cs->cms_error ? cs->cms_error : "the CMS signature does not verify");
}

/* arm64e without arm64: third-party arm64e needs a boot argument.  A dext or
 * kext runs natively or not at all (no Rosetta), so it needs an Apple silicon
 * slice; a dext's slices are built against the DriverKit SDK. */
static void check_arches(struct dw_check_ctx *c)
{
    const struct dw_macho *m = &c->b->macho;
    bool arm64 = false, arm64e = false;
    bool driver = c->b->kind == DW_BUNDLE_DEXT || c->b->kind == DW_BUNDLE_KEXT;
    for (size_t i = 0; i < m->nslices; i++) {
        char arch[32];
        macho_arch_name(&m->slices[i], arch, sizeof arch);
        if (c->b->kind == DW_BUNDLE_DEXT && m->slices[i].platform &&
            m->slices[i].platform != DW_PLATFORM_DRIVERKIT)
            check_report(c, "check.architecture", -1, c->b->exec_path, 0,
                         "%s: built for platform %u (LC_BUILD_VERSION), not DriverKit (%u): "
                         "a dext links against the DriverKit SDK",
                         arch, m->slices[i].platform, DW_PLATFORM_DRIVERKIT);
        if (m->slices[i].cputype != DW_CPU_TYPE_ARM64)
            continue;
        if ((m->slices[i].cpusubtype & DW_CPU_SUBTYPE_MASK) == DW_CPU_SUBTYPE_ARM64E)
            arm64e = true;
        else
            arm64 = true;
    }
    if (arm64e && !arm64)
        check_report(c, "check.architecture", -1, c->b->exec_path, 0,
                     "the executable's only Apple silicon slice is arm64e (no arm64 slice)");
    else if (driver && !arm64 && m->nslices)
        check_report(c, "check.architecture", -1, c->b->exec_path, 0,
                     "the executable has no arm64 slice: a %s does not run on Apple silicon "
                     "(no Rosetta for drivers)",
                     bundle_kind_name(c->b->kind));
}

void check_signature(struct dw_check_ctx *c)
{
    const struct dw_bundle *b = c->b;
    if (!b->exec_found)
        return;
    if (b->macho_rc == DW_MACHO_NOT_MACHO) {
        check_report(c, "check.unreadable", -1, b->exec_path, 0,
                     "the executable is not a Mach-O file");
        return;
    }
    if (b->macho_rc == DW_MACHO_BAD) {
        check_report(c, "check.unreadable", -1, b->exec_path, 0, "broken Mach-O: %s",
                     b->macho_error ? b->macho_error : "unknown");
        return;
    }
    struct restricted r = {0};
    dw_plist_each(b->entitlements, add_restricted, &r);
    for (size_t i = 0; i < b->macho.nslices; i++) {
        const struct dw_macho_slice *s = &b->macho.slices[i];
        char arch[32];
        macho_arch_name(s, arch, sizeof arch);
        if (!s->cs.present) {
            check_report(c, "check.unsigned", -1, b->exec_path, 0,
                         "%s: the executable has no code signature", arch);
            continue;
        }
        /* the description says whether they match; the mismatches follow it */
        describe(c, arch, &s->cs, check_cdhashes(NULL, arch, &s->cs));
        check_cdhashes(c, arch, &s->cs);
        check_intact(c, arch, &s->cs);
        bool adhoc = (s->cs.flags & DW_CS_ADHOC) || !s->cs.cms_len;
        if (adhoc && r.n)
            check_report(c, "check.adhoc-restricted",
                         c->opts->development ? DW_SEV_WARNING : DW_SEV_ERROR, b->exec_path, 0,
                         "%s: ad-hoc signature (no certificate) claims restricted "
                         "entitlement%s %s%s",
                         arch, r.n == 1 ? "" : "s", buf_cstr(&r.list),
                         c->opts->development
                             ? " (accepted only on a development Mac with SIP disabled)"
                             : " (refused by AMFI while SIP is on)");
    }
    buf_free(&r.list);
    check_arches(c);
}
