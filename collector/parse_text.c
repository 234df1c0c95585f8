/* parse_text.c - the text styles of `log` (default, syslog, compact) and classic
 * BSD syslog: recognising a record start, headers and banners, and splitting
 * one record into the fields of a dw_event.  Pastes (plain) are parse_plain.c.
 *
 * Every function works on s[0..n) without a terminating NUL: the reader hands
 * out slices of its own buffers.  A record may span several lines joined by
 * '\n'; the columns are read from its first line and the message runs from
 * where it starts on the first line to the end of the record. */
#include <string.h>

#include "parse_text.h"

#define is_digit tx_is_digit
#define is_blank tx_is_blank
#define skip_blanks tx_skip_blanks
#define has_prefix(s, n, lit) TX_PREFIX(s, n, lit)

bool text_has_iso_prefix(const char *s, size_t n)
{
    return n >= 19 && is_digit(s[0]) && is_digit(s[3]) && s[4] == '-' && s[7] == '-' &&
           (s[10] == ' ' || s[10] == 'T') && s[13] == ':' && s[16] == ':' && is_digit(s[18]);
}

static int month_number(const char *s)
{
    static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    for (int m = 0; m < 12; m++)
        if (memcmp(names + 3 * m, s, 3) == 0)
            return m + 1;
    return 0;
}

/* `Mon DD HH:MM:SS ` (day space-padded or not) at the start of s; returns the
 * length of the date part or 0. */
size_t text_bsd_date_len(const char *s, size_t n, int *mon, int *day)
{
    if (n < 16 || s[3] != ' ' || !(*mon = month_number(s)))
        return 0;
    size_t i = 4;
    if (s[i] == ' ')
        i++;
    long long d;
    if (!tx_read_dec(s, n, &i, &d) || d < 1 || d > 31 || i >= n || s[i] != ' ')
        return 0;
    *day = (int)d;
    i++;
    if (i + 8 > n || s[i + 2] != ':' || s[i + 5] != ':' || !is_digit(s[i]))
        return 0;
    return i;
}

bool text_is_header(const char *s, size_t n)
{
    while (n > 0 && is_blank(s[n - 1]))
        n--;
    if (n == 0)
        return false;
    switch (s[0]) {
    case 'F':
        return has_prefix(s, n, "Filtering the log data using ");
    case 'S':
        return has_prefix(s, n, "Skipping debug messages");
    case 'l':
        return has_prefix(s, n, "log: ");
    case '*':
        return has_prefix(s, n, "** Processed ") && n >= 16 && memcmp(s + n - 3, " **", 3) == 0;
    case 'T':
        return has_prefix(s, n, "Timestamp ");
    case '-':
        for (size_t i = 0; i < n; i++)
            if (s[i] != '-')
                return false;
        return n >= 3;
    case 'L': {
        if (!has_prefix(s, n, "Log"))
            return false;
        size_t i = skip_blanks(s, n, 3);
        return has_prefix(s + i, n - i, "- Default:");
    }
    case 'A': {
        if (!has_prefix(s, n, "Activity"))
            return false;
        size_t i = skip_blanks(s, n, 8);
        return has_prefix(s + i, n - i, "- Create:");
    }
    default:
        return false;
    }
}

bool text_starts_record(enum dw_style style, const char *s, size_t n)
{
    int mon, day;
    switch (style) {
    case DW_STYLE_BSD:
        return text_bsd_date_len(s, n, &mon, &day) > 0;
    case DW_STYLE_PLAIN:
        return n > 0 && !is_blank(s[0]);
    default:
        return text_has_iso_prefix(s, n);
    }
}

/* Map the two-letter type codes of the compact style to the names that the
 * default style prints; unknown codes are kept as written. */
