/* gen_macho.c - writes Mach-O test executables with real code signatures,
 * from the public format definitions (not by copying Apple's tools):
 *   <mach-o/loader.h>, <mach-o/fat.h>: headers, LC_SEGMENT_64, LC_BUILD_VERSION,
 *     LC_CODE_SIGNATURE, fat_arch / fat_arch_64;
 *   xnu osfmk/kern/cs_blobs.h: SuperBlob, CodeDirectory 0x20400, special slots,
 *     entitlements (0xfade7171) and DER entitlements (0xfade7172) blobs,
 *     BlobWrapper (0xfade0b01) around a detached CMS over the CodeDirectory.
 * Page hashes are SHA-256 over 4 KiB pages, as codesign writes them.
 *
 *   gen_macho --out FILE --id ID [--arch arm64|arm64e|x86_64]... [--fat64]
 *             [--team T] [--entitlements XML] [--info Info.plist]
 *             [--cert PEM --key PEM] [--corrupt] [--unsigned] [--der-from XML]
 *             [--platform N]  (LC_BUILD_VERSION platform; default 10, DriverKit)
 *             [--resources _CodeSignature/CodeResources]  (bound in special slot 3)
 *             [--two-cds [--patch-alternate | --drop-alternate]]
 * --two-cds writes codesign's layout for older deployment targets: a SHA-1
 * CodeDirectory in slot 0 (the one the CMS signs) and a SHA-256 one in slot
 * 0x1000; --patch-alternate then changes a page and rewrites only the SHA-256
 * directory over it (the SHA-1 one, and so the CMS, no longer match);
 * --drop-alternate signs both directories and then leaves the SHA-256 one out
 * of the SuperBlob (the CMS's CDHashes attributes still name it).
 * A signed CMS carries codesign's CDHashes attributes (add_agility).
 *   gen_macho --xml2bin IN OUT      (an XML plist to a binary one, libplist)
 *
 * Without --cert the signature is ad-hoc (CS_ADHOC, an empty BlobWrapper);
 * with it, signed (hardened runtime) by that certificate.  --corrupt flips a
 * byte of page 1 after signing ("modified after signing"); --der-from encodes
 * the DER blob from another XML file (the two forms disagree).  The DER
 * entitlements are encoded from the XML as Apple's are: [APPLICATION 16]
 * { INTEGER 1, [16] { SEQUENCE { UTF8String key, value } ... } }, keys sorted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <plist/plist.h>

#include "util.h"

#define PAGE 4096u
#define CODE_SIZE (3 * PAGE + 100) /* the last page is a partial one */
#define CMS_RESERVE 12288u
#define FAT_ALIGN 16384u

struct opts {
    const char *out, *id, *team, *ent, *der_from, *info, *resources, *cert, *key;
    const char *arches[4];
    size_t narch;
    bool fat64, corrupt, unsigned_, two_cds, patch_alternate, drop_alternate;
    uint32_t platform;
};

static void put32be(struct dw_buf *b, uint32_t v)
{
    unsigned char p[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
                          (unsigned char)v};
    buf_append(b, p, 4);
}

static void put64be(struct dw_buf *b, uint64_t v)
{
    put32be(b, (uint32_t)(v >> 32));
    put32be(b, (uint32_t)v);
}

