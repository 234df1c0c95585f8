/* codes.h - error-code tables (data in rules/codes/NAME.tsv, one table per file).
 *
 * File format: lines starting with '#' are comments (they cite the source);
 * the first other line is a tab-separated header that names the columns
 * `value`, `name`, `class` and `meaning` or `printed_as` or both, in any
 * order; further columns are ignored.  `printed_as` is the text a tool prints
 * for the code (mach_error_string: "(libkern/kext) link error"); a table
 * without `meaning` uses it as the meaning too.  `class` is the finding class a
 * line carrying the code implies (`codesign.requirement`), or `none` for a
 * code that means success.  The table's name is the file name without `.tsv`
 * (e.g. "codesign-errors").  Values are decimal (`-67050`, `8`) or hex
 * (`0xe00002e2`). */
#ifndef DW_CODES_H
#define DW_CODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct dw_code {
    const char *table; /* "codesign-errors" */
    int64_t value;
    const char *text;       /* the value as the table writes it: "-67050", "0xe00002e2" */
    const char *name;       /* errSecCSReqFailed */
    const char *meaning;    /* the code does not satisfy its code requirement */
    const char *printed_as; /* "(os/kern) failure"; "" when the table has none */
    const char *class_name; /* codesign.requirement; "none" for success codes */
};

struct dw_codes;

/* Loads every *.tsv in dir.  Returns NULL and adds "file:line: reason" to err
 * on a malformed file. */
struct dw_codes *codes_load_dir(const char *dir, struct dw_errors *err);
/* Loads one table file (name from the file name). Returns 0, or -1 with err. */
int codes_load_file(struct dw_codes *c, const char *path, struct dw_errors *err);
struct dw_codes *codes_new(void);
void codes_free(struct dw_codes *c);

/* Looks up a code written as text ("-67050", "0xE00002E2", "8").  A 32-bit
 * code matches in every spelling tools print: signed decimal (-67050),
 * unsigned 32-bit hex (0xfffefa16) and sign-extended 64-bit hex
 * (0xfffffffffffefa16); likewise 0xdc008016 and -603946986.
 * table NULL: search only tables whose values cannot be confused with small
 * counts, i.e. negative values and hex values >= 0x10000 (errSecCS, IOReturn,
 * OSKextReturn...).  table non-NULL: that table only (how a rule decodes
 * sysext-errors 1..13 or kern-return codes).  NULL if not found. */
const struct dw_code *codes_lookup(const struct dw_codes *c, const char *table, const char *text);

/* The row whose printed string (printed_as) is text, in table (NULL: any):
 * spelt exactly so first, else ignoring case; a trailing '.' (and spaces) on
 * either side is ignored.  NULL when none. */
const struct dw_code *codes_lookup_printed(const struct dw_codes *c, const char *table,
                                           const char *text);

/* The table's context line: what a code of this table usually means for a
 * dext, written in the table file as a comment `# context: ...`.  NULL when
 * the table has none or does not exist. */
const char *codes_table_context(const struct dw_codes *c, const char *table);

/* Checks every row's class with valid (the rule taxonomy; `none` is always
 * accepted).  Returns 0, or -1 after adding "table: code V (NAME): class 'X'
 * is not in the taxonomy" to err for each bad row. */
int codes_check_classes(const struct dw_codes *c, bool (*valid)(const char *class_name),
                        struct dw_errors *err);

/* Iteration, for `explain` and tests. */
size_t codes_count(const struct dw_codes *c);
const struct dw_code *codes_at(const struct dw_codes *c, size_t i);

#endif
