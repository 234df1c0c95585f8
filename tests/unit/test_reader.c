/* test_reader.c - every input style into dw_events, detection, multi-line
 * records, and hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <dirent.h>

#include "reader.h"
#include "util.h"

/* ---- collecting events (copied: event strings die with the callback) ---- */

struct got {
    long line, pid;
    uint64_t tid;
    bool has_tid;
    struct dw_time time;
    char *time_text, *process, *level, *subsystem, *category, *sender, *message, *raw;
    size_t message_len, raw_len;
};

struct run {
    struct got *ev;
    size_t n, cap;
    struct dw_reader_stats st;
    enum dw_style style;
};

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void collect(const struct dw_event *e, void *ctx)
{
    struct run *r = ctx;
    assert_non_null(e->message);
    assert_non_null(e->raw);
    assert_int_equal(strlen(e->message), e->message_len);
    assert_string_equal(e->input, "test");
    xgrow((void **)&r->ev, &r->cap, r->n + 1, sizeof *r->ev);
    struct got *g = &r->ev[r->n++];
    *g = (struct got){.line = e->line, .pid = e->pid, .tid = e->tid, .has_tid = e->has_tid,
                      .time = e->time, .message_len = e->message_len, .raw_len = e->raw_len};
    g->time_text = dup_or_null(e->time_text);
    g->process = dup_or_null(e->process);
    g->level = dup_or_null(e->level);
    g->subsystem = dup_or_null(e->subsystem);
    g->category = dup_or_null(e->category);
    g->sender = dup_or_null(e->sender);
    g->message = xstrndup(e->message, e->message_len);
    g->raw = xstrndup(e->raw, e->raw_len);
}

static void run_free(struct run *r)
{
    for (size_t k = 0; k < r->n; k++) {
        struct got *g = &r->ev[k];
        char *all[] = {g->time_text, g->process, g->level,   g->subsystem,
                       g->category,  g->sender,  g->message, g->raw};
        for (size_t j = 0; j < sizeof all / sizeof all[0]; j++)
            free(all[j]);
    }
    free(r->ev);
    memset(r, 0, sizeof *r);
}

/* Feeds data[0..n) in pieces of `chunk` bytes (0 = all at once) and finishes. */
static struct run feed(enum dw_style style, const char *data, size_t n, size_t chunk)
{
    struct run r = {0};
    struct dw_reader *rd = reader_new("test", style, collect, &r);
    if (chunk == 0)
        chunk = n ? n : 1;
    for (size_t off = 0; off < n; off += chunk)
        reader_feed(rd, data + off, n - off < chunk ? n - off : chunk);
    reader_finish(rd);
    r.st = *reader_stats(rd);
    r.style = reader_style(rd);
    reader_free(rd);
    return r;
}

static struct run feed_str(enum dw_style style, const char *s)
{
    return feed(style, s, strlen(s), 0);
}

static char *slurp(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/logs/%s", DW_SOURCE_DIR, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    struct dw_buf b = {0};
    char tmp[4096];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_append(&b, tmp, k);
    fclose(f);
    *len = b.len;
    return buf_steal(&b);
}

#define assert_str_or_null(a, b)                                                                   \
    do {                                                                                           \
        if ((b) == NULL)                                                                           \
            assert_null(a);                                                                        \
        else                                                                                       \
            assert_string_equal((a), (b));                                                         \
    } while (0)

/* ---- styles ---- */

static void test_default_style(void **state)
{
    (void)state;
    struct run r = feed_str(
        DW_STYLE_AUTO,
        "Timestamp                       Thread     Type        Activity             PID    TTL  \n"
        "2022-02-04 14:39:44.844495-0500 0x1761     Default     0x0                  0      0    "
        "kernel: (AppleMobileFileIntegrity_research) AMFI: code signature validation failed.\n"
        "2023-04-13 03:31:54.896185+0400 0xe38a     Error       0x1a2b               11980  0    "
        "com.apple.audio.Core-Audio-Driver-Service: (roc_vad) [DD] received ping command\n"
        "2024-05-01 10:00:00.000001-0700 0x3f       Default     0x0                  301    0    "
        "sysextd: [com.apple.sx:XPC] client activation request for com.x.driver\n");
    assert_int_equal(r.style, DW_STYLE_DEFAULT);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.st.headers, 1);
    assert_int_equal(r.st.malformed, 0);
    struct got *g = &r.ev[0];
    assert_int_equal(g->line, 2);
    assert_string_equal(g->time_text, "2022-02-04 14:39:44.844495-0500");
    assert_int_equal(g->time.kind, DW_TIME_DATE);
    assert_int_equal(g->time.offset_min, -300);
    assert_int_equal(g->time.us, dw_time_from_civil(2022, 2, 4, 19, 39, 44) + 844495);
    assert_true(g->has_tid);
    assert_int_equal(g->tid, 0x1761);
    assert_string_equal(g->level, "Default");
    assert_int_equal(g->pid, 0);
    assert_string_equal(g->process, "kernel");
    assert_string_equal(g->sender, "AppleMobileFileIntegrity_research");
    assert_null(g->subsystem);
    assert_string_equal(g->message, "AMFI: code signature validation failed.");
    assert_int_equal(g->raw_len, strlen(g->raw));
    assert_memory_equal(g->raw, "2022-02-04 14:39:44", 19);
    g = &r.ev[1];
    assert_int_equal(g->line, 3);
    assert_int_equal(g->tid, 0xe38a);
    assert_int_equal(g->pid, 11980);
    assert_string_equal(g->level, "Error");
    assert_string_equal(g->process, "com.apple.audio.Core-Audio-Driver-Service");
    assert_string_equal(g->sender, "roc_vad");
    assert_null(g->subsystem); /* [DD] has no ':' - part of the message */
    assert_string_equal(g->message, "[DD] received ping command");
    g = &r.ev[2];
    assert_string_equal(g->process, "sysextd");
    assert_null(g->sender);
    assert_string_equal(g->subsystem, "com.apple.sx");
    assert_string_equal(g->category, "XPC");
    assert_string_equal(g->message, "client activation request for com.x.driver");
    run_free(&r);

    /* forum copies collapse the column padding */
    r = feed_str(DW_STYLE_AUTO, "2025-11-14 21:00:43.573730+0900 0x26e9 Default 0x0 0 0 kernel: "
                                "(SampleDriverKitApp.SampleDriverKitDriver.dext) [DEBUG] Driver - "
                                "NewUserClient() - Finished.\n");
    assert_int_equal(r.style, DW_STYLE_DEFAULT);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.ev[0].sender, "SampleDriverKitApp.SampleDriverKitDriver.dext");
    assert_null(r.ev[0].subsystem);
    assert_string_equal(r.ev[0].message, "[DEBUG] Driver - NewUserClient() - Finished.");
    run_free(&r);
}

static void test_default_footer_and_malformed(void **state)
{
    (void)state;
    struct run r = feed_str(
        DW_STYLE_DEFAULT,
        "garbage before the first record\n"
        "2024-01-01 12:00:00.000000-0700 0x1 Default 0x0 0 0 kernel: one\n"
        "2024-01-01 12:00:01.000000-0700 zz Default 0x0 0 0 kernel: bad thread id\n"
        "---------------------------------------------------------------\n"
        "Log      - Default:          2, Info:                0, Debug:             0\n"
        "Activity - Create:           0, Transition:          0, Actions:           0\n"
        "** Processed 2 entries, done. **\n");
    assert_int_equal(r.n, 1);
    assert_string_equal(r.ev[0].message, "one");
    assert_int_equal(r.st.headers, 4);
    assert_int_equal(r.st.malformed, 2);
    assert_int_equal(r.st.first_malformed_line, 1);
    assert_string_equal(r.st.first_malformed_why, "line outside any record");
    assert_int_equal(r.st.lines, 7);
    run_free(&r);
}

