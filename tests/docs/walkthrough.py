#!/usr/bin/env python3
"""docs/deployment.md's "From a fresh Debian 12 machine to HTTPS for two
customer domains", followed step by step from the document's own text:
its commands are read out of the document and run with three stand-ins
this machine needs (no network, no system folders in a test): a
temporary folder for /etc/mailconfd and /etc/letsencrypt, a local test CA
for certbot, and port 0 for 443/80. The package install it starts with is
what tests/install/install_test.py and tests/packages/run.py check.

Checks: the copied table with its domain list and the merged "tls" block
passes the document's --check (as root, as the document says: the keys
are root's), the document's --dns line prints the records without
reading a key (run as nobody when root), and the daemon started with the
document's options answers both names over HTTPS with their own
certificate. Also that every ```sh block in docs/ and the README is
either run by a test (<!-- tested: FILE -->) or says it is an excerpt
(<!-- excerpt: why -->). Prints "N passed, N failed"."""
import glob
import json
import os
import pwd
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
from daemon import Checks, Daemon  # noqa: E402

T = Checks()
DOC = os.path.join(ROOT, "docs", "deployment.md")


def section():
    text = open(DOC).read()
    start = text.index("### From a fresh Debian 12 machine to HTTPS")
    return text[start:text.index("\n### ", start + 10)]


def blocks(text, lang):
    return re.findall(r"```%s\n(.*?)```" % lang, text, re.S)


def commands(block):
    """Shell lines without comments, continuation-free."""
    for line in block.splitlines():
        line = line.split("   #")[0].strip()
        if line and not line.startswith("#"):
            yield line


def make_cert(ca, ca_key, live, names):
    os.makedirs(live)
    key, csr, crt = (os.path.join(live, f) for f in ("privkey.pem", "req.csr", "cert.pem"))
    subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=" + names[0]],
                   check=True, capture_output=True)
    ext = os.path.join(live, "ext")
    open(ext, "w").write("subjectAltName=" + ",".join("DNS:" + n for n in names) + "\n")
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
                    "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", crt],
                   check=True, capture_output=True)
    shutil.copy(crt, os.path.join(live, "fullchain.pem"))
    os.chmod(key, 0o600)  # as certbot leaves it: root's


def certbot_stand_in(tmp, line):
    """`certbot certonly ... -d NAME -d NAME`: a certificate from the test
    CA for those names, where certbot puts it."""
    names = re.findall(r"-d (\S+)", line)
    ca, ca_key = os.path.join(tmp, "ca.pem"), os.path.join(tmp, "ca.key")
    if not os.path.exists(ca):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout", ca_key, "-out", ca,
                        "-days", "2", "-subj", "/CN=walkthrough test CA"],
                       check=True, capture_output=True)
    make_cert(ca, ca_key, os.path.join(tmp, "letsencrypt", "live", names[0]), names)
    return names


def rewrite(line, tmp):
    line = line.replace("/etc/mailconfd", os.path.join(tmp, "mailconfd"))
    line = line.replace("/etc/letsencrypt", os.path.join(tmp, "letsencrypt"))
    return re.sub(r"^sudo ", "", line)


def run_doc(binary, tmp):
    sec = section()
    sh = blocks(sec, "sh")
    T.check(len(sh) == 2, "the section has its two shell blocks: %d" % len(sh))
    names = []
    for line in commands(sh[0]):
        line = rewrite(line, tmp)
        if line.startswith(("contrib/install-deps", "cmake ")):
            continue  # the build and install: tests/install/install_test.py, tests/packages
        if "certbot certonly" in line:
            names.append(certbot_stand_in(tmp, line))
            continue
        r = subprocess.run(line, shell=True, cwd=ROOT, capture_output=True, text=True)
        T.check(r.returncode == 0, "%s: %s" % (line, r.stderr))
    etc = os.path.join(tmp, "mailconfd")
    T.check(sorted(os.listdir(etc)) == ["domains.txt", "mailconfd.json"],
            "the copy holds the table and its domain list: %r" % os.listdir(etc))
    # "edit ...: your domains (domains.txt beside it lists them)"
    with open(os.path.join(etc, "domains.txt"), "a") as f:
        f.write("kunde-a.example\nkunde-b.example\n")
    # "merge "tls" into the table's "server" object"
    tls = json.loads("{" + rewrite(blocks(sec, "json")[0], tmp) + "}")["server"]["tls"]
    path = os.path.join(etc, "mailconfd.json")
    table = json.load(open(path))
    table["server"]["tls"] = tls
    json.dump(table, open(path, "w"), indent=2)
    return names, [rewrite(l, tmp) for l in commands(sh[1])]


def as_nobody():
    os.setgroups([])
    os.setgid(pwd.getpwnam("nobody").pw_gid)
    os.setuid(pwd.getpwnam("nobody").pw_uid)


