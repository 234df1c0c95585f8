/* replay.c - runs a fuzz harness on saved inputs, without libFuzzer.
 *
 *   fuzz_NAME_replay PATH...
 *
 * Each PATH is a file or a directory (its regular files, not recursive, in
 * name order; hidden names skipped).  Every input is passed once to the
 * harness's LLVMFuzzerTestOneInput, exactly as libFuzzer would; a crash or
 * abort fails the run (and CTest names the input last printed with -v).
 * Built for every harness in every build (gcc, clang, sanitizers), so the
 * regression inputs of tests/fuzz/regressions/ are replayed by `make test`.
 * Exit: 0 all ran, 2 a path could not be read. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int verbose;

static int run_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    struct dw_buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        buf_append(&b, chunk, n);
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        fprintf(stderr, "replay: %s: read error\n", path);
        buf_free(&b);
        return -1;
    }
    if (verbose)
        fprintf(stderr, "replay: %s (%zu bytes)\n", path, b.len);
    /* a private copy of exactly the input's size, so ASan sees overreads */
    uint8_t *copy = malloc(b.len ? b.len : 1);
    if (!copy)
        abort();
    if (b.len)
        memcpy(copy, b.data, b.len);
    LLVMFuzzerTestOneInput(copy, b.len);
    free(copy);
    buf_free(&b);
    return 0;
}

int main(int argc, char **argv)
{
    int status = 0;
    size_t runs = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-v") == 0) {
            verbose = 1;
            continue;
        }
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            status = 2;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (run_file(argv[i]) < 0)
                status = 2;
            else
                runs++;
            continue;
        }
        char **names;
        size_t n;
        if (dw_dir_list(argv[i], "", &names, &n) < 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            status = 2;
            continue;
        }
        for (size_t k = 0; k < n; k++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], names[k]);
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                if (run_file(path) < 0)
                    status = 2;
                else
                    runs++;
            }
        }
        dw_strv_free(names, n);
    }
    fprintf(stderr, "replay: %zu input%s\n", runs, runs == 1 ? "" : "s");
    return status;
}
