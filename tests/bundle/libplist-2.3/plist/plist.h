/* Stand-in for <plist/plist.h> of libplist >= 2.3 (Homebrew's): only the
 * declarations collector/bundle_plist.c and bundle.h use, with the newer
 * signatures, as in libimobiledevice/libplist include/plist/plist.h.  Used by
 * tests/bundle/plist_api.sh to compile the DW_PLIST_FROM_MEMORY_FORMAT /
 * DW_PLIST_UNIX_DATE branch on a machine that has libplist 2.2. */
#ifndef LIBPLIST_H
#define LIBPLIST_H
#include <stdint.h>

typedef void *plist_t;
typedef void *plist_dict_iter;
typedef enum {
    PLIST_BOOLEAN, PLIST_INT, PLIST_REAL, PLIST_STRING, PLIST_ARRAY, PLIST_DICT,
    PLIST_DATE, PLIST_DATA, PLIST_KEY, PLIST_UID, PLIST_NULL, PLIST_NONE
} plist_type;
#define PLIST_UINT PLIST_INT
typedef enum {
    PLIST_ERR_SUCCESS = 0, PLIST_ERR_INVALID_ARG = -1, PLIST_ERR_FORMAT = -2,
    PLIST_ERR_PARSE = -3, PLIST_ERR_NO_MEM = -4, PLIST_ERR_IO = -5, PLIST_ERR_UNKNOWN = -255
} plist_err_t;
typedef enum {
    PLIST_FORMAT_NONE = 0, PLIST_FORMAT_XML = 1, PLIST_FORMAT_BINARY = 2, PLIST_FORMAT_JSON = 3,
    PLIST_FORMAT_OSTEP = 4
} plist_format_t;

plist_err_t plist_from_memory(const char *plist_data, uint32_t length, plist_t *plist,
                              plist_format_t *format);
void plist_free(plist_t plist);
plist_type plist_get_node_type(plist_t node);
plist_t plist_dict_get_item(plist_t node, const char *key);
const char *plist_get_string_ptr(plist_t node, uint64_t *length);
void plist_dict_new_iter(plist_t node, plist_dict_iter *iter);
void plist_dict_next_item(plist_t node, plist_dict_iter iter, char **key, plist_t *val);
void plist_get_unix_date_val(plist_t node, int64_t *sec);
#endif
