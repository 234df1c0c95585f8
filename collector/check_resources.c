/* check_resources.c - the bundle's sealed files: _CodeSignature/CodeResources
 * is bound by special slot 3 of the CodeDirectory (cs_blobs.h
 * CSSLOT_RESOURCEDIR) and lists, under "files2", each other file of the
 * bundle with its SHA-256 ("hash2"; "hash" is SHA-1), e.g. the
 * embedded.provisionprofile: a file replaced after signing invalidates the
 * signature (`codesign --verify`: "a sealed resource is missing or invalid"). */
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define SEALED_MAX 10000
#define SEALED_FILE_MAX ((size_t)256 << 20)

/* A path from the seal: relative, without "..": anything else is not read. */
static bool safe_path(const char *p)
{
    if (!*p || *p == '/')
        return false;
    for (const char *s = p; (s = strstr(s, "..")) != NULL; s += 2)
        if ((s == p || s[-1] == '/') && (s[2] == '/' || s[2] == '\0'))
            return false;
    return true;
}

struct seal_walk {
    struct dw_check_ctx *c;
    size_t seen;
};

/* One files2 entry: {hash2 = <sha256>, optional = true?} or plain data (SHA-1). */
static void check_entry(const char *path, plist_t entry, void *ctx)
{
    struct seal_walk *w = ctx;
    if (++w->seen > SEALED_MAX || !safe_path(path))
        return;
    plist_t want = entry, opt = NULL;
    int type = DW_CS_HASHTYPE_SHA1;
    if (plist_get_node_type(entry) == PLIST_DICT) {
        want = plist_dict_get_item(entry, "hash2");
        type = DW_CS_HASHTYPE_SHA256;
        if (!want) {
            want = plist_dict_get_item(entry, "hash");
            type = DW_CS_HASHTYPE_SHA1;
        }
        opt = plist_dict_get_item(entry, "optional");
    }
    uint64_t wn = 0;
    const char *wd =
        want && plist_get_node_type(want) == PLIST_DATA ? plist_get_data_ptr(want, &wn) : NULL;
    if (!wd) /* symlinks, nested code (cdhash) and requirements are not file hashes */
        return;
    struct dw_buf full = {0};
    buf_printf(&full, "%s/%s", w->c->b->content_dir, path);
    unsigned char *data = NULL, h[DW_CS_HASH_MAX];
    size_t len = 0;
    if (bundle_read_file(full.data, SEALED_FILE_MAX, &data, &len) != 0) {
        if (!(opt && plist_get_node_type(opt) == PLIST_BOOLEAN && plist_bool_val_is_true(opt)))
            check_report(w->c, "check.modified", -1, full.data, 0,
                         "the sealed file %s is missing (CodeResources lists it)", path);
    } else if (codesign_hash(type, data, len, h) == 0 &&
               (wn != (type == DW_CS_HASHTYPE_SHA1 ? 20u : 32u) || memcmp(h, wd, wn) != 0)) {
        check_report(w->c, "check.modified", -1, full.data, 0,
                     "%s changed after signing: its %s differs from CodeResources'", path,
                     type == DW_CS_HASHTYPE_SHA1 ? "SHA-1" : "SHA-256");
    }
    free(data);
    buf_free(&full);
}

void check_resources(struct dw_check_ctx *c)
{
    const struct dw_bundle *b = c->b;
    const struct dw_codesign *cs = NULL;
    for (size_t i = 0; i < b->macho.nslices && !cs; i++)
        if (b->macho.slices[i].cs.identifier)
            cs = &b->macho.slices[i].cs;
    if (!cs || b->kind == DW_BUNDLE_MACHO)
        return;
    enum dw_cs_slot_state st =
        codesign_check_slot(cs, DW_CSSLOT_RESOURCEDIR, b->resources_bytes, b->resources_len);
    if (st == DW_SLOT_MISMATCH)
        check_report(c, "check.modified", -1, b->resources_path, 0,
                     "_CodeSignature/CodeResources %s",
                     b->resources_bytes ? "does not match the hash the signature sealed"
                                        : "is missing; the signature binds it");
    if (st != DW_SLOT_MATCH || !b->resources)
        return;
    struct seal_walk w = {c, 0};
    plist_t files2 = plist_dict_get_item(b->resources, "files2");
    /* a seal without files2 (written for macOS before 10.9) lists SHA-1s under files */
    dw_plist_each(files2 ? files2 : plist_dict_get_item(b->resources, "files"), check_entry, &w);
    check_unsealed(c);
}