static void test_syslog_style(void **state)
{
    (void)state;
    struct run r = feed_str(
        DW_STYLE_AUTO,
        "Filtering the log data using \"process == \"sudo\"\"\n"
        "Timestamp                       (process)[PID]    \n"
        "2023-09-27 22:55:39.622369+0200  localhost legacyScreenSaver[41737]: "
        "(ScreenSaverExample) hello_screensaver void custom(int, const char **)\n"
        "2018-10-24 17:23:33.842651+0200  localhost sudo[2002]:   MacBook_ERNW : 2 incorrect\n"
        "2024-01-01 12:00:00.123456-0700  localhost kernel[0]: (AppleACPIPlatform) [com.a:b c] x\n");
    assert_int_equal(r.style, DW_STYLE_SYSLOG);
    assert_int_equal(r.st.headers, 2);
    assert_int_equal(r.n, 3);
    struct got *g = &r.ev[0];
    assert_int_equal(g->line, 3);
    assert_string_equal(g->process, "legacyScreenSaver");
    assert_int_equal(g->pid, 41737);
    assert_false(g->has_tid);
    assert_null(g->level);
    assert_string_equal(g->sender, "ScreenSaverExample");
    assert_string_equal(g->message, "hello_screensaver void custom(int, const char **)");
    assert_int_equal(g->time.offset_min, 120);
    g = &r.ev[1];
    assert_string_equal(g->process, "sudo");
    assert_null(g->sender);
    assert_string_equal(g->message, "  MacBook_ERNW : 2 incorrect");
    g = &r.ev[2];
    assert_string_equal(g->process, "kernel");
    assert_int_equal(g->pid, 0);
    assert_string_equal(g->sender, "AppleACPIPlatform");
    assert_string_equal(g->subsystem, "com.a");
    assert_string_equal(g->category, "b c");
    assert_string_equal(g->message, "x");
    run_free(&r);
}

static void test_compact_style(void **state)
{
    (void)state;
    struct run r = feed_str(DW_STYLE_AUTO,
                            "Timestamp               Ty Process[PID:TID]\n"
                            "2022-11-14 13:21:14.972 Df My App[59972:780a15] Configure argc/argv...\n"
                            "2022-11-14 13:21:15.341 Df My App[59972:780a15] (libffi.dylib) Hello World!\n"
                            "2022-11-14 13:21:15.400 E  kernel[0:389f] DK: x-0x1:UC entitlements check failed\n"
                            "2022-11-14 13:21:15.500 Fa sysextd[301:2a] [com.apple.sx:XPC] boom\n"
                            "2022-11-14 13:21:15.600 Qq odd[1:1] kept\n");
    assert_int_equal(r.style, DW_STYLE_COMPACT);
    assert_int_equal(r.n, 5);
    struct got *g = &r.ev[0];
    assert_string_equal(g->process, "My App");
    assert_int_equal(g->pid, 59972);
    assert_true(g->has_tid);
    assert_int_equal(g->tid, 0x780a15);
    assert_string_equal(g->level, "Default");
    assert_false(g->time.has_offset);
    assert_int_equal(g->time.frac_digits, 3);
    assert_string_equal(g->message, "Configure argc/argv...");
    assert_string_equal(r.ev[1].sender, "libffi.dylib");
    assert_string_equal(r.ev[1].message, "Hello World!");
    assert_string_equal(r.ev[2].level, "Error");
    assert_string_equal(r.ev[2].process, "kernel");
    assert_int_equal(r.ev[2].tid, 0x389f);
    assert_string_equal(r.ev[2].message, "DK: x-0x1:UC entitlements check failed");
    assert_string_equal(r.ev[3].level, "Fault");
    assert_string_equal(r.ev[3].subsystem, "com.apple.sx");
    assert_string_equal(r.ev[4].level, "Qq");
    run_free(&r);
}

static const char json_sample[] =
    "[{\n"
    "  \"timezoneName\" : \"\",\n"
    "  \"messageType\" : \"Default\",\n"
    "  \"eventType\" : \"logEvent\",\n"
    "  \"formatString\" : \"hfs: mounted %s on device %s\\n\",\n"
    "  \"subsystem\" : \"\",\n"
    "  \"category\" : \"\",\n"
    "  \"threadID\" : 597794,\n"
    "  \"backtrace\" : {\n"
    "    \"frames\" : [\n"
    "      {\n"
    "        \"imageOffset\" : 215404,\n"
    "        \"imageUUID\" : \"080CCAD9-1651-3258-B38F-027B76E7DCFE\"\n"
    "      }\n"
    "    ]\n"
    "  },\n"
    "  \"processImagePath\" : \"\\/kernel\",\n"
    "  \"senderImagePath\" : \"\\/System\\/Library\\/Extensions\\/HFS.kext\\/Contents\\/MacOS\\/HFS\",\n"
    "  \"timestamp\" : \"2025-07-27 15:31:22.695081-0400\",\n"
    "  \"eventMessage\" : \"hfs: mounted {Firefox} on device \\\"disk4s3\\\" ]}\",\n"
    "  \"processID\" : 0\n"
    "},{\n"
    "  \"eventMessage\" : \"second\",\n"
    "  \"processID\" : 73362,\n"
    "  \"processImagePath\" : \"\\/usr\\/sbin\\/coreaudiod\",\n"
    "  \"subsystem\" : \"com.apple.bluetooth\",\n"
    "  \"category\" : \"BTAudio\",\n"
    "  \"messageType\" : \"Error\"\n"
    "},\n"
    "{\n"
    "  \"eventType\" : \"activityCreateEvent\",\n"
    "  \"timestamp\" : \"2025-07-27 15:31:22.695081-0400\"\n"
    "}]\n";

static void test_json_style(void **state)
{
    (void)state;
    struct run r = feed_str(DW_STYLE_AUTO, json_sample);
    assert_int_equal(r.style, DW_STYLE_JSON);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.st.headers, 1); /* the activity record without a message */
    assert_int_equal(r.st.malformed, 0);
    struct got *g = &r.ev[0];
    assert_int_equal(g->line, 1);
    assert_string_equal(g->process, "kernel");
    assert_int_equal(g->pid, 0);
    assert_true(g->has_tid);
    assert_int_equal(g->tid, 597794);
    assert_string_equal(g->level, "Default");
    assert_null(g->subsystem);
    assert_null(g->category);
    assert_string_equal(g->sender, "/System/Library/Extensions/HFS.kext/Contents/MacOS/HFS");
    assert_string_equal(g->message, "hfs: mounted {Firefox} on device \"disk4s3\" ]}");
    assert_string_equal(g->time_text, "2025-07-27 15:31:22.695081-0400");
    assert_int_equal(g->time.offset_min, -240);
    assert_true(g->raw[0] == '{' && g->raw[g->raw_len - 1] == '}');
    g = &r.ev[1];
    assert_int_equal(g->line, 22);
    assert_string_equal(g->process, "coreaudiod");
    assert_int_equal(g->pid, 73362);
    assert_false(g->has_tid);
    assert_int_equal(g->time.kind, DW_TIME_NONE);
    assert_null(g->time_text);
    assert_string_equal(g->subsystem, "com.apple.bluetooth");
    assert_string_equal(g->category, "BTAudio");
    assert_string_equal(g->level, "Error");
    run_free(&r);
}

static void test_ndjson_style(void **state)
{
    (void)state;
    struct run r = feed_str(
        DW_STYLE_AUTO,
        "Filtering the log data using \"process == \\\"biometrickitd\\\"\"\n"
        "{\"timezoneName\":\"\",\"messageType\":\"Default\",\"eventType\":\"logEvent\",\"subsystem\":"
        "\"com.apple.bluetooth\",\"category\":\"BTAudio\",\"processImagePath\":\"\\/usr\\/sbin\\/"
        "coreaudiod\",\"senderImagePath\":\"\\/S\\/BTAudioHALPlugin\",\"timestamp\":\"2026-10-07 "
        "10:19:55.713745+0800\",\"eventMessage\":\"Volume update\",\"processID\":342,"
        "\"threadID\":848669}\n"
        "{\"timestamp\":\"2024-01-01 12:00:00.123456-0700\",\"eventMessage\":\"Test message\","
        "\"messageType\":\"Error\",\"subsystem\":\"com.test\"}\n"
        "not json at all\n"
        "{\"eventMessage\": \"truncated\n"
        "[1,2]\n"
        "{\"count\":540659,\"finished\":1}\n");
    assert_int_equal(r.style, DW_STYLE_NDJSON);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.st.headers, 2);
    assert_int_equal(r.st.malformed, 3);
    assert_int_equal(r.st.first_malformed_line, 4);
    assert_string_equal(r.st.first_malformed_why, "ndjson line is not a JSON object");
    struct got *g = &r.ev[0];
    assert_int_equal(g->line, 2);
    assert_string_equal(g->process, "coreaudiod");
    assert_int_equal(g->pid, 342);
    assert_int_equal(g->tid, 848669);
    assert_string_equal(g->sender, "/S/BTAudioHALPlugin");
    assert_string_equal(g->subsystem, "com.apple.bluetooth");
    assert_string_equal(g->category, "BTAudio");
    assert_int_equal(g->time.offset_min, 480);
    assert_string_equal(g->message, "Volume update");
    g = &r.ev[1];
    assert_int_equal(g->line, 3);
    assert_null(g->process);
    assert_int_equal(g->pid, -1);
    assert_string_equal(g->subsystem, "com.test");
    assert_null(g->category);
    run_free(&r);
}

