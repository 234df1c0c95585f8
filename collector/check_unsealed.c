/* check_unsealed.c - files in a bundle that its seal does not cover: added
 * after signing (`codesign --verify --strict -vv`: "file added").
 *
 * What codesign seals is decided by the "rules2" of _CodeSignature/
 * CodeResources: regular expressions (POSIX extended, as Security's
 * ResourceBuilder compiles them) over the path relative to the bundle's
 * content directory, each `true` or {omit, optional, nested, weight}; the
 * matching rule of highest weight decides, an omitted path is not sealed, a
 * path no rule matches neither.  Excluded always (BundleDiskRep::
 * adjustResources): _CodeSignature, CodeResources, _MASReceipt and the main
 * executable (its own signature covers it).  A sealed path is a key of
 * "files2" (or of "files" in a seal without "files2"); nested code is sealed
 * as its directory, so what lies under such a key is not looked at here.
 * Without rules2 in the seal, the rules codesign writes for a bundle without
 * Resources (BundleDiskRep::defaultResourceRules) apply. */
#include <dirent.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"

#define RULES_MAX 64
#define PATTERN_MAX 256
#define WALK_DEPTH_MAX 32
#define WALK_ENTRIES_MAX 20000
#define REPORT_MAX 20

struct seal_rule {
    regex_t re;
    long weight;
    bool omit;
};

struct seal_rules {
    struct seal_rule r[RULES_MAX];
    size_t n;
};

/* codesign's rules2 for a bundle without a Resources directory (a dext, a
 * system extension): Security libsecurity_codesigning bundlediskrep.cpp. */
static const struct {
    const char *pattern;
    long weight;
    bool omit;
} default_rules2[] = {
    {"^.*", 1, false},
    {".*\\.dSYM($|/)", 11, false},
    {"^(.*/)?\\.DS_Store$", 2000, true},
    {"^Info\\.plist$", 20, true},
    {"^version\\.plist$", 20, false},
    {"^embedded\\.provisionprofile$", 20, false},
    {"^PkgInfo$", 20, true},
    {"^.*\\.lproj/", 1000, false},
    {"^Base\\.lproj/", 1010, false},
    {"^.*\\.lproj/locversion.plist$", 1100, true},
};

/* Compiles one rule; a pattern too long, with a back-reference (which makes
 * matching exponential) or that regcomp refuses is skipped. */
static void rule_add(struct seal_rules *rs, const char *pattern, long weight, bool omit)
{
    if (rs->n >= RULES_MAX || strlen(pattern) > PATTERN_MAX)
        return;
    for (const char *p = pattern; (p = strchr(p, '\\')) != NULL && p[1]; p += 2)
        if (p[1] >= '1' && p[1] <= '9')
            return;
    struct seal_rule *r = &rs->r[rs->n];
    if (regcomp(&r->re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
        return;
    r->weight = weight;
    r->omit = omit;
    rs->n++;
}

static void rule_from_plist(const char *pattern, plist_t v, void *ctx)
{
    long weight = 1;
    bool omit = false;
    if (plist_get_node_type(v) == PLIST_BOOLEAN) {
        if (!plist_bool_val_is_true(v))
            return;
    } else if (plist_get_node_type(v) == PLIST_DICT) {
        plist_t w = plist_dict_get_item(v, "weight"), o = plist_dict_get_item(v, "omit");
        uint64_t u = 0;
        if (w && plist_get_node_type(w) == PLIST_UINT) {
            plist_get_uint_val(w, &u);
            weight = u > 1000000 ? 1000000 : (long)u;
        } else if (w && plist_get_node_type(w) == PLIST_REAL) {
            double d = 0;
            plist_get_real_val(w, &d);
            weight = d > 1e6 ? 1000000 : d < 0 ? 0 : (long)d;
        }
        omit = o && plist_get_node_type(o) == PLIST_BOOLEAN && plist_bool_val_is_true(o);
    } else {
        return;
    }
    rule_add(ctx, pattern, weight, omit);
}

/* Whether the rules seal rel: the matching rule of highest weight is not an
 * omission (the first of equal weights wins, as in ResourceBuilder). */
static bool rules_seal(const struct seal_rules *rs, const char *rel)
{
    const struct seal_rule *best = NULL;
    for (size_t i = 0; i < rs->n; i++)
        if ((!best || rs->r[i].weight > best->weight) &&
            regexec(&rs->r[i].re, rel, 0, NULL, 0) == 0)
            best = &rs->r[i];
    return best && !best->omit;
}

struct unsealed {
    struct dw_check_ctx *c;
    struct seal_rules rules;
    plist_t sealed;   /* files2 (or files) */
    const char *exec; /* the main executable, relative to the content directory */
    size_t entries, added;
};

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir (all but "." and ".."), sorted; NULL when unreadable. */
static char **list_dir(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    *n = 0;
    if (!d)
        return NULL;
    char **names = NULL;
    size_t cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && *n < WALK_ENTRIES_MAX) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            names = xrealloc(names, cap * sizeof *names);
        }
        names[(*n)++] = xstrdup(de->d_name);
    }
    closedir(d);
    if (*n)
        qsort(names, *n, sizeof *names, name_cmp);
    return names;
}

