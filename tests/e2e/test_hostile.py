#!/usr/bin/env python3
"""Hostile clients against the real daemon: slowloris, idle keep-alive
crowds, a 1 MB request line, 10,000 headers, a chunked body that never
ends, a 100 MB POST, pipelined garbage, half-closed sockets, invalid UTF-8
and NUL bytes in the path and query, billion laughs and external entities.
After every case the daemon must answer a normal request within a second,
its memory must stay bounded, and the log must say what happened.

HOSTILE_FULL=1 runs the long forms (more connections, longer); the default
is the short form CI runs."""
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from daemon import Checks, Daemon, finish, recv_all  # noqa: E402

FULL = os.environ.get("HOSTILE_FULL") == "1"
NORMAL = (b"GET /mail/config-v1.1.xml?emailaddress=alice%40example.org HTTP/1.1\r\n"
          b"Host: autoconfig.example.org\r\nConnection: close\r\n\r\n")


def probe(d):
    """A normal request with a 1 s budget; returns the status or None."""
    try:
        s = socket.create_connection(("127.0.0.1", d.port), timeout=1.0)
        s.settimeout(1.0)
        s.sendall(NORMAL)
        data = recv_all(s)
        s.close()
        return int(data.split(b" ")[1]) if data.startswith(b"HTTP/1.1 ") else None
    except OSError:
        return None


