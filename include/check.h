/* check.h - `dextwatch check`: what is wrong with a bundle before macOS
 * refuses it (code signature, entitlements, provisioning profile,
 * personalities, PCI match strings, architectures).
 *
 * The checks read a dw_bundle (bundle.h) and produce findings in the
 * product's own model (incident.h): rule id, class, severity, summary,
 * remediation with its references, and the file (and Info.plist line) it is
 * about.  Each bundle, and each system extension inside an app, is one
 * incident whose subject is its bundle id, so the report writers print it as
 * they print a log incident. */
#ifndef DW_CHECK_H
#define DW_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "bundle.h"
#include "incident.h"

/* One --ioreg listing: `ioreg -a -l -r -c IOPCIDevice` (or IOUSBHostDevice,
 * IOHIDInterface) output, and its file for the findings. */
struct dw_ioreg_listing {
    plist_t plist; /* borrowed */
    const char *path;
};
#define DW_CHECK_IOREG_MAX 8

struct dw_check_opts {
    bool development; /* a development Mac (SIP off): ad-hoc signing is a warning */
    int64_t now;      /* Unix seconds, for profile expiry */
    struct dw_ioreg_listing ioreg[DW_CHECK_IOREG_MAX];
    size_t nioreg;
};

/* One static check: what it finds and what to do. */
struct dw_check_rule {
    const char *id;
    const char *class_name;
    int severity;
    int priority; /* root cause of a bundle's incident: the highest */
    const char *remediation;
    const char *references; /* the public sources, one per line */
};
extern const struct dw_check_rule dw_check_rules[];
extern const size_t dw_check_nrules;
const struct dw_check_rule *check_rule(const char *id);

/* Called with each incident (ownership passes to the callee). */
typedef void (*dw_check_cb)(struct dw_incident *inc, void *ctx);
/* Checks b and, for an app, each of its system extensions: one incident each,
 * in that order.  A bundle with nothing to say still yields an incident with
 * the info finding that describes its signature. */
void check_bundle(const struct dw_bundle *b, const struct dw_check_opts *opts, dw_check_cb cb,
                  void *ctx);

/* ---- PCI match strings (check_pci.c), exported for the unit tests ---- */

/* One "value&mask" term as IOPCIFamily's IOPCIBridge::matchKeys reads it. */
struct dw_pci_term {
    uint32_t value, mask;
    bool has_mask;
    int mask_digits; /* hex digits written for the mask (without 0x) */
    bool truncated;  /* the value or mask did not fit 32 bits */
};
#define DW_PCI_MAX_TERMS 64
/* Parses a match string with matchKeys' strtoul loop: terms separated by
 * spaces, "&mask" optional (default_mask otherwise); parsing stops at the
 * first text that is not a number, as the kernel's does.  Returns the number
 * of terms (0..DW_PCI_MAX_TERMS) and sets *rest to the unparsed text. */
size_t pci_parse_match(const char *s, uint32_t default_mask, struct dw_pci_term *terms,
                       const char **rest);
/* True when (reg & mask) == (value & mask) for some term. */
bool pci_terms_match(const struct dw_pci_term *terms, size_t n, uint32_t reg);
/* True when every register value that term t matches is matched by cover. */
bool pci_term_covers(const struct dw_pci_term *cover, const struct dw_pci_term *t);

/* ---- internal to the check modules ---- */
struct dw_check_ctx {
    const struct dw_bundle *b;
    const struct dw_check_opts *opts;
    struct dw_incident *inc;
    const char *subject;
    const struct dw_bundle *host; /* the app holding b, or NULL */
};
/* Adds a finding of rule id (severity -1: the rule's) about file `input` at
 * line (0 when not a text line), summary formatted from fmt. */
void check_report(struct dw_check_ctx *c, const char *id, int severity, const char *input,
                  long line, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* The 1-based line of "<key>key</key>" in the XML Info.plist (the first
 * after "<key>after</key>" when after is not NULL), or 0. */
long check_info_line(const struct dw_bundle *b, const char *after, const char *key);
void check_signature(struct dw_check_ctx *c);
void check_entitlements(struct dw_check_ctx *c);
void check_personalities(struct dw_check_ctx *c);
void check_host(struct dw_check_ctx *c);
/* PCI personalities against one --ioreg listing (check_ioreg.c). */
void check_ioreg(struct dw_check_ctx *c, const struct dw_ioreg_listing *l);
void check_usb(struct dw_check_ctx *c);
void check_hid(struct dw_check_ctx *c);
void check_provision(struct dw_check_ctx *c);
/* The family entitlement a personality's IOClass needs (check_family.c);
 * what names the personality in messages. */
void check_family(struct dw_check_ctx *c, const char *what, plist_t pers, const char *name);
/* One row of the family table: a kernel class and the entitlement its
 * IOServiceDEXTEntitlements demands, with the public source of the pairing. */
struct dw_family_row {
    const char *io_class, *entitlement, *framework, *source;
};
extern const struct dw_family_row dw_family_table[];
extern const size_t dw_family_nrows;
/* Calls fn with every registry entry (dictionary) of an ioreg -a listing:
 * the arrays and IORegistryEntryChildren, depth first, at most 64 deep. */
void check_ioreg_each(plist_t node, int depth, void (*fn)(plist_t entry, void *ctx), void *ctx);
/* USB and HID personalities against an --ioreg listing (check_ioreg_usb.c). */
void check_ioreg_usb(struct dw_check_ctx *c, const struct dw_ioreg_listing *l);
void check_resources(struct dw_check_ctx *c);
/* Files of the bundle the seal does not cover (check_unsealed.c); called by
 * check_resources once CodeResources is known to be the one signed. */
void check_unsealed(struct dw_check_ctx *c);
/* Entitlement names that only a provisioning profile can grant. */
bool check_is_restricted(const char *entitlement);

#endif
