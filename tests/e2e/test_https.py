#!/usr/bin/env python3
"""HTTPS end to end with a test CA made here: two customer names, each
with its own certificate chosen by SNI (one from the table's server.tls,
one from --tls-cert/--tls-key), checked by Python's ssl (OpenSSL) and by
curl --cacert; the plain --http-port listener redirects the setup page to
HTTPS but answers the autoconfig GET itself; a reload swaps a renewed
certificate in, and a broken one or none at all is refused while the old
ones stay in service."""
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from daemon import SHIPPED, Checks, recv_all  # noqa: E402


def sh(cwd, *args):
    subprocess.run(args, cwd=cwd, check=True, capture_output=True)


def make_pki(d):
    sh(d, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
       "-keyout", "ca.key", "-out", "ca.pem", "-days", "3", "-subj", "/CN=mailconfd test CA",
       "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
    for name, sans, serial in [("org", "DNS:autoconfig.example.org,DNS:example.org", 11),
                               ("com", "DNS:*.example.com,DNS:example.com", 12),
                               ("org-renewed", "DNS:autoconfig.example.org,DNS:example.org", 13)]:
        open(os.path.join(d, name + ".ext"), "w").write(
            "subjectAltName=%s\nextendedKeyUsage=serverAuth\n" % sans)
        sh(d, "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
           "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name)
        sh(d, "openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
           "-set_serial", str(serial), "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext")


def start(binary, table, d, cli_cert=True, log="log"):
    log = open(os.path.join(d, log), "w")
    extra = ["--tls-cert", os.path.join(d, "com.pem"), "--tls-key", os.path.join(d, "com.key")]
    p = subprocess.Popen([binary, "--config", table, "--port", "0", "--http-port", "0",
                          *(extra if cli_cert else [])],
                         stdout=subprocess.PIPE, stderr=log)
    ports = {}
    for _ in range(2):  # printed together at start; EOF if it failed
        line = p.stdout.readline().decode()
        m = re.fullmatch(r"listening on 127\.0\.0\.1:(\d+) \((https|http)\)\n", line)
        if m:
            ports[m.group(2)] = int(m.group(1))
    return p, ports


def https_get(port, name, path, ca):
    ctx = ssl.create_default_context(cafile=ca)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        with ctx.wrap_socket(s, server_hostname=name) as tls:
            cert = tls.getpeercert()
            tls.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (path, name)).encode())
            data = recv_all(tls)
    return int(data.split(b" ")[1]), cert, data


def resumed_get(port, name, path, ca):
    """Two connections, the second with the first's session ticket
    (Python's ssl, OpenSSL: a client we did not write). Returns (first
    status, whether a ticket came, whether the second resumed, its
    status)."""
    ctx = ssl.create_default_context(cafile=ca)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    req = ("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (path, name)).encode()
    out = []
    session = None
    for _ in range(2):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            with ctx.wrap_socket(s, server_hostname=name, session=session) as tls:
                tls.sendall(req)
                data = recv_all(tls)  # the ticket comes after the handshake
                out.append((int(data.split(b" ")[1]), tls.session_reused))
                session = tls.session
                if not out[1:]:
                    ticket = session is not None and session.has_ticket
    return out[0][0], ticket, out[1][1], out[1][0]


def plain_get(port, host, path):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (path, host)).encode())
        return recv_all(s)


def serial(cert):
    return int(cert["serialNumber"], 16)


