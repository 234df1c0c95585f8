/* test_reader_pastes.c - the plain style on pastes seen in the wild:
 * Console copies, dmesg, NSLog, systemextensionsctl, NSError blocks, kextutil
 * diagnostics, crash reports. */
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

/* ---- pastes seen in the wild (plain) ---- */

static void test_console_variants(void **state)
{
    (void)state;
    struct run r = feed_str(
        DW_STYLE_AUTO,
        "default\t14:36:03.306514-0800\tsysextd\tcom.apple.sx\tXPC\tclient activation request\n"
        "Error\t2024-01-10 14:36:03.306514 -0800\tkernel\t\t\tDK: x-0x1: provider entitlements "
        "check failed\n"
        "14:36:03.306514-0800\tamfid\tcom.apple.MobileFileIntegrity\tamfid\tBasic requirement "
        "validation failed\n"
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
    struct run r = feed_str(
        DW_STYLE_AUTO,
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
    assert_string_equal(g[1].message,
                        "DK: IOUserServer(com.x-0x100000d56)::exit(Entitlements check failed)");
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
        "\t\tABCDE12345\tcom.example.driver (1.1/2)\tMy Driver\t[terminated waiting to uninstall "
        "on reboot]\n"
        "*       ABCDE12345      com.example.other (2.0/7)       Other (beta)    [activated "
        "waiting for user]\n"
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
        "(reason unspecified) (-603946985)\" UserInfo={NSLocalizedDescription=Kernel request "
        "failed}\n"
        "Error Domain=KMErrorDomain Code=1 \"Error occurred while building a collection: \n"
        "\t1: One or more binaries has an error which prevented linking.\n"
        "com.example.foo specific: \n"
        "\n"
        "\" UserInfo={NSLocalizedDescription=Error occurred while building a collection: \n"
        "com.example.foo specific: \n"
        "}\n"
        "amfid: /L/com.x.dext/com.x not valid: Error Domain=AppleMobileFileIntegrityError "
        "Code=-413 "
        "\"No matching profile found\" UserInfo={unsatisfiedEntitlements=<CFArray 0x7f9>{(\n"
        "    \"com.apple.developer.driverkit.transport.pci\"\n"
        ")}, NSLocalizedDescription=No matching profile found}\n"
        "kernel: after\n");
    assert_int_equal(r.n, 5);
    struct got *g = r.ev;
    assert_null(g[0].process);
    assert_string_equal(g[0].message,
                        "Executing: /usr/bin/kmutil load -p /Library/Extensions/Foo.kext");
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
    struct run r =
        feed_str(DW_STYLE_AUTO, "Defaulting to kernel file '/System/Library/Kernels/kernel'\n"
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
    "Path:                "
    "/Library/SystemExtensions/9A3F/com.example.driver.dext/com.example.driver\n"
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
    assert_int_equal(g[0].line, 13); /* its Exception Type, not `Incident Identifier:` */
    assert_true(strncmp(g[0].raw, "Incident Identifier: 5E1A2B3C", 29) == 0);
    assert_string_equal(g[0].process, "com.example.driver");
    assert_int_equal(g[0].pid, 1234);
    assert_string_equal(
        g[0].sender, "/Library/SystemExtensions/9A3F/com.example.driver.dext/com.example.driver");
    assert_int_equal(g[0].time.kind, DW_TIME_DATE);
    assert_string_equal(g[0].time_text, "2024-01-10 14:36:03.3060 -0800");
    assert_string_equal(g[0].message,
                        "Exception Type: EXC_CRASH (SIGKILL (Code Signature Invalid)); "
                        "Termination Reason: Namespace CODESIGNING, Code 1 Taskgated "
                        "Invalid Signature");
    assert_int_equal(g[1].line, 23);
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

/* A crash report pasted from below its `Process:` line (wild a-34, posted in
 * pqrs-org/Karabiner-DriverKit-VirtualHIDDevice#9): its header keys are one
 * record, never process names; the process is the executable of `Path:`. */
static void test_crash_report_cut(void **state)
{
    (void)state;
    struct run r =
        feed_str(DW_STYLE_AUTO,
                 "Path:                  /Library/SystemExtensions/*/"
                 "org.pqrs.Karabiner-DriverKit-VirtualHIDDevice\n"
                 "Identifier:            org.pqrs.Karabiner-DriverKit-VirtualHIDDevice\n"
                 "Version:               1.0.0 (1.0.0)\n"
                 "Code Type:             X86-64 (Native)\n"
                 "Parent Process:        launchd [1]\n"
                 "Responsible:           org.pqrs.Karabiner-DriverKit-VirtualHIDDevice [5942]\n"
                 "Date/Time:             2020-10-06 09:41:55.015 +0200\n"
                 "Crashed Thread:        1  Dispatch queue: "
                 "org_pqrs_Karabiner_DriverKit_VirtualHIDKeyboard-Default\n"
                 "Exception Type:        EXC_BAD_ACCESS (SIGSEGV)\n"
                 "Exception Codes:       EXC_I386_GPFLT\n"
                 "Termination Reason:    Namespace SIGNAL, Code 0xb\n"
                 "Application Specific Information:\n"
                 "dyld2 mode\n"
                 "Identifier:            com.x.y\n"
                 "Termination Reason:    Namespace CODESIGNING, Code 0x1\n"
                 "kernel: after\n");
    assert_int_equal(r.n, 4);
    struct got *g = r.ev;
    assert_int_equal(g[0].line, 9);
    assert_string_equal(g[0].process, "org.pqrs.Karabiner-DriverKit-VirtualHIDDevice");
    assert_int_equal(g[0].pid, -1);
    assert_string_equal(g[0].time_text, "2020-10-06 09:41:55.015 +0200");
    assert_string_equal(g[0].message, "Exception Type: EXC_BAD_ACCESS (SIGSEGV); Termination "
                                      "Reason: Namespace SIGNAL, Code 0xb");
    assert_int_equal(g[1].line, 13);
    assert_string_equal(g[1].message, "dyld2 mode");
    assert_int_equal(g[2].line, 15); /* no Exception Type: the Termination Reason */
    assert_string_equal(g[2].process, "com.x.y");
    assert_int_equal(g[3].line, 16);
    assert_string_equal(g[3].process, "kernel");
    run_free(&r);
}

static void test_crash_report_ips(void **state)
{
    (void)state;
    struct run r = feed_str(
        DW_STYLE_AUTO,
        "{\"app_name\":\"com.example.driver\",\"bug_type\":\"309\",\"name\":\"com.example.driver\"}"
        "\n"
        "{\n"
        "  \"captureTime\" : \"2024-01-10 14:36:03.3060 -0800\",\n"
        "  \"pid\" : 1234,\n"
        "  \"procName\" : \"com.example.driver\",\n"
        "  \"procPath\" : "
        "\"\\/Library\\/SystemExtensions\\/9A3F\\/com.example.driver.dext\\/com.example.driver\",\n"
        "  \"exception\" : {\"type\":\"EXC_CRASH\",\"signal\":\"SIGKILL (Code Signature "
        "Invalid)\"},\n"
        "  \"termination\" : {\"code\":1,\"namespace\":\"CODESIGNING\",\"indicator\":\"Taskgated "
        "Invalid Signature\"},\n"
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
    assert_string_equal(
        g[0].sender, "/Library/SystemExtensions/9A3F/com.example.driver.dext/com.example.driver");
    assert_int_equal(g[0].time.kind, DW_TIME_DATE);
    assert_string_equal(g[0].message,
                        "Exception Type: EXC_CRASH (SIGKILL (Code Signature Invalid)); "
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
    struct run r =
        feed_str(DW_STYLE_PLAIN,
                 "2024-01-10 14:36:03.306514-0800 0x1 Default 0x0 0 0 kernel: (IOUserServer) "
                 "<IOKit`IOUserServer::exit + 12> DK: x-0x3: provider entitlements check failed\n"
                 "kernel: <private> entitlement check failed\n"
                 "amfid: <amfid.c:42> [com.apple.MobileFileIntegrity:amfid] Basic requirement "
                 "validation failed\n"
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
    assert_string_equal(g[4].message,
                        "keeps one record per line\n        which a deeper line continues");
    assert_string_equal(g[5].process, "WindowServer");
    assert_int_equal(g[5].line, 8);
    run_free(&r);
}

/* `log show --source`: the caller column, before the process in the default
 * style and after the sender in syslog; a paste without the process column
 * keeps `(sender) <image`symbol>`.  Lines from the wild corpus (a-31, a-37,
 * b-40) and a forum post of `log show --source --last boot`. */
static void test_log_source_column(void **state)
{
    (void)state;
    struct run r = feed_str(
        DW_STYLE_AUTO,
        "2020-09-01 03:04:29.453721+0530 0x3ae1     Default     0xa45f               1255   0    "
        "<sysextd> sysextd: attempting to realize extension with identifier "
        "com.black-dragon74.ROG-HID-Driver\n"
        "2020-02-26 09:24:23.835315+0200 0x71       Default     0x0                  0      0    "
        "<AppleACPIPlatform`AcpiOsVprintf> kernel: (AppleACPIPlatform) RSDP 0x000000007CEFD014 "
        "000024 (v02 XIAOMI)\n"
        "2020-12-11 08:18:55.879676-0800 0x1 Default 0x0 0 0 <IOHIDFamily`IOHIDDevice::"
        "newUserClientInternal(task*, void*, OSDictionary*, IOUserClient**)> kernel: "
        "(IOHIDFamily) VoodooI2CMT2SimulatorDevice:0x1000002c6 failed to create user client: "
        "0xe00002c7\n"
        "2020-02-26 09:24:23.835038+0200 0x71       Default     0x0                  0      0    "
        "kernel: <private> stays in the message\n");
    assert_int_equal(r.style, DW_STYLE_DEFAULT);
    assert_int_equal(r.n, 4);
    struct got *g = r.ev;
    assert_string_equal(g[0].process, "sysextd");
    assert_int_equal(g[0].pid, 1255);
    assert_string_equal(g[0].message, "attempting to realize extension with identifier "
                                      "com.black-dragon74.ROG-HID-Driver");
    assert_string_equal(g[1].process, "kernel");
    assert_string_equal(g[1].sender, "AppleACPIPlatform");
    assert_string_equal(g[1].message, "RSDP 0x000000007CEFD014 000024 (v02 XIAOMI)");
    assert_string_equal(g[2].process, "kernel");
    assert_string_equal(g[2].sender, "IOHIDFamily");
    assert_string_equal(g[2].message, "VoodooI2CMT2SimulatorDevice:0x1000002c6 failed to create "
                                      "user client: 0xe00002c7");
    assert_string_equal(g[3].message, "<private> stays in the message");
    run_free(&r);

    r = feed_str(DW_STYLE_AUTO,
                 "(AppleMobileFileIntegrity) <AppleMobileFileIntegrity`"
                 "AMFIInitializeLocalSigningPublicKey()> AMFIInitializeLocalSigningPublicKey: "
                 "failed to get local signing public key (e00002bc)\n"
                 "(null) is not a sender without a source\n");
    assert_int_equal(r.n, 2);
    assert_null(r.ev[0].process);
    assert_string_equal(r.ev[0].sender, "AppleMobileFileIntegrity");
    assert_string_equal(r.ev[0].message, "AMFIInitializeLocalSigningPublicKey: failed to get "
                                         "local signing public key (e00002bc)");
    assert_null(r.ev[1].sender);
    assert_string_equal(r.ev[1].message, "(null) is not a sender without a source");
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_console_variants),
        cmocka_unit_test(test_dmesg_and_cut_times),
        cmocka_unit_test(test_nslog),
        cmocka_unit_test(test_sysext_list),
        cmocka_unit_test(test_nserror_blocks),
        cmocka_unit_test(test_kextutil_diagnostics),
        cmocka_unit_test(test_crash_reports),
        cmocka_unit_test(test_crash_report_cut),
        cmocka_unit_test(test_crash_report_ips),
        cmocka_unit_test(test_source_and_indent),
        cmocka_unit_test(test_log_source_column),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
