#!/usr/bin/env python3
"""The built-in ACME client against Debian's Pebble (SPEC §9.5), offline on
127.0.0.1: pebble-challtestsrv answers Pebble's DNS (every name is
127.0.0.1, one domain made to fail on purpose), Pebble validates HTTP-01
on mailconfd's plain listener, mailconfd serves what it got over HTTPS.

What a client depends on, each checked from outside:
- three hosted domains asked for by a TLS handshake (SNI) get their
  certificate: `openssl s_client -verify_return_error` and `curl --cacert`
  against Pebble's root, for autoconfig. and autodiscover. names;
- until then the handshake gets the service host's certificate;
- a name that is not hosted orders nothing (Pebble's log);
- a restart orders nothing again;
- a renewal forced by renew_divisor (Pebble's certificates last 5 years)
  replaces the certificate without a restart; an ARI window from a small
  renewalInfo stub in this test makes the renewal carry `replaces`;
- Pebble rejecting nonces (PEBBLE_WFE_NONCEREJECT) and failing one
  domain's validation: that one backs off with Pebble's reason in
  /healthz and /metrics, the others are issued;
- pacing: 2 orders per window, 5 domains asked: 2 issued, 3 queued;
- two instances sharing the state folder: each domain ordered once, both
  serve it;
- the MX path: an address whose domain has no autoconfig. name, asked on
  the MX base domain's name, gets its own domain's settings.

usage: test_acme.py MAILCONFD"""
import http.server
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from daemon import SHIPPED, Checks, Daemon, free_port  # noqa: E402


def wait_port(port, timeout=20):
    import socket
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


class Pebble:
    """pebble-challtestsrv (DNS only) and pebble, validating on http_port."""

    def __init__(self, tmp, http_port, nonce_reject=0):
        self.tmp = tmp
        self.dns, self.mgmt = free_port(), free_port()
        self.port, self.pmgmt = free_port(), free_port()
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout", "pebble.key", "-out",
                        "pebble.pem", "-days", "2", "-subj", "/CN=localhost", "-addext",
                        "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                       cwd=tmp, check=True, capture_output=True)
        self.ca = os.path.join(tmp, "pebble.pem")
        self.cts_log = open(os.path.join(tmp, "challtestsrv.log"), "w")
        self.cts = subprocess.Popen(
            ["pebble-challtestsrv", "-dns01", "127.0.0.1:%d" % self.dns, "-http01", "",
             "-https01", "", "-tlsalpn01", "", "-defaultIPv6", "",
             "-management", "127.0.0.1:%d" % self.mgmt],
            stdout=self.cts_log, stderr=subprocess.STDOUT)
        conf = {"pebble": {"listenAddress": "127.0.0.1:%d" % self.port,
                           "managementListenAddress": "127.0.0.1:%d" % self.pmgmt,
                           "certificate": "pebble.pem", "privateKey": "pebble.key",
                           "httpPort": http_port, "tlsPort": free_port(),
                           "ocspResponderURL": "", "externalAccountBindingRequired": False}}
        with open(os.path.join(tmp, "pebble.json"), "w") as f:
            json.dump(conf, f)
        self.log_path = os.path.join(tmp, "pebble.log")
        self.log = open(self.log_path, "w")
        env = dict(os.environ, PEBBLE_VA_NOSLEEP="1", PEBBLE_WFE_NONCEREJECT=str(nonce_reject),
                   PEBBLE_AUTHZREUSE="0")
        wait_port(self.mgmt)
        self.proc = subprocess.Popen(
            ["pebble", "-config", "pebble.json", "-dnsserver", "127.0.0.1:%d" % self.dns,
             "-strict", "false"], cwd=tmp, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        if not wait_port(self.port):
            raise RuntimeError("pebble did not start:\n" + self.text())
        self.directory = "https://127.0.0.1:%d/dir" % self.port
        ctx = ssl.create_default_context(cafile=self.ca)
        root = urllib.request.urlopen("https://127.0.0.1:%d/roots/0" % self.pmgmt,
                                      context=ctx).read()
        self.root = os.path.join(tmp, "pebble-root.pem")
        with open(self.root, "wb") as f:
            f.write(root)

    def point(self, host, address):
        """Makes challtestsrv answer host's A query with address."""
        req = urllib.request.Request("http://127.0.0.1:%d/add-a" % self.mgmt,
                                     data=json.dumps({"host": host, "addresses": [address]})
                                     .encode(), method="POST")
        urllib.request.urlopen(req).read()

    def text(self):
        self.log.flush()
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def orders_for(self, name):
        """How many orders Pebble's log shows with name among their names."""
        return len([line for line in self.text().splitlines()
                    if "POST /order-plz" in line or "new order" in line.lower()
                    if name in line])

    def stop(self):
        for p in (self.proc, self.cts):
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


def table(tmp, pebble, name, domains, **acme):
    t = json.load(open(SHIPPED))
    t["domains"] = {d: {} for d in domains}
    t["provider"]["service_host"] = "mailconfig.example-hosting.de"
    conf = {"directory": pebble.directory, "ca_file": pebble.ca,
            "contact": "mailto:hostmaster@example-hosting.de", "retry": 3600}
    conf.update(acme)
    t["server"] = {"state_dir": os.path.join(tmp, "state"), "acme": conf}
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        json.dump(t, f)
    return path


def s_client(port, name, root):
    """(verified?, subject and SANs text) of the certificate for SNI name."""
    r = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port,
                        "-servername", name, "-CAfile", root, "-verify_return_error",
                        "-verify_hostname", name],
                       input=b"", capture_output=True, timeout=20)
    ok = r.returncode == 0
    if not ok:  # the handshake stopped at the failed check: see what came
        r = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port,
                            "-servername", name], input=b"", capture_output=True, timeout=20)
    pem = re.search(rb"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", r.stdout, re.S)
    text = b""
    if pem:
        text = subprocess.run(["openssl", "x509", "-noout", "-subject", "-ext",
                               "subjectAltName", "-serial"], input=pem.group(0),
                              capture_output=True).stdout
    return ok, text.decode()


