/* log_cases.c - the data-driven end-to-end runner for tests/logs/.
 *
 * For every tests/logs/<case>.log it runs
 *     dextwatch scan --no-store --format json --quiet [args] <case>.log
 * and compares the output with the expectation found beside it: the first of
 * <case>.expected.json, then the same with the last dot-part of <case>
 * dropped (so seed.default.log and seed.syslog.log can share
 * seed.expected.json).  Expectation:
 *     { "args": [...], "exit": 1,
 *       "incidents": [ {subset of each output object, in order} ],
 *       "mentions":  [ ["text the remediation of incident 0 must contain", ...], ... ] }
 * Subset: objects match key by key (extra keys in the output are fine),
 * arrays must have the same length and match element by element, scalars
 * must be equal.  Adding a case needs no C code. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run_capture.h"

static int subset(const json_t *want, const json_t *got, char *where, size_t wsize)
{
    if (json_is_object(want)) {
        if (!json_is_object(got))
            return snprintf(where, wsize, "expected an object"), 0;
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)want, key, v)
        {
            json_t *g = json_object_get(got, key);
            if (!g) {
                snprintf(where, wsize, ".%s missing", key);
                return 0;
            }
            if (!subset(v, g, where, wsize)) {
                char tmp[512];
                snprintf(tmp, sizeof tmp, ".%s%s", key, where);
                snprintf(where, wsize, "%s", tmp);
                return 0;
            }
        }
        return 1;
    }
    if (json_is_array(want)) {
        if (!json_is_array(got) || json_array_size(got) != json_array_size(want)) {
            snprintf(where, wsize, ": expected an array of %zu, got %zu", json_array_size(want),
                     json_is_array(got) ? json_array_size(got) : 0);
            return 0;
        }
        for (size_t i = 0; i < json_array_size(want); i++)
            if (!subset(json_array_get(want, i), json_array_get(got, i), where, wsize)) {
                char tmp[512];
                snprintf(tmp, sizeof tmp, "[%zu]%s", i, where);
                snprintf(where, wsize, "%s", tmp);
                return 0;
            }
        return 1;
    }
    if (!json_equal((json_t *)want, (json_t *)got)) {
        char *w = json_dumps(want, JSON_ENCODE_ANY), *g = json_dumps(got, JSON_ENCODE_ANY);
        snprintf(where, wsize, ": expected %s, got %.200s", w ? w : "?", g ? g : "?");
        free(w);
        free(g);
        return 0;
    }
    return 1;
}

static json_t *load_expectation(const char *dir, const char *name)
{
    char base[1024], path[2048];
    snprintf(base, sizeof base, "%.*s", (int)(strlen(name) - 4), name); /* drop .log */
    for (;;) {
        snprintf(path, sizeof path, "%s/%s.expected.json", dir, base);
        if (access(path, R_OK) == 0) {
            json_error_t e;
            json_t *j = json_load_file(path, 0, &e);
            if (!j)
                fprintf(stderr, "%s:%d:%d: %s\n", path, e.line, e.column, e.text);
            return j;
        }
        char *dot = strrchr(base, '.');
        if (!dot)
            return NULL;
        *dot = '\0';
    }
}

static int check_case(const char *exe, const char *dir, const char *name)
{
    json_t *exp = load_expectation(dir, name);
    if (!exp) {
        printf("FAIL %s: no readable expectation (<case>.expected.json)\n", name);
        return 0;
    }
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)exe;
    argv[argc++] = "scan";
    argv[argc++] = "--no-store";
    argv[argc++] = "--format";
    argv[argc++] = "json";
    argv[argc++] = "--quiet";
    json_t *args = json_object_get(exp, "args");
    for (size_t i = 0; i < json_array_size(args) && argc < 28; i++)
        argv[argc++] = (char *)json_string_value(json_array_get(args, i));
    argv[argc++] = path;
    argv[argc] = NULL;

    char *out = NULL;
    int status = run_capture(argv, &out);
    int ok = 1;
    char where[1024] = "";
    json_t *got = json_array();
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        json_error_t e;
        json_t *j = json_loads(line, 0, &e);
        if (!j) {
            printf("FAIL %s: output line is not JSON (%s): %.120s\n", name, e.text, line);
            ok = 0;
            break;
        }
        json_array_append_new(got, j);
    }
    json_t *want_exit = json_object_get(exp, "exit");
    if (ok && want_exit && json_integer_value(want_exit) != status) {
        printf("FAIL %s: exit status %d, expected %lld\n", name, status,
               (long long)json_integer_value(want_exit));
        ok = 0;
    }
    json_t *want = json_object_get(exp, "incidents");
    if (ok && want && !subset(want, got, where, sizeof where)) {
        printf("FAIL %s: incidents%s\n", name, where);
        ok = 0;
    }
    json_t *mentions = json_object_get(exp, "mentions");
    for (size_t i = 0; ok && i < json_array_size(mentions); i++) {
        json_t *rem = json_object_get(json_array_get(got, i), "remediation");
        json_t *m = json_array_get(mentions, i);
        for (size_t k = 0; ok && k < json_array_size(m); k++) {
            const char *needle = json_string_value(json_array_get(m, k));
            int found = 0;
            for (size_t r = 0; r < json_array_size(rem) && !found; r++) {
                const char *t = json_string_value(json_object_get(json_array_get(rem, r), "text"));
                found = t && needle && strstr(t, needle);
            }
            if (!found) {
                printf("FAIL %s: remediation of incident %zu does not mention \"%s\"\n", name, i,
                       needle ? needle : "?");
                ok = 0;
            }
        }
    }
    if (ok)
        printf("ok   %s (%zu incident%s, exit %d)\n", name, json_array_size(got),
               json_array_size(got) == 1 ? "" : "s", status);
    json_decref(got);
    json_decref(exp);
    free(out);
    return ok;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: log_cases DEXTWATCH_BINARY TESTS_LOGS_DIR\n");
        return 2;
    }
    DIR *d = opendir(argv[2]);
    if (!d) {
        perror(argv[2]);
        return 2;
    }
    char *names[4096];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < 4096) {
        size_t len = strlen(de->d_name);
        if (len > 4 && strcmp(de->d_name + len - 4, ".log") == 0)
            names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    int passed = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (check_case(argv[1], argv[2], names[i]))
            passed++;
        else
            failed++;
        free(names[i]);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed || n == 0 ? 1 : 0;
}
