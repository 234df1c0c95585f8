/* codes.h - error-code tables (data in rules/codes/NAME.tsv, one table per file).
 *
 * File format: lines starting with '#' are comments (they cite the source);
 * the first other line is a tab-separated header whose first three columns
 * are `value`, `name` and a meaning column (`meaning` or `printed_as`); further
 * columns are ignored.  The table's name is the file name without `.tsv`
 * (e.g. "codesign-errors").  Values are decimal (`-67050`, `8`) or hex
 * (`0xe00002e2`). */
#ifndef DW_CODES_H
#define DW_CODES_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct dw_code {
    const char *table; /* "codesign-errors" */
    int64_t value;
    const char *text;    /* the value as the table writes it: "-67050", "0xe00002e2" */
    const char *name;    /* errSecCSReqFailed */
    const char *meaning; /* the code does not satisfy its code requirement */
};

struct dw_codes;

/* Loads every *.tsv in dir.  Returns NULL and adds "file:line: reason" to err
 * on a malformed file. */
struct dw_codes *codes_load_dir(const char *dir, struct dw_errors *err);
/* Loads one table file (name from the file name). Returns 0, or -1 with err. */
int codes_load_file(struct dw_codes *c, const char *path, struct dw_errors *err);
struct dw_codes *codes_new(void);
void codes_free(struct dw_codes *c);

/* Looks up a code written as text ("-67050", "0xE00002E2", "8").
 * table NULL: search only tables whose values cannot be confused with small
 * counts, i.e. negative values and hex values >= 0x10000 (errSecCS, IOReturn,
 * OSKextReturn...).  table non-NULL: that table only (how a rule decodes
 * sysext-errors 1..13 or kern-return codes).  NULL if not found. */
const struct dw_code *codes_lookup(const struct dw_codes *c, const char *table, const char *text);

/* The table's context line: what a code of this table usually means for a
 * dext, written in the table file as a comment `# context: ...`.  NULL when
 * the table has none or does not exist. */
const char *codes_table_context(const struct dw_codes *c, const char *table);

/* Iteration, for `explain` and tests. */
size_t codes_count(const struct dw_codes *c);
const struct dw_code *codes_at(const struct dw_codes *c, size_t i);

#endif
