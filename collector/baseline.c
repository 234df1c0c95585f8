/* baseline.c - the baseline file: load, match, write (see baseline.h). */
#include "baseline.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules_alias.h"

struct dw_baseline *baseline_new(void)
{
    return xcalloc(1, sizeof(struct dw_baseline));
}

void baseline_free(struct dw_baseline *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++) {
        free(b->entries[i].subject);
        free(b->entries[i].rule);
        free(b->entries[i].class_name);
        free(b->entries[i].note);
    }
    free(b->entries);
    strmap_clear(&b->index);
    free(b);
}

/* The index key of (subject, rule): the subject ASCII-folded as strcasecmp
 * compares it, a separator, the rule.  Two pairs may share a key (the
 * separator inside a subject): a hit is checked against the entry. */
static char *index_key(const char *subject, const char *rule)
{
    struct dw_buf k = {0};
    for (const char *c = subject; *c; c++)
        buf_putc(&k, (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c));
    buf_putc(&k, '\x1f');
    buf_puts(&k, rule);
    return buf_steal(&k);
}

static void index_entry(struct dw_baseline *b, size_t i)
{
    char *key = index_key(b->entries[i].subject, b->entries[i].rule);
    strmap_add(&b->index, key, (void *)(uintptr_t)(i + 1));
    free(key);
}

const struct dw_baseline_entry *baseline_match(const struct dw_baseline *b, const char *subject,
                                               const char *rule)
{
    if (!b || !subject || !rule)
        return NULL;
    char *key = index_key(subject, rule);
    const struct dw_baseline_entry *found = NULL;
    for (struct dw_strmap_entry *e = strmap_first(&b->index, key); e && !found;
         e = strmap_next(e)) {
        const struct dw_baseline_entry *x = &b->entries[(uintptr_t)e->value - 1];
        if (strcasecmp(x->subject, subject) == 0 && strcmp(x->rule, rule) == 0)
            found = x;
    }
    free(key);
    return found;
}

bool baseline_add(struct dw_baseline *b, const char *subject, const char *rule,
                  const char *class_name, const char *note)
{
    if (!subject || !rule || baseline_match(b, subject, rule))
        return false;
    xgrow((void **)&b->entries, &b->cap, b->n + 1, sizeof *b->entries);
    b->entries[b->n++] = (struct dw_baseline_entry){xstrdup(subject), xstrdup(rule),
                                                    xstrdup(class_name), xstrdup(note)};
    index_entry(b, b->n - 1);
    return true;
}

size_t baseline_resolve_aliases(struct dw_baseline *b, const struct dw_rule_aliases *a)
{
    struct dw_baseline *fresh = baseline_new();
    size_t renamed = 0;
    for (size_t i = 0; i < b->n; i++) {
        const struct dw_baseline_entry *e = &b->entries[i];
        const char *rule = rule_aliases_resolve(a, DW_ALIAS_RULE, e->rule);
        const char *cls =
            e->class_name ? rule_aliases_resolve(a, DW_ALIAS_CLASS, e->class_name) : NULL;
        renamed += rule != e->rule || cls != e->class_name;
        baseline_add(fresh, e->subject, rule, cls, e->note);
    }
    struct dw_baseline old = *b;
    *b = *fresh;
    free(fresh);
    struct dw_baseline *gone = baseline_new();
    *gone = old;
    baseline_free(gone);
    return renamed;
}

/* A member that must be a non-empty string (required) or a string or absent. */
static int member_string(json_t *o, const char *key, bool required, const char **out,
                         const char *name, size_t idx, struct dw_errors *err)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required) {
            dw_errors_add(err, "%s: entries[%zu]: \"%s\" is missing", name, idx, key);
            return -1;
        }
        return 0;
    }
    if (!json_is_string(v) || (required && json_string_length(v) == 0)) {
        dw_errors_add(err, "%s: entries[%zu]: \"%s\" must be a%s string", name, idx, key,
                      required ? " non-empty" : "");
        return -1;
    }
    if (strlen(json_string_value(v)) != json_string_length(v)) {
        dw_errors_add(err, "%s: entries[%zu]: \"%s\" contains a NUL character", name, idx, key);
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

struct dw_baseline *baseline_parse(const char *name, const char *data, size_t n,
                                   struct dw_errors *err)
{
    json_error_t je;
    json_t *root = json_loadb(data, n, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        dw_errors_add(err, "%s:%d:%d: %s", name, je.line < 1 ? 1 : je.line,
                      je.column < 1 ? 1 : je.column, je.text);
        return NULL;
    }
    struct dw_baseline *b = NULL;
    size_t before = err->n;
    json_t *ver = json_is_object(root) ? json_object_get(root, "dextwatch_baseline") : NULL;
    json_t *entries = json_is_object(root) ? json_object_get(root, "entries") : NULL;
    if (!json_is_object(root)) {
        dw_errors_add(err, "%s: not a dextwatch baseline (expected a JSON object)", name);
        goto out;
    }
    if (!json_is_integer(ver)) {
        dw_errors_add(err, "%s: not a dextwatch baseline (no \"dextwatch_baseline\": %d)", name,
                      DW_BASELINE_VERSION);
        goto out;
    }
    if (json_integer_value(ver) != DW_BASELINE_VERSION) {
        dw_errors_add(err, "%s: baseline version %lld is not supported (this dextwatch reads %d)",
                      name, (long long)json_integer_value(ver), DW_BASELINE_VERSION);
        goto out;
    }
    if (!json_is_array(entries)) {
        dw_errors_add(err, "%s: \"entries\" must be an array", name);
        goto out;
    }
    b = baseline_new();
    size_t i;
    json_t *e;
    json_array_foreach(entries, i, e)
    {
        const char *subject, *rule, *cls, *note;
        if (!json_is_object(e)) {
            dw_errors_add(err, "%s: entries[%zu]: must be an object", name, i);
            continue;
        }
        if (member_string(e, "subject", true, &subject, name, i, err) |
            member_string(e, "rule", true, &rule, name, i, err) |
            member_string(e, "class", false, &cls, name, i, err) |
            member_string(e, "note", false, &note, name, i, err))
            continue;
        baseline_add(b, subject, rule, cls, note);
    }
out:
    json_decref(root);
    if (err->n != before) {
        baseline_free(b);
        return NULL;
    }
    return b;
}

int dw_read_file(const char *path, size_t max, char **out, size_t *n, struct dw_errors *err)
{
    *out = NULL;
    *n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        dw_errors_add(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        dw_errors_add(err, "%s: not a regular file", path);
        close(fd);
        return -1;
    }
    struct dw_buf b = {0};
    char chunk[65536];
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            dw_errors_add(err, "%s: read error: %s", path, strerror(errno));
            break;
        }
        if (r == 0) {
            close(fd);
            buf_cstr(&b); /* terminated even when empty */
            *n = b.len;
            *out = b.data ? buf_steal(&b) : xstrdup("");
            return 0;
        }
        if (b.len + (size_t)r > max) {
            dw_errors_add(err, "%s: larger than %zu bytes", path, max);
            break;
        }
        buf_append(&b, chunk, (size_t)r);
    }
    close(fd);
    buf_free(&b);
    return -1;
}

