/* forward_url.c - the destinations of `watch --forward URL` (forward.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forward.h"

static const struct {
    const char *prefix;
    enum dw_forward_scheme scheme;
} schemes[] = {
    {"tcp://", DW_FORWARD_TCP},
    {"udp://", DW_FORWARD_UDP},
    {"unix://", DW_FORWARD_UNIX},
    {"tls://", DW_FORWARD_TLS},
};

/* host:port, [v6]:port; the port 1..65535 in decimal. */
static int parse_host_port(const char *hp, struct dw_forward_url *u, const char *text,
                           struct dw_errors *err)
{
    const char *colon;
    size_t hlen;
    const char *h = hp;
    if (*hp == '[') {
        const char *close = strchr(hp, ']');
        if (!close || close[1] != ':') {
            dw_errors_add(err, "--forward %s: expected [address]:port", text);
            return -1;
        }
        h = hp + 1;
        hlen = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(hp, ':');
        if (!colon || strchr(hp, ':') != colon) {
            dw_errors_add(err, "--forward %s: expected host:port (an IPv6 address goes in [ ])",
                          text);
            return -1;
        }
        hlen = (size_t)(colon - hp);
    }
    if (hlen == 0 || hlen >= sizeof u->host) {
        dw_errors_add(err, "--forward %s: missing or too long host", text);
        return -1;
    }
    for (size_t i = 0; i < hlen; i++) {
        unsigned char ch = (unsigned char)h[i];
        if (ch <= ' ' || ch >= 0x7f || ch == '/' || ch == '@' || ch == '[' || ch == ']') {
            dw_errors_add(err, "--forward %s: invalid character in host", text);
            return -1;
        }
    }
    memcpy(u->host, h, hlen);
    u->host[hlen] = '\0';
    const char *p = colon + 1;
    char *end;
    long port = strtol(p, &end, 10);
    if (end == p || *end != '\0' || *p == '+' || *p == '-' || port < 1 || port > 65535) {
        dw_errors_add(err, "--forward %s: the port must be a number from 1 to 65535", text);
        return -1;
    }
    snprintf(u->port, sizeof u->port, "%ld", port);
    return 0;
}

int forward_url_parse(const char *text, struct dw_forward_url *u, struct dw_errors *err)
{
    memset(u, 0, sizeof *u);
    size_t i;
    for (i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
        if (strncmp(text, schemes[i].prefix, strlen(schemes[i].prefix)) == 0)
            break;
    if (i == sizeof schemes / sizeof schemes[0]) {
        dw_errors_add(
            err, "--forward %s: expected tcp://host:port, udp://host:port or unix:///path", text);
        return -1;
    }
    u->scheme = schemes[i].scheme;
    const char *rest = text + strlen(schemes[i].prefix);
    if (u->scheme == DW_FORWARD_TLS) {
        dw_errors_add(err,
                      "--forward %s: this dextwatch is built without TLS; forward over "
                      "tcp:// to a local relay that adds TLS (docs/fleet.md), or use a VPN",
                      text);
        return -1;
    }
    if (u->scheme == DW_FORWARD_UNIX) {
        size_t n = strlen(rest);
        if (rest[0] != '/' || n < 2 || n >= sizeof u->path) {
            dw_errors_add(err, "--forward %s: expected unix:///absolute/path (at most %zu bytes)",
                          text, sizeof u->path - 1);
            return -1;
        }
        memcpy(u->path, rest, n + 1);
        snprintf(u->text, sizeof u->text, "unix://%s", u->path);
        return 0;
    }
    if (parse_host_port(rest, u, text, err) < 0)
        return -1;
    bool v6 = strchr(u->host, ':') != NULL;
    snprintf(u->text, sizeof u->text, "%s%s%s%s:%s", schemes[i].prefix, v6 ? "[" : "", u->host,
             v6 ? "]" : "", u->port);
    return 0;
}
