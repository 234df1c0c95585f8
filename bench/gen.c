/* gen.c - deterministic generator of realistic unified-log corpora for the
 * benchmark: `log show --style syslog` or `--style ndjson` output, mostly
 * harmless lines of the processes dextwatch cares about (DK: lifecycle lines,
 * AMFI/amfid chatter, sysextd state changes) among everyday noise, with a
 * small share of real failure sequences.
 *
 *   gen syslog|ndjson SIZE_MB [SEED [EVERY]] > corpus.log
 *
 * A failure sequence comes every EVERY lines (default 20,000).
 * The same style, size and seed always give the same bytes. */
/* The message tables below are this file's own printf formats. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

static uint32_t rnd(void) /* xorshift64* */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * UINT64_C(2685821657736338717)) >> 32);
}

struct proc {
    const char *name, *path;
    int pid;
};

static const struct proc procs[] = {
    {"kernel", "/kernel", 0},
    {"WindowServer", "/System/Library/PrivateFrameworks/SkyLight.framework/Versions/A/Resources/WindowServer", 163},
    {"bluetoothd", "/usr/sbin/bluetoothd", 402},
    {"mDNSResponder", "/usr/sbin/mDNSResponder", 221},
    {"amfid", "/usr/libexec/amfid", 412},
    {"sysextd", "/usr/libexec/sysextd", 377},
    {"kernelmanagerd", "/usr/libexec/kernelmanagerd", 118},
    {"mds_stores", "/System/Library/Frameworks/CoreServices.framework/Versions/A/Frameworks/Metadata.framework/Versions/A/Support/mds_stores", 590},
    {"cloudd", "/System/Library/PrivateFrameworks/CloudKitDaemon.framework/Support/cloudd", 702},
    {"runningboardd", "/usr/libexec/runningboardd", 140},
};

/* Everyday noise, by process index; %u is replaced by a number. */
static const char *const noise[][6] = {
    {"DK: AppleUserHIDEventDriver-0x1000%05x::SetPowerState(%u) ack",
     "DK: IOUserServer(com.apple.driverkit.AppleUserHIDDrivers-0x1000%05x)-0x%x::Open ok",
     "IOHIDEventService: client %u opened",
     "AppleThunderboltNHIType3: 0x%x link state changed",
     "IOPCIFamily: [PCIe:0 %u ns] device 0:%u:0 configured",
     "Sandbox: mdworker_shared(%u) deny(1) file-read-data /Users/dev/Library/Mail"},
    {"CGXDisplayDidWakeNotification [%u]: posting kCGSDisplayDidWake",
     "Display 0x%x: mode changed to 1920x1080@60", "Frame rate %u Hz", NULL, NULL, NULL},
    {"Discovery scan stopped", "Device %x: RSSI -%u dBm", "LE scan started (%u)", NULL, NULL, NULL},
    {"Resolved PTR for 10.0.%u.1", "Sleep proxy %u updated", NULL, NULL, NULL, NULL},
    {"/Applications/Xcode.app/Contents/MacOS/Xcode: valid (%u)",
     "Validated signature for pid %u", NULL, NULL, NULL, NULL},
    {"[com.apple.sx:StateChange] extension com.example.driver advancing state from validating to activated_enabled (%u)",
     "[com.apple.sx:XPC] client activation request for com.example.tool%u", NULL, NULL, NULL, NULL},
    {"Found 1 dexts with bundle identifier com.example.driver (%u)",
     "Launching dext com.example.driver com.example.driver 0x1000%05x", NULL, NULL, NULL, NULL},
    {"Indexing batch %u done", "Store 0x%x flushed", NULL, NULL, NULL, NULL},
    {"Fetching changes for zone %u", NULL, NULL, NULL, NULL, NULL},
    {"Acquiring assertion for app<%u>", "Invalidating assertion %x", NULL, NULL, NULL, NULL},
};

/* A healthy dext launch (every 2,000 lines: a driver matching every few
 * seconds of log time, far more often than on a real Mac). */
static const char *const launch[] = {
    "Driver com.example.driver has crashed 0 time(s)",
    "DK: MyDriver-0x1%08x waiting for server com.example.driver-1%08x",
    "DK: MyDriver-0x1%08x::start(IOPCIDevice-0x1%08x) ok",
};

/* One failure sequence (the seed case), with a varying tag and GUID. */
static const char *const failure[][2] = {
    {"kernel", "DK: MyDriver-0x1%08x: provider entitlements check failed"},
    {"kernel", "DK: IOUserServer(com.MyDriver-0x1%08x)::exit(Entitlements check failed)"},
    {"amfid", "Basic requirement validation failed, error: (null)"},
    {"amfid", "/Library/SystemExtensions/9A3F2C1E-4B7D-4E21-8C3A-%012x/com.MyDriver.dext/com.MyDriver signature not valid: -67050"},
};

static long long written; /* bytes emitted: ftell does not work on a pipe */

static void out_putc(int c, FILE *f)
{
    fputc(c, f);
    written++;
}

