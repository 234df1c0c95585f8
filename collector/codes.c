/* codes.c - error-code tables loaded from the rules/codes/ TSV files (see codes.h). */
#include "codes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct codes_context {
    char *table;
    char *text;
};

struct dw_codes {
    struct dw_code *items;
    size_t n, cap;
    struct codes_context *contexts; /* from `# context:` comment lines */
    size_t ncontexts, ctxcap;
};

/* Frees the strings of one entry (they are owned here; const only protects
 * them from callers). */
static void code_clear(struct dw_code *e)
{
    free((void *)e->table);
    free((void *)e->text);
    free((void *)e->name);
    free((void *)e->meaning);
    free((void *)e->printed_as);
    free((void *)e->class_name);
}

struct dw_codes *codes_new(void)
{
    return xcalloc(1, sizeof(struct dw_codes));
}

void codes_free(struct dw_codes *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        code_clear(&c->items[i]);
    free(c->items);
    for (size_t i = 0; i < c->ncontexts; i++) {
        free(c->contexts[i].table);
        free(c->contexts[i].text);
    }
    free(c->contexts);
    free(c);
}

const char *codes_table_context(const struct dw_codes *c, const char *table)
{
    for (size_t i = 0; c && table && i < c->ncontexts; i++)
        if (strcmp(c->contexts[i].table, table) == 0)
            return c->contexts[i].text;
    return NULL;
}

/* Remembers a `# context: text` comment line for table (the first wins). */
static void context_add(struct dw_codes *c, const char *table, const char *line)
{
    static const char tag[] = "# context:";
    if (strncmp(line, tag, sizeof(tag) - 1) != 0 || codes_table_context(c, table))
        return;
    const char *t = line + sizeof(tag) - 1;
    while (*t == ' ' || *t == '\t')
        t++;
    if (!*t)
        return;
    xgrow((void **)&c->contexts, &c->ctxcap, c->ncontexts + 1, sizeof(*c->contexts));
    c->contexts[c->ncontexts].table = xstrdup(table);
    c->contexts[c->ncontexts++].text = xstrdup(t);
}

size_t codes_count(const struct dw_codes *c)
{
    return c ? c->n : 0;
}

const struct dw_code *codes_at(const struct dw_codes *c, size_t i)
{
    return c && i < c->n ? &c->items[i] : NULL;
}

/* Parses a code written as decimal ("-67050", "8") or hex ("0xE00002E2").
 * Returns 0 and sets *out (and *is_hex), or -1 when the text is not a whole
 * number.  Hex is read as unsigned so 0xffffffffffffffff-like values fit. */
static int code_parse(const char *s, int64_t *out, int *is_hex)
{
    char *end = NULL;
    errno = 0;
    while (*s == ' ' || *s == '\t')
        s++;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        if (!s[2] || s[2] == '-' || s[2] == '+' || s[2] == ' ')
            return -1;
        unsigned long long v = strtoull(s + 2, &end, 16);
        if (errno || end == s + 2 || *end)
            return -1;
        *out = (int64_t)v;
        *is_hex = 1;
        return 0;
    }
    if (!*s || (*s != '-' && (*s < '0' || *s > '9')))
        return -1;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = (int64_t)v;
    *is_hex = 0;
    return 0;
}

/* OSStatus and IOReturn are 32-bit: -67050 and 0xfffefa16 are the same code,
 * as are 0xe00002e2 and -536870174.  Values in 32-bit range compare as int32. */
static int64_t code_norm(int64_t v)
{
    if (v >= INT32_MIN && v <= (int64_t)UINT32_MAX)
        return (int64_t)(int32_t)(uint32_t)v;
    return v;
}

/* Splits line (modified in place) at tabs into at most max fields. */
static size_t split_tabs(char *line, char **fields, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (n < max) {
        fields[n++] = p;
        char *tab = strchr(p, '\t');
        if (!tab)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    return n;
}

/* Table name from a path: base name without ".tsv". Caller frees. */
static char *table_name(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 4 && strcmp(base + n - 4, ".tsv") == 0)
        n -= 4;
    return xstrndup(base, n);
}

#define CODES_MAX_FIELDS 16

/* Which fields of a row hold a code's value, name, class, meaning and
 * printed string (-1: the table has no such column). */
struct code_columns {
    int value, name, class_name, meaning, printed_as;
};

/* Reads the header's fields f[0..nf) into cols; -1 when a column is not
 * named. */
