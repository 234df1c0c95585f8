/* forward_net.c - sockets for forwarding (forward.h): connect with a
 * timeout, send whole messages without ever blocking past a timeout or the
 * caller's deadline (non-blocking socket, poll()), notice a peer that went
 * away, and ask the system how much of what we wrote the peer has not
 * acknowledged yet (the one platform difference here: SIOCOUTQ on Linux,
 * SO_NWRITE on macOS). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "forward.h"
#include "osdep.h"

bool forward_conn_stream(const struct dw_forward_conn *c)
{
    return c->url.scheme == DW_FORWARD_TCP || c->url.scheme == DW_FORWARD_TLS;
}

static void set_cloexec_nonblock(int fd, bool nonblock)
{
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, nonblock ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

/* Waits until fd is ready for events, at most until the monotonic time
 * until and never past c's deadline.  1: ready (or in error: the next call
 * says which), 0: the time is up (*stopping: the deadline ended it), -1:
 * poll failed (errno). */
static int wait_ready(const struct dw_forward_conn *c, int fd, short events, int64_t until,
                      bool *stopping)
{
    for (;;) {
        int64_t end = until;
        *stopping = false;
        if (c->deadline) {
            int64_t d = c->deadline(c->deadline_ctx);
            if (d <= end) {
                end = d;
                *stopping = true;
            }
        }
        int64_t now = dw_mono_us();
        if (now >= end)
            return 0;
        int64_t slice = end - now;
        if (c->deadline && slice > DW_FORWARD_WAIT_SLICE_US)
            slice = DW_FORWARD_WAIT_SLICE_US;
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, (int)((slice + 999) / 1000));
        if (n > 0)
            return 1;
        if (n < 0 && errno != EINTR)
            return -1;
    }
}

/* connect() bounded by timeout_us and c's deadline (ECANCELED when the
 * deadline ended it); the socket stays non-blocking. */
static int connect_within(const struct dw_forward_conn *c, int fd, const struct sockaddr *sa,
                          socklen_t len, int64_t timeout_us)
{
    set_cloexec_nonblock(fd, true);
    int rc = connect(fd, sa, len);
    if (rc != 0 && errno == EINPROGRESS) {
        bool stopping;
        int n = wait_ready(c, fd, POLLOUT, dw_mono_us() + timeout_us, &stopping);
        if (n == 0) {
            errno = stopping ? ECANCELED : ETIMEDOUT;
            return -1;
        }
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
            return -1;
        if (soerr) {
            errno = soerr;
            return -1;
        }
        rc = 0;
    }
    return rc;
}

static const char *connect_error(int e)
{
    return e == ECANCELED ? "given up: stopping" : strerror(e);
}

static void set_options(int fd, bool stream)
{
#ifdef SO_NOSIGPIPE
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
    if (!stream) {
        int size = 4 * DW_FORWARD_DGRAM_MAX; /* macOS defaults to 2 KiB datagrams */
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    } else {
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    }
}

static int open_unix(struct dw_forward_conn *c, int64_t timeout_us, struct dw_errors *err)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", c->url.path);
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (fd < 0) {
        dw_errors_add(err, "%s: socket: %s", c->url.text, strerror(errno));
        return -1;
    }
    set_options(fd, false);
    if (connect_within(c, fd, (struct sockaddr *)&sa, sizeof sa, timeout_us) != 0) {
        dw_errors_add(err, "%s: connect: %s", c->url.text, connect_error(errno));
        close(fd);
        return -1;
    }
    c->fd = fd;
    return 0;
}

int forward_conn_open(struct dw_forward_conn *c, int64_t timeout_us, struct dw_errors *err)
{
    c->fd = -1;
    if (c->url.scheme == DW_FORWARD_UNIX)
        return open_unix(c, timeout_us, err);
    bool stream = forward_conn_stream(c);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = stream ? SOCK_STREAM : SOCK_DGRAM;
    int gai = getaddrinfo(c->url.host, c->url.port, &hints, &res);
    if (gai != 0) {
        dw_errors_add(err, "%s: cannot resolve %s: %s", c->url.text, c->url.host,
                      gai_strerror(gai));
        return -1;
    }
    int saved = 0;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        set_options(fd, stream);
        if (connect_within(c, fd, a->ai_addr, a->ai_addrlen, timeout_us) == 0) {
            c->fd = fd;
            break;
        }
        saved = errno;
        close(fd);
        if (saved == ECANCELED)
            break; /* no time for the next address */
    }
    freeaddrinfo(res);
    if (c->fd < 0) {
        dw_errors_add(err, "%s: connect: %s", c->url.text,
                      connect_error(saved ? saved : EHOSTUNREACH));
        return -1;
    }
    return 0;
}

