/* check_provision.c - what the provisioning profile says about where the
 * code may run and for how long (TN3125): a development profile lists the
 * Macs it allows (ProvisionedDevices, by Provisioning UDID), a Developer ID
 * profile allows every Mac (ProvisionsAllDevices); and a profile about to
 * expire stops the dext from loading when it does (expired: check.profile-expired). */
#include <string.h>

#include "check.h"

#define EXPIRY_WARN_DAYS 30
#define DAY 86400

static uint32_t device_count(plist_t profile)
{
    plist_t d = plist_dict_get_item(profile, "ProvisionedDevices");
    return d && plist_get_node_type(d) == PLIST_ARRAY ? plist_array_get_size(d) : 0;
}

static bool all_devices(plist_t profile)
{
    plist_t v = plist_dict_get_item(profile, "ProvisionsAllDevices");
    return v && plist_get_node_type(v) == PLIST_BOOLEAN && plist_bool_val_is_true(v);
}

void check_provision(struct dw_check_ctx *c)
{
    const struct dw_bundle *b = c->b;
    const struct dw_profile *p = &b->profile;
    if (!p->present || !p->plist || plist_get_node_type(p->plist) != PLIST_DICT)
        return;
    const struct dw_codesign *cs = NULL;
    for (size_t i = 0; i < b->macho.nslices && !cs; i++)
        if (b->macho.slices[i].cs.identifier)
            cs = &b->macho.slices[i].cs;
    bool dev_cert = cs && cs->signer_cn && strncmp(cs->signer_cn, "Apple Development:", 18) == 0;
    uint32_t ndev = device_count(p->plist);
    if (dev_cert && !ndev && !all_devices(p->plist))
        check_report(c, "check.profile-devices", -1, p->path, 0,
                     "signed with a development certificate ('%s') but the profile '%s' lists no "
                     "Macs (no ProvisionedDevices, no ProvisionsAllDevices), so no Mac accepts "
                     "this pair",
                     cs->signer_cn, p->name ? p->name : "?");
    else if (dev_cert && ndev && c->opts->development)
        check_report(c, "check.profile-devices", DW_SEV_INFO, p->path, 0,
                     "the development profile '%s' lists %u Mac%s: the test Mac's Provisioning "
                     "UDID must be one of them",
                     p->name ? p->name : "?", ndev, ndev == 1 ? "" : "s");
    if (p->has_expiration && p->expiration >= c->opts->now &&
        p->expiration - c->opts->now < (int64_t)EXPIRY_WARN_DAYS * DAY) {
        int64_t days = (p->expiration - c->opts->now) / DAY;
        check_report(c, "check.profile-expiring", -1, p->path, 0,
                     "the provisioning profile '%s' expires in %lld day%s", p->name ? p->name : "?",
                     (long long)days, days == 1 ? "" : "s");
    }
}
