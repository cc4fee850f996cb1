#!/usr/bin/env python3
"""Clients that start from DNS, against a DNS server and mailconfd's HTTPS
(SPEC §10). PACC as a client fetches it: the ua-auto-config. address and
the _ua-auto-config TXT from the DNS server (dig), then the document over
HTTPS (curl, the test CA), whose SHA-256 must match the record's digest.
MTA-STS against a real client (SPEC §10.2): Debian's
postfix-mta-sts-resolver (`mta-sts-query`, the lookup Postfix's resolver
daemon makes) reads the _mta-sts TXT record from a DNS server started
here (dnsmasq on 127.0.0.2:53, answering the records `mailconfd --dns`
prints, and mta-sts.<domain> -> 127.0.0.3), then fetches the policy from
mailconfd's HTTPS listener on 127.0.0.3:443 with a certificate from a
test CA. The client reads /etc/resolv.conf and port 53 only, so it runs in
a mount namespace of its own with a resolv.conf bind-mounted over
(unshare -m, as root; the machine's resolver is untouched).

Checks: the policy is VALID with the table's mode, mx and max_age; the
known id gives NOT_CHANGED without a fetch; after a policy change and a
reload the old id gives the new policy and its new id; a domain without
a policy gives NONE. Prints "N passed, N failed"."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from daemon import SHIPPED, Checks, Daemon  # noqa: E402

DNS_IP, WEB_IP = "127.0.0.2", "127.0.0.3"
DOMAIN = "kunde.example"


def make_ca(tmp):
    ca, key = os.path.join(tmp, "ca.pem"), os.path.join(tmp, "ca.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", key, "-out", ca, "-days", "2", "-subj", "/CN=sts test CA"],
                   check=True, capture_output=True)
    ckey, csr, crt = (os.path.join(tmp, f) for f in ("sts.key", "sts.csr", "sts.pem"))
    subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", ckey, "-out", csr, "-subj", "/CN=mta-sts." + DOMAIN],
                   check=True, capture_output=True)
    ext = os.path.join(tmp, "ext")
    open(ext, "w").write("subjectAltName=DNS:mta-sts.%s,DNS:ua-auto-config.%s\n"
                         % (DOMAIN, DOMAIN))
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", key,
                    "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", crt],
                   check=True, capture_output=True)
    return ca, crt, ckey


def table(tmp, crt, key, patterns):
    t = json.load(open(SHIPPED))
    t["domains"][DOMAIN] = {"mx": ["mx1.example-hosting.de", "mx2.example-hosting.de"],
                            "mta_sts": {"mode": "enforce", "max_age": 86400, "mx": patterns},
                            "pacc": {}}
    t.setdefault("server", {})["tls"] = [{"certificate": crt, "key": key}]
    path = os.path.join(tmp, "table.json")
    json.dump(t, open(path, "w"))
    return path


def dns_out(binary, path):
    return subprocess.run([binary, "--config", path, "--dns", DOMAIN], capture_output=True,
                          text=True).stdout


def sts_txt(binary, path):
    m = re.search(r'^_mta-sts\.%s\.\t3600\tIN\tTXT\t"(v=STSv1; id=(\w+))"$' % re.escape(DOMAIN),
                  dns_out(binary, path), re.M)
    return m.group(1), m.group(2)


def pacc_txt(binary, path):
    m = re.search(r'^_ua-auto-config\.%s\.\t3600\tIN\tTXT\t"([^"]+)"$' % re.escape(DOMAIN),
                  dns_out(binary, path), re.M)
    return m.group(1)


def start_dns(txt, pacc):
    """dnsmasq answering our records; None if it could not start (the
    port is taken: then nothing here would prove anything)."""
    p = subprocess.Popen(
        ["dnsmasq", "--no-daemon", "--no-resolv", "--no-hosts", "--bind-interfaces",
         "--listen-address=" + DNS_IP, "--port=53", "--user=root",
         "--txt-record=_mta-sts.%s,%s" % (DOMAIN, txt),
         "--txt-record=_ua-auto-config.%s,%s" % (DOMAIN, pacc),
         "--address=/mta-sts.%s/%s" % (DOMAIN, WEB_IP),
         "--address=/ua-auto-config.%s/%s" % (DOMAIN, WEB_IP), "--address=/#/"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(0.5)
    if p.poll() is not None:
        print("dnsmasq did not start:", p.stderr.read().decode()[-500:])
        return None
    return p


def stop_dns(p):
    if p is not None:
        p.terminate()
        p.wait(10)


def query(tmp, ca, domain, known=None):
    """mta-sts-query in a mount namespace whose resolv.conf names our DNS."""
    resolv = os.path.join(tmp, "resolv.conf")
    open(resolv, "w").write("nameserver %s\n" % DNS_IP)
    cmd = "mount --bind %s /etc/resolv.conf && exec mta-sts-query %s %s" % (
        resolv, domain, known or "")
    r = subprocess.run(["unshare", "-m", "sh", "-c", cmd], capture_output=True, text=True,
                       timeout=60, env=dict(os.environ, SSL_CERT_FILE=ca))
    return r.stdout.strip() + r.stderr.strip()[-300:]


def dig(rtype, name):
    r = subprocess.run(["dig", "@" + DNS_IP, "+short", rtype, name], capture_output=True,
                       text=True, timeout=20)
    return r.stdout.strip()


def pacc_fetch(t, ca):
    """As a PACC client: the address, the digest record, the document."""
    import base64
    import hashlib
    addr = dig("A", "ua-auto-config." + DOMAIN)
    rec = dig("TXT", "_ua-auto-config." + DOMAIN).replace('" "', "").strip('"')
    tags = dict(p.strip().partition("=")[0::2] for p in rec.split(";") if p.strip())
    url = "https://ua-auto-config.%s/.well-known/user-agent-configuration.json" % DOMAIN
    r = subprocess.run(["curl", "-sS", "--cacert", ca, "--resolve",
                        "ua-auto-config.%s:443:%s" % (DOMAIN, addr), url],
                       capture_output=True, timeout=20)
    body = r.stdout
    got = base64.b64encode(hashlib.sha256(body).digest()).decode()
    print("pacc:", addr, rec, len(body), "bytes")
    t.check(addr == WEB_IP and tags.get("v") == "UAAC1" and tags.get("a") == "sha256",
            "PACC: the address and the record: %r %r" % (addr, rec))
    t.check(r.returncode == 0 and body.startswith(b'{"authentication"') and
            tags.get("d") == got, "PACC: the fetched bytes match the digest: %s %s %r"
            % (tags.get("d"), got, r.stderr[-200:]))


def main(binary):
    t = Checks()
    if os.geteuid() != 0:
        print("needs root (unshare -m, ports 53 and 443 on loopback); CI runs as root")
        t.check(shutil.which("mta-sts-query") is not None, "mta-sts-query is installed")
        return t.done()
    tmp = tempfile.mkdtemp(prefix="mailconfd-sts-")
    ca, crt, key = make_ca(tmp)
    path = table(tmp, crt, key, ["*.example-hosting.de"])
    txt, first_id = sts_txt(binary, path)
    dns, d = start_dns(txt, pacc_txt(binary, path)), None
    try:
        d = Daemon(binary, config=path, extra=["--listen", WEB_IP, "--port", "443"])
        t.check(dns is not None, "the DNS server runs")
        out = query(tmp, ca, DOMAIN)
        print("first:", out)
        t.check("STSFetchResult.VALID" in out and first_id in out and
                "'mode': 'enforce'" in out and "'*.example-hosting.de'" in out and
                "'max_age': 86400" in out, "the policy, VALID, with its id: %s" % out)
        out = query(tmp, ca, DOMAIN, first_id)
        t.check("STSFetchResult.NOT_CHANGED" in out, "the known id: NOT_CHANGED: %s" % out)
        # a new policy: the table changes, the daemon reloads, DNS follows
        table(tmp, crt, key, ["mx1.example-hosting.de", "mx2.example-hosting.de"])
        d.signal(signal.SIGHUP)
        t.check(d.wait_log("reload done"), "reloaded")
        txt, new_id = sts_txt(binary, path)
        t.check(new_id != first_id, "a new policy has a new id: %s %s" % (first_id, new_id))
        stop_dns(dns)
        dns = start_dns(txt, pacc_txt(binary, path))
        t.check(dns is not None, "the DNS server runs with the new record")
        out = query(tmp, ca, DOMAIN, first_id)
        print("after the change:", out)
        t.check("STSFetchResult.VALID" in out and new_id in out and
                "'mx1.example-hosting.de'" in out and "'mx2.example-hosting.de'" in out,
                "the old id: the new policy is fetched: %s" % out)
        out = query(tmp, ca, "example.org")
        t.check("STSFetchResult.NONE" in out, "no policy, no record: NONE: %s" % out)
        pacc_fetch(t, ca)
    finally:
        stop_dns(dns)
        code = d.stop() if d is not None else -1
        shutil.rmtree(tmp)
    t.check(code == 0, "clean exit: %d" % code)
    if t.failed and d is not None:
        print(d.log_text()[-2000:])
    return t.done()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
