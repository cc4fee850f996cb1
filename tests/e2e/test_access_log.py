#!/usr/bin/env python3
"""The access log never holds an address (README, SECURITY.md): every
route that carries one in its path, its query or its body is asked with a
distinctive local part, in both log formats, and the log is searched for
it. The requests themselves must be answered as usual."""
import os
import json
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from daemon import Checks, Daemon  # noqa: E402

LOCAL = "secret.person"
ADDR = LOCAL + "@example.org"
Q = urllib.parse.quote(ADDR, safe="")
POX = ('<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/'
       'exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>%s</EMailAddress>'
       '<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/'
       'responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>' % ADDR)

# (method, target, body, status)
REQUESTS = [
    ("GET", "/mail/config-v1.1.xml?emailaddress=" + ADDR, None, 200),
    ("GET", "/mail/config-v1.1.xml?emailaddress=" + Q, None, 200),
    ("GET", "/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=" + ADDR, None, 200),
    ("POST", "/autodiscover/autodiscover.xml", POX, 200),
    ("POST", "/Autodiscover/Autodiscover.xml", POX, 200),
    ("GET", "/autodiscover/autodiscover.json?Email=%s&Protocol=AutodiscoverV1" % ADDR, None, 200),
    ("GET", "/autodiscover/autodiscover.json/v1.0/%s?Protocol=AutodiscoverV1" % ADDR, None, 200),
    ("GET", "/autodiscover/autodiscover.json/v1.0/%s?Protocol=AutodiscoverV1" % Q, None, 200),
    ("GET", "/AutoDiscover/AutoDiscover.json/V1.0/%s?Protocol=AutodiscoverV1" % ADDR, None, 200),
    ("GET", "/apple/mail.mobileconfig?email=" + ADDR, None, 200),
    ("GET", "/setup?email=" + ADDR, None, 200),
    ("GET", "/?email=" + ADDR, None, 200),
    ("GET", "/somewhere/%s/else" % ADDR, None, 404),
    ("GET", "/" + ADDR, None, 404),
    ("GET", "/mail/config-v1.1.xml?emailaddress=%s%%zz" % LOCAL, None, 400),
]


def run(binary, mode, t):
    d = Daemon(binary, extra=["--access-log", mode])
    try:
        for method, target, body, status in REQUESTS:
            got, _, _ = d.request(method, target, host="example.org", body=body)
            t.check(got == status, "%s %s: %d, want %d" % (method, target, got, status))
        t.check(d.wait_log(r"/else", 5), "%s log written" % mode)
    finally:
        t.check(d.stop() == 0, "clean exit")
    log = d.log_text()
    lines = [l for l in log.splitlines() if l.startswith(("access:", "{"))]
    t.check(len(lines) >= len(REQUESTS), "%s: %d access lines" % (mode, len(lines)))
    t.check(LOCAL not in log and "secret%2Eperson" not in log,
            "%s log holds the local part:\n%s" % (mode, log))
    if mode == "json":
        paths = [json.loads(l)["path"] for l in lines if l.startswith("{")]
        t.check("/autodiscover/autodiscover.json/v1.0/{address}" in paths,
                "json: the v1.0 route is logged without its address: %r" % paths)
    else:
        t.check("GET /autodiscover/autodiscover.json/v1.0/{address} 200" in log,
                "plain: the v1.0 route is logged without its address")


def main(binary):
    t = Checks()
    for mode in ("stderr", "json"):
        run(binary, mode, t)
    return t.done()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
