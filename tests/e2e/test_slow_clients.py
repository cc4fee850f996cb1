#!/usr/bin/env python3
"""Slow clients that are never idle (issue 20, items 1 and 2).

A client that sends a request line and then one header line every
couple of seconds is never idle, so an idle timeout never closes it; a
few hundred of those from a handful of addresses held every connection
slot, and normal clients timed out. Here, as bounded loops on 127.0.0.1:

1. pressure: 9 addresses (127.0.0.2-.10) open as many trickling
   connections as the per-address limit lets them (9 x 64 > the 400 this
   daemon allows) and reconnect whenever one is closed, for 20 s; a
   normal client on 127.0.0.1 asks every 0.2 s and every answer must come
   (within 5 s);
2. the deadline: 100 trickling connections (2 addresses), well below the pressure
   mark, are all closed once header_timeout (4 s here) has passed since
   they connected, whatever they keep sending;
3. the admin listener: 70 trickling connections from the 9 addresses;
   /healthz from 127.0.0.1 answers 15 of 15 probes (1 s budget each).

Prints the figures (how long the attack's connections lived, the normal
client's latency) for the issue's before/after note."""
import os
import re
import resource
import socket
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from daemon import Checks, Daemon, finish  # noqa: E402

ATTACKERS = ["127.0.0.%d" % i for i in range(2, 11)]
PER_IP = 64
MAX_CONN = 400
HEADER_TIMEOUT = 4


class Trickler(threading.Thread):
    """n connections from addr to port, each sending a request line and
    then a header line every `every` seconds; reconnects closed ones when
    `refill` is set. Records how long each connection lived."""

    def __init__(self, addr, port, n, every, seconds, refill):
        super().__init__(daemon=True)
        self.addr, self.port, self.n = addr, port, n
        self.every, self.seconds, self.refill = every, seconds, refill
        self.lifetimes = []  # seconds from connect to the server's close
        self.opened = 0

    def connect(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(0.5)
        try:
            s.bind((self.addr, 0))
            s.connect(("127.0.0.1", self.port))
            s.sendall(b"GET /mail/config-v1.1.xml HTTP/1.1\r\nHost: example.org\r\n")
        except OSError:
            s.close()
            return None
        s.setblocking(False)
        self.opened += 1
        return [s, time.time(), time.time()]

    def closed_by_server(self, s):
        try:
            return s.recv(4096) == b""
        except BlockingIOError:
            return False
        except OSError:
            return True

    def run(self):
        conns = [c for c in (self.connect() for _ in range(self.n)) if c]
        end = time.time() + self.seconds
        while time.time() < end:
            now = time.time()
            alive = []
            for c in conns:
                if self.closed_by_server(c[0]):
                    self.lifetimes.append(now - c[1])
                    c[0].close()
                    continue
                if now - c[2] >= self.every:
                    try:
                        c[0].send(b"X-Slow: %d\r\n" % int(now))
                    except OSError:
                        pass
                    c[2] = now
                alive.append(c)
            conns = alive
            if self.refill:
                while len(conns) < self.n and time.time() < end:
                    c = self.connect()
                    if c is None:
                        break
                    conns.append(c)
            time.sleep(0.1)
        now = time.time()
        self.still_open = len(conns)
        self.oldest_open = max((now - c[1] for c in conns), default=0.0)
        for c in conns:
            c[0].close()


def normal_client(port, seconds, path="/mail/config-v1.1.xml?emailaddress=alice%40example.org",
                  host="example.org", budget=5.0, every=0.2):
    """Asks every `every` s; returns (ok, failed, worst latency)."""
    ok = failed = 0
    worst = 0.0
    end = time.time() + seconds
    while time.time() < end:
        t0 = time.time()
        try:
            req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path),
                                         headers={"Host": host})
            with urllib.request.urlopen(req, timeout=budget) as r:
                r.read()
                ok += r.status == 200
                failed += r.status != 200
        except (OSError, ValueError):
            failed += 1
        worst = max(worst, time.time() - t0)
        time.sleep(every)
    return ok, failed, worst


def run_attack(port, n_per_ip, seconds, every=2.0, refill=True):
    ts = [Trickler(a, port, n_per_ip, every, seconds, refill) for a in ATTACKERS]
    for t in ts:
        t.start()
    return ts


def metric(port, name, label):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
        text = r.read().decode()
    m = re.search(r'^%s\{reason="%s"\} (\d+)$' % (name, label), text, re.M)
    return int(m.group(1)) if m else -1


