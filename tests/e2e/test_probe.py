#!/usr/bin/env python3
"""mailconfd --probe against real servers on the loopback range (SPEC §11):
dnsmasq answering the records `mailconfd --dns` prints (plus the hosts),
mailconfd itself as the HTTPS endpoint (certificates from a test CA), and
Dovecot (IMAP 10143/10993, POP3 10110/10995, submission 10587/10465)
five times on five addresses: a good one, one whose certificate names
another host, one whose certificate has expired, one without TLS, one
that offers AUTH before TLS. Hostile servers (an endless greeting, a
1 MB CAPABILITY line, a TLS handshake that never completes) are small
Python servers: they must end in a finding, not a hang.

Each defect is made on purpose and must be found by the step a client
would fail at; the correct setup must say all true (exit 0). Runs as
root (Dovecot binds for its login processes' users). Prints
"N passed, N failed"."""
import datetime
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from daemon import SHIPPED, Checks, Daemon, free_port, wait_port  # noqa: E402

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

D = "kunde.example"
PACC_D = "pacc.example"
SERVICE = "mailconfd.hoster.example"
DOVECOTS = {  # name: (address, certificate names, expired, ssl, plaintext auth)
    "good": ("127.0.0.2", ["mail." + D, "mail." + PACC_D], False, "required", False),
    "wrongname": ("127.0.0.7", ["other.example"], False, "required", False),
    "expired": ("127.0.0.8", ["expired." + D], True, "required", False),
    "nossl": ("127.0.0.4", [], False, "no", True),
    "plainauth": ("127.0.0.6", ["plainauth." + D], False, "yes", True),
}
HOSTILE_IP = "127.0.0.5"
SANITIZER = []  # what a sanitizer build said in any probe run
WEBSITE_IP = "127.0.0.3"
HOSTS = {"mail." + D: "127.0.0.2", "mail." + PACC_D: "127.0.0.2", "wrongname." + D: "127.0.0.7",
         "expired." + D: "127.0.0.8", "nossl." + D: "127.0.0.4", "plainauth." + D: "127.0.0.6",
         "hostile." + D: HOSTILE_IP, SERVICE: "127.0.0.1", D: WEBSITE_IP, PACC_D: WEBSITE_IP}


class CA:
    def __init__(self, tmp):
        self.tmp = tmp
        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "probe test CA")])
        now = datetime.datetime.now(datetime.timezone.utc)
        self.name = name
        self.cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                     .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(now - datetime.timedelta(days=1))
                     .not_valid_after(now + datetime.timedelta(days=30))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                     .sign(self.key, hashes.SHA256()))
        self.path = os.path.join(tmp, "ca.pem")
        open(self.path, "wb").write(self.cert.public_bytes(serialization.Encoding.PEM))

    def leaf(self, label, names, expired=False):
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        start, end = ((now - datetime.timedelta(days=10), now - datetime.timedelta(days=1))
                      if expired else (now - datetime.timedelta(days=1), now + datetime.timedelta(days=20)))
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
                .issuer_name(self.name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
                .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
                .sign(self.key, hashes.SHA256()))
        crt, kp = os.path.join(self.tmp, label + ".pem"), os.path.join(self.tmp, label + ".key")
        open(crt, "wb").write(cert.public_bytes(serialization.Encoding.PEM))
        open(kp, "wb").write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        os.chmod(kp, 0o600)
        return crt, kp


