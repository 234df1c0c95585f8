/* incident.h - findings (a classified event) and incidents (correlated findings).
 *
 * These are plain data, shared by the correlator that builds them, the store
 * that saves and loads them, and the reports that print them.  Every string is
 * owned by the struct that holds it. */
#ifndef DW_INCIDENT_H
#define DW_INCIDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dwtime.h"
#include "event.h"

struct dw_rule;

struct dw_capture {
    char *name;
    char *value;
};

struct dw_decoded {
    char *code;    /* as captured: "-67050" */
    char *name;    /* errSecCSReqFailed */
    char *meaning; /* the code does not satisfy its code requirement */
};

/* One log event matched by one rule. */
struct dw_finding {
    /* rule facts, copied so a finding outlives its rule set (loaded from a DB) */
    char *rule_id;
    char *class_name;
    int severity; /* enum dw_severity */
    int priority;
    char *summary;     /* rendered from the rule's template */
    char *remediation; /* rendered from the rule's template; may be NULL */
    /* the event */
    char *input;
    long line;
    struct dw_time time;
    char *time_text; /* original text, or NULL */
    char *process;   /* NULL if unknown */
    long pid;
    uint64_t tid;
    bool has_tid;
    char *level, *subsystem, *category, *sender; /* NULL if absent */
    char *message;
    char *raw;
    /* what the rule extracted */
    struct dw_capture *caps;
    size_t ncaps;
    struct dw_decoded *decoded;
    size_t ndecoded;
    bool link_only; /* from a link rule: joins keys, is never evidence (no summary, remediation) */
    /* correlation keys, normalised: "bundle:com.mydriver", "tag:100000f45" */
    char **keys;
    size_t nkeys;
};

/* A finding's identity across runs: timestamp text, pid, thread (or process
 * when there is no thread id) and message; for an event without time, also
 * input name and line, so identical undated lines stay distinct. */
uint64_t finding_event_key(const struct dw_finding *f);
/* Copies the event's fields into f (strings duplicated). */
void finding_set_event(struct dw_finding *f, const struct dw_event *ev);
const char *finding_capture(const struct dw_finding *f, const char *name); /* NULL if absent */
/* The subject a finding names, as spelled in the log: the dext bundle id from
 * capture "bundle", a "/<id>.dext/" path component (capture "path" or the
 * sender), a sender "<id>.dext", or "<Name>.kext" from a sender path (kextutil's
 * Diagnostics block) (rank 3); else "0x<tag>" (rank 2); else,
 * for a finding of class other.*, what its message names (dw_subject_from_text,
 * rank 3); else the process, or "unknown" when that is not known either (rank 1).  Returns a
 * new string and sets *rank. */
char *finding_subject(const struct dw_finding *f, int *rank);
/* What a line names, for the subject of a finding no rule gave one (the
 * catch-alls, class other.*): a "/<id>.dext/" path, else the first bundle id
 * ("com.x.y", "org.pqrs.Karabiner-DriverKit-VirtualHIDDevice"; not
 * com.apple.*; a trailing .kext/.dext/.systemextension/.app dropped), else a
 * kext's file name from a path ("/Library/Extensions/Foo.kext" -> "Foo.kext").
 * Returns a new string or NULL. */
char *dw_subject_from_text(const char *text);
/* Extracts "<id>" from text containing "/<id>.dext/" or ending in "<id>.dext"
 * (or "<id>.dext" followed by nothing).  Returns a new string or NULL. */
char *dw_bundle_from_path(const char *text);
struct dw_finding *finding_dup(const struct dw_finding *f);
void finding_free(struct dw_finding *f); /* frees the members and f itself; NULL ok */

#define DW_EVIDENCE_HEAD 20
#define DW_EVIDENCE_TAIL 20

struct dw_remedy {
    char *rule_id;
    char *text;
};

/* Findings of one failure.  Memory is bounded: the first DW_EVIDENCE_HEAD and
 * the last DW_EVIDENCE_TAIL findings are kept, plus the count of all. */
struct dw_incident {
    int64_t id;       /* DB id; 0 while not stored */
    long seq;         /* order of opening within a run (1, 2, ...) */
    char *subject;    /* bundle id when known, else tag, else process */
    int subject_rank; /* 3 bundle, 2 tag, 1 process, 0 none: a better one replaces */
    char *input;      /* input name of the first finding */
    struct dw_time first_seen, last_seen;
    char *first_seen_text, *last_seen_text; /* ISO 8601, NULL when no time */
    long first_line, last_line;
    size_t count;   /* findings in all */
    int severity;   /* max over findings */
    char **classes; /* distinct, in order of first appearance */
    size_t nclasses;
    struct dw_finding *root;  /* own copy of the highest-priority finding (first on ties) */
    struct dw_finding **head; /* up to DW_EVIDENCE_HEAD, oldest first */
    size_t nhead;
    struct dw_finding **tail; /* ring of up to DW_EVIDENCE_TAIL most recent after head */
    size_t ntail, tail_start;
    struct dw_remedy *remedies; /* one per distinct rule, in order of first appearance */
    size_t nremedies;
    char **keys; /* all correlation keys joined into this incident */
    size_t nkeys;
    bool dirty; /* changed since last saved (store clears it) */
};

struct dw_incident *incident_new(void);
/* Adds f (ownership taken) and updates every summary field. */
void incident_add(struct dw_incident *inc, struct dw_finding *f);
/* Moves every finding of src into dst in time/line order; src is emptied. */
void incident_absorb(struct dw_incident *dst, struct dw_incident *src);
/* Number of findings held in memory, and the i-th in order (head then tail). */
size_t incident_evidence_count(const struct dw_incident *inc);
struct dw_finding *incident_evidence_at(const struct dw_incident *inc, size_t i);
bool incident_has_key(const struct dw_incident *inc, const char *key);
/* Adds keys the incident does not have yet. */
void incident_add_keys(struct dw_incident *inc, char *const *keys, size_t n);
/* Takes subject (copied) when its rank beats the incident's. */
void incident_offer_subject(struct dw_incident *inc, const char *subject, int rank);
void incident_free(struct dw_incident *inc);

#endif
