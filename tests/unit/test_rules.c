/* test_rules.c - rule loading, validation errors, classification, rendering,
 * correlation keys, limits and the self-test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "reader.h"
#include "rules.h"

/* ---- helpers ---- */

static struct dw_ruleset *load_shipped(void)
{
    struct dw_errors err = {0};
    struct dw_ruleset *rs = ruleset_load_dir(DW_SOURCE_DIR "/rules", &err);
    for (size_t i = 0; i < err.n; i++)
        print_error("%s\n", err.msgs[i]);
    assert_non_null(rs);
    assert_int_equal(err.n, 0);
    return rs;
}

static struct dw_event make_event(const char *process, const char *sender, const char *subsystem,
                                  const char *category, const char *message)
{
    struct dw_event ev = {0};
    ev.input = "test.log";
    ev.line = 1;
    ev.process = process;
    ev.pid = -1;
    ev.sender = sender;
    ev.subsystem = subsystem;
    ev.category = category;
    ev.message = message;
    ev.message_len = strlen(message);
    ev.raw = message;
    ev.raw_len = strlen(message);
    return ev;
}

static bool has_key(const struct dw_finding *f, const char *key)
{
    for (size_t i = 0; i < f->nkeys; i++)
        if (strcmp(f->keys[i], key) == 0)
            return true;
    return false;
}

/* Loads one YAML pack from memory into a fresh set; returns the status and
 * leaves messages in err (caller clears) and the set in *out (caller frees). */
static int load_text(const char *yaml, struct dw_errors *err, struct dw_ruleset **out)
{
    struct dw_ruleset *rs = ruleset_new();
    int rc = ruleset_add_buffer(rs, "t.yaml", yaml, strlen(yaml), err);
    *out = rs;
    return rc;
}

/* Asserts that loading yaml fails with an error starting with `prefix` and
 * containing `part`. */
static void expect_error(const char *yaml, const char *prefix, const char *part)
{
    struct dw_errors err = {0};
    struct dw_ruleset *rs;
    assert_int_equal(load_text(yaml, &err, &rs), -1);
    assert_int_equal(rs->nrules, 0);
    bool found = false;
    for (size_t i = 0; i < err.n; i++)
        if (strncmp(err.msgs[i], prefix, strlen(prefix)) == 0 && strstr(err.msgs[i], part))
            found = true;
    if (!found)
        for (size_t i = 0; i < err.n; i++)
            print_error("got: %s\n", err.msgs[i]);
    assert_true(found);
    dw_errors_clear(&err);
    ruleset_free(rs);
}

/* ---- shipped packs ---- */

static void test_shipped_packs_load_and_self_test(void **state)
{
    (void)state;
    struct dw_ruleset *rs = load_shipped();
    assert_true(rs->npacks >= 2);
    assert_true(rs->nrules >= 20);
    struct dw_errors err = {0};
    size_t failures = ruleset_self_test(rs, reader_read_plain_line, &err);
    for (size_t i = 0; i < err.n; i++)
        print_error("%s\n", err.msgs[i]);
    assert_int_equal(failures, 0);
    /* the provider check is the root cause of the seed case: highest priority of all */
    const struct dw_rule *prov = NULL;
    for (size_t i = 0; i < rs->nrules; i++)
        if (strcmp(rs->rules[i].id, "dk.provider-entitlements") == 0)
            prov = &rs->rules[i];
    assert_non_null(prov);
    for (size_t i = 0; i < rs->nrules; i++)
        if (&rs->rules[i] != prov)
            assert_true(rs->rules[i].priority < prov->priority);
    for (size_t i = 0; i < rs->npacks; i++)
        assert_true(rs->packs[i].hash != 0);
    ruleset_free(rs);
}

