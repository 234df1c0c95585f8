#!/usr/bin/env python3
"""forward_deaf.py DEXTWATCH SOURCE_DIR RECEIVER - `watch --forward tcp://` to a
receiver that accepts the connection but neither reads nor sends (issue 17,
item 6, the part the talking receiver left open).

RECEIVER (tests/reliability/chatty_receiver.c in mode deaf) listens on
127.0.0.1 with the smallest receive buffer the system allows and never
reads, so once its buffer and the sender's are full a send has to wait.
`watch --follow FILE --forward tcp://...` stores INCIDENTS incidents, whose
events fill both buffers; a second after they are stored, SIGTERM.  watch
must:
  - exit 0 within the 2 s grace (asserted: under 2.5 s), the waiting send
    given up at the grace's end;
  - keep in the outbox every event the receiver's TCP did not acknowledge
    (`dextwatch stats`: waiting = queued - sent, waiting > 0);
then the receiver starts reading (SIGUSR1) and what it got must be whole
octet-counted frames, but for at most one cut short at the end of each
connection (the send given up half-way), whose event is still waiting; a
second watch run delivers everything that waited, whole, and the outbox
empties.  Then a receiver that does not even accept (mode full: its listen
queue is full, a connection attempt gets no answer), SIGTERM a second after
an incident is stored, while the sender waits for the connection: exit 0
within 2.5 s, every event still in the outbox.  Before the fix a send waited for room up to the socket's 10 s
send timeout (SO_SNDTIMEO), whatever the grace: watch exited 5-10 s after
SIGTERM, and a connection attempt up to its 5 s timeout (exit ~4 s after
SIGTERM).  Prints the exit times."""
import os
import re
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from rellib import Forwarding, Seed, bad, finish, query, sigterm_timed, wait_for

DW, SRC, RECEIVER = sys.argv[1], sys.argv[2], sys.argv[3]
INCIDENTS = 40


def frames(d):
    """(whole frames as {(id, version)}, cut frames as [(connection, head)])."""
    whole, cut = set(), []
    for name in sorted(os.listdir(d)):
        if not name.startswith("received."):
            continue
        data = open(os.path.join(d, name), "rb").read()
        while data:
            m = re.match(rb"([1-9][0-9]*) ", data)
            if not m:
                cut.append((name, data[:60]))  # not even a whole length prefix
                break
            end = m.end() + int(m.group(1))
            if len(data) < end:
                cut.append((name, data[:m.end() + 120]))
                break
            sd = re.search(rb'id="(\d+)" version="(\d+)"', data[m.end():end])
            if not sd:
                bad("a frame without the dextwatch SD: %r" % data[m.end():m.end() + 120])
            else:
                whole.add((int(sd.group(1)), int(sd.group(2))))
            data = data[end:]
    return whole, cut


def waiting_events(db, url):
    """{(id, version)} of the events in url's outbox."""
    got = set()
    for (head,) in query(db, "SELECT head FROM outbox WHERE destination = ?", (url,)):
        sd = re.search(r'id="(\d+)" version="(\d+)"', head)
        got.add((int(sd.group(1)), int(sd.group(2))))
    return got


def stat(out, name):
    m = re.search(r"\n\s+%s\s+(\d+)" % name, out)
    return int(m.group(1)) if m else None


def deaf():
    """A receiver that accepts and never reads, INCIDENTS incidents queued."""
    fx = Forwarding(DW, SRC, RECEIVER, "deaf", "dw-deaf-")
    try:
        if not fx.url or not fx.start_watch():
            bad("the receiver or watch did not start")
            return
        deaf_run(fx)
    finally:
        fx.clean_up()


