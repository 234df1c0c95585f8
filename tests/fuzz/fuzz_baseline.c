/* fuzz_baseline.c - libFuzzer harness for the baseline loader.
 *
 * Feeds arbitrary bytes to baseline_parse (jansson, schema checks); when a
 * baseline loads, serializes it and parses the result again, which must
 * succeed with the same number of entries (the writer's output is always
 * readable), and matches every entry against itself.
 * Build: clang -fsanitize=fuzzer,address -Iinclude tests/fuzz/fuzz_baseline.c
 *        collector/{baseline,util}.c $(pkg-config --cflags --libs jansson) */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dw_errors err = {0};
    struct dw_baseline *b = baseline_parse("fuzz.json", (const char *)data, size, &err);
    if (b) {
        for (size_t i = 0; i < b->n; i++)
            if (!baseline_match(b, b->entries[i].subject, b->entries[i].rule))
                __builtin_trap();
        char *text = baseline_serialize(b);
        struct dw_baseline *again = baseline_parse("again.json", text, strlen(text), &err);
        if (!again || again->n != b->n)
            __builtin_trap();
        baseline_free(again);
        free(text);
        baseline_free(b);
    }
    dw_errors_clear(&err);
    return 0;
}