static void put32le(struct dw_buf *b, uint32_t v)
{
    unsigned char p[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    buf_append(b, p, 4);
}

static void put64le(struct dw_buf *b, uint64_t v)
{
    put32le(b, (uint32_t)v);
    put32le(b, (uint32_t)(v >> 32));
}

static void pad_to(struct dw_buf *b, size_t n)
{
    while (b->len < n)
        buf_putc(b, '\0');
}

static void die(const char *msg)
{
    fprintf(stderr, "gen_macho: %s\n", msg);
    exit(1);
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die(path);
    struct dw_buf b = {0};
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    *len = b.len;
    return (unsigned char *)buf_steal(&b);
}

/* ---- DER entitlements ---- */

static void der_len(struct dw_buf *b, size_t n)
{
    if (n < 0x80) {
        buf_putc(b, (char)n);
    } else if (n < 0x100) {
        buf_putc(b, (char)0x81);
        buf_putc(b, (char)n);
    } else {
        buf_putc(b, (char)0x82);
        buf_putc(b, (char)(n >> 8));
        buf_putc(b, (char)n);
    }
}

static void der_tlv(struct dw_buf *b, unsigned tag, const void *v, size_t n)
{
    buf_putc(b, (char)tag);
    der_len(b, n);
    buf_append(b, v, n);
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void der_value(struct dw_buf *out, plist_t v);

/* A dictionary: [16] (0xb0) of SEQUENCE { UTF8String key, value }, keys sorted. */
static void der_dict(struct dw_buf *out, plist_t d)
{
    uint32_t n = plist_dict_get_size(d);
    char **keys = xcalloc(n ? n : 1, sizeof *keys);
    plist_dict_iter it = NULL;
    plist_dict_new_iter(d, &it);
    for (uint32_t i = 0; i < n; i++) {
        plist_t item;
        plist_dict_next_item(d, it, &keys[i], &item);
    }
    free(it);
    qsort(keys, n, sizeof *keys, key_cmp);
    struct dw_buf body = {0};
    for (uint32_t i = 0; i < n; i++) {
        struct dw_buf pair = {0};
        der_tlv(&pair, 0x0c, keys[i], strlen(keys[i]));
        der_value(&pair, plist_dict_get_item(d, keys[i]));
        der_tlv(&body, 0x30, pair.data, pair.len);
        buf_free(&pair);
        free(keys[i]);
    }
    free(keys);
    der_tlv(out, 0xb0, body.data, body.len);
    buf_free(&body);
}

static void der_value(struct dw_buf *out, plist_t v)
{
    uint64_t n = 0;
    switch (plist_get_node_type(v)) {
    case PLIST_BOOLEAN: der_tlv(out, 0x01, plist_bool_val_is_true(v) ? "\xff" : "\x00", 1); break;
    case PLIST_STRING: {
        const char *s = plist_get_string_ptr(v, &n);
        der_tlv(out, 0x0c, s, n);
        break;
    }
    case PLIST_UINT: {
        uint64_t u = 0;
        plist_get_uint_val(v, &u);
        unsigned char be[9];
        int k = 0;
        for (int i = 7; i >= 0; i--)
            if ((u >> (i * 8)) || k || i == 0) {
                if (!k && ((u >> (i * 8)) & 0x80))
                    be[k++] = 0;
                be[k++] = (unsigned char)(u >> (i * 8));
            }
        der_tlv(out, 0x02, be, (size_t)k);
        break;
    }
    case PLIST_ARRAY: {
        struct dw_buf body = {0};
        for (uint32_t i = 0; i < plist_array_get_size(v); i++)
            der_value(&body, plist_array_get_item(v, i));
        der_tlv(out, 0x30, body.data, body.len);
        buf_free(&body);
        break;
    }
    case PLIST_DICT: der_dict(out, v); break;
    default: die("entitlement value type not encodable in DER");
    }
}

static void der_entitlements(struct dw_buf *out, plist_t ent)
{
    struct dw_buf body = {0};
    der_tlv(&body, 0x02, "\x01", 1);
    der_dict(&body, ent);
    der_tlv(out, 0x70, body.data, body.len);
    buf_free(&body);
}

/* ---- the signature ---- */

/* SHA-1 (20 bytes) or SHA-256 (32), by size. */
static void hash_n(size_t size, const void *p, size_t n, unsigned char *out)
{
    EVP_Digest(p, n, out, NULL, size == 20 ? EVP_sha1() : EVP_sha256(), NULL);
}

static void blob(struct dw_buf *out, uint32_t magic, const void *payload, size_t n)
{
    put32be(out, magic);
    put32be(out, (uint32_t)(n + 8));
    buf_append(out, payload, n);
}

struct parts {
    struct dw_buf req, ent, der;
    struct dw_buf info, res; /* the files slots 1 and 3 bind */
    bool has_info, has_res;
};

/* The CodeDirectory over image[0..code_limit), with hashes of hsize bytes
 * (32: SHA-256, type 2; 20: SHA-1, type 1). */
static void code_directory(struct dw_buf *cd, const struct opts *o, const struct parts *p,
                           const unsigned char *image, uint32_t code_limit, uint32_t hsize)
{
    uint32_t nspecial = p->der.len ? 7 : p->ent.len ? 5 : p->has_res ? 3 : 2;
    uint32_t ncode = (code_limit + PAGE - 1) / PAGE;
    size_t id_len = strlen(o->id) + 1, team_len = o->team ? strlen(o->team) + 1 : 0;
    uint32_t ident_off = 88, team_off = o->team ? (uint32_t)(88 + id_len) : 0;
    uint32_t hash_off = (uint32_t)(88 + id_len + team_len + nspecial * hsize);
    uint32_t flags = o->cert ? 0x10000u : 0x2u; /* CS_RUNTIME : CS_ADHOC */
    put32be(cd, 0xfade0c02);
    put32be(cd, hash_off + ncode * hsize);
    put32be(cd, 0x20400);
    put32be(cd, flags);
    put32be(cd, hash_off);
    put32be(cd, ident_off);
    put32be(cd, nspecial);
    put32be(cd, ncode);
    put32be(cd, code_limit);
    buf_putc(cd, (char)hsize);           /* hashSize */
    buf_putc(cd, hsize == 20 ? 1 : 2);   /* CS_HASHTYPE_SHA1 / CS_HASHTYPE_SHA256 */
    buf_putc(cd, 0);   /* platform */
    buf_putc(cd, 12);  /* log2(page size) */
    put32be(cd, 0);    /* spare2 */
    put32be(cd, 0);    /* scatterOffset */
    put32be(cd, team_off);
    put32be(cd, 0);    /* spare3 */
    put64be(cd, 0);    /* codeLimit64 */
    put64be(cd, 0);    /* execSegBase */
    put64be(cd, CODE_SIZE); /* execSegLimit */
    put64be(cd, 1);    /* CS_EXECSEG_MAIN_BINARY */
    buf_append(cd, o->id, id_len);
    if (o->team)
        buf_append(cd, o->team, team_len);
    unsigned char h[32];
    for (uint32_t s = nspecial; s >= 1; s--) {
        memset(h, 0, sizeof h);
        if (s == 1 && p->has_info)
            hash_n(hsize, p->info.data, p->info.len, h);
        else if (s == 2)
            hash_n(hsize, p->req.data, p->req.len, h);
        else if (s == 3 && p->has_res)
            hash_n(hsize, p->res.data, p->res.len, h);
        else if (s == 5 && p->ent.len)
            hash_n(hsize, p->ent.data, p->ent.len, h);
        else if (s == 7 && p->der.len)
            hash_n(hsize, p->der.data, p->der.len, h);
        buf_append(cd, h, hsize);
    }
    for (uint32_t i = 0; i < ncode; i++) {
        uint32_t n = code_limit - i * PAGE < PAGE ? code_limit - i * PAGE : PAGE;
        hash_n(hsize, image + i * PAGE, n, h);
        buf_append(cd, h, hsize);
    }
}

/* The signed attributes Apple's codesign adds (Security SecStaticCode::
 * verifySignature reads them): 1.2.840.113635.100.9.1, a plist of the
 * CodeDirectories' cdhashes (20 bytes each), and 1.2.840.113635.100.9.2, one
 * SEQUENCE {digest OID, untruncated cdhash} per CodeDirectory. */
static void add_agility(CMS_SignerInfo *si, const struct dw_buf *const *cds, size_t n)
{
    struct dw_buf plist = {0};
    buf_puts(&plist, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n"
                     "<dict>\n\t<key>cdhashes</key>\n\t<array>\n");
    ASN1_OBJECT *v1 = OBJ_txt2obj("1.2.840.113635.100.9.1", 1);
    ASN1_OBJECT *v2 = OBJ_txt2obj("1.2.840.113635.100.9.2", 1);
    X509_ATTRIBUTE *attr2 = X509_ATTRIBUTE_new();
    X509_ATTRIBUTE_set1_object(attr2, v2);
    for (size_t i = 0; i < n; i++) {
        size_t size = cds[i]->data[37] == 1 ? 20 : 32;
        unsigned char h[32];
        hash_n(size, cds[i]->data, cds[i]->len, h);
        unsigned char *b64 = xmalloc(64);
        EVP_EncodeBlock(b64, h, 20);
        buf_printf(&plist, "\t\t<data>%s</data>\n", b64);
        free(b64);
        /* SEQUENCE { OID, OCTET STRING } */
        const char *oid = size == 20 ? "1.3.14.3.2.26" : "2.16.840.1.101.3.4.2.1";
        ASN1_OBJECT *alg = OBJ_txt2obj(oid, 1);
        unsigned char *oder = NULL;
        int on = i2d_ASN1_OBJECT(alg, &oder);
        struct dw_buf seq = {0}, body = {0};
        buf_append(&body, oder, (size_t)on);
        buf_putc(&body, 0x04);
        buf_putc(&body, (char)size);
        buf_append(&body, h, size);
        buf_putc(&seq, 0x30);
        buf_putc(&seq, (char)body.len);
        buf_append(&seq, body.data, body.len);
        X509_ATTRIBUTE_set1_data(attr2, V_ASN1_SEQUENCE, seq.data, (int)seq.len);
        OPENSSL_free(oder);
        ASN1_OBJECT_free(alg);
        buf_free(&seq);
        buf_free(&body);
    }
    buf_puts(&plist, "\t</array>\n</dict>\n</plist>\n");
    CMS_signed_add1_attr_by_OBJ(si, v1, V_ASN1_OCTET_STRING, plist.data, (int)plist.len);
    CMS_signed_add1_attr(si, attr2);
    X509_ATTRIBUTE_free(attr2);
    ASN1_OBJECT_free(v1);
    ASN1_OBJECT_free(v2);
    buf_free(&plist);
}

/* A detached CMS SignedData over the CodeDirectory (DER), with the cdhashes
 * of cds[0..n) as codesign's signed attributes. */
static void cms_sign(struct dw_buf *out, const struct opts *o, const struct dw_buf *cd,
                     const struct dw_buf *const *cds, size_t ncds)
{
    BIO *cb = BIO_new_file(o->cert, "r"), *kb = BIO_new_file(o->key, "r");
    X509 *cert = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
    EVP_PKEY *key = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
    if (!cert || !key)
        die("cannot read --cert/--key");
    BIO *in = BIO_new_mem_buf(cd->data, (int)cd->len);
    unsigned flags = CMS_DETACHED | CMS_BINARY | CMS_NOSMIMECAP | CMS_PARTIAL;
    CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
    CMS_SignerInfo *si = cms ? CMS_add1_signer(cms, cert, key, EVP_sha256(), flags) : NULL;
    if (!si)
        die("CMS_sign failed");
    add_agility(si, cds, ncds);
    if (CMS_final(cms, in, NULL, flags) != 1)
        die("CMS_final failed");
    unsigned char *der = NULL;
    int n = i2d_CMS_ContentInfo(cms, &der);
    buf_append(out, der, (size_t)n);
    OPENSSL_free(der);
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    BIO_free(cb);
    BIO_free(kb);
    X509_free(cert);
    EVP_PKEY_free(key);
}

static void arch_of(const char *name, uint32_t *cpu, uint32_t *sub)
{
    if (strcmp(name, "arm64") == 0) {
        *cpu = 0x0100000c;
        *sub = 0;
    } else if (strcmp(name, "arm64e") == 0) {
        *cpu = 0x0100000c;
        *sub = 0x80000002; /* CPU_SUBTYPE_ARM64E | CPU_SUBTYPE_PTRAUTH_ABI */
    } else if (strcmp(name, "x86_64") == 0) {
        *cpu = 0x01000007;
        *sub = 3;
    } else {
        die("unknown --arch");
    }
}

static void segment(struct dw_buf *b, const char *name, uint64_t vmaddr, uint64_t fileoff,
                    uint64_t filesize, uint32_t prot)
{
    char seg[16] = {0};
    memcpy(seg, name, strlen(name));
    put32le(b, 0x19); /* LC_SEGMENT_64 */
    put32le(b, 72);
    buf_append(b, seg, 16);
    put64le(b, vmaddr);
    put64le(b, (filesize + PAGE - 1) / PAGE * PAGE);
    put64le(b, fileoff);
    put64le(b, filesize);
    put32le(b, prot);
    put32le(b, prot);
    put32le(b, 0);
    put32le(b, 0);
}

/* One thin, signed Mach-O image for arch. */
static void thin_image(struct dw_buf *img, const struct opts *o, const struct parts *p,
                       const char *arch)
{
    uint32_t cpu, sub;
    arch_of(arch, &cpu, &sub);
    uint32_t sig_off = (CODE_SIZE + 15) & ~15u;
    size_t nblobs = 3 + (p->ent.len != 0) + (p->der.len != 0);
    uint32_t sig_size = (uint32_t)(12 + nblobs * 8 + 4096 + p->req.len + p->ent.len +
                                   p->der.len + (o->cert ? CMS_RESERVE : 8));
    sig_size = (sig_size + 15) & ~15u;
    uint32_t ncmds = o->unsigned_ ? 3 : 4, sizeofcmds = 72 + 72 + 24 + (o->unsigned_ ? 0 : 16);
    /* header and load commands (in page 0, so under the page hashes) */
    put32le(img, 0xfeedfacf);
    put32le(img, cpu);
    put32le(img, sub);
    put32le(img, 2); /* MH_EXECUTE: a dext's executable is one */
    put32le(img, ncmds);
    put32le(img, sizeofcmds);
    put32le(img, 0x00200085); /* MH_NOUNDEFS | MH_DYLDLINK | MH_TWOLEVEL | MH_PIE */
    put32le(img, 0);
    segment(img, "__TEXT", 0x100000000ull, 0, CODE_SIZE, 5);
    segment(img, "__LINKEDIT", 0x100004000ull, sig_off, sig_size, 1);
    put32le(img, 0x32); /* LC_BUILD_VERSION */
    put32le(img, 24);
    put32le(img, o->platform ? o->platform : 10); /* PLATFORM_DRIVERKIT */
    put32le(img, 0x00140000); /* minos 20.0 */
    put32le(img, 0x00180000); /* sdk 24.0 */
    put32le(img, 0);
    if (!o->unsigned_) {
        put32le(img, 0x1d); /* LC_CODE_SIGNATURE */
        put32le(img, 16);
        put32le(img, sig_off);
        put32le(img, sig_size);
    }
    for (uint32_t i = (uint32_t)img->len; i < CODE_SIZE; i++)
        buf_putc(img, (char)(i * 131 + cpu));
    pad_to(img, sig_off);
    if (o->unsigned_)
        return;
    struct dw_buf cd = {0}, alt = {0}, cms = {0}, sb = {0};
    code_directory(&cd, o, p, (const unsigned char *)img->data, sig_off, o->two_cds ? 20 : 32);
    if (o->two_cds)
        code_directory(&alt, o, p, (const unsigned char *)img->data, sig_off, 32);
    const struct dw_buf *signed_cds[2] = {&cd, &alt};
    if (o->cert) /* the CMS names the CodeDirectories as signed, before any patch */
        cms_sign(&cms, o, &cd, signed_cds, o->two_cds ? 2 : 1);
    if (o->two_cds && o->patch_alternate) {
        img->data[PAGE + 20] ^= 0x33;
        buf_reset(&alt);
        code_directory(&alt, o, p, (const unsigned char *)img->data, sig_off, 32);
    }
    /* SuperBlob: index then blobs, in slot order as codesign writes them */
    struct { uint32_t type; const struct dw_buf *b; } idx[6];
    size_t n = 0;
    idx[n].type = 0, idx[n++].b = &cd;
    idx[n].type = 2, idx[n++].b = &p->req;
    if (p->ent.len)
        idx[n].type = 5, idx[n++].b = &p->ent;
    if (p->der.len)
        idx[n].type = 7, idx[n++].b = &p->der;
    if (o->two_cds && !o->drop_alternate)
        idx[n].type = 0x1000, idx[n++].b = &alt;
    struct dw_buf wrapper = {0};
    blob(&wrapper, 0xfade0b01, cms.data, cms.len);
    idx[n].type = 0x10000, idx[n++].b = &wrapper;
    uint32_t total = (uint32_t)(12 + n * 8);
    for (size_t i = 0; i < n; i++)
        total += (uint32_t)idx[i].b->len;
    if (total > sig_size)
        die("signature larger than reserved");
    put32be(&sb, 0xfade0cc0);
    put32be(&sb, total);
    put32be(&sb, (uint32_t)n);
    uint32_t at = (uint32_t)(12 + n * 8);
    for (size_t i = 0; i < n; i++) {
        put32be(&sb, idx[i].type);
        put32be(&sb, at);
        at += (uint32_t)idx[i].b->len;
    }
    for (size_t i = 0; i < n; i++)
        buf_append(&sb, idx[i].b->data, idx[i].b->len);
    buf_append(img, sb.data, sb.len);
    pad_to(img, sig_off + sig_size);
    if (o->corrupt)
        img->data[PAGE + 10] ^= 0x5a;
    buf_free(&cd);
    buf_free(&alt);
    buf_free(&cms);
    buf_free(&sb);
    buf_free(&wrapper);
}

/* Entitlements and Info.plist: the blobs and hashes every slice shares. */
static void load_parts(struct parts *p, const struct opts *o)
{
    static const unsigned char empty_req[4] = {0, 0, 0, 0}; /* count 0 */
    blob(&p->req, 0xfade0c01, empty_req, sizeof empty_req);
    if (o->ent) {
        size_t n;
        unsigned char *xml = slurp(o->ent, &n);
        plist_t ent = NULL;
        plist_from_xml((const char *)xml, (uint32_t)n, &ent);
        if (!ent || plist_get_node_type(ent) != PLIST_DICT)
            die("--entitlements is not an XML plist dictionary");
        blob(&p->ent, 0xfade7171, xml, n);
        if (o->der_from) {
            plist_free(ent);
            free(xml);
            xml = slurp(o->der_from, &n);
            ent = NULL;
            plist_from_xml((const char *)xml, (uint32_t)n, &ent);
            if (!ent)
                die("--der-from is not an XML plist");
        }
        struct dw_buf der = {0};
        der_entitlements(&der, ent);
        blob(&p->der, 0xfade7172, der.data, der.len);
        buf_free(&der);
        plist_free(ent);
        free(xml);
    }
    if (o->resources) {
        size_t n;
        unsigned char *res = slurp(o->resources, &n);
        buf_append(&p->res, res, n);
        p->has_res = true;
        free(res);
    }
    if (o->info) {
        size_t n;
        unsigned char *info = slurp(o->info, &n);
        buf_append(&p->info, info, n);
        p->has_info = true;
        free(info);
    }
}

static void write_file(const char *path, const struct dw_buf *b)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b->data, 1, b->len, f) != b->len || fclose(f) != 0)
        die(path);
}

