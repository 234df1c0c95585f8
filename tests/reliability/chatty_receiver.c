/* chatty_receiver DIR MODE - a TCP "syslog receiver" on 127.0.0.1 that
 * talks back, which no syslog receiver does (used by forward_chatty.py), or
 * takes nothing (used by forward_deaf.py).
 *
 * It listens on a free port, writes it to DIR/port, and for each connection N
 * appends everything it receives to DIR/received.N (each file is one
 * octet-counted stream) and writes N to DIR/connections.  MODE:
 *   flood  from the moment it accepts, sends hostile bytes (escape sequences,
 *          NUL, CR, invalid UTF-8) back, 1 MiB a write, as fast as the
 *          connection takes them, while it reads; C, so that it outpaces any
 *          reader on the other end;
 *   once   after the first bytes it receives, sends one short line back;
 *   deaf   accepts but neither reads nor sends, with the smallest receive
 *          buffer the system allows, so the sender's writes soon block;
 *          SIGUSR1 makes it read from then on (what the kernel held for it,
 *          to check which messages arrived whole);
 *   full   listens with a backlog of 0 and fills it itself, never accepting:
 *          a connection attempt gets no answer at all (its SYNs are dropped).
 * One thread, poll(); runs until killed. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONNS_MAX 64
#define JUNK_BYTES (1 << 20)

struct conn {
    int fd;
    FILE *out;
    int replied;
};

static const char *dir;
static volatile sig_atomic_t hearing = 1; /* deaf: 0 until SIGUSR1 */

static void on_usr1(int sig)
{
    (void)sig;
    hearing = 1;
}

static void write_file(const char *name, long value)
{
    char path[4096], tmp[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s/%s.tmp", dir, name);
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%ld\n", value) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
        perror(tmp);
        exit(1);
    }
}

static void drop(struct conn *c)
{
    close(c->fd);
    fclose(c->out);
    c->fd = -1;
}

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[2], "flood") != 0 && strcmp(argv[2], "once") != 0 &&
                      strcmp(argv[2], "deaf") != 0 && strcmp(argv[2], "full") != 0)) {
        fprintf(stderr, "usage: chatty_receiver DIR flood|once|deaf|full\n");
        return 2;
    }
    dir = argv[1];
    int flood = strcmp(argv[2], "flood") == 0;
    int deaf = strcmp(argv[2], "deaf") == 0;
    if (deaf) {
        struct sigaction sa_usr1 = {.sa_handler = on_usr1}; /* no SA_RESTART: poll returns */
        sigaction(SIGUSR1, &sa_usr1, NULL);
        hearing = 0;
    }
    static const char unit[] = "\x1b[31mHELLO\0\r\n\xff\xfe\a";
    char *junk = malloc(JUNK_BYTES);
    if (!junk)
        return 1;
    for (size_t i = 0; i < JUNK_BYTES; i++)
        junk[i] = unit[i % (sizeof unit - 1)];
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    int tiny = 1; /* the kernel rounds it up to its minimum; accepted sockets inherit it */
    if (deaf)
        setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &tiny, sizeof tiny);
    int full = strcmp(argv[2], "full") == 0;
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(lfd, full ? 0 : 16) != 0 || getsockname(lfd, (struct sockaddr *)&sa, &sl) != 0) {
        perror("listen");
        return 1;
    }
    if (full) { /* one connection waiting to be accepted fills a backlog of 0 */
        int filler = socket(AF_INET, SOCK_STREAM, 0);
        if (filler < 0 || connect(filler, (struct sockaddr *)&sa, sizeof sa) != 0) {
            perror("connect");
            return 1;
        }
        write_file("port", ntohs(sa.sin_port));
        for (;;)
            pause();
    }
    write_file("port", ntohs(sa.sin_port));
    struct conn conns[CONNS_MAX];
    size_t nconns = 0;
    long accepted = 0;
    for (;;) {
        struct pollfd p[CONNS_MAX + 1];
        p[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
        for (size_t i = 0; i < nconns; i++)
            p[i + 1] = (struct pollfd){.fd = conns[i].fd,
                                       .events = (hearing ? POLLIN : 0) | (flood ? POLLOUT : 0)};
        if (poll(p, nconns + 1, -1) < 0 && errno != EINTR) {
            perror("poll");
            return 1;
        }
        for (size_t i = 0; i < nconns; i++) {
            struct conn *c = &conns[i];
            if (c->fd < 0 || !p[i + 1].revents)
                continue;
            if (p[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) {
                char buf[65536];
                ssize_t n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
                if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
                    drop(c);
                    continue;
                }
                if (n > 0) {
                    fwrite(buf, 1, (size_t)n, c->out);
                    fflush(c->out);
                    if (!flood && !deaf && !c->replied) {
                        static const char line[] = "\x1b]0;hi\a ok\r\n";
                        c->replied = send(c->fd, line, sizeof line - 1, MSG_NOSIGNAL) > 0;
                    }
                }
            }
            if (flood && (p[i + 1].revents & POLLOUT) &&
                send(c->fd, junk, JUNK_BYTES, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno != EAGAIN &&
                errno != EINTR)
                drop(c);
        }
        size_t kept = 0; /* closed connections leave the table */
        for (size_t i = 0; i < nconns; i++)
            if (conns[i].fd >= 0)
                conns[kept++] = conns[i];
        nconns = kept;
        if (p[0].revents & POLLIN) {
            int fd = accept(lfd, NULL, NULL);
            if (fd < 0)
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/received.%ld", dir, ++accepted);
            FILE *out = fopen(path, "ab");
            if (!out || nconns == CONNS_MAX) {
                perror(path);
                return 1;
            }
            conns[nconns++] = (struct conn){.fd = fd, .out = out};
            write_file("connections", accepted);
        }
    }
}
