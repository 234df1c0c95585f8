/* rules_literals.c - required literals of a rule pattern.
 *
 * A rule's literals are strings of which every message the rule matches
 * contains at least one (case-sensitive).  They feed the line prefilter and
 * the `log` predicate, so a wrong literal silently loses findings: the
 * derivation here is deliberately conservative and gives up (no literal)
 * whenever it is not sure.
 *
 * What it understands: at the top level of the pattern (outside every group
 * and character class) runs of plain characters and escaped punctuation
 * (`\.`, `\(`, `\:`) are literal; anything else (a group, a class, `.`, an
 * escape such as `\s` or `\d`, an anchor) ends the run; a quantifier takes
 * its atom out of the run.  A top-level `|` splits the pattern into branches
 * and each branch must give its own literal.  The longest run of a branch
 * (at least RULE_LITERAL_MIN bytes) is its literal.  Inline options that
 * change what a literal means ((?i), (?x), (?J)...) make it give up. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

#define RULE_LITERAL_MIN 3

/* Length of the UTF-8 sequence starting with byte c (1 for ASCII and for
 * stray continuation bytes, so the walk always advances). */
static size_t utf8_len(unsigned char c)
{
    if (c >= 0xf0 && c < 0xf8)
        return 4;
    if (c >= 0xe0)
        return c < 0xf0 ? 3 : 1;
    if (c >= 0xc0)
        return 2;
    return 1;
}

/* Skips a character class starting at p[0] == '['; returns the index just
 * after its closing ']', or n when it is not closed. */
static size_t skip_class(const char *p, size_t i, size_t n)
{
    i++; /* '[' */
    if (i < n && p[i] == '^')
        i++;
    if (i < n && p[i] == ']')
        i++; /* a leading ']' is literal */
    while (i < n && p[i] != ']') {
        if (p[i] == '\\' && i + 1 < n)
            i += 2;
        else if (p[i] == '[' && i + 1 < n && p[i + 1] == ':') {
            const char *e = strstr(p + i + 2, ":]"); /* POSIX class [:alpha:] */
            i = e && (size_t)(e - p) < n ? (size_t)(e - p) + 2 : i + 1;
        } else
            i++;
    }
    return i < n ? i + 1 : n;
}

/* Skips a group starting at p[i] == '('; returns the index after its ')'. */
static size_t skip_group(const char *p, size_t i, size_t n)
{
    int depth = 0;
    while (i < n) {
        if (p[i] == '\\' && i + 1 < n) {
            if (p[i + 1] == 'Q') { /* \Q...\E quotes everything, parentheses too */
                const char *e = strstr(p + i + 2, "\\E");
                i = e && (size_t)(e - p) < n ? (size_t)(e - p) + 2 : n;
            } else
                i += 2;
            continue;
        }
        if (p[i] == '[') {
            i = skip_class(p, i, n);
            continue;
        }
        if (p[i] == '(')
            depth++;
        else if (p[i] == ')' && --depth == 0)
            return i + 1;
        i++;
    }
    return n;
}

/* True when the pattern sets an option that changes how literal text
 * matches: i (caseless), x/xx (extended: spaces and # are syntax), or a
 * PCRE2 verb at the start such as (*UCP) or (*CRLF). */
static bool has_unsafe_option(const char *p)
{
    if (p[0] == '(' && p[1] == '*')
        return true;
    for (const char *q = strstr(p, "(?"); q; q = strstr(q + 1, "(?")) {
        if (q > p && q[-1] == '\\')
            continue;
        const char *o = q + 2;
        while ((*o >= 'a' && *o <= 'z') || (*o >= 'A' && *o <= 'Z') || *o == '-' || *o == '^') {
            if (*o == 'i' || *o == 'x')
                return true;
            o++;
        }
    }
    return false;
}

/* Is c a quantifier start at p[i]?  '{' only when it reads {n}, {n,} or {n,m}. */
static size_t quantifier_len(const char *p, size_t i, size_t n)
{
    if (i >= n)
        return 0;
    size_t q = 0;
    if (p[i] == '*' || p[i] == '+' || p[i] == '?') {
        q = 1;
    } else if (p[i] == '{') {
        size_t j = i + 1;
        while (j < n && ((p[j] >= '0' && p[j] <= '9') || p[j] == ','))
            j++;
        if (j < n && p[j] == '}' && j > i + 1 && p[i + 1] != ',')
            q = j + 1 - i;
        else
            return 0;
    } else {
        return 0;
    }
    if (i + q < n && (p[i + q] == '?' || p[i + q] == '+'))
        q++; /* lazy or possessive */
    return q;
}

