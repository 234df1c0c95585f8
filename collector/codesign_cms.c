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

#include "macho.h"

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
