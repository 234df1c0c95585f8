/* input.c - plain or gzip bytes of one input (see input.h), with zlib. */
#include "input.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define RAW_BLOCK (256u << 10)

enum input_mode { MODE_UNKNOWN, MODE_PLAIN, MODE_GZIP, MODE_TRAILER };

struct dw_input {
    char *name;
    int fd;
    enum input_mode mode;
    unsigned char *raw; /* bytes read from fd, not yet consumed */
    size_t raw_pos, raw_len;
    bool eof;
    uint64_t raw_total;
    z_stream z;
    bool z_init;
    bool member_done; /* between gzip members */
};

struct dw_input *input_new(int fd, const char *name)
{
    struct dw_input *in = xcalloc(1, sizeof *in);
    in->name = xstrdup(name);
    in->fd = fd;
    in->raw = xmalloc(RAW_BLOCK);
    return in;
}

void input_free(struct dw_input *in)
{
    if (!in)
        return;
    if (in->z_init)
        inflateEnd(&in->z);
    free(in->raw);
    free(in->name);
    free(in);
}

uint64_t input_raw_bytes(const struct dw_input *in)
{
    return in->raw_total;
}

/* One read(2) of up to cap bytes from the input's fd into buf, counted;
 * 0 sets eof.  Returns bytes read, 0 at end, -1 on error. */
static ssize_t read_some(struct dw_input *in, void *buf, size_t cap, struct dw_errors *err)
{
    ssize_t n;
    do
        n = read(in->fd, buf, cap);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        dw_errors_add(err, "%s: read error: %s", in->name, strerror(errno));
        return -1;
    }
    in->raw_total += (uint64_t)n;
    if (n == 0)
        in->eof = true;
    return n;
}

/* Refills raw when it is empty.  Returns bytes available, 0 at end, -1 on error. */
static ssize_t fill(struct dw_input *in, struct dw_errors *err)
{
    if (in->raw_pos < in->raw_len)
        return (ssize_t)(in->raw_len - in->raw_pos);
    if (in->eof)
        return 0;
    ssize_t n = read_some(in, in->raw, RAW_BLOCK, err);
    if (n >= 0) {
        in->raw_pos = 0;
        in->raw_len = (size_t)n;
    }
    return n;
}

/* Decides the mode from the first bytes (reads until 2 bytes or the end). */
static int detect(struct dw_input *in, struct dw_errors *err)
{
    while (in->raw_len - in->raw_pos < 2 && !in->eof) {
        if (in->raw_pos > 0 && in->raw_pos < in->raw_len) {
            memmove(in->raw, in->raw + in->raw_pos, in->raw_len - in->raw_pos);
            in->raw_len -= in->raw_pos;
            in->raw_pos = 0;
        } else if (in->raw_pos == in->raw_len) {
            in->raw_pos = in->raw_len = 0;
        }
        ssize_t n;
        do
            n = read(in->fd, in->raw + in->raw_len, RAW_BLOCK - in->raw_len);
        while (n < 0 && errno == EINTR);
        if (n < 0) {
            dw_errors_add(err, "%s: read error: %s", in->name, strerror(errno));
            return -1;
        }
        if (n == 0)
            in->eof = true;
        in->raw_len += (size_t)n;
        in->raw_total += (uint64_t)n;
    }
    in->mode = MODE_PLAIN;
    if (in->raw_len - in->raw_pos >= 2 && in->raw[in->raw_pos] == 0x1f &&
        in->raw[in->raw_pos + 1] == 0x8b) {
        in->mode = MODE_GZIP;
        if (inflateInit2(&in->z, 16 + MAX_WBITS) != Z_OK) {
            dw_errors_add(err, "%s: cannot initialise zlib", in->name);
            return -1;
        }
        in->z_init = true;
    }
    return 0;
}