static size_t derive(const char *p, size_t n, char ***out);

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Offset of the content of a group that must take part in every match
 * (capturing, non-capturing, named, atomic, branch reset), or 0 for a
 * lookaround, comment, condition, option setting or verb. */
static size_t group_content(const char *p, size_t n)
{
    if (n < 2 || p[0] != '(')
        return 0;
    if (p[1] != '?' && p[1] != '*')
        return 1;
    if (n < 3 || p[1] == '*')
        return 0;
    if (p[2] == ':' || p[2] == '>' || p[2] == '|')
        return 3;
    if ((p[2] == '<' && n > 3 && p[3] != '=' && p[3] != '!') || p[2] == '\'' ||
        (p[2] == 'P' && n > 3 && p[3] == '<')) {
        char close = p[2] == '\'' ? '\'' : '>';
        const char *e = memchr(p + 3, close, n - 3);
        return e ? (size_t)(e - p) + 1 : 0;
    }
    return 0;
}

/* What branch_literal has gathered so far: the literal run being read, the
 * longest run ended, and the best literal set of a required group. */
struct branch_scan {
    struct dw_buf run, best;
    char **set;
    size_t nset, set_score; /* set_score: length of the set's shortest member */
};

/* Ends the current run, keeping it when it is the longest so far. */
static void end_run(struct branch_scan *b)
{
    if (b->run.len > b->best.len) {
        buf_reset(&b->best);
        buf_append(&b->best, b->run.data, b->run.len);
    }
    buf_reset(&b->run);
}

/* The escape at p[i] == '\\': escaped punctuation is appended to the run
 * (*literal set); \s \d \x.. \1 ... are not plain characters.  Returns the
 * index after the escape. */