static void test_plain_style(void **state)
{
    (void)state;
    struct run r = feed_str(
        DW_STYLE_PLAIN,
        "kernel: (com.MyDriver.dext) Kernel requested exit (Entitlements check failed)\n"
        "amfid: [com.apple.MobileFileIntegrity:amfid] Basic requirement validation failed, "
        "error: (null)\n"
        "kernel: (Entitlements check failed) is a message\n"
        "[  389.898111]: DK: SmiPcie-0x100000d56: provider entitlements check failed\n"
        "kernel[0:389f] DK: VSPUserClient-0x100001127:UC entitlements check failed\n"
        "default\t2024-01-10 14:36:03.306514 -0800\tkernel\tAMFI: bailing out.\n"
        "default 16:52:31.551867-0500 kernel /L/x.dext/x[15788] ==> com.apple.dext\n"
        "16:52:31.551867-0500 taskgated-helper: x: Unsatisfied entitlements: a, b\n"
        "DK: MyDriver-0x100000f45: provider entitlements check failed\n"
        "Code has restricted entitlements, but the validation of its code signature failed.\n"
        "taskgated-helper[1409]: hello\n"
        "amfid(libmis.dylib)[444]: hi\n"
        "kernel\tAMFI: code signature validation failed.\n");
    assert_int_equal(r.n, 13);
    assert_int_equal(r.st.malformed, 0);
    struct got *g = r.ev;
    assert_string_equal(g[0].process, "kernel");
    assert_string_equal(g[0].sender, "com.MyDriver.dext");
    assert_string_equal(g[0].message, "Kernel requested exit (Entitlements check failed)");
    assert_int_equal(g[0].time.kind, DW_TIME_NONE);
    assert_int_equal(g[0].pid, -1);
    assert_string_equal(g[1].process, "amfid");
    assert_null(g[1].sender);
    assert_string_equal(g[1].subsystem, "com.apple.MobileFileIntegrity");
    assert_string_equal(g[1].category, "amfid");
    assert_string_equal(g[1].message, "Basic requirement validation failed, error: (null)");
    assert_null(g[2].sender);
    assert_string_equal(g[2].message, "(Entitlements check failed) is a message");
    assert_string_equal(g[3].process, "kernel");
    assert_int_equal(g[3].time.kind, DW_TIME_UPTIME);
    assert_int_equal(g[3].time.us, 389898111);
    assert_string_equal(g[3].message, "DK: SmiPcie-0x100000d56: provider entitlements check failed");
    assert_string_equal(g[4].process, "kernel");
    assert_int_equal(g[4].pid, 0);
    assert_int_equal(g[4].tid, 0x389f);
    assert_string_equal(g[4].message, "DK: VSPUserClient-0x100001127:UC entitlements check failed");
    assert_string_equal(g[5].level, "Default");
    assert_string_equal(g[5].process, "kernel");
    assert_string_equal(g[5].time_text, "2024-01-10 14:36:03.306514 -0800");
    assert_int_equal(g[5].time.offset_min, -480);
    assert_string_equal(g[5].message, "AMFI: bailing out.");
    assert_string_equal(g[6].process, "kernel");
    assert_int_equal(g[6].time.kind, DW_TIME_CLOCK);
    assert_string_equal(g[6].message, "/L/x.dext/x[15788] ==> com.apple.dext");
    assert_string_equal(g[7].process, "taskgated-helper");
    assert_int_equal(g[7].time.kind, DW_TIME_CLOCK);
    assert_string_equal(g[7].message, "x: Unsatisfied entitlements: a, b");
    assert_null(g[8].process); /* DK: is a message prefix, not a process */
    assert_string_equal(g[8].message, "DK: MyDriver-0x100000f45: provider entitlements check failed");
    assert_null(g[9].process);
    assert_string_equal(g[9].message,
                        "Code has restricted entitlements, but the validation of its code "
                        "signature failed.");
    assert_string_equal(g[10].process, "taskgated-helper");
    assert_int_equal(g[10].pid, 1409);
    assert_string_equal(g[10].message, "hello");
    assert_string_equal(g[11].process, "amfid");
    assert_string_equal(g[11].sender, "libmis.dylib");
    assert_int_equal(g[11].pid, 444);
    assert_string_equal(g[12].process, "kernel");
    assert_string_equal(g[12].message, "AMFI: code signature validation failed.");
    for (size_t k = 0; k < r.n; k++)
        assert_int_equal(g[k].line, (long)k + 1);
    run_free(&r);
}

static void test_bsd_style(void **state)
{
    (void)state;
    struct run r = feed_str(DW_STYLE_AUTO,
                            "Jan 22 16:39:16 CoolStars-iPad-Air-2 amfid(libmis.dylib)[444] <Notice>: "
                            "Failure creating static code: -67049\n"
                            "Jan  2 06:00:01 host kernel[0]: Sandbox: deny(1)\n");
    assert_int_equal(r.style, DW_STYLE_BSD);
    assert_int_equal(r.n, 2);
    struct got *g = &r.ev[0];
    assert_string_equal(g->process, "amfid");
    assert_string_equal(g->sender, "libmis.dylib");
    assert_int_equal(g->pid, 444);
    assert_string_equal(g->level, "Notice");
    assert_string_equal(g->message, "Failure creating static code: -67049");
    assert_string_equal(g->time_text, "Jan 22 16:39:16");
    assert_int_equal(g->time.kind, DW_TIME_DATE);
    assert_false(g->time.has_offset);
    /* no year in the line: the current year is assumed */
    char iso[DW_TIME_ISO_MAX];
    assert_true(dw_time_format(&g->time, iso));
    assert_string_equal(iso + 4, "-01-22T16:39:16");
    int year = (int)strtol(iso, NULL, 10);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    assert_int_equal(year, tm.tm_year + 1900);
    int64_t secs_in_year = g->time.us - dw_time_from_civil(year, 1, 1, 0, 0, 0);
    assert_int_equal(secs_in_year, dw_time_from_civil(1970, 1, 22, 16, 39, 16));
    assert_string_equal(r.ev[1].process, "kernel");
    assert_null(r.ev[1].level);
    assert_string_equal(r.ev[1].message, "Sandbox: deny(1)");
    run_free(&r);
}

/* ---- pastes seen in the wild (plain) ---- */

static void test_console_variants(void **state)
{
    (void)state;
    struct run r = feed_str(
        DW_STYLE_AUTO,
        "default\t14:36:03.306514-0800\tsysextd\tcom.apple.sx\tXPC\tclient activation request\n"
        "Error\t2024-01-10 14:36:03.306514 -0800\tkernel\t\t\tDK: x-0x1: provider entitlements check failed\n"
        "14:36:03.306514-0800\tamfid\tcom.apple.MobileFileIntegrity\tamfid\tBasic requirement validation failed\n"
        "default 2024-01-10 14:36:03.306514 -0800  kernel  DK: spaced\n"
        "kernel DK: mydrv-0x100010a85 waiting for server com.x-100010a85\n"
        "kernel\tmessage\twith a tab\n");
    assert_int_equal(r.style, DW_STYLE_PLAIN);
    assert_int_equal(r.n, 6);
    struct got *g = r.ev;
    assert_string_equal(g[0].level, "Default");
    assert_int_equal(g[0].time.kind, DW_TIME_CLOCK);
    assert_string_equal(g[0].process, "sysextd");
    assert_string_equal(g[0].subsystem, "com.apple.sx");
    assert_string_equal(g[0].category, "XPC");
    assert_string_equal(g[0].message, "client activation request");
    assert_string_equal(g[1].level, "Error");
    assert_int_equal(g[1].time.kind, DW_TIME_DATE);
    assert_string_equal(g[1].process, "kernel");
    assert_null(g[1].subsystem);
    assert_null(g[1].category);
    assert_string_equal(g[1].message, "DK: x-0x1: provider entitlements check failed");
    assert_null(g[2].level);
    assert_string_equal(g[2].process, "amfid");
    assert_string_equal(g[2].subsystem, "com.apple.MobileFileIntegrity");
    assert_string_equal(g[2].message, "Basic requirement validation failed");
    assert_string_equal(g[3].process, "kernel");
    assert_string_equal(g[3].time_text, "2024-01-10 14:36:03.306514 -0800");
    assert_string_equal(g[3].message, "DK: spaced");
    assert_string_equal(g[4].process, "kernel");
    assert_string_equal(g[4].message, "DK: mydrv-0x100010a85 waiting for server com.x-100010a85");
    assert_string_equal(g[5].process, "kernel");
    assert_null(g[5].subsystem); /* `message` has no dot: not a subsystem column */
    assert_string_equal(g[5].message, "message\twith a tab");
    for (size_t k = 0; k < r.n; k++)
        assert_int_equal(g[k].line, (long)k + 1);
    run_free(&r);
}

