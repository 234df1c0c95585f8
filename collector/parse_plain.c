/* parse_plain.c - forum and chat pastes (style plain): whatever people copy
 * from Terminal, Console.app, dmesg or an app's NSLog output, one shape per
 * record, the most specific shape first.  Also decides, line by line, where a
 * plain record ends: an indented line continues the record above it, and so do
 * the unindented lines of an open NSError text, of a crash-report header and of
 * a kextutil diagnostics block (their shapes are in parse_tools.c).
 *
 * Every function works on s[0..n) without a terminating NUL.  A record may span
 * several lines joined by '\n'; eol is the end of its first line. */
#include "parse_plain.h"
#include "parse_text.h"
#include "parse_tools.h"

/* An NSError text keeps a record open for at most this many lines: a quote
 * that never closes must not swallow the rest of a paste. */
#define PLAIN_NSERROR_MAX_LINES 64
/* Crash reports and diagnostics blocks are long but end somewhere. */
#define PLAIN_BLOCK_MAX_LINES 4000

static void put_message(const char *s, size_t n, size_t i, struct dw_fields *f)
{
    fields_put(f, F_MESSAGE, s + i, i < n ? n - i : 0);
}

/* ---- record boundaries ---- */

bool plain_is_header(const char *s, size_t n)
{
    size_t i = tx_skip_blanks(s, n, 0);
    s += i;
    n -= i;
    return text_is_header(s, n) || sysext_is_header(s, n) ||
           TX_PREFIX(s, n, "Translated Report (Full Report Below)");
}

/* Follows the quotes and braces of an NSError description from its
 * `Error Domain=` on: the record stays open while a quote or brace is. */
static void scan_nserror(struct dw_plain_state *ps, const char *s, size_t n)
{
    size_t i = 0;
    if (!ps->nserror) {
        const char *p = tx_find(s, n, "Error Domain=", 13);
        if (!p)
            return;
        ps->nserror = true;
        i = (size_t)(p - s) + 13;
    }
    for (; i < n; i++) {
        char c = s[i];
        if (c == '"')
            ps->in_quote = !ps->in_quote;
        else if (ps->in_quote)
            continue;
        else if (c == '{')
            ps->depth++;
        else if (c == '}' && ps->depth > 0)
            ps->depth--;
    }
}

void plain_record_begin(struct dw_plain_state *ps, const char *s, size_t n)
{
    size_t ind = tx_skip_blanks(s, n, 0);
    *ps = (struct dw_plain_state){.indent = ind};
    if (crash_starts(s + ind, n - ind))
        ps->kind = PLAIN_CRASH;
    else if (diagnostics_starts(s + ind, n - ind))
        ps->kind = PLAIN_DIAGNOSTICS;
    ps->has_process = ps->kind == PLAIN_CRASH && crash_is_process_line(s + ind, n - ind);
    scan_nserror(ps, s, n);
}

void plain_record_append(struct dw_plain_state *ps, const char *s, size_t n)
{
    ps->taken++;
    if (ps->kind == PLAIN_CRASH && !ps->has_process)
        ps->has_process = crash_is_process_line(s, n);
    scan_nserror(ps, s, n);
}

static bool is_message_prefix(const char *s, size_t n);

/* An indented line that is a record of its own in a sloppy paste:
 * `    WindowServer: msg`, `  amfid[412]: msg`. */
static bool looks_like_record(const char *s, size_t n)
{
    size_t j = 0;
    bool lower = false;
    while (j < n && tx_is_proc_char(s[j]))
        lower |= tx_is_lower(s[j++]);
    if (j == 0 || j >= n || !lower || is_message_prefix(s, j))
        return false;
    if (s[j] == ':')
        return j + 1 < n && s[j + 1] == ' ';
    return s[j] == '[' && j + 1 < n && tx_is_digit(s[j + 1]);
}