struct dw_baseline *baseline_load(const char *path, struct dw_errors *err)
{
    char *data;
    size_t n;
    if (dw_read_file(path, DW_BASELINE_MAX_BYTES, &data, &n, err) != 0)
        return NULL;
    struct dw_baseline *b = baseline_parse(path, data, n, err);
    free(data);
    return b;
}

static int entry_cmp(const void *a, const void *b)
{
    const struct dw_baseline_entry *x = a, *y = b;
    int c = strcasecmp(x->subject, y->subject);
    if (c == 0)
        c = strcmp(x->subject, y->subject);
    return c ? c : strcmp(x->rule, y->rule);
}

/* A JSON string value; log text that is not valid UTF-8 is made valid. */
static json_t *jstr(const char *s)
{
    struct dw_buf b = {0};
    dw_utf8_sanitize(&b, s, strlen(s));
    json_t *j = json_stringn(buf_cstr(&b), b.len);
    buf_free(&b);
    return j ? j : json_string("");
}

char *baseline_serialize(struct dw_baseline *b)
{
    if (b->n) {
        qsort(b->entries, b->n, sizeof *b->entries, entry_cmp);
        strmap_clear(&b->index); /* entry numbers moved */
        for (size_t i = 0; i < b->n; i++)
            index_entry(b, i);
    }
    json_t *root = json_object();
    json_object_set_new(root, "dextwatch_baseline", json_integer(DW_BASELINE_VERSION));
    json_t *arr = json_array();
    for (size_t i = 0; i < b->n; i++) {
        const struct dw_baseline_entry *e = &b->entries[i];
        json_t *o = json_object();
        json_object_set_new(o, "subject", jstr(e->subject));
        json_object_set_new(o, "rule", jstr(e->rule));
        if (e->class_name)
            json_object_set_new(o, "class", jstr(e->class_name));
        if (e->note)
            json_object_set_new(o, "note", jstr(e->note));
        json_array_append_new(arr, o);
    }
    json_object_set_new(root, "entries", arr);
    char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    struct dw_buf out = {0};
    buf_puts(&out, s ? s : "");
    buf_putc(&out, '\n');
    free(s);
    return buf_steal(&out);
}

int baseline_write(struct dw_baseline *b, const char *path, struct dw_errors *err)
{
    char *text = baseline_serialize(b);
    struct dw_buf tmp = {0};
    int fd = -1;
    /* a temporary name beside the target, created exclusively */
    for (unsigned attempt = 0; attempt < 100 && fd < 0; attempt++) {
        buf_reset(&tmp);
        buf_printf(&tmp, "%s.tmp.%ld.%u", path, (long)getpid(), attempt);
        fd = open(tmp.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    int rc = -1;
    if (fd < 0) {
        dw_errors_add(err, "%s: %s", path, strerror(errno));
        goto out;
    }
    size_t len = strlen(text), done = 0;
    while (done < len) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            dw_errors_add(err, "%s: write error: %s", tmp.data, strerror(errno));
            break;
        }
        done += (size_t)w;
    }
    if (close(fd) != 0 && done == len) {
        dw_errors_add(err, "%s: %s", tmp.data, strerror(errno));
        done = 0;
    }
    if (done == len && rename(tmp.data, path) == 0) {
        rc = 0;
    } else {
        if (done == len)
            dw_errors_add(err, "%s: %s", path, strerror(errno));
        unlink(tmp.data);
    }
out:
    buf_free(&tmp);
    free(text);
    return rc;
}
