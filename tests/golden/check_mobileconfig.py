#!/usr/bin/env python3
"""Checks every rendered profile (*.mobileconfig) with parsers we did not
write: python3's plistlib reads it (as an XML plist), xmllint checks it is
well-formed, and each key is checked against Apple's own schema in
tests/schema/apple, copied from shared/reference/apple (TopLevel.yaml, CommonPayloadKeys.yaml,
com.apple.mail.managed.yaml, read with PyYAML): known key, right type,
value in its rangelist, required keys present. Then the rules of SPEC §3
the schema cannot say: IMAP path prefix INBOX where the table says so, no
password, distinct PayloadUUIDs in UUID form, the identifier scheme.
Prints "N passed, N failed"."""
import os
import plistlib
import re
import subprocess
import sys

import yaml

import golden_check

HERE = os.path.dirname(os.path.abspath(__file__))
REF = os.path.join(os.path.dirname(HERE), "schema", "apple")  # a copy of shared/reference/apple
TYPES = {"<string>": str, "<integer>": int, "<boolean>": bool, "<array>": list,
         "<dictionary>": dict, "<data>": bytes}
UUID_RE = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$")


def schema(name):
    with open(os.path.join(REF, name)) as f:
        return {k["key"]: k for k in yaml.safe_load(f)["payloadkeys"]}


def check_dict(d, keys, where, problems):
    for k, v in d.items():
        spec = keys.get(k)
        if spec is None:
            problems.append("%s: key %s is not in Apple's schema" % (where, k))
            continue
        want = TYPES.get(spec["type"])
        if want is not None and type(v) is not want:
            problems.append("%s: %s is %s, schema says %s" % (where, k, type(v).__name__, spec["type"]))
        if "rangelist" in spec and v not in spec["rangelist"]:
            problems.append("%s: %s=%r not in %r" % (where, k, v, spec["rangelist"]))
    for k, spec in keys.items():
        if spec.get("presence") == "required" and k not in d:
            problems.append("%s: required key %s missing" % (where, k))


def check(path, top_keys, payload_keys):
    problems = []
    r = subprocess.run(["xmllint", "--noout", path], capture_output=True, text=True)
    if r.returncode != 0:
        problems.append("xmllint: " + r.stderr.strip())
    raw = open(path, "rb").read()
    if b'<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">' not in raw:
        problems.append("the plist DOCTYPE is not as Apple writes it")
    p = plistlib.loads(raw, fmt=plistlib.FMT_XML)
    check_dict(p, top_keys, "top", problems)
    if p.get("PayloadType") != "Configuration" or p.get("PayloadVersion") != 1:
        problems.append("top: PayloadType/Version")
    content = p.get("PayloadContent", [])
    mails = [m for m in content if m.get("PayloadType") == "com.apple.mail.managed"]
    if len(mails) != 1:
        problems.append("expected one mail payload, got %d" % len(mails))
    for i, m in enumerate(content):
        ptype = m.get("PayloadType")
        if ptype not in payload_keys:
            problems.append("payload %d: PayloadType %r" % (i, ptype))
            continue
        check_dict(m, payload_keys[ptype], "payload %d" % i, problems)
        if ptype != "com.apple.mail.managed":
            kind = "caldav" if "caldav" in ptype else "carddav"
            if m.get("PayloadIdentifier") != p.get("PayloadIdentifier") + "." + kind:
                problems.append("payload %d: identifier scheme" % i)
            if any(k.endswith("Password") for k in m):
                problems.append("a password in the profile")
            continue
        if "IncomingPassword" in m or "OutgoingPassword" in m:
            problems.append("a password in the profile")
        if m.get("EmailAccountType") == "EmailTypePOP" and "IncomingMailServerIMAPPathPrefix" in m:
            problems.append("IMAP path prefix on a POP account")
        if m.get("PayloadIdentifier") != p.get("PayloadIdentifier") + ".mail":
            problems.append("payload identifier scheme")
        if not p.get("PayloadIdentifier", "").endswith("." + m.get("EmailAddress", "?")):
            problems.append("top identifier does not end in the address")
    uuids = [p.get("PayloadUUID")] + [m.get("PayloadUUID") for m in content]
    if len(set(uuids)) != len(uuids) or not all(UUID_RE.match(u or "") for u in uuids):
        problems.append("PayloadUUIDs not distinct UUIDv5: %r" % uuids)
    head = open(path[:-len(".mobileconfig")] + ".head").read()
    if "Content-Type: application/x-apple-aspen-config\n" not in head or \
            not re.search(r'Content-Disposition: attachment; filename="[a-z0-9.-]+\.mobileconfig"\n', head):
        problems.append("headers: %r" % head)
    return problems, p


def main(dirs):
    top_keys = schema("TopLevel.yaml")
    payload_keys = {}
    for ptype in ("com.apple.mail.managed", "com.apple.caldav.account", "com.apple.carddav.account"):
        keys = dict(schema("CommonPayloadKeys.yaml"))
        keys.update(schema(ptype + ".yaml"))
        payload_keys[ptype] = keys

    def check_one(path):
        problems, p = check(path, top_keys, payload_keys)
        m = p["PayloadContent"][0]
        if os.path.basename(path) == "imap.mobileconfig" and \
                m.get("IncomingMailServerIMAPPathPrefix") != "INBOX":
            problems.append("the FAQ's IMAP path prefix INBOX is missing")
        return problems

    return golden_check.report(*golden_check.run(dirs, ["*.mobileconfig"], check_one))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
