/* bundle.c - finds and reads the parts of a bundle (see bundle.h).
 *
 * Layouts (Apple, "Bundle Programming Guide" and "Placing content in a macOS
 * bundle"): an app or kext keeps Info.plist, MacOS/<executable> and
 * embedded.provisionprofile under Contents/; a dext is a shallow bundle with
 * them at its top.  An app's system extensions are the bundles in
 * Contents/Library/SystemExtensions. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"

#define INFO_MAX (16u << 20)
#define PROFILE_MAX (4u << 20)
#define EXEC_MAX ((size_t)1 << 31)
#define CHILDREN_MAX 64

const char *bundle_kind_name(enum dw_bundle_kind k)
{
    switch (k) {
    case DW_BUNDLE_MACHO:
        return "Mach-O";
    case DW_BUNDLE_DEXT:
        return "dext";
    case DW_BUNDLE_SYSEXT:
        return "system extension";
    case DW_BUNDLE_KEXT:
        return "kext";
    case DW_BUNDLE_APP:
        return "app";
    default:
        return "bundle";
    }
}

int bundle_read_file(const char *path, size_t max, unsigned char **data, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
        int e = S_ISREG(st.st_mode) ? EFBIG : EISDIR;
        close(fd);
        errno = e;
        return -1;
    }
    size_t n = (size_t)st.st_size, got = 0;
    unsigned char *buf = xmalloc(n + 1);
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = '\0';
    *data = buf;
    *len = got;
    return 0;
}

static char *join(const char *a, const char *b)
{
    struct dw_buf s = {0};
    buf_printf(&s, "%s/%s", a, b);
    return buf_steal(&s);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static enum dw_bundle_kind kind_of(const char *name, const char *package_type)
{
    if (ends_with(name, ".dext") || (package_type && strcmp(package_type, "DEXT") == 0))
        return DW_BUNDLE_DEXT;
    if (ends_with(name, ".systemextension") || (package_type && strcmp(package_type, "SYSX") == 0))
        return DW_BUNDLE_SYSEXT;
    if (ends_with(name, ".kext") || (package_type && strcmp(package_type, "KEXT") == 0))
        return DW_BUNDLE_KEXT;
    if (ends_with(name, ".app") || (package_type && strcmp(package_type, "APPL") == 0))
        return DW_BUNDLE_APP;
    return DW_BUNDLE_OTHER;
}

/* Reads the executable and its signature's entitlements. */
static void read_executable(struct dw_bundle *b)
{
    unsigned char *data = NULL;
    size_t len = 0;
    if (bundle_read_file(b->exec_path, EXEC_MAX, &data, &len) != 0)
        return;
    b->exec_found = true;
    struct dw_errors err = {0};
    b->macho_rc = macho_read(data, len, &b->macho, &err);
    if (err.n)
        b->macho_error = xstrdup(err.msgs[0]);
    dw_errors_clear(&err);
    free(data);
    for (size_t i = 0; i < b->macho.nslices && !b->entitlements && !b->entitlements_error; i++) {
        const struct dw_codesign *cs = &b->macho.slices[i].cs;
        if (!cs->entitlements)
            continue;
        const char *why = NULL;
        b->entitlements = dw_plist_parse(cs->entitlements, cs->entitlements_len, &why);
        if (!b->entitlements || plist_get_node_type(b->entitlements) != PLIST_DICT) {
            plist_free(b->entitlements);
            b->entitlements = NULL;
            b->entitlements_error = xstrdup(why ? why : "not a dictionary");
        }
        if (cs->der_entitlements) {
            b->der_entitlements =
                dw_der_entitlements_parse(cs->der_entitlements, cs->der_entitlements_len);
            b->der_unreadable = !b->der_entitlements;
        }
    }
}

/* Reads Info.plist at dir/Info.plist; sets the kind from its package type. */
static void read_info(struct dw_bundle *b, const char *dir)
{
    b->info_path = join(dir, "Info.plist");
    if (bundle_read_file(b->info_path, INFO_MAX, &b->info_bytes, &b->info_len) != 0) {
        b->info_error = xstrdup(strerror(errno));
        return;
    }
    const char *why = NULL;
    b->info = dw_plist_parse(b->info_bytes, b->info_len, &why);
    if (b->info && plist_get_node_type(b->info) != PLIST_DICT) {
        plist_free(b->info);
        b->info = NULL;
        why = "the top level is not a dictionary";
    }
    if (!b->info) {
        b->info_error = xstrdup(why);
        return;
    }
    b->bundle_id = dw_plist_string(b->info, "CFBundleIdentifier");
    enum dw_bundle_kind k = kind_of(b->name, dw_plist_string(b->info, "CFBundlePackageType"));
    if (b->kind == DW_BUNDLE_OTHER)
        b->kind = k;
}

