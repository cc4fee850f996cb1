#!/usr/bin/env python3
"""End to end: what Thunderbird, Thunderbird for Android / K-9 and FairEmail
send, and what hostile or broken clients send, against the real daemon."""
import os
import re
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from daemon import run_suite  # noqa: E402

CT = "application/xml; charset=utf-8"


def servers(body):
    """[(tag, type, hostname, port, socketType, username)] in document order."""
    prov = ET.fromstring(body).find("emailProvider")
    out = []
    for s in prov:
        if s.tag in ("incomingServer", "outgoingServer"):
            out.append((s.tag, s.get("type"), s.findtext("hostname"),
                        int(s.findtext("port")), s.findtext("socketType"),
                        s.findtext("username")))
    return prov.get("id"), out


def faq_servers(domain, user):
    return [
        ("incomingServer", "imap", domain, 993, "SSL", user),
        ("incomingServer", "pop3", domain, 995, "SSL", user),
        ("outgoingServer", "smtp", domain, 465, "SSL", user),
        ("outgoingServer", "smtp", domain, 587, "STARTTLS", user),
    ]


def clients(d, t):
    # Thunderbird: percent-encoded address on autoconfig.<domain>
    st, h, body = d.request("GET", "/mail/config-v1.1.xml?emailaddress=alice%40example.org",
                            host="autoconfig.example.org",
                            headers={"User-Agent": "Thunderbird/128.0"})
    t.check(st == 200 and h.get("content-type") == CT, "thunderbird status/type %d %r" % (st, h))
    t.check(servers(body) == ("example.org", faq_servers("example.org", "alice@example.org")),
            "thunderbird servers %r" % (servers(body),))
    # Thunderbird for Android / K-9: no address, well-known path on the domain
    st, h, body = d.request("GET", "/.well-known/autoconfig/mail/config-v1.1.xml", host="example.com")
    t.check(st == 200 and h.get("content-type") == CT, "k9 status %d" % st)
    t.check(servers(body) == ("example.com", faq_servers("example.com", "%EMAILADDRESS%")),
            "k9 servers %r" % (servers(body),))
    t.check(b"plain" not in body and b":143" not in body, "k9: no cleartext endpoint")
    # FairEmail: unencoded address
    st, h, body = d.request("GET", "/mail/config-v1.1.xml?emailaddress=bob@example.com",
                            host="autoconfig.example.com")
    t.check(st == 200 and servers(body)[1] == faq_servers("example.com", "bob@example.com"),
            "fairemail %d" % st)
    # HEAD: same headers, no body
    st, h, body = d.request("HEAD", "/mail/config-v1.1.xml", host="autoconfig.example.org")
    st2, h2, body2 = d.request("GET", "/mail/config-v1.1.xml", host="autoconfig.example.org")
    t.check(st == 200 and body == b"" and h.get("content-length") == str(len(body2)),
            "HEAD %d %r" % (st, h.get("content-length")))
    # path case, keep-alive connection reused for several requests
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10)
    for path in ("/MAIL/CONFIG-V1.1.XML", "/.Well-Known/Autoconfig/Mail/Config-v1.1.xml"):
        st, _, _ = d.request("GET", path, host="autoconfig.example.org", conn=c)
        t.check(st == 200, "path case %s: %d" % (path, st))
    c.close()


def caching(d, t):
    """ETag and Cache-Control on answers; 304 for If-None-Match; errors
    never cached."""
    path = "/mail/config-v1.1.xml?emailaddress=alice%40example.org"
    st, h, body = d.request("GET", path, host="autoconfig.example.org")
    etag = h.get("etag", "")
    t.check(st == 200 and re.fullmatch(r'"[0-9a-f]{24}"', etag) and
            h.get("cache-control") == "public, max-age=300", "validators %r" % h)
    for inm in (etag, "W/" + etag, '"other", ' + etag, "*"):
        st, h2, body2 = d.request("GET", path, host="autoconfig.example.org",
                                  headers={"If-None-Match": inm})
        t.check(st == 304 and body2 == b"" and h2.get("etag") == etag, "304 for %r: %d" % (inm, st))
    st, _, _ = d.request("GET", path, host="autoconfig.example.org", headers={"If-None-Match": '"nope"'})
    t.check(st == 200, "other ETag: 200")
    st, h3, _ = d.request("GET", path.replace("alice", "bob"), host="autoconfig.example.org")
    t.check(h3.get("etag") not in (None, etag), "another address, another ETag")
    st, h, _ = d.request("GET", "/mail/config-v1.1.xml?emailaddress=a@example.net")
    t.check(st == 404 and h.get("cache-control") == "no-store" and "etag" not in h, "errors: no-store")
    st, h, _ = d.request("GET", "/apple/mail.mobileconfig?email=alice%40example.org")
    t.check(h.get("cache-control") == "private, max-age=300" and "etag" in h, "profiles: private")


