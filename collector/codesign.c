/* codesign.c - the embedded code signature of one Mach-O slice.
 *
 * Layout from xnu osfmk/kern/cs_blobs.h: a SuperBlob (CSMAGIC_EMBEDDED_SIGNATURE)
 * holding an index of (slot type, offset) pairs; slot 0 is the CodeDirectory,
 * 0x1000.. alternate CodeDirectories (another hash type), 5 the XML
 * entitlements blob, 7 the DER entitlements blob, 0x10000 a BlobWrapper around
 * the CMS SignedData.  All fields are big-endian.  The CodeDirectory hashes
 * each page of the slice up to codeLimit (code slots) and, below them, blobs
 * and files that the signature binds (special slots: -1 Info.plist, -5 the
 * entitlements blob, -7 the DER entitlements blob, ...). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "macho.h"

#define CSMAGIC_CODEDIRECTORY 0xfade0c02u
#define CSMAGIC_EMBEDDED_SIGNATURE 0xfade0cc0u
#define CSMAGIC_EMBEDDED_ENTITLEMENTS 0xfade7171u
#define CSMAGIC_EMBEDDED_DER_ENTITLEMENTS 0xfade7172u
#define CSMAGIC_BLOBWRAPPER 0xfade0b01u
#define CSSLOT_CODEDIRECTORY 0u
#define CSSLOT_ALTERNATE_FIRST 0x1000u
#define CSSLOT_ALTERNATE_LAST 0x1004u
#define CSSLOT_SIGNATURESLOT 0x10000u
#define CD_MIN 44u /* through spare2 (version 0x20001) */
#define SUPPORTS_TEAMID 0x20200u
#define SUPPORTS_CODELIMIT64 0x20300u
#define SUPPORTS_EXECSEG 0x20400u
/* A SuperBlob holds a handful of blobs; more is hostile. */
#define MAX_BLOBS 64u

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

int codesign_hash(int hash_type, const void *data, size_t len, unsigned char *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    const EVP_MD *alg =
        hash_type == DW_CS_HASHTYPE_SHA1     ? EVP_sha1()
        : hash_type == DW_CS_HASHTYPE_SHA384 ? EVP_sha384()
        : hash_type == DW_CS_HASHTYPE_SHA256 || hash_type == DW_CS_HASHTYPE_SHA256_TRUNCATED
            ? EVP_sha256()
            : NULL;
    if (!alg || EVP_Digest(data, len, md, &n, alg, NULL) != 1)
        return -1;
    size_t keep = hash_type == DW_CS_HASHTYPE_SHA256_TRUNCATED ? 20 : n;
    memcpy(out, md, keep);
    return 0;
}

static unsigned expected_hash_size(int type)
{
    switch (type) {
    case DW_CS_HASHTYPE_SHA1:
    case DW_CS_HASHTYPE_SHA256_TRUNCATED:
        return 20;
    case DW_CS_HASHTYPE_SHA256:
        return 32;
    case DW_CS_HASHTYPE_SHA384:
        return 48;
    default:
        return 0;
    }
}

/* Strength order for choosing among CodeDirectories (SHA-1 weakest). */
static int hash_rank(int type)
{
    return type == DW_CS_HASHTYPE_SHA384             ? 4
           : type == DW_CS_HASHTYPE_SHA256           ? 3
           : type == DW_CS_HASHTYPE_SHA256_TRUNCATED ? 2
           : type == DW_CS_HASHTYPE_SHA1             ? 1
                                                     : 0;
}

/* A NUL-terminated string at cd[off..) inside cd[0..len), copied; NULL and a
 * message when it is out of bounds or not terminated. */
static char *cd_string(const unsigned char *cd, uint32_t len, uint32_t off, uint64_t at,
                       const char *what, struct dw_errors *err)
{
    const void *nul = off < len ? memchr(cd + off, '\0', len - off) : NULL;
    if (!nul) {
        dw_errors_add(err,
                      "offset 0x%llx: CodeDirectory %s offset 0x%x is outside the "
                      "directory or not terminated (length 0x%x)",
                      (unsigned long long)at, what, off, len);
        return NULL;
    }
    return xstrndup((const char *)cd + off, (size_t)((const unsigned char *)nul - (cd + off)));
}

