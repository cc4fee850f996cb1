#!/usr/bin/env python3
"""`mailconfd --dns DOMAIN` prints zone lines that named-checkzone (from
Debian's bind9-utils) loads inside a minimal zone, with the SRV records
SPEC §5 names, and for a domain with calendars and contacts the RFC 6764
SRV and TXT records (a domain with one of them gets "not offered" for the
other); a domain that is not hosted is refused."""
import os
import subprocess
import sys
import tempfile

SHIPPED_CHECKS = [
    "autoconfig.example.org.\t3600\tIN\tCNAME\tmailconfig.example-hosting.de.",
    "autodiscover.example.org.\t3600\tIN\tCNAME\tmailconfig.example-hosting.de.",
    "_autodiscover._tcp.example.org.\t3600\tIN\tSRV\t0 0 443 mailconfig.example-hosting.de.",
    "_imaps._tcp.example.org.\t3600\tIN\tSRV\t0 1 993 example.org.",
    "_imap._tcp.example.org.\t3600\tIN\tSRV\t0 0 0 .",
    "_pop3s._tcp.example.org.\t3600\tIN\tSRV\t0 1 995 example.org.",
    "_pop3._tcp.example.org.\t3600\tIN\tSRV\t0 0 0 .",
    "_submissions._tcp.example.org.\t3600\tIN\tSRV\t0 1 465 example.org.",
    "_submission._tcp.example.org.\t3600\tIN\tSRV\t0 1 587 example.org.",
]


DAV_TABLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dav", "settings.json")
DAV_CHECKS = {
    "example.org": [
        "_caldavs._tcp.example.org.\t3600\tIN\tSRV\t0 1 443 dav.example.org.",
        '_caldavs._tcp.example.org.\t3600\tIN\tTXT\t"path=/remote.php/dav/"',
        "_carddavs._tcp.example.org.\t3600\tIN\tSRV\t0 1 8443 dav.example.org.",
        '_carddavs._tcp.example.org.\t3600\tIN\tTXT\t"path=/remote.php/dav/"'],
    "kunde.example": [
        "_caldavs._tcp.kunde.example.\t3600\tIN\tSRV\t0 1 443 cal.kunde.example.",
        '_caldavs._tcp.kunde.example.\t3600\tIN\tTXT\t"path=/dav/cal/"'],
}


def zone_ok(domain, text):
    with tempfile.NamedTemporaryFile("w", suffix=".zone") as z:
        z.write("$TTL 3600\n@ IN SOA ns1.%s. hostmaster.%s. 1 7200 3600 1209600 3600\n"
                "@ IN NS ns1.%s.\nns1 IN A 192.0.2.53\n" % (domain, domain, domain) + text)
        z.flush()
        c = subprocess.run(["named-checkzone", domain, z.name], capture_output=True, text=True)
        return c.returncode == 0 and "OK" in c.stdout, c.stdout + c.stderr


def main(binary):
    passed = failed = 0

    def check(cond, what):
        nonlocal passed, failed
        if cond:
            passed += 1
        else:
            failed += 1
            print("FAILED:", what)

    r = subprocess.run([binary, "--dns", "Example.ORG."], capture_output=True, text=True)
    check(r.returncode == 0, "exit %d: %s" % (r.returncode, r.stderr))
    lines = r.stdout.splitlines()
    for want in SHIPPED_CHECKS:
        check(want in lines, "missing line %r" % want)
    with tempfile.NamedTemporaryFile("w", suffix=".zone") as z:
        z.write("$TTL 3600\n@ IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 3600\n"
                "@ IN NS ns1.example.org.\nns1 IN A 192.0.2.53\n" + r.stdout)
        z.flush()
        c = subprocess.run(["named-checkzone", "example.org", z.name], capture_output=True, text=True)
        check(c.returncode == 0 and "OK" in c.stdout, "named-checkzone: %s%s" % (c.stdout, c.stderr))
    check("_caldavs" not in r.stdout, "no DAV records for a table without DAV")
    for domain, wants in DAV_CHECKS.items():
        r = subprocess.run([binary, "--config", DAV_TABLE, "--dns", domain], capture_output=True, text=True)
        lines = r.stdout.splitlines()
        for want in wants:
            check(want in lines, "%s: missing line %r" % (domain, want))
        ok, out = zone_ok(domain, r.stdout)
        check(ok, "named-checkzone %s: %s" % (domain, out))
    import json
    table = json.load(open(DAV_TABLE))
    del table["defaults"]["carddav"]
    with tempfile.NamedTemporaryFile("w", suffix=".json") as t:
        json.dump(table, t)
        t.flush()
        r = subprocess.run([binary, "--config", t.name, "--dns", "example.org"], capture_output=True,
                           text=True)
    check("_carddavs._tcp.example.org.\t3600\tIN\tSRV\t0 0 0 ." in r.stdout.splitlines(),
          "CalDAV only: CardDAV is not offered: %r" % r.stdout[-300:])
    check(zone_ok("example.org", r.stdout)[0], "named-checkzone, CalDAV only")
    # --dns-all: every domain's records at once, the same lines as --dns,
    # and as JSON lines (one record each) for tools that push DNS
    pacc = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pacc", "settings.json")
    z = subprocess.run([binary, "--config", pacc, "--dns-all", "zone"], capture_output=True,
                       text=True)
    j = subprocess.run([binary, "--config", pacc, "--dns-all", "json"], capture_output=True,
                       text=True)
    domains = list(json.load(open(pacc))["domains"]) + ["example.org", "example.com"]
    one_by_one = "".join(subprocess.run([binary, "--config", pacc, "--dns", d], capture_output=True,
                                        text=True).stdout for d in sorted(set(domains)))
    check(z.returncode == 0 and sorted(z.stdout.splitlines()) == sorted(one_by_one.splitlines()),
          "--dns-all zone is every domain's --dns")
    records = [json.loads(line) for line in j.stdout.splitlines()]
    zone_records = [l for l in z.stdout.splitlines() if not l.startswith(";")]
    check(j.returncode == 0 and len(records) == len(zone_records) and
          all(set(r) == {"name", "ttl", "type", "data"} for r in records) and
          ["%s\t%d\tIN\t%s\t%s" % (r["name"], r["ttl"], r["type"], r["data"]) for r in records]
          == zone_records, "--dns-all json: one object per zone record, the same data")
    r = subprocess.run([binary, "--dns", "example.net"], capture_output=True, text=True)
    check(r.returncode == 1 and "not hosted" in r.stderr, "not hosted refused: %r" % r.stderr)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
