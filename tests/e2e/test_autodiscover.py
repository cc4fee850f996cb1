#!/usr/bin/env python3
"""End to end: the bodies Outlook, Windows Mail, Thunderbird and exchangelib
post, the autodiscover.json hop, and hostile bodies, against the real
daemon; exchangelib (Debian's python3-exchangelib) reads every answer."""
import json
import os
import sys
import time

from exchangelib.autodiscover.properties import Autodiscover
from exchangelib.errors import ErrorNonExistentMailbox

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from daemon import run_suite  # noqa: E402

OUTLOOK_BODY = (
    '<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/'
    'exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>%s</EMailAddress>'
    '<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/'
    'responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>')
# Thunderbird's ExchangeAutoDiscover.sys.mjs writes the same request, indented.
THUNDERBIRD_BODY = (
    '<?xml version="1.0" encoding="utf-8"?>\n<Autodiscover xmlns="http://schemas.microsoft.com/'
    'exchange/autodiscover/outlook/requestschema/2006">\n  <Request>\n    <EMailAddress>%s'
    '</EMailAddress>\n    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/'
    'autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>\n  </Request>\n'
    '</Autodiscover>\n')
OUTLOOK_HEADERS = {"Content-Type": "text/xml", "User-Agent": "Microsoft Office/16.0 (Windows NT 10.0; "
                   "Microsoft Outlook 16.0.17928; Pro)"}


def protocols(body):
    ad = Autodiscover.from_bytes(body)
    return [(p.type, p.server, p.port, p.ssl, p.login_name) for p in ad.response.account.protocols]


FAQ_ALICE = [("IMAP", "example.org", 993, True, "alice@example.org"),
             ("POP3", "example.org", 995, True, "alice@example.org"),
             ("SMTP", "example.org", 465, True, "alice@example.org")]


def clients(d, t):
    for path, body, headers in [
            ("/autodiscover/autodiscover.xml", OUTLOOK_BODY, OUTLOOK_HEADERS),
            ("/AutoDiscover/AutoDiscover.xml", OUTLOOK_BODY, {"Content-Type": "text/html"}),
            ("/Autodiscover/Autodiscover.xml", THUNDERBIRD_BODY, {"Content-Type": "application/xml"}),
            ("/autodiscover/autodiscover.xml", Autodiscover.payload("alice@example.org").decode(), {})]:
        if "%s" in body:
            body = body % "alice@example.org"
        for host in ("autodiscover.example.org", "example.org"):
            st, h, data = d.request("POST", path, host=host, body=body.encode(), headers=headers)
            t.check(st == 200 and h.get("content-type") == "application/xml; charset=utf-8",
                    "%s on %s: %d" % (path, host, st))
            t.check(data.startswith(b"<?xml"), "XML declaration first (exchangelib needs it)")
            t.check(protocols(data) == FAQ_ALICE, "%s: %r" % (path, protocols(data)))
    st, _, data = d.request("POST", "/autodiscover/autodiscover.xml",
                            body=(OUTLOOK_BODY % "alice@example.net").encode())
    try:
        Autodiscover.from_bytes(data).raise_errors()
        t.check(False, "not hosted: no error")
    except ErrorNonExistentMailbox:
        t.check(st == 200, "not hosted -> exchangelib ErrorNonExistentMailbox")
    st, _, data = d.request("GET", "/autodiscover/autodiscover.xml", host="autodiscover.example.org")
    t.check(st == 200 and b"<ErrorCode>600</ErrorCode>" in data, "GET -> 600")
    # the v2 hop
    st, h, data = d.request("GET", "/autodiscover/autodiscover.json/v1.0/alice@example.org?Protocol=AutodiscoverV1",
                            host="autodiscover.example.org")
    t.check(st == 200 and h.get("content-type") == "application/json; charset=utf-8" and
            json.loads(data) == {"Protocol": "AutodiscoverV1",
                                 "Url": "https://autodiscover.example.org/Autodiscover/Autodiscover.xml"},
            "json hop %d %r" % (st, data))
    st, _, data = d.request("GET", "/autodiscover/autodiscover.json?Email=alice%40example.org&Protocol=Rest",
                            host="example.org")
    t.check(st == 400 and json.loads(data)["ErrorCode"] == "InvalidProtocol", "json 400 %d" % st)


def hostile(d, t):
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
              "".join('<!ENTITY lol%d "%s">' % (i, ("&lol%s;" % ("" if i == 2 else i - 1)) * 10)
                      for i in range(2, 10)) +
              ']><Autodiscover><Request><EMailAddress>&lol9;</EMailAddress></Request></Autodiscover>')
    xxe = ('<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           '<Autodiscover><Request><EMailAddress>&x;</EMailAddress></Request></Autodiscover>')
    deep = "<a>" * 100000 + "</a>" * 100000
    cases = [
        ("billion laughs", laughs.encode()),
        ("external entity", xxe.encode()),
        ("invalid UTF-8", (OUTLOOK_BODY % "al\xffice@example.org").encode("latin-1")),
        ("deep nesting", ('<Autodiscover><Request>' + "<x>" * 5000 + "</x>" * 5000 +
                          '</Request></Autodiscover>').encode()),
        ("deep nesting 64k", deep.encode()[:60000]),
        ("NUL bytes", b"<Autodiscover>\x00\x00</Autodiscover>"),
        ("not XML", b"\x89PNG\r\n\x1a\n" + os.urandom(2000)),
    ]
    for name, body in cases:
        t0 = time.time()
        st, _, data = d.request("POST", "/autodiscover/autodiscover.xml", host="example.org", body=body)
        ms = (time.time() - t0) * 1000
        print("%-18s -> %d in %.1f ms" % (name, st, ms))
        t.check(st == 200 and b"<ErrorCode>600</ErrorCode>" in data and b"root:" not in data,
                "%s: %d %r" % (name, st, data[:100]))
    # 10 MB: the answer (413) comes once the headers are in, before the body
    got = d.raw(b"POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: example.org\r\n"
                b"Content-Length: 10485760\r\n\r\n")
    t.check(got.startswith(b"HTTP/1.1 413"), "10 MB body: %r" % got[:30])
    # chunked, no length: the connection is cut once the body passes the cap
    got = d.raw(b"POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: example.org\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n" + (b"10000\r\n" + b"x" * 65536 + b"\r\n") * 3)
    t.check(got == b"", "chunked body past the cap: connection closed, got %r" % got[:30])
    t.check(d.wait_log(r"POST /autodiscover/autodiscover.xml 413 0 \d+us \(aborted\)"),
            "the cut connection is logged as 413 (aborted)")
    st, _, data = d.request("POST", "/autodiscover/autodiscover.xml", host="example.org",
                            body=(OUTLOOK_BODY % "alice@example.org").encode())
    t.check(st == 200 and protocols(data) == FAQ_ALICE, "still serving after hostile bodies")


def main(binary):
    return run_suite(binary, [clients, hostile])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
