/* predicate.c - the `log --predicate` text built from the rule packs.
 *
 * Rules are folded into groups that share (process, subsystem, category).
 * A group either takes every message ("whole": some rule in it has no
 * literal) or only messages containing one of its literals.  Then redundant
 * parts go: a literal that contains another literal of its group, a process
 * group literal already covered by an any-process literal, every narrower
 * group of a process that is taken whole.  Everything is sorted so the same
 * rules always give the same text. */
#include "predicate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct group {
    const char *process, *subsystem, *category; /* NULL: any */
    bool whole;
    const char **lits; /* borrowed from the rules */
    size_t nlits, cap;
};

struct groups {
    struct group *v;
    size_t n, cap;
};

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static struct group *group_get(struct groups *gs, const char *process, const char *subsystem,
                               const char *category)
{
    for (size_t i = 0; i < gs->n; i++)
        if (same(gs->v[i].process, process) && same(gs->v[i].subsystem, subsystem) &&
            same(gs->v[i].category, category))
            return &gs->v[i];
    xgrow((void **)&gs->v, &gs->cap, gs->n + 1, sizeof *gs->v);
    struct group *g = &gs->v[gs->n++];
    memset(g, 0, sizeof *g);
    g->process = process;
    g->subsystem = subsystem;
    g->category = category;
    return g;
}

static void group_add_literal(struct group *g, const char *lit)
{
    for (size_t i = 0; i < g->nlits; i++)
        if (strcmp(g->lits[i], lit) == 0)
            return;
    xgrow((void **)&g->lits, &g->cap, g->nlits + 1, sizeof *g->lits);
    g->lits[g->nlits++] = lit;
}

static bool has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return true;
    return false;
}

int predicate_quote(struct dw_buf *b, const char *s)
{
    if (has_control(s))
        return -1;
    buf_putc(b, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\')
            buf_putc(b, '\\');
        buf_putc(b, *p);
    }
    buf_putc(b, '"');
    return 0;
}