static void test_seed_case(void **state)
{
    (void)state;
    struct dw_ruleset *rs = load_shipped();
    struct dw_event ev = make_event("kernel", NULL, NULL, NULL,
                                    "DK: MyDriver-0x100000f45: provider entitlements check failed");
    struct dw_finding *f = ruleset_classify(rs, &ev);
    assert_non_null(f);
    assert_string_equal(f->rule_id, "dk.provider-entitlements");
    assert_string_equal(f->class_name, "entitlement.provider-check");
    assert_int_equal(f->severity, DW_SEV_ERROR);
    assert_string_equal(finding_capture(f, "class"), "MyDriver");
    assert_string_equal(finding_capture(f, "tag"), "100000f45");
    assert_true(has_key(f, "tag:100000f45"));
    assert_non_null(strstr(f->remediation, "codesign -d --entitlements -"));
    assert_non_null(strstr(f->remediation, "security cms -D -i"));
    assert_non_null(strstr(f->remediation, "IOPCIPrimaryMatch"));
    assert_non_null(strstr(f->remediation, "ioreg -l -w0 -r -c IOPCIDevice"));
    assert_non_null(strstr(f->remediation, "dk=0x8001"));
    assert_non_null(strstr(f->remediation, "sudo nvram -d boot-args"));
    assert_non_null(strstr(f->summary, "MyDriver"));
    finding_free(f);

    ev = make_event("kernel", NULL, NULL, NULL,
                    "DK: IOUserServer(com.MyDriver-0x100000f45)::exit(Entitlements check failed)");
    f = ruleset_classify(rs, &ev);
    assert_non_null(f);
    assert_string_equal(f->rule_id, "dk.exit");
    assert_string_equal(f->class_name, "dext.exit");
    assert_string_equal(finding_capture(f, "bundle"), "com.MyDriver");
    assert_string_equal(finding_capture(f, "tag"), "100000f45");
    assert_string_equal(finding_capture(f, "reason"), "Entitlements check failed");
    assert_null(finding_capture(f, "regid")); /* old shape: the group did not take part */
    assert_true(has_key(f, "bundle:com.mydriver"));
    assert_true(has_key(f, "tag:100000f45"));
    finding_free(f);

    /* the newer shape with the registry id after the server name */
    ev = make_event("kernel", NULL, NULL, NULL,
                    "DK: IOUserServer(com.MyDriver-0x000100000f45)-0x100000f60::kill(Weird)");
    f = ruleset_classify(rs, &ev);
    assert_non_null(f);
    assert_string_equal(f->rule_id, "dk.exit");
    assert_string_equal(finding_capture(f, "verb"), "kill");
    assert_true(has_key(f, "tag:100000f45")); /* leading zeros dropped */
    finding_free(f);

    ev = make_event("kernel", "com.MyDriver.dext", NULL, NULL,
                    "Kernel requested exit (Entitlements check failed)");
    f = ruleset_classify(rs, &ev);
    assert_non_null(f);
    assert_string_equal(f->class_name, "dext.exit");
    assert_string_equal(finding_capture(f, "reason"), "Entitlements check failed");
    assert_true(has_key(f, "bundle:com.mydriver"));
    finding_free(f);

    ev = make_event("amfid", NULL, "com.apple.MobileFileIntegrity", "amfid",
                    "Basic requirement validation failed, error: (null)");
    f = ruleset_classify(rs, &ev);
    assert_non_null(f);
    assert_string_equal(f->class_name, "codesign.requirement");
    finding_free(f);

    ev = make_event(
        "amfid", NULL, NULL, NULL,
        "/Library/SystemExtensions/9A3F2C1E-4B7D-4E21-8C3A-2F6B1D0E9A77/com.MyDriver.dext/"
        "com.MyDriver signature not valid: -67050");
    f = ruleset_classify(rs, &ev);
    assert_non_null(f);
    assert_string_equal(f->class_name, "codesign.requirement");
    assert_string_equal(finding_capture(f, "code"), "-67050");
    assert_string_equal(finding_capture(f, "path"),
                        "/Library/SystemExtensions/9A3F2C1E-4B7D-4E21-8C3A-2F6B1D0E9A77/"
                        "com.MyDriver.dext/com.MyDriver");
    assert_int_equal(f->ndecoded, 1);
    assert_string_equal(f->decoded[0].code, "-67050");
    assert_string_equal(f->decoded[0].name, "errSecCSReqFailed");
    assert_true(has_key(f, "bundle:com.mydriver"));
    assert_non_null(strstr(f->remediation, "codesign --verify --strict"));
    assert_non_null(strstr(f->remediation, "Sign to Run Locally"));
    finding_free(f);
    ruleset_free(rs);
}

