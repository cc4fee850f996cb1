#!/usr/bin/env python3
"""Signed Apple profiles: a test CA, an intermediate and leaf certificates
made here with openssl; the daemon signs with the leaf; `openssl cms
-verify` (a verifier we did not write) accepts the profile against the CA,
extracts the plist unchanged, and rejects a tampered copy. Reload picks up
a renewed certificate; an expired one or a key that does not match is a
reload error and the old certificate stays in service. Prints the cost of
signing per profile (measured here, not asserted)."""
import json
import os
import plistlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import http.client

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from daemon import SHIPPED, Checks, Daemon  # noqa: E402

PROFILE = "/apple/mail.mobileconfig?email=alice%40example.org"


def sh(*args, cwd):
    subprocess.run(args, cwd=cwd, check=True, capture_output=True)


def make_pki(d):
    ext_ca = os.path.join(d, "ca.ext")
    open(ext_ca, "w").write("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n")
    ext_leaf = os.path.join(d, "leaf.ext")
    open(ext_leaf, "w").write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                              "extendedKeyUsage=serverAuth,emailProtection\n"
                              "subjectAltName=DNS:autoconfig.example.org\n")
    sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
       "-keyout", "ca.key", "-out", "ca.pem", "-days", "3", "-subj", "/CN=mailconfd test CA",
       "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
       cwd=d)
    sh("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
       "-keyout", "int.key", "-out", "int.csr", "-subj", "/CN=mailconfd test intermediate", cwd=d)
    sh("openssl", "x509", "-req", "-in", "int.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "2",
       "-out", "int.pem", "-days", "2", "-extfile", ext_ca, cwd=d)
    for name, key, days in [("leaf", ["-newkey", "rsa:2048"], "1"),
                            ("renewed", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"], "1"),
                            ("expired", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"], "-1")]:
        sh("openssl", "req", "-new", *key, "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
           "-subj", "/CN=autoconfig.example.org " + name, cwd=d)
        sh("openssl", "x509", "-req", "-in", name + ".csr", "-CA", "int.pem", "-CAkey", "int.key",
           "-set_serial", str(abs(hash(name)) % 100000 + 10), "-out", name + ".pem", "-days", days,
           "-extfile", ext_leaf, cwd=d)
        with open(os.path.join(d, name + "-chain.pem"), "w") as f:
            f.write(open(os.path.join(d, name + ".pem")).read() + open(os.path.join(d, "int.pem")).read())


def verify(d, der, name="x"):
    """Returns (ok, embedded content) per `openssl cms -verify` with the CA."""
    path = os.path.join(d, name + ".mobileconfig")
    open(path, "wb").write(der)
    out = os.path.join(d, name + ".content")
    r = subprocess.run(["openssl", "cms", "-verify", "-inform", "DER", "-CAfile", "ca.pem",
                        "-in", path, "-out", out], cwd=d, capture_output=True)
    return r.returncode == 0, (open(out, "rb").read() if r.returncode == 0 else b"")


def signer_subject(d, der):
    path = os.path.join(d, "s.der")
    open(path, "wb").write(der)
    r = subprocess.run(["openssl", "pkcs7", "-inform", "DER", "-in", path, "-print_certs", "-noout"],
                       capture_output=True, text=True)
    return [l for l in r.stdout.splitlines() if l.startswith("subject=")]


def write_table(path, chain, key):
    t = json.load(open(SHIPPED))
    t["server"] = {"signing": {"certificate": chain, "key": key}}
    tmp = path + ".tmp"
    open(tmp, "w").write(json.dumps(t))
    os.replace(tmp, path)


def per_profile_ms(d, n=200):
    c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10)
    t0 = time.perf_counter()
    for _ in range(n):
        d.request("GET", PROFILE, conn=c)
    c.close()
    return (time.perf_counter() - t0) * 1000 / n


def cached_signatures(t, tmp, binary, table, signed):
    """A signed profile is kept per plist bytes (issue 25): the same
    request gets the same bytes; another address, language or name its own
    signature. An ECDSA signature differs each time it is made, so without
    the cache (signed_profile_cache=0) two downloads differ."""
    _, _, a1 = signed.request("GET", PROFILE)
    _, _, a2 = signed.request("GET", PROFILE)
    t.check(a1 == a2 and verify(tmp, a1, "cached")[0], "the same profile: the kept signature")
    for q in ("/apple/mail.mobileconfig?email=bob%40example.org",
              PROFILE + "&lang=de", PROFILE + "&name=Alice"):
        _, _, b = signed.request("GET", q)
        ok, content = verify(tmp, b, "other")
        t.check(ok and b != a1 and verify(tmp, a1, "a")[1] != content, "%s: its own signature" % q)
    uncached = Daemon(binary, config=table, extra=["--limit", "signed_profile_cache=0"])
    try:
        _, _, u1 = uncached.request("GET", PROFILE)
        _, _, u2 = uncached.request("GET", PROFILE)
        t.check(u1 != u2 and verify(tmp, u1, "u1")[1] == verify(tmp, u2, "u2")[1] != b"",
                "no cache: ECDSA signs anew each time, the same plist")
        print("per profile: signed (ECDSA P-256), no cache %.3f ms" % per_profile_ms(uncached))
    finally:
        t.check(uncached.stop() == 0, "clean exit without the cache")


def main(binary):
    t = Checks()
    tmp = tempfile.mkdtemp(prefix="mailconfd-sign-")
    make_pki(tmp)
    table = os.path.join(tmp, "table.json")
    write_table(table, "leaf-chain.pem", "leaf.key")
    plain = Daemon(binary)
    signed = Daemon(binary, config=table)
    try:
        _, _, unsigned = plain.request("GET", PROFILE)
        st, h, der = signed.request("GET", PROFILE)
        t.check(st == 200 and h.get("content-type") == "application/x-apple-aspen-config" and
                h.get("content-disposition") == 'attachment; filename="example.org.mobileconfig"',
                "signed profile headers %d %r" % (st, h))
        ok, content = verify(tmp, der)
        t.check(ok, "openssl cms -verify accepts the signed profile")
        t.check(content == unsigned, "the plist is embedded unchanged")
        t.check(plistlib.loads(content)["PayloadContent"][0]["IncomingMailServerIMAPPathPrefix"] == "INBOX",
                "the embedded plist reads")
        subjects = signer_subject(tmp, der)
        t.check(len(subjects) == 2 and any("intermediate" in s for s in subjects),
                "signer certificate and intermediate included: %r" % subjects)
        i = der.find(b"alice@example.org")
        tampered = der[:i] + b"alicf" + der[i + 5:]
        t.check(i > 0 and not verify(tmp, tampered, "tampered")[0], "a tampered copy fails verification")
        _, _, der2 = signed.request("GET", PROFILE)
        t.check(verify(tmp, der2, "again")[1] == content, "re-download: same plist")

        print("per profile: unsigned %.3f ms, signed (RSA-2048) %.3f ms"
              % (per_profile_ms(plain), per_profile_ms(signed)))

        # renewal: a new certificate, picked up on reload
        write_table(table, "renewed-chain.pem", "renewed.key")
        signed.signal(signal.SIGHUP)
        t.check(signed.wait_log("reload done"), "reload with the renewed certificate")
        _, _, der = signed.request("GET", PROFILE)
        t.check(verify(tmp, der, "renewed")[0] and
                any("renewed" in s for s in signer_subject(tmp, der)), "signed with the renewed certificate")
        print("per profile: signed (ECDSA P-256) %.3f ms" % per_profile_ms(signed))
        cached_signatures(t, tmp, binary, table, signed)

        for chain, key, why in [("expired-chain.pem", "expired.key", "expired on"),
                                ("leaf-chain.pem", "renewed.key", "does not match the certificate"),
                                ("missing.pem", "leaf.key", "cannot read")]:
            write_table(table, chain, key)
            n = signed.log_text().count("reload failed")
            signed.signal(signal.SIGHUP)
            deadline = time.time() + 10
            while signed.log_text().count("reload failed") == n and time.time() < deadline:
                time.sleep(0.05)
            log = signed.log_text()
            t.check("%s: /server/signing: " % table in log and why in log, "reload error names %r" % why)
            _, _, der = signed.request("GET", PROFILE)
            t.check(any("renewed" in s for s in signer_subject(tmp, der)), "the old certificate stays")
    finally:
        t.check(plain.stop() == 0 and signed.stop() == 0, "clean exits")
        shutil.rmtree(tmp)
    if t.failed:
        print(signed.log_text()[-2000:])
    return t.done()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
