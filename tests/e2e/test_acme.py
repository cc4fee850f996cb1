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
  the MX base domain's name, gets its own domain's settings;
- the Caddy route: contrib/caddy/Caddyfile with Pebble as its CA gets a
  hosted name's certificate on demand and none for a name not hosted.

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
from daemon import SHIPPED, Checks, Daemon, free_port, wait_port  # noqa: E402




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
        if not wait_port(self.mgmt):
            raise RuntimeError("pebble-challtestsrv did not start")
        self.proc = subprocess.Popen(
            ["pebble", "-config", "pebble.json", "-dnsserver", "127.0.0.1:%d" % self.dns,
             "-strict", "false"], cwd=tmp, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        # its ACME port and its management port open one after the other:
        # the root is asked of the second (a CI run met it refused)
        if not wait_port(self.port) or not wait_port(self.pmgmt):
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
    """(verified?, subject and SANs text) of the certificate for SNI name,
    from one handshake (a second one could meet a certificate issued in
    between): the check's verdict is read from what openssl prints."""
    check = ["-CAfile", root, "-verify_hostname", name] if root else []
    r = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port,
                        "-servername", name, *check],
                       input=b"", capture_output=True, timeout=20)
    ok = r.returncode == 0 and b"Verify return code: 0 (ok)" in r.stdout
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


def stop_checked(d, t):
    if not t.check(d.stop() == 0, "clean exit"):
        print(d.log_text()[-3000:])


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
            stop_checked(d, t)
        before = pebble.text().count("order-plz")
        d = start(binary, config, http_port)
        try:
            t.check(served(d.port, "autodiscover.kunde3.example", pebble.root),
                    "after a restart: served from the state folder")
            time.sleep(2)
            t.check(pebble.text().count("order-plz") == before, "a restart orders nothing")
        finally:
            stop_checked(d, t)
    finally:
        pebble.stop()


def short_cert(path, names, hours_left=1, hours_old=23):
    """A key and a self-signed certificate for names near its end (the
    backstop's case: less than a third of its lifetime left), as a file
    the way mailconfd writes them: key first, then the certificate."""
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=hours_old))
            .not_valid_after(now + datetime.timedelta(hours=hours_left))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False)
            .sign(key, hashes.SHA256()))
    with open(path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    os.chmod(path, 0o600)
    return cert.serial_number


def certid_of(pem_path):
    """RFC 9773 §4.1, computed here: base64url(AKI keyIdentifier) "."
    base64url(the serial's DER content octets)."""
    import base64
    from cryptography import x509
    data = open(pem_path, "rb").read()
    start = data.index(b"-----BEGIN CERTIFICATE-----")
    cert = x509.load_pem_x509_certificate(data[start:])
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    serial = cert.serial_number
    octets = serial.to_bytes((serial.bit_length() + 8) // 8, "big")  # DER: a leading 0 if needed
    b64 = lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")  # noqa: E731
    return b64(aki.key_identifier) + "." + b64(octets)


def serial_served(port, name):
    _, text = s_client(port, name, None)
    m = re.search(r"serial=([0-9A-F]+)", text)
    return int(m.group(1), 16) if m else None


def renewal(binary, tmp, t):
    """The backstop: a certificate with a third of its life left is renewed
    without a restart; the handshake gets the new one."""
    http_port = free_port()
    pebble = Pebble(tmp, http_port)
    try:
        config = table(tmp, pebble, "t.json", ["kunde1.example"], issue="all")
        certs = os.path.join(tmp, "state", "certificates")
        os.makedirs(certs)
        old = short_cert(os.path.join(certs, "kunde1.example.pem"),
                         ["autoconfig.kunde1.example", "autodiscover.kunde1.example"])
        d = start(binary, config, http_port)
        try:
            t.check(wait_for(lambda: served(d.port, "autoconfig.kunde1.example", pebble.root)),
                    "the renewed certificate verifies against Pebble's root")
            t.check(serial_served(d.port, "autodiscover.kunde1.example") not in (None, old),
                    "the handshake gets the new certificate, no restart")
            t.check(d.wait_log(r"ordering kunde1\.example \(2 names, a renewal\)"),
                    "the order was a renewal (1/3 of the lifetime left)")
            t.check('mailconfd_acme_orders_total{result="renewed"} 1' in admin(d, "/metrics"),
                    "metrics: 1 renewed")
        finally:
            stop_checked(d, t)
    finally:
        pebble.stop()


class AriStub:
    """The CA's directory with a renewalInfo URL (Pebble 2.4.0 has none:
    SPEC §9.5), over Pebble's own TLS certificate: GET /dir is Pebble's
    directory plus renewalInfo; GET /ari/CERTID answers a window in the
    past for the first certificate it is asked about (renew now), one in a
    year for every other. The first answer waits for release: until the
    test has read that certificate, which the renewal would write over (a
    CI run lost that race)."""

    def __init__(self, pebble):
        stub = self
        self.asked = []
        self.release = threading.Event()
        directory = json.loads(urllib.request.urlopen(
            pebble.directory, context=ssl.create_default_context(cafile=pebble.ca)).read())

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path == "/dir":
                    body = dict(directory, renewalInfo="https://127.0.0.1:%d/ari/" % stub.port)
                elif self.path.startswith("/ari/"):
                    certid = self.path[5:]
                    stub.asked.append(certid)
                    first = certid == stub.asked[0]
                    if first:
                        stub.release.wait(60)
                    year = 365 * 86400
                    at = time.time() - 7200 if first else time.time() + year
                    fmt = lambda x: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(x))  # noqa
                    body = {"suggestedWindow": {"start": fmt(at), "end": fmt(at + 3600)}}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Retry-After", "3600")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(pebble.tmp, "pebble.pem"),
                            os.path.join(pebble.tmp, "pebble.key"))
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.directory = "https://127.0.0.1:%d/dir" % self.port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.release.set()
        self.server.shutdown()