static const char *compact_level(const char *s, size_t n)
{
    static const struct {
        const char *code, *name;
    } map[] = {{"Df", "Default"},  {"In", "Info"},    {"Db", "Debug"}, {"E", "Error"},
               {"Er", "Error"},    {"Fa", "Fault"},   {"F", "Fault"},  {"A", "Activity"},
               {"Ac", "Activity"}, {"Sp", "Signpost"}};
    for (size_t k = 0; k < sizeof map / sizeof map[0]; k++)
        if (strlen(map[k].code) == n && memcmp(map[k].code, s, n) == 0)
            return map[k].name;
    return NULL;
}

/* `log --source` puts the caller before the message: `<image`symbol + 12>` or
 * `<file.c:42>`.  Returns the offset after it and its blank, or i when s[i..)
 * is no such token (`<private>` and other message text stay). */
static size_t skip_source(const char *s, size_t eol, size_t i)
{
    const char *gt = memchr(s + i, '>', eol - i);
    if (!gt)
        return i;
    size_t j = (size_t)(gt - s);
    if (j + 1 < eol && s[j + 1] != ' ')
        return i;
    const char *in = s + i + 1;
    size_t len = j - i - 1;
    if (len == 0 || memchr(in, '<', len))
        return i;
    bool source = memchr(in, '`', len) != NULL;
    const char *colon = memchr(in, ':', len);
    if (!source && colon && colon > in && colon + 1 < in + len && is_digit(colon[1])) {
        source = true; /* file:line, digits to the end */
        for (const char *p = colon + 1; p < in + len && source; p++)
            source = is_digit(*p);
    }
    if (!source)
        return i;
    return j + 1 < eol ? j + 2 : eol;
}

/* Reads the optional `(sender) ` and `[subsystem:category] ` that follow
 * `process: ` and stores them; returns where the message starts.  Only a
 * single token without blanks counts as a sender, so a message that itself
 * starts with "(null) ..." or "(Entitlements check failed)" is kept whole. */
size_t text_parse_sender_subsystem(const char *s, size_t eol, size_t i, struct dw_fields *f)
{
    if (i < eol && s[i] == '(') {
        size_t j = i + 1;
        while (j < eol && s[j] != ')' && s[j] != '(' && !is_blank(s[j]))
            j++;
        if (j < eol && s[j] == ')' && j > i + 1 && (j + 1 == eol || s[j + 1] == ' ')) {
            fields_put(f, F_SENDER, s + i + 1, j - i - 1);
            i = j + 1 < eol ? j + 2 : eol;
        }
    }
    if (i < eol && s[i] == '<')
        i = skip_source(s, eol, i);
    if (i < eol && s[i] == '[') {
        size_t j = i + 1, colon = 0;
        while (j < eol && s[j] != ']' && s[j] != '[') {
            if (s[j] == ':' && !colon)
                colon = j;
            if (is_blank(s[j]) && !colon)
                break;
            j++;
        }
        if (j < eol && s[j] == ']' && colon > i + 1 && j > colon + 1 &&
            (j + 1 == eol || s[j + 1] == ' ')) {
            fields_put(f, F_SUBSYSTEM, s + i + 1, colon - i - 1);
            fields_put(f, F_CATEGORY, s + colon + 1, j - colon - 1);
            i = j + 1 < eol ? j + 2 : eol;
        }
    }
    return i;
}

size_t text_parse_sender_source(const char *s, size_t eol, size_t i, struct dw_fields *f)
{
    if (i >= eol || s[i] != '(')
        return i;
    size_t j = i + 1;
    while (j < eol && s[j] != ')' && s[j] != '(' && !is_blank(s[j]))
        j++;
    if (j == i + 1 || j + 2 >= eol || s[j] != ')' || s[j + 1] != ' ' || s[j + 2] != '<')
        return i;
    size_t k = skip_source(s, eol, j + 2);
    if (k == j + 2)
        return i;
    fields_put(f, F_SENDER, s + i + 1, j - i - 1);
    return k;
}

/* Stores the message s[i..n) (the rest of the record, continuation lines included). */
static void put_message(const char *s, size_t n, size_t i, struct dw_fields *f)
{
    fields_put(f, F_MESSAGE, s + i, i < n ? n - i : 0);
}

