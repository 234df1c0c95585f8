/* fuzz_config.c - libFuzzer harness for the `.dextwatch.yaml` loader.
 *
 * Feeds arbitrary bytes to config_parse (libyaml document load, schema walk,
 * file:line:col messages); when a config loads, looks every entry up again.
 * Seeds: the YAML in docs/ci.md and tests/unit/test_config.c.
 * Build: clang -fsanitize=fuzzer,address -Iinclude tests/fuzz/fuzz_config.c
 *        collector/{config,baseline,util}.c $(pkg-config --cflags --libs yaml-0.1 jansson) */
#include <stddef.h>
#include <stdint.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dw_errors err = {0};
    struct dw_config *c = config_parse("fuzz.yaml", (const char *)data, size, &err);
    if (c) {
        for (size_t i = 0; i < c->nrules; i++)
            if (config_rule(c, c->rules[i].id) == NULL)
                __builtin_trap();
        config_free(c);
    }
    dw_errors_clear(&err);
    return 0;
}