static int read_header(char **f, size_t nf, struct code_columns *cols)
{
    *cols = (struct code_columns){-1, -1, -1, -1, -1};
    for (size_t i = 0; i < nf; i++) {
        if (strcmp(f[i], "value") == 0 && cols->value < 0)
            cols->value = (int)i;
        else if (strcmp(f[i], "name") == 0 && cols->name < 0)
            cols->name = (int)i;
        else if (strcmp(f[i], "class") == 0 && cols->class_name < 0)
            cols->class_name = (int)i;
        else if (strcmp(f[i], "meaning") == 0 && cols->meaning < 0)
            cols->meaning = (int)i;
        else if (strcmp(f[i], "printed_as") == 0 && cols->printed_as < 0)
            cols->printed_as = (int)i;
    }
    return cols->value < 0 || cols->name < 0 || cols->class_name < 0 ||
                   (cols->meaning < 0 && cols->printed_as < 0)
               ? -1
               : 0;
}

/* A row's class: `none` (success, never a finding) or a finding class, i.e.
 * dot-separated parts of [a-z0-9-].  Whether it is in the taxonomy is
 * checked where the taxonomy lives (codes_check_classes' caller). */
static int class_syntax_ok(const char *s)
{
    if (!*s || *s == '.')
        return 0;
    for (const char *p = s; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
            return 0;
        if (*p == '.' && (p[1] == '.' || p[1] == '\0'))
            return 0;
    }
    return 1;
}

/* Adds the row f[0..nf) (line lineno of path) to c's table; -1 with the
 * reason in err when it is malformed. */
static int add_row(struct dw_codes *c, const char *table, char **f, size_t nf,
                   const struct code_columns *cols, const char *path, long lineno,
                   struct dw_errors *err)
{
    int64_t v;
    int is_hex;
    int need = cols->value > cols->name ? cols->value : cols->name;
    need = need > cols->class_name ? need : cols->class_name;
    if ((size_t)need >= nf) {
        dw_errors_add(err, "%s:%ld: expected at least %d tab-separated columns", path, lineno,
                      need + 1);
        return -1;
    }
    if (code_parse(f[cols->value], &v, &is_hex) != 0) {
        dw_errors_add(err, "%s:%ld: bad code value '%.40s' (decimal or 0x hex expected)", path,
                      lineno, f[cols->value]);
        return -1;
    }
    if (!f[cols->name][0]) {
        dw_errors_add(err, "%s:%ld: empty name", path, lineno);
        return -1;
    }
    if (!class_syntax_ok(f[cols->class_name])) {
        dw_errors_add(err,
                      "%s:%ld: bad class '%.60s' (a finding class such as "
                      "codesign.requirement, or none)",
                      path, lineno, f[cols->class_name]);
        return -1;
    }
    xgrow((void **)&c->items, &c->cap, c->n + 1, sizeof(*c->items));
    struct dw_code *e = &c->items[c->n++];
    e->table = xstrdup(table);
    e->value = v;
    e->text = xstrdup(f[cols->value]);
    e->name = xstrdup(f[cols->name]);
    e->class_name = xstrdup(f[cols->class_name]);
    const char *printed =
        cols->printed_as >= 0 && (size_t)cols->printed_as < nf ? f[cols->printed_as] : "";
    int mcol = cols->meaning >= 0 ? cols->meaning : cols->printed_as;
    e->meaning = xstrdup((size_t)mcol < nf ? f[mcol] : "");
    e->printed_as = xstrdup(printed);
    return 0;
}

/* Drops the codes added after the first `first` (a file that failed). */
static void drop_rows(struct dw_codes *c, size_t first)
{
    while (c->n > first)
        code_clear(&c->items[--c->n]);
}

/* Loads one table.  Comment lines ('#') and blank lines are skipped; the
 * first other line is the header naming the columns `value`, `name`,
 * `class` and `meaning` or `printed_as` (or both).  A malformed row is reported as file:line and
 * makes the whole file fail (its rows already read are dropped). */