static void test_near_misses(void **state)
{
    (void)state;
    struct dw_ruleset *rs = load_shipped();
    const char *benign[] = {
        "DK: mydrv-0x100010a85 waiting for server com.mycompany.mydrvApp.mydrv-100010a85",
        "DK: MyDriver-0x100000f50::start(IOPCIDevice-0x100000f45) ok",
        "Driver com.mycompany.mydrvApp.mydrv has crashed 0 time(s)",
        "DK: com.mycompany.mydrvApp.mydrv[15788] has team identifier L86BQ63GK2",
    };
    for (size_t i = 0; i < sizeof benign / sizeof benign[0]; i++) {
        struct dw_event ev = make_event("kernel", NULL, NULL, NULL, benign[i]);
        struct dw_finding *f = ruleset_classify(rs, &ev);
        if (f && !f->link_only)
            print_error("'%s' classified as %s\n", benign[i], f->rule_id);
        /* a link rule may tie its keys, but it is never a finding */
        assert_true(f == NULL || f->link_only);
        finding_free(f);
    }
    /* the process filter: an amfid rule does not fire for another process (one
     * whose lines with codes no rule, not even other.code-in-line, reads) */
    struct dw_event ev =
        make_event("WindowServer", NULL, NULL, NULL, "/x/y signature not valid: -67050");
    assert_null(ruleset_classify(rs, &ev));
    /* ... but passes when the process is unknown (a bare paste) */
    ev = make_event(NULL, NULL, NULL, NULL, "/x/y signature not valid: -67050");
    struct dw_finding *f = ruleset_classify(rs, &ev);
    assert_non_null(f);
    assert_string_equal(f->rule_id, "amfi.requirement-failed");
    finding_free(f);
    ruleset_free(rs);
}

/* ---- load errors ---- */

#define RULE_HEAD "rules:\n  - id: t.one\n    class: dext.exit\n    severity: warning\n"
#define RULE_TAIL "    summary: 'x {a}'\n    references: [here]\n    examples:\n      - 'p: a b'\n"

static void test_good_minimal(void **state)
{
    (void)state;
    struct dw_errors err = {0};
    struct dw_ruleset *rs;
    assert_int_equal(load_text(RULE_HEAD "    match: '(?<a>a) b'\n" RULE_TAIL, &err, &rs), 0);
    assert_int_equal(err.n, 0);
    assert_int_equal(rs->nrules, 1);
    assert_int_equal(rs->npacks, 1);
    assert_string_equal(rs->packs[0].name, "t");
    assert_int_equal(rs->rules[0].src_line, 2);
    assert_int_equal(rs->rules[0].src_col, 5);
    ruleset_free(rs);
}

static void test_bad_regex(void **state)
{
    (void)state;
    /* the match value starts on line 5, column 12 */
    expect_error(RULE_HEAD "    match: '(?<a>a) (b'\n" RULE_TAIL,
                 "t.yaml:5:12: rule 't.one': match: missing closing parenthesis at offset 10",
                 "(PCRE2)");
}

static void test_missing_field(void **state)
{
    (void)state;
    expect_error("rules:\n  - id: t.one\n    class: dext.exit\n    severity: warning\n"
                 "    match: '(?<a>a)'\n    references: [r]\n    examples: ['a']\n",
                 "t.yaml:2:5: rule 't.one': ", "missing required field 'summary'");
    /* severity error needs a remediation */
    expect_error("rules:\n  - id: t.one\n    class: dext.exit\n    severity: error\n"
                 "    match: 'a'\n    summary: s\n    references: [r]\n    examples: ['a']\n",
                 "t.yaml:2:5: rule 't.one': ", "missing required field 'remediation'");
}

static void test_unknown_key(void **state)
{
    (void)state;
    expect_error(RULE_HEAD "    match: '(?<a>a)'\n    sumary: typo\n" RULE_TAIL,
                 "t.yaml:6:5: rule 't.one': ", "unknown key 'sumary'");
}