/* Reads the record's leading ISO time into ev and f; returns bytes used. */
size_t text_take_time(const char *s, size_t eol, struct dw_event *ev, struct dw_fields *f)
{
    size_t k = dw_time_parse(s, eol, &ev->time);
    if (k)
        fields_put(f, F_TIME, s, k);
    return k;
}

/* `log show --source` in the default style puts the caller before the process:
 * `<image`symbol> process: ...`, or `<image> process: ...` when the symbol is
 * unknown (`<AppleACPIPlatform`AcpiOsVprintf> kernel: (AppleACPIPlatform) ACPI:`,
 * `<sysextd> sysextd: staging extension ...`).  The process column always
 * comes first in this style, so a `<...> ` token there is the source.  Returns
 * the offset of the process, or i when s[i..) does not start with one followed
 * by a process and ": ". */
static size_t skip_source_column(const char *s, size_t eol, size_t i)
{
    if (i >= eol || s[i] != '<')
        return i;
    size_t j = skip_source(s, eol, i);
    if (j == i) { /* `<image>`: no blanks inside */
        size_t k = i + 1;
        while (k < eol && s[k] != '>' && s[k] != '<' && !is_blank(s[k]))
            k++;
        if (k == i + 1 || k + 1 >= eol || s[k] != '>' || s[k + 1] != ' ')
            return i;
        j = k + 2;
    }
    for (size_t p = j; p < eol; p++)
        if (s[p] == ':' && (p + 1 == eol || s[p + 1] == ' '))
            return p > j && !is_blank(s[j]) ? j : i;
    return i;
}

/* `<process>: (sender) [sub:cat] message` of the default style; a record
 * without ": " keeps everything as its message. */
static void parse_process_tail(const char *s, size_t n, size_t eol, size_t i, struct dw_fields *f)
{
    i = skip_source_column(s, eol, i);
    const char *colon = NULL;
    for (size_t j = i; j < eol; j++) {
        if (s[j] == ':' && (j + 1 == eol || s[j + 1] == ' ')) {
            colon = s + j;
            break;
        }
    }
    if (colon && colon > s + i) {
        fields_put(f, F_PROCESS, s + i, (size_t)(colon - s) - i);
        i = (size_t)(colon - s) + 1;
        if (i < eol && s[i] == ' ')
            i++;
        i = text_parse_sender_subsystem(s, eol, i, f);
    }
    put_message(s, n, i, f);
}

/* default: time, thread, type, activity, pid, ttl, then the process tail. */
static bool parse_default(const char *s, size_t n, size_t eol, struct dw_event *ev,
                          struct dw_fields *f, const char **why)
{
    size_t i = text_take_time(s, eol, ev, f);
    long long pid, ttl;
    uint64_t activity;
    if (!i || ev->time.kind != DW_TIME_DATE)
        return *why = "default: no timestamp", false;
    i = skip_blanks(s, eol, i);
    if (!tx_read_hex(s, eol, &i, &ev->tid))
        return *why = "default: bad thread id", false;
    ev->has_tid = true;
    i = skip_blanks(s, eol, i);
    size_t lv = i;
    while (i < eol && !is_blank(s[i]))
        i++;
    if (i == lv)
        return *why = "default: missing type", false;
    fields_put(f, F_LEVEL, s + lv, i - lv);
    i = skip_blanks(s, eol, i);
    if (!tx_read_hex(s, eol, &i, &activity))
        return *why = "default: bad activity id", false;
    i = skip_blanks(s, eol, i);
    if (!tx_read_dec(s, eol, &i, &pid))
        return *why = "default: bad pid", false;
    ev->pid = (long)pid;
    i = skip_blanks(s, eol, i);
    if (!tx_read_dec(s, eol, &i, &ttl))
        return *why = "default: bad ttl", false;
    i = skip_blanks(s, eol, i);
    parse_process_tail(s, n, eol, i, f);
    return true;
}

