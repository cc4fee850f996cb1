#!/usr/bin/env python3
"""Cross-format consistency: for several tables and addresses, the
Thunderbird autoconfig, the Outlook autodiscover answer (read by xml.etree
and by exchangelib) and the Apple profile (read by plistlib) name the same
hosts, ports, security and login, in the same order: the first entry of
each protocol in autoconfig is the one autodiscover offers; the profile
offers the table's preferred protocol with its implicit-TLS server first
(a profile has only a UseSSL flag), else its first."""
import json
import os
import plistlib
import sys
import tempfile
import urllib.parse
import xml.etree.ElementTree as ET

from exchangelib.autodiscover.properties import Autodiscover

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from daemon import ROOT, SHIPPED, Checks, Daemon  # noqa: E402

GOLDEN = os.path.join(ROOT, "tests", "golden")
TABLES = [SHIPPED, os.path.join(GOLDEN, "overrides", "settings.json"),
          os.path.join(GOLDEN, "autodiscover", "settings.json"),
          os.path.join(GOLDEN, "mobileconfig", "settings.json")]
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


def all_autoconfig(body):
    prov = ET.fromstring(body).find("emailProvider")
    return [(s.get("type").upper(), s.findtext("hostname"), int(s.findtext("port")),
             s.findtext("socketType"), s.findtext("username"))
            for s in prov if s.tag in ("incomingServer", "outgoingServer")]


def expected_profile(entries, table, dom):
    """What the profile must hold, from the autoconfig entries."""
    t = json.load(open(table))
    incoming = t["domains"][dom].get("incoming", t["defaults"]["incoming"])
    first = next(e["protocol"] for e in incoming if e.get("advertise", e["security"] != "none"))

    def pick(kind):
        cands = [e for e in entries if e[0] == kind]
        tls = [e for e in cands if e[3] == "SSL"]
        e = (tls or cands)[0]
        return (e[1], e[2], True, e[4])
    return {"type": "EmailTypePOP" if first == "pop3" else "EmailTypeIMAP",
            "in": pick(first.upper()), "out": pick("SMTP")}


def from_profile(body):
    m = plistlib.loads(body)["PayloadContent"][0]
    return {"type": m["EmailAccountType"],
            "in": (m["IncomingMailServerHostName"], m["IncomingMailServerPortNumber"],
                   m["IncomingMailServerUseSSL"], m["IncomingMailServerUsername"]),
            "out": (m["OutgoingMailServerHostName"], m["OutgoingMailServerPortNumber"],
                    m["OutgoingMailServerUseSSL"], m["OutgoingMailServerUsername"])}


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
                    st3, _, pr = d.request("GET", "/apple/mail.mobileconfig?email=" + q)
                    if t.check(st3 == 200, "%s: profile %d" % (addr, st3)):
                        want, got = expected_profile(all_autoconfig(ac), table, dom), from_profile(pr)
                        t.check(want == got, "%s:\n from autoconfig %r\n profile         %r"
                                % (addr, want, got))
                    compared += 1
        finally:
            t.check(d.stop() == 0, "clean exit")
    print("compared %d addresses across %d tables" % (compared, len(TABLES)))
    return t.done()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