static void test_dmesg_and_cut_times(void **state)
{
    (void)state;
    struct run r = feed_str(DW_STYLE_AUTO,
                            "[  389.898111]: DK: SmiPcie-0x100000d56: provider entitlements check failed\n"
                            "[  389.898120] DK: IOUserServer(com.x-0x100000d56)::exit(Entitlements check failed)\n"
                            "[12.5] x\n"
                            "14:36:03.306 kernel: DK: a\n"
                            "14:36:03 amfid: b\n"
                            "14:36:03.306514-0800 taskgated-helper: c\n");
    assert_int_equal(r.style, DW_STYLE_PLAIN);
    assert_int_equal(r.n, 6);
    struct got *g = r.ev;
    for (int k = 0; k < 3; k++) {
        assert_int_equal(g[k].time.kind, DW_TIME_UPTIME);
        assert_string_equal(g[k].process, "kernel");
        assert_int_equal(g[k].pid, -1);
    }
    assert_int_equal(g[1].time.us, 389898120);
    assert_string_equal(g[1].time_text, "[  389.898120]");
    assert_string_equal(g[1].message, "DK: IOUserServer(com.x-0x100000d56)::exit(Entitlements check failed)");
    assert_int_equal(g[2].time.us, 12500000);
    assert_string_equal(g[2].message, "x");
    for (int k = 3; k < 6; k++)
        assert_int_equal(g[k].time.kind, DW_TIME_CLOCK);
    assert_int_equal(g[3].time.us, dw_time_from_civil(1970, 1, 1, 14, 36, 3) + 306000);
    assert_string_equal(g[3].process, "kernel");
    assert_string_equal(g[3].message, "DK: a");
    assert_string_equal(g[4].process, "amfid");
    assert_int_equal(g[4].time.frac_digits, 0);
    assert_string_equal(g[5].process, "taskgated-helper");
    assert_true(g[5].time.has_offset);
    run_free(&r);
}

static void test_nslog(void **state)
{
    (void)state;
    struct run r = feed_str(DW_STYLE_AUTO,
                            "2024-01-10 14:36:03.306 MyApp[1234:56789] Activation failed: Error\n"
                            "2024-01-10 14:36:03.306512-0800 My App[1234:a1b2c] hex tid\n"
                            "2024-01-10 14:36:03.307 My App[1234:0x10] explicit hex\n"
                            "2024-01-10 14:36:03.308 Df kernel[0:389f] compact still\n"
                            "2024-01-10 14:36:03.309 MyApp[77:1]\n");
    assert_int_equal(r.style, DW_STYLE_PLAIN);
    assert_int_equal(r.n, 5);
    struct got *g = r.ev;
    assert_string_equal(g[0].process, "MyApp");
    assert_int_equal(g[0].pid, 1234);
    assert_true(g[0].has_tid);
    assert_int_equal(g[0].tid, 56789);
    assert_int_equal(g[0].time.kind, DW_TIME_DATE);
    assert_int_equal(g[0].time.frac_digits, 3);
    assert_string_equal(g[0].time_text, "2024-01-10 14:36:03.306");
    assert_null(g[0].level);
    assert_string_equal(g[0].message, "Activation failed: Error");
    assert_string_equal(g[1].process, "My App");
    assert_int_equal(g[1].tid, 0xa1b2c);
    assert_int_equal(g[1].time.offset_min, -480);
    assert_string_equal(g[2].process, "My App");
    assert_int_equal(g[2].tid, 0x10);
    assert_string_equal(g[3].process, "kernel");
    assert_string_equal(g[3].level, "Default");
    assert_int_equal(g[3].tid, 0x389f);
    assert_string_equal(g[4].process, "MyApp");
    assert_int_equal(g[4].pid, 77);
    assert_string_equal(g[4].message, "");
    run_free(&r);
}

static void test_sysext_list(void **state)
{
    (void)state;
    struct run r = feed_str(
        DW_STYLE_AUTO,
        "2 extension(s)\n"
        "--- com.apple.system_extension.driver_extension\n"
        "enabled\tactive\tteamID\tbundleID (version)\tname\t[state]\n"
        "*\t*\tABCDE12345\tcom.example.driver (1.0/1)\tMyDriver\t[activated enabled]\n"
        "\t\tABCDE12345\tcom.example.driver (1.1/2)\tMy Driver\t[terminated waiting to uninstall on reboot]\n"
        "*       ABCDE12345      com.example.other (2.0/7)       Other (beta)    [activated waiting for user]\n"
        "enabled active teamID bundleID (version) name [state]\n"
        "systemextensionsctl: *\t*\tABCDE12345\tcom.x.y (1/1)\tY\t[validating by category]\n"
        "* - - com.x.z (1/1) Z [activated enabled]\n");
    assert_int_equal(r.style, DW_STYLE_PLAIN);
    assert_int_equal(r.st.headers, 4);
    assert_int_equal(r.st.malformed, 0);
    assert_int_equal(r.n, 5);
    struct got *g = r.ev;
    for (size_t k = 0; k < r.n; k++) {
        assert_string_equal(g[k].process, "systemextensionsctl");
        assert_int_equal(g[k].time.kind, DW_TIME_NONE);
    }
    assert_int_equal(g[0].line, 4);
    assert_string_equal(g[0].message,
                        "* * ABCDE12345 com.example.driver (1.0/1) MyDriver [activated enabled]");
    assert_int_equal(g[1].line, 5);
    assert_string_equal(g[1].message, "- - ABCDE12345 com.example.driver (1.1/2) My Driver "
                                      "[terminated waiting to uninstall on reboot]");
    assert_string_equal(g[2].message, "* - ABCDE12345 com.example.other (2.0/7) Other (beta) "
                                      "[activated waiting for user]");
    assert_int_equal(g[3].line, 8);
    assert_string_equal(g[3].message, "* * ABCDE12345 com.x.y (1/1) Y [validating by category]");
    assert_string_equal(g[4].message, "* - - com.x.z (1/1) Z [activated enabled]");
    run_free(&r);
}

