/* parse_tools.c - output of the tools people paste next to their logs:
 * `systemextensionsctl list` tables, crash-report headers and kextutil
 * diagnostics blocks.  Each becomes one event whose message rules can match:
 *
 *   systemextensionsctl row  -> process systemextensionsctl, message
 *       `<enabled> <active> <teamID> <bundleID> (<version>) <name> [<state>]`
 *       with blanks collapsed and an empty column written `-`, e.g.
 *       `* - ABCDE12345 com.example.driver (1.0/1) MyDriver [activated waiting for user]`
 *   crash report header      -> process = the crashed process (`Process:`;
 *       in a paste cut above it, the last part of `Path:`, else `Identifier:`),
 *       pid, sender = its Path, time = Date/Time, message = the present ones of
 *       `Exception Type: ...; Termination Reason: ...` (blanks collapsed), or
 *       the first line when neither is there; the event's line is that of
 *       Exception Type (else Termination Reason, else the first line), where
 *       the report states the failure, not that of the header's first key
 *   `Diagnostics for <path>:` -> process kextutil, sender = the path, message
 *       = the whole block as written (lines joined by '\n')
 *
 * The NSError texts of kmutil (`Error Domain=KMErrorDomain ...`) are plain
 * records kept whole by parse_plain.c. */
#include "parse_tools.h"

/* Appends s[0..n) to the open field with runs of blanks collapsed to one space
 * and blanks at either end dropped. */
static void append_collapsed(struct dw_fields *f, const char *s, size_t n)
{
    size_t i = tx_skip_blanks(s, n, 0);
    while (n > i && tx_is_blank(s[n - 1]))
        n--;
    while (i < n) {
        size_t j = i;
        while (j < n && !tx_is_blank(s[j]))
            j++;
        fields_append(f, s + i, j - i);
        i = tx_skip_blanks(s, n, j);
        if (i < n)
            fields_append(f, " ", 1);
    }
}

/* ---- systemextensionsctl list ---- */

bool sysext_is_header(const char *s, size_t n)
{
    if (TX_PREFIX(s, n, "--- com.apple.system_extension."))
        return true;
    size_t i = 0;
    while (i < n && tx_is_digit(s[i]))
        i++;
    if (i > 0 && TX_PREFIX(s + i, n - i, " extension(s)"))
        return true;
    if (!TX_PREFIX(s, n, "enabled"))
        return false;
    i = tx_skip_blanks(s, n, 7);
    return i > 7 && TX_PREFIX(s + i, n - i, "active") && tx_find(s, n, "bundleID", 8) != NULL;
}

struct sx_row {
    const char *col[3]; /* enabled, active, teamID; NULL when empty */
    size_t col_n[3];
    const char *bundle, *version, *name, *state;
    size_t bundle_n, version_n, name_n, state_n;
};

/* The columns before the bundle id: `*\t*\tTEAMID\t` exactly when tabs
 * separate them, else blank-separated tokens (`*` flags, one team id). */
static bool sx_prefix(const char *s, size_t n, struct sx_row *r)
{
    if (memchr(s, '\t', n)) {
        size_t c = 0, i = 0;
        while (i < n && c < 3) {
            const char *tab = memchr(s + i, '\t', n - i);
            size_t e = tab ? (size_t)(tab - s) : n;
            size_t a = tx_skip_blanks(s, e, i), b = e;
            while (b > a && s[b - 1] == ' ')
                b--;
            if (b > a) {
                r->col[c] = s + a;
                r->col_n[c] = b - a;
            }
            c++;
            i = e + 1;
            if (!tab)
                break;
        }
        if (tx_skip_blanks(s, n, i < n ? i : n) != n)
            return false;
    } else {
        size_t i = tx_skip_blanks(s, n, 0), stars = 0;
        while (i < n) {
            size_t j = i;
            while (j < n && !tx_is_blank(s[j]))
                j++;
            if (j - i == 1 && (s[i] == '*' || s[i] == '-') && stars < 2 && !r->col[2]) {
                if (s[i] == '*') { /* `-` is how sysext_parse_row writes an empty column */
                    r->col[stars] = s + i;
                    r->col_n[stars] = 1;
                }
                stars++;
            } else if (j - i == 1 && s[i] == '-' && !r->col[2]) {
                stars = 2; /* an empty team id column */
            } else if (!r->col[2]) {
                r->col[2] = s + i;
                r->col_n[2] = j - i;
            } else {
                return false;
            }
            i = tx_skip_blanks(s, n, j);
        }
    }
    for (int c = 0; c < 2; c++)
        if (r->col[c] && (r->col_n[c] != 1 || r->col[c][0] != '*'))
            return false;
    for (size_t k = 0; r->col[2] && k < r->col_n[2]; k++)
        if (!tx_is_upper(r->col[2][k]) && !tx_is_digit(r->col[2][k]) && !tx_is_lower(r->col[2][k]))
            return false;
    return !r->col[2] || r->col_n[2] <= 16;
}

