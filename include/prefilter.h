/* prefilter.h - the literal prefilter: which events can a rule match at all?
 *
 * Every rule carries literals (rules.h): every message it matches contains at
 * least one of them.  The prefilter gathers the literals of all rules into one
 * multi-literal scanner (a Teddy-style SIMD fingerprint scan: SSSE3 on x86-64,
 * NEON on arm64, a table-driven scalar loop elsewhere, all giving the same
 * hits) and answers two questions:
 *
 *   - on a parsed event: does its message contain any literal, and if so which
 *     rules are worth trying?  An event with no literal is never matched
 *     against a regex; for the others only the rules one of whose literals
 *     occurs are tried (prefilter_classify);
 *   - before an event is built: can the record's message match any rule?
 *     For a raw ndjson line, literals are searched by their longest piece
 *     without a character JSON may escape (`/` is often written `\/`); a line
 *     holding a `\u` escape or a crash-report key is always parsed.  For a
 *     record of the text styles, the message as it stands in the record.
 *
 * Results are identical to classifying every event with every rule as long as
 * the literals are sound (`dextwatch rules test` checks them on the examples;
 * tests/perf/prefilter_equiv.sh compares both paths on whole corpora).  Set
 * DEXTWATCH_NO_PREFILTER=1 to turn the prefilter off. */
#ifndef DW_PREFILTER_H
#define DW_PREFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "rules.h"

/* ---- the prefilter of a rule set ---- */

struct dw_prefilter;
/* Builds the prefilter of rs (which must outlive it).  Returns NULL when the
 * prefilter cannot help: a rule without literals that may see any process. */
struct dw_prefilter *prefilter_new(struct dw_ruleset *rs);
void prefilter_free(struct dw_prefilter *pf);
/* True when the prefilter is turned off by DEXTWATCH_NO_PREFILTER (non-empty, not "0"). */
bool prefilter_disabled_by_env(void);

/* Classifies ev like ruleset_classify, trying only the rules that the
 * prefilter cannot rule out.  Returns NULL at once for a message without any
 * literal (unless a rule without literals covers the event's process). */
struct dw_finding *prefilter_classify(struct dw_prefilter *pf, struct dw_ruleset *rs,
                                      const struct dw_event *ev);
/* True if the ndjson line s[0..n) must be parsed: its message may hold a
 * literal.  False only when the prefilter can raw-scan ndjson at all. */
bool prefilter_json_candidate(const struct dw_prefilter *pf, const char *s, size_t n);
/* True if raw ndjson lines can be skipped unparsed (every rule has literals). */
bool prefilter_json_usable(const struct dw_prefilter *pf);

/* True if the ndjson line s[0..n) needs no JSON parsing: no rule can match
 * its message.  *t then gets its time as the JSON reader would set it, and
 * *time_text (time_len bytes, within s) the timestamp's text.  It
 * says so when the line's raw bytes hold no literal (prefilter_json_candidate),
 * or when the line's one `"eventMessage"` string, decoded here (no `\u`
 * escapes, ASCII), makes every rule the literals leave fail.  Either way the
 * line must have one `"timestamp"` member with a plain string value and one
 * `"eventMessage"` member, both right after '{' or ','; false (parse it)
 * whenever only the JSON parser can tell. */
bool prefilter_json_skip(struct dw_prefilter *pf, const char *s, size_t n, struct dw_time *t,
                         const char **time_text, size_t *time_len);

/* True if text records can be skipped by their raw message
 * (prefilter_text_skip): every rule has literals, all of them ASCII. */
bool prefilter_text_usable(const struct dw_prefilter *pf);
/* True if no rule can match a text record whose message, as it stands in the
 * record, is msg[0..len): it holds no literal, or (no NUL byte in it, so the
 * reader would store it unchanged) every rule the literals leave fails on it.
 * False whenever the event must be classified in full. */
bool prefilter_text_skip(struct dw_prefilter *pf, const char *msg, size_t len);

#endif
