/* rules.h - the rule database: YAML rule packs compiled to PCRE2 JIT.
 *
 * A rule pack is rules/<area>.yaml; its schema is documented in
 * rules/README.md.  Loading validates everything (fields, class taxonomy,
 * regex, placeholders, examples) and reports each problem as
 * "file:line:col: reason" in a dw_errors; a pack with any error is refused.
 * Classification tries the rules in load order (files by name, rules in file
 * order); the first rule whose filters and pattern match wins. */
#ifndef DW_RULES_H
#define DW_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codes.h"
#include "event.h"
#include "incident.h"
#include "util.h"

struct dw_rule_example {
    char *line;              /* a log line, read with the plain-style parser */
    struct dw_capture *caps; /* expected captures (subset check) */
    size_t ncaps;
    int src_line; /* where it is written in the pack */
    int src_col;  /* column of the same place (1-based) */
};

struct dw_rule_decode {
    char *capture; /* capture group name */
    char *table;   /* code table name, e.g. "sysext-errors" */
};

struct dw_rule {
    char *id;         /* e.g. "dk.provider-entitlements" */
    char *class_name; /* e.g. "entitlement.provider-check" */
    int severity;     /* enum dw_severity */
    int priority;     /* higher = more likely the root cause */
    char **processes; /* filter: event process must be one of these (when known) */
    size_t nprocesses;
    char *subsystem, *category; /* filters (exact), or NULL */
    char *pattern;              /* PCRE2 source, matched against the message */
    /* Literals: every message this rule matches contains at least one of them
     * (case-sensitive).  Declared with `literals:` or derived from the pattern;
     * used to prefilter lines and to build the `log` predicate.  nliterals 0
     * means "no literal known": the rule must see every line. */
    char **literals;
    size_t nliterals;
    bool literals_declared; /* from `literals:` (else derived, possibly none) */
    void *code;             /* pcre2_code_8 * (void keeps PCRE2 out of this header) */
    char *summary;          /* template with {capture} placeholders */
    char *remediation;      /* template, may be NULL */
    char **references;
    size_t nreferences;
    struct dw_rule_example *examples;
    size_t nexamples;
    struct dw_rule_example *counterexamples; /* caps unused */
    size_t ncounterexamples;
    struct dw_rule_decode *decodes;
    size_t ndecodes;
    bool link; /* `link: true`: a match only joins its keys (e.g. a tag and a
                  bundle id named on one harmless line); it is never a finding */
    /* `class_from_code: true` (the catch-alls): when the line carries a known
     * code (classify.c: errSecCS, IOReturn, OSKextReturn numbers in any
     * spelling; `Code=N` after OSSystemExtensionErrorDomain, KMErrorDomain or
     * AppleMobileFileIntegrityError), the finding takes the class that code's
     * table row gives and the code is decoded: the code names the cause when
     * no rule knows the sentence. */
    bool class_from_code;
    /* `class_from_code: required`: without such a code the rule does not
     * match at all (a line whose only sign of failure is its code). */
    bool code_required;
    char *file; /* pack path */
    int src_line, src_col;
    /* "file:line" of the rule with the same id in an earlier layer that this
     * one replaced (ruleset_load_layers), or NULL */
    char *overrides;
    uint64_t limit_hits; /* matches of this rule abandoned at a PCRE2 limit */
};

struct dw_rule_pack {
    char *name; /* file name without .yaml */
    char *path;
    uint64_t hash;             /* dw_hash64 of the file's bytes */
    size_t first_rule, nrules; /* range in dw_ruleset.rules */
};

struct dw_ruleset {
    struct dw_rule *rules;
    size_t nrules;
    struct dw_rule_pack *packs;
    size_t npacks;
    struct dw_codes *codes; /* from <dir>/codes/, may be empty */
    char *dir;
    void *match_data;    /* pcre2_match_data_8 *, reused */
    void *match_ctx;     /* pcre2_match_context_8 * with match/depth limits */
    void *jit_stack;     /* pcre2_jit_stack_8 * assigned to match_ctx, or NULL */
    uint64_t limit_hits; /* matches abandoned on the match or depth limit */
};

/* Loads every <dir>/NAME.yaml in name order and <dir>/codes/NAME.tsv.  Returns NULL on any
 * error (all of them in err, each "file:line:col: reason"). */
struct dw_ruleset *ruleset_load_dir(const char *dir, struct dw_errors *err);
/* One directory of rule packs in a layered set (ruleset_load_layers). */
struct dw_rule_layer {
    const char *dir;
    bool optional; /* a missing directory, or one without packs, is no error (the user's) */
};
/* Loads layers[0] as ruleset_load_dir does (its codes/ are the set's code
 * tables), then the NAME.yaml packs of each later layer, checked against
 * those tables.  A rule id defined again in a later layer replaces the
 * earlier rule (the winner's `overrides` says which it replaced); within one
 * layer a repeated id is an error, as in ruleset_load_dir.  Classification
 * tries the later layers first: the last layer's rules, ..., then layers[0]'s.
 * A layer whose directory is one already loaded (same real path) is skipped;
 * an optional layer that is missing or has no pack is skipped too.  A pack
 * whose name an earlier-tried pack has is named NAME@N (N its layer's index).
 * NULL on any error (all in err, each "file:line:col: reason"). */