bool plain_starts_record(const struct dw_plain_state *ps, bool has_rec, bool after_blank,
                         const char *s, size_t n)
{
    if (!has_rec)
        return true;
    size_t ind = tx_skip_blanks(s, n, 0);
    if (ps->nserror && (ps->in_quote || ps->depth > 0) && ps->taken < PLAIN_NSERROR_MAX_LINES &&
        !text_has_iso_prefix(s + ind, n - ind))
        return false;
    if (ind > 0 && sysext_is_row(s, n)) /* `\t\tTEAMID\tid (1/1)\tName\t[state]` */
        return true;
    if (ind > ps->indent) /* after a blank line, an indented paste is a new block */
        return ps->kind == PLAIN_LINE && !ps->nserror &&
               (after_blank || looks_like_record(s + ind, n - ind));
    if (ps->taken >= PLAIN_BLOCK_MAX_LINES || ind < ps->indent)
        return true;
    if (ps->kind == PLAIN_CRASH)
        return !crash_continues(s + ind, n - ind) ||
               (ps->has_process && crash_is_process_line(s + ind, n - ind));
    if (ps->kind == PLAIN_DIAGNOSTICS)
        return !diagnostics_continues(s + ind, n - ind);
    return true;
}

/* ---- Console.app copies ---- */

/* Console type words, any case: "default", "Error" ... */
static bool is_type_word(const char *s, size_t n)
{
    static const char *const words[] = {"default", "info", "debug", "error", "fault", "notice"};
    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++) {
        if (strlen(words[k]) != n)
            continue;
        size_t j = 0;
        while (j < n && (s[j] | 0x20) == words[k][j])
            j++;
        if (j == n)
            return true;
    }
    return false;
}

/* Stores a Console type word ("default", "error") as a level ("Default"). */
static void put_level_word(struct dw_fields *f, const char *s, size_t n)
{
    fields_put(f, F_LEVEL, s, n);
    char *p = f->buf.data + f->off[F_LEVEL];
    if (*p >= 'a' && *p <= 'z')
        *p = (char)(*p - 'a' + 'A');
}

/* True if s[0..n) parses as a time and nothing but blanks follows. */
static bool whole_time(const char *s, size_t n, struct dw_time *t)
{
    size_t k = dw_time_parse(s, n, t);
    return k && tx_skip_blanks(s, n, k) == n;
}

/* A Console subsystem column: empty or a reverse-DNS name. */
static bool looks_subsystem(const char *s, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (!tx_is_proc_char(s[k]))
            return false;
    return n == 0 || memchr(s, '.', n) != NULL;
}

/* A Console category column: empty or one short word. */
static bool looks_category(const char *s, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (tx_is_blank(s[k]) || s[k] == ':')
            return false;
    return n <= 64;
}

/* After the process column at tab[p]: optional subsystem and category columns
 * (newer Console copies), then the message. */
static void console_tail(const char *s, size_t n, const size_t *tab, size_t nt, size_t p,
                         struct dw_fields *f)
{
    size_t start = tab[p] + 1;
    if (nt >= p + 3) {
        const char *sub = s + tab[p] + 1, *cat = s + tab[p + 1] + 1;
        size_t sub_n = tab[p + 1] - tab[p] - 1, cat_n = tab[p + 2] - tab[p + 1] - 1;
        if (looks_subsystem(sub, sub_n) && looks_category(cat, cat_n) && (sub_n || !cat_n)) {
            if (sub_n)
                fields_put(f, F_SUBSYSTEM, sub, sub_n);
            if (cat_n)
                fields_put(f, F_CATEGORY, cat, cat_n);
            start = tab[p + 2] + 1;
        }
    }
    put_message(s, n, start, f);
}

/* Console.app copy-paste: `type\ttime\tprocess\t[subsystem\tcategory\t]message`,
 * or the same without the type column, or `process\tmessage`. */
