/* bundle_der.c - the DER entitlements blob (cs_blobs.h slot 7,
 * CSMAGIC_EMBEDDED_DER_ENTITLEMENTS), which the kernel and AMFI read on
 * macOS 12 and later instead of the XML blob.  Its payload, as codesign
 * writes it (Apple, "Using the latest code signature format"):
 *   [APPLICATION 16] { INTEGER 1, [CONTEXT 16] { SEQUENCE { UTF8String key, value } ... } }
 * with values BOOLEAN, INTEGER, UTF8String, SEQUENCE (array) or [CONTEXT 16]
 * (dictionary).  Decoded into a libplist tree, every length checked, nesting
 * bounded; and compared with the XML plist. */
#include <stdlib.h>
#include <string.h>

#include "bundle.h"

#define DER_DEPTH_MAX 32

struct der {
    const unsigned char *p;
    size_t n;
};

/* Reads one tag-length header; the value is left in *val.  0 or -1. */
static int der_next(struct der *d, unsigned *tag, struct der *val)
{
    if (d->n < 2)
        return -1;
    *tag = d->p[0];
    size_t len = d->p[1], hdr = 2;
    if (len & 0x80) {
        size_t k = len & 0x7f;
        if (k == 0 || k > 4 || d->n < 2 + k)
            return -1;
        len = 0;
        for (size_t i = 0; i < k; i++)
            len = len << 8 | d->p[2 + i];
        hdr += k;
    }
    if (len > d->n - hdr)
        return -1;
    val->p = d->p + hdr;
    val->n = len;
    d->p += hdr + len;
    d->n -= hdr + len;
    return 0;
}

static plist_t der_value(unsigned tag, struct der v, int depth);

/* A [16] dictionary body: SEQUENCE { UTF8String key, value } pairs. */
static plist_t der_dict(struct der body, int depth)
{
    plist_t dict = plist_new_dict();
    while (body.n) {
        unsigned tag, ktag, vtag;
        struct der pair, key, val;
        if (der_next(&body, &tag, &pair) || tag != 0x30 || der_next(&pair, &ktag, &key) ||
            ktag != 0x0c || der_next(&pair, &vtag, &val) || pair.n) {
            plist_free(dict);
            return NULL;
        }
        plist_t item = der_value(vtag, val, depth + 1);
        if (!item) {
            plist_free(dict);
            return NULL;
        }
        char *k = xstrndup((const char *)key.p, key.n);
        plist_dict_set_item(dict, k, item);
        free(k);
    }
    return dict;
}

static plist_t der_value(unsigned tag, struct der v, int depth)
{
    if (depth > DER_DEPTH_MAX)
        return NULL;
    switch (tag) {
    case 0x01:
        return v.n == 1 ? plist_new_bool(v.p[0] != 0) : NULL;
    case 0x02: {
        if (v.n == 0 || v.n > 9 || (v.p[0] & 0x80)) /* negative: not an entitlement value */
            return NULL;
        uint64_t u = 0;
        for (size_t i = 0; i < v.n; i++)
            u = u << 8 | v.p[i];
        return plist_new_uint(u);
    }
    case 0x0c: {
        char *s = xstrndup((const char *)v.p, v.n);
        plist_t node = plist_new_string(s);
        free(s);
        return node;
    }
    case 0x30: {
        plist_t arr = plist_new_array();
        while (v.n) {
            unsigned t;
            struct der item;
            plist_t node = der_next(&v, &t, &item) ? NULL : der_value(t, item, depth + 1);
            if (!node) {
                plist_free(arr);
                return NULL;
            }
            plist_array_append_item(arr, node);
        }
        return arr;
    }
    case 0xb0:
        return der_dict(v, depth);
    default:
        return NULL;
    }
}

plist_t dw_der_entitlements_parse(const unsigned char *data, size_t len)
{
    struct der all = {data, len}, body, version, dict;
    unsigned tag, vtag, dtag;
    if (der_next(&all, &tag, &body) || tag != 0x70 || all.n || der_next(&body, &vtag, &version) ||
        vtag != 0x02 || version.n != 1 || der_next(&body, &dtag, &dict) || dtag != 0xb0 || body.n)
        return NULL;
    return der_dict(dict, 0);
}

bool dw_plist_equal(plist_t a, plist_t b, int depth)
{
    plist_type t = plist_get_node_type(a);
    if (t != plist_get_node_type(b) || depth > DER_DEPTH_MAX)
        return false;
    if (t == PLIST_ARRAY) {
        uint32_t n = plist_array_get_size(a);
        if (n != plist_array_get_size(b))
            return false;
        for (uint32_t i = 0; i < n; i++)
            if (!dw_plist_equal(plist_array_get_item(a, i), plist_array_get_item(b, i), depth + 1))
                return false;
        return true;
    }
    if (t != PLIST_DICT)
        return plist_compare_node_value(a, b) != 0;
    if (plist_dict_get_size(a) != plist_dict_get_size(b))
        return false;
    bool same = true;
    plist_dict_iter it = NULL;
    plist_dict_new_iter(a, &it);
    for (;;) {
        char *key = NULL;
        plist_t v = NULL;
        plist_dict_next_item(a, it, &key, &v);
        if (!key)
            break;
        plist_t w = plist_dict_get_item(b, key);
        same = same && w && dw_plist_equal(v, w, depth + 1);
        free(key);
    }
    free(it);
    return same;
}