/* A link rule reports nothing: it must say so with class other and severity
 * info; `link` takes true or false. */
static void test_link_rule_fields(void **state)
{
    (void)state;
    expect_error(
        "rules:\n  - id: t.one\n    class: dext.exit\n    severity: info\n    link: true\n"
        "    match: '(?<a>a)'\n" RULE_TAIL,
        "t.yaml:5:11: rule 't.one': ", "a link rule has class 'other' and severity 'info'");
    expect_error("rules:\n  - id: t.one\n    class: other\n    severity: info\n    link: maybe\n"
                 "    match: '(?<a>a)'\n" RULE_TAIL,
                 "t.yaml:5:11: rule 't.one': ", "link: expected true or false");
}

static void test_unknown_class(void **state)
{
    (void)state;
    expect_error("rules:\n  - id: t.one\n    class: dext.explode\n    severity: warning\n"
                 "    match: '(?<a>a)'\n" RULE_TAIL,
                 "t.yaml:3:12: rule 't.one': ", "class 'dext.explode' is not in the taxonomy");
    /* one further part is allowed, two are not */
    expect_error("rules:\n  - id: t.one\n    class: dext.exit.a.b\n    severity: warning\n"
                 "    match: '(?<a>a)'\n" RULE_TAIL,
                 "t.yaml:3:12: ", "not in the taxonomy");
}

static void test_bad_placeholder(void **state)
{
    (void)state;
    expect_error(RULE_HEAD "    match: '(?<b>a)'\n" RULE_TAIL,
                 "t.yaml:", "placeholder '{a}' names no capture group");
    expect_error(RULE_HEAD "    match: '(?<a>a)'\n    remediation: 'run { x'\n" RULE_TAIL,
                 "t.yaml:6:18: ", "does not start a {name} placeholder");
}

static void test_duplicate_id(void **state)
{
    (void)state;
    const char *pack = RULE_HEAD "    match: '(?<a>a)'\n" RULE_TAIL;
    struct dw_errors err = {0};
    struct dw_ruleset *rs = ruleset_new();
    assert_int_equal(ruleset_add_buffer(rs, "one.yaml", pack, strlen(pack), &err), 0);
    assert_int_equal(ruleset_add_buffer(rs, "two.yaml", pack, strlen(pack), &err), -1);
    assert_int_equal(err.n, 1);
    assert_non_null(strstr(err.msgs[0], "two.yaml:2:5: rule 't.one': duplicate rule id"));
    assert_non_null(strstr(err.msgs[0], "one.yaml:2:5"));
    assert_int_equal(rs->nrules, 1);
    assert_int_equal(rs->npacks, 1);
    dw_errors_clear(&err);
    ruleset_free(rs);
}

static void test_yaml_syntax_error(void **state)
{
    (void)state;
    expect_error("rules:\n  - id: 'unterminated\n", "t.yaml:3:1: ", "YAML:");
    expect_error("rules: [a, b\n", "t.yaml:", "YAML:");
    expect_error("", "t.yaml: ", "empty pack");
    expect_error("rulez: []\n", "t.yaml:1:1: ", "unknown top-level key 'rulez'");
}

static void test_self_test_reports_example_failure(void **state)
{
    (void)state;
    const char *yaml = "rules:\n"
                       "  - id: t.one\n    class: dext.exit\n    severity: info\n"
                       "    match: '^hello (?<who>\\w+)'\n    summary: 'hi {who}'\n"
                       "    references: [r]\n    examples:\n"
                       "      - 'p: hello world'\n"
                       "      - line: 'p: hello there'\n        captures: {who: world}\n"
                       "      - 'p: goodbye'\n"
                       "    counterexamples: ['p: hello you']\n";
    struct dw_errors err = {0};
    struct dw_ruleset *rs;
    assert_int_equal(load_text(yaml, &err, &rs), 0);
    size_t failures = ruleset_self_test(rs, reader_read_plain_line, &err);
    assert_int_equal(failures, 3);
    assert_int_equal(err.n, 3);
    assert_non_null(
        strstr(err.msgs[0], "t.yaml:10:9: rule 't.one': example 2 capture 'who' is 'there'"));
    assert_non_null(strstr(err.msgs[1], "t.yaml:12:9: rule 't.one': example 3 not classified"));
    assert_non_null(
        strstr(err.msgs[2], "t.yaml:13:23: rule 't.one': counterexample 1 classified as 't.one'"));
    dw_errors_clear(&err);
    ruleset_free(rs);
}

