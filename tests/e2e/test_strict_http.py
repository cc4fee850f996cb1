#!/usr/bin/env python3
"""HTTP as RFC 9112 asks, and the answers a person sees first:
- 400 for an HTTP/1.1 request without Host, with two Host lines, or with a
  Host that no host name can be; HTTP/1.0 needs none (3.2);
- an absolute-form target is accepted and its authority is the host, not
  the Host header (3.2.2);
- every error mailconfd makes is text/plain with nosniff and no-store,
  also the early 413/414; the answers libmicrohttpd makes itself (505, a
  request line or headers past the memory limit, malformed syntax) are
  documented in SECURITY.md, and checked here to still close the
  connection with the status we document;
- "/" on the service's own names (localhost, an IP literal,
  provider.service_host) is a front page with an address field, parsed
  strictly by html5lib, naming no hosted domain; its address field leads
  to the domain's setup page."""
import os
import re
import sys

import html5lib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from daemon import Daemon, Checks  # noqa: E402


def head_of(raw):
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
    hdrs = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return status, hdrs, body


def ours(t, raw, status, what):
    st, h, body = head_of(raw)
    t.check(st == status, "%s: status %d, want %d: %r" % (what, st, status, raw[:120]))
    t.check(h.get("content-type") == "text/plain; charset=utf-8" and
            h.get("x-content-type-options") == "nosniff" and
            h.get("cache-control") == "no-store", "%s: headers %r" % (what, h))
    return body


def host_rules(d, t):
    req = "GET /mail/config-v1.1.xml HTTP/1.1\r\n%sConnection: close\r\n\r\n"
    body = ours(t, d.raw((req % "").encode()), 400, "HTTP/1.1 without Host")
    t.check(b"Host" in body, "says why: %r" % body)
    body = ours(t, d.raw((req % "Host: autoconfig.example.org\r\nHost: evil.test\r\n").encode()),
                400, "two Host lines")
    t.check(b"more than one Host" in body, "says why: %r" % body)
    for bad in ["autoconfig.example.org/evil.test", "autoconfig.example.org:99999", "",
                "a b.example", "example.org:80:80", "[::1", "user@example.org"]:
        ours(t, d.raw((req % ("Host: %s\r\n" % bad)).encode()), 400, "Host %r" % bad)
    raw = d.raw(b"GET /mail/config-v1.1.xml?emailaddress=a%40example.org HTTP/1.0\r\n\r\n")
    t.check(raw.startswith(b"HTTP/1.1 200") or raw.startswith(b"HTTP/1.0 200"),
            "HTTP/1.0 needs no Host: %r" % raw[:60])
    for good in ["autoconfig.example.org", "AUTOCONFIG.Example.ORG.:8080", "example.org:"]:
        raw = d.raw((req % ("Host: %s\r\n" % good)).encode())
        t.check(raw.startswith(b"HTTP/1.1 200") and b"<domain>example.org</domain>" in raw,
                "Host %r: 200 for example.org" % good)


def absolute_form(d, t):
    raw = d.raw(b"GET http://autoconfig.example.com/mail/config-v1.1.xml HTTP/1.1\r\n"
                b"Host: autoconfig.example.org\r\nConnection: close\r\n\r\n")
    t.check(raw.startswith(b"HTTP/1.1 200") and b'<emailProvider id="example.com">' in raw,
            "absolute form: the authority is the host: %r" % raw[:300])
    raw = d.raw(b"GET HTTP://Example.ORG/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=b%40example.org"
                b" HTTP/1.1\r\nHost: x.example\r\nConnection: close\r\n\r\n")
    t.check(raw.startswith(b"HTTP/1.1 200") and b"<username>b@example.org</username>" in raw,
            "absolute form with query: %r" % raw[:200])
    ours(t, d.raw(b"GET http://user@example.org/ HTTP/1.1\r\nHost: example.org\r\n\r\n"), 400,
         "absolute form with userinfo")


def error_bodies(d, t):
    ours(t, d.raw(b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: example.org\r\n\r\n"), 414,
         "request target past max_url_length")
    ours(t, d.raw(b"POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: example.org\r\n"
                  b"Content-Length: 99999999\r\n\r\n"), 413, "body too large")
    ours(t, d.raw(b"DELETE /mail/config-v1.1.xml HTTP/1.1\r\nHost: example.org\r\n\r\n"), 405,
         "method not allowed")
    ours(t, d.raw(b"GET /nothing HTTP/1.1\r\nHost: example.org\r\n\r\n"), 404, "not found")
    # made by libmicrohttpd before any callback of ours (SECURITY.md)
    for data, status in [(b"GET / HTTP/2.0\r\nHost: example.org\r\n\r\n", 505),
                         (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: example.org\r\n\r\n", 414),
                         (b"GET / HTTP/1.1\r\nHost: example.org\r\nX: " + b"b" * 9000 + b"\r\n\r\n", 431),
                         (b"GET / HTTP/1.1\r\nHost: example.org\r\nNo colon here\r\n\r\n", 400)]:
        for _ in range(20):  # a reset can swallow the answer to a big request
            st, h, _ = head_of(d.raw(data))
            if st:
                break
        t.check(st == status and h.get("connection") == "close",
                "libmicrohttpd's own %d closes the connection: %d %r" % (status, st, h))
    t.check(d.raw(b"GET / HTTP/1.1\r\nHost: example.org\r\n\r\n").startswith(b"HTTP/1.1 200"),
            "still serving")


def front_page(d, t):
    parser = html5lib.HTMLParser(strict=True)
    for host, lang, want in [("localhost", "en", b"Set up your e-mail"),
                             ("127.0.0.1:%d" % d.port, "en", b"Set up your e-mail"),
                             ("[::1]:%d" % d.port, "de", "E-Mail einrichten".encode()),
                             ("mailconfig.example-hosting.de", "de", "E-Mail einrichten".encode())]:
        st, h, body = d.request("GET", "/", host=host, headers={"Accept-Language": lang})
        t.check(st == 200 and h.get("content-type") == "text/html; charset=utf-8", "%s: %d" % (host, st))
        t.check(want in body and b'<form method="get" action="/setup">' in body and
                b'name="email"' in body, "%s: the front page with an address field" % host)
        t.check(b"example.org" not in body and b"example.com" not in body,
                "%s: no hosted domain is listed" % host)
        t.check("default-src 'none'" in h.get("content-security-policy", ""), "%s: CSP" % host)
        try:
            parser.parse(body)
            t.check(True, "")
        except Exception as e:
            t.check(False, "%s: html5lib: %s" % (host, e))
    st, _, body = d.request("GET", "/setup?email=carol%40example.com&lang=en", host="localhost")
    t.check(st == 200 and b"Set up e-mail for example.com" in body,
            "the front page's form leads to the domain's setup page: %d" % st)
    st, _, body = d.request("GET", "/setup?email=nonsense&lang=de", host="localhost")
    t.check(st == 400 and "Diese Adresse ist ungültig".encode() in body and b'name="email"' in body,
            "a bad address on the front page: 400 with the form again")
    st, _, body = d.request("GET", "/", host="www.example.net")
    t.check(st == 404, "a name that is neither hosted nor ours: 404 (%d)" % st)
    st, _, body = d.request("GET", "/", host="example.org")
    t.check(st == 200 and b"Set up e-mail for example.org" in body, "a hosted name: its setup page")


def main(binary):
    from daemon import run_suite
    return run_suite(binary, [host_rules, absolute_form, error_bodies, front_page])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