struct dw_ruleset *ruleset_load_layers(const struct dw_rule_layer *layers, size_t n,
                                       struct dw_errors *err);
/* Building blocks of ruleset_load_dir, for tests and `rules check FILE`. */
struct dw_ruleset *ruleset_new(void);
int ruleset_add_file(struct dw_ruleset *rs, const char *path, struct dw_errors *err);
int ruleset_add_buffer(struct dw_ruleset *rs, const char *name, const char *yaml, size_t n,
                       struct dw_errors *err);
void ruleset_free(struct dw_ruleset *rs);

/* An ad-hoc pattern (`rules try FILE REGEX`): compiled and matched as rule
 * patterns are (rules_pattern.c: UTF, invalid UTF tolerated, JIT, the same
 * match limits). */
struct dw_pattern;
/* NULL with "MESSAGE at offset N (PCRE2)" in why. */
struct dw_pattern *pattern_compile(const char *source, struct dw_buf *why);
/* True when the pattern matches s[0..n); a match abandoned at a limit is
 * false and counted in *limit_hits. */
bool pattern_match(struct dw_pattern *p, const char *s, size_t n, uint64_t *limit_hits);
void pattern_free(struct dw_pattern *p);

/* Classifies one event.  Returns a new finding (caller owns it) for the first
 * matching rule, with event fields, captures, rendered summary/remediation,
 * decoded error codes and correlation keys filled in; NULL if no rule matches. */
struct dw_finding *ruleset_classify(struct dw_ruleset *rs, const struct dw_event *ev);
/* The prefilter's (prefilter.h) ways in: */
/* ruleset_classify restricted to the rules whose bit is set in
 * mask (bit i of mask[i / 64] for rs->rules[i]). */
struct dw_finding *ruleset_classify_masked(struct dw_ruleset *rs, const struct dw_event *ev,
                                           const uint64_t *mask);
/* False if no rule set in mask matches msg[0..len) (filters not
 * applied); true if one does or a match gave up on a limit. */
bool ruleset_message_may_match(struct dw_ruleset *rs, const char *msg, size_t len,
                               const uint64_t *mask);

/* Reports every rule whose matches were abandoned at a PCRE2 match, depth,
 * heap or JIT-stack limit since the set was loaded (catastrophic backtracking:
 * the line was taken as not matching that rule), one message per rule:
 * "file:line:col: rule 'id': N match(es) abandoned at the PCRE2 limits ...".
 * Returns the number of such rules. */
size_t ruleset_limit_report(const struct dw_ruleset *rs, struct dw_errors *out);

/* Derives a rule's literals from its PCRE2 pattern (see rules_literals.c):
 * strings of which every matching message contains at least one, or none
 * (returns 0, *out NULL) when that cannot be said safely.  *out is a new
 * array of new strings (caller frees each and the array). */
size_t rule_literals_derive(const char *pattern, char ***out);

/* Turns an example line into events, calling fn(ev, ctx) for each; the
 * self-test classifies the first.  Given by a layer above the rules (the
 * CLI passes reader_read_plain_line, reader.h), so rules never run a reader. */
typedef void (*dw_example_read_fn)(const char *input, const char *line, dw_event_fn fn, void *ctx);
/* Runs every example and counterexample of every rule through the whole rule
 * set: an example must be classified as its own rule with the expected
 * captures and its message must contain one of the rule's literals (when it
 * has any), a counterexample must not be classified as that rule, a rule
 * without example fails.  Writes one line per failure to err; returns the
 * number of failures. */
size_t ruleset_self_test(struct dw_ruleset *rs, dw_example_read_fn read, struct dw_errors *err);

/* Renders a {capture} template: each {name} naming a capture is replaced by
 * its value (never re-expanded); {{ and }} give literal braces; other text is
 * copied.  Captured text is data, never a template or format string.  (A
 * finding's remediation, which holds commands to copy, single-quotes a value
 * that contains shell syntax: classify.c, put_shell_safe.) */
char *rule_render(const char *tmpl, const struct dw_capture *caps, size_t ncaps);

/* Correlation keys from captures and the sender image:
 *   capture "bundle" (com.X or com.X.dext)  -> "bundle:com.x"
 *   capture "path" containing "/<id>.dext/" -> "bundle:<id>" (lowercase, .dext dropped)
 *   capture "tag" (hex, with or without 0x) -> "tag:<hex lowercase, no 0x, no leading zeros>"
 *   event sender "<id>.dext" or a path containing "/<id>.dext/" -> "bundle:<id>"
 * Fills f->keys. */
void finding_derive_keys(struct dw_finding *f);

#endif