/* A universal file: fat header, then each slice aligned to 16 KiB. */
static void fat_image(struct dw_buf *out, const struct opts *o, const struct parts *p)
{
    struct dw_buf slices[4] = {{0}};
    for (size_t i = 0; i < o->narch; i++)
        thin_image(&slices[i], o, p, o->arches[i]);
    put32be(out, o->fat64 ? 0xcafebabf : 0xcafebabe);
    put32be(out, (uint32_t)o->narch);
    uint64_t at = FAT_ALIGN;
    for (size_t i = 0; i < o->narch; i++) {
        uint32_t cpu, sub;
        arch_of(o->arches[i], &cpu, &sub);
        put32be(out, cpu);
        put32be(out, sub);
        if (o->fat64) {
            put64be(out, at);
            put64be(out, slices[i].len);
            put32be(out, 14);
            put32be(out, 0);
        } else {
            put32be(out, (uint32_t)at);
            put32be(out, (uint32_t)slices[i].len);
            put32be(out, 14);
        }
        at = (at + slices[i].len + FAT_ALIGN - 1) / FAT_ALIGN * FAT_ALIGN;
    }
    for (size_t i = 0; i < o->narch; i++) {
        pad_to(out, (out->len + FAT_ALIGN - 1) / FAT_ALIGN * FAT_ALIGN);
        buf_append(out, slices[i].data, slices[i].len);
        buf_free(&slices[i]);
    }
}