static void test_nserror_blocks(void **state)
{
    (void)state;
    struct run r = feed_str(
        DW_STYLE_AUTO,
        "Executing: /usr/bin/kmutil load -p /Library/Extensions/Foo.kext\n"
        "Error Domain=KMErrorDomain Code=71 \"Kernel request failed: (libkern/kext) not loadable "
        "(reason unspecified) (-603946985)\" UserInfo={NSLocalizedDescription=Kernel request failed}\n"
        "Error Domain=KMErrorDomain Code=1 \"Error occurred while building a collection: \n"
        "\t1: One or more binaries has an error which prevented linking.\n"
        "com.example.foo specific: \n"
        "\n"
        "\" UserInfo={NSLocalizedDescription=Error occurred while building a collection: \n"
        "com.example.foo specific: \n"
        "}\n"
        "amfid: /L/com.x.dext/com.x not valid: Error Domain=AppleMobileFileIntegrityError Code=-413 "
        "\"No matching profile found\" UserInfo={unsatisfiedEntitlements=<CFArray 0x7f9>{(\n"
        "    \"com.apple.developer.driverkit.transport.pci\"\n"
        ")}, NSLocalizedDescription=No matching profile found}\n"
        "kernel: after\n");
    assert_int_equal(r.n, 5);
    struct got *g = r.ev;
    assert_null(g[0].process);
    assert_string_equal(g[0].message, "Executing: /usr/bin/kmutil load -p /Library/Extensions/Foo.kext");
    assert_string_equal(g[1].process, "kmutil");
    assert_int_equal(g[1].line, 2);
    assert_string_equal(g[2].process, "kmutil");
    assert_int_equal(g[2].line, 3);
    assert_non_null(strstr(g[2].message, "com.example.foo specific: \n\n\" UserInfo="));
    assert_int_equal(g[2].message[g[2].message_len - 1], '}');
    assert_string_equal(g[3].process, "amfid");
    assert_int_equal(g[3].line, 10);
    assert_non_null(strstr(g[3].message, ")}, NSLocalizedDescription=No matching profile found}"));
    assert_int_equal(g[4].line, 13);
    assert_string_equal(g[4].message, "after");
    run_free(&r);

    /* a quote that never closes holds at most 64 lines */
    struct dw_buf b = {0};
    buf_puts(&b, "Error Domain=X Code=1 \"open\n");
    for (int k = 0; k < 100; k++)
        buf_puts(&b, "kernel: line\n");
    r = feed(DW_STYLE_PLAIN, b.data, b.len, 0);
    assert_int_equal(r.n, 1 + 100 - 64);
    assert_int_equal(r.ev[1].line, 66);
    run_free(&r);
    buf_free(&b);
}

static void test_kextutil_diagnostics(void **state)
{
    (void)state;
    struct run r = feed_str(DW_STYLE_AUTO,
                            "Defaulting to kernel file '/System/Library/Kernels/kernel'\n"
                            "Diagnostics for /Library/Extensions/Foo.kext:\n"
                            "Authentication Failures:\n"
                            "\tFile owner/permissions are incorrect (must be root:wheel):\n"
                            "\t\t/Library/Extensions/Foo.kext\n"
                            "\n"
                            "Code Signing Failure: not code signed\n"
                            "Untrusted kexts are not allowed\n");
    assert_int_equal(r.style, DW_STYLE_PLAIN);
    assert_int_equal(r.n, 3);
    struct got *g = &r.ev[1];
    assert_int_equal(g->line, 2);
    assert_string_equal(g->process, "kextutil");
    assert_string_equal(g->sender, "/Library/Extensions/Foo.kext");
    assert_string_equal(g->message, "Diagnostics for /Library/Extensions/Foo.kext:\n"
                                    "Authentication Failures:\n"
                                    "\tFile owner/permissions are incorrect (must be root:wheel):\n"
                                    "\t\t/Library/Extensions/Foo.kext\n"
                                    "\n"
                                    "Code Signing Failure: not code signed");
    assert_int_equal(r.ev[2].line, 8);
    assert_null(r.ev[2].process);
    run_free(&r);
}

static const char crash_text[] =
    "Translated Report (Full Report Below)\n"
    "\n"
    "Incident Identifier: 5E1A2B3C-1111-2222-3333-444455556666\n"
    "Hardware Model:      Mac14,2\n"
    "Process:             com.example.driver [1234]\n"
    "Path:                /Library/SystemExtensions/9A3F/com.example.driver.dext/com.example.driver\n"
    "Parent Process:      launchd [1]\n"
    "\n"
    "Date/Time:           2024-01-10 14:36:03.3060 -0800\n"
    "Time Awake Since Boot: 7000 seconds\n"
    "Crashed Thread:      0\n"
    "\n"
    "Exception Type:      EXC_CRASH (SIGKILL (Code Signature Invalid))\n"
    "Exception Codes:     0x0000000000000000, 0x0000000000000000\n"
    "Termination Reason:  Namespace CODESIGNING, Code 1 Taskgated Invalid Signature\n"
    "\n"
    "Thread 0 Crashed:\n"
    "0   dyld                          \t       0x1a2b3c4d0 _dyld_start + 0\n"
    "\n"
    "Binary Images:\n"
    "       0x1a2b30000 -        0x1a2bbffff dyld (*) <UUID> /usr/lib/dyld\n"
    "Process:             other [9]\n"
    "Exception Type:  EXC_BAD_ACCESS (SIGSEGV)\n"
    "kernel: DK: next\n"
    "Exception Type:  EXC_CRASH (SIGABRT)\n"
    "Termination Reason: Namespace DYLD, Code 1 Library missing\n";

static void test_crash_reports(void **state)
{
    (void)state;
    struct run r = feed_str(DW_STYLE_AUTO, crash_text);
    assert_int_equal(r.style, DW_STYLE_PLAIN);
    assert_int_equal(r.st.headers, 1);
    assert_int_equal(r.n, 4);
    struct got *g = r.ev;
    assert_int_equal(g[0].line, 3);
    assert_string_equal(g[0].process, "com.example.driver");
    assert_int_equal(g[0].pid, 1234);
    assert_string_equal(g[0].sender,
                        "/Library/SystemExtensions/9A3F/com.example.driver.dext/com.example.driver");
    assert_int_equal(g[0].time.kind, DW_TIME_DATE);
    assert_string_equal(g[0].time_text, "2024-01-10 14:36:03.3060 -0800");
    assert_string_equal(g[0].message, "Exception Type: EXC_CRASH (SIGKILL (Code Signature Invalid)); "
                                      "Termination Reason: Namespace CODESIGNING, Code 1 Taskgated "
                                      "Invalid Signature");
    assert_int_equal(g[1].line, 22);
    assert_string_equal(g[1].process, "other");
    assert_int_equal(g[1].pid, 9);
    assert_string_equal(g[1].message, "Exception Type: EXC_BAD_ACCESS (SIGSEGV)");
    assert_string_equal(g[2].process, "kernel");
    assert_int_equal(g[3].line, 25);
    assert_null(g[3].process);
    assert_string_equal(g[3].message, "Exception Type: EXC_CRASH (SIGABRT); Termination Reason: "
                                      "Namespace DYLD, Code 1 Library missing");
    run_free(&r);
}

static void test_crash_report_ips(void **state)
{
    (void)state;
    struct run r = feed_str(
        DW_STYLE_AUTO,
        "{\"app_name\":\"com.example.driver\",\"bug_type\":\"309\",\"name\":\"com.example.driver\"}\n"
        "{\n"
        "  \"captureTime\" : \"2024-01-10 14:36:03.3060 -0800\",\n"
        "  \"pid\" : 1234,\n"
        "  \"procName\" : \"com.example.driver\",\n"
        "  \"procPath\" : \"\\/Library\\/SystemExtensions\\/9A3F\\/com.example.driver.dext\\/com.example.driver\",\n"
        "  \"exception\" : {\"type\":\"EXC_CRASH\",\"signal\":\"SIGKILL (Code Signature Invalid)\"},\n"
        "  \"termination\" : {\"code\":1,\"namespace\":\"CODESIGNING\",\"indicator\":\"Taskgated Invalid Signature\"},\n"
        "  \"threads\" : [{\"frames\":[{\"symbol\":\"}\"}]}]\n"
        "}\n"
        "{\"eventMessage\":\"after\"}\n");
    assert_int_equal(r.style, DW_STYLE_NDJSON);
    assert_int_equal(r.st.headers, 1);
    assert_int_equal(r.st.malformed, 0);
    assert_int_equal(r.n, 2);
    struct got *g = r.ev;
    assert_int_equal(g[0].line, 2);
    assert_string_equal(g[0].process, "com.example.driver");
    assert_int_equal(g[0].pid, 1234);
    assert_string_equal(g[0].sender,
                        "/Library/SystemExtensions/9A3F/com.example.driver.dext/com.example.driver");
    assert_int_equal(g[0].time.kind, DW_TIME_DATE);
    assert_string_equal(g[0].message, "Exception Type: EXC_CRASH (SIGKILL (Code Signature Invalid)); "
                                      "Termination Reason: Namespace CODESIGNING, Code 1 Taskgated "
                                      "Invalid Signature");
    assert_string_equal(g[1].message, "after");
    assert_int_equal(g[1].line, 11);
    run_free(&r);
    /* a body cut short: counted, not emitted */
    r = feed_str(DW_STYLE_NDJSON, "{\n  \"procName\" : \"x\",\n");
    assert_int_equal(r.n, 0);
    assert_int_equal(r.st.malformed, 1);
    run_free(&r);
}