def rss_kb(d):
    for line in open("/proc/%d/status" % d.proc.pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def conn(d, timeout=5.0):
    s = socket.create_connection(("127.0.0.1", d.port), timeout=timeout)
    s.settimeout(timeout)
    return s


def send_recv(d, data, shutdown=True, timeout=5.0):
    s = conn(d, timeout)
    got = b""
    try:
        s.sendall(data)
        if shutdown:
            s.shutdown(socket.SHUT_WR)
        got = recv_all(s)
    except OSError:
        pass
    finally:
        s.close()
    return got


def slowloris(d, n, seconds):
    socks = []
    for _ in range(n):
        try:
            s = conn(d)
            s.sendall(b"GET /mail/config-v1.1.xml HTTP/1.1\r\nHost: exam")
            socks.append(s)
        except OSError:
            break
    deadline = time.time() + seconds
    ok = True
    while time.time() < deadline:
        for s in socks:
            try:
                s.send(b"p")
            except OSError:
                pass
        ok &= probe(d) == 200
        time.sleep(1)
    for s in socks:
        s.close()
    return ok, len(socks)


def idle_keepalive(d, n):
    socks = []
    for _ in range(n):
        try:
            s = conn(d)
            s.sendall(b"GET /mail/config-v1.1.xml HTTP/1.1\r\nHost: example.org\r\n\r\n")
            s.recv(65536)
            socks.append(s)
        except OSError:
            break
    ok = probe(d) == 200
    time.sleep(3.5)  # connection_timeout is 2 s in this test
    closed = 0
    for s in socks:
        try:
            s.settimeout(0.2)
            closed += s.recv(1) == b""
        except OSError:
            closed += 1
        s.close()
    return ok, len(socks), closed


def endless_chunked(d):
    s = conn(d)
    sent = 0
    try:
        s.sendall(b"POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: example.org\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n")
        for _ in range(10000):
            s.sendall(b"1000\r\n" + b"x" * 4096 + b"\r\n")
            sent += 4096
    except OSError:
        pass
    s.close()
    return sent


def big_post(d, total):
    s = conn(d)
    got = b""
    sent = 0
    try:
        s.sendall(b"POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: example.org\r\n"
                  b"Content-Length: %d\r\n\r\n" % total)
        s.settimeout(2)
        got = s.recv(65536)  # the 413 comes before the body
        chunk = b"x" * 65536
        while sent < total:
            s.sendall(chunk)
            sent += len(chunk)
    except OSError:
        pass
    s.close()
    return got, sent


def main(binary):
    t = Checks()
    d = Daemon(binary, extra=["--limit", "connection_timeout=2", "--limit", "max_connections_per_ip=2000"])
    try:
        t.check(probe(d) == 200, "normal request at start")
        rss0 = rss_kb(d)
        cases = []

        def case(name, fn):
            before = len(d.log_text().splitlines())
            t0 = time.time()
            result = fn()
            status = probe(d)
            deadline = time.time() + 2  # a closed connection logs when MHD sees it
            while len(d.log_text().splitlines()[before:]) < 2 and time.time() < deadline:
                time.sleep(0.05)
            lines = d.log_text().splitlines()[before:]
            print("%-28s %-40s next request %s (%d log lines, %.1f s)" %
                  (name, str(result)[:40], status, len(lines), time.time() - t0))
            t.check(status == 200, "%s: next normal request within 1 s: %r" % (name, status))
            t.check(len(lines) >= 2, "%s: the log says what happened (besides the probe)" % name)
            cases.append(name)
            return result

        ok, n = case("slowloris", lambda: slowloris(d, 500 if FULL else 150, 20 if FULL else 3))
        t.check(ok and n >= 100, "slowloris: served throughout (%d connections)" % n)
        ok, n, closed = case("idle keep-alive", lambda: idle_keepalive(d, 1000 if FULL else 300))
        t.check(ok and closed == n, "idle connections closed after the timeout: %d of %d" % (closed, n))
        got = case("1 MB request line", lambda: send_recv(
            d, b"GET /?" + b"a" * (1 << 20) + b" HTTP/1.1\r\nHost: example.org\r\n\r\n"))
        t.check(got == b"" or got.split(b" ")[1] in (b"414", b"431", b"400"), "1 MB line: %r" % got[:20])
        got = case("10,000 headers", lambda: send_recv(
            d, b"GET / HTTP/1.1\r\nHost: example.org\r\n" +
            b"".join(b"X-H%d: v\r\n" % i for i in range(10000)) + b"\r\n"))
        t.check(got == b"" or got.split(b" ")[1] in (b"431", b"413", b"400"), "10k headers: %r" % got[:20])
        sent = case("endless chunked body", lambda: endless_chunked(d))
        t.check(sent < 40 << 20, "endless chunked body cut off (%d bytes sent)" % sent)
        got, sent = case("100 MB POST", lambda: big_post(d, 100 << 20))
        t.check(got.startswith(b"HTTP/1.1 413"), "100 MB POST: 413 first: %r" % got[:20])
        got = case("pipelined garbage", lambda: send_recv(
            d, NORMAL.replace(b"Connection: close\r\n", b"") + b"\x00\xffGARBAGE \r\n\r\n\r\n" * 50))
        t.check(got.startswith(b"HTTP/1.1 200") and got.count(b"HTTP/1.1 ") <= 2, "pipelined garbage")
        t0 = time.time()
        got = case("150 empty query parameters", lambda: send_recv(
            d, b"GET /setup?" + b"&" * 150 + b" HTTP/1.1\r\nHost: example.org\r\n"
               b"Connection: close\r\n\r\n", shutdown=False))
        t.check(got.startswith(b"HTTP/1.1 400") and time.time() - t0 < 3,
                "150 empty query parameters: 400 at once: %r" % got[:20])
        got = send_recv(d, b"GET /setup?" + b"lang=en&" * 60 + b" HTTP/1.1\r\nHost: example.org\r\n"
                        b"Connection: close\r\n\r\n", shutdown=False)
        t.check(got.startswith(b"HTTP/1.1 200"), "60 query parameters: answered: %r" % got[:20])
        got = case("half-closed, whole request", lambda: send_recv(d, NORMAL))
        t.check(got.startswith(b"HTTP/1.1 200"), "half-closed after a request: answered")
        got = case("half-closed, half request", lambda: send_recv(d, b"GET /mail/config-v1.1.x"))
        t.check(not got.startswith(b"HTTP/1.1 200"), "half a request: no answer")
        for name, target in [("NUL in path", b"/mail/config-v1.1.xml%00x"),
                             ("raw NUL in query", b"/mail/config-v1.1.xml?emailaddress=a\x00b@example.org"),
                             ("invalid UTF-8 in path", b"/mail/\xff\xfe"),
                             ("invalid UTF-8 in query", b"/mail/config-v1.1.xml?emailaddress=%ff%fe@example.org"),
                             ("raw invalid UTF-8 query", b"/mail/config-v1.1.xml?emailaddress=\xc3\x28@example.org")]:
            got = case(name, lambda target=target: send_recv(
                d, b"GET " + target + b" HTTP/1.1\r\nHost: example.org\r\nConnection: close\r\n\r\n"))
            t.check(got == b"" or got.split(b" ")[1] in (b"400", b"404"), "%s: %r" % (name, got[:20]))
        laughs = ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">' +
                  "".join('<!ENTITY a%d "%s">' % (i, ("&a%s;" % ("" if i == 1 else i - 1)) * 10)
                          for i in range(1, 10)) + ']><Autodiscover><Request><EMailAddress>&a9;'
                  '</EMailAddress></Request></Autodiscover>').encode()
        xxe = (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
               b'<Autodiscover><Request><EMailAddress>&x;</EMailAddress></Request></Autodiscover>')
        for name, body in [("billion laughs", laughs), ("external entity", xxe)]:
            got = case(name, lambda body=body: send_recv(
                d, b"POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: example.org\r\n"
                   b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body) + body))
            t.check(b"<ErrorCode>600</ErrorCode>" in got and b"root:" not in got, name)
        rss1 = rss_kb(d)
        print("RSS: %d kB at start, %d kB after %d cases" % (rss0, rss1, len(cases)))
        t.check(rss1 < rss0 + 64 * 1024, "memory bounded: %d -> %d kB" % (rss0, rss1))
    finally:
        code = finish(t, d)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
