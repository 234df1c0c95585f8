/* cmd_check.c - `dextwatch check`: static checks of dexts, system
 * extensions, kexts, apps and Mach-O files, reported like `scan` incidents
 * (one per bundle) in every format, with the same exit codes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle.h"
#include "check.h"
#include "cli.h"
#include "report.h"
#include "verdict.h"

enum {
    CHECK_DEVELOPMENT,
    CHECK_IOREG,
    CHECK_FORMAT,
    CHECK_OUTPUT,
    CHECK_FAIL_ON,
    CHECK_QUIET,
    CHECK_BRIEF,
    CHECK_COLOR,
    CHECK_HELP
};
static const struct cli_opt check_opts[] = {
    [CHECK_DEVELOPMENT] = {"development", 0, NULL, NULL,
                           "the bundle is for a development Mac with SIP disabled:\n"
                           "an ad-hoc signature with restricted entitlements is a\n"
                           "warning, not an error; no warning for development signing"},
    [CHECK_IOREG] = {"ioreg", 0, "FILE", NULL,
                     "the Mac's devices, from `ioreg -a -l -r -c IOPCIDevice`\n"
                     "(or IOUSBHostDevice, IOHIDInterface): for each device a\n"
                     "personality matches, whether the kernel accepts it\n"
                     "(transport.pci/.usb entry, transport.hid, built-in,\n"
                     "IOServiceDEXTEntitlements); may be repeated (PCI, USB and HID)"},
    [CHECK_FORMAT] = CLI_OPT_FORMAT,
    [CHECK_OUTPUT] = CLI_OPT_OUTPUT,
    [CHECK_FAIL_ON] = {"fail-on", 0, "LEVEL", DW_FAIL_ON_NAMES,
                       "info|warning|error|critical|never (default error)"},
    [CHECK_QUIET] = {"quiet", 'q', NULL, NULL, "no summary on stderr"},
    [CHECK_BRIEF] = CLI_OPT_BRIEF,
    [CHECK_COLOR] = CLI_OPT_COLOR,
    [CHECK_HELP] = CLI_OPT_HELP,
    {0},
};

static int cmd_check(const struct cli_cmd *self, int argc, char **argv);

const struct cli_cmd cmd_check_entry = {
    .name = "check",
    .summary = "check a dext, system extension, kext or app bundle before macOS refuses it",
    .usage = "check [--development] [--ioreg FILE]... [--format F [--output FILE]]...\n"
             "                       [--fail-on LEVEL|never] [--brief] [--color WHEN] [-q] PATH...",
    .about = "Checks a bundle offline, before macOS refuses it: code signature (present,\n"
             "intact: page hashes of every CodeDirectory, sealed Info.plist, CodeResources and\n"
             "entitlements, CMS and the CodeDirectories it signed; files added after signing;\n"
             "ad-hoc with restricted entitlements; DER vs XML entitlements),\n"
             "embedded.provisionprofile (present, for this bundle, unexpired, signing\n"
             "certificate, team, every restricted entitlement allowed value by value),\n"
             "com.apple.developer.driverkit and family entitlements, IOKitPersonalities\n"
             "(bundle id, IOClass, IOUserClass, IOUserServerName, IOProviderClass), PCI match\n"
             "strings as IOPCIFamily reads them (zero masks, digit counts, `&amp;`,\n"
             "transport.pci coverage), transport.usb idVendor, transport.hid, the host app\n"
             "of a system extension, and the executable's slices.  PATH is a .app (its\n"
             "Contents/Library/SystemExtensions/* are checked too), .dext, .systemextension,\n"
             ".kext or a Mach-O file.  Each bundle is one incident.",
    .opts = check_opts,
    .operands = "PATH...",
    .epilog = "Exit status: 0 nothing at or above --fail-on, 1 findings at or above it,\n"
              "2 usage error or a PATH that cannot be read (2 wins over 1).",
    .run = cmd_check,
};

struct check_run {
    struct dw_outputs outs;
    bool brief;           /* --brief */
    enum cli_color color; /* --color */
    struct dw_verdict_policy policy;
    long ordinal;
    size_t findings;
    struct dw_report_run run;
    struct dw_buf out;
};

static void on_incident(struct dw_incident *inc, void *ctx)
{
    struct check_run *r = ctx;
    struct dw_verdict_result v;
    verdict_decide(&r->policy, inc, &v);
    verdict_count(&r->run.verdicts, &v);
    struct dw_report_item item = {.inc = inc,
                                  .id = ++r->ordinal,
                                  .verdict = v.verdict,
                                  .original_severity = inc->severity,
                                  .note = v.note};
    r->run.incidents++;
    r->run.findings += inc->count;
    r->findings += inc->count;
    for (size_t i = 0; i < r->outs.n; i++) {
        report_incident(r->outs.v[i].report, &item, &r->out);
        outputs_write(&r->outs.v[i], &r->out);
    }
    incident_free(inc);
}

/* Checks one PATH; 0, or -1 when it cannot be read (reported). */
static int check_path(struct check_run *r, const char *path, const struct dw_check_opts *opts)
{
    struct dw_errors err = {0};
    struct dw_bundle *b = bundle_open(path, &err);
    size_t before = r->findings;
    if (b)
        check_bundle(b, opts, on_incident, r);
    cli_errors(&err);
    dw_errors_clear(&err);
    struct dw_report_input in = {
        .name = path, .events = r->findings - before, .read_error = b == NULL};
    r->run.inputs++;
    for (size_t i = 0; i < r->outs.n; i++) {
        report_input(r->outs.v[i].report, &in, &r->out);
        outputs_write(&r->outs.v[i], &r->out);
    }
    bundle_free(b);
    return b ? 0 : -1;
}