static void test_source_and_indent(void **state)
{
    (void)state;
    struct run r = feed_str(
        DW_STYLE_PLAIN,
        "2024-01-10 14:36:03.306514-0800 0x1 Default 0x0 0 0 kernel: (IOUserServer) "
        "<IOKit`IOUserServer::exit + 12> DK: x-0x3: provider entitlements check failed\n"
        "kernel: <private> entitlement check failed\n"
        "amfid: <amfid.c:42> [com.apple.MobileFileIntegrity:amfid] Basic requirement validation failed\n"
        "\n"
        "    kernel: a markdown code block\n"
        "    kernel: keeps one record per line\n"
        "        which a deeper line continues\n"
        "            WindowServer: but not a deeper record\n");
    assert_int_equal(r.n, 6);
    struct got *g = r.ev;
    assert_string_equal(g[0].sender, "IOUserServer");
    assert_string_equal(g[0].message, "DK: x-0x3: provider entitlements check failed");
    assert_string_equal(g[1].message, "<private> entitlement check failed");
    assert_string_equal(g[2].subsystem, "com.apple.MobileFileIntegrity");
    assert_string_equal(g[2].message, "Basic requirement validation failed");
    assert_string_equal(g[3].process, "kernel");
    assert_int_equal(g[3].line, 5);
    assert_string_equal(g[4].message, "keeps one record per line\n        which a deeper line continues");
    assert_string_equal(g[5].process, "WindowServer");
    assert_int_equal(g[5].line, 8);
    run_free(&r);
}

/* ---- detection ---- */

static const struct {
    const char *file;
    enum dw_style style;
    size_t records, headers;
} seed_files[] = {
    {"seed.default.log", DW_STYLE_DEFAULT, 9, 4}, {"seed.syslog.log", DW_STYLE_SYSLOG, 9, 2},
    {"seed.compact.log", DW_STYLE_COMPACT, 9, 1}, {"seed.json.log", DW_STYLE_JSON, 9, 0},
    {"seed.ndjson.log", DW_STYLE_NDJSON, 9, 1},   {"seed.plain.log", DW_STYLE_PLAIN, 5, 0},
    {"seed.bsd.log", DW_STYLE_BSD, 9, 0},         {"seed.console.log", DW_STYLE_PLAIN, 9, 0},
};

/* Every seed file: detected, complete, and holding the five seed events. */
static void test_detect_seed_files(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof seed_files / sizeof seed_files[0]; k++) {
        size_t len;
        char *data = slurp(seed_files[k].file, &len);
        struct run r = feed(DW_STYLE_AUTO, data, len, 0);
        print_message("%s\n", seed_files[k].file);
        assert_int_equal(r.style, seed_files[k].style);
        assert_int_equal(r.n, seed_files[k].records);
        assert_int_equal(r.st.headers, seed_files[k].headers);
        assert_int_equal(r.st.malformed, 0);
        assert_int_equal(r.st.oversized, 0);
        size_t seen = 0;
        for (size_t j = 0; j < r.n; j++) {
            struct got *g = &r.ev[j];
            if (strstr(g->message, "provider entitlements check failed")) {
                assert_string_equal(g->process, "kernel");
                seen |= 1;
            } else if (strcmp(g->message, "Kernel requested exit (Entitlements check failed)") == 0) {
                assert_string_equal(g->process, "kernel");
                if (strcmp(seed_files[k].file, "seed.console.log") != 0) /* no sender column */
                    assert_non_null(g->sender);
                seen |= 2;
            } else if (strcmp(g->message, "Basic requirement validation failed, error: (null)") == 0) {
                assert_string_equal(g->process, "amfid");
                seen |= 4;
            } else if (strstr(g->message, "signature not valid: -67050")) {
                assert_string_equal(g->process, "amfid");
                seen |= 8;
            } else if (strstr(g->message, "::exit(Entitlements check failed)")) {
                seen |= 16;
            }
            if (g->time.kind == DW_TIME_DATE && (g->time.has_offset || k != 6)) {
                /* local 10:14:02..04 at -0800; compact has no offset (wall clock as UTC) */
                int hour = g->time.has_offset ? 18 : 10;
                assert_true(g->time.us >= dw_time_from_civil(2026, 11, 20, hour, 14, 2));
                assert_true(g->time.us < dw_time_from_civil(2026, 11, 20, hour, 14, 4));
            }
        }
        assert_int_equal(seen, 31);
        run_free(&r);
        free(data);
    }
}

static void test_detect_line(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        enum dw_style want;
    } cases[] = {
        {"", DW_STYLE_AUTO},
        {"   ", DW_STYLE_AUTO},
        {"Filtering the log data using \"x\"", DW_STYLE_AUTO},
        {"Skipping debug messages, pass --debug to include.", DW_STYLE_AUTO},
        {"log: Could not parse predicate:", DW_STYLE_AUTO},
        {"** Processed 574 entries, done. **", DW_STYLE_AUTO},
        {"---------------------", DW_STYLE_AUTO},
        {"Timestamp                       Thread     Type        Activity             PID    TTL",
         DW_STYLE_DEFAULT},
        {"Timestamp                       (process)[PID]", DW_STYLE_SYSLOG},
        {"Timestamp               Ty Process[PID:TID]", DW_STYLE_COMPACT},
        {"[", DW_STYLE_JSON},
        {"[{\"a\":1}", DW_STYLE_JSON},
        {"[  389.898111]: DK: x", DW_STYLE_PLAIN},
        {"{\"eventMessage\":\"x\"}", DW_STYLE_NDJSON},
        {"2022-11-14 13:21:15.341 Df My App[59972:780a15] x", DW_STYLE_COMPACT},
        {"2023-09-27 22:55:39.622369+0200  localhost a[1]: x", DW_STYLE_SYSLOG},
        {"2022-02-04 14:39:44.844495-0500 0x1761     Default", DW_STYLE_DEFAULT},
        {"2022-02-04 14:39:44.844495-0500 kernel: x", DW_STYLE_PLAIN},
        {"Jan 22 16:39:16 host amfid(libmis.dylib)[444] <Notice>: x", DW_STYLE_BSD},
        {"Jan is a month", DW_STYLE_PLAIN},
        {"kernel: DK: x", DW_STYLE_PLAIN},
        {"2024-01-10 14:36:03.306 MyApp[1234:56789] x", DW_STYLE_PLAIN},
        {"2024-01-10 14:36:03.306 Er kernel[0:1] x", DW_STYLE_COMPACT},
        {"*\t*\tABCDE12345\tcom.example.driver (1.0/1)\tMyDriver\t[activated enabled]",
         DW_STYLE_PLAIN},
        {"--- com.apple.system_extension.driver_extension", DW_STYLE_PLAIN},
        {"Process:               com.example.driver [1234]", DW_STYLE_PLAIN},
        {"Error Domain=KMErrorDomain Code=71 \"x\"", DW_STYLE_PLAIN},
        {"[  389.898111] DK: x", DW_STYLE_PLAIN},
        {"{\"app_name\":\"x\",\"bug_type\":\"309\"}", DW_STYLE_NDJSON},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        print_message("%s\n", cases[k].line);
        assert_int_equal(dw_style_detect_line(cases[k].line, strlen(cases[k].line)), cases[k].want);
    }
}

static void test_style_names(void **state)
{
    (void)state;
    enum dw_style s;
    for (int k = DW_STYLE_AUTO; k <= DW_STYLE_BSD; k++) {
        assert_int_equal(dw_style_parse(dw_style_name((enum dw_style)k), &s), 0);
        assert_int_equal(s, k);
    }
    assert_string_equal(dw_style_name(DW_STYLE_NDJSON), "ndjson");
    assert_int_equal(dw_style_parse("xml", &s), -1);
    assert_int_equal(dw_style_parse("", &s), -1);
}

/* Banners and blank lines do not decide; the first record does. */
static void test_detect_after_banners(void **state)
{
    (void)state;
    struct run r = feed_str(DW_STYLE_AUTO, "\n\nSkipping debug messages, pass --debug to include.\n"
                                           "Filtering the log data using \"x\"\n"
                                           "{\"eventMessage\":\"m\"}\n");
    assert_int_equal(r.style, DW_STYLE_NDJSON);
    assert_int_equal(r.st.headers, 2);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.ev[0].line, 5);
    run_free(&r);
    /* nothing but banners: plain at the end, no events */
    r = feed_str(DW_STYLE_AUTO, "Filtering the log data using \"x\"\n");
    assert_int_equal(r.style, DW_STYLE_PLAIN);
    assert_int_equal(r.n, 0);
    assert_int_equal(r.st.headers, 1);
    run_free(&r);
}

