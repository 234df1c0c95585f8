/* fields.c - where a parser puts the strings of the event it builds, and the
 * small scanners every text parser shares.  Below every parse_*.c and
 * reader.c; knows nothing of styles. */
#include <string.h>

#include "fields.h"

void fields_reset(struct dw_fields *f)
{
    buf_reset(&f->buf);
    f->line_skip = 0;
    for (int k = 0; k < F_COUNT; k++)
        f->off[k] = SIZE_MAX;
}

/* Appends s[0..n) to b with every NUL byte replaced by U+FFFD. */
static void append_no_nul(struct dw_buf *b, const char *s, size_t n)
{
    const char *nul;
    while (n > 0 && (nul = memchr(s, '\0', n)) != NULL) {
        size_t k = (size_t)(nul - s);
        buf_append(b, s, k);
        buf_append(b, "\xEF\xBF\xBD", 3);
        s += k + 1;
        n -= k + 1;
    }
    buf_append(b, s, n);
}

void fields_open(struct dw_fields *f, enum dw_field which)
{
    f->off[which] = f->buf.len;
}

void fields_append(struct dw_fields *f, const char *s, size_t n)
{
    append_no_nul(&f->buf, s, n);
}

void fields_close(struct dw_fields *f, enum dw_field which)
{
    if (which == F_MESSAGE)
        f->message_len = f->buf.len - f->off[which];
    buf_putc(&f->buf, '\0');
}

void fields_put(struct dw_fields *f, enum dw_field which, const char *s, size_t n)
{
    if (f->dry) {
        if (which == F_MESSAGE) {
            f->dry_message = s;
            f->message_len = n;
        } else if (which == F_TIME) {
            f->dry_time = s;
            f->dry_time_len = n;
        }
        return;
    }
    f->off[which] = f->buf.len;
    append_no_nul(&f->buf, s, n);
    if (which == F_MESSAGE)
        f->message_len = f->buf.len - f->off[which];
    buf_putc(&f->buf, '\0');
}

const char *tx_find(const char *s, size_t n, const char *needle, size_t k)
{
    if (k == 0)
        return s;
    for (const char *p = s, *end = s + n; p + k <= end; p++) {
        p = memchr(p, needle[0], (size_t)(end - p) - k + 1);
        if (!p)
            return NULL;
        if (memcmp(p, needle, k) == 0)
            return p;
    }
    return NULL;
}

void fields_apply(struct dw_fields *f, struct dw_event *ev)
{
    const char **dst[F_COUNT] = {&ev->time_text, &ev->process, &ev->level,  &ev->subsystem,
                                 &ev->category,  &ev->sender,  &ev->message};
    for (int k = 0; k < F_COUNT; k++)
        *dst[k] = f->off[k] == SIZE_MAX ? NULL : f->buf.data + f->off[k];
    if (!ev->message) {
        ev->message = "";
        ev->message_len = 0;
    } else {
        ev->message_len = f->message_len;
    }
}

static bool is_hex(char c)
{
    return tx_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Reads a decimal number of at most 18 digits at s[*i]. */
bool tx_read_dec(const char *s, size_t n, size_t *i, long long *out)
{
    size_t j = *i;
    long long v = 0;
    while (j < n && tx_is_digit(s[j]) && j - *i < 18)
        v = v * 10 + (s[j++] - '0');
    if (j == *i || (j < n && tx_is_digit(s[j])))
        return false;
    *out = v;
    *i = j;
    return true;
}

/* Reads hex digits (optionally after "0x") of at most 16 digits at s[*i]. */
bool tx_read_hex(const char *s, size_t n, size_t *i, uint64_t *out)
{
    size_t j = *i;
    if (j + 1 < n && s[j] == '0' && (s[j + 1] == 'x' || s[j + 1] == 'X'))
        j += 2;
    size_t start = j;
    uint64_t v = 0;
    while (j < n && is_hex(s[j]) && j - start < 16) {
        char c = s[j++];
        v = v * 16 + (uint64_t)(tx_is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    if (j == start || (j < n && is_hex(s[j])))
        return false;
    *out = v;
    *i = j;
    return true;
}