/* Parses the CodeDirectory cd[0..len) (file offset at) into cs, checking
 * every field against len and the slice size.  0 or -1. */
static int read_cd(const unsigned char *cd, uint32_t len, uint64_t at, uint64_t slice_size,
                   struct dw_codesign *cs, struct dw_errors *err)
{
    if (len < CD_MIN) {
        dw_errors_add(err, "offset 0x%llx: CodeDirectory of %u bytes is shorter than %u",
                      (unsigned long long)at, len, CD_MIN);
        return -1;
    }
    cs->version = be32(cd + 8);
    cs->flags = be32(cd + 12);
    uint32_t hash_off = be32(cd + 16), ident_off = be32(cd + 20);
    cs->n_special_slots = be32(cd + 24);
    cs->n_code_slots = be32(cd + 28);
    cs->code_limit = be32(cd + 32);
    cs->hash_size = cd[36];
    cs->hash_type = cd[37];
    cs->platform = cd[38];
    cs->page_shift = cd[39];
    if (cs->version >= SUPPORTS_CODELIMIT64 && len >= 64 && be64(cd + 56))
        cs->code_limit = be64(cd + 56);
    if (cs->version >= SUPPORTS_EXECSEG && len >= 88)
        cs->exec_seg_flags = be64(cd + 80);
    unsigned want = expected_hash_size(cs->hash_type);
    if (!want || cs->hash_size != want) {
        dw_errors_add(err, "offset 0x%llx: CodeDirectory hash type %u with hash size %u",
                      (unsigned long long)(at + 36), cs->hash_type, cs->hash_size);
        return -1;
    }
    if ((uint64_t)cs->n_special_slots * cs->hash_size > hash_off ||
        hash_off + (uint64_t)cs->n_code_slots * cs->hash_size > len) {
        dw_errors_add(err,
                      "offset 0x%llx: CodeDirectory hashes (offset 0x%x, %u special, %u "
                      "code slots of %u bytes) do not fit its %u bytes",
                      (unsigned long long)(at + 16), hash_off, cs->n_special_slots,
                      cs->n_code_slots, cs->hash_size, len);
        return -1;
    }
    if (cs->code_limit > slice_size) {
        dw_errors_add(err,
                      "offset 0x%llx: CodeDirectory codeLimit 0x%llx beyond the slice "
                      "(0x%llx bytes)",
                      (unsigned long long)(at + 32), (unsigned long long)cs->code_limit,
                      (unsigned long long)slice_size);
        return -1;
    }
    if (cs->page_shift > 30 || (cs->page_shift && cs->page_shift < 9)) {
        dw_errors_add(err, "offset 0x%llx: CodeDirectory page size 2^%u",
                      (unsigned long long)(at + 39), cs->page_shift);
        return -1;
    }
    uint64_t pages = cs->page_shift
                         ? (cs->code_limit + (1ull << cs->page_shift) - 1) >> cs->page_shift
                         : (cs->code_limit ? 1 : 0);
    if (pages != cs->n_code_slots) {
        dw_errors_add(err,
                      "offset 0x%llx: CodeDirectory has %u code slots for %llu pages of "
                      "codeLimit 0x%llx",
                      (unsigned long long)(at + 28), cs->n_code_slots, (unsigned long long)pages,
                      (unsigned long long)cs->code_limit);
        return -1;
    }
    free(cs->identifier);
    free(cs->team_id);
    cs->team_id = NULL;
    if (!(cs->identifier = cd_string(cd, len, ident_off, at + 20, "identifier", err)))
        return -1;
    if (cs->version >= SUPPORTS_TEAMID && len >= 52 && be32(cd + 48) &&
        !(cs->team_id = cd_string(cd, len, be32(cd + 48), at + 48, "team id", err)))
        return -1;
    memset(cs->has_special, 0, sizeof cs->has_special);
    static const unsigned char zero[DW_CS_HASH_MAX];
    for (uint32_t s = 1; s <= cs->n_special_slots && s <= DW_CS_SPECIAL_MAX; s++) {
        const unsigned char *h = cd + hash_off - s * cs->hash_size;
        memcpy(cs->special[s], h, cs->hash_size);
        cs->has_special[s] = memcmp(h, zero, cs->hash_size) != 0;
    }
    return 0;
}