/* ---- multi-line records ---- */

struct counter {
    int n;
};

static void count_events(const struct dw_event *e, void *ctx)
{
    (void)e;
    ((struct counter *)ctx)->n++;
}

static void test_multiline(void **state)
{
    (void)state;
    struct run r = feed_str(
        DW_STYLE_AUTO,
        "2024-01-10 14:36:03.306432-0800 0x1 Default 0x0 412 0 amfid: /A not valid: Error "
        "Domain=AppleMobileFileIntegrityError Code=-413 unsatisfiedEntitlements=<CFArray>{(\n"
        "    0 : <CFString>{contents = \"com.apple.developer.system-extension.install\"}\n"
        "\n"
        ")}, NSLocalizedDescription=No matching profile found}\n"
        "\n"
        "2024-01-10 14:36:03.306523-0800 0x2 Default 0x0 0 0 kernel: next\n"
        "\n");
    assert_int_equal(r.n, 2);
    assert_int_equal(r.ev[0].line, 1);
    assert_string_equal(r.ev[0].message,
                        "/A not valid: Error Domain=AppleMobileFileIntegrityError Code=-413 "
                        "unsatisfiedEntitlements=<CFArray>{(\n"
                        "    0 : <CFString>{contents = "
                        "\"com.apple.developer.system-extension.install\"}\n"
                        "\n"
                        ")}, NSLocalizedDescription=No matching profile found}");
    assert_int_equal(r.ev[1].line, 6);
    assert_string_equal(r.ev[1].message, "next");
    assert_int_equal(r.st.lines, 7);
    run_free(&r);

    /* plain: every line is a record, indented lines continue the previous one */
    r = feed_str(DW_STYLE_PLAIN, "kernel: AMFI: When validating /x:\n"
                                 "  Code has restricted entitlements, but ...\n"
                                 "Unsatisfied Entitlements: a\n");
    assert_int_equal(r.n, 2);
    assert_string_equal(r.ev[0].message,
                        "AMFI: When validating /x:\n  Code has restricted entitlements, but ...");
    assert_string_equal(r.ev[1].message, "Unsatisfied Entitlements: a");
    assert_null(r.ev[1].process);
    run_free(&r);

    /* the record is held until the next one starts, or reader_flush */
    struct counter c = {0};
    struct dw_reader *rd = reader_new("live", DW_STYLE_SYSLOG, count_events, &c);
    const char *l1 = "2024-01-01 12:00:00.000000-0700  localhost kernel[0]: first\n";
    reader_feed(rd, l1, strlen(l1));
    assert_int_equal(c.n, 0);
    reader_feed(rd, "  more\n", 7);
    assert_int_equal(c.n, 0);
    reader_flush(rd);
    assert_int_equal(c.n, 1);
    reader_flush(rd);
    assert_int_equal(c.n, 1);
    reader_feed(rd, l1, strlen(l1));
    reader_feed(rd, l1, strlen(l1));
    assert_int_equal(c.n, 2);
    reader_finish(rd);
    assert_int_equal(c.n, 3);
    assert_int_equal(reader_stats(rd)->records, 3);
    reader_free(rd);
}

/* ---- byte-by-byte equals whole ---- */

static void serialize(const struct run *r, struct dw_buf *b)
{
    for (size_t k = 0; k < r->n; k++) {
        const struct got *g = &r->ev[k];
        buf_printf(b, "%ld|%lld|%ld|%llu|%d|%d|%lld|%d|%d|", g->line, (long long)g->raw_len, g->pid,
                   (unsigned long long)g->tid, g->has_tid, (int)g->time.kind,
                   (long long)g->time.us, g->time.offset_min, g->time.frac_digits);
        const char *strs[] = {g->time_text, g->process, g->level,   g->subsystem,
                              g->category,  g->sender,  g->message, g->raw};
        for (size_t j = 0; j < sizeof strs / sizeof strs[0]; j++)
            buf_printf(b, "%s\x1f", strs[j] ? strs[j] : "(null)");
        buf_putc(b, '\n');
    }
    buf_printf(b, "%llu %llu %llu %llu %llu %ld", (unsigned long long)r->st.lines,
               (unsigned long long)r->st.records, (unsigned long long)r->st.headers,
               (unsigned long long)r->st.malformed, (unsigned long long)r->st.oversized,
               r->st.first_malformed_line);
}

static void test_bytewise_equals_whole(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof seed_files / sizeof seed_files[0]; k++) {
        size_t len;
        char *data = slurp(seed_files[k].file, &len);
        struct dw_buf a = {0}, b = {0}, c = {0};
        struct run whole = feed(DW_STYLE_AUTO, data, len, 0);
        struct run bytes = feed(DW_STYLE_AUTO, data, len, 1);
        struct run odd = feed(DW_STYLE_AUTO, data, len, 7);
        serialize(&whole, &a);
        serialize(&bytes, &b);
        serialize(&odd, &c);
        assert_true(whole.n > 0);
        assert_string_equal(buf_cstr(&a), buf_cstr(&b));
        assert_string_equal(buf_cstr(&a), buf_cstr(&c));
        run_free(&whole);
        run_free(&bytes);
        run_free(&odd);
        buf_free(&a);
        buf_free(&b);
        buf_free(&c);
        free(data);
    }
}

/* Every file under tests/logs/ (cases other engineers add too): detected as
 * its name says (seed.<style>.log; anything else is a paste: plain, or ndjson
 * for .ips crash reports), nothing malformed, and the same events whether fed
 * whole or byte by byte. */
static void test_all_case_files(void **state)
{
    (void)state;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/tests/logs", DW_SOURCE_DIR);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    size_t files = 0;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".log") != 0)
            continue;
        print_message("%s\n", de->d_name);
        enum dw_style want = DW_STYLE_PLAIN; /* `<case>.<style>.log` names its style */
        char style[32] = "";
        const char *dot = de->d_name + len - 4;
        const char *prev = dot;
        while (prev > de->d_name && prev[-1] != '.')
            prev--;
        if (prev > de->d_name && (size_t)(dot - prev) < sizeof style) {
            memcpy(style, prev, (size_t)(dot - prev));
            style[dot - prev] = '\0';
            if (dw_style_parse(style, &want) != 0 || want == DW_STYLE_AUTO)
                want = DW_STYLE_PLAIN;
        }
        if (strstr(de->d_name, "ips"))
            want = DW_STYLE_NDJSON;
        bool clean = strncmp(de->d_name, "seed.", 5) == 0 || strncmp(de->d_name, "wild-", 5) == 0;
        size_t n;
        char *data = slurp(de->d_name, &n);
        struct run whole = feed(DW_STYLE_AUTO, data, n, 0);
        struct run bytes = feed(DW_STYLE_AUTO, data, n, 1);
        assert_int_equal(whole.style, want);
        if (clean) {
            assert_int_equal(whole.st.malformed, 0);
            assert_true(whole.n > 0);
        }
        struct dw_buf a = {0}, b = {0};
        serialize(&whole, &a);
        serialize(&bytes, &b);
        assert_string_equal(buf_cstr(&a), buf_cstr(&b));
        buf_free(&a);
        buf_free(&b);
        run_free(&whole);
        run_free(&bytes);
        free(data);
        files++;
    }
    closedir(d);
    assert_true(files >= 8);
}

/* ---- hostile input ---- */

static void test_truncated_json(void **state)
{
    (void)state;
    size_t len;
    char *data = slurp("seed.json.log", &len);
    size_t cut = (size_t)(strstr(data, "Kernel requested exit") - data);
    struct run r = feed(DW_STYLE_AUTO, data, cut, 0);
    assert_int_equal(r.style, DW_STYLE_JSON);
    assert_int_equal(r.n, 5);
    assert_int_equal(r.st.malformed, 1);
    assert_int_equal(r.st.first_malformed_line, 162);
    assert_string_equal(r.st.first_malformed_why, "truncated JSON object");
    run_free(&r);
    free(data);

    /* broken objects inside the array: each is counted, the rest still parse */
    r = feed_str(DW_STYLE_JSON, "[\n{\"eventMessage\" : tru},\n{\"eventMessage\" : \"ok\"},\n"
                                "garbage,\n{\"eventMessage\" : \"ok2\"}\n]\n]\n");
    assert_int_equal(r.n, 2);
    assert_int_equal(r.st.malformed, 3);
    assert_int_equal(r.st.first_malformed_line, 2);
    assert_string_equal(r.st.first_malformed_why, "invalid JSON");
    run_free(&r);
}