def main(binary):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 16384), hard))
    t = Checks()
    d = Daemon(binary, extra=["--admin-listen", "127.0.0.1:0",
                              "--limit", "max_connections=%d" % MAX_CONN,
                              "--limit", "max_connections_per_ip=%d" % PER_IP,
                              "--limit", "header_timeout=%d" % HEADER_TIMEOUT])
    try:
        line = d.proc.stdout.readline().decode()
        m = re.fullmatch(r"admin listening on 127\.0\.0\.1:(\d+)\n", line)
        t.check(m is not None, "admin listening line: %r" % line)
        admin = int(m.group(1))

        # 1. under pressure
        ts = run_attack(d.port, PER_IP, 20)
        time.sleep(2)  # the attack is in place
        ok, failed, worst = normal_client(d.port, 16)
        for x in ts:
            x.join()
        lives = [l for x in ts for l in x.lifetimes]
        opened = sum(x.opened for x in ts)
        oldest = max(x.oldest_open for x in ts)
        print("pressure: %d slow connections opened by 9 addresses in 20 s; "
              "closed by the server: %d, median life %.1f s, longest %.1f s; "
              "oldest still open at the end %.1f s" %
              (opened, len(lives), sorted(lives)[len(lives) // 2] if lives else 0,
               max(lives, default=0), oldest))
        print("pressure: normal client %d answered, %d failed, worst %.2f s" % (ok, failed, worst))
        t.check(opened > MAX_CONN, "the attack filled the server: %d connections" % opened)
        t.check(ok >= 30 and failed == 0 and worst < 2, "normal requests answered throughout: %d ok, %d failed"
                % (ok, failed))
        t.check(oldest <= HEADER_TIMEOUT + 2, "no slow connection outlives its deadline: %.1f s"
                % oldest)
        pressure = metric(admin, "mailconfd_connections_closed_total", "pressure")
        t.check(pressure > 0, "closed to make room, counted: %d" % pressure)

        # 2. the deadline, below the pressure mark
        time.sleep(2)
        before = metric(admin, "mailconfd_connections_closed_total", "deadline")
        xs = [Trickler(a, d.port, 50, 1.0, HEADER_TIMEOUT + 4, refill=False)
              for a in ATTACKERS[:2]]
        for x in xs:
            x.start()
        for x in xs:
            x.join()
        x.lifetimes = xs[0].lifetimes + xs[1].lifetimes
        x.opened = xs[0].opened + xs[1].opened
        x.still_open = xs[0].still_open + xs[1].still_open
        after = metric(admin, "mailconfd_connections_closed_total", "deadline")
        print("deadline: %d of 100 closed, longest life %.1f s, %d still open; counted %d" %
              (len(x.lifetimes), max(x.lifetimes, default=0), x.still_open, after - before))
        t.check(x.opened == 100 and len(x.lifetimes) == 100 and x.still_open == 0,
                "every trickling connection closed at its deadline: %d of %d" %
                (len(x.lifetimes), x.opened))
        t.check(all(HEADER_TIMEOUT - 0.5 <= l <= HEADER_TIMEOUT + 1.5 for l in x.lifetimes),
                "closed at header_timeout, not before: %.1f..%.1f s" %
                (min(x.lifetimes, default=0), max(x.lifetimes, default=0)))
        t.check(after - before >= 100, "deadline closes counted: %d" % (after - before))
        code, _, _ = d.request("GET", "/mail/config-v1.1.xml?emailaddress=alice%40example.org",
                               host="example.org")
        t.check(code == 200, "a normal request after the deadline phase: %d" % code)

        # 3. the admin listener
        ts = [Trickler(a, admin, 8, 2.0, 18, True) for a in ATTACKERS]
        for x in ts:
            x.start()
        time.sleep(1)
        good = 0
        for _ in range(15):
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % admin,
                                            timeout=1) as r:
                    good += r.status == 200 and r.read().startswith(b"ok\n")
            except OSError:
                pass
            time.sleep(1)
        for x in ts:
            x.join()
        opened = sum(x.opened for x in ts)
        print("admin: %d slow connections; /healthz %d of 15" % (opened, good))
        t.check(opened >= 70, "the admin attack ran: %d connections" % opened)
        t.check(good == 15, "/healthz answered every probe: %d of 15" % good)
    finally:
        code = finish(t, d)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