def deaf_run(fx):
    d, db, env, url, errpath, follow = fx.d, fx.db, fx.env, fx.url, fx.log, fx.follow
    seed = Seed(SRC)
    with open(follow, "a") as f:
        for n in range(INCIDENTS):
            f.write(seed.lines(n))
    if not wait_for(lambda: len(query(db, "SELECT id FROM incidents")) == INCIDENTS, 20):
        bad("the %d incidents were not stored" % INCIDENTS)
    time.sleep(1)  # the sender fills the buffers and waits for room
    queued_bytes = query(db, "SELECT sum(length(head) + length(body)) FROM outbox")[0][0] or 0
    rc, took = sigterm_timed(fx.proc, 15)
    if rc is None:
        print("exit after SIGTERM: still running after %.1f s" % took)
        bad("watch still running 15 s after SIGTERM")
        return
    print("exit after SIGTERM: %.3f s (%d KiB of events queued)" % (took, queued_bytes // 1024))
    if took > 2.5:
        bad("watch took %.2f s to exit, beyond the 2 s grace" % took)
    if rc != 0:
        bad("exit status %d, want 0" % rc)
    said = [l for l in open(errpath, errors="replace") if "given up at stop" in l]
    if len(said) != 1 or "waits in the outbox" not in said[0]:
        bad("the give-up at stop was logged %d time(s), want once, saying the events wait: %s"
            % (len(said), said[:2]))
    st = subprocess.run([DW, "stats", "--db", db], capture_output=True, env=env, text=True)
    waiting, queued, sent = (stat(st.stdout, k) for k in ("waiting", "queued", "sent"))
    print("outbox after the exit: %s waiting, %s queued, %s sent" % (waiting, queued, sent))
    if None in (waiting, queued, sent) or waiting != queued - sent or waiting == 0:
        bad("`dextwatch stats` after the exit: waiting %s, queued %s, sent %s; want waiting ="
            " queued - sent > 0" % (waiting, queued, sent))
    left = waiting_events(db, url)
    # the receiver reads now: what its kernel held is what was acknowledged
    fx.recv.send_signal(signal.SIGUSR1)
    size = lambda: sum(os.path.getsize(os.path.join(d, n)) for n in os.listdir(d)
                       if n.startswith("received."))
    last = -1
    while size() != last:  # until it stops growing
        last = size()
        time.sleep(0.3)
    whole, cut = frames(d)
    conns = len([n for n in os.listdir(d) if n.startswith("received.")])
    print("the receiver got %d whole message(s), %d cut short, over %d connection(s)"
          % (len(whole), len(cut), conns))
    if len(cut) > conns:
        bad("%d cut frames over %d connection(s)" % (len(cut), conns))
    # every event that left the outbox arrived whole
    if sent and len(whole) < sent:
        bad("%d event(s) taken as delivered, but only %d arrived whole" % (sent, len(whole)))
    # a second run delivers what waited, whole, and empties the outbox
    if not fx.start_watch():
        bad("second run: watch did not start")
    if not wait_for(lambda: left <= frames(d)[0], 20):
        bad("the second run did not deliver what waited: %d of %d"
            % (len(left & frames(d)[0]), len(left)))
    if not wait_for(lambda: query(db, "SELECT count(*) FROM outbox")[0][0] == 0, 10):
        bad("the outbox did not empty: %d left" % query(db, "SELECT count(*) FROM outbox")[0][0])
    rc, took = sigterm_timed(fx.proc, 15)
    if rc != 0:
        bad("second run: exit status %s after %.1f s" % (rc, took))


def unanswered():
    """A receiver whose listen queue is full: connect gets no answer."""
    fx = Forwarding(DW, SRC, RECEIVER, "full", "dw-full-")
    db, follow, errpath = fx.db, fx.follow, fx.log
    try:
        if not fx.url or not fx.start_watch():
            bad("full: the receiver or watch did not start")
            return
        with open(follow, "a") as f:
            f.write(Seed(SRC).lines(0))
        if not wait_for(lambda: len(query(db, "SELECT id FROM incidents")) == 1, 10):
            bad("full: the incident was not stored")
        time.sleep(1)  # the sender is waiting for the connection (5 s at most)
        rc, took = sigterm_timed(fx.proc, 15)
        print("full: exit after SIGTERM while connecting: %.3f s" % took)
        if rc is None or took > 2.5 or rc != 0:
            bad("full: exit status %s after %.2f s, want 0 within the 2 s grace" % (rc, took))
        said = [l for l in open(errpath, errors="replace") if "connect: given up: stopping" in l]
        if len(said) != 1:
            bad("full: the connect given up at stop was logged %d time(s), want once"
                % len(said))
        left = query(db, "SELECT count(*) FROM outbox")[0][0]
        queued = query(db, "SELECT queued FROM outbox_destinations")[0][0]
        if left == 0 or left != queued:
            bad("full: %d of %d queued event(s) left in the outbox, want all" % (left, queued))
    finally:
        fx.clean_up()


deaf()
unanswered()
finish("forward_deaf")