DOVECOT_CONF = """protocols = imap pop3 submission
listen = {ip}
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
default_login_user = dovenull
default_internal_user = dovecot
default_internal_group = dovecot
ssl = {ssl}
{tls}
disable_plaintext_auth = {noplain}
auth_mechanisms = plain login
hostname = mail.{dom}
submission_relay_host = 127.0.0.1
submission_relay_port = 1
passdb {{
  driver = static
  args = password=unused
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={d}/home/%u
}}
{services}service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


def login_service(service, plain, port, tls, tls_port, ssl_yes):
    """One login service block: its plaintext/STARTTLS and its TLS port."""
    return ("service %s-login {\n  chroot =\n  inet_listener %s {\n    port = %d\n  }\n"
            "  inet_listener %s {\n    port = %d\n    ssl = %s\n  }\n}\n"
            % (service, plain, port, tls, tls_port, ssl_yes))


def start_dovecot(tmp, ca, name):
    ip, names, expired, ssl_mode, plain = DOVECOTS[name]
    d = os.path.join(tmp, "dovecot-" + name)
    os.makedirs(os.path.join(d, "run"))
    os.makedirs(os.path.join(d, "state"))
    tls = ""
    if names:
        crt, key = ca.leaf("dovecot-" + name, names, expired)
        tls = "ssl_cert = <%s\nssl_key = <%s" % (crt, key)
    # without TLS the implicit-TLS listeners move to ports nobody asks
    off = 0 if names else 1000
    services = "".join(login_service(s, p, port, tp, tport + off, "yes" if names else "no")
                       for s, p, port, tp, tport in (("imap", "imap", 10143, "imaps", 10993),
                                                     ("pop3", "pop3", 10110, "pop3s", 10995),
                                                     ("submission", "submission", 10587, "submissions",
                                                      10465)))
    conf = DOVECOT_CONF.format(ip=ip, d=d, ssl=ssl_mode, tls=tls, noplain="no" if plain else "yes",
                               dom=D, services=services)
    path = os.path.join(d, "dovecot.conf")
    open(path, "w").write(conf)
    p = subprocess.Popen(["dovecot", "-F", "-c", path], stdout=subprocess.DEVNULL,
                         stderr=open(os.path.join(d, "stderr"), "w"))
    if not wait_port(10587, 20, ip):
        sys.stderr.write(open(os.path.join(d, "stderr")).read())
        if os.path.exists(os.path.join(d, "dovecot.log")):
            sys.stderr.write(open(os.path.join(d, "dovecot.log")).read()[-3000:])
        raise RuntimeError("dovecot %s did not start" % name)
    return p


def hostile_server(port, behave):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((HOSTILE_IP, port))
    s.listen(16)

    def serve():
        while True:
            try:
                c, _ = s.accept()
            except OSError:
                return
            threading.Thread(target=behave, args=(c,), daemon=True).start()
    threading.Thread(target=serve, daemon=True).start()
    return s


def endless_greeting(c):
    try:
        while True:
            c.sendall(b"220-still greeting you\r\n")
            time.sleep(0.001)
    except OSError:
        pass


def huge_capability(c):
    try:
        c.sendall(b"* OK ready\r\n")
        c.recv(100)
        c.sendall(b"* CAPABILITY IMAP4rev1 " + b"X" * (1 << 20) + b"\r\n")
        time.sleep(5)
    except OSError:
        pass


def silent_tls(c):
    try:
        c.recv(4096)  # the ClientHello, never answered
        time.sleep(20)
    except OSError:
        pass


def table(tmp, ca, mailconfd_cert, label, servers, sts_mx=None):
    t = json.load(open(SHIPPED))
    t["provider"]["service_host"] = SERVICE
    t["server"] = {"tls": [{"certificate": mailconfd_cert[0], "key": mailconfd_cert[1]}]}
    t["domains"] = {
        D: {"incoming": [s for s in servers if s["protocol"] != "smtp"],
            "outgoing": [s for s in servers if s["protocol"] == "smtp"],
            "mx": sts_mx or ["mail." + D],
            "mta_sts": {"mode": "enforce", "max_age": 86400, "mx": sts_mx or ["mail." + D]}},
        PACC_D: {"pacc": {}},
    }
    path = os.path.join(tmp, "table-%s.json" % label)
    json.dump(t, open(path, "w"))
    return path


def servers(imaps="mail", imap="mail", pop3s="mail", pop3="mail", subs="mail", sub="mail",
            imaps_security="tls"):
    def e(proto, host, port, sec):
        return {"protocol": proto, "host": "%s.%%EMAILDOMAIN%%" % host, "port": port, "security": sec}
    return [e("imap", imaps, 10993, imaps_security), e("imap", imap, 10143, "starttls"),
            e("pop3", pop3s, 10995, "tls"), e("pop3", pop3, 10110, "starttls"),
            e("smtp", subs, 10465, "tls"), e("smtp", sub, 10587, "starttls")]


def zone(binary, path, domain):
    out = subprocess.run([binary, "--config", path, "--dns", domain], capture_output=True, text=True)
    return [line.split("\t") for line in out.stdout.splitlines() if line and not line.startswith(";")]


def dnsmasq_args(records, drop=(), txt_override=None):
    """dnsmasq options for zone lines [name, ttl, IN, type, data] and the
    test's hosts; drop: names left out; txt_override: name -> text."""
    args, txt_override = [], txt_override or {}
    for name, _, _, rtype, data in records:
        name = name.rstrip(".")
        if name in drop:
            continue
        if rtype == "CNAME":
            args.append("--cname=%s,%s" % (name, data.rstrip(".")))
        elif rtype == "SRV":
            prio, weight, port, target = data.split()
            args.append("--srv-host=%s,%s,%s,%s,%s" % (name, "" if target == "." else target.rstrip("."),
                                                       port, prio, weight) if target != "."
                        else "--srv-host=%s,,0" % name)
        elif rtype == "TXT":
            args.append("--txt-record=%s,%s" % (name, txt_override.get(name, data.strip('"'))))
    args += ["--host-record=%s,%s" % (h, ip) for h, ip in HOSTS.items()]
    args += ["--mx-host=%s,mail.%s,10" % (D, D), "--mx-host=%s,mail.%s,10" % (PACC_D, PACC_D)]
    return args