def https_name(port, name, ca):
    ctx = ssl.create_default_context(cafile=ca)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        with ctx.wrap_socket(s, server_hostname=name) as t:
            t.sendall(("GET /mail/config-v1.1.xml?emailaddress=a%%40%s HTTP/1.1\r\nHost: %s\r\n"
                       "Connection: close\r\n\r\n" % (name.split(".", 1)[1], name)).encode())
            data = b""
            while True:
                chunk = t.recv(65536)
                if not chunk:
                    return data
                data += chunk


def run_second(binary, tmp, lines, names):
    exe = lambda l: re.sub(r"^mailconfd ", binary + " ", l)  # noqa: E731
    check = [l for l in lines if "--check" in l][0]
    r = subprocess.run(exe(check), shell=True, capture_output=True, text=True)
    T.check(r.returncode == 0 and r.stdout == "configuration OK\n", "%s: %s" % (check, r.stderr))
    dns = [l for l in lines if "--dns" in l][0]
    r = subprocess.run(exe(dns), shell=True, capture_output=True, text=True,
                       preexec_fn=as_nobody if os.geteuid() == 0 else None)
    T.check(r.returncode == 0 and "autoconfig.kunde-a.example" in r.stdout,
            "%s (as nobody: it reads no key): %s" % (dns, r.stderr))
    start = [l for l in lines if "--listen" in l][0]
    start = exe(start).replace("--listen 0.0.0.0", "--listen 127.0.0.1")
    start = start.replace("--port 443", "--port 0").replace("--http-port 80", "--http-port 0")
    if os.geteuid() != 0:
        start = start.replace(" --user nobody", "")
    # exec: p is the daemon, not a shell that terminate() would end alone
    # (the daemon, as nobody, outlived each run before)
    p = subprocess.Popen("exec " + start, shell=True, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        line = p.stdout.readline().decode()
        m = re.match(r"listening on 127\.0\.0\.1:(\d+) \(https\)", line)
        if not T.check(m is not None, "%s: %r" % (start, line)):
            return
        port = int(m.group(1))
        ca = os.path.join(tmp, "ca.pem")
        for group in names:
            for name in group:
                got = https_name(port, name, ca)
                T.check(got.startswith(b"HTTP/1.1 200") and b"<clientConfig" in got,
                        "%s over HTTPS with its own certificate: %r" % (name, got[:40]))
    finally:
        p.terminate()
        p.wait(timeout=10)


RUN_MARK = "<!-- tested: tests/docs/walkthrough.py (run against a daemon"


def run_marked(binary):
    """The blocks marked to run against a daemon on the shipped table:
    each command as written (8080 read as the daemon's port, ./build/mailconfd
    as the binary under test); lines that are no command are the output
    the block shows, compared."""
    d = Daemon(binary)
    try:
        for path in sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))) + \
                [os.path.join(ROOT, "README.md")]:
            text = open(path).read()
            for m in re.finditer(re.escape(RUN_MARK) + r"[^\n]*\n```sh\n(.*?)```", text, re.S):
                where = "%s:%d" % (os.path.relpath(path, ROOT), text[:m.start()].count("\n") + 2)
                lines = m.group(1).splitlines()
                cmds = [l for l in lines if l.startswith(("curl ", "./build/mailconfd"))]
                shown = [l for l in lines if l not in cmds]
                out = ""
                for c in cmds:
                    c = c.replace("8080", str(d.port)).replace("./build/mailconfd", binary)
                    r = subprocess.run(c, shell=True, cwd=ROOT, capture_output=True, text=True,
                                       timeout=30)
                    T.check(r.returncode == 0 and r.stdout, "%s: %s: %d %s" % (where, c, r.returncode,
                                                                         r.stderr[-300:]))
                    out += r.stdout
                if shown:
                    T.check(out.strip() == "\n".join(shown).strip(),
                            "%s: the output the block shows: %r" % (where, out[:300]))
    finally:
        d.stop()


def markers():
    """Every sh block says how it is kept true."""
    for path in sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))) + [os.path.join(ROOT, "README.md")]:
        text = open(path).read()
        for m in re.finditer(r"```sh\n", text):
            before = text[:m.start()].rstrip().splitlines()[-1] if m.start() else ""
            tested = re.match(r"<!-- tested: (\S+)", before)
            ok = tested is not None and os.path.exists(os.path.join(ROOT, tested.group(1))) or \
                before.startswith("<!-- excerpt:")
            T.check(ok, "%s:%d: a ```sh block says <!-- tested: FILE --> or <!-- excerpt: why -->"
                    % (os.path.relpath(path, ROOT), text[:m.start()].count("\n") + 1))


def main(binary):
    binary = os.path.abspath(binary)
    tmp = tempfile.mkdtemp(prefix="mailconfd-walk-")
    os.chmod(tmp, 0o755)
    try:
        names, second = run_doc(binary, tmp)
        T.check(len(names) == 2, "two certificates: %r" % names)
        run_second(binary, tmp, second, names)
    finally:
        shutil.rmtree(tmp)
    run_marked(binary)
    markers()
    return T.done()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