/* ---- matching safety ---- */

static void test_catastrophic_backtracking(void **state)
{
    (void)state;
    const char *yaml = "rules:\n  - id: t.slow\n    class: other\n    severity: info\n"
                       "    match: '(a+)+$'\n    summary: s\n    references: [r]\n"
                       "    examples: ['p: aaa']\n";
    struct dw_errors err = {0};
    struct dw_ruleset *rs;
    assert_int_equal(load_text(yaml, &err, &rs), 0);
    char msg[4096];
    memset(msg, 'a', sizeof msg - 2);
    msg[sizeof msg - 2] = 'b';
    msg[sizeof msg - 1] = '\0';
    struct dw_event ev = make_event("p", NULL, NULL, NULL, msg);
    clock_t t0 = clock();
    struct dw_finding *f = ruleset_classify(rs, &ev);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_null(f);
    assert_int_equal(rs->limit_hits, 1);
    assert_true(secs < 5.0);
    ruleset_free(rs);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    struct dw_ruleset *rs = load_shipped();
    const char msg[] = "DK: My\xff\xfe"
                       "Driver-0x1: provider entitlements check failed \xc3";
    struct dw_event ev = make_event("kernel", NULL, NULL, NULL, msg);
    struct dw_finding *f = ruleset_classify(rs, &ev);
    finding_free(f); /* whatever the result, no crash and no UTF error */
    /* invalid sequences never match a pattern item, but text around them still matches */
    const char msg2[] = "/x/y.app/y not valid: Error Domain=AppleMobileFileIntegrityError "
                        "Code=-413 \"No matching profile found\" UserInfo=\xed\xa0\x80\xc3";
    ev = make_event("amfid", NULL, NULL, NULL, msg2);
    f = ruleset_classify(rs, &ev);
    assert_non_null(f);
    assert_string_equal(f->rule_id, "amfi.no-matching-profile");
    assert_int_equal(rs->limit_hits, 0);
    finding_free(f);
    ruleset_free(rs);
}

static void test_render(void **state)
{
    (void)state;
    struct dw_capture caps[] = {{"a", "{b}"}, {"b", "BEE"}, {"pct", "%s%n"}};
    char *s = rule_render("x {a} {b} {{a}} }} {pct} {nope} {", caps, 3);
    assert_string_equal(s, "x {b} BEE {a} } %s%n {nope} {");
    free(s);
    s = rule_render("", caps, 3);
    assert_string_equal(s, "");
    free(s);
    assert_null(rule_render(NULL, caps, 3));
}

/* `{process}` in a template is the event's process (issue 13: the catch-all
 * says "unrecognised failure from <process>"); a group of that name wins; a
 * line without a process column says so.  The catch-alls name what their
 * line names as the subject (a bundle id, a kext), not the process. */