static size_t escape_atom(const char *p, size_t i, size_t n, struct branch_scan *b, bool *literal)
{
    unsigned char e = (unsigned char)p[i + 1];
    size_t next;
    if (e == 'Q') {
        /* \Q...\E: literal text; kept simple: ends the run. */
        const char *end = strstr(p + i + 2, "\\E");
        return end && (size_t)(end - p) < n ? (size_t)(end - p) + 2 : n;
    }
    if (!((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9') ||
          e >= 0x80)) {
        buf_putc(&b->run, (char)e); /* escaped punctuation is literal */
        *literal = true;
        return i + 2;
    }
    next = i + 2;
    if (e == 'x' || e == 'o' || e == 'N' || e == 'p' || e == 'P' || e == 'g' || e == 'k') {
        if (next < n && p[next] == '{') {
            const char *close = memchr(p + next, '}', n - next);
            next = close ? (size_t)(close - p) + 1 : n;
        } else if (e == 'x') { /* \xhh: up to two hex digits belong to it */
            for (int k = 0;
                 k < 2 && next < n && strchr("0123456789abcdefABCDEF", p[next]) && p[next]; k++)
                next++;
        }
    } else if (e == 'c' && next < n) {
        next++; /* \cX: the control character takes X */
    } else if (e >= '0' && e <= '9') {
        while (next < n && p[next] >= '0' && p[next] <= '9')
            next++; /* octal \0dd or back reference \12 */
    }
    return next;
}

/* The group at p[i] == '(': when it is required (no quantifier after it),
 * its literal set becomes the candidate if its shortest member beats the
 * current one.  Returns the index after the group. */
static size_t group_atom(const char *p, size_t i, size_t n, struct branch_scan *b)
{
    size_t next = skip_group(p, i, n);
    size_t content = group_content(p + i, next - i);
    if (!content || next - i <= content || p[next - 1] != ')' || quantifier_len(p, next, n))
        return next;
    char **inner;
    size_t ni = derive(p + i + content, next - i - content - 1, &inner);
    size_t score = SIZE_MAX;
    for (size_t k = 0; k < ni; k++)
        if (strlen(inner[k]) < score)
            score = strlen(inner[k]);
    if (ni && score > b->set_score) {
        strv_free(b->set, b->nset);
        b->set = inner;
        b->nset = ni;
        b->set_score = score;
    } else {
        strv_free(inner, ni);
    }
    return next;
}

/* The branch's answer: the group set when its shortest member is longer
 * than the longest run, else that run if it has RULE_LITERAL_MIN bytes.
 * Frees what is not handed out. */
static size_t branch_result(struct branch_scan *b, char ***out)
{
    size_t nout = 0;
    if (b->nset && b->set_score > b->best.len) {
        *out = b->set;
        nout = b->nset;
    } else {
        strv_free(b->set, b->nset);
        if (b->best.len >= RULE_LITERAL_MIN) {
            *out = xmalloc(sizeof(char *));
            (*out)[0] = xstrndup(b->best.data, b->best.len);
            nout = 1;
        }
    }
    buf_free(&b->run);
    buf_free(&b->best);
    return nout;
}

/* The literals of one top-level branch p[0..n): the longest literal run,
 * or the literal set of a required group when its shortest member is longer.
 * Returns the count (0: the branch yields no literal of RULE_LITERAL_MIN
 * bytes); *out is a new array. */
static size_t branch_literal(const char *p, size_t n, char ***out)
{
    struct branch_scan b = {0};
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)p[i];
        size_t atom_start = b.run.len; /* where a literal atom begins in run */
        bool literal = false;
        size_t next;
        if (c == '\\' && i + 1 < n) {
            next = escape_atom(p, i, n, &b, &literal);
        } else if (c == '[') {
            next = skip_class(p, i, n);
        } else if (c == '(') {
            next = group_atom(p, i, n, &b);
        } else if (c == '.' || c == '^' || c == '$' || c == ')' || c == '\\') {
            next = i + 1;
        } else if (quantifier_len(p, i, n)) {
            next = i + quantifier_len(p, i, n); /* dangling: nothing to undo */
        } else {
            size_t l = utf8_len(c);
            if (i + l > n)
                l = n - i;
            buf_append(&b.run, p + i, l);
            literal = true;
            next = i + l;
        }
        size_t q = quantifier_len(p, next, n);
        if (q) {
            if (literal)
                b.run.len = atom_start; /* the atom may be absent or repeated */
            next += q;
            end_run(&b);
        } else if (!literal) {
            end_run(&b);
        }
        i = next;
    }
    end_run(&b);
    return branch_result(&b, out);
}

/* The literals of pattern text p[0..n) (a whole pattern or a group's
 * content): one set per top-level branch, joined; 0 when a branch has none. */
static size_t derive(const char *p, size_t n, char ***out)
{
    *out = NULL;
    char **lits = NULL;
    size_t nl = 0, cap = 0, start = 0;
    for (size_t i = 0; i <= n;) {
        if (i == n || p[i] == '|') {
            char **b;
            size_t nb = branch_literal(p + start, i - start, &b);
            if (nb == 0) {
                strv_free(lits, nl);
                return 0;
            }
            for (size_t k = 0; k < nb; k++) {
                bool dup = false;
                for (size_t j = 0; j < nl && !dup; j++)
                    dup = strcmp(lits[j], b[k]) == 0;
                if (dup) {
                    free(b[k]);
                } else {
                    xgrow((void **)&lits, &cap, nl + 1, sizeof(*lits));
                    lits[nl++] = b[k];
                }
            }
            free(b);
            start = i + 1;
            i++;
        } else if (p[i] == '\\' && i + 1 < n) {
            if (p[i + 1] == 'Q') {
                const char *e = strstr(p + i + 2, "\\E");
                i = e && (size_t)(e - p) < n ? (size_t)(e - p) + 2 : n;
            } else
                i += 2;
        } else if (p[i] == '[') {
            i = skip_class(p, i, n);
        } else if (p[i] == '(') {
            i = skip_group(p, i, n);
        } else {
            i++;
        }
    }
    *out = lits;
    return nl;
}

size_t rule_literals_derive(const char *pattern, char ***out)
{
    *out = NULL;
    if (!pattern || has_unsafe_option(pattern))
        return 0;
    return derive(pattern, strlen(pattern), out);
}