static void test_nul_and_control_bytes(void **state)
{
    (void)state;
    static const char in[] = "kernel: a\0b\x01\x1b[31mc\x7f\n"
                             "2024-01-01 12:00:00.000000-0700 0x1 Default 0x0 0 0 k\0rnel: m\0\n";
    struct run r = feed(DW_STYLE_PLAIN, in, sizeof in - 1, 0);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.ev[0].process, "kernel");
    assert_string_equal(r.ev[0].message, "a\xEF\xBF\xBD" "b\x01\x1b[31mc\x7f");
    assert_string_equal(r.ev[1].process, "k\xEF\xBF\xBDrnel");
    assert_string_equal(r.ev[1].message, "m\xEF\xBF\xBD");
    run_free(&r);
    /* NUL bytes in JSON strings (\u0000) too */
    r = feed_str(DW_STYLE_NDJSON, "{\"eventMessage\":\"x\\u0000y\"}\n");
    assert_int_equal(r.n, 1);
    assert_string_equal(r.ev[0].message, "x\xEF\xBF\xBDy");
    run_free(&r);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    static const char in[] = "amfid: \xff\xfe\xc3(\xed\xa0\x80 bad\n\xc0\xaf: x\n";
    struct run r = feed(DW_STYLE_AUTO, in, sizeof in - 1, 0);
    assert_int_equal(r.style, DW_STYLE_PLAIN);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.ev[0].message, "\xff\xfe\xc3(\xed\xa0\x80 bad");
    assert_null(r.ev[1].process);
    run_free(&r);
    r = feed_str(DW_STYLE_NDJSON, "{\"eventMessage\":\"\xff\"}\n");
    assert_int_equal(r.n, 0);
    assert_int_equal(r.st.malformed, 1);
    run_free(&r);
}

/* Builds `prefix` + `fill` repeated to `size` bytes + "\n" + `tail`. */
static char *big_input(const char *prefix, size_t size, const char *tail, size_t *len)
{
    size_t p = strlen(prefix), t = strlen(tail);
    char *s = xmalloc(p + size + 1 + t + 1);
    memcpy(s, prefix, p);
    memset(s + p, 'x', size);
    s[p + size] = '\n';
    memcpy(s + p + size + 1, tail, t + 1);
    *len = p + size + 1 + t;
    return s;
}

static void test_long_lines(void **state)
{
    (void)state;
    const char *rec = "2024-01-01 12:00:00.000000-0700 0x1 Default 0x0 0 0 kernel: ";
    const char *next = "2024-01-01 12:00:01.000000-0700 0x1 Default 0x0 0 0 kernel: after\n";
    size_t len;
    char *s = big_input(rec, 2u << 20, next, &len); /* 2 MB: below the limit, kept */
    struct run r = feed(DW_STYLE_AUTO, s, len, 65536);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.ev[0].message_len, 2u << 20);
    assert_int_equal(r.st.oversized, 0);
    run_free(&r);
    free(s);

    s = big_input(rec, 10u << 20, next, &len); /* 10 MB: skipped, counted */
    for (size_t chunk = 0; chunk <= 65536; chunk += 65536) {
        r = feed(DW_STYLE_DEFAULT, s, len, chunk);
        assert_int_equal(r.st.oversized, 1);
        assert_int_equal(r.st.lines, 2);
        assert_int_equal(r.n, 1);
        assert_int_equal(r.ev[0].line, 2);
        assert_string_equal(r.ev[0].message, "after");
        run_free(&r);
    }
    /* an oversized final line without newline */
    r = feed(DW_STYLE_PLAIN, s, len - strlen(next) - 1, 65536);
    assert_int_equal(r.st.oversized, 1);
    assert_int_equal(r.st.lines, 1);
    assert_int_equal(r.n, 0);
    run_free(&r);
    free(s);

    /* a json record object that outgrows the limit over several lines */
    struct dw_buf b = {0};
    buf_puts(&b, "[\n{\n  \"formatString\" : \"");
    char *fill = xmalloc(3u << 20);
    memset(fill, 'y', 3u << 20);
    for (int k = 0; k < 2; k++) {
        buf_append(&b, fill, 3u << 20); /* 3 MB lines: each fits, the record does not */
        buf_puts(&b, k == 0 ? "\",\n  \"eventMessage\" : \"" : "\"\n},\n");
    }
    free(fill);
    buf_puts(&b, "{\n  \"eventMessage\" : \"ok\"\n}\n]\n");
    r = feed(DW_STYLE_AUTO, b.data, b.len, 4096);
    assert_int_equal(r.style, DW_STYLE_JSON);
    assert_int_equal(r.st.oversized, 1);
    assert_int_equal(r.st.malformed, 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.ev[0].message, "ok");
    assert_int_equal(r.ev[0].line, 6);
    run_free(&r);
    buf_free(&b);

    /* one line of a json record over the limit: the record is dropped whole */
    s = big_input("[\n{\n  \"eventMessage\" : \"", 5u << 20,
                  "},\n{\"eventMessage\" : \"ok\"}\n]\n", &len); /* closing '"' dropped too */
    r = feed(DW_STYLE_AUTO, s, len, 4096);
    assert_int_equal(r.style, DW_STYLE_JSON);
    assert_int_equal(r.st.oversized, 1);
    assert_int_equal(r.st.malformed, 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.ev[0].message, "ok");
    run_free(&r);
    free(s);
}

static void test_empty_input(void **state)
{
    (void)state;
    for (int style = DW_STYLE_AUTO; style <= DW_STYLE_BSD; style++) {
        struct run r = feed((enum dw_style)style, "", 0, 0);
        assert_int_equal(r.n, 0);
        assert_int_equal(r.st.lines, 0);
        assert_int_equal(r.st.malformed, 0);
        assert_int_equal(r.st.bytes, 0);
        run_free(&r);
    }
}

static void test_crlf_and_final_line(void **state)
{
    (void)state;
    static const char in[] = "Timestamp               Ty Process[PID:TID]\r\n"
                             "2022-11-14 13:21:14.972 Df kernel[0:1] one\r\n"
                             "\r\n"
                             "2022-11-14 13:21:14.973 Df kernel[0:1] two";
    struct run r = feed_str(DW_STYLE_AUTO, in);
    assert_int_equal(r.style, DW_STYLE_COMPACT);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.ev[0].message, "one");
    assert_string_equal(r.ev[1].message, "two");
    assert_int_equal(r.ev[1].line, 4);
    assert_null(strchr(r.ev[0].raw, '\r'));
    assert_int_equal(r.st.bytes, sizeof in - 1);
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_style),
        cmocka_unit_test(test_default_footer_and_malformed),
        cmocka_unit_test(test_syslog_style),
        cmocka_unit_test(test_compact_style),
        cmocka_unit_test(test_json_style),
        cmocka_unit_test(test_ndjson_style),
        cmocka_unit_test(test_plain_style),
        cmocka_unit_test(test_bsd_style),
        cmocka_unit_test(test_console_variants),
        cmocka_unit_test(test_dmesg_and_cut_times),
        cmocka_unit_test(test_nslog),
        cmocka_unit_test(test_sysext_list),
        cmocka_unit_test(test_nserror_blocks),
        cmocka_unit_test(test_kextutil_diagnostics),
        cmocka_unit_test(test_crash_reports),
        cmocka_unit_test(test_crash_report_ips),
        cmocka_unit_test(test_source_and_indent),
        cmocka_unit_test(test_detect_seed_files),
        cmocka_unit_test(test_detect_line),
        cmocka_unit_test(test_style_names),
        cmocka_unit_test(test_detect_after_banners),
        cmocka_unit_test(test_multiline),
        cmocka_unit_test(test_bytewise_equals_whole),
        cmocka_unit_test(test_all_case_files),
        cmocka_unit_test(test_truncated_json),
        cmocka_unit_test(test_nul_and_control_bytes),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_crlf_and_final_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
