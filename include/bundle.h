/* bundle.h - a dext, system extension, kext or app bundle (or a bare Mach-O)
 * read from disk for `dextwatch check`: its Info.plist (XML or binary, via
 * libplist), its executable (macho.h), its embedded.provisionprofile (a CMS
 * SignedData wrapping a plist, via libcrypto) and, for an app, the system
 * extensions under Contents/Library/SystemExtensions.
 *
 * Like the log reader, this stage only reads: what is wrong with the bundle
 * is decided by check.h.  Problems reading a part (a truncated Mach-O, a
 * profile that is not CMS) are kept in the part, with the place, so the
 * checks can report them as findings. */
#ifndef DW_BUNDLE_H
#define DW_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <plist/plist.h>

#include "macho.h"
#include "util.h"

enum dw_bundle_kind {
    DW_BUNDLE_MACHO, /* a bare Mach-O file */
    DW_BUNDLE_DEXT,
    DW_BUNDLE_SYSEXT,
    DW_BUNDLE_KEXT,
    DW_BUNDLE_APP,
    DW_BUNDLE_OTHER,
};
const char *bundle_kind_name(enum dw_bundle_kind k);

struct dw_profile {
    bool present;
    char *path;
    plist_t plist;        /* the decoded profile (NULL when unreadable) */
    plist_t entitlements; /* borrowed from plist; NULL when absent */
    char *name, *team_id; /* Name, TeamIdentifier[0] */
    bool has_expiration;
    int64_t expiration; /* Unix seconds */
    int cms_state;      /* 1 the CMS signature verifies over the plist, -1 not */
    char *error;        /* why it could not be read */
};

struct dw_bundle {
    char *path; /* as given */
    char *name; /* last path component */
    enum dw_bundle_kind kind;
    bool deep; /* Contents/Info.plist (app, kext) rather than Info.plist at the top */
    /* Info.plist */
    char *info_path;
    unsigned char *info_bytes;
    size_t info_len;
    plist_t info; /* NULL when absent or unreadable */
    char *info_error;
    const char *bundle_id; /* CFBundleIdentifier (points into info) */
    /* the executable */
    char *exec_path; /* NULL when the bundle names none */
    bool exec_found;
    struct dw_macho macho;
    enum dw_macho_rc macho_rc;
    char *macho_error; /* "offset 0x..: reason" */
    /* the signature's entitlements (of the first signed slice), parsed */
    plist_t entitlements;
    char *entitlements_error;
    plist_t der_entitlements; /* the DER blob of the same slice, decoded */
    bool der_unreadable;
    struct dw_profile profile;
    /* _CodeSignature/CodeResources: the seal of the bundle's other files */
    char *content_dir; /* the directory its paths are relative to */
    char *resources_path;
    unsigned char *resources_bytes; /* NULL when absent */
    size_t resources_len;
    plist_t resources; /* NULL when absent or unreadable */
    /* an app's system extensions */
    struct dw_bundle **children;
    size_t nchildren;
};

/* Opens PATH (a bundle directory or a Mach-O file) and reads every part.
 * Returns the bundle, or NULL with a message when PATH cannot be read at all
 * or is neither a bundle nor a Mach-O. */
struct dw_bundle *bundle_open(const char *path, struct dw_errors *err);
void bundle_free(struct dw_bundle *b);

/* Reads a whole file (at most max bytes) into *data (NUL-terminated, caller
 * frees).  0, or -1 with errno set (EFBIG when larger than max). */
int bundle_read_file(const char *path, size_t max, unsigned char **data, size_t *len);

/* ---- property lists (bundle_plist.c): the libplist calls that differ by version ---- */

/* Parses an XML or binary plist.  NULL with *why set (static text) on failure. */
plist_t dw_plist_parse(const void *data, size_t len, const char **why);
/* The string value of dict[key], or NULL when absent or not a string. */
const char *dw_plist_string(plist_t dict, const char *key);
/* Calls fn(key, value, ctx) for each entry of a dictionary (nothing for
 * another node type), in libplist's order. */
void dw_plist_each(plist_t dict, void (*fn)(const char *key, plist_t value, void *ctx), void *ctx);
/* A date node as Unix seconds. */
int64_t dw_plist_date(plist_t node);

/* ---- DER entitlements (bundle_der.c) ---- */

/* Decodes the payload of a DER entitlements blob into a dictionary, or NULL
 * when it is not well formed (lengths, tags, nesting deeper than 32). */
plist_t dw_der_entitlements_parse(const unsigned char *data, size_t len);
/* Structural equality: same types, arrays in order, dictionaries by key. */
bool dw_plist_equal(plist_t a, plist_t b, int depth);

/* ---- provisioning profiles (bundle_profile.c) ---- */

/* Decodes an embedded.provisionprofile (DER CMS SignedData holding a plist)
 * from data[0..len) into p (path is copied for messages). */
void profile_read(struct dw_profile *p, const char *path, const unsigned char *data, size_t len);
void profile_free(struct dw_profile *p);
/* True when the DER certificate is one of the profile's DeveloperCertificates. */
bool profile_has_certificate(const struct dw_profile *p, const unsigned char *der, size_t len);

#endif