static bool parse_console_tabs(const char *s, size_t n, size_t eol, struct dw_event *ev,
                               struct dw_fields *f)
{
    size_t tab[5], nt = 0;
    for (size_t j = 0; j < eol && nt < 5; j++)
        if (s[j] == '\t')
            tab[nt++] = j;
    struct dw_time t;
    if (nt >= 3 && is_type_word(s, tab[0]) && whole_time(s + tab[0] + 1, tab[1] - tab[0] - 1, &t)) {
        put_level_word(f, s, tab[0]);
        ev->time = t;
        fields_put(f, F_TIME, s + tab[0] + 1,
                   dw_time_parse(s + tab[0] + 1, tab[1] - tab[0] - 1, &t));
        fields_put(f, F_PROCESS, s + tab[1] + 1, tab[2] - tab[1] - 1);
        console_tail(s, n, tab, nt, 2, f);
        return true;
    }
    if (nt >= 2 && whole_time(s, tab[0], &t)) {
        ev->time = t;
        fields_put(f, F_TIME, s, dw_time_parse(s, tab[0], &t));
        fields_put(f, F_PROCESS, s + tab[0] + 1, tab[1] - tab[0] - 1);
        console_tail(s, n, tab, nt, 1, f);
        return true;
    }
    size_t j = 0;
    while (nt >= 1 && j < tab[0] && tx_is_proc_char(s[j]))
        j++;
    if (nt >= 1 && j == tab[0] && j > 0) {
        fields_put(f, F_PROCESS, s, j);
        console_tail(s, n, tab, nt, 0, f);
        return true;
    }
    return false;
}

/* Console text joined by spaces: `default 16:52:31.551867-0500 kernel message`. */
static bool parse_console_words(const char *s, size_t n, size_t eol, struct dw_event *ev,
                                struct dw_fields *f)
{
    size_t w = 0;
    while (w < eol && ((s[w] | 0x20) >= 'a' && (s[w] | 0x20) <= 'z'))
        w++;
    if (w == 0 || w >= eol || !tx_is_blank(s[w]) || !is_type_word(s, w))
        return false;
    size_t b = tx_skip_blanks(s, eol, w);
    struct dw_time t;
    size_t k = dw_time_parse(s + b, eol - b, &t);
    size_t p = b + k;
    if (!k || p >= eol || !tx_is_blank(s[p]))
        return false;
    p = tx_skip_blanks(s, eol, p);
    size_t q = p;
    while (q < eol && tx_is_proc_char(s[q]))
        q++;
    if (q == p || (q < eol && !tx_is_blank(s[q])))
        return false;
    put_level_word(f, s, w);
    ev->time = t;
    fields_put(f, F_TIME, s + b, k);
    fields_put(f, F_PROCESS, s + p, q - p);
    put_message(s, n, text_parse_sender_subsystem(s, eol, tx_skip_blanks(s, eol, q), f), f);
    return true;
}

/* Processes that matter here, which a paste may give as `kernel DK: ...`
 * (Console columns joined by a space, no type or time). */