def curl(port, name, root, path):
    r = subprocess.run(["curl", "-sS", "--cacert", root, "--resolve",
                        "%s:%d:127.0.0.1" % (name, port), "https://%s:%d%s" % (name, port, path)],
                       capture_output=True, timeout=20)
    return r.returncode, r.stdout.decode(errors="replace")


def plain_get(port, host, path="/"):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", path, headers={"Host": host})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body


def wait_for(pred, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.3)
    return pred()


def admin(d, path):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (d.admin, path), timeout=10) as r:
        return r.read().decode()


def start(binary, config, http_port, extra=()):
    admin_port = free_port()
    d = Daemon(binary, config=config,
               extra=["--http-port", str(http_port), "--admin-listen",
                      "127.0.0.1:%d" % admin_port, *extra])
    d.admin = admin_port
    return d


def served(port, name, root):
    ok, text = s_client(port, name, root)
    return ok and name in text


def on_demand(binary, tmp, t):
    """Three domains asked for by handshakes; a name not hosted; restart."""
    http_port = free_port()
    pebble = Pebble(tmp, http_port)
    try:
        config = table(tmp, pebble, "t.json", ["kunde1.example", "kunde2.example",
                                               "kunde3.example"], issue="on_demand")
        d = start(binary, config, http_port)
        t0 = time.time()
        try:
            # the service host's first: what every name gets until its own
            s_client(d.port, "mailconfig.example-hosting.de", pebble.root)
            t.check(wait_for(lambda: served(d.port, "mailconfig.example-hosting.de",
                                            pebble.root)),
                    "the service host's certificate is issued and verifies")
            ok, text = s_client(d.port, "autoconfig.kunde1.example", pebble.root)
            t.check(not ok and "mailconfig.example-hosting.de" in text,
                    "before its order: the service host's certificate: %s" % text)
            for n in (1, 2, 3):
                s_client(d.port, "autoconfig.kunde%d.example" % n, pebble.root)
            for n in (1, 2, 3):
                for prefix in ("autoconfig.", "autodiscover."):
                    name = "%skunde%d.example" % (prefix, n)
                    t.check(wait_for(lambda: served(d.port, name, pebble.root)),
                            "%s: verified against Pebble's root" % name)
            print("first handshake to a served certificate: %.1f s (3 domains + service host)"
                  % (time.time() - t0))
            code, body = curl(d.port, "autoconfig.kunde2.example", pebble.root,
                              "/mail/config-v1.1.xml?emailaddress=a%40kunde2.example")
            t.check(code == 0 and "<incomingServer" in body and "kunde2.example" in body,
                    "curl --cacert: the autoconfig answer over the ACME certificate: %d" % code)
            before = pebble.text().count("order-plz")
            s_client(d.port, "autoconfig.nothosted.example", pebble.root)
            plain_get(http_port, "autoconfig.nothosted.example")
            time.sleep(3)
            t.check(pebble.text().count("order-plz") == before and
                    "nothosted" not in pebble.text(),
                    "a name not hosted orders nothing (Pebble's log)")
            key = os.path.join(tmp, "state", "certificates", "kunde1.example.pem")
            t.check(oct(os.stat(key).st_mode & 0o777) == "0o600",
                    "the key and chain file is 0600")
            t.check("PRIVATE KEY" not in d.log_text(), "no key in the log")
            metrics = admin(d, "/metrics")
            t.check('mailconfd_acme_orders_total{result="issued"} 4' in metrics,
                    "metrics: 4 issued")
        finally:
            t.check(d.stop() == 0, "clean exit")
        before = pebble.text().count("order-plz")
        d = start(binary, config, http_port)
        try:
            t.check(served(d.port, "autodiscover.kunde3.example", pebble.root),
                    "after a restart: served from the state folder")
            time.sleep(2)
            t.check(pebble.text().count("order-plz") == before, "a restart orders nothing")
        finally:
            t.check(d.stop() == 0, "clean exit")
    finally:
        pebble.stop()


def main():
    binary = sys.argv[1]
    for tool in ("pebble", "pebble-challtestsrv", "openssl", "curl"):
        if shutil.which(tool) is None:
            print("missing:", tool)
            return 1
    t = Checks()
    parts = [on_demand]
    for part in parts:
        tmp = tempfile.mkdtemp(prefix="mailconfd-acme-")
        try:
            part(binary, tmp, t)
        except Exception as e:  # noqa: BLE001 - a part that breaks is a failure
            t.check(False, "%s: %r" % (part.__name__, e))
        finally:
            if t.failed:
                for name in ("pebble.log",):
                    p = os.path.join(tmp, name)
                    if os.path.exists(p):
                        print("---", name, "---")
                        print(open(p).read()[-3000:])
            shutil.rmtree(tmp, ignore_errors=True)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
