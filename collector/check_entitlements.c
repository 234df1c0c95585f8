/* check_entitlements.c - the signature's entitlements against the embedded
 * provisioning profile (TN3125): profile present, readable, unexpired, for
 * the signing certificate and team, and allowing every restricted
 * entitlement value by value; a dext's com.apple.developer.driverkit. */
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define RENDER_MAX 240
#define DEPTH_MAX 32

bool check_is_restricted(const char *e)
{
    return strncmp(e, "com.apple.developer.", 20) == 0 ||
           strcmp(e, "com.apple.application-identifier") == 0 ||
           strcmp(e, "keychain-access-groups") == 0;
}

/* A short one-line rendering of a plist value (JSON-like), cut at RENDER_MAX. */
static void render(struct dw_buf *out, plist_t v, int depth)
{
    if (out->len > RENDER_MAX || depth > DEPTH_MAX)
        return;
    uint64_t n = 0;
    switch (plist_get_node_type(v)) {
    case PLIST_STRING:
        buf_printf(out, "\"%s\"", plist_get_string_ptr(v, &n));
        break;
    case PLIST_BOOLEAN:
        buf_puts(out, plist_bool_val_is_true(v) ? "true" : "false");
        break;
    case PLIST_UINT: {
        uint64_t u = 0;
        plist_get_uint_val(v, &u);
        buf_printf(out, "%llu", (unsigned long long)u);
        break;
    }
    case PLIST_ARRAY:
        buf_putc(out, '[');
        for (uint32_t i = 0; i < plist_array_get_size(v); i++) {
            if (i)
                buf_puts(out, ", ");
            render(out, plist_array_get_item(v, i), depth + 1);
        }
        buf_putc(out, ']');
        break;
    case PLIST_DICT: {
        buf_putc(out, '{');
        plist_dict_iter it = NULL;
        plist_dict_new_iter(v, &it);
        for (int i = 0;; i++) {
            char *key = NULL;
            plist_t item = NULL;
            plist_dict_next_item(v, it, &key, &item);
            if (!key)
                break;
            buf_printf(out, "%s%s: ", i ? ", " : "", key);
            free(key);
            render(out, item, depth + 1);
        }
        free(it);
        buf_putc(out, '}');
        break;
    }
    default:
        buf_puts(out, "<value>");
        break;
    }
}

/* "TEAMID.*" in a profile allows every string with that prefix; "*" all. */
static bool string_allowed(const char *sig, const char *prof)
{
    size_t n = strlen(prof);
    if (n && prof[n - 1] == '*')
        return strncmp(sig, prof, n - 1) == 0;
    return strcmp(sig, prof) == 0;
}

/* Whether the profile's value prof allows the signature's value sig: a string
 * "*" allows anything; arrays element by element (each element of sig allowed
 * by some element of prof); dictionaries key by key (structurally); booleans
 * false is always allowed. */
static bool value_allowed(plist_t sig, plist_t prof, int depth)
{
    plist_type ts = plist_get_node_type(sig), tp = plist_get_node_type(prof);
    uint64_t n = 0;
    if (depth > DEPTH_MAX)
        return false;
    if (tp == PLIST_STRING && strcmp(plist_get_string_ptr(prof, &n), "*") == 0)
        return true;
    if (ts == PLIST_ARRAY) {
        for (uint32_t i = 0; i < plist_array_get_size(sig); i++)
            if (!value_allowed(plist_array_get_item(sig, i), prof, depth + 1))
                return false;
        return true;
    }
    if (tp == PLIST_ARRAY) {
        for (uint32_t i = 0; i < plist_array_get_size(prof); i++)
            if (value_allowed(sig, plist_array_get_item(prof, i), depth + 1))
                return true;
        return false;
    }
    if (ts != tp)
        return false;
    if (ts == PLIST_STRING) {
        uint64_t m = 0;
        return string_allowed(plist_get_string_ptr(sig, &n), plist_get_string_ptr(prof, &m));
    }
    if (ts == PLIST_BOOLEAN)
        return !plist_bool_val_is_true(sig) || plist_bool_val_is_true(prof);
    if (ts == PLIST_DICT) {
        bool ok = true;
        plist_dict_iter it = NULL;
        plist_dict_new_iter(sig, &it);
        for (;;) {
            char *key = NULL;
            plist_t item = NULL;
            plist_dict_next_item(sig, it, &key, &item);
            if (!key)
                break;
            plist_t pv = plist_dict_get_item(prof, key);
            ok = ok && pv && value_allowed(item, pv, depth + 1);
            free(key);
        }
        free(it);
        return ok;
    }
    return plist_compare_node_value(sig, prof) != 0;
}

