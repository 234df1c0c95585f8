/* fuzz_detect.c - libFuzzer harness for style detection.
 *
 * Runs dw_style_detect_line on every line of the input (and on the input as
 * one "line", NULs and all), which must return a style in range and the same
 * answer twice; then lets an AUTO reader decide the style of the whole input
 * fed in one piece, which must settle on a valid style and emit exactly the
 * records its stats count.  Seeds: the first lines of tests/logs/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count_event(const struct dw_event *ev, void *ctx)
{
    (void)ev;
    (*(size_t *)ctx)++;
}

static void detect(const char *line, size_t n)
{
    enum dw_style s = dw_style_detect_line(line, n);
    if ((unsigned)s > DW_STYLE_BSD || dw_style_detect_line(line, n) != s)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    detect(text, size);
    for (size_t at = 0; at < size;) {
        const char *nl = memchr(text + at, '\n', size - at);
        size_t n = nl ? (size_t)(nl - (text + at)) : size - at;
        detect(text + at, n);
        at += n + 1;
    }
    size_t count = 0;
    struct dw_reader *r = reader_new("fuzz", DW_STYLE_AUTO, count_event, &count);
    reader_feed(r, text, size);
    reader_finish(r);
    if ((unsigned)reader_style(r) > DW_STYLE_BSD || reader_stats(r)->records != count)
        abort();
    reader_free(r);
    return 0;
}