def ari(binary, tmp, t):
    """ARI: the CA's window says now: renewed with replaces = the certID."""
    http_port = free_port()
    pebble = Pebble(tmp, http_port)
    stub = AriStub(pebble)
    try:
        config = table(tmp, pebble, "t.json", ["kunde1.example"], issue="all",
                       directory=stub.directory)
        d = start(binary, config, http_port)
        try:
            # the first certificate the stub is asked about: the service
            # host's, ordered first
            host = "mailconfig.example-hosting.de"
            pem = os.path.join(tmp, "state", "certificates", host + ".pem")
            t.check(wait_for(lambda: os.path.exists(pem)), "issued")
            first = certid_of(pem)
            stub.release.set()  # now the renewal may write over it
            t.check(wait_for(lambda: first in stub.asked), "renewalInfo asked for the certID %s "
                    "(computed here from AKI and serial): %s" % (first, stub.asked))
            t.check(d.wait_log(r"ordering %s \(1 names, a renewal, replaces %s\)"
                               % (re.escape(host), re.escape(first)), 60),
                    "the renewal order carries replaces = that certID")
            t.check(wait_for(lambda: certid_of(pem) != first), "a new certificate replaced it")
            t.check(wait_for(lambda: served(d.port, host, pebble.root)), "and is served")
            t.check('mailconfd_acme_orders_total{result="renewed"} 1' in admin(d, "/metrics"),
                    "metrics: 1 renewed, and only 1 (the next window is a year away)")
        finally:
            stop_checked(d, t)
    finally:
        stub.stop()
        pebble.stop()


def failures(binary, tmp, t):
    """Pebble rejects 30% of nonces and one domain's validation fails: that
    one backs off with Pebble's reason; the others are issued."""
    http_port = free_port()
    pebble = Pebble(tmp, http_port, nonce_reject=30)
    try:
        pebble.point("autoconfig.broken.example", "127.0.0.9")  # nothing listens there
        config = table(tmp, pebble, "t.json", ["kunde1.example", "broken.example",
                                               "kunde2.example"], issue="all")
        d = start(binary, config, http_port)
        try:
            for name in ("autoconfig.kunde1.example", "autodiscover.kunde2.example"):
                t.check(wait_for(lambda: served(d.port, name, pebble.root), 90),
                        "%s issued despite the rejected nonces and the broken domain" % name)
            failed = os.path.join(tmp, "state", "acme", "failed", "broken.example")
            t.check(wait_for(lambda: os.path.exists(failed)), "broken.example's failure is kept")
            f = json.load(open(failed)) if os.path.exists(failed) else {}
            t.check(f.get("failures") == 1 and f.get("next", 0) > time.time() + 3000,
                    "it backs off an hour (retry): %s" % f)
            t.check("autoconfig.broken.example" in f.get("why", "") and
                    "connection" in f.get("why", "").lower(),
                    "with Pebble's reason: %s" % f.get("why"))
            health = admin(d, "/healthz")
            t.check("backing off 1" in health and "broken.example" in health,
                    "/healthz says so: %r" % health)
            t.check(re.search(r'mailconfd_acme_orders\{state="backing_off"\} 1', admin(d, "/metrics")),
                    "metrics: 1 backing off")
            t.check(re.search(r"mailconfd_acme_bad_nonces_total [1-9]", admin(d, "/metrics")),
                    "Pebble did reject nonces, and they were signed again")
        finally:
            stop_checked(d, t)
        out = subprocess.run([binary, "--check", "--config", config], capture_output=True,
                             text=True)
        t.check("broken.example" in out.stderr + out.stdout and out.returncode == 0,
                "--check names the domain that backs off: %r" % (out.stderr + out.stdout))
    finally:
        pebble.stop()