int codes_load_file(struct dw_codes *c, const char *path, struct dw_errors *err)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        dw_errors_add(err, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    size_t first = c->n;
    char *table = table_name(path);
    char *line = NULL;
    size_t linecap = 0;
    ssize_t len;
    long lineno = 0;
    struct code_columns cols = {-1, -1, -1, -1, -1};
    int have_header = 0, rc = 0;
    while (rc == 0 && (len = getline(&line, &linecap, fp)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len > 0 && line[0] == '#')
            context_add(c, table, line);
        if (len == 0 || line[0] == '#')
            continue;
        if (memchr(line, '\0', (size_t)len)) {
            dw_errors_add(err, "%s:%ld: NUL byte in line", path, lineno);
            rc = -1;
            break;
        }
        char *f[CODES_MAX_FIELDS];
        size_t nf = split_tabs(line, f, CODES_MAX_FIELDS);
        if (have_header) {
            rc = add_row(c, table, f, nf, &cols, path, lineno, err);
        } else if (read_header(f, nf, &cols) == 0) {
            have_header = 1;
        } else {
            dw_errors_add(err,
                          "%s:%ld: header must name the columns 'value', 'name', 'class' "
                          "and 'meaning' or 'printed_as'",
                          path, lineno);
            rc = -1;
        }
    }
    if (rc == 0 && ferror(fp)) {
        dw_errors_add(err, "%s: read error", path);
        rc = -1;
    }
    if (rc == 0 && !have_header) {
        dw_errors_add(err, "%s:%ld: no header line", path, lineno);
        rc = -1;
    }
    if (rc != 0)
        drop_rows(c, first);
    free(line);
    free(table);
    fclose(fp);
    return rc;
}

/* Loads every *.tsv of dir in name order.  A directory that does not exist
 * gives an empty set (rule packs without code tables are valid); a malformed
 * file gives NULL, after every file was tried so all problems are reported. */
struct dw_codes *codes_load_dir(const char *dir, struct dw_errors *err)
{
    struct dw_codes *c = codes_new();
    char **names;
    size_t n;
    if (dw_dir_list(dir, ".tsv", &names, &n) != 0) {
        if (errno == ENOENT)
            return c;
        dw_errors_add(err, "%s: cannot open directory: %s", dir, strerror(errno));
        codes_free(c);
        return NULL;
    }
    int failed = 0;
    struct dw_buf path = {0};
    for (size_t i = 0; i < n; i++) {
        buf_reset(&path);
        buf_printf(&path, "%s/%s", dir, names[i]);
        if (codes_load_file(c, buf_cstr(&path), err) != 0)
            failed = 1;
    }
    dw_strv_free(names, n);
    buf_free(&path);
    if (failed) {
        codes_free(c);
        return NULL;
    }
    return c;
}

int codes_check_classes(const struct dw_codes *c, bool (*valid)(const char *class_name),
                        struct dw_errors *err)
{
    int rc = 0;
    for (size_t i = 0; c && i < c->n; i++) {
        const struct dw_code *e = &c->items[i];
        if (strcmp(e->class_name, "none") == 0 || valid(e->class_name))
            continue;
        dw_errors_add(err,
                      "codes/%s.tsv: code %s (%s): class '%s' is not in the taxonomy "
                      "(see rules/README.md)",
                      e->table, e->text, e->name, e->class_name);
        rc = -1;
    }
    return rc;
}

/* See codes.h.  Auto mode (table NULL) only considers text that is negative
 * or hex >= 0x10000, so counts such as "8" or "3" are never mistaken for
 * OSSystemExtension or kern_return codes. */
const struct dw_code *codes_lookup(const struct dw_codes *c, const char *table, const char *text)
{
    if (!c || !text)
        return NULL;
    int64_t v;
    int is_hex;
    if (code_parse(text, &v, &is_hex) != 0)
        return NULL;
    if (!table) {
        int big_hex = is_hex && (uint64_t)v >= 0x10000u;
        if (!(v < 0 && !is_hex) && !big_hex)
            return NULL;
    }
    int64_t nv = code_norm(v);
    for (size_t i = 0; i < c->n; i++) {
        const struct dw_code *e = &c->items[i];
        if (table && strcmp(e->table, table) != 0)
            continue;
        if (e->value == v || code_norm(e->value) == nv) {
            if (!table && code_norm(e->value) >= 0 && code_norm(e->value) < 0x10000)
                continue; /* a small table value reached through normalisation */
            return e;
        }
    }
    return NULL;
}

/* Length of s without trailing '.', spaces and tabs ("... link error." is
 * how the kext tools end the string). */
static size_t printed_len(const char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '.' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return n;
}

/* See codes.h. */
const struct dw_code *codes_lookup_printed(const struct dw_codes *c, const char *table,
                                           const char *text)
{
    if (!c || !text)
        return NULL;
    while (*text == ' ' || *text == '\t')
        text++;
    size_t n = printed_len(text);
    if (n == 0)
        return NULL;
    for (int fold = 0; fold < 2; fold++)
        for (size_t i = 0; i < c->n; i++) {
            const struct dw_code *e = &c->items[i];
            if ((table && strcmp(e->table, table) != 0) || printed_len(e->printed_as) != n)
                continue;
            if ((fold ? strncasecmp(e->printed_as, text, n) : strncmp(e->printed_as, text, n)) == 0)
                return e;
        }
    return NULL;
}
