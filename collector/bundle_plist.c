/* bundle_plist.c - the few libplist calls whose API differs by version.
 *
 * Debian 12 ships libplist 2.2: plist_from_memory(data, len, &plist) returns
 * nothing and dates are seconds since 2001-01-01.  Homebrew's >= 2.3 returns
 * plist_err_t and takes a format pointer; later releases deprecate
 * plist_get_date_val for plist_get_unix_date_val.  CMakeLists.txt tests which
 * one is present (DW_PLIST_FROM_MEMORY_FORMAT, DW_PLIST_UNIX_DATE); both
 * branches compile. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"

/* Seconds between 1970-01-01 and 2001-01-01 (the Mac epoch of plist dates). */
#define MAC_EPOCH_OFFSET INT64_C(978307200)
/* libplist's length parameter is 32-bit; a plist in a bundle is far smaller. */
#define PLIST_MAX (64u << 20)

plist_t dw_plist_parse(const void *data, size_t len, const char **why)
{
    plist_t p = NULL;
    if (len < 8 || len > PLIST_MAX) {
        *why = len < 8 ? "too short for a property list" : "larger than 64 MiB";
        return NULL;
    }
#ifdef DW_PLIST_FROM_MEMORY_FORMAT
    plist_format_t format;
    if (plist_from_memory(data, (uint32_t)len, &p, &format) != PLIST_ERR_SUCCESS) {
        plist_free(p);
        p = NULL;
    }
#else
    if (plist_is_binary(data, (uint32_t)len))
        plist_from_bin(data, (uint32_t)len, &p);
    else
        plist_from_xml(data, (uint32_t)len, &p);
#endif
    if (!p)
        *why = "not a valid XML or binary property list";
    return p;
}

const char *dw_plist_string(plist_t dict, const char *key)
{
    if (!dict || plist_get_node_type(dict) != PLIST_DICT)
        return NULL;
    plist_t v = plist_dict_get_item(dict, key);
    if (!v || plist_get_node_type(v) != PLIST_STRING)
        return NULL;
    uint64_t n = 0;
    return plist_get_string_ptr(v, &n);
}

void dw_plist_each(plist_t dict, void (*fn)(const char *key, plist_t value, void *ctx), void *ctx)
{
    if (!dict || plist_get_node_type(dict) != PLIST_DICT)
        return;
    plist_dict_iter it = NULL;
    plist_dict_new_iter(dict, &it);
    for (;;) {
        char *key = NULL;
        plist_t v = NULL;
        plist_dict_next_item(dict, it, &key, &v);
        if (!key)
            break;
        fn(key, v, ctx);
        free(key);
    }
    free(it);
}

int64_t dw_plist_date(plist_t node)
{
#ifdef DW_PLIST_UNIX_DATE
    int64_t sec = 0;
    plist_get_unix_date_val(node, &sec);
    return sec;
#else
    int32_t sec = 0, usec = 0;
    plist_get_date_val(node, &sec, &usec);
    return (int64_t)sec + MAC_EPOCH_OFFSET;
#endif
}