/* Recomputes every page hash of the chosen CodeDirectory over the slice. */
static void verify_pages(const unsigned char *slice, const unsigned char *cd,
                         struct dw_codesign *cs)
{
    uint32_t hash_off = be32(cd + 16);
    uint64_t page = cs->page_shift ? 1ull << cs->page_shift : cs->code_limit;
    unsigned char h[DW_CS_HASH_MAX];
    cs->pages_bad = 0;
    for (uint32_t i = 0; i < cs->n_code_slots; i++) {
        uint64_t start = (uint64_t)i * page;
        uint64_t n = cs->code_limit - start < page ? cs->code_limit - start : page;
        codesign_hash(cs->hash_type, slice + start, (size_t)n, h);
        if (memcmp(h, cd + hash_off + (size_t)i * cs->hash_size, cs->hash_size) != 0 &&
            cs->pages_bad++ == 0)
            cs->first_bad_page = i;
    }
}

enum dw_cs_slot_state codesign_check_slot(const struct dw_codesign *cs, int slot, const void *data,
                                          size_t len)
{
    if (slot < 1 || slot > DW_CS_SPECIAL_MAX || !cs->has_special[slot])
        return DW_SLOT_ABSENT;
    if (!data)
        return DW_SLOT_MISMATCH;
    unsigned char h[DW_CS_HASH_MAX];
    if (codesign_hash(cs->hash_type, data, len, h) != 0)
        return DW_SLOT_UNCHECKED;
    return memcmp(h, cs->special[slot], cs->hash_size) == 0 ? DW_SLOT_MATCH : DW_SLOT_MISMATCH;
}

#define MAX_CDS DW_CS_MAX_CDS

struct blobs;
static int verify_others(const unsigned char *buf, uint64_t slice_off, uint64_t slice_size,
                         const struct blobs *b, struct dw_codesign *cs, struct dw_errors *err);

struct blobs {
    const unsigned char *cd_primary, *cd_best, *ent, *der, *cms;
    uint32_t cd_primary_len, cd_best_len, ent_len, der_len, cms_len;
    uint64_t cd_best_at;
    int best_rank;
    const unsigned char *cds[MAX_CDS]; /* every CodeDirectory, to verify each */
    uint32_t cd_lens[MAX_CDS];
    uint64_t cd_at[MAX_CDS];
    uint32_t cd_slot[MAX_CDS];
    size_t ncds;
};

/* Files one blob of the index by slot type, after checking its magic. */
static int take_blob(struct blobs *b, uint32_t type, const unsigned char *blob, uint32_t blen,
                     uint64_t at, struct dw_errors *err)
{
    uint32_t magic = be32(blob);
    bool is_cd = type == CSSLOT_CODEDIRECTORY ||
                 (type >= CSSLOT_ALTERNATE_FIRST && type <= CSSLOT_ALTERNATE_LAST);
    uint32_t want = is_cd                                ? CSMAGIC_CODEDIRECTORY
                    : type == DW_CSSLOT_ENTITLEMENTS     ? CSMAGIC_EMBEDDED_ENTITLEMENTS
                    : type == DW_CSSLOT_DER_ENTITLEMENTS ? CSMAGIC_EMBEDDED_DER_ENTITLEMENTS
                    : type == CSSLOT_SIGNATURESLOT       ? CSMAGIC_BLOBWRAPPER
                                                         : magic;
    if (magic != want) {
        dw_errors_add(err, "offset 0x%llx: blob of slot 0x%x has magic 0x%08x, expected 0x%08x",
                      (unsigned long long)at, type, magic, want);
        return -1;
    }
    if (is_cd) {
        if (b->ncds < MAX_CDS) {
            b->cds[b->ncds] = blob;
            b->cd_lens[b->ncds] = blen;
            b->cd_slot[b->ncds] = type;
            b->cd_at[b->ncds++] = at;
        }
        if (type == CSSLOT_CODEDIRECTORY) {
            b->cd_primary = blob;
            b->cd_primary_len = blen;
        }
        int rank = blen > 37 ? hash_rank(blob[37]) : 0;
        if (!b->cd_best || rank > b->best_rank) {
            b->cd_best = blob;
            b->cd_best_len = blen;
            b->cd_best_at = at;
            b->best_rank = rank;
        }
    } else if (type == DW_CSSLOT_ENTITLEMENTS) {
        b->ent = blob;
        b->ent_len = blen;
    } else if (type == DW_CSSLOT_DER_ENTITLEMENTS) {
        b->der = blob;
        b->der_len = blen;
    } else if (type == CSSLOT_SIGNATURESLOT) {
        b->cms = blob + 8;
        b->cms_len = blen - 8;
    }
    return 0;
}

