#!/usr/bin/env python3
"""`mailconfd --dns DOMAIN` prints zone lines that named-checkzone (from
Debian's bind9-utils) loads inside a minimal zone, with the SRV records
SPEC §5 names; a domain that is not hosted is refused."""
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
    r = subprocess.run([binary, "--dns", "example.net"], capture_output=True, text=True)
    check(r.returncode == 1 and "not hosted" in r.stderr, "not hosted refused: %r" % r.stderr)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
