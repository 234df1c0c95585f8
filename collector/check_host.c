/* check_host.c - a system extension inside its host app: the app may install
 * system extensions, both are signed by the same team (unless the extension
 * is redistributable), and a user-client access list in the app names the
 * extension. */
#include <string.h>

#include "check.h"

#define INSTALL_ENTITLEMENT "com.apple.developer.system-extension.install"
#define REDISTRIBUTABLE "com.apple.developer.system-extension.redistributable"
#define USERCLIENT_ACCESS "com.apple.developer.driverkit.userclient-access"

static const char *team_of(const struct dw_bundle *b)
{
    for (size_t i = 0; i < b->macho.nslices; i++)
        if (b->macho.slices[i].cs.team_id)
            return b->macho.slices[i].cs.team_id;
    return NULL;
}

static bool is_true(plist_t dict, const char *key)
{
    plist_t v = dict ? plist_dict_get_item(dict, key) : NULL;
    return v && plist_get_node_type(v) == PLIST_BOOLEAN && plist_bool_val_is_true(v);
}

/* Whether the access list (an array of bundle ids, or true) names id. */
static bool access_names(plist_t list, const char *id)
{
    if (plist_get_node_type(list) == PLIST_BOOLEAN)
        return plist_bool_val_is_true(list);
    if (plist_get_node_type(list) != PLIST_ARRAY)
        return false;
    for (uint32_t i = 0; i < plist_array_get_size(list); i++) {
        plist_t item = plist_array_get_item(list, i);
        uint64_t n = 0;
        if (plist_get_node_type(item) == PLIST_STRING &&
            strcmp(plist_get_string_ptr(item, &n), id) == 0)
            return true;
    }
    return false;
}

void check_host(struct dw_check_ctx *c)
{
    const struct dw_bundle *b = c->b, *host = c->host;
    if (!host) {
        if (b->kind == DW_BUNDLE_APP && b->nchildren && b->entitlements &&
            !is_true(b->entitlements, INSTALL_ENTITLEMENT))
            check_report(c, "check.host-app", -1, b->exec_path, 0,
                         "the app holds %zu system extension%s but is not signed with %s = true",
                         b->nchildren, b->nchildren == 1 ? "" : "s", INSTALL_ENTITLEMENT);
        return;
    }
    const char *team = team_of(b), *host_team = team_of(host);
    if (team && host_team && strcmp(team, host_team) != 0 &&
        !is_true(b->entitlements, REDISTRIBUTABLE))
        check_report(c, "check.team-mismatch", -1, b->exec_path, 0,
                     "the extension's team %s differs from its host app's %s (and it is not "
                     "signed with %s)",
                     team, host_team, REDISTRIBUTABLE);
    plist_t access =
        host->entitlements ? plist_dict_get_item(host->entitlements, USERCLIENT_ACCESS) : NULL;
    if (access && b->bundle_id && !access_names(access, b->bundle_id))
        check_report(c, "check.host-app", DW_SEV_WARNING, host->exec_path, 0,
                     "the host app's %s does not name %s, so the app cannot open its user client",
                     USERCLIENT_ACCESS, b->bundle_id);
}