/* Splits a row `[*] [*] [TEAMID] bundle.id (version) Name [state words]`. */
static bool sx_split(const char *s, size_t n, struct sx_row *r)
{
    *r = (struct sx_row){0};
    while (n > 0 && (tx_is_blank(s[n - 1]) || s[n - 1] == '\r'))
        n--;
    if (n < 8 || s[n - 1] != ']')
        return false;
    size_t lb = n - 1;
    while (lb > 0 && s[lb] != '[')
        lb--;
    if (s[lb] != '[' || lb + 2 >= n)
        return false;
    for (size_t k = lb + 1; k < n - 1; k++)
        if (!tx_is_lower(s[k]) && s[k] != ' ' && s[k] != '_')
            return false;
    r->state = s + lb + 1;
    r->state_n = n - 2 - lb;
    /* the bundle id is the dotted token right before ` (version)` */
    for (size_t p = 1; p < lb; p++) {
        if (s[p] != '(' || !tx_is_blank(s[p - 1]))
            continue;
        size_t be = p - 1;
        while (be > 0 && tx_is_blank(s[be - 1]))
            be--;
        size_t bs = be;
        while (bs > 0 && !tx_is_blank(s[bs - 1]))
            bs--;
        const char *close = memchr(s + p, ')', lb - p);
        if (bs == be || !close || !memchr(s + bs, '.', be - bs) || close == s + p + 1)
            continue;
        bool ok = true;
        for (size_t k = bs; k < be && ok; k++)
            ok = tx_is_proc_char(s[k]);
        for (const char *v = s + p + 1; v < close && ok; v++)
            ok = !tx_is_blank(*v);
        if (!ok || !sx_prefix(s, bs, r))
            continue;
        r->bundle = s + bs;
        r->bundle_n = be - bs;
        r->version = s + p + 1;
        r->version_n = (size_t)(close - s) - p - 1;
        size_t a = tx_skip_blanks(s, lb, (size_t)(close - s) + 1), b = lb;
        while (b > a && tx_is_blank(s[b - 1]))
            b--;
        r->name = s + a;
        r->name_n = b - a;
        return true;
    }
    return false;
}

bool sysext_is_row(const char *s, size_t n)
{
    struct sx_row r;
    size_t i = tx_skip_blanks(s, n, 0);
    if (i < n && s[i] != '*' && !tx_is_upper(s[i]) && !tx_is_digit(s[i]) && !tx_is_lower(s[i]))
        return false;
    return memchr(s, '(', n) && sx_split(s, n, &r);
}

bool sysext_parse_row(const char *s, size_t eol, struct dw_event *ev, struct dw_fields *f)
{
    struct sx_row r;
    (void)ev;
    if (!memchr(s, '(', eol) || !sx_split(s, eol, &r))
        return false;
    fields_put(f, F_PROCESS, "systemextensionsctl", 19);
    fields_open(f, F_MESSAGE);
    for (int c = 0; c < 3; c++) {
        if (r.col[c])
            fields_append(f, r.col[c], r.col_n[c]);
        else
            fields_append(f, "-", 1);
        fields_append(f, " ", 1);
    }
    fields_append(f, r.bundle, r.bundle_n);
    fields_append(f, " (", 2);
    fields_append(f, r.version, r.version_n);
    fields_append(f, ") ", 2);
    if (r.name_n) {
        append_collapsed(f, r.name, r.name_n);
        fields_append(f, " ", 1);
    }
    fields_append(f, "[", 1);
    append_collapsed(f, r.state, r.state_n);
    fields_append(f, "]", 1);
    fields_close(f, F_MESSAGE);
    return true;
}

/* ---- crash reports ---- */

