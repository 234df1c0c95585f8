/* test_reader.c - every log style into dw_events, multi-line records, and
 * the skip hook.  Pastes: test_reader_pastes.c; detection, piecewise feeding
 * and hostile input: test_reader_detect.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <dirent.h>

#include "reader.h"
#include "reader_run.h"
#include "util.h"

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
    struct run r =
        feed_str(DW_STYLE_DEFAULT,
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
        "2024-01-01 12:00:00.123456-0700  localhost kernel[0]: (AppleACPIPlatform) [com.a:b c] "
        "x\n");
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
    struct run r = feed_str(
        DW_STYLE_AUTO,
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
    "  \"senderImagePath\" : "
    "\"\\/System\\/Library\\/Extensions\\/HFS.kext\\/Contents\\/MacOS\\/HFS\",\n"
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
        "{\"timezoneName\":\"\",\"messageType\":\"Default\",\"eventType\":\"logEvent\","
        "\"subsystem\":"
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
    assert_string_equal(g[3].message,
                        "DK: SmiPcie-0x100000d56: provider entitlements check failed");
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
    assert_string_equal(g[8].message,
                        "DK: MyDriver-0x100000f45: provider entitlements check failed");
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
    struct run r = feed_str(
        DW_STYLE_AUTO, "Jan 22 16:39:16 CoolStars-iPad-Air-2 amfid(libmis.dylib)[444] <Notice>: "
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

/* ---- the skip hook (reader_set_skip) ---- */

/* What the hook was asked, and the records it let go (their events as the
 * reader hands them to `skipped`). */
struct skip_log {
    int asked;
    int skipped;
    long lines[8];
    char time_text[8][40];
    int64_t us[8];
    struct run events; /* the records parsed in full */
};

/* A hook with no knowledge of rules: messages starting "noise" go. */
static bool noise_message(void *ctx, const char *msg, size_t len)
{
    ((struct skip_log *)ctx)->asked++;
    return len >= 5 && memcmp(msg, "noise", 5) == 0;
}

/* ndjson: lines holding "noise" go; the time is what follows the
 * `{"timestamp":"` they start with (31 bytes), its us a marker. */
static bool noise_json_line(void *ctx, const char *s, size_t n, struct dw_time *t,
                            const char **time_text, size_t *time_len)
{
    ((struct skip_log *)ctx)->asked++;
    bool noise = false;
    for (size_t i = 0; i + 5 <= n && !noise; i++)
        noise = memcmp(s + i, "noise", 5) == 0;
    if (!noise || n < 14 + 31)
        return false;
    memset(t, 0, sizeof *t);
    t->kind = DW_TIME_DATE;
    t->us = 42;
    *time_text = s + 14;
    *time_len = 31;
    return true;
}

/* The reader hands skipped records its own ctx: the run inside the log. */
static void on_skipped(const struct dw_event *ev, void *ctx)
{
    struct skip_log *l = (struct skip_log *)((char *)ctx - offsetof(struct skip_log, events));
    assert_true(l->skipped < 8);
    assert_string_equal(ev->message, "");
    assert_int_equal(ev->raw_len, 0);
    assert_string_equal(ev->input, "test");
    l->lines[l->skipped] = ev->line;
    snprintf(l->time_text[l->skipped], sizeof l->time_text[0], "%s",
             ev->time_text ? ev->time_text : "(null)");
    l->us[l->skipped] = ev->time.us;
    l->skipped++;
}

/* Runs text through a reader of style with the hook (skipped may be NULL). */
static struct dw_reader_stats skip_run(enum dw_style style, const char *text,
                                       const struct dw_reader_skip *hook, struct skip_log *l)
{
    struct dw_reader *rd = reader_new("test", style, collect, &l->events);
    reader_set_skip(rd, hook);
    reader_feed(rd, text, strlen(text));
    reader_finish(rd);
    struct dw_reader_stats st = *reader_stats(rd);
    reader_free(rd);
    return st;
}

#define SKIP_LINE(t, msg) "2026-11-20 10:14:" t ".000100-0800  localhost kernel[0]: " msg "\n"

static void test_skip_hook_text(void **state)
{
    (void)state;
    const char *text = SKIP_LINE("00", "noise one") SKIP_LINE("01", "keep this")
        SKIP_LINE("02", "noise two") "  and its continuation\n";
    struct skip_log l = {0};
    struct dw_reader_skip hook = {.text_message = noise_message, .ctx = &l, .skipped = on_skipped};
    struct dw_reader_stats st = skip_run(DW_STYLE_SYSLOG, text, &hook, &l);
    assert_int_equal(l.asked, 3);
    assert_int_equal(l.skipped, 2);
    assert_int_equal(l.lines[0], 1);
    assert_int_equal(l.lines[1], 3);
    assert_string_equal(l.time_text[0], "2026-11-20 10:14:00.000100-0800");
    assert_string_equal(l.time_text[1], "2026-11-20 10:14:02.000100-0800");
    assert_int_equal(l.events.n, 1);
    assert_string_equal(l.events.ev[0].message, "keep this");
    assert_int_equal(st.records, 3);
    assert_int_equal(st.lines, 4);
    run_free(&l.events);

    /* no skipped callback: nothing is skipped, the hook is never asked */
    struct skip_log none = {0};
    hook.ctx = &none;
    hook.skipped = NULL;
    st = skip_run(DW_STYLE_SYSLOG, text, &hook, &none);
    assert_int_equal(none.asked, 0);
    assert_int_equal(none.events.n, 3);
    assert_int_equal(st.records, 3);
    run_free(&none.events);

    /* plain records are always parsed in full */
    struct skip_log plain = {0};
    hook = (struct dw_reader_skip){
        .text_message = noise_message, .ctx = &plain, .skipped = on_skipped};
    skip_run(DW_STYLE_PLAIN, "kernel: noise one\nkernel: keep\n", &hook, &plain);
    assert_int_equal(plain.asked, 0);
    assert_int_equal(plain.events.n, 2);
    run_free(&plain.events);
}

#define SKIP_JSON(t, msg)                                                                          \
    "{\"timestamp\":\"2026-11-20 10:14:" t ".000100-0800\",\"eventMessage\":\"" msg "\"}\n"

static void test_skip_hook_ndjson(void **state)
{
    (void)state;
    const char *text = SKIP_JSON("00", "noise one")
        SKIP_JSON("01", "keep this") "not an object\n" SKIP_JSON("03", "noise two");
    struct skip_log l = {0};
    struct dw_reader_skip hook = {.json_line = noise_json_line, .ctx = &l, .skipped = on_skipped};
    struct dw_reader_stats st = skip_run(DW_STYLE_NDJSON, text, &hook, &l);
    assert_int_equal(l.asked, 3); /* not asked about the line that is no object */
    assert_int_equal(l.skipped, 2);
    assert_int_equal(l.lines[0], 1);
    assert_int_equal(l.lines[1], 4);
    assert_string_equal(l.time_text[1], "2026-11-20 10:14:03.000100-0800");
    assert_int_equal(l.us[0], 42);
    assert_int_equal(l.events.n, 1);
    assert_string_equal(l.events.ev[0].message, "keep this");
    assert_int_equal(st.records, 3);
    assert_int_equal(st.malformed, 1);
    run_free(&l.events);
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
        cmocka_unit_test(test_multiline),
        cmocka_unit_test(test_skip_hook_text),
        cmocka_unit_test(test_skip_hook_ndjson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