static void test_process_placeholder_and_subject(void **state)
{
    (void)state;
    struct dw_errors err = {0};
    struct dw_ruleset *rs;
    assert_int_equal(load_text("rules:\n  - id: t.one\n    class: other.unrecognised\n"
                               "    severity: warning\n    match: '(?<a>fail.*)'\n"
                               "    summary: 'from {process}: {a}'\n    references: [here]\n"
                               "    examples:\n      - 'p: failed'\n"
                               "  - id: t.two\n    class: dext.exit\n    severity: warning\n"
                               "    match: '(?<process>\\w+) quit'\n"
                               "    summary: 'by {process}'\n    references: [here]\n"
                               "    examples:\n      - 'p: x quit'\n",
                               &err, &rs),
                     0);
    /* lines of wild b-31 and b-30 (kextload output) */
    struct dw_event ev =
        make_event("kextd", NULL, NULL, NULL,
                   "Kext com.fsb.kext.logKext failed to load - (libkern/kext) not privileged");
    struct dw_finding *f = ruleset_classify(rs, &ev);
    assert_non_null(f);
    assert_string_equal(f->summary, "from kextd: failed to load - (libkern/kext) not privileged");
    int rank;
    char *subject = finding_subject(f, &rank);
    assert_string_equal(subject, "com.fsb.kext.logKext");
    assert_int_equal(rank, 3);
    free(subject);
    finding_free(f);
    ev = make_event(NULL, NULL, NULL, NULL,
                    "/tmp/AppleGraphicsPowerManagement.kext failed to load - (libkern/kext) not "
                    "loadable (reason unspecified)");
    f = ruleset_classify(rs, &ev);
    assert_string_equal(f->summary, "from an unnamed process: failed to load - (libkern/kext) not "
                                    "loadable (reason unspecified)");
    subject = finding_subject(f, &rank);
    assert_string_equal(subject, "AppleGraphicsPowerManagement.kext");
    free(subject);
    finding_free(f);
    ev = make_event("sysextd", NULL, NULL, NULL, "failed: com.apple.developer.driverkit 1.2.3");
    f = ruleset_classify(rs, &ev);
    subject = finding_subject(f, &rank); /* Apple's names and versions are no subject */
    assert_string_equal(subject, "sysextd");
    assert_int_equal(rank, 1);
    free(subject);
    finding_free(f);
    ev = make_event("kernel", NULL, NULL, NULL, "a quit");
    f = ruleset_classify(rs, &ev);
    assert_string_equal(f->summary, "by a");
    subject = finding_subject(f, &rank); /* not a catch-all: the process */
    assert_string_equal(subject, "kernel");
    free(subject);
    finding_free(f);
    ruleset_free(rs);

    char *named =
        dw_subject_from_text("Prelink failed for org.hwsensors.driver.MotherboardSensors; "
                             "aborting prelink.");
    assert_string_equal(named, "org.hwsensors.driver.MotherboardSensors");
    free(named);
    named = dw_subject_from_text("sysextd: /Library/SystemExtensions/AB12/com.x.y.dext/com.x.y "
                                 "invalid com.other.z");
    assert_string_equal(named, "com.x.y");
    free(named);
    named = dw_subject_from_text("es.govost.ryan.Thunderbolt3Unblocker.kext failed to load");
    assert_string_equal(named, "es.govost.ryan.Thunderbolt3Unblocker");
    free(named);
    assert_null(dw_subject_from_text("kext_tools-692.0.0.141.1/kc_staging.m.279: error 2"));

    /* a finding of kextutil's Diagnostics block: the kext named by its
     * sender (the block's path; wild a-18, b-25) */
    struct dw_finding diag = {.class_name = "codesign.unsigned",
                              .process = "kextutil",
                              .message = "Code Signing Failure: not code signed"};
    const char *senders[] = {"/Library/Extensions/IOUSBHIDDriverDescriptorOverride.kext",
                             "NVWebDriverLibValFix.kext"};
    const char *kexts[] = {"IOUSBHIDDriverDescriptorOverride.kext", "NVWebDriverLibValFix.kext"};
    for (int k = 0; k < 2; k++) {
        diag.sender = (char *)senders[k];
        named = finding_subject(&diag, &rank);
        assert_string_equal(named, kexts[k]);
        assert_int_equal(rank, 3);
        free(named);
    }
}