void forward_conn_close(struct dw_forward_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

/* Writes p[0..len) (the frame's bytes from *done to total), waiting for room
 * in the socket while the receiver takes nothing: at most
 * DW_FORWARD_SEND_TIMEOUT_US without progress, and never past c's deadline.
 * Adds what it wrote to *done. */
static int send_all(struct dw_forward_conn *c, const char *p, size_t len, size_t *done,
                    size_t total, struct dw_errors *err)
{
    int flags = MSG_DONTWAIT;
#ifdef MSG_NOSIGNAL
    flags |= MSG_NOSIGNAL;
#endif
    bool stream = forward_conn_stream(c);
    int64_t until = dw_mono_us() + DW_FORWARD_SEND_TIMEOUT_US;
    while (len > 0) {
        ssize_t n = send(c->fd, p, len, flags);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            bool stopping;
            int r = wait_ready(c, c->fd, POLLOUT, until, &stopping);
            if (r > 0)
                continue;
            if (r == 0) {
                if (stopping)
                    dw_errors_add(err,
                                  "%s: send: given up at stop: the receiver takes no data (%zu "
                                  "of the message's %zu bytes written)",
                                  c->url.text, *done, total);
                else
                    dw_errors_add(err,
                                  "%s: send: timed out: the receiver took no data for %d s (%zu "
                                  "of the message's %zu bytes written)",
                                  c->url.text, (int)(DW_FORWARD_SEND_TIMEOUT_US / 1000000), *done,
                                  total);
                return -1;
            }
        }
        if (n < 0) {
            dw_errors_add(err, "%s: send: %s", c->url.text, strerror(errno));
            return -1;
        }
        if (!stream && (size_t)n != len) {
            dw_errors_add(err, "%s: send: datagram cut short", c->url.text);
            return -1;
        }
        p += n;
        len -= (size_t)n;
        *done += (size_t)n;
        until = dw_mono_us() + DW_FORWARD_SEND_TIMEOUT_US; /* it took some: wait afresh */
    }
    return 0;
}

int forward_conn_send(struct dw_forward_conn *c, const char *msg, size_t len, struct dw_errors *err)
{
    size_t done = 0;
    if (!forward_conn_stream(c))
        return send_all(c, msg, len, &done, len, err);
    char prefix[24];
    int plen = snprintf(prefix, sizeof prefix, "%zu ", len);
    size_t total = (size_t)plen + len;
    if (send_all(c, prefix, (size_t)plen, &done, total, err) < 0)
        return -1;
    return send_all(c, msg, len, &done, total, err);
}

enum dw_forward_health forward_conn_check(struct dw_forward_conn *c, struct dw_errors *err)
{
    if (c->fd < 0)
        return DW_FORWARD_GONE;
    if (!forward_conn_stream(c))
        return DW_FORWARD_SOUND;
    /* One read, never a loop: a receiver that keeps sending would keep a
     * loop here forever (delivery and shutdown stalled behind it). */
    char got[512];
    ssize_t n;
    do
        n = recv(c->fd, got, sizeof got, MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n > 0) {
        /* what it said, shown safely: printable ASCII kept, the rest '.' */
        char shown[41];
        size_t k = (size_t)n < sizeof shown - 1 ? (size_t)n : sizeof shown - 1;
        for (size_t i = 0; i < k; i++)
            shown[i] = got[i] >= 0x20 && got[i] < 0x7f ? got[i] : '.';
        shown[k] = '\0';
        dw_errors_add(err,
                      "%s: protocol error: the receiver sent data (\"%s\"%s), but a syslog "
                      "receiver sends nothing; closing the connection",
                      c->url.text, shown, (size_t)n > k ? "..." : "");
        return DW_FORWARD_SPOKE;
    }
    if (n == 0) {
        dw_errors_add(err, "%s: the receiver closed the connection", c->url.text);
        return DW_FORWARD_GONE;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        return DW_FORWARD_SOUND;
    dw_errors_add(err, "%s: %s", c->url.text, strerror(errno));
    return DW_FORWARD_GONE;
}

long forward_conn_unacked(const struct dw_forward_conn *c)
{
    if (c->fd < 0 || !forward_conn_stream(c))
        return 0;
    return osdep_socket_unsent(c->fd);
}
