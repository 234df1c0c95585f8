/* util.h - allocation wrappers, growable buffers, hashing, escaping.
 *
 * Allocation failure is handled here, once: the x* wrappers print a message and
 * abort, because a log classifier that cannot allocate a few bytes has nothing
 * sensible left to do.  Everything else in the library may assume success. */
#ifndef DW_UTIL_H
#define DW_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);            /* NULL in, NULL out */
char *xstrndup(const char *s, size_t n); /* copies at most n bytes, always terminated */
/* Grows *items (of size elem) so that index `need - 1` exists; *cap is updated. */
void xgrow(void **items, size_t *cap, size_t need, size_t elem);

/* A growable byte buffer that is always NUL-terminated once data != NULL. */
struct dw_buf {
    char *data;
    size_t len;
    size_t cap;
};
void buf_append(struct dw_buf *b, const void *p, size_t n);
void buf_puts(struct dw_buf *b, const char *s);
void buf_putc(struct dw_buf *b, char c);
/* Appends s[0..n) with every byte c for which map[c] is set replaced by the
 * string map[c]; runs of other bytes are copied as they are. */
void buf_append_mapped(struct dw_buf *b, const char *s, size_t n, const char *const map[256]);
void buf_printf(struct dw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct dw_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
void buf_reset(struct dw_buf *b);       /* len = 0, keeps memory */
const char *buf_cstr(struct dw_buf *b); /* "" for an empty buffer, never NULL */
char *buf_steal(struct dw_buf *b); /* returns the string (caller frees), buffer becomes empty */
void buf_free(struct dw_buf *b);

/* 64-bit FNV-1a.  Chain calls: h = dw_hash64(dw_hash64(DW_HASH_INIT, a, n), b, m). */
#define DW_HASH_INIT UINT64_C(0xcbf29ce484222325)
uint64_t dw_hash64(uint64_t h, const void *p, size_t n);

/* Length (1..4) of the valid UTF-8 sequence at s[0..n), n >= 1, or 0 if it
 * is invalid: overlong forms, surrogates, values above U+10FFFF and a
 * sequence cut off by n are.  The one UTF-8 validator of the program. */
size_t dw_utf8_seq_len(const unsigned char *s, size_t n);

/* Appends s[0..n) to b as valid UTF-8: every invalid byte sequence (and every
 * NUL byte) becomes U+FFFD.  Used before text reaches JSON or SQLite. */
void dw_utf8_sanitize(struct dw_buf *b, const char *s, size_t n);

/* Appends s[0..n) to b made safe for a terminal: C0 controls, DEL and C1
 * controls are written as \n, \t, \r, \e or \xNN; invalid UTF-8 bytes as \xNN;
 * valid printable UTF-8 is kept.  Log text is attacker-controlled: every path
 * that prints it to a terminal goes through this. */
void dw_escape_term(struct dw_buf *b, const char *s, size_t n);

/* Severity levels, ordered. */
enum dw_severity { DW_SEV_INFO = 0, DW_SEV_WARNING, DW_SEV_ERROR, DW_SEV_CRITICAL };
const char *dw_severity_name(int sev);
/* Returns 0 and sets *out for "info|warning|error|critical"; -1 otherwise. */
int dw_severity_parse(const char *s, int *out);

/* Error sink: library code reports problems here instead of printing.
 * Each message names its place, e.g. "rules/amfi.yaml:42:17: missing ')'". */
struct dw_errors {
    char **msgs;
    size_t n, cap;
};
void dw_errors_add(struct dw_errors *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dw_errors_clear(struct dw_errors *e);

/* The names in dir that end in suffix ("" for all), without hidden names,
 * sorted by strcmp.  Returns 0 and a NULL-terminated array (free with
 * dw_strv_free), or -1 with errno set when dir cannot be read. */
int dw_dir_list(const char *dir, const char *suffix, char ***names, size_t *n);
void dw_strv_free(char **v, size_t n);

/* Opens path (open(2) flags, e.g. O_RDWR | O_CREAT) without following a
 * symbolic link at its end (O_NOFOLLOW; O_NONBLOCK, so a planted FIFO never
 * blocks) and checks that it is a regular file owned by the effective user
 * with one link: a file another user planted, or a hard link to a file
 * elsewhere, is refused.  The descriptor (close-on-exec), or -1 with
 * "path: reason" in err. */
int dw_open_own_file(const char *path, int flags, unsigned mode, struct dw_errors *err);

/* Case-insensitive shell glob ('*', '?', '[...]') via fnmatch. */
bool dw_glob_match(const char *pattern, const char *s);

#endif
