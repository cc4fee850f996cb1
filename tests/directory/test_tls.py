#!/usr/bin/env python3
"""TLS to the directory (SPEC §7: "supported and can be required"): each
server (MariaDB, PostgreSQL, slapd with StartTLS) is started with a
certificate for 127.0.0.1 from a test CA. With "tls": true and that CA,
`mailconfd --check` reads the domains; with another CA (the certificate
cannot be verified) and against the same server without TLS, there is no
connection: the source is down, and with no snapshot the check fails.

usage: test_tls.py MAILCONFD"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))

import fixtures  # noqa: E402
import servers  # noqa: E402
from daemon import Checks  # noqa: E402


def make_ca(d, name):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", f"{d}/{name}-ca.key", "-out", f"{d}/{name}-ca.pem",
                    "-subj", f"/CN={name} test CA"], check=True, capture_output=True)


def make_cert(d, ca):
    subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    f"{d}/server.key", "-out", f"{d}/server.csr", "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True)
    with open(f"{d}/ext.cnf", "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    subprocess.run(["openssl", "x509", "-req", "-in", f"{d}/server.csr", "-CA",
                    f"{d}/{ca}-ca.pem", "-CAkey", f"{d}/{ca}-ca.key", "-CAcreateserial",
                    "-days", "2", "-out", f"{d}/server.pem", "-extfile", f"{d}/ext.cnf"],
                   check=True, capture_output=True)
    os.chmod(f"{d}/server.key", 0o644)


class TLSMariaDB(servers.MariaDB):
    certs = None

    def command(self):
        cmd = super().command()
        if self.certs:
            cmd += [f"--ssl-ca={self.certs}/good-ca.pem", f"--ssl-cert={self.certs}/server.pem",
                    f"--ssl-key={self.certs}/server.key"]
        return cmd


class TLSPostgreSQL(servers.PostgreSQL):
    certs = None

    def command(self):
        cmd = super().command()
        if self.certs:
            cmd += ["-c", "ssl=on", "-c", f"ssl_cert_file={self.certs}/server.pem",
                    "-c", f"ssl_key_file={self.certs}/pg.key"]
        return cmd


class TLSSlapd(servers.Slapd):
    certs = None

    def command(self):
        if self.certs:
            with open(self.conf) as f:
                text = f.read()
            if "TLSCertificateFile" not in text:
                text = (f"TLSCertificateFile {self.certs}/server.pem\n"
                        f"TLSCertificateKeyFile {self.certs}/server.key\n") + text
                with open(self.conf, "w") as f:
                    f.write(text)
        return super().command()


def check(binary, tmp, kind, server, tls, ca, t, want_ok, what):
    st = tempfile.mkdtemp(dir=tmp)
    table, name = fixtures.table(kind, server, st)
    src = table["directory"]["sources"][name]
    if tls:
        src["tls"] = True
        src["tls_ca"] = ca
    path = os.path.join(tmp, "t.json")
    with open(path, "w") as f:
        json.dump(table, f)
    r = subprocess.run([binary, "--check", "--config", path], capture_output=True, text=True,
                       timeout=60)
    if want_ok:
        t.check(r.returncode == 0 and "1 domains from" in r.stderr,
                f"{kind}: {what}: {r.returncode} {r.stderr}")
    else:
        t.check(r.returncode == 1 and "the directory is down" in r.stderr,
                f"{kind}: {what}: refused: {r.returncode} {r.stderr}")


def main(binary):
    t = Checks()
    tmp = tempfile.mkdtemp(prefix="mailconfd-tls-")
    os.chmod(tmp, 0o755)
    certs = os.path.join(tmp, "certs")
    os.mkdir(certs)
    os.chmod(certs, 0o755)
    make_ca(certs, "good")
    make_ca(certs, "other")
    make_cert(certs, "good")
    shutil.copy(f"{certs}/server.key", f"{certs}/pg.key")
    servers.give_to_unprivileged(f"{certs}/pg.key")
    os.chmod(f"{certs}/pg.key", 0o600)
    good, other = f"{certs}/good-ca.pem", f"{certs}/other-ca.pem"
    for kind, cls in (("postfixadmin-mariadb", TLSMariaDB),
                      ("postfixadmin-postgresql", TLSPostgreSQL),
                      ("ldap", TLSSlapd)):
        s = cls()
        try:
            panel = fixtures.Panel(kind, s)
            panel.add_domains(["kunde.example"])
            # the same server without TLS first
            check(binary, tmp, kind, s, False, None, t, True, "plain, tls not asked")
            check(binary, tmp, kind, s, True, good, t, False, "tls required, server has none")
            s.stop()
            s.certs = certs
            s.start()
            check(binary, tmp, kind, s, True, good, t, True, "tls required, trusted CA")
            check(binary, tmp, kind, s, True, other, t, False, "tls required, untrusted CA")
        finally:
            if t.failed:
                print(s.log_text()[-1500:])
            s.cleanup()
    shutil.rmtree(tmp, ignore_errors=True)
    return t.done()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