static bool always_excluded(const struct unsealed *u, const char *rel)
{
    return strcmp(rel, "_CodeSignature") == 0 || strcmp(rel, "CodeResources") == 0 ||
           strcmp(rel, "_MASReceipt") == 0 || (u->exec && strcmp(rel, u->exec) == 0);
}

/* Walks dir (rel: its path under the content directory, "" at the top). */
static void walk(struct unsealed *u, const char *dir, const char *rel, int depth)
{
    size_t n = 0;
    char **names = depth <= WALK_DEPTH_MAX ? list_dir(dir, &n) : NULL;
    for (size_t i = 0; i < n; i++) {
        struct dw_buf full = {0}, path = {0};
        buf_printf(&full, "%s/%s", dir, names[i]);
        buf_printf(&path, "%s%s%s", rel, *rel ? "/" : "", names[i]);
        struct stat st;
        if (++u->entries <= WALK_ENTRIES_MAX && lstat(full.data, &st) == 0 &&
            !always_excluded(u, path.data) && !plist_dict_get_item(u->sealed, path.data)) {
            if (S_ISDIR(st.st_mode))
                walk(u, full.data, path.data, depth + 1);
            else if (rules_seal(&u->rules, path.data) && u->added++ < REPORT_MAX)
                check_report(u->c, "check.unsealed", -1, full.data, 0,
                             "%s was added after signing: _CodeSignature/CodeResources does not "
                             "seal it",
                             path.data);
        }
        buf_free(&full);
        buf_free(&path);
        free(names[i]);
    }
    free(names);
}

void check_unsealed(struct dw_check_ctx *c)
{
    const struct dw_bundle *b = c->b;
    plist_t sealed = plist_dict_get_item(b->resources, "files2");
    if (!sealed)
        sealed = plist_dict_get_item(b->resources, "files");
    if (!sealed || plist_get_node_type(sealed) != PLIST_DICT || !b->content_dir)
        return;
    struct unsealed *u = xcalloc(1, sizeof *u);
    u->c = c;
    u->sealed = sealed;
    size_t dlen = strlen(b->content_dir);
    if (b->exec_path && strncmp(b->exec_path, b->content_dir, dlen) == 0 &&
        b->exec_path[dlen] == '/')
        u->exec = b->exec_path + dlen + 1;
    plist_t rules2 = plist_dict_get_item(b->resources, "rules2");
    if (rules2 && plist_get_node_type(rules2) == PLIST_DICT)
        dw_plist_each(rules2, rule_from_plist, &u->rules);
    else
        for (size_t i = 0; i < sizeof default_rules2 / sizeof default_rules2[0]; i++)
            rule_add(&u->rules, default_rules2[i].pattern, default_rules2[i].weight,
                     default_rules2[i].omit);
    walk(u, b->content_dir, "", 0);
    if (u->added > REPORT_MAX)
        check_report(c, "check.unsealed", -1, b->content_dir, 0,
                     "%zu more files were added after signing (the first %d are listed)",
                     u->added - REPORT_MAX, REPORT_MAX);
    for (size_t i = 0; i < u->rules.n; i++)
        regfree(&u->rules.r[i].re);
    free(u);
}
