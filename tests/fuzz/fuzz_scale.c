/* fuzz_scale.c - libFuzzer harness for baseline and config files at scale.
 *
 * The input is a baseline (FUZZ_SCALE_BASELINE) or a .dextwatch.yaml
 * (FUZZ_SCALE_CONFIG).  When it loads, the harness writes a file holding its
 * entries many times over (each copy's ids made distinct: "<id>~<k>", the
 * number of copies from the input's size, up to a few thousand entries),
 * loads that, and checks that every entry is found again (case-insensitively
 * for baseline subjects), that a repeat is refused, and that the baseline
 * writer's output reads back.  Lookups that were linear made such files
 * quadratic; a slow unit here is a finding (-timeout). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Copies of the entries: enough for thousands of entries from small inputs. */
static size_t copies_for(size_t size, size_t n)
{
    size_t k = 64 + size % 512;
    return n * k > 4096 ? 4096 / n + 1 : k;
}

#ifdef FUZZ_SCALE_CONFIG
/* YAML double-quoted scalar of s */
static void yaml_quoted(struct dw_buf *b, const char *s)
{
    buf_putc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            buf_printf(b, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            buf_printf(b, "\\x%02x", c);
        else
            buf_putc(b, (char)c);
    }
    buf_putc(b, '"');
}

static void scale(const uint8_t *data, size_t size)
{
    struct dw_errors err = {0};
    struct dw_config *c = config_parse("fuzz.yaml", (const char *)data, size, &err);
    dw_errors_clear(&err);
    if (!c || !c->nrules) {
        config_free(c);
        return;
    }
    size_t k = copies_for(size, c->nrules);
    struct dw_buf y = {0}, id = {0};
    buf_puts(&y, "version: 1\nrules:\n");
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < c->nrules; i++) {
            const struct dw_config_rule *r = &c->rules[i];
            buf_reset(&id);
            buf_printf(&id, "%s~%zu", r->id, j);
            buf_puts(&y, "  - id: ");
            yaml_quoted(&y, id.data);
            if (r->disable)
                buf_puts(&y, "\n    disable: true");
            else
                buf_printf(&y, "\n    severity: %s", dw_severity_name(r->severity));
            buf_puts(&y, "\n    reason: ");
            yaml_quoted(&y, r->reason);
            buf_putc(&y, '\n');
        }
    struct dw_config *big = config_parse("big.yaml", y.data, y.len, &err);
    if (!big || big->nrules != k * c->nrules)
        __builtin_trap(); /* what loaded once must load as many times */
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < c->nrules; i++) {
            buf_reset(&id);
            buf_printf(&id, "%s~%zu", c->rules[i].id, j);
            const struct dw_config_rule *r = config_rule(big, id.data);
            if (!r || r->disable != c->rules[i].disable)
                __builtin_trap();
        }
    /* the same entry twice is refused */
    buf_printf(&y, "  - id: ");
    buf_reset(&id);
    buf_printf(&id, "%s~0", c->rules[0].id);
    yaml_quoted(&y, id.data);
    buf_puts(&y, "\n    disable: true\n    reason: again\n");
    struct dw_config *twice = config_parse("twice.yaml", y.data, y.len, &err);
    if (twice)
        __builtin_trap();
    dw_errors_clear(&err);
    config_free(big);
    config_free(c);
    buf_free(&y);
    buf_free(&id);
}
#else
static void scale(const uint8_t *data, size_t size)
{
    struct dw_errors err = {0};
    struct dw_baseline *b = baseline_parse("fuzz.json", (const char *)data, size, &err);
    dw_errors_clear(&err);
    if (!b || !b->n) {
        baseline_free(b);
        return;
    }
    size_t n = b->n, k = copies_for(size, n);
    struct dw_baseline *big = baseline_new();
    struct dw_buf subject = {0};
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < n; i++) {
            buf_reset(&subject);
            buf_printf(&subject, "%s~%zu", b->entries[i].subject, j);
            if (!baseline_add(big, subject.data, b->entries[i].rule, b->entries[i].class_name,
                              b->entries[i].note))
                __builtin_trap(); /* distinct subjects, so never a repeat */
        }
    char *text = baseline_serialize(big); /* sorts: lookups must survive it */
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < n; i++) {
            buf_reset(&subject);
            buf_printf(&subject, "%s~%zu", b->entries[i].subject, j);
            for (char *p = subject.data; *p; p++) /* subjects match case-insensitively */
                if (*p >= 'a' && *p <= 'z')
                    *p = (char)(*p - 32);
            if (!baseline_match(big, subject.data, b->entries[i].rule) ||
                baseline_add(big, subject.data, b->entries[i].rule, NULL, NULL))
                __builtin_trap();
        }
    struct dw_baseline *again = baseline_parse("again.json", text, strlen(text), &err);
    if (!again || again->n != n * k)
        __builtin_trap();
    dw_errors_clear(&err);
    baseline_free(again);
    baseline_free(big);
    baseline_free(b);
    buf_free(&subject);
    free(text);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    scale(data, size);
    return 0;
}
