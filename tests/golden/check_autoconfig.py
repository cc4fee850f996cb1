#!/usr/bin/env python3
"""Checks rendered autoconfig files with parsers we did not write.

For each file: xmllint validates it against tests/schema/autoconfig.xsd,
then Python's xml.etree reads it and the rules of SPEC §1 that a schema
cannot say are asserted: the emailProvider id equals the domain, every IMAP
entry comes before any POP3 entry (FairEmail), no placeholder is left in a
hostname, and the Content-Type of the .head file is the one Thunderbird
accepts. Prints "N passed, N failed"."""
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import golden_check

HERE = os.path.dirname(os.path.abspath(__file__))
XSD = os.path.join(os.path.dirname(HERE), "schema", "autoconfig.xsd")


def check(path):
    problems = []
    r = subprocess.run(["xmllint", "--noout", "--schema", XSD, path],
                       capture_output=True, text=True)
    if r.returncode != 0:
        problems.append("xmllint: " + r.stderr.strip())
    root = ET.parse(path).getroot()
    prov = root.find("emailProvider")
    domains = [d.text for d in prov.findall("domain") if d.get("purpose") is None]
    if prov.get("id") not in domains:
        problems.append("emailProvider id %r is not a <domain>" % prov.get("id"))
    # draft -06: purpose="mx" is the only value, and not the asked domain's
    for d in prov.findall("domain"):
        if d.get("purpose") not in (None, "mx") or (d.get("purpose") and d.text in domains):
            problems.append("domain purpose %r for %r" % (d.get("purpose"), d.text))
    types = [s.get("type") for s in prov.findall("incomingServer")]
    if "pop3" in types and "imap" in types[types.index("pop3"):]:
        problems.append("an IMAP entry follows a POP3 one: %r" % types)
    for host in prov.iter("hostname"):
        if "%" in host.text:
            problems.append("placeholder in hostname %r" % host.text)
    head = open(path[:-4] + ".head").read()
    if "Content-Type: application/xml; charset=utf-8\n" not in head:
        problems.append("wrong Content-Type in " + path[:-4] + ".head")
    if not open(path, "rb").read().startswith(b"<?xml version=\"1.0\""):
        problems.append("no XML declaration")
    return problems


def main(dirs):
    return golden_check.report(*golden_check.run(
        dirs, ["*.xml"], check,
        lambda path: "<clientConfig" in open(path, encoding="utf-8").read()))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
