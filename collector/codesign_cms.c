/* codesign_cms.c - the CMS signature of a code signature (slot 0x10000).
 *
 * Apple's codesign stores a detached CMS SignedData (RFC 5652) whose content
 * is the primary CodeDirectory; its certificates are the signer's chain
 * (e.g. "Apple Development: Name (TEAMID)" <- Apple WWDR CA <- Apple Root).
 * We read it with OpenSSL's libcrypto: the signer certificate (CN, OU = team
 * id, DER for comparing with a profile's DeveloperCertificates) and whether
 * the signature over the CodeDirectory verifies.  The chain is not checked
 * against Apple's roots: that is the Mac's job, and a test certificate must
 * read the same way. */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "bundle.h"
#include "macho.h"

#define OID_AGILITY_V1 "1.2.840.113635.100.9.1"
#define OID_AGILITY_V2 "1.2.840.113635.100.9.2"

static char *name_entry(const X509_NAME *name, int nid)
{
    int i = X509_NAME_get_index_by_NID(name, nid, -1);
    if (i < 0)
        return NULL;
    const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, s);
    if (n < 0)
        return NULL;
    char *out = xstrndup((const char *)utf8, (size_t)n);
    OPENSSL_free(utf8);
    return out;
}

static void set_error(struct dw_codesign *cs, const char *what)
{
    unsigned long e = ERR_get_error();
    char msg[256];
    ERR_error_string_n(e, msg, sizeof msg);
    struct dw_buf b = {0};
    buf_printf(&b, "%s%s%s", what, e ? ": " : "", e ? msg : "");
    free(cs->cms_error);
    cs->cms_error = buf_steal(&b);
    ERR_clear_error();
}

/* Finds the certificate of the first SignerInfo among the SignedData's certificates. */
static X509 *find_signer(CMS_ContentInfo *cms)
{
    STACK_OF(CMS_SignerInfo) *infos = CMS_get0_SignerInfos(cms);
    if (!infos || sk_CMS_SignerInfo_num(infos) < 1)
        return NULL;
    CMS_SignerInfo *si = sk_CMS_SignerInfo_value(infos, 0);
    STACK_OF(X509) *certs = CMS_get1_certs(cms);
    X509 *found = NULL;
    for (int i = 0; certs && i < sk_X509_num(certs) && !found; i++)
        if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs, i)) == 0)
            found = X509_dup(sk_X509_value(certs, i));
    sk_X509_pop_free(certs, X509_free);
    return found;
}

/* The signed attribute `oid` of si, or NULL. */
static X509_ATTRIBUTE *signed_attr(CMS_SignerInfo *si, const char *oid)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    int i = obj ? CMS_signed_get_attr_by_OBJ(si, obj, -1) : -1;
    ASN1_OBJECT_free(obj);
    return i >= 0 ? CMS_signed_get_attr(si, i) : NULL;
}

static uint8_t hash_type_of(const ASN1_OBJECT *alg)
{
    switch (OBJ_obj2nid(alg)) {
    case NID_sha1:
        return DW_CS_HASHTYPE_SHA1;
    case NID_sha256:
        return DW_CS_HASHTYPE_SHA256;
    case NID_sha384:
        return DW_CS_HASHTYPE_SHA384;
    default:
        return 0; /* a digest we do not know: kept, compared with nothing */
    }
}

/* Keeps data[0..n) (at most DW_CS_HASH_MAX bytes) as entry `at` of a list. */
static void keep_hash(struct dw_cdhash *list, size_t at, uint8_t type, const void *data, size_t n)
{
    if (at >= DW_CS_MAX_CDS)
        return;
    list[at].type = type;
    list[at].len = (uint8_t)(n > DW_CS_HASH_MAX ? DW_CS_HASH_MAX : n);
    memcpy(list[at].hash, data, list[at].len);
}

