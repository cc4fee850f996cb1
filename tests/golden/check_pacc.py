#!/usr/bin/env python3
"""The PACC golden documents against the rules of SPEC §10.1, written from
it (the draft's own text is not stored): protocols with at least one
entry, imap/pop3 and the submission member of the table's revision ("smtp"
in -02, "submit" in -03) as {"host"} with no port, DAV as an https url,
authentication with a password boolean, the provider's name (<= 60) and
short name (<= 20); the bytes jansson's compact sorted dump; and the
digest `mailconfd --dns` prints is the base64 SHA-256 of exactly the
served bytes. The SPEC's own example bytes and digests for both
revisions are reproduced, and what PACC cannot express is a --check
error naming the domain entry. usage: check_pacc.py MAILCONFD GOLDEN_DIR"""
import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

T = [0, 0]
SPEC_03 = ('{"authentication":{"password":true},"info":{"help":{"documentation":'
           '"https://www.example-hosting.de/faq/email"},"provider":{"name":"Example Hosting",'
           '"shortName":"Example"}},"protocols":{"imap":{"host":"kunde.example"},"pop3":'
           '{"host":"kunde.example"},"submit":{"host":"kunde.example"}}}')
SPEC_DIGESTS = {"03": "8d5L1xXfcBOOy5rTNAHoA2AX1ZCb97CWSCBqCKoGlI8=",
                "02": "vEquxzLtxBztiFG3TcjRT0bqmoGRb6QRla74H/0q9WQ="}


def check(cond, what):
    T[0 if cond else 1] += 1
    if not cond:
        print("FAILED:", what)


def rules(doc, rev):
    p = doc.get("protocols", {})
    sub = "smtp" if rev == "02" else "submit"
    other = "submit" if rev == "02" else "smtp"
    ok = isinstance(p, dict) and len(p) >= 1 and other not in p
    for k in ("imap", "pop3", sub):
        if k in p:
            ok &= set(p[k]) == {"host"} and isinstance(p[k]["host"], str)
    for k in ("caldav", "carddav"):
        if k in p:
            ok &= set(p[k]) == {"url"} and p[k]["url"].startswith("https://")
    ok &= isinstance(doc.get("authentication", {}).get("password"), bool)
    prov = doc.get("info", {}).get("provider", {})
    ok &= 0 < len(prov.get("name", "")) <= 60 and len(prov.get("shortName", "")) <= 20
    return ok


def digests(binary, table, domain):
    out = subprocess.run([binary, "--config", table, "--dns", domain], capture_output=True,
                         text=True).stdout
    return re.findall(r'^_ua-auto-config\.%s\.\t3600\tIN\tTXT\t"v=UAAC1; a=sha256; d=([^"]+)"$'
                      % re.escape(domain), out, re.M)


def with_table(change, binary, args):
    t = json.load(open(TABLE))
    change(t)
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump(t, f)
        f.flush()
        return subprocess.run([binary, "--config", f.name] + args, capture_output=True, text=True)


def main(binary, golden):
    global TABLE
    TABLE = os.path.join(golden, "settings.json")
    for name, domain, rev in (("pacc-03", "kunde.example", "03"),
                              ("pacc-02", "stalwart.example", "02"),
                              ("pacc-dav", "dav.example", "03")):
        body = open(os.path.join(golden, name + ".json"), "rb").read()
        doc = json.loads(body)
        check(rules(doc, rev), "%s: the members of -%s: %r" % (name, rev, doc))
        check(body == json.dumps(doc, sort_keys=True, separators=(",", ":")).encode(),
              "%s: compact, sorted, no newline" % name)
        want = base64.b64encode(hashlib.sha256(body).digest()).decode()
        check(digests(binary, TABLE, domain) == [want],
              "%s: --dns digest is the served bytes' (%s)" % (name, want))
    check(open(os.path.join(golden, "pacc-03.json")).read() == SPEC_03,
          "the SPEC's example bytes (285)")
    for rev, want in SPEC_DIGESTS.items():
        r = with_table(lambda t, rev=rev: t["domains"].update(
            {"kunde.example": {"pacc": {"revision": rev}}}), binary, ["--dns", "kunde.example"])
        got = re.findall(r"d=([^\"]+)\"", r.stdout)
        check(got == [want], "-%s digest as SPEC §10.1 gives it: %r" % (rev, got))
    check(len(digests(binary, TABLE, "wechsel.example")) == 2,
          "a change-over prints both revisions' digests")
    # what PACC cannot express: an error naming the entry
    for what, change in (
            ("STARTTLS only", lambda t: t["domains"].update({"kunde.example": {"outgoing": [
                {"protocol": "smtp", "host": "%EMAILDOMAIN%", "port": 587,
                 "security": "starttls"}]}})),
            ("another port", lambda t: t["domains"].update({"kunde.example": {"incoming": [
                {"protocol": "imap", "host": "%EMAILDOMAIN%", "port": 9993,
                 "security": "tls"}]}})),
            ("a login that is not the address",
             lambda t: t["domains"].update({"kunde.example": {"login": "%EMAILLOCALPART%"}}))):
        r = with_table(change, binary, ["--check"])
        check(r.returncode == 1 and "/domains/kunde.example/pacc: PACC" in r.stderr,
              "%s is a --check error for the entry: %s" % (what, r.stderr[-300:]))
    r = subprocess.run([binary, "--dns", "example.org"], capture_output=True, text=True)
    check("ua-auto-config" not in r.stdout, "off by default")
    print("%d passed, %d failed" % tuple(T))
    return 1 if T[1] or not T[0] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
