/* input.h - the bytes of one input, decompressed when they are gzip.
 *
 * CI systems keep logs compressed.  Whether an input is gzip is decided by its
 * first two bytes (1f 8b), not by its name, so `log show ... | gzip` on stdin
 * and a renamed file both work.  Concatenated gzip members are read in turn;
 * bytes after the last member that do not start another one are ignored (as
 * gzip does with padding).  Memory stays bounded whatever the input
 * (decompression is streamed). */
#ifndef DW_INPUT_H
#define DW_INPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util.h"

struct dw_input;

/* Wraps an open descriptor (not closed by input_free).  name is used in
 * messages. */
struct dw_input *input_new(int fd, const char *name);
/* Reads up to cap decompressed bytes into buf.  Returns the number read, 0 at
 * the end, or -1 with "name: reason" in err (read error, corrupt or truncated
 * gzip data). */
ssize_t input_read(struct dw_input *in, char *buf, size_t cap, struct dw_errors *err);
/* Bytes consumed from the descriptor so far (compressed size for gzip). */
uint64_t input_raw_bytes(const struct dw_input *in);
void input_free(struct dw_input *in);

/* The same over a buffer in memory, for tests and fuzzing: decompresses (or
 * copies) data[0..n) into out.  0, or -1 with a reason in err. */
int input_decode_buffer(const char *name, const void *data, size_t n, struct dw_buf *out,
                        struct dw_errors *err);

#endif