/* Every restricted entitlement of the signature against the profile's. */
static void check_values(struct dw_check_ctx *c, const struct dw_profile *p)
{
    plist_t ent = c->b->entitlements;
    plist_dict_iter it = NULL;
    plist_dict_new_iter(ent, &it);
    for (;;) {
        char *key = NULL;
        plist_t v = NULL;
        plist_dict_next_item(ent, it, &key, &v);
        if (!key)
            break;
        plist_t pv = p->entitlements ? plist_dict_get_item(p->entitlements, key) : NULL;
        if (check_is_restricted(key) && (!pv || !value_allowed(v, pv, 0))) {
            struct dw_buf sv = {0}, allowed = {0};
            render(&sv, v, 0);
            if (pv)
                render(&allowed, pv, 0);
            check_report(c, "check.entitlement-not-in-profile", -1, c->b->exec_path, 0,
                         "entitlement %s = %s is not allowed by the profile (%s%s)", key,
                         buf_cstr(&sv), pv ? "it allows " : "it does not list it",
                         buf_cstr(&allowed));
            buf_free(&sv);
            buf_free(&allowed);
        }
        free(key);
    }
    free(it);
}

static void note_restricted(const char *key, plist_t value, void *ctx)
{
    (void)value;
    if (check_is_restricted(key))
        *(bool *)ctx = true;
}

/* The first signed slice's signature (team, certificate). */
static const struct dw_codesign *first_signature(const struct dw_bundle *b)
{
    for (size_t i = 0; i < b->macho.nslices; i++)
        if (b->macho.slices[i].cs.present && b->macho.slices[i].cs.identifier)
            return &b->macho.slices[i].cs;
    return NULL;
}

/* Profile: readable, unexpired, certificate and team, values. */
static void check_profile(struct dw_check_ctx *c, const struct dw_codesign *cs)
{
    const struct dw_profile *p = &c->b->profile;
    if (p->error || p->cms_state < 0) {
        check_report(c, "check.profile-unreadable", -1, p->path, 0, "%s",
                     p->error ? p->error : "the profile's CMS signature does not verify");
        if (p->error)
            return;
    }
    if (p->has_expiration && p->expiration < c->opts->now) {
        char when[DW_TIME_ISO_MAX];
        struct dw_time t = {
            .kind = DW_TIME_DATE, .us = p->expiration * 1000000, .has_offset = true};
        check_report(c, "check.profile-expired", -1, p->path, 0,
                     "the provisioning profile '%s' expired on %s", p->name ? p->name : "?",
                     dw_time_format(&t, when) ? when : "?");
    }
    if (cs && cs->signer_der && !profile_has_certificate(p, cs->signer_der, cs->signer_der_len))
        check_report(c, "check.profile-certificate", -1, p->path, 0,
                     "the signing certificate '%s' is not among the profile's "
                     "DeveloperCertificates",
                     cs->signer_cn ? cs->signer_cn : "?");
    if (cs && cs->team_id && p->team_id && strcmp(cs->team_id, p->team_id) != 0)
        check_report(c, "check.team-mismatch", -1, p->path, 0,
                     "the signature's team %s differs from the profile's TeamIdentifier %s",
                     cs->team_id, p->team_id);
    /* "TEAMID.com.example.Driver" (or "TEAMID.*"): the App ID the profile is for */
    const char *appid = dw_plist_string(p->entitlements, "com.apple.application-identifier");
    const char *dot = appid ? strchr(appid, '.') : NULL;
    if (dot && c->b->bundle_id && !string_allowed(c->b->bundle_id, dot + 1))
        check_report(c, "check.profile-bundle-id", -1, p->path, 0,
                     "the provisioning profile is for App ID %s, not for %s", appid,
                     c->b->bundle_id);
    check_values(c, p);
}