/* Finds `[digits]` (sep 0) or `[digits:hex]` (sep ':') in s[i..eol) and
 * returns the offset of its '['; the pid and tid go to ev. */
static size_t find_pid_bracket(const char *s, size_t eol, size_t i, bool with_tid,
                               struct dw_event *ev, size_t *after)
{
    for (const char *p; i < eol && (p = memchr(s + i, '[', eol - i)); i = (size_t)(p - s) + 1) {
        size_t j = (size_t)(p - s) + 1;
        long long pid;
        uint64_t tid;
        if (!tx_read_dec(s, eol, &j, &pid))
            continue;
        if (with_tid) {
            if (j >= eol || s[j] != ':')
                continue;
            j++;
            if (!tx_read_hex(s, eol, &j, &tid))
                continue;
        }
        if (j >= eol || s[j] != ']')
            continue;
        ev->pid = (long)pid;
        if (with_tid) {
            ev->tid = tid;
            ev->has_tid = true;
        }
        *after = j + 1;
        return (size_t)(p - s);
    }
    return SIZE_MAX;
}

/* syslog: `time  host process[pid]: (sender) [sub:cat] message`. */
static bool parse_syslog(const char *s, size_t n, size_t eol, struct dw_event *ev,
                         struct dw_fields *f, const char **why)
{
    size_t i = text_take_time(s, eol, ev, f), after;
    if (!i || ev->time.kind != DW_TIME_DATE)
        return *why = "syslog: no timestamp", false;
    i = skip_blanks(s, eol, i);
    while (i < eol && !is_blank(s[i])) /* host */
        i++;
    i = skip_blanks(s, eol, i);
    size_t br = find_pid_bracket(s, eol, i, false, ev, &after);
    if (br == SIZE_MAX || br == i || after >= eol || s[after] != ':')
        return *why = "syslog: no process[pid]:", false;
    fields_put(f, F_PROCESS, s + i, br - i);
    i = after + 1;
    if (i < eol && s[i] == ' ')
        i++;
    i = text_parse_sender_subsystem(s, eol, i, f);
    put_message(s, n, i, f);
    return true;
}

/* compact: `time Ty process[pid:tid] (sender) message`; names may hold spaces. */
static bool parse_compact(const char *s, size_t n, size_t eol, struct dw_event *ev,
                          struct dw_fields *f, const char **why)
{
    size_t i = text_take_time(s, eol, ev, f), after;
    if (!i || ev->time.kind != DW_TIME_DATE)
        return *why = "compact: no timestamp", false;
    i = skip_blanks(s, eol, i);
    size_t ty = i;
    while (i < eol && !is_blank(s[i]))
        i++;
    if (i == ty || i - ty > 3)
        return *why = "compact: bad type", false;
    const char *lv = compact_level(s + ty, i - ty);
    if (lv)
        fields_put(f, F_LEVEL, lv, strlen(lv));
    else
        fields_put(f, F_LEVEL, s + ty, i - ty);
    i = skip_blanks(s, eol, i);
    size_t br = find_pid_bracket(s, eol, i, true, ev, &after);
    if (br == SIZE_MAX || br == i)
        return *why = "compact: no process[pid:tid]", false;
    fields_put(f, F_PROCESS, s + i, br - i);
    i = after < eol && s[after] == ' ' ? after + 1 : after;
    i = text_parse_sender_subsystem(s, eol, i, f);
    put_message(s, n, i, f);
    return true;
}

/* `proc[pid]`, `proc(sender)[pid]` or `proc[pid:tid]` at s[i], with proc made of
 * process characters (or anything but blanks when `loose`).  Returns the
 * offset after the bracket, or 0. */
