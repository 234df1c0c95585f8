/* fuzz_store.c - libFuzzer harness for opening a hostile database file.
 *
 * Writes the input as a database file and opens it the way every command
 * does (store_open read-only, then for writing, which migrates), then reads
 * from it (recent, show 1).  Whatever the bytes (a negative or huge
 * PRAGMA user_version, a foreign application id, tables of the wrong shape,
 * a corrupt page): no crash, no leak, and a refusal always says why.  A
 * database it accepts for writing must read back without error.
 * Seeds: tests/fuzz/seeds/store (dextwatch databases of every schema
 * version, 512-byte pages so they fit the corpus cap). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char db[96];

static void remove_db(void)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char p[128];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(p, sizeof p, "%s%s", db, suffixes[i]);
        unlink(p);
    }
}

/* Opens the file in mode and reads from it; true when it opened. */
static int try_open(enum dw_store_mode mode)
{
    struct dw_errors err = {0};
    struct dw_store *s = store_open(db, mode, &err);
    if (!s) {
        if (err.n == 0) /* a refusal without a reason */
            __builtin_trap();
        dw_errors_clear(&err);
        return 0;
    }
    struct dw_query q = {.limit = 5};
    struct dw_incident **v = NULL;
    size_t n = 0;
    if (store_recent(s, &q, &v, &n, &err) == 0)
        store_incidents_free(v, n);
    struct dw_incident *inc = NULL;
    if (store_get(s, 1, &inc, &err) == 0 && inc)
        incident_free(inc);
    store_close(s);
    dw_errors_clear(&err);
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!*db)
        snprintf(db, sizeof db, "%s/dw-fuzz-store-%ld.db",
                 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
    remove_db();
    FILE *f = fopen(db, "wb");
    if (!f)
        return 0;
    if (size)
        fwrite(data, 1, size, f);
    fclose(f);
    try_open(DW_STORE_READ);
    if (try_open(DW_STORE_WRITE) && !try_open(DW_STORE_READ))
        __builtin_trap(); /* migrated (or ours already), yet unreadable */
    remove_db();
    return 0;
}
