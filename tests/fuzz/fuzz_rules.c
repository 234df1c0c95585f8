/* fuzz_rules.c - libFuzzer harness for the rule-pack loader.
 *
 * Feeds arbitrary bytes to ruleset_add_buffer (YAML parse, validation, PCRE2
 * compile); when a pack loads, classifies a few fixed messages with it so the
 * match path (limits, captures, rendering, keys) is exercised too.
 * Build: clang -fsanitize=fuzzer,address -Iinclude ... tests/fuzz/fuzz_rules.c
 *        collector/{rules,rules_parse,classify,codes,util,incident,...}.c */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const messages[] = {
        "DK: MyDriver-0x100000f45: provider entitlements check failed",
        "/x/com.a.dext/y signature not valid: -67050",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
        "\xff\xfe invalid \xc3",
    };
    struct dw_errors err = {0};
    struct dw_ruleset *rs = ruleset_new();
    if (ruleset_add_buffer(rs, "fuzz.yaml", (const char *)data, size, &err) == 0) {
        for (size_t i = 0; i < sizeof messages / sizeof messages[0]; i++) {
            struct dw_event ev = {0};
            ev.input = "fuzz";
            ev.process = "kernel";
            ev.pid = -1;
            ev.sender = "com.a.dext";
            ev.message = messages[i];
            ev.message_len = strlen(messages[i]);
            ev.raw = messages[i];
            ev.raw_len = ev.message_len;
            finding_free(ruleset_classify(rs, &ev));
        }
    }
    dw_errors_clear(&err);
    ruleset_free(rs);
    return 0;
}
