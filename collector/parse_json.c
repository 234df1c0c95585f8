/* parse_json.c - the json and ndjson styles of `log`.
 *
 * Both carry the same objects; json pretty-prints them inside one array that
 * may be gigabytes long, so it is scanned line by line and each record object
 * handed to jansson on its own when it closes.  Fields are read by key, never
 * by position: key order differs between macOS versions.  A crash report
 * (.ips: a one-line JSON header, then one pretty-printed object) read as
 * ndjson becomes one event for the crash. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "parse_json.h"

/* Appends the part of a line that belongs to the record being captured. */
static void capture(struct dw_json_scan *js, const char *s, size_t n)
{
    if (js->oversized)
        return;
    if (js->obj.len + n > DW_READER_MAX_RECORD) {
        js->oversized = true;
        buf_reset(&js->obj);
        return;
    }
    buf_append(&js->obj, s, n);
}

bool json_scan_line(struct dw_json_scan *js, const char *s, size_t n, long line,
                    dw_json_object_fn fn, void *ctx)
{
    bool clean = true;
    size_t start = 0; /* where the captured part of this line begins */
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (js->in_string) {
            if (js->escaped)
                js->escaped = false;
            else if (c == '\\')
                js->escaped = true;
            else if (c == '"')
                js->in_string = false;
            continue;
        }
        uint64_t base = js->in_array ? 1 : 0;
        switch (c) {
        case '"':
            js->in_string = true;
            clean = clean && js->capturing;
            break;
        case '{':
            if (!js->capturing && js->depth == base) {
                js->capturing = true;
                js->oversized = false;
                js->obj_line = line;
                buf_reset(&js->obj);
                start = i;
            }
            js->depth++;
            break;
        case '[':
            if (!js->capturing && js->depth == 0 && !js->in_array)
                js->in_array = true;
            else if (!js->capturing)
                clean = false;
            js->depth++;
            break;
        case '}':
        case ']':
            if (js->depth == 0) {
                clean = false;
                break;
            }
            js->depth--;
            if (js->capturing && js->depth == base) {
                capture(js, s + start, i + 1 - start);
                js->capturing = false;
                fn(ctx, js->obj.data ? js->obj.data : "", js->obj.len, js->obj_line, js->oversized);
            } else if (c == ']' && js->in_array && js->depth == 0) {
                js->in_array = false;
            } else if (!js->capturing) {
                clean = false;
            }
            break;
        case ' ':
        case '\t':
        case ',':
        case '\r':
            break;
        default:
            clean = clean && js->capturing;
            break;
        }
    }
    if (js->capturing) {
        capture(js, s + start, n - start);
        capture(js, "\n", 1);
    }
    return clean;
}

/* The string value of key, or NULL (also for ""); *len gets its length. */
static const char *get_string(json_t *obj, const char *key, size_t *len)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v) || json_string_length(v) == 0)
        return NULL;
    *len = json_string_length(v);
    return json_string_value(v);
}

static bool get_integer(json_t *obj, const char *key, long long *out)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_integer(v)) {
        *out = (long long)json_integer_value(v);
        return true;
    }
    if (json_is_real(v) && json_real_value(v) >= 0 && json_real_value(v) < 9.2e18) {
        *out = (long long)json_real_value(v);
        return true;
    }
    return false;
}

/* Copies a string member of obj to field `which` if present and non-empty. */
static void put_string(struct dw_fields *f, enum dw_field which, json_t *obj, const char *key)
{
    size_t len;
    const char *v = get_string(obj, key, &len);
    if (v)
        fields_put(f, which, v, len);
}

/* A crash report's body (`.ips`, bug_type 309: the pretty-printed object that
 * follows its one-line header) as one event shaped like a text report's:
 * process procName, pid, sender procPath, time captureTime, message
 * `Exception Type: EXC_CRASH (SIGKILL); Termination Reason: Namespace X, Code N ind`. */