/* Reads the SuperBlob's index: every blob within the SuperBlob, magic checked. */
static int read_index(const unsigned char *sb, uint32_t sb_len, uint64_t off, struct blobs *b,
                      struct dw_errors *err)
{
    uint32_t count = be32(sb + 8);
    if (count > MAX_BLOBS || (uint64_t)count * 8 + 12 > sb_len) {
        dw_errors_add(err,
                      "offset 0x%llx: SuperBlob index of %u entries does not fit its %u "
                      "bytes",
                      (unsigned long long)(off + 8), count, sb_len);
        return -1;
    }
    for (uint32_t i = 0; i < count; i++) {
        uint32_t type = be32(sb + 12 + i * 8), boff = be32(sb + 16 + i * 8);
        uint64_t at = off + boff;
        if (boff < 12 + (uint64_t)count * 8 || (uint64_t)boff + 8 > sb_len) {
            dw_errors_add(err,
                          "offset 0x%llx: blob %u (slot 0x%x) at offset 0x%x is outside "
                          "the SuperBlob (0x%x bytes) or overlaps its index",
                          (unsigned long long)(off + 16 + i * 8), i, type, boff, sb_len);
            return -1;
        }
        uint32_t blen = be32(sb + boff + 4);
        if (blen < 8 || blen > sb_len - boff) {
            dw_errors_add(err,
                          "offset 0x%llx: blob %u (slot 0x%x) length 0x%x runs past the "
                          "SuperBlob end",
                          (unsigned long long)(at + 4), i, type, blen);
            return -1;
        }
        if (take_blob(b, type, sb + boff, blen, at, err) != 0)
            return -1;
    }
    return 0;
}

/* Every CodeDirectory but the one cs describes is checked too: the CMS signs
 * the primary (often SHA-1) one, so a page patched with only the SHA-256
 * alternate rewritten must still show.  Their differing pages are added to
 * cs->pages_bad; a bound entitlements blob that differs marks the slot. */
static int verify_others(const unsigned char *buf, uint64_t slice_off, uint64_t slice_size,
                         const struct blobs *b, struct dw_codesign *cs, struct dw_errors *err)
{
    for (size_t i = 0; i < b->ncds; i++) {
        if (b->cds[i] == b->cd_best)
            continue;
        struct dw_codesign other = {0};
        if (read_cd(b->cds[i], b->cd_lens[i], b->cd_at[i], slice_size, &other, err) != 0) {
            codesign_free(&other);
            return -1;
        }
        verify_pages(buf + slice_off, b->cds[i], &other);
        if (other.pages_bad && (!cs->pages_bad || other.first_bad_page < cs->first_bad_page))
            cs->first_bad_page = other.first_bad_page;
        cs->pages_bad = other.pages_bad > cs->pages_bad ? other.pages_bad : cs->pages_bad;
        if (codesign_check_slot(&other, DW_CSSLOT_ENTITLEMENTS, b->ent, b->ent_len) ==
            DW_SLOT_MISMATCH)
            cs->slot_entitlements = DW_SLOT_MISMATCH;
        codesign_free(&other);
    }
    return 0;
}