static int xml2bin(const char *in, const char *out)
{
    size_t n;
    unsigned char *xml = slurp(in, &n);
    plist_t p = NULL;
    plist_from_xml((const char *)xml, (uint32_t)n, &p);
    if (!p)
        die("--xml2bin: not an XML plist");
    char *bin = NULL;
    uint32_t len = 0;
    plist_to_bin(p, &bin, &len);
    struct dw_buf b = {.data = bin, .len = len};
    write_file(out, &b);
    plist_to_bin_free(bin);
    plist_free(p);
    free(xml);
    return 0;
}

int main(int argc, char **argv)
{
    struct opts o = {0};
    if (argc == 4 && strcmp(argv[1], "--xml2bin") == 0)
        return xml2bin(argv[2], argv[3]);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--fat64") == 0)
            o.fat64 = true;
        else if (strcmp(a, "--corrupt") == 0)
            o.corrupt = true;
        else if (strcmp(a, "--unsigned") == 0)
            o.unsigned_ = true;
        else if (strcmp(a, "--two-cds") == 0)
            o.two_cds = true;
        else if (strcmp(a, "--patch-alternate") == 0)
            o.patch_alternate = true;
        else if (strcmp(a, "--drop-alternate") == 0)
            o.drop_alternate = true;
        else if (!v)
            die("option without a value");
        else if (strcmp(a, "--out") == 0)
            o.out = v, i++;
        else if (strcmp(a, "--id") == 0)
            o.id = v, i++;
        else if (strcmp(a, "--team") == 0)
            o.team = v, i++;
        else if (strcmp(a, "--entitlements") == 0)
            o.ent = v, i++;
        else if (strcmp(a, "--resources") == 0)
            o.resources = v, i++;
        else if (strcmp(a, "--platform") == 0)
            o.platform = (uint32_t)strtoul(v, NULL, 10), i++;
        else if (strcmp(a, "--der-from") == 0)
            o.der_from = v, i++;
        else if (strcmp(a, "--info") == 0)
            o.info = v, i++;
        else if (strcmp(a, "--cert") == 0)
            o.cert = v, i++;
        else if (strcmp(a, "--key") == 0)
            o.key = v, i++;
        else if (strcmp(a, "--arch") == 0 && o.narch < 4)
            o.arches[o.narch++] = v, i++;
        else
            die("unknown option");
    }
    if (!o.out || !o.id)
        die("--out and --id are required");
    if (!o.narch)
        o.arches[o.narch++] = "arm64";
    struct parts p = {0};
    load_parts(&p, &o);
    struct dw_buf img = {0};
    if (o.narch == 1 && !o.fat64)
        thin_image(&img, &o, &p, o.arches[0]);
    else
        fat_image(&img, &o, &p);
    write_file(o.out, &img);
    buf_free(&img);
    buf_free(&p.req);
    buf_free(&p.ent);
    buf_free(&p.der);
    buf_free(&p.info);
    buf_free(&p.res);
    return 0;
}