def wait_log(d, text, count, timeout=10, log="log"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if open(os.path.join(d, log)).read().count(text) >= count:
            return True
        time.sleep(0.05)
    return False


def write_table(path, cert, key):
    t = json.load(open(SHIPPED))
    t["server"] = {"tls": [{"certificate": cert, "key": key}]} if cert else {}
    open(path + ".tmp", "w").write(json.dumps(t))
    os.replace(path + ".tmp", path)


def main(binary):
    t = Checks()
    d = tempfile.mkdtemp(prefix="mailconfd-https-")
    make_pki(d)
    ca = os.path.join(d, "ca.pem")
    table = os.path.join(d, "table.json")
    write_table(table, "org.pem", "org.key")
    p, ports = start(binary, table, d)
    try:
        t.check(set(ports) == {"https", "http"}, "two listeners: %r" % ports)
        hp = ports["https"]
        st, cert, body = https_get(hp, "autoconfig.example.org", "/mail/config-v1.1.xml", ca)
        t.check(st == 200 and serial(cert) == 11 and b'emailProvider id="example.org"' in body,
                "example.org over HTTPS with its own certificate")
        st, cert, body = https_get(hp, "autoconfig.example.com", "/mail/config-v1.1.xml", ca)
        t.check(st == 200 and serial(cert) == 12 and b'emailProvider id="example.com"' in body,
                "example.com: the wildcard certificate by SNI")
        st, ticket, reused, st2 = resumed_get(hp, "autoconfig.example.org", "/mail/config-v1.1.xml", ca)
        t.check(st == 200 and ticket, "TLS 1.3: a session ticket is issued")
        t.check(reused and st2 == 200, "the next connection resumes with it and is answered: %r %d"
                % (reused, st2))
        r = subprocess.run(["curl", "-sS", "--cacert", ca, "--resolve",
                            "autoconfig.example.com:%d:127.0.0.1" % hp,
                            "https://autoconfig.example.com:%d/mail/config-v1.1.xml?emailaddress=a%%40example.com"
                            % hp], capture_output=True, text=True)
        t.check(r.returncode == 0 and "<username>a@example.com</username>" in r.stdout,
                "curl --cacert: %s" % r.stderr)
        got = plain_get(ports["http"], "autoconfig.example.org", "/setup?email=a%40example.org")
        t.check(got.startswith(b"HTTP/1.1 301") and
                ("Location: https://autoconfig.example.org:%d/setup?email=a%%40example.org" % hp).encode() in got,
                "plain HTTP setup page -> 301 to HTTPS: %r" % got[:200])
        got = plain_get(ports["http"], "autoconfig.example.org", "/mail/config-v1.1.xml")
        t.check(got.startswith(b"HTTP/1.1 200"), "plain HTTP autoconfig answered, not redirected")
        # only names we serve are redirected; any other Host gets what
        # HTTPS would answer, and a Host no name can be is a 400
        for host in ("example.com", "autodiscover.example.com", "mailconfig.example-hosting.de"):
            got = plain_get(ports["http"], host, "/setup")
            t.check(got.startswith(b"HTTP/1.1 301") and
                    ("Location: https://%s:%d/setup\r\n" % (host, hp)).encode() in got,
                    "plain HTTP %s -> 301: %r" % (host, got[:200]))
        for host in ("evil.test", "autoconfig.evil.test", "localhost"):
            got = plain_get(ports["http"], host, "/setup")
            t.check(not got.startswith(b"HTTP/1.1 301") and b"Location:" not in got,
                    "plain HTTP Host %s is not redirected: %r" % (host, got[:200]))
        got = plain_get(ports["http"], "evil.test", "/setup")
        t.check(got.startswith(b"HTTP/1.1 404"), "evil.test: not hosted, as over HTTPS: %r" % got[:100])
        for host in ("autoconfig.example.org/evil.test", "evil.test/autoconfig.example.org",
                     "autoconfig.example.org:80:1", "autoconfig.example.org\\x"):
            got = plain_get(ports["http"], host, "/apple/mail.mobileconfig?email=a%40example.org")
            t.check(got.startswith(b"HTTP/1.1 400") and b"aspen-config" not in got,
                    "plain HTTP Host %r: 400, no profile: %r" % (host, got[:200]))
        # reload with a renewed certificate
        write_table(table, "org-renewed.pem", "org-renewed.key")
        p.send_signal(signal.SIGHUP)
        t.check(wait_log(d, "reload done", 1), "reload with the renewed certificate")
        st, cert, _ = https_get(hp, "autoconfig.example.org", "/mail/config-v1.1.xml", ca)
        t.check(st == 200 and serial(cert) == 13, "the renewed certificate is served: %d" % serial(cert))
        # broken: key of another certificate; then none at all
        for n, (cert_f, key_f, why) in enumerate([("org.pem", "com.key", "does not match"),
                                                  ("missing.pem", "org.key", "cannot read")]):
            write_table(table, cert_f, key_f)
            p.send_signal(signal.SIGHUP)
            t.check(wait_log(d, "reload failed", n + 1), "reload refused: %s" % why)
            t.check(why in open(os.path.join(d, "log")).read(), "the log says why: %s" % why)
            st, cert, _ = https_get(hp, "autoconfig.example.org", "/mail/config-v1.1.xml", ca)
            t.check(st == 200 and serial(cert) == 13, "the certificate in service stays")
        # a table-only daemon: a reload that leaves no certificate is refused
        table2 = os.path.join(d, "table2.json")
        write_table(table2, "org.pem", "org.key")
        p2, ports2 = start(binary, table2, d, cli_cert=False, log="log2")
        write_table(table2, None, None)
        p2.send_signal(signal.SIGHUP)
        t.check(wait_log(d, "no HTTPS certificate left", 1, log="log2"), "no certificate left: refused")
        st, cert, _ = https_get(ports2["https"], "example.org", "/mail/config-v1.1.xml", ca)
        t.check(st == 200 and serial(cert) == 11, "still served with the old certificate")
        p2.send_signal(signal.SIGTERM)
        t.check(p2.wait(timeout=30) == 0, "clean exit (2)")
    finally:
        p.send_signal(signal.SIGTERM)
        code = p.wait(timeout=30)
        t.check(code == 0, "clean exit: %d" % code)
        if t.failed:
            print(open(os.path.join(d, "log")).read()[-3000:])
        shutil.rmtree(d)
    return t.done()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
