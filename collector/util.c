/* util.c - allocation, buffers, hashing, UTF-8 and terminal escaping. */
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void out_of_memory(size_t n)
{
    fprintf(stderr, "dextwatch: out of memory (%zu bytes)\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory(n);
    return q;
}

char *xstrdup(const char *s)
{
    return s ? xstrndup(s, strlen(s)) : NULL;
}

char *xstrndup(const char *s, size_t n)
{
    const char *end = memchr(s, '\0', n);
    size_t len = end ? (size_t)(end - s) : n;
    char *d = xmalloc(len + 1);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

void xgrow(void **items, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need)
        ncap *= 2;
    *items = xrealloc(*items, ncap * elem);
    *cap = ncap;
}

/* Makes room for n more bytes plus the terminating NUL. */
static void buf_reserve(struct dw_buf *b, size_t n)
{
    if (b->len + n + 1 <= b->cap)
        return;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < b->len + n + 1)
        ncap *= 2;
    b->data = xrealloc(b->data, ncap);
    b->cap = ncap;
}

void buf_append(struct dw_buf *b, const void *p, size_t n)
{
    buf_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_puts(struct dw_buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void buf_putc(struct dw_buf *b, char c)
{
    buf_reserve(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void buf_append_mapped(struct dw_buf *b, const char *s, size_t n, const char *const map[256])
{
    if (n == 0)
        return;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *to = map[(unsigned char)s[i]];
        if (!to)
            continue;
        buf_append(b, s + run, i - run);
        buf_puts(b, to);
        run = i + 1;
    }
    buf_append(b, s + run, n - run);
}

void buf_vprintf(struct dw_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return;
    buf_reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void buf_printf(struct dw_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void buf_reset(struct dw_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

const char *buf_cstr(struct dw_buf *b)
{
    return b->data ? b->data : "";
}

char *buf_steal(struct dw_buf *b)
{
    char *s = b->data ? b->data : xstrdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}

void buf_free(struct dw_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

uint64_t dw_hash64(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

size_t dw_utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else
        return 0;
    if (n < len)
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return len;
}

void dw_utf8_sanitize(struct dw_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;
    while (i < n) {
        size_t len = p[i] ? dw_utf8_seq_len(p + i, n - i) : 0;
        if (len) {
            i += len;
            continue;
        }
        buf_append(b, s + run, i - run);
        buf_append(b, "\xef\xbf\xbd", 3);
        i++;
        run = i;
    }
    buf_append(b, s + run, n - run);
}

void dw_escape_term(struct dw_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        /* a run of printable ASCII goes out as one piece */
        size_t plain = i;
        while (plain < n && p[plain] >= 0x20 && p[plain] < 0x7f && p[plain] != '\\')
            plain++;
        if (plain > i) {
            buf_append(b, s + i, plain - i);
            i = plain;
            continue;
        }
        unsigned char c = p[i];
        size_t len = dw_utf8_seq_len(p + i, n - i);
        if (len == 0) {
            buf_printf(b, "\\x%02x", c);
            i++;
        } else if (len == 1 && (c < 0x20 || c == 0x7f)) {
            switch (c) {
            case '\n':
                buf_puts(b, "\\n");
                break;
            case '\t':
                buf_puts(b, "\\t");
                break;
            case '\r':
                buf_puts(b, "\\r");
                break;
            case 0x1b:
                buf_puts(b, "\\e");
                break;
            default:
                buf_printf(b, "\\x%02x", c);
                break;
            }
            i++;
        } else if (len == 2 && c == 0xc2 && p[i + 1] < 0xa0) {
            /* C1 controls U+0080..U+009F (CSI, OSC, ... in 8-bit form) */
            buf_printf(b, "\\u%04x", p[i + 1]);
            i += 2;
        } else if (c == '\\') {
            buf_puts(b, "\\\\");
            i++;
        } else {
            buf_append(b, s + i, len);
            i += len;
        }
    }
}

static const char *const severity_names[] = {"info", "warning", "error", "critical"};

const char *dw_severity_name(int sev)
{
    if (sev < DW_SEV_INFO || sev > DW_SEV_CRITICAL)
        return "unknown";
    return severity_names[sev];
}

int dw_severity_parse(const char *s, int *out)
{
    for (int i = DW_SEV_INFO; i <= DW_SEV_CRITICAL; i++)
        if (s && strcmp(s, severity_names[i]) == 0) {
            *out = i;
            return 0;
        }
    return -1;
}

void dw_errors_add(struct dw_errors *e, const char *fmt, ...)
{
    struct dw_buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    xgrow((void **)&e->msgs, &e->cap, e->n + 1, sizeof *e->msgs);
    e->msgs[e->n++] = buf_steal(&b);
}

void dw_errors_clear(struct dw_errors *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->msgs[i]);
    free(e->msgs);
    e->msgs = NULL;
    e->n = e->cap = 0;
}

bool dw_glob_match(const char *pattern, const char *s)
{
    /* FNM_CASEFOLD is not POSIX; fold both sides by hand so it builds everywhere. */
    struct dw_buf p = {0}, t = {0};
    for (const char *c = pattern; *c; c++)
        buf_putc(&p, (char)((*c >= 'A' && *c <= 'Z') ? *c + 32 : *c));
    for (const char *c = s; *c; c++)
        buf_putc(&t, (char)((*c >= 'A' && *c <= 'Z') ? *c + 32 : *c));
    bool ok = fnmatch(buf_cstr(&p), buf_cstr(&t), 0) == 0;
    buf_free(&p);
    buf_free(&t);
    return ok;
}

static int strv_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int dw_dir_list(const char *dir, const char *suffix, char ***names, size_t *n)
{
    DIR *d = opendir(dir);
    *names = NULL;
    *n = 0;
    if (!d)
        return -1;
    size_t cap = 0, slen = strlen(suffix);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.' || len <= slen || strcmp(de->d_name + len - slen, suffix) != 0)
            continue;
        xgrow((void **)names, &cap, *n + 2, sizeof **names);
        (*names)[(*n)++] = xstrdup(de->d_name);
        (*names)[*n] = NULL;
    }
    closedir(d);
    if (*n > 1)
        qsort(*names, *n, sizeof **names, strv_cmp);
    return 0;
}

void dw_strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

int dw_open_own_file(const char *path, int flags, unsigned mode, struct dw_errors *err)
{
    int fd = open(path, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, (mode_t)mode);
    if (fd < 0) {
        struct stat lst;
        if (errno == ELOOP || (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)))
            dw_errors_add(err, "%s: is a symbolic link; refusing to follow it (remove it)", path);
        else
            dw_errors_add(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    const char *why = NULL;
    if (fstat(fd, &st) != 0)
        why = strerror(errno);
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file; refusing to use it (remove it)";
    else if (st.st_uid != geteuid())
        why = "owned by another user; refusing to use it (remove it)";
    else if (st.st_nlink != 1)
        why = "has another hard link; refusing to write through it (remove it)";
    if (why) {
        dw_errors_add(err, "%s: %s", path, why);
        close(fd);
        return -1;
    }
    return fd;
}