static enum dw_json_result map_ips(json_t *obj, struct dw_event *ev, struct dw_fields *f)
{
    size_t len;
    const char *v = get_string(obj, "captureTime", &len);
    struct dw_time t;
    size_t k;
    if (v && (k = dw_time_parse(v, len, &t)) > 0) {
        ev->time = t;
        fields_put(f, F_TIME, v, k);
    }
    put_string(f, F_PROCESS, obj, "procName");
    put_string(f, F_SENDER, obj, "procPath");
    long long num;
    if (get_integer(obj, "pid", &num))
        ev->pid = (long)num;
    fields_open(f, F_MESSAGE);
    const char *sep = "";
    json_t *exc = json_object_get(obj, "exception");
    if (json_is_object(exc) && (v = get_string(exc, "type", &len))) {
        fields_append(f, "Exception Type: ", 16);
        fields_append(f, v, len);
        if ((v = get_string(exc, "signal", &len))) {
            fields_append(f, " (", 2);
            fields_append(f, v, len);
            fields_append(f, ")", 1);
        }
        sep = "; ";
    }
    json_t *term = json_object_get(obj, "termination");
    if (json_is_object(term) && (v = get_string(term, "namespace", &len))) {
        char code[32] = "";
        fields_append(f, sep, strlen(sep));
        fields_append(f, "Termination Reason: Namespace ", 30);
        fields_append(f, v, len);
        if (get_integer(term, "code", &num)) {
            int w = snprintf(code, sizeof code, ", Code %lld", num);
            fields_append(f, code, w > 0 ? (size_t)w : 0);
        }
        if ((v = get_string(term, "indicator", &len))) {
            fields_append(f, " ", 1);
            fields_append(f, v, len);
        }
    }
    fields_close(f, F_MESSAGE);
    return DW_JSON_EVENT;
}

/* Fills ev and f from a parsed record object.  An object without an
 * eventMessage (the ndjson completion record `{"count":N,"finished":1}`,
 * or any record that carries no text) is no event. */
static enum dw_json_result map_object(json_t *obj, struct dw_event *ev, struct dw_fields *f)
{
    json_t *msg = json_object_get(obj, "eventMessage");
    if (!json_is_string(msg)) {
        if (json_is_string(json_object_get(obj, "procName")) &&
            (json_object_get(obj, "exception") || json_object_get(obj, "termination")))
            return map_ips(obj, ev, f);
        return DW_JSON_HEADER;
    }
    size_t len;
    const char *v = get_string(obj, "timestamp", &len);
    if (v) {
        fields_put(f, F_TIME, v, len);
        if (dw_time_parse(v, len, &ev->time) == 0)
            ev->time.kind = DW_TIME_NONE;
    }
    v = get_string(obj, "processImagePath", &len);
    if (v) {
        size_t k = len;
        while (k > 0 && v[k - 1] != '/')
            k--;
        if (k < len)
            fields_put(f, F_PROCESS, v + k, len - k);
    } else {
        put_string(f, F_PROCESS, obj, "process");
    }
    long long num;
    if (get_integer(obj, "processID", &num))
        ev->pid = (long)num;
    if (get_integer(obj, "threadID", &num)) {
        ev->tid = (uint64_t)num;
        ev->has_tid = true;
    }
    put_string(f, F_LEVEL, obj, "messageType");
    put_string(f, F_SUBSYSTEM, obj, "subsystem");
    put_string(f, F_CATEGORY, obj, "category");
    put_string(f, F_SENDER, obj, "senderImagePath");
    fields_put(f, F_MESSAGE, json_string_value(msg), json_string_length(msg));
    return DW_JSON_EVENT;
}

enum dw_json_result json_parse_record(const char *s, size_t n, struct dw_event *ev,
                                      struct dw_fields *f, const char **why)
{
    json_error_t err;
    json_t *obj = json_loadb(s, n, JSON_ALLOW_NUL, &err);
    if (!obj) {
        *why = "invalid JSON";
        return DW_JSON_MALFORMED;
    }
    enum dw_json_result r;
    if (!json_is_object(obj)) {
        *why = "JSON value is not an object";
        r = DW_JSON_MALFORMED;
    } else {
        r = map_object(obj, ev, f);
    }
    json_decref(obj);
    return r;
}