/* Reads the --ioreg plist; NULL after saying why. */
static plist_t load_ioreg(const char *path)
{
    unsigned char *data = NULL;
    size_t len = 0;
    const char *why = NULL;
    if (bundle_read_file(path, 64u << 20, &data, &len) != 0) {
        cli_error("check: --ioreg %s: %s", path, strerror(errno));
        return NULL;
    }
    plist_t p = dw_plist_parse(data, len, &why);
    free(data);
    if (!p)
        cli_error("check: --ioreg %s: %s (expected the output of `ioreg -a -l -r -c IOPCIDevice`, "
                  "IOUSBHostDevice or IOHIDInterface)",
                  path, why);
    return p;
}

static void summary(const struct check_run *r)
{
    const struct dw_verdict_tally *t = &r->run.verdicts;
    fprintf(stderr, "dextwatch: checked %llu path%s: %llu incident%s",
            (unsigned long long)r->run.inputs, r->run.inputs == 1 ? "" : "s",
            (unsigned long long)r->run.incidents, r->run.incidents == 1 ? "" : "s");
    for (int s = DW_SEV_CRITICAL; s >= DW_SEV_INFO; s--)
        if (t->by_severity[s])
            fprintf(stderr, ", %llu %s", (unsigned long long)t->by_severity[s],
                    dw_severity_name(s));
    fprintf(stderr, "; %llu failing\n", (unsigned long long)t->failing);
}

/* One option into r/opts.  -1 to go on, else the exit status. */
static int check_option(const struct cli_cmd *self, struct check_run *r, struct dw_check_opts *opts,
                        bool *quiet, int o, const char *arg)
{
    struct dw_errors e = {0};
    int rc = 0;
    switch (o) {
    case CHECK_DEVELOPMENT:
        opts->development = true;
        break;
    case CHECK_IOREG:
        if (opts->nioreg == DW_CHECK_IOREG_MAX)
            return cli_usage_error(self, "--ioreg: at most %d listings", DW_CHECK_IOREG_MAX);
        opts->ioreg[opts->nioreg++].path = arg;
        break;
    case CHECK_FORMAT:
        rc = outputs_add_format(&r->outs, arg, &e);
        break;
    case CHECK_OUTPUT:
        rc = outputs_set_path(&r->outs, arg, &e);
        break;
    case CHECK_FAIL_ON:
        verdict_fail_on_parse(arg, &r->policy.fail_on);
        break; /* values checked */
    case CHECK_QUIET:
        *quiet = true;
        break;
    case CHECK_BRIEF:
        r->brief = true;
        break;
    case CHECK_COLOR:
        cli_color_parse(arg, &r->color);
        break; /* values checked */
    }
    if (rc != 0)
        cli_usage_error(self, "%s", e.msgs[0]);
    dw_errors_clear(&e);
    return rc != 0 ? DW_EXIT_USAGE : -1;
}

/* Checks every PATH into the outputs; true when one could not be read. */
static bool check_all(struct check_run *r, const struct dw_check_opts *opts, char **paths, int n)
{
    bool input_error = false;
    for (int i = 0; i < n; i++)
        if (check_path(r, paths[i], opts) != 0)
            input_error = true;
    for (size_t i = 0; i < r->outs.n; i++) {
        report_finish(r->outs.v[i].report, &r->run, &r->out);
        outputs_write(&r->outs.v[i], &r->out);
    }
    return input_error;
}

static int cmd_check(const struct cli_cmd *self, int argc, char **argv)
{
    struct check_run r = {.policy = {.fail_on = DW_FAIL_ON_ERROR}};
    struct dw_check_opts opts = {.now = (int64_t)time(NULL)};
    struct dw_errors err = {0};
    bool quiet = false;
    int status = -1;
    struct cli_parser p;
    cli_parse_begin(&p, self, argc, argv);
    for (int o; status < 0 && (o = cli_next(&p)) >= 0;)
        status = check_option(self, &r, &opts, &quiet, o, p.arg);
    cli_parse_end(&p);
    if (status < 0 && p.status >= 0)
        status = p.status;
    if (status < 0 && p.optind >= argc)
        status = cli_usage_error(self,
                                 "no PATH (a .app, .dext, .systemextension, .kext or Mach-O file)");
    struct dw_report_opts ro = {.title = "dextwatch check",
                                .quiet = true,
                                .verbose = true,
                                .brief = r.brief,
                                .color = cli_use_color(stdout, r.color)};
    if (status < 0 &&
        (outputs_settle(&r.outs, false, &err) != 0 || outputs_open(&r.outs, &ro, &err) != 0))
        status = cli_usage_error(self, "%s", err.msgs[0]);
    for (size_t i = 0; status < 0 && i < opts.nioreg; i++)
        if (!(opts.ioreg[i].plist = load_ioreg(opts.ioreg[i].path)))
            status = DW_EXIT_USAGE;
    if (status < 0) {
        bool input_error = check_all(&r, &opts, argv + p.optind, argc - p.optind);
        dw_errors_clear(&err);
        if (outputs_close(&r.outs, &err) != 0) {
            cli_errors(&err);
            input_error = true;
        }
        if (!quiet)
            summary(&r);
        status = verdict_exit_status(&r.run.verdicts, input_error);
    }
    for (size_t i = 0; i < opts.nioreg; i++)
        plist_free(opts.ioreg[i].plist);
    outputs_free(&r.outs);
    dw_errors_clear(&err);
    buf_free(&r.out);
    return status;
}