static ssize_t read_gzip(struct dw_input *in, char *buf, size_t cap, struct dw_errors *err)
{
    for (;;) {
        if (in->mode == MODE_TRAILER) {
            in->raw_pos = in->raw_len; /* ignore what follows the last member */
            while (fill(in, err) > 0)
                in->raw_pos = in->raw_len;
            return 0;
        }
        ssize_t avail = fill(in, err);
        if (avail < 0)
            return -1;
        if (avail == 0) {
            if (in->member_done)
                return 0;
            dw_errors_add(err, "%s: gzip data ends early (truncated file?)", in->name);
            return -1;
        }
        if (in->member_done) {
            /* another member follows only when it starts with the magic bytes */
            if (in->raw[in->raw_pos] != 0x1f || (avail >= 2 && in->raw[in->raw_pos + 1] != 0x8b)) {
                in->mode = MODE_TRAILER;
                continue;
            }
            inflateReset(&in->z);
            in->member_done = false;
        }
        in->z.next_in = in->raw + in->raw_pos;
        in->z.avail_in = (uInt)avail;
        in->z.next_out = (unsigned char *)buf;
        in->z.avail_out = (uInt)(cap > UINT32_MAX ? UINT32_MAX : cap);
        int rc = inflate(&in->z, Z_NO_FLUSH);
        in->raw_pos += (size_t)avail - in->z.avail_in;
        size_t produced = (size_t)((unsigned char *)in->z.next_out - (unsigned char *)buf);
        if (rc == Z_STREAM_END)
            in->member_done = true;
        else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            dw_errors_add(err, "%s: corrupt gzip data (%s)", in->name,
                          in->z.msg ? in->z.msg : "zlib error");
            return -1;
        }
        if (produced)
            return (ssize_t)produced;
    }
}

ssize_t input_read(struct dw_input *in, char *buf, size_t cap, struct dw_errors *err)
{
    if (cap == 0)
        return 0;
    if (in->mode == MODE_UNKNOWN && detect(in, err) != 0)
        return -1;
    if (in->mode == MODE_GZIP || in->mode == MODE_TRAILER)
        return read_gzip(in, buf, cap, err);
    if (in->raw_pos == in->raw_len && !in->eof) /* plain bytes with nothing held back: */
        return read_some(in, buf, cap, err);    /* straight into the caller's buffer */
    ssize_t avail = fill(in, err);
    if (avail <= 0)
        return avail;
    size_t n = (size_t)avail < cap ? (size_t)avail : cap;
    memcpy(buf, in->raw + in->raw_pos, n);
    in->raw_pos += n;
    return (ssize_t)n;
}

int input_decode_buffer(const char *name, const void *data, size_t n, struct dw_buf *out,
                        struct dw_errors *err)
{
    const unsigned char *p = data;
    if (n < 2 || p[0] != 0x1f || p[1] != 0x8b) {
        buf_append(out, data, n);
        return 0;
    }
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
        dw_errors_add(err, "%s: cannot initialise zlib", name);
        return -1;
    }
    size_t pos = 0;
    int rc = Z_OK;
    unsigned char chunk[65536];
    for (;;) {
        z.next_in = (unsigned char *)p + pos;
        z.avail_in = (uInt)((n - pos) > UINT32_MAX ? UINT32_MAX : n - pos);
        z.next_out = chunk;
        z.avail_out = sizeof chunk;
        size_t before = z.avail_in;
        rc = inflate(&z, Z_NO_FLUSH);
        size_t consumed = before - z.avail_in, produced = sizeof chunk - z.avail_out;
        pos += consumed;
        buf_append(out, chunk, produced);
        if (rc == Z_STREAM_END) {
            if (n - pos >= 2 && p[pos] == 0x1f && p[pos + 1] == 0x8b) {
                inflateReset(&z);
                continue;
            }
            break; /* what follows the last member is ignored */
        }
        if (rc == Z_OK || (rc == Z_BUF_ERROR && (consumed || produced)))
            continue;
        if (rc == Z_BUF_ERROR)
            break; /* no progress: the data ended inside a member */
        dw_errors_add(err, "%s: corrupt gzip data (%s)", name, z.msg ? z.msg : "zlib error");
        inflateEnd(&z);
        return -1;
    }
    inflateEnd(&z);
    if (rc != Z_STREAM_END) {
        dw_errors_add(err, "%s: gzip data ends early (truncated file?)", name);
        return -1;
    }
    return 0;
}