/* A release (no --development) signed for development: an Apple Development
 * certificate, or a profile that lists the Macs it may run on. */
static void check_release_signing(struct dw_check_ctx *c, const struct dw_codesign *cs)
{
    const struct dw_profile *p = &c->b->profile;
    plist_t devices = p->plist ? plist_dict_get_item(p->plist, "ProvisionedDevices") : NULL;
    uint32_t ndev =
        devices && plist_get_node_type(devices) == PLIST_ARRAY ? plist_array_get_size(devices) : 0;
    bool dev_cert = cs->signer_cn && strncmp(cs->signer_cn, "Apple Development:", 18) == 0;
    if (c->opts->development || (!dev_cert && !ndev))
        return;
    if (!ndev) /* the profile lists none: check.profile-devices says what that means */
        check_report(c, "check.development-signing", -1, c->b->exec_path, 0,
                     "signed for development (certificate '%s'): it loads only on Macs a "
                     "development profile lists, not on your users' Macs",
                     cs->signer_cn);
    else
        check_report(c, "check.development-signing", -1, p->path, 0,
                     "signed for development (%s%s%s): it loads only on the %u Mac%s the profile "
                     "lists, not on your users' Macs",
                     dev_cert ? "certificate '" : "",
                     dev_cert ? cs->signer_cn : "a profile with ProvisionedDevices",
                     dev_cert ? "'" : "", ndev, ndev == 1 ? "" : "s");
}

void check_entitlements(struct dw_check_ctx *c)
{
    const struct dw_bundle *b = c->b;
    const struct dw_codesign *cs = first_signature(b);
    if (b->entitlements_error)
        check_report(c, "check.unreadable", -1, b->exec_path, 0,
                     "the signature's entitlements blob: %s", b->entitlements_error);
    if (b->der_unreadable)
        check_report(c, "check.der-entitlements", -1, b->exec_path, 0,
                     "the DER entitlements blob is not well-formed DER");
    else if (b->entitlements && b->der_entitlements &&
             !dw_plist_equal(b->entitlements, b->der_entitlements, 0))
        check_report(c, "check.der-entitlements", -1, b->exec_path, 0,
                     "the DER entitlements differ from the XML entitlements");
    if (cs && cs->team_id && cs->signer_ou && strcmp(cs->team_id, cs->signer_ou) != 0)
        check_report(c, "check.team-mismatch", -1, b->exec_path, 0,
                     "the signature's team %s differs from its certificate's (OU %s)", cs->team_id,
                     cs->signer_ou);
    if (b->kind == DW_BUNDLE_DEXT && cs) {
        plist_t dk = b->entitlements
                         ? plist_dict_get_item(b->entitlements, "com.apple.developer.driverkit")
                         : NULL;
        if (!dk || !(plist_get_node_type(dk) == PLIST_BOOLEAN && plist_bool_val_is_true(dk)))
            check_report(c, "check.driverkit-missing", -1, b->exec_path, 0,
                         "the dext is not signed with com.apple.developer.driverkit = true");
    }
    bool restricted = false;
    dw_plist_each(b->entitlements, note_restricted, &restricted);
    if (cs)
        check_release_signing(c, cs);
    if (!cs || !b->entitlements)
        return;
    if (b->profile.present)
        check_profile(c, cs);
    else if (restricted && b->kind != DW_BUNDLE_MACHO)
        check_report(c, "check.profile-missing",
                     c->opts->development && (cs->flags & DW_CS_ADHOC) ? DW_SEV_WARNING : -1,
                     b->path, 0,
                     "the signature claims restricted entitlements but the bundle has no "
                     "embedded.provisionprofile");
}