/* _CodeSignature/CodeResources, kept as bytes (its hash is slot 3) and parsed. */
static void read_resources(struct dw_bundle *b, const char *dir)
{
    b->content_dir = xstrdup(dir);
    b->resources_path = join(dir, "_CodeSignature/CodeResources");
    if (bundle_read_file(b->resources_path, INFO_MAX, &b->resources_bytes, &b->resources_len) != 0)
        return;
    const char *why = NULL;
    b->resources = dw_plist_parse(b->resources_bytes, b->resources_len, &why);
    if (b->resources && plist_get_node_type(b->resources) != PLIST_DICT) {
        plist_free(b->resources);
        b->resources = NULL;
    }
}

static void read_profile(struct dw_bundle *b, const char *dir)
{
    char *path = join(dir, "embedded.provisionprofile");
    unsigned char *data = NULL;
    size_t len = 0;
    if (bundle_read_file(path, PROFILE_MAX, &data, &len) == 0)
        profile_read(&b->profile, path, data, len);
    free(data);
    free(path);
}

/* The system extensions of an app, in name order. */
static void read_children(struct dw_bundle *b)
{
    char *dir = join(b->path, "Contents/Library/SystemExtensions");
    char **names = NULL;
    size_t n = 0;
    if (dw_dir_list(dir, "", &names, &n) == 0) {
        for (size_t i = 0; i < n && b->nchildren < CHILDREN_MAX; i++) {
            char *p = join(dir, names[i]);
            struct stat st;
            struct dw_errors ignore = {0};
            struct dw_bundle *c =
                stat(p, &st) == 0 && S_ISDIR(st.st_mode) ? bundle_open(p, &ignore) : NULL;
            dw_errors_clear(&ignore);
            if (c) {
                b->children = xrealloc(b->children, (b->nchildren + 1) * sizeof *b->children);
                b->children[b->nchildren++] = c;
            }
            free(p);
        }
        dw_strv_free(names, n);
    }
    free(dir);
}

static void open_directory(struct dw_bundle *b)
{
    char *contents = join(b->path, "Contents");
    char *probe = join(contents, "Info.plist");
    struct stat st;
    b->deep = stat(probe, &st) == 0;
    free(probe);
    const char *dir = b->deep ? contents : b->path;
    read_info(b, dir);
    const char *exec = dw_plist_string(b->info, "CFBundleExecutable");
    /* the name comes from the bundle: no path separators, no dot names */
    if (exec && *exec && !strchr(exec, '/') && strcmp(exec, ".") != 0 && strcmp(exec, "..") != 0) {
        if (b->deep) {
            char *macos = join(contents, "MacOS");
            b->exec_path = join(macos, exec);
            free(macos);
        } else {
            b->exec_path = join(b->path, exec);
        }
        read_executable(b);
    }
    read_profile(b, dir);
    read_resources(b, dir);
    if (b->kind == DW_BUNDLE_APP)
        read_children(b);
    free(contents);
}

struct dw_bundle *bundle_open(const char *path, struct dw_errors *err)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        dw_errors_add(err, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct dw_bundle *b = xcalloc(1, sizeof *b);
    b->path = xstrdup(path);
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    size_t start = n;
    while (start > 0 && path[start - 1] != '/')
        start--;
    b->name = xstrndup(path + start, n - start);
    b->kind = kind_of(b->name, NULL);
    if (S_ISDIR(st.st_mode)) {
        open_directory(b);
        return b;
    }
    b->kind = DW_BUNDLE_MACHO;
    b->exec_path = xstrdup(path);
    read_executable(b);
    if (!b->exec_found || b->macho_rc == DW_MACHO_NOT_MACHO) {
        dw_errors_add(err, "%s: neither a bundle directory nor a Mach-O file", path);
        bundle_free(b);
        return NULL;
    }
    return b;
}

void bundle_free(struct dw_bundle *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->nchildren; i++)
        bundle_free(b->children[i]);
    free(b->children);
    free(b->path);
    free(b->name);
    free(b->info_path);
    free(b->info_bytes);
    plist_free(b->info);
    free(b->info_error);
    free(b->exec_path);
    macho_free(&b->macho);
    free(b->macho_error);
    plist_free(b->entitlements);
    plist_free(b->der_entitlements);
    free(b->entitlements_error);
    profile_free(&b->profile);
    free(b->content_dir);
    free(b->resources_path);
    free(b->resources_bytes);
    plist_free(b->resources);
    free(b);
}