def errors(d, t):
    cases = [
        ("/mail/config-v1.1.xml?emailaddress=alice@example.net", "autoconfig.example.org", 404),
        ("/mail/config-v1.1.xml", "autoconfig.example.net", 404),
        ("/mail/config-v1.1.xml", "www.example.org", 404),
        ("/unknown", "example.org", 404),
        ("/mail/config-v1.1.xml?emailaddress=a@", "example.org", 400),
        ("/mail/config-v1.1.xml?emailaddress=@b.example", "example.org", 400),
        ("/mail/config-v1.1.xml?emailaddress=a@b@example.org", "example.org", 400),
        ("/mail/config-v1.1.xml?emailaddress=" + "x" * 300 + "@example.org", "example.org", 400),
        ("/mail/config-v1.1.xml?emailaddress=a%01b@example.org", "example.org", 400),
        ("/mail/config-v1.1.xml?emailaddress=a%C3%28@example.org", "example.org", 400),
        ("/mail/config-v1.1.xml?emailaddress=a%00@example.org", "example.org", 400),
        ("/mail/config-v1.1.xml?emailaddress=a@exa%20mple.org", "example.org", 400),
        ("/mail/config-v1.1.xml?emailaddress=" + "a" * 3000, "example.org", 414),
    ]
    for target, host, want in cases:
        st, h, body = d.request("GET", target, host=host)
        t.check(st == want and h.get("content-type", "").startswith("text/plain"),
                "%s Host %s: %d, want %d" % (target[:80], host, st, want))
    # special characters come out escaped, never raw
    st, _, body = d.request("GET", "/mail/config-v1.1.xml?emailaddress=%22%3Cx%3E%5C%22%26'%22@example.org",
                            host="example.org")
    t.check(st == 200 and b"<x>" not in body and b"&quot;&lt;x&gt;\\&quot;&amp;'&quot;@example.org" in body,
            "escaping")
    ET.fromstring(body)
    # RFC 5321: a quoted local part is valid; specials outside quotes are not
    st, _, body = d.request("GET", "/mail/config-v1.1.xml?emailaddress=%22john%20doe%22@example.org",
                            host="example.org")
    t.check(st == 200 and b"<username>&quot;john doe&quot;@example.org</username>" in body,
            "quoted local part: %d" % st)
    for bad in ("a,b", "a(b)", ".alice", "al..ice", "alice.", "%3Cx%3E"):
        st, h, body = d.request("GET", "/mail/config-v1.1.xml?emailaddress=%s@example.org" % bad,
                                host="example.org")
        t.check(st == 400 and body.startswith(b"Bad email address: the local part"),
                "%s@example.org: 400 that says why: %d %r" % (bad, st, body[:80]))
    st, h, _ = d.request("DELETE", "/mail/config-v1.1.xml", host="example.org")
    t.check(st == 405 and h.get("allow") == "GET, HEAD", "405 %d %r" % (st, h.get("allow")))
    st, _, _ = d.request("POST", "/mail/config-v1.1.xml", host="example.org", body=b"x" * 200000)
    t.check(st == 413, "huge body: %d" % st)


def hostile(d, t):
    odd_hosts = [b"", b"[::1]:80", b"a..b", b"x" * 5000, b"\xff\xfe.example",
                 b"autoconfig.", b"example.org:99999:1", b"exa\tmple.org"]
    for host in odd_hosts:
        got = d.raw(b"GET /mail/config-v1.1.xml HTTP/1.1\r\nHost: " + host +
                    b"\r\nConnection: close\r\n\r\n")
        status = got.split(b" ", 2)[1] if got.startswith(b"HTTP/1.1 ") else b"none"
        t.check(status in (b"400", b"404", b"431"), "Host %r: %r" % (host[:30], got[:40]))
    big = d.raw(b"GET /mail/config-v1.1.xml?" + b"a" * 1000000 + b" HTTP/1.1\r\nHost: example.org\r\n\r\n")
    t.check(big == b"" or big.split(b" ", 2)[1] in (b"414", b"431", b"400"),
            "1 MB request line: %r" % big[:40])
    got = d.raw(b"\x00\x01garbage\r\n\r\n")
    t.check(got == b"" or got.startswith(b"HTTP/1.1 400"), "garbage: %r" % got[:40])
    got = d.raw(b"GET /mail/config-v1.1.xml?emailaddress=a%FF@example.org HTTP/1.1\r\n"
                b"Host: example.org\r\nConnection: close\r\n\r\n")
    t.check(got.startswith(b"HTTP/1.1 400"), "invalid UTF-8: %r" % got[:40])
    # still serving
    st, _, _ = d.request("GET", "/mail/config-v1.1.xml?emailaddress=alice%40example.org")
    t.check(st == 200, "still serving after hostile input: %d" % st)


def access_log(d, t):
    log = d.log_text()
    lines = [l for l in log.splitlines() if l.startswith("access: ")]
    t.check(len(lines) >= 20, "access log lines: %d" % len(lines))
    pat = re.compile(r"access: 127\.0\.0\.1 ((GET|HEAD|POST|DELETE|-) \S+ \d{3} \d+ \d+us( \(aborted\))?"
                     r"|- - closed before a whole request, after \d+\.\d s)$")
    bad = [l for l in lines if not pat.match(l)]
    t.check(not bad, "access log format: %r" % bad[:3])
    t.check(not any("emailaddress" in l for l in lines), "no query (no address) in the access log")


def main(binary):
    return run_suite(binary, [clients, caching, errors, hostile, access_log])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