class DNS:
    def __init__(self):
        self.port = free_port()
        self.proc = None

    def start(self, args):
        self.stop()
        self.proc = subprocess.Popen(
            ["dnsmasq", "-k", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
             "--listen-address=127.0.0.1", "--bind-interfaces", "--port=%d" % self.port, "--pid-file=",
             "--log-facility=-", "--local=/%s/" % D, "--local=/%s/" % PACC_D,
             "--local=/hoster.example/", *args],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            if subprocess.run(["dig", "+short", "+time=1", "+tries=1", "-p", str(self.port), "@127.0.0.1",
                               "mail." + D], capture_output=True, text=True).stdout.strip():
                return
            time.sleep(0.1)
        raise RuntimeError("dnsmasq did not answer")

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait()
            self.proc = None


def probe(binary, path, dns, ca, port, domain=D, extra=()):
    out = subprocess.run([binary, "--config", path, "--probe", domain, "--json", "--resolver",
                          "127.0.0.1:%d" % dns.port, "--probe-ca", ca.path, "--probe-https-port", str(port),
                          "--probe-timeout", "3", *extra], capture_output=True, text=True, timeout=120)
    if "Sanitizer" in out.stderr or "runtime error" in out.stderr:
        SANITIZER.append(out.stderr[-3000:])
    try:
        report = json.loads(out.stdout)
    except ValueError:
        report = {"steps": [], "raw": out.stdout + out.stderr}
    return out.returncode, report


def steps(report, client=None, verdict=None, step=None):
    return [s for s in report["steps"]
            if (client is None or s["client"] == client) and (verdict is None or s["verdict"] == verdict)
            and (step is None or step in s["step"])]


def main():
    binary = os.path.abspath(sys.argv[1])
    t = Checks()
    tmp = tempfile.mkdtemp(prefix="mailconfd-probe-")
    procs, socks, d, dns = [], [], None, DNS()
    try:
        ca = CA(tmp)
        names = [p + "." + dom for dom in (D, PACC_D)
                 for p in ("autoconfig", "autodiscover", "mta-sts", "ua-auto-config")] + [SERVICE]
        mcert = ca.leaf("mailconfd", names)
        procs += [start_dovecot(tmp, ca, n) for n in DOVECOTS]
        socks += [hostile_server(10587, endless_greeting), hostile_server(10143, huge_capability),
                  hostile_server(10993, silent_tls)]
        run_cases(binary, t, tmp, ca, mcert, dns)
    finally:
        dns.stop()
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait()
        for s in socks:
            s.close()
        if not t.failed:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print("kept", tmp)
    return t.done()


def case(binary, t, tmp, ca, mcert, dns, label, srv, drop=(), txt=None, domain=D, sts_mx=None,
         site=False):
    path = table(tmp, ca, mcert, label, srv, sts_mx)
    dns.start(dnsmasq_args(zone(binary, path, D) + zone(binary, path, PACC_D), drop, txt))
    d = Daemon(binary, config=path)
    w = website(ca, d.port) if site else None
    try:
        return probe(binary, path, dns, ca, d.port, domain)
    finally:
        if w:
            w.shutdown()
            w.server_close()
        d.stop()


def show(report):
    return json.dumps([s for s in report["steps"] if s["verdict"] in ("wrong", "unreachable")])[:3000] \
        + report.get("raw", "")


def run_cases(binary, t, tmp, ca, mcert, dns):
    args = (binary, t, tmp, ca, mcert, dns)
    rc, r = case(*args, "good", servers())
    t.check(rc == 0 and r.get("result") == "ok", "a correct setup is all true: %d %s" % (rc, show(r)))
    t.check(len(steps(r, "mail servers", "ok")) == 6, "six mail servers ok: %s" % steps(r, "mail servers"))
    for client in ("DNS", "Thunderbird", "Thunderbird for Android / K-9", "Outlook", "Apple", "MTA-STS"):
        t.check(steps(r, client, "ok"), "%s has ok steps" % client)
    t.check(any("IMAP4REV1" in s["reason"] and "AUTH=PLAIN" in s["reason"]
                for s in steps(r, "mail servers", "ok", "imap")), "IMAP capabilities after TLS reported")

    rc, r = case(*args, "nocname", servers(), drop=("autoconfig." + D,))
    t.check(rc == 1, "missing CNAME: exit 1 (%d)" % rc)
    t.check(steps(r, "DNS", "wrong", "autoconfig.%s. CNAME" % D), "missing CNAME found: %s" % show(r))
    t.check(steps(r, "Thunderbird", "unreachable", "https://autoconfig." + D),
            "Thunderbird's first URL unreachable: %s" % show(r))

    rc, r = case(*args, "shadow", servers(), drop=("autoconfig." + D,), site=True)
    t.check(any("shadowed" in s["reason"] for s in steps(r, "Thunderbird", "wrong", "/.well-known/autoconfig")),
            "a shadowing .well-known page found: %s" % show(r))

    rc, r = case(*args, "wrongname", servers(imaps="wrongname"))
    t.check(any("name in the certificate does not match" in s["reason"] for s in steps(r, "mail servers", "wrong", "wrongname")),
            "a certificate for the wrong name found: %s" % show(r))

    rc, r = case(*args, "expired", servers(pop3s="expired"))
    t.check(any("expired" in s["reason"] for s in steps(r, "mail servers", "wrong", "expired")),
            "an expired certificate found: %s" % show(r))

    rc, r = case(*args, "nostarttls", servers(sub="nossl"))
    t.check(any("does not offer STARTTLS" in s["reason"]
                for s in steps(r, "mail servers", "wrong", "nossl.%s:10587" % D)),
            "587 without STARTTLS found: %s" % show(r))

    rc, r = case(*args, "authbefore", servers(sub="plainauth"))
    t.check(any("AUTH before TLS" in s["reason"]
                for s in steps(r, "mail servers", "wrong", "plainauth.%s:10587" % D)),
            "AUTH before TLS found: %s" % show(r))

    rc, r = case(*args, "otherway", servers(imaps_security="starttls"))
    t.check(any("SSL/TLS from the start" in s["reason"] for s in steps(r, "mail servers", "wrong", ":10993")),
            "an implicit-TLS port advertised as STARTTLS found: %s" % show(r))

    rc, r = case(*args, "stsstale", servers(), txt={"_mta-sts." + D: "v=STSv1; id=20200101T1"})
    t.check(any("stale id" in s["reason"] for s in steps(r, "MTA-STS", "wrong")),
            "a stale MTA-STS id found: %s" % show(r))
    t.check(steps(r, "DNS", "wrong", "_mta-sts.%s. TXT" % D), "the DNS step sees it too")

    rc, r = case(*args, "stsmx", servers(), sts_mx=["mx9." + D])
    t.check(any("not in the policy" in s["reason"] for s in steps(r, "MTA-STS", "wrong", "mail." + D)),
            "enforce without the live MX found: %s" % show(r))

    rc, r = case(*args, "pacc", servers(), domain=PACC_D)
    t.check(steps(r, "PACC", "ok", "_ua-auto-config." + PACC_D) and steps(r, "PACC", "ok", "https://"),
            "PACC document and digest ok: %s" % json.dumps(steps(r, "PACC")))
    rc, r = case(*args, "paccbad", servers(), domain=PACC_D,
                 txt={"_ua-auto-config." + PACC_D: "v=UAAC1; a=sha256; d=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="})
    t.check(any("no TXT record has d=" in s["reason"] for s in steps(r, "PACC", "wrong")),
            "a PACC digest that does not match found: %s" % show(r))

    t0 = time.time()
    rc, r = case(*args, "hostile", servers(imaps="hostile", imap="hostile", sub="hostile"))
    t.check(time.time() - t0 < 90, "hostile servers end in findings, not a hang")
    bad = steps(r, "mail servers", None, "hostile")
    t.check(len(bad) >= 3 and all(s["verdict"] in ("wrong", "unreachable") for s in bad),
            "each hostile server is a finding: %s" % json.dumps(bad)[:2000])
    t.check(any("longer than" in s["reason"] for s in bad), "the 1 MB CAPABILITY line is named")
    t.check(any("more than" in s["reason"] and "lines" in s["reason"] for s in bad),
            "the endless greeting is named")
    t.check(any("did not complete" in s["reason"] for s in bad), "the silent handshake is named")

    text_and_exit(binary, t, tmp, ca, mcert, dns)
    admin_probe(binary, t, tmp, ca, mcert, dns)
    t.check(not SANITIZER, "no sanitizer report: %s" % SANITIZER[:1])


def text_and_exit(binary, t, tmp, ca, mcert, dns):
    path = table(tmp, ca, mcert, "text", servers())
    dns.start(dnsmasq_args(zone(binary, path, D), ("autoconfig." + D,)))
    d = Daemon(binary, config=path)
    try:
        out = subprocess.run([binary, "--config", path, "--probe", D, "--resolver", "127.0.0.1:%d" % dns.port,
                              "--probe-ca", ca.path, "--probe-https-port", str(d.port), "--probe-timeout", "3"],
                             capture_output=True, text=True, timeout=120)
        lines = out.stdout.splitlines()
        t.check(out.returncode == 1 and lines[0].startswith(D + ": something is wrong"),
                "text report's first line: %s" % lines[:1])
        dns_at = lines.index("DNS") if "DNS" in lines else -1
        t.check(dns_at > 0 and "WRONG" in lines[dns_at + 1] and "autoconfig." in lines[dns_at + 1],
                "the first failing step first in its group: %s" % lines[dns_at:dns_at + 3])
        t.check(any(line.strip().startswith("fix: autoconfig.%s. 3600 IN CNAME %s." % (D, SERVICE))
                    for line in lines), "the fix is the record to add")
        out = subprocess.run([binary, "--config", path, "--probe", "nothosted.example"],
                             capture_output=True, text=True)
        t.check(out.returncode == 2 and "not hosted" in out.stderr, "not hosted: exit 2")
        out = subprocess.run([binary, "--config", path, "--probe", D, "--resolver", "127.0.0.1:1",
                              "--probe-timeout", "1"], capture_output=True, text=True)
        t.check(out.returncode == 2 and "no answer" in out.stderr, "no resolver: exit 2 (%s)" % out.stderr)
        sweep = subprocess.run([binary, "--config", path, "--probe-all", "--resolver",
                                "127.0.0.1:%d" % dns.port, "--probe-ca", ca.path, "--probe-https-port",
                                str(d.port), "--probe-timeout", "3"], capture_output=True, text=True, timeout=120)
        if "Sanitizer" in sweep.stderr or "runtime error" in sweep.stderr:
            SANITIZER.append(sweep.stderr[-3000:])
        t.check(sweep.returncode == 1 and "%s: wrong: DNS: autoconfig." % D in sweep.stdout
                and "swept 2 domains" in sweep.stdout, "the sweep: %s" % sweep.stdout[-600:])
    finally:
        d.stop()


def admin_get(port, target):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", target)
    r = c.getresponse()
    return r.status, r.read().decode()


def admin_probe(binary, t, tmp, ca, mcert, dns):
    """/probe?domain= on the admin listener: off by default; with
    --admin-probe it runs on a thread of its own (202 while it runs,
    /healthz answering meanwhile) and then answers --probe's JSON."""
    path = table(tmp, ca, mcert, "admin", servers())
    dns.start(dnsmasq_args(zone(binary, path, D)))
    off_port, on_port, port = free_port(), free_port(), free_port()
    d = Daemon(binary, config=path, extra=["--admin-listen", "127.0.0.1:%d" % off_port])
    try:
        t.check(admin_get(off_port, "/probe?domain=" + D)[0] == 404, "/probe is off by default")
    finally:
        d.stop()
    d = Daemon(binary, config=path, extra=[
        "--port", str(port), "--admin-listen", "127.0.0.1:%d" % on_port, "--admin-probe",
        "--resolver", "127.0.0.1:%d" % dns.port, "--probe-ca", ca.path, "--probe-https-port", str(port),
        "--probe-timeout", "3"])
    try:
        status, _ = admin_get(on_port, "/probe?domain=" + D)
        t.check(status == 202, "the first GET starts the probe: %d" % status)
        t.check(admin_get(on_port, "/healthz")[0] == 200, "/healthz answers while it runs")
        t.check(admin_get(on_port, "/probe?domain=" + PACC_D)[0] == 429, "one probe at a time")
        deadline, got = time.time() + 60, (0, "")
        while time.time() < deadline:
            got = admin_get(on_port, "/probe?domain=" + D)
            if got[0] != 202:
                break
            time.sleep(0.2)
        report = json.loads(got[1]) if got[0] == 200 else {}
        t.check(report.get("result") == "ok" and len(steps(report, "mail servers", "ok")) == 6,
                "the admin probe's report: %d %s" % (got[0], got[1][:500]))
        t.check(admin_get(on_port, "/probe")[0] == 400, "no domain: 400")
        status, body = admin_get(on_port, "/probe?domain=nothosted.example")
        while status == 202:
            time.sleep(0.2)
            status, body = admin_get(on_port, "/probe?domain=nothosted.example")
        t.check(status == 503 and "not hosted" in body, "not hosted: 503 with why: %d %s" % (status, body))
        admin_get(on_port, "/probe?domain=" + D)  # one under way at the stop
    finally:
        code = d.stop()
    t.check(code == 0, "a clean exit with a probe under way: %d %s" % (code, d.log_text()[-2000:]))


def website(ca, port):
    """The customer's own website on 127.0.0.3, at the port the probe uses
    for 443: 200 text/html for every path, with a valid certificate."""
    import http.server
    crt, key = ca.leaf("website", [D, PACC_D])

    class H(http.server.BaseHTTPRequestHandler):
        def answer(self):
            body = b"<!doctype html><title>Kunde</title><p>Willkommen"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        do_GET = do_POST = answer

        def log_message(self, *a):
            pass
    srv = http.server.ThreadingHTTPServer((WEBSITE_IP, port), H)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(crt, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


if __name__ == "__main__":
    sys.exit(main())
