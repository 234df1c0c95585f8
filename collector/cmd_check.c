/* cmd_check.c - `dextwatch check`: static checks of dexts, system
 * extensions, kexts, apps and Mach-O files, reported like `scan` incidents
 * (one per bundle) in every format, with the same exit codes. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle.h"
#include "check.h"
#include "cli.h"
#include "report.h"

static const char check_usage[] =
    "usage: dextwatch check [--development] [--ioreg FILE] [--format F [--output FILE]]...\n"
    "                       [--fail-on LEVEL|never] [-q] PATH...\n"
    "\n"
    "Checks a bundle offline, before macOS refuses it: code signature (present,\n"
    "intact: page hashes, sealed Info.plist and entitlements, CMS; ad-hoc with\n"
    "restricted entitlements), embedded.provisionprofile (present, unexpired,\n"
    "signing certificate, team, every restricted entitlement allowed value by\n"
    "value), com.apple.developer.driverkit, IOKitPersonalities (bundle id, IOClass,\n"
    "IOUserClass, IOUserServerName, IOProviderClass), PCI match strings as\n"
    "IOPCIFamily reads them (zero masks, digit counts, `&amp;`, transport.pci\n"
    "coverage) and arm64e-only executables.  PATH is a .app (its\n"
    "Contents/Library/SystemExtensions/* are checked too), .dext, .systemextension,\n"
    ".kext or a Mach-O file.  Each bundle is one incident.\n"
    "\n"
    "  --development      the bundle is for a development Mac with SIP disabled:\n"
    "                     an ad-hoc signature with restricted entitlements is a\n"
    "                     warning, not an error\n"
    "  --ioreg FILE       the Mac's PCI devices, from `ioreg -a -l -r -c IOPCIDevice`:\n"
    "                     for each device a personality matches, whether the kernel\n"
    "                     accepts it (transport.pci entry, built-in, IOServiceDEXTEntitlements)\n"
    "  --format F         text|json|github|junit|markdown; may be repeated\n"
    "  --output FILE      write the --format just before it to FILE\n"
    "  --fail-on LEVEL    info|warning|error|critical|never (default error)\n"
    "  -q, --quiet        no summary on stderr\n"
    "\n"
    "Exit status: 0 nothing at or above --fail-on, 1 findings at or above it,\n"
    "2 usage error or a PATH that cannot be read (2 wins over 1).\n";

struct check_run {
    struct dw_outputs outs;
    int fail_on;
    long ordinal;
    size_t findings;
    struct dw_report_run run;
    struct dw_buf out;
};

static void on_incident(struct dw_incident *inc, void *ctx)
{
    struct check_run *r = ctx;
    struct dw_report_item item = {.inc = inc, .id = ++r->ordinal,
                                  .original_severity = inc->severity};
    item.verdict = inc->severity >= r->fail_on ? DW_VERDICT_FAIL : DW_VERDICT_PASS;
    if (item.verdict == DW_VERDICT_FAIL)
        r->run.failing++;
    else
        r->run.passing++;
    r->run.incidents++;
    r->run.findings += inc->count;
    r->findings += inc->count;
    if (inc->severity >= DW_SEV_INFO && inc->severity <= DW_SEV_CRITICAL)
        r->run.by_severity[inc->severity]++;
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
    for (size_t i = 0; i < err.n; i++)
        cli_error("%s", err.msgs[i]);
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
        cli_error("check: --ioreg %s: %s (expected the output of `ioreg -a -l -r -c IOPCIDevice`)",
                  path, why);
    return p;
}

static void summary(const struct check_run *r)
{
    fprintf(stderr, "dextwatch: checked %llu path%s: %llu incident%s", (unsigned long long)r->run.inputs,
            r->run.inputs == 1 ? "" : "s", (unsigned long long)r->run.incidents,
            r->run.incidents == 1 ? "" : "s");
    for (int s = DW_SEV_CRITICAL; s >= DW_SEV_INFO; s--)
        if (r->run.by_severity[s])
            fprintf(stderr, ", %llu %s", (unsigned long long)r->run.by_severity[s],
                    dw_severity_name(s));
    fprintf(stderr, "; %llu failing\n", (unsigned long long)r->run.failing);
}

int cmd_check(int argc, char **argv)
{
    enum { O_DEVELOPMENT = 256, O_IOREG };
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"fail-on", required_argument, NULL, 'F'},
        {"development", no_argument, NULL, O_DEVELOPMENT},
        {"ioreg", required_argument, NULL, O_IOREG},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct check_run r = {.fail_on = DW_SEV_ERROR};
    struct dw_check_opts opts = {.now = (int64_t)time(NULL)};
    struct dw_errors err = {0};
    bool quiet = false;
    int c, status = DW_EXIT_OK;
    optind = 1;
    while ((c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
        case 'o':
            if ((c == 'f' ? outputs_add_format(&r.outs, optarg, &err)
                          : outputs_set_path(&r.outs, optarg, &err)) != 0) {
                cli_error("check: %s", err.msgs[0]);
                status = DW_EXIT_USAGE;
                goto done;
            }
            break;
        case 'F':
            if (strcmp(optarg, "never") == 0)
                r.fail_on = 99;
            else if (dw_severity_parse(optarg, &r.fail_on) != 0) {
                cli_error("check: unknown --fail-on '%s' (info|warning|error|critical|never)",
                          optarg);
                status = DW_EXIT_USAGE;
                goto done;
            }
            break;
        case O_DEVELOPMENT: opts.development = true; break;
        case O_IOREG: opts.ioreg_path = optarg; break;
        case 'q': quiet = true; break;
        case 'h': fputs(check_usage, stdout); goto done;
        default:
            fputs(check_usage, stderr);
            status = DW_EXIT_USAGE;
            goto done;
        }
    }
    if (optind >= argc) {
        cli_error("check: no PATH (a .app, .dext, .systemextension, .kext or Mach-O file)");
        fputs(check_usage, stderr);
        status = DW_EXIT_USAGE;
        goto done;
    }
    if (opts.ioreg_path && !(opts.ioreg = load_ioreg(opts.ioreg_path))) {
        status = DW_EXIT_USAGE;
        goto done;
    }
    struct dw_report_opts ro = {.title = "dextwatch check", .quiet = true, .verbose = true,
                                .color = cli_use_color(stdout)};
    if (outputs_settle(&r.outs, false, &err) != 0 || outputs_open(&r.outs, &ro, &err) != 0) {
        cli_error("check: %s", err.msgs[0]);
        status = DW_EXIT_USAGE;
        goto done;
    }
    for (int i = optind; i < argc; i++)
        if (check_path(&r, argv[i], &opts) != 0)
            status = DW_EXIT_USAGE;
    for (size_t i = 0; i < r.outs.n; i++) {
        report_finish(r.outs.v[i].report, &r.run, &r.out);
        outputs_write(&r.outs.v[i], &r.out);
    }
    dw_errors_clear(&err);
    if (outputs_close(&r.outs, &err) != 0) {
        for (size_t i = 0; i < err.n; i++)
            cli_error("%s", err.msgs[i]);
        status = DW_EXIT_USAGE;
    }
    if (!quiet)
        summary(&r);
    if (status == DW_EXIT_OK && r.run.failing)
        status = DW_EXIT_FOUND;
done:
    plist_free(opts.ioreg);
    outputs_free(&r.outs);
    dw_errors_clear(&err);
    buf_free(&r.out);
    return status;
}