def pacing(binary, tmp, t):
    """2 new orders per window, 5 domains asked: 2 issued, 3 queued."""
    http_port = free_port()
    pebble = Pebble(tmp, http_port)
    try:
        domains = ["kunde%d.example" % i for i in range(1, 6)]
        config = table(tmp, pebble, "t.json", domains, issue="on_demand",
                       orders_per_window=2, window=3600)
        d = start(binary, config, http_port)
        try:
            for dom in domains:
                plain_get(http_port, "autoconfig." + dom, "/mail/config-v1.1.xml")
            metrics = wait_for(lambda: (lambda m: m if 'result="issued"} 2' in m and
                                        'state="queued"} 3' in m else None)(
                                            admin(d, "/metrics")), 60) or admin(d, "/metrics")
            t.check('mailconfd_acme_orders_total{result="issued"} 2' in metrics,
                    "2 issued")
            t.check('mailconfd_acme_orders{state="queued"} 3' in metrics, "3 queued")
            t.check(re.search(r'result="paced"\} [1-9]', metrics), "paced counted")
            time.sleep(2)
            t.check(len(os.listdir(os.path.join(tmp, "state", "certificates"))) == 2,
                    "still 2 certificates after the window is used up")
        finally:
            stop_checked(d, t)
    finally:
        pebble.stop()


def replicas(binary, tmp, t):
    """Two instances sharing the state folder (127.0.0.1 and 127.0.0.2,
    the same ports): each domain ordered once, both serve it; the names of
    one domain point at the second, which answers the first's challenges
    from the shared folder."""
    http_port, https_port = free_port(), free_port()
    pebble = Pebble(tmp, http_port)
    try:
        for prefix in ("autoconfig.", "autodiscover."):
            pebble.point(prefix + "kunde2.example", "127.0.0.2")
        domains = ["kunde1.example", "kunde2.example", "kunde3.example"]
        config = table(tmp, pebble, "t.json", domains, issue="all")
        ds = [start(binary, config, http_port, ["--listen", addr, "--port", str(https_port)])
              for addr in ("127.0.0.1", "127.0.0.2")]
        try:
            for d, addr in zip(ds, ("127.0.0.1", "127.0.0.2")):
                for dom in domains:
                    name = "autoconfig." + dom
                    t.check(wait_for(lambda: served_at(addr, https_port, name, pebble.root), 90),
                            "%s serves %s" % (addr, name))
            logs = ds[0].log_text() + ds[1].log_text()
            for key in domains + ["mailconfig.example-hosting.de"]:
                n = len(re.findall(r"acme: ordering %s " % re.escape(key), logs))
                t.check(n == 1, "%s ordered once by the two: %d" % (key, n))
            m = re.findall(r"There are now (\d+) orders in the db", pebble.text())
            t.check(m and int(m[-1]) == 4, "Pebble holds 4 orders: %s" % m[-1:])
        finally:
            for d in ds:
                stop_checked(d, t)
    finally:
        pebble.stop()


def served_at(addr, port, name, root):
    r = subprocess.run(["openssl", "s_client", "-connect", "%s:%d" % (addr, port),
                        "-servername", name, "-CAfile", root, "-verify_return_error",
                        "-verify_hostname", name], input=b"", capture_output=True, timeout=20)
    return r.returncode == 0


