#!/usr/bin/env python3
"""The MTA-STS golden answers read by a parser we did not write:
postfix-mta-sts-resolver's own (Debian's python3 package; the Postfix
resolver uses exactly these functions), with the rules its resolver then
applies (version, max_age 0..31557600, a mode, an mx unless none); the
TLS-RPT record by RFC 8460's grammar; and the _mta-sts record that
`mailconfd --dns` prints carries the SHA-256 of the very bytes served, so
the id changes exactly when the policy does. Also an enforce policy that
leaves out one of the table's MX hosts is refused by --check.
usage: check_mta_sts.py MAILCONFD GOLDEN_DIR. Prints "N passed, N failed"."""
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

from postfix_mta_sts_resolver.utils import parse_mta_sts_policy, parse_mta_sts_record

T = [0, 0]


def check(cond, what):
    T[0 if cond else 1] += 1
    if not cond:
        print("FAILED:", what)


def policy_ok(text):
    pol = parse_mta_sts_policy(text)
    return (pol.get("version") == "STSv1" and 0 <= int(pol.get("max_age", "-1")) <= 31557600
            and pol.get("mode") in ("none", "testing", "enforce")
            and (pol["mode"] == "none" or pol["mx"])), pol


def dns(binary, table, domain):
    r = subprocess.run([binary, "--config", table, "--dns", domain], capture_output=True, text=True)
    return r.stdout


def main(binary, golden):
    table = os.path.join(golden, "settings.json")
    for name, domain in (("policy", "example.org"), ("policy-enforce", "kunde.example")):
        body = open(os.path.join(golden, name + ".txt"), "rb").read()
        ok, pol = policy_ok(body.decode("ascii"))
        check(ok, "%s: the resolver's rules: %r" % (name, pol))
        check(body.endswith(b"\r\n") and b"\n" not in body.replace(b"\r\n", b""),
              "%s: CRLF lines (RFC 8461 3.2)" % name)
        out = dns(binary, table, domain)
        m = re.search(r'^_mta-sts\.%s\.\t3600\tIN\tTXT\t"([^"]*)"$' % re.escape(domain), out, re.M)
        rec = parse_mta_sts_record(m.group(1)) if m else {}
        want = hashlib.sha256(body).hexdigest()[:32]
        check(rec.get("v") == "STSv1" and rec.get("id") == want,
              "%s: the TXT id is the SHA-256 of the served bytes: %r vs %s" % (domain, rec, want))
        check(re.fullmatch(r"[A-Za-z0-9]{1,32}", rec.get("id", "")) is not None,
              "%s: id syntax (RFC 8461 3.1)" % domain)
        check("mta-sts.%s.\t3600\tIN\tCNAME\tmailconfig.example-hosting.de." % domain in out,
              "%s: mta-sts. points at the service" % domain)
        m = re.search(r'^_smtp\._tls\.%s\.\t3600\tIN\tTXT\t"v=TLSRPTv1; rua=([^"]*)"$'
                      % re.escape(domain), out, re.M)
        check(m is not None and all(re.fullmatch(r"(mailto:|https://)[^,; ]+", u)
                                    for u in m.group(1).split(",")),
              "%s: the TLS-RPT record (RFC 8460 3)" % domain)
    # one port changed: another id; the same table: the same id
    t = json.load(open(table))
    ids = set()
    for age in (86400, 86400, 86401):
        t["defaults"]["mta_sts"]["max_age"] = age
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            json.dump(t, f)
            f.flush()
            m = re.search(r"id=(\w+)", dns(binary, f.name, "example.org"))
            ids.add(m.group(1) if m else None)
    check(len(ids) == 2 and None not in ids, "the id follows the bytes: %r" % ids)
    # enforce without one of the table's MX hosts is refused
    t = json.load(open(table))
    t["domains"]["kunde.example"]["mta_sts"] = {"mode": "enforce", "mx": ["*.example-hosting.de"]}
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump(t, f)
        f.flush()
        r = subprocess.run([binary, "--check", "--config", f.name], capture_output=True, text=True)
    check(r.returncode == 1 and "/domains/kunde.example/mta_sts: mode enforce, but the MX host "
          "mail.kunde.example" in r.stderr, "--check refuses an enforce that leaves an MX out: %s"
          % r.stderr)
    # a table without the keys serves no policy and prints no record
    out = dns(binary, os.path.join(os.path.dirname(golden), "..", "..", "profiles",
                                   "hosting-faq.json"), "example.org")
    check("mta-sts" not in out and "_smtp._tls" not in out, "off by default")
    print("%d passed, %d failed" % tuple(T))
    return 1 if T[1] or not T[0] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