static void test_derive_keys(void **state)
{
    (void)state;
    struct dw_capture caps[] = {{"bundle", "Com.Example.Drv.dext"},
                                {"tag", "0x000ABC"},
                                {"path", "/Library/SystemExtensions/U/com.other.dext/com.other"}};
    struct dw_finding f = {0};
    f.caps = caps;
    f.ncaps = 3;
    f.sender = "/Library/SystemExtensions/U/com.third.dext/com.third";
    finding_derive_keys(&f);
    assert_int_equal(f.nkeys, 4);
    assert_string_equal(f.keys[0], "bundle:com.example.drv");
    assert_string_equal(f.keys[1], "tag:abc");
    assert_string_equal(f.keys[2], "bundle:com.other");
    assert_string_equal(f.keys[3], "bundle:com.third");
    for (size_t i = 0; i < f.nkeys; i++)
        free(f.keys[i]);
    free(f.keys);

    struct dw_capture odd[] = {{"tag", "0x0"}, {"tag", "xyz"}, {"path", "/no/dext/here"}};
    struct dw_finding g = {0};
    g.caps = odd;
    g.ncaps = 3;
    g.sender = "com.MyDriver.dext";
    finding_derive_keys(&g);
    assert_int_equal(g.nkeys, 2);
    assert_string_equal(g.keys[0], "tag:0");
    assert_string_equal(g.keys[1], "bundle:com.mydriver");
    for (size_t i = 0; i < g.nkeys; i++)
        free(g.keys[i]);
    free(g.keys);
}

static void test_decode_table(void **state)
{
    (void)state;
    const char *yaml = "rules:\n  - id: t.sx\n    class: sysext.activation-failed\n"
                       "    severity: warning\n"
                       "    match: 'OSSystemExtensionErrorDomain error (?<sx>\\d+)'\n"
                       "    summary: 'code {sx}'\n    decode: {sx: sysext-errors}\n"
                       "    references: [r]\n"
                       "    examples: ['app: OSSystemExtensionErrorDomain error 8']\n";
    struct dw_errors err = {0};
    struct dw_ruleset *rs = ruleset_new();
    codes_free(rs->codes);
    rs->codes = codes_load_dir(DW_SOURCE_DIR "/rules/codes", &err);
    assert_non_null(rs->codes);
    assert_int_equal(ruleset_add_buffer(rs, "t.yaml", yaml, strlen(yaml), &err), 0);
    struct dw_event ev =
        make_event("app", NULL, NULL, NULL, "OSSystemExtensionErrorDomain error 8");
    struct dw_finding *f = ruleset_classify(rs, &ev);
    assert_non_null(f);
    assert_int_equal(f->ndecoded, 1);
    assert_string_equal(f->decoded[0].name, "OSSystemExtensionErrorCodeSignatureInvalid");
    finding_free(f);
    /* an unknown table name is a load error when tables are loaded */
    const char *bad = "rules:\n  - id: t.sy\n    class: other\n    severity: info\n"
                      "    match: '(?<sx>\\d+)'\n    summary: s\n    decode: {sx: nope}\n"
                      "    references: [r]\n    examples: ['a: 1']\n";
    assert_int_equal(ruleset_add_buffer(rs, "u.yaml", bad, strlen(bad), &err), -1);
    assert_int_equal(err.n, 1);
    assert_non_null(
        strstr(err.msgs[0], "u.yaml:7:14: rule 't.sy': decode: unknown code table 'nope'"));
    dw_errors_clear(&err);
    ruleset_free(rs);
}

/* Derives the literals of pattern and compares them with the expected list
 * (NULL-terminated; an empty list means "no literal"). */
static void expect_literals(const char *pattern, const char *const *want)
{
    char **got;
    size_t n = rule_literals_derive(pattern, &got);
    size_t nw = 0;
    while (want[nw])
        nw++;
    if (n != nw)
        print_error("pattern %s: %zu literals (expected %zu)\n", pattern, n, nw);
    assert_int_equal(n, nw);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(got[i], want[i]);
        free(got[i]);
    }
    free(got);
}