/* The cdhash of each CodeDirectory (SecStaticCode::cdHashes), in slot order. */
static void compute_cdhashes(const struct blobs *b, struct dw_codesign *cs)
{
    cs->n_cdhashes = 0;
    for (uint32_t slot = 0; slot <= CSSLOT_ALTERNATE_LAST; slot = slot ? slot + 1 : 0x1000)
        for (size_t i = 0; i < b->ncds; i++) {
            if (b->cd_slot[i] != slot || b->cd_lens[i] < CD_MIN)
                continue;
            struct dw_cdhash *h = &cs->cdhashes[cs->n_cdhashes];
            h->slot = slot;
            h->type = b->cds[i][37];
            if (codesign_hash(h->type, b->cds[i], b->cd_lens[i], h->hash) != 0)
                continue;
            h->len = (uint8_t)expected_hash_size(h->type);
            cs->n_cdhashes++;
            break;
        }
}

int codesign_read(const unsigned char *buf, size_t len, uint64_t slice_off, uint64_t off,
                  uint64_t size, struct dw_codesign *cs, struct dw_errors *err)
{
    cs->present = true;
    cs->sig_offset = off;
    if (size < 12 || off > len || size > len - off) {
        dw_errors_add(err, "offset 0x%llx: code signature of %llu bytes is truncated",
                      (unsigned long long)off, (unsigned long long)size);
        return -1;
    }
    const unsigned char *sb = buf + off;
    uint32_t magic = be32(sb), sb_len = be32(sb + 4);
    if (magic != CSMAGIC_EMBEDDED_SIGNATURE) {
        dw_errors_add(err, "offset 0x%llx: code signature magic 0x%08x is not a SuperBlob",
                      (unsigned long long)off, magic);
        return -1;
    }
    if (sb_len < 12 || sb_len > size) {
        dw_errors_add(err,
                      "offset 0x%llx: SuperBlob length 0x%x exceeds LC_CODE_SIGNATURE "
                      "datasize 0x%llx",
                      (unsigned long long)(off + 4), sb_len, (unsigned long long)size);
        return -1;
    }
    struct blobs b = {0};
    if (read_index(sb, sb_len, off, &b, err) != 0)
        return -1;
    if (!b.cd_best) {
        dw_errors_add(err, "offset 0x%llx: the code signature has no CodeDirectory",
                      (unsigned long long)off);
        return -1;
    }
    const unsigned char *slice = buf + slice_off;
    uint64_t slice_size = off - slice_off; /* code ends where the signature starts */
    if (read_cd(b.cd_best, b.cd_best_len, b.cd_best_at, slice_size, cs, err) != 0)
        return -1;
    cs->n_code_directories = b.ncds;
    verify_pages(slice, b.cd_best, cs);
    if (b.ent) {
        cs->entitlements = xstrndup((const char *)b.ent + 8, b.ent_len - 8);
        cs->entitlements_len = b.ent_len - 8;
    }
    cs->slot_entitlements = codesign_check_slot(cs, DW_CSSLOT_ENTITLEMENTS, b.ent, b.ent_len);
    if (b.der) {
        cs->der_entitlements = xmalloc(b.der_len - 8);
        memcpy(cs->der_entitlements, b.der + 8, b.der_len - 8);
        cs->der_entitlements_len = b.der_len - 8;
    }
    cs->slot_der_entitlements =
        codesign_check_slot(cs, DW_CSSLOT_DER_ENTITLEMENTS, b.der, b.der_len);
    if (verify_others(buf, slice_off, slice_size, &b, cs, err) != 0)
        return -1;
    compute_cdhashes(&b, cs);
    if (b.cms && b.cms_len) {
        cs->cms = xmalloc(b.cms_len);
        memcpy(cs->cms, b.cms, b.cms_len);
        cs->cms_len = b.cms_len;
        if (b.cd_primary)
            codesign_read_cms(cs, b.cd_primary, b.cd_primary_len);
    }
    return 0;
}

void codesign_free(struct dw_codesign *cs)
{
    free(cs->identifier);
    free(cs->team_id);
    free(cs->entitlements);
    free(cs->der_entitlements);
    free(cs->cms);
    free(cs->signer_cn);
    free(cs->signer_ou);
    free(cs->signer_der);
    free(cs->cms_error);
    memset(cs, 0, sizeof *cs);
}