/* `Key:  value` of a crash report: a capitalised key of words (letters,
 * digits, ` /()_.-`, at most 48 bytes) then ':' and a blank or the end.
 * Sets *key_n and *value (offset of the value, blanks skipped). */
static bool crash_key(const char *s, size_t n, size_t *key_n, size_t *value)
{
    if (n == 0 || !tx_is_upper(s[0]))
        return false;
    size_t i = 1;
    while (i < n && i <= 48 && s[i] != ':') {
        char c = s[i];
        if (!tx_is_proc_char(c) && c != ' ' && c != '/' && c != '(' && c != ')')
            return false;
        i++;
    }
    if (i >= n || s[i] != ':' || s[i - 1] == ' ' || (i + 1 < n && !tx_is_blank(s[i + 1])))
        return false;
    *key_n = i;
    *value = tx_skip_blanks(s, n, i + 1);
    return true;
}

static bool key_is(const char *s, size_t key_n, const char *name)
{
    return strlen(name) == key_n && memcmp(s, name, key_n) == 0;
}

/* The keys of a crash report's header (macOS 10.x to 15 text reports). */
static bool crash_known_key(const char *s, size_t key_n)
{
    static const char *const keys[] = {"Path",
                                       "Identifier",
                                       "Version",
                                       "Code Type",
                                       "Parent Process",
                                       "Responsible",
                                       "User ID",
                                       "Date/Time",
                                       "Launch Time",
                                       "OS Version",
                                       "Report Version",
                                       "Bridge OS Version",
                                       "Hardware Model",
                                       "Exception Type",
                                       "Exception Codes",
                                       "Exception Note",
                                       "Termination Reason",
                                       "Termination Signal",
                                       "Terminating Process",
                                       "Crashed Thread",
                                       "Triggered by Thread",
                                       "Anonymous UUID",
                                       "CrashReporter Key",
                                       "Sleep/Wake UUID",
                                       "Time Awake Since Boot",
                                       "Time Since Wake",
                                       "System Integrity Protection",
                                       "Application Specific Information",
                                       "Kernel Triage"};
    for (size_t j = 0; j < sizeof keys / sizeof keys[0]; j++)
        if (key_is(s, key_n, keys[j]))
            return true;
    return false;
}

bool crash_starts(const char *s, size_t n)
{
    size_t k, v;
    if (n == 0 || !tx_is_upper(s[0]) || !crash_key(s, n, &k, &v))
        return false;
    if (key_is(s, k, "Process")) /* `Process:   name [pid]` */
        return n > v && s[n - 1] == ']' && tx_find(s + v, n - v, " [", 2) != NULL;
    if (key_is(s, k, "Exception Type"))
        return TX_PREFIX(s + v, n - v, "EXC_");
    if (key_is(s, k, "Termination Reason"))
        return TX_PREFIX(s + v, n - v, "Namespace ");
    if (key_is(s, k, "Incident Identifier"))
        return true;
    /* a paste cut above `Process:`: any header key padded to the column */
    return v < n && v >= k + 3 && crash_known_key(s, k);
}

bool crash_is_process_line(const char *s, size_t n)
{
    return TX_PREFIX(s, n, "Process:");
}

bool crash_continues(const char *s, size_t n)
{
    size_t k, v;
    if (n == 0)
        return false;
    if (crash_key(s, n, &k, &v)) {
        if (key_is(s, k, "Incident Identifier"))
            return false; /* the next report */
        /* report keys are padded to a column; single-blank ones are listed */
        if (v == n || v >= k + 3 || s[k + 1] == '\t')
            return true;
        return crash_known_key(s, k);
    }
    if (TX_PREFIX(s, n, "Thread ") && n > 7 && tx_is_digit(s[7]))
        return true; /* `Thread 0 Crashed:`, `Thread 0 crashed with ARM Thread State` */
    if (TX_PREFIX(s, n, "0x"))
        return true;
    size_t i = 0; /* a frame: `0   libsystem_kernel.dylib  0x1a2b __pthread_kill + 8` */
    while (i < n && tx_is_digit(s[i]))
        i++;
    return i > 0 && i < n && tx_is_blank(s[i]) && tx_find(s + i, n - i, " 0x", 3) != NULL;
}

/* The value of `key` on a line of the record starting at 0 (not indented). */
struct crash_value {
    const char *s;
    size_t n;
};

