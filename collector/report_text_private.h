/* report_text_private.h - what the text report (report_text.c) shares with
 * its compact form, --brief (report_text_brief.c): colours (defined in
 * report_common.c, which both use), and the brief form's lines and the set
 * of remediations it prints once per rule at the end. */
#ifndef DW_REPORT_TEXT_PRIVATE_H
#define DW_REPORT_TEXT_PRIVATE_H

#include "report.h"

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"

/* The ANSI colour of a severity. */
const char *report_text_severity_color(int sev);
/* Appends code when st->color. */
void report_text_color(struct dw_buf *out, const struct dw_text_style *st, const char *code);

/* "INDENT[rule]" and the remediation's lines two columns further in. */
void report_text_remedy(struct dw_buf *out, const struct dw_remedy *r, const char *indent,
                        const struct dw_text_style *st);

/* Remediations by rule id, in order of first appearance (own copies). */
struct report_text_remedies {
    struct dw_remedy *v;
    size_t n, cap;
};
/* One line per finding held of the item's incident,
 * "#ID INPUT:LINE: severity: SUBJECT: summary [rule]" (and one for those not
 * held); adds the incident's remediations not yet in seen. */
void report_text_brief_incident(struct dw_buf *out, const struct dw_report_item *item,
                                const struct dw_text_style *st, struct report_text_remedies *seen);
/* "what to do:" and every remediation of seen, once each; nothing when empty. */
void report_text_brief_remedies(struct dw_buf *out, const struct report_text_remedies *seen,
                                const struct dw_text_style *st);
void report_text_remedies_free(struct report_text_remedies *seen);

#endif
