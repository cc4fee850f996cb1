#!/usr/bin/env python3
"""Cross-format consistency: for several tables and addresses, the
Thunderbird autoconfig and the Outlook autodiscover answers (read by
xml.etree and by exchangelib) name the same hosts, ports, security and
login, in the same order: the first entry of each protocol in autoconfig
is the one autodiscover offers."""
import json
import os
import sys
import tempfile
import urllib.parse
import xml.etree.ElementTree as ET

from exchangelib.autodiscover.properties import Autodiscover

from daemon import ROOT, SHIPPED, Checks, Daemon

GOLDEN = os.path.join(ROOT, "tests", "golden")
TABLES = [SHIPPED, os.path.join(GOLDEN, "overrides", "settings.json"),
          os.path.join(GOLDEN, "autodiscover", "settings.json")]
LOCALS = ["alice", "Bob.Smith", "a+tag"]


def domains_of(table):
    return list(json.load(open(table))["domains"])


def from_autoconfig(body):
    """First entry of each protocol, in document order."""
    prov = ET.fromstring(body).find("emailProvider")
    seen, out = set(), []
    for s in prov:
        kind = s.get("type")
        if s.tag not in ("incomingServer", "outgoingServer") or kind in seen:
            continue
        seen.add(kind)
        sec = {"SSL": "tls", "STARTTLS": "starttls"}[s.findtext("socketType")]
        out.append((kind.upper(), s.findtext("hostname"), int(s.findtext("port")), sec,
                    s.findtext("username")))
    return out


def from_autodiscover(body):
    out = []
    for p in Autodiscover.from_bytes(body).response.account.protocols:
        out.append((p.type, p.server, p.port, None, p.login_name))
    # exchangelib has no Encryption field, and Encryption decides the mode
    # (it overrides SSL, SPEC §2): read it with xml.etree
    ns = "{http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a}"
    encs = [e.text for e in ET.fromstring(body).iter(ns + "Encryption")]
    mode = {"SSL": "tls", "TLS": "starttls"}
    return [(t, h, p, mode[e], l) for (t, h, p, _, l), e in zip(out, encs)]


def main(binary):
    t = Checks()
    compared = 0
    for table in TABLES:
        d = Daemon(binary, config=table)
        try:
            for dom in domains_of(table):
                for local in LOCALS:
                    addr = "%s@%s" % (local, dom)
                    q = urllib.parse.quote(addr, safe="")
                    st1, _, ac = d.request("GET", "/mail/config-v1.1.xml?emailaddress=" + q)
                    body = ('<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.'
                            'microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request>'
                            '<EMailAddress>%s</EMailAddress></Request></Autodiscover>' % addr)
                    st2, _, ad = d.request("POST", "/autodiscover/autodiscover.xml", body=body.encode())
                    if not t.check(st1 == 200 and st2 == 200, "%s: %d %d" % (addr, st1, st2)):
                        continue
                    a, b = from_autoconfig(ac), from_autodiscover(ad)
                    t.check(a == b and len(a) >= 2, "%s:\n autoconfig   %r\n autodiscover %r" % (addr, a, b))
                    compared += 1
        finally:
            t.check(d.stop() == 0, "clean exit")
    print("compared %d addresses across %d tables" % (compared, len(TABLES)))
    return t.done()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