static bool is_known_process(const char *s, size_t n)
{
    static const char *const names[] = {
        "kernel",    "amfid",      "sysextd", "kernelmanagerd", "taskgated-helper",
        "taskgated", "syspolicyd", "kextd",   "kmutil",         "kextutil"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (strlen(names[k]) == n && memcmp(names[k], s, n) == 0)
            return true;
    return false;
}

/* ---- dmesg, NSLog ---- */

/* dmesg: `[  389.898111]: message` or `[  389.898111] message`, seconds since
 * boot, always the kernel. */
static size_t parse_dmesg(const char *s, size_t eol, size_t i, struct dw_event *ev,
                          struct dw_fields *f)
{
    size_t j = tx_skip_blanks(s, eol, i + 1);
    long long sec, frac = 0;
    if (!tx_read_dec(s, eol, &j, &sec) || sec > INT64_MAX / 1000000 - 1)
        return 0;
    int nd = 0;
    if (j < eol && s[j] == '.') {
        j++;
        while (j < eol && tx_is_digit(s[j])) {
            if (nd < 6) {
                frac = frac * 10 + (s[j] - '0');
                nd++;
            }
            j++;
        }
    }
    if (j >= eol || s[j] != ']')
        return 0;
    for (int k = nd; k < 6; k++)
        frac *= 10;
    ev->time =
        (struct dw_time){.kind = DW_TIME_UPTIME, .us = sec * 1000000 + frac, .frac_digits = nd};
    fields_put(f, F_TIME, s + i, j + 1 - i);
    fields_put(f, F_PROCESS, "kernel", 6);
    j++;
    if (j < eol && s[j] == ':')
        j++;
    return tx_skip_blanks(s, eol, j);
}

/* `[pid:tid]` at s[i] followed by a blank or the end of line; the tid is
 * decimal unless written with `0x` or hex letters. */
static bool nslog_bracket(const char *s, size_t eol, size_t i, struct dw_event *ev, size_t *after)
{
    size_t j = i + 1, t;
    long long pid, dec;
    uint64_t hex;
    if (!tx_read_dec(s, eol, &j, &pid) || j >= eol || s[j] != ':')
        return false;
    t = ++j;
    bool letters = false;
    while (j < eol && s[j] != ']') {
        char c = (char)(s[j] | 0x20);
        if (c == 'x' || (c >= 'a' && c <= 'f'))
            letters = true;
        j++;
    }
    if (j >= eol || (j + 1 < eol && s[j + 1] != ' '))
        return false;
    size_t k = t;
    if (letters ? !tx_read_hex(s, j, &k, &hex) : !tx_read_dec(s, j, &k, &dec))
        return false;
    if (k != j)
        return false;
    ev->pid = (long)pid;
    ev->tid = letters ? hex : (uint64_t)dec;
    ev->has_tid = true;
    *after = j + 1;
    return true;
}

/* NSLog: `2024-01-10 14:36:03.306 My App[1234:56789] message` (date, time
 * with or without offset, process name that may hold spaces). */
static bool parse_nslog(const char *s, size_t n, size_t eol, struct dw_event *ev,
                        struct dw_fields *f)
{
    struct dw_time t;
    size_t k = dw_time_parse(s, eol, &t);
    if (!k || t.kind != DW_TIME_DATE || k + 1 >= eol || s[k] != ' ' || tx_is_blank(s[k + 1]))
        return false;
    size_t name = k + 1, after;
    for (size_t i = name; i < eol; i++) {
        if (s[i] == ':' || (s[i] == ' ' && i + 1 < eol && s[i + 1] == ' '))
            return false; /* `process: msg` or column padding: not NSLog */
        if (s[i] != '[')
            continue;
        struct dw_event tmp = *ev;
        if (i == name || !nslog_bracket(s, eol, i, &tmp, &after))
            continue;
        *ev = tmp;
        ev->time = t;
        fields_put(f, F_TIME, s, k);
        fields_put(f, F_PROCESS, s + name, i - name);
        put_message(s, n, after < eol ? after + 1 : after, f);
        return true;
    }
    return false;
}

/* ---- one record ---- */

/* Resets what a failed attempt may have filled. */
static void undo(struct dw_event *ev, const struct dw_event *ev0, struct dw_fields *f)
{
    *ev = *ev0;
    fields_reset(f);
}

/* True if the compact parse found one of compact's type codes. */
static bool compact_known_level(const struct dw_fields *f)
{
    static const char *const names[] = {"Default", "Info",     "Debug",   "Error",
                                        "Fault",   "Activity", "Signpost"};
    const char *lv = f->off[F_LEVEL] == SIZE_MAX ? "" : f->buf.data + f->off[F_LEVEL];
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (strcmp(lv, names[k]) == 0)
            return true;
    return false;
}

/* The log styles, NSLog and classic syslog, recognised by their leading time. */
static bool parse_dated(const char *s, size_t n, size_t eol, struct dw_event *ev,
                        struct dw_fields *f)
{
    const struct dw_event ev0 = *ev;
    const char *why;
    int mon, day;
    if (text_has_iso_prefix(s, eol)) {
        if (text_parse_record(DW_STYLE_DEFAULT, s, n, ev, f, &why))
            return true;
        undo(ev, &ev0, f);
        if (text_parse_record(DW_STYLE_COMPACT, s, n, ev, f, &why) && compact_known_level(f))
            return true; /* an unknown type code is rather NSLog's `My App[1:2]` */
        undo(ev, &ev0, f);
        size_t k = dw_time_parse(s, eol, &ev->time);
        if (k && k + 2 < eol && s[k] == ' ' && s[k + 1] == ' ' &&
            text_parse_record(DW_STYLE_SYSLOG, s, n, ev, f, &why))
            return true;
        undo(ev, &ev0, f);
        if (parse_nslog(s, n, eol, ev, f))
            return true;
        undo(ev, &ev0, f);
    }
    if (text_bsd_date_len(s, eol, &mon, &day)) {
        if (text_parse_record(DW_STYLE_BSD, s, n, ev, f, &why))
            return true;
        undo(ev, &ev0, f);
    }
    return false;
}

/* Words that end in ':' at the start of a kernel message but are no process:
 * `DK: ...`, `AMFI: ...`, `Sandbox: ...`.  All-capital words count too. */
static bool is_message_prefix(const char *s, size_t n)
{
    static const char *const words[] = {"Sandbox", "mac_vnode_check_signature",
                                        "Error",   "error",
                                        "Warning", "warning",
                                        "Note",    "Reason",
                                        "Failed",  "Executing"};
    bool caps = true;
    for (size_t k = 0; k < n && caps; k++)
        caps = tx_is_upper(s[k]) || tx_is_digit(s[k]) || s[k] == '_';
    if (caps)
        return true;
    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
        if (strlen(words[k]) == n && memcmp(words[k], s, n) == 0)
            return true;
    return false;
}

/* `[time] process: (sender) [sub:cat] message`, `proc[pid]: ...`, dmesg,
 * `kernel DK: ...`, or a bare message. */
static void parse_loose(const char *s, size_t n, size_t eol, struct dw_event *ev,
                        struct dw_fields *f)
{
    size_t i = text_take_time(s, eol, ev, f);
    i = tx_skip_blanks(s, eol, i);
    size_t after;
    if (i < eol && s[i] == '[' && (after = parse_dmesg(s, eol, i, ev, f))) {
        put_message(s, n, after, f);
        return;
    }
    if ((after = text_parse_proc_pid(s, eol, i, false, ev, f))) {
        i = after < eol && s[after] == ':' ? after + 1 : after;
        i = i < eol && s[i] == ' ' ? i + 1 : i;
        put_message(s, n, text_parse_sender_subsystem(s, eol, i, f), f);
        return;
    }
    size_t j = i;
    while (j < eol && tx_is_proc_char(s[j]))
        j++;
    if (j > i && j < eol && s[j] == ':' && (j + 1 == eol || s[j + 1] == ' ') &&
        !is_message_prefix(s + i, j - i)) {
        fields_put(f, F_PROCESS, s + i, j - i);
        i = j + 1 < eol ? j + 2 : eol;
        i = text_parse_sender_subsystem(s, eol, i, f);
    } else if (j > i && j + 1 < eol && tx_is_blank(s[j]) && is_known_process(s + i, j - i)) {
        fields_put(f, F_PROCESS, s + i, j - i);
        i = text_parse_sender_subsystem(s, eol, tx_skip_blanks(s, eol, j), f);
    } else {
        i = text_parse_sender_source(s, eol, i, f);
    }
    put_message(s, n, i, f);
}

void plain_parse_record(const char *s, size_t n, size_t eol, struct dw_event *ev,
                        struct dw_fields *f)
{
    if (sysext_parse_row(s, eol, ev, f)) /* before the indent goes: empty columns lead */
        return;
    if (TX_PREFIX(s, eol, "systemextensionsctl: ") && sysext_parse_row(s + 21, eol - 21, ev, f))
        return;
    size_t lead = tx_skip_blanks(s, eol, 0); /* an indented paste line */
    s += lead;
    n -= lead;
    eol -= lead;
    const struct dw_event ev0 = *ev;
    if (crash_starts(s, eol) && crash_parse_record(s, n, ev, f))
        return;
    if (diagnostics_starts(s, eol) && diagnostics_parse_record(s, n, eol, ev, f))
        return;
    if (parse_dated(s, n, eol, ev, f))
        return;
    if (memchr(s, '\t', eol) && parse_console_tabs(s, n, eol, ev, f))
        return;
    undo(ev, &ev0, f);
    if (parse_console_words(s, n, eol, ev, f))
        return;
    undo(ev, &ev0, f);
    parse_loose(s, n, eol, ev, f);
    /* kmutil prints its errors bare: `Error Domain=KMErrorDomain Code=71 "..."` */
    if (f->off[F_PROCESS] == SIZE_MAX && tx_find(s, eol, "Error Domain=KMErrorDomain", 26))
        fields_put(f, F_PROCESS, "kmutil", 6);
}