static void test_literals_derive(void **state)
{
    (void)state;
    expect_literals(
        "^\\s*DK: (?<c>[^\\s:]+?)-0x(?<t>[0-9a-f]+): provider entitlements check failed\\s*$",
        (const char *[]){": provider entitlements check failed", NULL});
    /* escaped punctuation is literal; the quantified atom leaves the run */
    expect_literals("Kernel requested exit \\((?<r>.*)\\)",
                    (const char *[]){"Kernel requested exit (", NULL});
    expect_literals("abcdef?ghi", (const char *[]){"abcde", NULL});
    expect_literals("AMFI: bailing out\\.?$", (const char *[]){"AMFI: bailing out", NULL});
    expect_literals("x{2,3}yz0123", (const char *[]){"yz0123", NULL});
    /* top-level alternation: one literal per branch, or none */
    expect_literals("ack timer expired after \\d+|Shutdown timed out",
                    (const char *[]){"ack timer expired after ", "Shutdown timed out", NULL});
    expect_literals("long literal here|\\d+", (const char *[]){NULL});
    /* a required group gives its branches' literals; an optional one nothing */
    expect_literals(
        "^\\s*(?:Could not initialize token|(?<s>\\S+) failed to create check in token)\\s*$",
        (const char *[]){"Could not initialize token", " failed to create check in token", NULL});
    expect_literals("^(?:abcdef|ghijkl)?x$", (const char *[]){NULL});
    expect_literals("^(?=abcdef)\\w+$", (const char *[]){NULL});
    expect_literals("^(?!abcdef)\\w+$", (const char *[]){NULL});
    /* caseless or extended patterns: literal text does not mean what it says */
    expect_literals("(?i)provider entitlements", (const char *[]){NULL});
    expect_literals("(?x) provider \\s entitlements", (const char *[]){NULL});
    /* classes, dots and escapes end runs; too short gives nothing */
    expect_literals("ab[cde]fg.hi\\dkl", (const char *[]){NULL});
    expect_literals("[(|)]abcd", (const char *[]){"abcd", NULL});
    expect_literals("pr\\x{e9}f\\x41bc", (const char *[]){NULL});
    expect_literals("vérifié", (const char *[]){"vérifié", NULL});
}

/* Declared literals are checked against the examples by the self-test. */
static void test_literals_declared_and_soundness(void **state)
{
    (void)state;
    const char *yaml = "rules:\n  - id: t.lit\n    class: other\n    severity: info\n"
                       "    match: '^(?:alpha|beta) one$'\n    literals: [gamma]\n"
                       "    summary: s\n    references: [r]\n"
                       "    examples: ['k: alpha one']\n";
    struct dw_errors err = {0};
    struct dw_ruleset *rs;
    assert_int_equal(load_text(yaml, &err, &rs), 0);
    assert_int_equal(rs->rules[0].nliterals, 1);
    assert_true(rs->rules[0].literals_declared);
    assert_int_equal(ruleset_self_test(rs, reader_read_plain_line, &err), 1);
    assert_non_null(strstr(err.msgs[0], "none of the rule's declared literals ('gamma')"));
    dw_errors_clear(&err);
    ruleset_free(rs);
    const char *empty = "rules:\n  - id: t.lit\n    class: other\n    severity: info\n"
                        "    match: 'x'\n    literals: ['']\n    summary: s\n"
                        "    references: [r]\n    examples: ['k: x']\n";
    assert_int_equal(load_text(empty, &err, &rs), -1);
    assert_non_null(strstr(err.msgs[0], "empty literal"));
    dw_errors_clear(&err);
    ruleset_free(rs);
    /* every shipped rule has literals, and every example contains one */
    rs = load_shipped();
    for (size_t i = 0; i < rs->nrules; i++) {
        if (rs->rules[i].nliterals == 0)
            print_error("rule %s has no literals\n", rs->rules[i].id);
        assert_true(rs->rules[i].nliterals > 0);
    }
    ruleset_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_packs_load_and_self_test),
        cmocka_unit_test(test_seed_case),
        cmocka_unit_test(test_near_misses),
        cmocka_unit_test(test_good_minimal),
        cmocka_unit_test(test_bad_regex),
        cmocka_unit_test(test_missing_field),
        cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_unknown_class),
        cmocka_unit_test(test_link_rule_fields),
        cmocka_unit_test(test_bad_placeholder),
        cmocka_unit_test(test_duplicate_id),
        cmocka_unit_test(test_yaml_syntax_error),
        cmocka_unit_test(test_self_test_reports_example_failure),
        cmocka_unit_test(test_catastrophic_backtracking),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_process_placeholder_and_subject),
        cmocka_unit_test(test_derive_keys),
        cmocka_unit_test(test_decode_table),
        cmocka_unit_test(test_literals_derive),
        cmocka_unit_test(test_literals_declared_and_soundness),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