static void out_puts(const char *s, FILE *f)
{
    fputs(s, f);
    written += (long long)strlen(s);
}

static void out_printf(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(f, fmt, ap);
    va_end(ap);
    written += n > 0 ? n : 0;
}

static int64_t clock_us = INT64_C(1795680000000000); /* 2026-11-27 */

static void timestamp(char *out, size_t n)
{
    clock_us += rnd() % 3000;
    int64_t s = clock_us / 1000000;
    int us = (int)(clock_us % 1000000);
    int64_t days = s / 86400;
    int sod = (int)(s % 86400);
    /* civil from days (Howard Hinnant) */
    int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1), m = (int)(mp < 10 ? mp + 3 : mp - 9);
    int y = (int)(yoe + era * 400 + (m <= 2));
    snprintf(out, n, "%04d-%02d-%02d %02d:%02d:%02d.%06d-0800", y, m, d, sod / 3600, sod / 60 % 60,
             sod % 60, us);
}

static void json_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            out_putc('\\', f), out_putc(*s, f);
        else if (*s == '/')
            out_puts("\\/", f);
        else
            out_putc(*s, f);
    }
}

static void emit(FILE *f, int ndjson, const struct proc *p, const char *msg)
{
    char ts[64];
    timestamp(ts, sizeof ts);
    if (!ndjson) {
        out_printf(f, "%s  localhost %s[%d]: %s\n", ts, p->name, p->pid, msg);
        return;
    }
    out_printf(f, "{\"timezoneName\":\"\",\"messageType\":\"Default\",\"eventType\":\"logEvent\","
               "\"source\":null,\"formatString\":\"%%s\",\"userID\":0,\"activityIdentifier\":0,"
               "\"subsystem\":\"\",\"category\":\"\",\"threadID\":%u,"
               "\"senderImageUUID\":\"080CCAD9-1651-3258-B38F-027B76E7DCFE\",\"backtrace\":"
               "{\"frames\":[{\"imageOffset\":%u,\"imageUUID\":\"080CCAD9-1651-3258-B38F-027B76E7DCFE\"}]},"
               "\"bootUUID\":\"E312ED28-914E-4C3C-9B9E-4926AFCCD890\",\"processImagePath\":\"",
            rnd() % 900000, rnd() % 300000);
    json_escaped(f, p->path);
    out_puts("\",\"senderImagePath\":\"", f);
    json_escaped(f, p->path);
    out_printf(f, "\",\"timestamp\":\"%s\",\"machTimestamp\":%u,\"eventMessage\":\"", ts, rnd());
    json_escaped(f, msg);
    out_printf(f, "\",\"processImageUUID\":\"CBC2F718-53E4-3C8D-BEC7-FB6DDC3318E1\",\"traceID\":%u,"
               "\"processID\":%d,\"senderProgramCounter\":%u,\"parentActivityIdentifier\":0}\n",
            rnd(), p->pid, rnd() % 300000);
}

int main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[1], "syslog") != 0 && strcmp(argv[1], "ndjson") != 0)) {
        fprintf(stderr, "usage: gen syslog|ndjson SIZE_MB [SEED [EVERY]]\n");
        return 2;
    }
    int ndjson = strcmp(argv[1], "ndjson") == 0;
    long long limit = atoll(argv[2]) * 1000000LL;
    rng_state = argc > 3 ? strtoull(argv[3], NULL, 10) | 1 : 0x9e3779b97f4a7c15ULL;
    long long every = argc > 4 ? atoll(argv[4]) : 20000;
    if (every < 1)
        every = 20000;
    static char buf[1 << 20];
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    if (!ndjson)
        out_puts("Timestamp                       (process)[PID]\n", stdout);
    char msg[512];
    long long lines = 0;
    while (written < limit) {
        if (++lines % every == 0) { /* one failure sequence per EVERY lines */
            unsigned tag = rnd();
            for (size_t i = 0; i < sizeof failure / sizeof failure[0]; i++) {
                snprintf(msg, sizeof msg, failure[i][1], tag);
                emit(stdout, ndjson, &procs[failure[i][0][0] == 'k' ? 0 : 4], msg);
            }
            continue;
        }
        if (lines % 2000 == 1000) {
            unsigned tag = rnd();
            for (size_t i = 0; i < sizeof launch / sizeof launch[0]; i++) {
                snprintf(msg, sizeof msg, launch[i], tag, tag);
                emit(stdout, ndjson, &procs[0], msg);
            }
            continue;
        }
        /* kernel lines are about a third of a real log */
        size_t p = rnd() % 3 == 0 ? 0 : 1 + rnd() % (sizeof procs / sizeof procs[0] - 1);
        size_t k = 0;
        while (k < 6 && noise[p][k])
            k++;
        const char *fmt = noise[p][rnd() % k];
        unsigned a = rnd() % 100000;
        snprintf(msg, sizeof msg, fmt, a, a);
        emit(stdout, ndjson, &procs[p], msg);
    }
    if (ndjson)
        printf("{\"count\":%lld,\"finished\":1}\n", lines);
    return 0;
}
