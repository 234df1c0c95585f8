/* fuzz_reader.c - libFuzzer harness for the reader (every style).
 *
 * Byte 0 picks the style (AUTO..BSD), byte 1 seeds the chunk sizes; the rest
 * is fed in pieces of 1..64 bytes so that line and record state crossing
 * feed boundaries is exercised, with a reader_flush now and then as a live
 * source would do.  Each event is checked for the promises of event.h.
 *
 * The paste shapes (plain: Console, dmesg, NSLog, systemextensionsctl tables,
 * NSError blocks, crash reports, kextutil diagnostics) and .ips bodies in
 * ndjson are reached through styles PLAIN, AUTO and NDJSON; the dictionary
 * beside this file holds their key tokens.  dw_style_detect_line is fuzzed on
 * the first line too.
 *
 * FUZZ_READER_STYLES (a comma-separated list of enum dw_style values) narrows
 * the styles byte 0 picks from: tests/fuzz/CMakeLists.txt builds
 * fuzz_reader (all), fuzz_reader_text (default, syslog, compact, bsd),
 * fuzz_reader_plain (plain) and fuzz_reader_json (json, ndjson) from this file.
 *
 * Build: cmake -DDW_FUZZ=ON -DCMAKE_C_COMPILER=clang (see tests/fuzz/README.md)
 * Run:   make fuzz FUZZ_SECONDS=60   (seeds: tests/logs/ with a 2-byte prefix) */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_event(const struct dw_event *ev, void *ctx)
{
    size_t *count = ctx;
    (*count)++;
    if (!ev->message || !ev->raw || !ev->input || strlen(ev->message) != ev->message_len)
        abort();
    const char *strs[] = {ev->time_text, ev->process,  ev->level,
                          ev->subsystem, ev->category, ev->sender};
    for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++)
        if (strs[k])
            (void)strlen(strs[k]); /* must be terminated inside readable memory */
    if (ev->raw[ev->raw_len] != '\0' || ev->line < 1 || ev->raw_len > DW_READER_MAX_RECORD ||
        ev->message_len > DW_READER_MAX_RECORD + 64)
        abort();
    char iso[DW_TIME_ISO_MAX];
    dw_time_format(&ev->time, iso);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
#ifdef FUZZ_READER_STYLES
    static const enum dw_style styles[] = {FUZZ_READER_STYLES};
#else
    static const enum dw_style styles[] = {
        DW_STYLE_AUTO, DW_STYLE_DEFAULT, DW_STYLE_SYSLOG, DW_STYLE_COMPACT,
        DW_STYLE_JSON, DW_STYLE_NDJSON,  DW_STYLE_PLAIN,  DW_STYLE_BSD,
    };
#endif
    enum dw_style style = styles[data[0] % (sizeof styles / sizeof styles[0])];
    uint32_t rng = data[1] * 2654435761u + 1;
    data += 2;
    size -= 2;
    const uint8_t *nl = memchr(data, '\n', size);
    (void)dw_style_detect_line((const char *)data, nl ? (size_t)(nl - data) : size);
    size_t count = 0;
    struct dw_reader *r = reader_new("fuzz", style, check_event, &count);
    while (size > 0) {
        rng = rng * 1103515245u + 12345u;
        size_t chunk = 1 + (rng >> 16) % 64;
        if (chunk > size)
            chunk = size;
        reader_feed(r, (const char *)data, chunk);
        if ((rng >> 8) % 97 == 0)
            reader_flush(r);
        data += chunk;
        size -= chunk;
    }
    reader_finish(r);
    const struct dw_reader_stats *st = reader_stats(r);
    if (st->records != count)
        abort();
    reader_free(r);
    return 0;
}
