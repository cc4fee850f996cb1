#!/usr/bin/env python3
"""Checks every rendered setup page (*.html) with tools we did not write:
html5lib parses it strictly (any parse error fails); no script element or
event attribute exists (so a <script> address is inert); every inline SVG
QR code is drawn by rsvg-convert and read back by zbarimg: the iPhone code
must hold the page's profile URL, the Thunderbird for Android code a
payload valid per its format (qr-code-format.md v1, and the checks of
QrCodePayloadValidator.kt); the DNS block loads in named-checkzone inside a
minimal zone. Prints "N passed, N failed"."""
import json
import os
import re
import subprocess
import sys
import tempfile

import html5lib

import golden_check

SVG_NS = "{http://www.w3.org/2000/svg}"
HTML_NS = "{http://www.w3.org/1999/xhtml}"
HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
ADDR_RE = re.compile(r"^%s(\.%s)*@[A-Za-z0-9.-]+$" % (ATEXT, ATEXT))


def decode_svg(svg_xml, tmp):
    svg = os.path.join(tmp, "qr.svg")
    png = os.path.join(tmp, "qr.png")
    open(svg, "w").write(svg_xml)
    subprocess.run(["rsvg-convert", "-z", "3", "-b", "white", "-o", png, svg], check=True)
    r = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sbinary", png], capture_output=True)
    return r.stdout.rstrip(b"\n").decode("utf-8") if r.returncode == 0 else None


def check_tb_payload(text, email):
    """Thunderbird for Android's import format, version 1; no password."""
    p = json.loads(text)
    assert p[0] == 1 and p[1] == [1, 1], "version / sequence"
    inc, groups = p[2], p[3]
    assert inc[0] in (0, 1) and HOST_RE.match(inc[1]) and 1 <= inc[2] <= 65535, "incoming %r" % inc
    assert inc[3] in (2, 3) and inc[4] in (1, 2, 6), "incoming security/auth %r" % inc
    assert isinstance(inc[5], str) and "\n" not in inc[5] and len(inc) == 6, "username / no password"
    assert len(groups) == 1 and len(groups[0]) == 2, "one outgoing group"
    out, ident = groups[0]
    assert out[0] == 0 and HOST_RE.match(out[1]) and 1 <= out[2] <= 65535, "outgoing %r" % out
    assert out[3] in (2, 3) and out[4] in (1, 2, 6) and len(out) == 6, "outgoing security/auth/no password"
    assert ident[0] == email and ADDR_RE.match(ident[0]), "identity address %r" % ident
    assert isinstance(ident[1], str) and "\n" not in ident[1], "display name"
    return p


def check_zone(dns, tmp):
    origin = re.search(r"autoconfig\.(\S+)\.\s", dns).group(1)
    zone = os.path.join(tmp, "zone")
    open(zone, "w").write("$TTL 3600\n@ IN SOA ns.%s. hostmaster.%s. 1 7200 3600 1209600 3600\n"
                          "@ IN NS ns.example-hosting.de.\n%s" % (origin, origin, dns))
    r = subprocess.run(["named-checkzone", origin, zone], capture_output=True, text=True)
    return r.returncode == 0, r.stdout + r.stderr


def check(path, tmp):
    problems = []
    raw = open(path, "rb").read()
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=True)
    try:
        doc = parser.parse(raw)
    except Exception as e:
        return ["html5lib: %s" % e]
    for el in doc.iter():
        if el.tag == HTML_NS + "script" or el.tag == SVG_NS + "script":
            problems.append("a <script> element")
        for attr in el.attrib:
            if attr.lower().startswith("on"):
                problems.append("event attribute %s" % attr)
    if not raw.startswith(b"<!DOCTYPE html>") or b'name="viewport"' not in raw:
        problems.append("doctype / viewport")
    if re.search(rb"(src|href)=\"https?://(?!autoconfig\.|www\.example-hosting)", raw):
        problems.append("an outside resource")
    profile = None
    for a in doc.iter(HTML_NS + "a"):
        if "/apple/mail.mobileconfig" in a.get("href", ""):
            profile = a.get("href")
    svgs = [el for el in doc.iter(SVG_NS + "svg")]
    # the SVG exactly as sent (html5lib found them: same count)
    raw_svgs = re.findall(r"<svg .*?</svg>", raw.decode("utf-8"), re.S)
    if len(raw_svgs) != len(svgs):
        problems.append("SVG count differs: %d parsed, %d in text" % (len(svgs), len(raw_svgs)))
    texts = [decode_svg(s, tmp) for s in raw_svgs]
    if svgs and None in texts:
        problems.append("a QR code zbarimg cannot read")
    email_input = [i for i in doc.iter(HTML_NS + "input") if i.get("name") == "email"]
    email = email_input[0].get("value", "") if email_input else ""
    for t in texts:
        if t is None:
            continue
        if t.startswith("["):
            try:
                check_tb_payload(t, email)
            except (AssertionError, ValueError, IndexError, TypeError) as e:
                problems.append("Thunderbird payload %r: %s" % (t, e))
        elif not (profile and t.startswith("https://") and t.endswith(profile)):
            problems.append("iPhone QR %r does not open the profile %r" % (t, profile))
    pres = [p.text for p in doc.iter(HTML_NS + "pre")]
    for dns in pres:
        ok, out = check_zone(dns, tmp)
        if not ok:
            problems.append("named-checkzone: " + out)
    return problems, len(svgs), len(pres)


def main(dirs):
    counts = {"qr": 0, "zones": 0}
    with tempfile.TemporaryDirectory() as tmp:
        def check_one(path):
            res = check(path, tmp)
            if isinstance(res, list):
                return res
            counts["qr"] += res[1]
            counts["zones"] += res[2]
            return res[0]

        passed, failed = golden_check.run(dirs, ["*.html"], check_one)
    print("decoded %d QR codes, loaded %d zones" % (counts["qr"], counts["zones"]))
    if counts["qr"] == 0 or counts["zones"] == 0:
        print("no QR code or zone was checked", file=sys.stderr)
        failed += 1
    return golden_check.report(passed, failed)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