bool crash_parse_record(const char *s, size_t n, struct dw_event *ev, struct dw_fields *f)
{
    enum { PROCESS, PATH, IDENTIFIER, DATE, EXCEPTION, TERMINATION, NKEYS };
    static const char *const names[NKEYS] = {"Process",   "Path",           "Identifier",
                                             "Date/Time", "Exception Type", "Termination Reason"};
    struct crash_value val[NKEYS] = {{0}};
    size_t first_eol = n, line_of[NKEYS] = {0}, line = 0;
    for (size_t i = 0; i < n; line++) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - s) : n, k, v;
        if (i == 0)
            first_eol = e;
        if (crash_key(s + i, e - i, &k, &v)) {
            for (int j = 0; j < NKEYS; j++) {
                if (!val[j].s && key_is(s + i, k, names[j])) {
                    size_t b = e;
                    while (b > i + v && tx_is_blank(s[b - 1]))
                        b--;
                    val[j] = (struct crash_value){s + i + v, b - i - v};
                    line_of[j] = line;
                }
            }
        }
        i = e + 1;
    }
    /* the event stands where the report states the failure */
    f->line_skip = val[EXCEPTION].s ? line_of[EXCEPTION] : line_of[TERMINATION];
    if (val[PROCESS].s) { /* `name [pid]` */
        const char *p = val[PROCESS].s;
        size_t len = val[PROCESS].n, br = len;
        while (br > 0 && p[br - 1] != '[')
            br--;
        size_t j = br;
        long long pid;
        if (br > 0 && tx_read_dec(p, len, &j, &pid) && j + 1 == len && p[j] == ']') {
            ev->pid = (long)pid;
            len = br - 1;
        }
        while (len > 0 && tx_is_blank(p[len - 1]))
            len--;
        if (len)
            fields_put(f, F_PROCESS, p, len);
    } else if (val[PATH].n || val[IDENTIFIER].n) {
        /* a paste cut above `Process:`: the executable's name, else the bundle id */
        const char *p = val[PATH].n ? val[PATH].s : val[IDENTIFIER].s;
        size_t len = val[PATH].n ? val[PATH].n : val[IDENTIFIER].n, b = len;
        while (b > 0 && p[b - 1] != '/')
            b--;
        if (b < len)
            fields_put(f, F_PROCESS, p + b, len - b);
    }
    if (val[PATH].s && val[PATH].n)
        fields_put(f, F_SENDER, val[PATH].s, val[PATH].n);
    struct dw_time t;
    size_t tk;
    if (val[DATE].s && (tk = dw_time_parse(val[DATE].s, val[DATE].n, &t)) > 0) {
        ev->time = t;
        fields_put(f, F_TIME, val[DATE].s, tk);
    }
    fields_open(f, F_MESSAGE);
    bool any = false;
    for (int j = EXCEPTION; j <= TERMINATION; j++) {
        if (!val[j].s)
            continue;
        if (any)
            fields_append(f, "; ", 2);
        fields_append(f, names[j], strlen(names[j]));
        fields_append(f, ": ", 2);
        append_collapsed(f, val[j].s, val[j].n);
        any = true;
    }
    if (!any)
        append_collapsed(f, s, first_eol);
    fields_close(f, F_MESSAGE);
    return true;
}

/* ---- kextutil diagnostics ---- */

bool diagnostics_starts(const char *s, size_t n)
{
    return TX_PREFIX(s, n, "Diagnostics for ") && n > 17 && s[n - 1] == ':';
}

/* Unindented headings inside the block: `Authentication Failures:`,
 * `Code Signing Failure: not code signed`, `Warnings:` ... */
bool diagnostics_continues(const char *s, size_t n)
{
    size_t k, v;
    if (!crash_key(s, n, &k, &v))
        return false;
    return tx_find(s, k, "Failure", 7) || tx_find(s, k, "Warning", 7) ||
           tx_find(s, k, "Error", 5) || tx_find(s, k, "Issue", 5);
}

bool diagnostics_parse_record(const char *s, size_t n, size_t eol, struct dw_event *ev,
                              struct dw_fields *f)
{
    (void)ev;
    size_t p = 16; /* strlen("Diagnostics for ") */
    fields_put(f, F_PROCESS, "kextutil", 8);
    if (eol > p + 1)
        fields_put(f, F_SENDER, s + p, eol - 1 - p);
    while (n > 0 && tx_is_blank(s[n - 1]))
        n--;
    fields_put(f, F_MESSAGE, s, n);
    return true;
}