/* Adds one rule's contribution under one process (NULL: any). */
static void add_rule(struct groups *gs, const struct dw_rule *r, const char *process,
                     bool usable_lits)
{
    struct group *g = group_get(gs, process, r->subsystem, r->category);
    if (!usable_lits || r->nliterals == 0) {
        g->whole = true;
        return;
    }
    for (size_t i = 0; i < r->nliterals; i++)
        if (r->literals[i] && *r->literals[i])
            group_add_literal(g, r->literals[i]);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Removes literals containing another literal of the set, and those that
 * contain a literal of `cover` (an any-process group), then sorts. */
static void group_minimise(struct group *g, const struct group *cover)
{
    size_t k = 0;
    for (size_t i = 0; i < g->nlits; i++) {
        bool redundant = false;
        for (size_t j = 0; j < g->nlits && !redundant; j++)
            redundant = j != i && strstr(g->lits[i], g->lits[j]) &&
                        (strlen(g->lits[j]) < strlen(g->lits[i]) || j < i);
        for (size_t j = 0; cover && cover != g && j < cover->nlits && !redundant; j++)
            redundant = strstr(g->lits[i], cover->lits[j]) != NULL;
        if (!redundant)
            g->lits[k++] = g->lits[i];
    }
    g->nlits = k;
    if (g->nlits > 1)
        qsort(g->lits, g->nlits, sizeof *g->lits, cmp_str);
}

static int cmp_group(const void *a, const void *b)
{
    const struct group *x = a, *y = b;
    const char *fx[3] = {x->process, x->subsystem, x->category};
    const char *fy[3] = {y->process, y->subsystem, y->category};
    /* any-process groups last */
    if (!x->process != !y->process)
        return x->process ? -1 : 1;
    for (int i = 0; i < 3; i++) {
        if (!fx[i] != !fy[i])
            return fx[i] ? 1 : -1;
        if (fx[i] && fy[i]) {
            int c = strcmp(fx[i], fy[i]);
            if (c)
                return c;
        }
    }
    return 0;
}

static void put_term(struct dw_buf *b, size_t *terms, const char *text)
{
    if ((*terms)++)
        buf_puts(b, " OR ");
    buf_puts(b, text);
}

/* `eventMessage CONTAINS "a"` or `(eventMessage CONTAINS "a" OR ...)`. */
static void put_literals(struct dw_buf *b, const struct group *g)
{
    if (g->nlits > 1)
        buf_putc(b, '(');
    for (size_t i = 0; i < g->nlits; i++) {
        if (i)
            buf_puts(b, " OR ");
        buf_puts(b, "eventMessage CONTAINS ");
        predicate_quote(b, g->lits[i]);
    }
    if (g->nlits > 1)
        buf_putc(b, ')');
}

/* One group as a conjunction: process, subsystem, category, literals. */
static void put_group(struct dw_buf *out, const struct group *g)
{
    struct dw_buf b = {0};
    const char *names[3] = {"process", "subsystem", "category"};
    const char *vals[3] = {g->process, g->subsystem, g->category};
    size_t parts = 0;
    for (int i = 0; i < 3; i++) {
        if (!vals[i])
            continue;
        if (parts++)
            buf_puts(&b, " AND ");
        buf_printf(&b, "%s == ", names[i]);
        predicate_quote(&b, vals[i]);
    }
    if (!g->whole) {
        if (parts) {
            buf_puts(&b, " AND ");
            put_literals(&b, g);
        } else {
            /* any process: one term per literal, no parentheses needed */
            for (size_t i = 0; i < g->nlits; i++) {
                if (i)
                    buf_puts(&b, " OR ");
                buf_puts(&b, "eventMessage CONTAINS ");
                predicate_quote(&b, g->lits[i]);
            }
            parts = g->nlits;
        }
        parts++;
    }
    if (parts > 1)
        buf_printf(out, "(%s)", buf_cstr(&b));
    else
        buf_puts(out, buf_cstr(&b));
    buf_free(&b);
}

/* Sorts rs's rules into groups (by process, subsystem, category); returns
 * true when some rule cannot be narrowed at all (the predicate must take
 * everything).  Why goes to warn. */
static bool collect_groups(const struct dw_ruleset *rs, struct groups *gs, struct dw_errors *warn)
{
    bool everything = false;
    for (size_t i = 0; i < rs->nrules; i++) {
        const struct dw_rule *r = &rs->rules[i];
        bool usable = true;
        for (size_t k = 0; k < r->nliterals; k++) {
            if (r->literals[k] && has_control(r->literals[k])) {
                usable = false;
                dw_errors_add(warn,
                              "%s:%d:%d: rule %s: a literal holds a control character; "
                              "the predicate takes its whole process",
                              r->file ? r->file : "?", r->src_line, r->src_col, r->id);
            }
        }
        if (r->nprocesses) {
            for (size_t p = 0; p < r->nprocesses; p++)
                add_rule(gs, r, r->processes[p], usable);
        } else {
            if (!r->subsystem && !r->category && (!usable || r->nliterals == 0)) {
                everything = true;
                dw_errors_add(warn,
                              "%s:%d:%d: rule %s has no process, subsystem or literal: "
                              "the predicate cannot narrow the stream",
                              r->file ? r->file : "?", r->src_line, r->src_col, r->id);
            }
            add_rule(gs, r, NULL, usable);
        }
    }
    return everything;
}

static bool whole_process(const struct group *g)
{
    return g->process && g->whole && !g->subsystem && !g->category;
}

/* The processes taken whole: one term, `process == P` or `process IN {...}`. */
static void put_whole_processes(struct dw_buf *out, size_t *terms, const struct groups *gs)
{
    size_t nwhole = 0;
    for (size_t i = 0; i < gs->n; i++)
        nwhole += whole_process(&gs->v[i]);
    if (!nwhole)
        return;
    struct dw_buf t = {0};
    buf_puts(&t, nwhole == 1 ? "process == " : "process IN {");
    size_t k = 0;
    for (size_t i = 0; i < gs->n; i++) {
        if (!whole_process(&gs->v[i]))
            continue;
        if (k++)
            buf_puts(&t, ", ");
        predicate_quote(&t, gs->v[i].process);
    }
    if (nwhole > 1)
        buf_putc(&t, '}');
    put_term(out, terms, buf_cstr(&t));
    buf_free(&t);
}

/* The other groups with something of their own to say, one term each. */
static void put_other_groups(struct dw_buf *out, size_t *terms, const struct groups *gs)
{
    for (size_t i = 0; i < gs->n; i++) {
        const struct group *g = &gs->v[i];
        if (!g->process && !g->subsystem && !g->category)
            continue; /* any-process literals: last */
        if (whole_process(g))
            continue; /* in the IN list */
        if (!g->whole && g->nlits == 0)
            continue;          /* fully covered by the any-process literals */
        bool shadowed = false; /* its process is taken whole anyway */
        for (size_t j = 0; g->process && j < gs->n && !shadowed; j++)
            shadowed = j != i && same(gs->v[j].process, g->process) && whole_process(&gs->v[j]);
        if (shadowed)
            continue;
        struct dw_buf t = {0};
        put_group(&t, g);
        put_term(out, terms, buf_cstr(&t));
        buf_free(&t);
    }
}

char *predicate_build(const struct dw_ruleset *rs, struct dw_errors *warn)
{
    struct groups gs = {0};
    bool everything = collect_groups(rs, &gs, warn);
    const struct group *cover = NULL;
    for (size_t i = 0; i < gs.n; i++)
        if (!gs.v[i].process && !gs.v[i].subsystem && !gs.v[i].category && !gs.v[i].whole)
            cover = &gs.v[i];
    for (size_t i = 0; i < gs.n; i++)
        group_minimise(&gs.v[i], cover);
    /* the any-process literals, now fixed, must not be moved by the sort below */
    struct group anyg = {0};
    if (cover) {
        anyg = *cover;
        anyg.lits = xmalloc((cover->nlits ? cover->nlits : 1) * sizeof *anyg.lits);
        if (cover->nlits)
            memcpy(anyg.lits, cover->lits, cover->nlits * sizeof *anyg.lits);
    }
    if (gs.n > 1)
        qsort(gs.v, gs.n, sizeof *gs.v, cmp_group);

    struct dw_buf out = {0};
    size_t terms = 0;
    if (everything) {
        buf_puts(&out, "TRUEPREDICATE");
    } else {
        put_whole_processes(&out, &terms, &gs);
        put_other_groups(&out, &terms, &gs);
        for (size_t i = 0; i < anyg.nlits; i++) {
            struct dw_buf t = {0};
            buf_puts(&t, "eventMessage CONTAINS ");
            predicate_quote(&t, anyg.lits[i]);
            put_term(&out, &terms, buf_cstr(&t));
            buf_free(&t);
        }
        if (terms == 0)
            buf_puts(&out, "FALSEPREDICATE");
    }
    for (size_t i = 0; i < gs.n; i++)
        free(gs.v[i].lits);
    free(gs.v);
    free(anyg.lits);
    return buf_steal(&out);
}

int predicate_is_everything(const char *p)
{
    return p && strcmp(p, "TRUEPREDICATE") == 0;
}

void predicate_hash(const char *p, char out[17])
{
    uint64_t h = dw_hash64(DW_HASH_INIT, p, strlen(p));
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}