def mx_path(binary, tmp, t):
    """No per-domain certificate: Thunderbird's MX step asks
    autoconfig.<MX base domain> with the address; that name is in the
    service host's certificate, and the answer is the domain's."""
    http_port = free_port()
    pebble = Pebble(tmp, http_port)
    try:
        config = table(tmp, pebble, "t.json", ["kunde9.example"], issue="on_demand")
        tab = json.load(open(config))
        tab["provider"]["mx_domain"] = "example-hosting.de"
        json.dump(tab, open(config, "w"))
        d = start(binary, config, http_port)
        try:
            s_client(d.port, "mailconfig.example-hosting.de", pebble.root)
            name = "autoconfig.example-hosting.de"
            t.check(wait_for(lambda: served(d.port, name, pebble.root)),
                    "the MX base domain's autoconfig. name is in the service host's certificate")
            code, body = curl(d.port, name, pebble.root,
                              "/mail/config-v1.1.xml?emailaddress=anna%40kunde9.example")
            t.check(code == 0 and "<username>anna@kunde9.example</username>" in body and
                    "<hostname>kunde9.example</hostname>" in body,
                    "kunde9.example's settings through it, verified: %d %s" % (code, body[:300]))
            t.check(not os.path.exists(os.path.join(tmp, "state", "certificates",
                                                    "kunde9.example.pem")),
                    "and kunde9.example needed no certificate of its own")
        finally:
            stop_checked(d, t)
    finally:
        pebble.stop()


def caddy(binary, tmp, t):
    """The other way: contrib/caddy/Caddyfile as shipped (its ports put in,
    Pebble as its CA), mailconfd on plain HTTP behind it answering the ask."""
    http_port, https_port = free_port(), free_port()
    pebble = Pebble(tmp, http_port)
    caddy_proc = None
    try:
        t_json = json.load(open(SHIPPED))
        t_json["domains"] = {"kunde1.example": {}}
        t_json["server"] = {"trusted_proxies": ["127.0.0.1"]}
        config = os.path.join(tmp, "plain.json")
        json.dump(t_json, open(config, "w"))
        d = Daemon(binary, config=config)
        shipped = open(os.path.join(os.path.dirname(SHIPPED), "..", "contrib", "caddy",
                                    "Caddyfile")).read()
        text = shipped.replace("127.0.0.1:8080", "127.0.0.1:%d" % d.port)
        text = text.replace("{\n\ton_demand_tls {", """{
	admin off
	storage file_system %s
	acme_ca %s
	acme_ca_root %s
	http_port %d
	https_port %d
	on_demand_tls {""" % (os.path.join(tmp, "caddy"), pebble.directory, pebble.ca, http_port,
                          https_port), 1)
        t.check("acme_ca" in text, "the shipped Caddyfile took the test's options")
        with open(os.path.join(tmp, "Caddyfile"), "w") as f:
            f.write(text)
        log = open(os.path.join(tmp, "caddy.log"), "w")
        env = dict(os.environ, HOME=tmp, XDG_DATA_HOME=tmp, XDG_CONFIG_HOME=tmp)
        caddy_proc = subprocess.Popen(["caddy", "run", "--config", "Caddyfile", "--adapter",
                                       "caddyfile"], cwd=tmp, env=env, stdout=log,
                                      stderr=subprocess.STDOUT)
        t.check(wait_port(https_port), "caddy listens")
        try:
            name = "autoconfig.kunde1.example"
            t.check(wait_for(lambda: served(https_port, name, pebble.root), 90),
                    "Caddy got %s's certificate on demand, verified against Pebble's root" % name)
            code, body = curl(https_port, name, pebble.root,
                              "/mail/config-v1.1.xml?emailaddress=a%40kunde1.example")
            t.check(code == 0 and "<username>a@kunde1.example</username>" in body,
                    "the answer through Caddy: %d %s" % (code, body[:200]))
            before = pebble.text().count("Added order")
            s_client(https_port, "autoconfig.nothosted.example", pebble.root)
            time.sleep(2)
            t.check(pebble.text().count("Added order") == before and
                    "nothosted" not in pebble.text(),
                    "the ask refused a name not hosted: no order")
        finally:
            stop_checked(d, t)
    finally:
        if caddy_proc is not None:
            caddy_proc.terminate()
            try:
                caddy_proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                caddy_proc.kill()
        if t.failed and os.path.exists(os.path.join(tmp, "caddy.log")):
            print(open(os.path.join(tmp, "caddy.log")).read()[-3000:])
        pebble.stop()


def main():
    binary = sys.argv[1]
    for tool in ("pebble", "pebble-challtestsrv", "openssl", "curl", "caddy"):
        if shutil.which(tool) is None:
            print("missing:", tool)
            return 1
    t = Checks()
    parts = [on_demand, renewal, ari, failures, pacing, replicas, mx_path, caddy]
    if len(sys.argv) > 2:  # the parts named, to run one alone
        parts = [p for p in parts if p.__name__ in sys.argv[2:]]
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
