/* bundle_profile.c - embedded.provisionprofile: a DER CMS SignedData (signed
 * by Apple) whose content is an XML plist with Entitlements, TeamIdentifier,
 * ExpirationDate, DeveloperCertificates (DER data), ProvisionedDevices, ...
 * (what `security cms -D -i embedded.provisionprofile` prints). */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>

#include "bundle.h"

static void profile_error(struct dw_profile *p, const char *what)
{
    struct dw_buf b = {0};
    buf_printf(&b, "%s: %s", p->path, what);
    free(p->error);
    p->error = buf_steal(&b);
}

/* The content of the SignedData, and whether its signature verifies (the
 * signer's chain is not checked: Apple's roots are the Mac's business). */
static unsigned char *cms_content(struct dw_profile *p, const unsigned char *data, size_t len,
                                  size_t *out_len)
{
    const unsigned char *q = data;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &q, (long)len);
    if (!cms) {
        ERR_clear_error();
        profile_error(p, "not a DER CMS SignedData");
        return NULL;
    }
    unsigned char *content = NULL;
    ASN1_OCTET_STRING **os = CMS_get0_content(cms);
    if (os && *os) {
        *out_len = (size_t)ASN1_STRING_length(*os);
        content = xmalloc(*out_len + 1);
        memcpy(content, ASN1_STRING_get0_data(*os), *out_len);
        content[*out_len] = '\0';
    } else {
        profile_error(p, "the CMS SignedData holds no content (detached)");
    }
    if (content) {
        BIO *sink = BIO_new(BIO_s_null());
        p->cms_state =
            CMS_verify(cms, NULL, NULL, NULL, sink, CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) == 1
                ? 1
                : -1;
        BIO_free(sink);
    }
    ERR_clear_error();
    CMS_ContentInfo_free(cms);
    return content;
}

void profile_read(struct dw_profile *p, const char *path, const unsigned char *data, size_t len)
{
    p->present = true;
    p->path = xstrdup(path);
    size_t plen = 0;
    unsigned char *content = cms_content(p, data, len, &plen);
    if (!content)
        return;
    const char *why = NULL;
    p->plist = dw_plist_parse(content, plen, &why);
    free(content);
    if (!p->plist || plist_get_node_type(p->plist) != PLIST_DICT) {
        profile_error(p, why ? why : "the content is not a dictionary");
        return;
    }
    plist_t ent = plist_dict_get_item(p->plist, "Entitlements");
    if (ent && plist_get_node_type(ent) == PLIST_DICT)
        p->entitlements = ent;
    p->name = xstrdup(dw_plist_string(p->plist, "Name"));
    plist_t teams = plist_dict_get_item(p->plist, "TeamIdentifier");
    if (teams && plist_get_node_type(teams) == PLIST_ARRAY && plist_array_get_size(teams) > 0) {
        plist_t t = plist_array_get_item(teams, 0);
        uint64_t n;
        if (plist_get_node_type(t) == PLIST_STRING)
            p->team_id = xstrdup(plist_get_string_ptr(t, &n));
    }
    plist_t exp = plist_dict_get_item(p->plist, "ExpirationDate");
    if (exp && plist_get_node_type(exp) == PLIST_DATE) {
        p->has_expiration = true;
        p->expiration = dw_plist_date(exp);
    }
}

bool profile_has_certificate(const struct dw_profile *p, const unsigned char *der, size_t len)
{
    plist_t certs = p->plist ? plist_dict_get_item(p->plist, "DeveloperCertificates") : NULL;
    if (!certs || plist_get_node_type(certs) != PLIST_ARRAY)
        return false;
    for (uint32_t i = 0; i < plist_array_get_size(certs); i++) {
        plist_t c = plist_array_get_item(certs, i);
        uint64_t n = 0;
        const char *d = plist_get_node_type(c) == PLIST_DATA ? plist_get_data_ptr(c, &n) : NULL;
        if (d && n == len && memcmp(d, der, len) == 0)
            return true;
    }
    return false;
}

void profile_free(struct dw_profile *p)
{
    plist_free(p->plist);
    free(p->path);
    free(p->name);
    free(p->team_id);
    free(p->error);
    memset(p, 0, sizeof *p);
}