size_t text_parse_proc_pid(const char *s, size_t eol, size_t i, bool loose, struct dw_event *ev,
                           struct dw_fields *f)
{
    size_t j = i;
    while (j < eol && s[j] != '[' && s[j] != '(' &&
           (loose ? !is_blank(s[j]) : tx_is_proc_char(s[j])))
        j++;
    if (j == i || j >= eol)
        return 0;
    size_t pend = j, sender = 0, sender_end = 0;
    if (s[j] == '(') {
        sender = j + 1;
        while (j < eol && s[j] != ')' && !is_blank(s[j]))
            j++;
        if (j >= eol || s[j] != ')')
            return 0;
        sender_end = j++;
    }
    if (j >= eol || s[j] != '[')
        return 0;
    size_t after;
    struct dw_event tmp = *ev;
    bool tid = memchr(s + j, ':', eol - j) && find_pid_bracket(s, eol, j, true, &tmp, &after) == j;
    if (!tid && find_pid_bracket(s, eol, j, false, &tmp, &after) != j)
        return 0;
    ev->pid = tmp.pid;
    ev->tid = tmp.tid;
    ev->has_tid = tmp.has_tid;
    fields_put(f, F_PROCESS, s + i, pend - i);
    if (sender)
        fields_put(f, F_SENDER, s + sender, sender_end - sender);
    return after;
}

/* bsd: `Mon DD HH:MM:SS host proc(sender)[pid] <Level>: message`.  The line
 * carries no year: the current year is assumed, which is right for a log
 * read the year it was written (and off by one across New Year). */
static bool parse_bsd(const char *s, size_t n, size_t eol, struct dw_event *ev, struct dw_fields *f,
                      const char **why)
{
    int mon, day;
    size_t i = text_bsd_date_len(s, eol, &mon, &day);
    struct dw_time clock;
    size_t k = i ? dw_time_parse(s + i, eol - i, &clock) : 0;
    if (!k || clock.kind != DW_TIME_CLOCK)
        return *why = "bsd: no timestamp", false;
    ev->time = clock;
    ev->time.kind = DW_TIME_DATE;
    ev->time.us = dw_time_from_civil(dw_time_current_year(), mon, day, 0, 0, 0) + clock.us;
    fields_put(f, F_TIME, s, i + k);
    i = skip_blanks(s, eol, i + k);
    while (i < eol && !is_blank(s[i])) /* host */
        i++;
    i = skip_blanks(s, eol, i);
    size_t after = text_parse_proc_pid(s, eol, i, true, ev, f);
    if (!after)
        return *why = "bsd: no process[pid]", false;
    i = after < eol && s[after] == ':' ? after + 1 : after;
    i = skip_blanks(s, eol, i);
    if (i < eol && s[i] == '<') {
        const char *gt = memchr(s + i, '>', eol - i);
        if (gt && gt + 1 < s + eol && gt[1] == ':') {
            fields_put(f, F_LEVEL, s + i + 1, (size_t)(gt - s) - i - 1);
            i = skip_blanks(s, eol, (size_t)(gt - s) + 2);
        }
    }
    put_message(s, n, i, f);
    return true;
}

bool text_parse_record(enum dw_style style, const char *s, size_t n, struct dw_event *ev,
                       struct dw_fields *f, const char **why)
{
    const char *nl = memchr(s, '\n', n);
    return text_parse_record_eol(style, s, n, nl ? (size_t)(nl - s) : n, ev, f, why);
}

bool text_parse_record_eol(enum dw_style style, const char *s, size_t n, size_t eol,
                           struct dw_event *ev, struct dw_fields *f, const char **why)
{
    *why = "unparsable record";
    switch (style) {
    case DW_STYLE_DEFAULT:
        return parse_default(s, n, eol, ev, f, why);
    case DW_STYLE_SYSLOG:
        return parse_syslog(s, n, eol, ev, f, why);
    case DW_STYLE_COMPACT:
        return parse_compact(s, n, eol, ev, f, why);
    case DW_STYLE_BSD:
        return parse_bsd(s, n, eol, ev, f, why);
    default:
        return false;
    }
}