/* V1: an OCTET STRING holding the plist {cdhashes = [<data>, ...]}. */
static void read_agility_v1(X509_ATTRIBUTE *a, struct dw_cms_agility *ag)
{
    ASN1_TYPE *t = X509_ATTRIBUTE_get0_type(a, 0);
    ag->v1 = -1;
    if (!t || t->type != V_ASN1_OCTET_STRING)
        return;
    const char *why = NULL;
    plist_t p = dw_plist_parse(ASN1_STRING_get0_data(t->value.octet_string),
                               (size_t)ASN1_STRING_length(t->value.octet_string), &why);
    plist_t list =
        p && plist_get_node_type(p) == PLIST_DICT ? plist_dict_get_item(p, "cdhashes") : NULL;
    if (list && plist_get_node_type(list) == PLIST_ARRAY) {
        ag->v1 = 1;
        for (uint32_t i = 0; i < plist_array_get_size(list); i++) {
            plist_t d = plist_array_get_item(list, i);
            uint64_t n = 0;
            const char *h = plist_get_node_type(d) == PLIST_DATA ? plist_get_data_ptr(d, &n) : NULL;
            if (!h) {
                ag->v1 = -1;
                break;
            }
            keep_hash(ag->v1_hashes, ag->v1_n++, 0, h, (size_t)n);
        }
    }
    plist_free(p);
}

/* V2: each value a SEQUENCE {digest algorithm OID, OCTET STRING hash}. */
static void read_agility_v2(X509_ATTRIBUTE *a, struct dw_cms_agility *ag)
{
    ag->v2 = 1;
    for (int i = 0; i < X509_ATTRIBUTE_count(a); i++) {
        ASN1_TYPE *t = X509_ATTRIBUTE_get0_type(a, i);
        const unsigned char *p = NULL, *end = NULL;
        long len = 0;
        int tag = 0, cls = 0;
        if (t && t->type == V_ASN1_SEQUENCE) {
            p = ASN1_STRING_get0_data(t->value.sequence);
            end = p + ASN1_STRING_length(t->value.sequence);
        }
        if (!p || (ASN1_get_object(&p, &len, &tag, &cls, end - p) & 0x80) ||
            tag != V_ASN1_SEQUENCE || len > end - p) {
            ag->v2 = -1;
            return;
        }
        end = p + len;
        ASN1_OBJECT *alg = d2i_ASN1_OBJECT(NULL, &p, end - p);
        ASN1_OCTET_STRING *h = alg ? d2i_ASN1_OCTET_STRING(NULL, &p, end - p) : NULL;
        if (h)
            keep_hash(ag->v2_hashes, ag->v2_n++, hash_type_of(alg), ASN1_STRING_get0_data(h),
                      (size_t)ASN1_STRING_length(h));
        else
            ag->v2 = -1;
        ASN1_OBJECT_free(alg);
        ASN1_OCTET_STRING_free(h);
        if (ag->v2 < 0)
            return;
    }
}

/* The hash-agility attributes of the first signer. */
static void read_agility(CMS_ContentInfo *cms, struct dw_cms_agility *ag)
{
    STACK_OF(CMS_SignerInfo) *infos = CMS_get0_SignerInfos(cms);
    if (!infos || sk_CMS_SignerInfo_num(infos) < 1)
        return;
    CMS_SignerInfo *si = sk_CMS_SignerInfo_value(infos, 0);
    X509_ATTRIBUTE *a = signed_attr(si, OID_AGILITY_V1);
    if (a)
        read_agility_v1(a, ag);
    if ((a = signed_attr(si, OID_AGILITY_V2)) != NULL)
        read_agility_v2(a, ag);
    ERR_clear_error();
}

void codesign_read_cms(struct dw_codesign *cs, const unsigned char *cd, size_t cd_len)
{
    const unsigned char *p = cs->cms;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)cs->cms_len);
    if (!cms) {
        set_error(cs, "the CMS blob is not DER CMS");
        cs->cms_state = -1;
        return;
    }
    X509 *signer = find_signer(cms);
    read_agility(cms, &cs->agility);
    if (signer) {
        const X509_NAME *subject = X509_get_subject_name(signer);
        cs->signer_cn = name_entry(subject, NID_commonName);
        cs->signer_ou = name_entry(subject, NID_organizationalUnitName);
        unsigned char *der = NULL;
        int n = i2d_X509(signer, &der);
        if (n > 0) {
            cs->signer_der = xmalloc((size_t)n);
            memcpy(cs->signer_der, der, (size_t)n);
            cs->signer_der_len = (size_t)n;
            OPENSSL_free(der);
        }
        X509_free(signer);
    }
    BIO *content = BIO_new_mem_buf(cd, (int)cd_len);
    int ok = content && CMS_verify(cms, NULL, NULL, content, NULL,
                                   CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) == 1;
    cs->cms_state = ok ? 1 : -1;
    if (!ok)
        set_error(cs, signer ? "the CMS signature does not verify over the CodeDirectory"
                             : "the CMS blob names no signer certificate");
    BIO_free(content);
    CMS_ContentInfo_free(cms);
}
