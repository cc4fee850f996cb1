#!/usr/bin/env python3
"""Checks rendered autodiscover answers with parsers we did not write:
xmllint for well-formedness, then python3-exchangelib (a real autodiscover
client, Debian's package) reads each POX answer the way it reads an
Exchange server's: settings answers must give IMAP/POP3/SMTP protocols
with SPA off, AuthRequired on and SSL on; error answers must raise the
error exchangelib maps the code to. JSON answers are read by json.
Prints "N passed, N failed"."""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

from exchangelib.autodiscover.properties import Autodiscover
from exchangelib.errors import AutoDiscoverFailed, ErrorNonExistentMailbox

import golden_check


MOBILESYNC = b"http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006"


def check_mobilesync(data):
    """[MS-ASCMD] 4.2.4: Action/Settings/Server with Type MobileSync and an
    https Url (exchangelib reads only the outlook schema)."""
    ns = {"r": MOBILESYNC.decode()}
    root = ET.fromstring(data)
    srv = root.find("r:Response/r:Action/r:Settings/r:Server", ns)
    if srv is None or srv.findtext("r:Type", namespaces=ns) != "MobileSync" or \
            not (srv.findtext("r:Url", namespaces=ns) or "").startswith("https://"):
        return ["not a MobileSync answer"]
    return []


def check_xml(path):
    problems = []
    r = subprocess.run(["xmllint", "--noout", path], capture_output=True, text=True)
    if r.returncode != 0:
        problems.append("xmllint: " + r.stderr.strip())
    data = open(path, "rb").read()
    if MOBILESYNC in data:
        return problems + check_mobilesync(data)
    ad = Autodiscover.from_bytes(data)
    if ad.response is not None:
        acc = ad.response.account
        if acc.type != "email" or acc.action != "settings":
            problems.append("account type/action %r %r" % (acc.type, acc.action))
        types = [p.type for p in acc.protocols]
        mail = [t for t in types if t not in ("CalDAV", "CardDAV")]
        if mail not in (["IMAP", "POP3", "SMTP"], ["IMAP", "SMTP"], ["POP3", "SMTP"]) or \
                types[:len(mail)] != mail:
            problems.append("protocol order %r" % types)
        for p in acc.protocols:
            if p.type in ("CalDAV", "CardDAV"):
                if not (p.server or "").startswith("https://") or not p.login_name:
                    problems.append("%s: server URL/login %r %r" % (p.type, p.server, p.login_name))
                if p.spa is not False:  # exchangelib reads an absent SPA as on
                    problems.append("%s: spa=%r" % (p.type, p.spa))
                continue
            if p.spa is not False or p.auth_required is not True or p.ssl is not True:
                problems.append("%s: spa=%r auth_required=%r ssl=%r" % (p.type, p.spa, p.auth_required, p.ssl))
            if not p.server or not p.port or not p.login_name:
                problems.append("%s: server/port/login missing" % p.type)
    else:
        err = ad.error_response.error
        try:
            ad.raise_errors()
            problems.append("error answer raised nothing")
        except ErrorNonExistentMailbox:
            if err.code != "500":
                problems.append("non-existent mailbox for code %s" % err.code)
        except AutoDiscoverFailed:
            if err.code not in ("600", "601"):
                problems.append("unexpected code %s" % err.code)
        if not err.time or not err.id:
            problems.append("Error without Time or Id")
    return problems


def check(path):
    if path.endswith(".xml") and b"<clientConfig" in open(path, "rb").read():
        return []  # a Thunderbird answer in a mixed folder: check_autoconfig.py
    if not path.endswith(".json"):
        return check_xml(path)
    obj = json.load(open(path))
    ok = ("Url" in obj and obj["Url"].startswith("https://")) or "ErrorCode" in obj
    return [] if ok else ["unexpected JSON %r" % obj]


def main(dirs):
    return golden_check.report(*golden_check.run(
        dirs, ["*.xml", "*.json"], check, lambda path: not path.endswith("settings.json")))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
