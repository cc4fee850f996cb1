#!/usr/bin/env python3
"""--user: started as root, the daemon binds, then runs as the user (real,
effective and saved ids, and groups), keeps serving, and reloads a table
that user can read. Not as root: asking for another user is refused."""
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from daemon import SHIPPED, Checks, Daemon  # noqa: E402


def ids(pid):
    out = {}
    for line in open("/proc/%d/status" % pid):
        key, _, val = line.partition(":")
        if key in ("Uid", "Gid", "Groups"):
            out[key] = val.split()
    return out


def keys(t, binary, tmp):
    """A key only root can read (certbot's privkey.pem): read at start,
    kept for the reloads after --user; --dns reads no key at all."""
    import json
    import ssl
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=autoconfig.example.org",
                    "-addext", "subjectAltName=DNS:autoconfig.example.org"],
                   check=True, capture_output=True)
    os.chmod(cert, 0o644)
    os.chmod(key, 0o600)  # root's only
    table = os.path.join(tmp, "tls.json")
    v = json.load(open(SHIPPED))
    v.setdefault("server", {})["tls"] = [{"certificate": cert, "key": key}]
    json.dump(v, open(table, "w"))
    os.chmod(table, 0o644)

    def handshake(port):
        ctx = ssl.create_default_context(cafile=cert)
        import socket
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            with ctx.wrap_socket(sock, server_hostname="autoconfig.example.org") as s:
                s.sendall(b"GET /mail/config-v1.1.xml?emailaddress=a%40example.org HTTP/1.1\r\n"
                          b"Host: autoconfig.example.org\r\nConnection: close\r\n\r\n")
                return s.recv(100)

    d = Daemon(binary, config=table, extra=["--user", "nobody"])
    try:
        t.check(handshake(d.port).startswith(b"HTTP/1.1 200"), "HTTPS as nobody")
        d.signal(signal.SIGHUP)
        t.check(d.wait_log("reload done"), "a reload as nobody with a root-only key: %s"
                % d.log_text()[-600:])
        t.check("using the key read at start" in d.log_text(), "and it says the key was kept")
        t.check(handshake(d.port).startswith(b"HTTP/1.1 200"), "HTTPS after the reload")
    finally:
        t.check(d.stop() == 0, "clean exit (tls)")

    def as_nobody():
        os.setgroups([])
        os.setgid(pwd.getpwnam("nobody").pw_gid)
        os.setuid(pwd.getpwnam("nobody").pw_uid)

    r = subprocess.run([binary, "--dns", "example.org", "--config", table], capture_output=True,
                       text=True, timeout=30, preexec_fn=as_nobody)
    t.check(r.returncode == 0 and "autoconfig.example.org" in r.stdout,
            "--dns as a user who cannot read the key: %d %s" % (r.returncode, r.stderr[-300:]))
    r = subprocess.run([binary, "--check", "--config", table], capture_output=True,
                       text=True, timeout=30, preexec_fn=as_nobody)
    t.check(r.returncode == 1 and "Permission denied" in r.stderr,
            "--check as that user still says it cannot read the key: %s" % r.stderr[-300:])


def main(binary):
    t = Checks()
    nobody = pwd.getpwnam("nobody")
    if os.geteuid() != 0:
        r = subprocess.run([binary, "--user", "nobody", "--port", "0"], capture_output=True, text=True,
                           timeout=30)
        t.check(r.returncode == 1 and "only root can change" in r.stderr, "refused: %r" % r.stderr)
        return t.done()
    tmp = tempfile.mkdtemp(prefix="mailconfd-user-")
    os.chmod(tmp, 0o755)
    table = os.path.join(tmp, "table.json")
    shutil.copy(SHIPPED, table)
    os.chmod(table, 0o644)
    d = Daemon(binary, config=table, extra=["--user", "nobody"])
    try:
        i = ids(d.proc.pid)
        t.check(i["Uid"] == [str(nobody.pw_uid)] * 4, "uids %r" % i["Uid"])
        t.check(i["Gid"] == [str(nobody.pw_gid)] * 4, "gids %r" % i["Gid"])
        t.check("0" not in i["Groups"], "no root group: %r" % i["Groups"])
        st, _, _ = d.request("GET", "/mail/config-v1.1.xml?emailaddress=a%40example.org")
        t.check(st == 200, "serves as nobody")
        d.signal(signal.SIGHUP)
        t.check(d.wait_log("reload done"), "reloads as nobody")
        os.chmod(table, 0o600)  # now only root can read it
        d.signal(signal.SIGHUP)
        t.check(d.wait_log("cannot read: Permission denied"), "an unreadable table is a reload error")
        st, _, _ = d.request("GET", "/mail/config-v1.1.xml?emailaddress=a%40example.org")
        t.check(st == 200, "the old table stays in service")
    finally:
        t.check(d.stop() == 0, "clean exit")
    try:
        keys(t, binary, tmp)
    finally:
        shutil.rmtree(tmp)
    r = subprocess.run([binary, "--user", "no-such-user-here", "--port", "0"], capture_output=True,
                       text=True, timeout=30)
    t.check(r.returncode == 1 and "no such user" in r.stderr, "unknown user refused")
    return t.done()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
