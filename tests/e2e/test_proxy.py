#!/usr/bin/env python3
"""mailconfd behind the proxies of contrib/: nginx (Debian's nginx-light)
with contrib/nginx/mailconfd.conf and Caddy with contrib/caddy/Caddyfile,
each run on loopback with only ports, certificate paths and the upstream
changed. Through them every format answers for the name the client used;
X-Forwarded-Proto/-Host are believed from the trusted proxy only (an
untrusted client cannot fake them); Caddy's on-demand certificates are
given only to hosted names (its "ask" goes to mailconfd)."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from daemon import ROOT, SHIPPED, Checks, Daemon, free_port, wait_port  # noqa: E402

OUTLOOK = (b'<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/'
           b'exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>alice@example.org'
           b'</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/'
           b'outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>')




def curl(url, ca=None, data=None, names=(), port=None, extra=()):
    cmd = ["curl", "-sS", "-o", "-", "-D", "-", "--max-time", "10"]
    for n in names:
        cmd += ["--resolve", "%s:%d:127.0.0.1" % (n, port)]
    if ca:
        cmd += ["--cacert", ca]
    if data is not None:
        cmd += ["--data-binary", "@-", "-H", "Content-Type: text/xml"]
    cmd += list(extra) + [url]
    r = subprocess.run(cmd, input=data, capture_output=True)
    out = r.stdout
    m = re.match(rb"HTTP/[\d.]+ (\d+)", out)
    return (int(m.group(1)) if m else 0), out


def make_cert(d):
    open(os.path.join(d, "ext"), "w").write(
        "subjectAltName=DNS:autoconfig.example.org,DNS:autodiscover.example.org\n")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", "privkey.pem", "-out", "fullchain.pem", "-days", "2",
                    "-subj", "/CN=autoconfig.example.org", "-addext",
                    "subjectAltName=DNS:autoconfig.example.org,DNS:autodiscover.example.org"],
                   cwd=d, check=True, capture_output=True)


def nginx(t, d, dport):
    http, https = free_port(), free_port()
    conf = open(os.path.join(ROOT, "contrib", "nginx", "mailconfd.conf")).read()
    conf = conf.replace("server 127.0.0.1:8080;", "server 127.0.0.1:%d;" % dport)
    conf = conf.replace("listen 80;", "listen 127.0.0.1:%d;" % http)
    conf = conf.replace("listen 443 ssl http2;", "listen 127.0.0.1:%d ssl http2;" % https)
    conf = re.sub(r"\n\s*listen \[::\]:\d+[^;]*;", "", conf)
    conf = conf.replace("/etc/ssl/mailconfd/", d + "/")
    open(os.path.join(d, "site.conf"), "w").write(conf)
    open(os.path.join(d, "nginx.conf"), "w").write(
        "worker_processes 1; pid %(d)s/nginx.pid; error_log %(d)s/error.log;\n"
        "events { worker_connections 256; }\n"
        "http { access_log off; client_body_temp_path %(d)s/b; proxy_temp_path %(d)s/p;\n"
        "fastcgi_temp_path %(d)s/f; uwsgi_temp_path %(d)s/u; scgi_temp_path %(d)s/s;\n"
        "include %(d)s/site.conf; }\n" % {"d": d})
    p = subprocess.Popen(["nginx", "-c", os.path.join(d, "nginx.conf"), "-g", "daemon off;"],
                         stderr=subprocess.PIPE)
    t.check(wait_port(https), "nginx started")
    ca = os.path.join(d, "fullchain.pem")
    org, adn = "autoconfig.example.org", "autodiscover.example.org"
    st, out = curl("https://%s:%d/mail/config-v1.1.xml?emailaddress=alice%%40example.org" % (org, https),
                   ca, names=[org], port=https)
    t.check(st == 200 and b"<username>alice@example.org</username>" in out, "nginx https autoconfig: %d" % st)
    st, out = curl("http://%s:%d/mail/config-v1.1.xml" % (org, http), names=[org], port=http)
    t.check(st == 200 and b'emailProvider id="example.org"' in out, "nginx http autoconfig, Host passed")
    st, out = curl("https://%s:%d/autodiscover/autodiscover.xml" % (adn, https), ca, data=OUTLOOK,
                   names=[adn], port=https)
    t.check(st == 200 and b"<Server>example.org</Server>" in out, "nginx https autodiscover POST")
    st, out = curl("https://%s:%d/autodiscover/autodiscover.xml" % (adn, https), ca, names=[adn], port=https)
    t.check(st == 200 and b"<ErrorCode>600</ErrorCode>" in out,
            "GET over https (trusted X-Forwarded-Proto): no redirect loop: %d" % st)
    st, out = curl("http://%s:%d/autodiscover/autodiscover.xml" % (adn, http), names=[adn], port=http)
    t.check(st == 302 and b"Location: https://autodiscover.example.org/autodiscover/autodiscover.xml" in out,
            "GET over http: 302 to https: %d" % st)
    st, out = curl("https://%s:%d/autodiscover/autodiscover.json/v1.0/alice@example.org?Protocol=AutodiscoverV1"
                   % (adn, https), ca, names=[adn], port=https)
    t.check(st == 200 and b'"Url":"https://autodiscover.example.org/Autodiscover/Autodiscover.xml"' in out,
            "JSON hop names the proxy's name")
    p.terminate()
    p.wait(timeout=10)


def caddy(t, d, dport):
    http, https = free_port(), free_port()
    conf = open(os.path.join(ROOT, "contrib", "caddy", "Caddyfile")).read()
    conf = conf.replace("127.0.0.1:8080", "127.0.0.1:%d" % dport)
    # offline: Caddy's own CA instead of ACME; test ports; no admin API
    conf = conf.replace("\ttls {\n\t\ton_demand", "\ttls internal {\n\t\ton_demand")
    conf = conf.replace("{\n\ton_demand_tls {", "{\n\tadmin off\n\thttp_port %d\n\thttps_port %d\n"
                        "\tskip_install_trust\n\ton_demand_tls {" % (http, https), 1)
    open(os.path.join(d, "Caddyfile"), "w").write(conf)
    env = dict(os.environ, XDG_DATA_HOME=os.path.join(d, "data"), XDG_CONFIG_HOME=os.path.join(d, "cfg"),
               HOME=d)
    p = subprocess.Popen(["caddy", "run", "--config", os.path.join(d, "Caddyfile"), "--adapter", "caddyfile"],
                         env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, "caddy.log"), "w"))
    t.check(wait_port(https), "caddy started")
    org = "autoconfig.example.org"
    st, out = curl("https://%s:%d/mail/config-v1.1.xml?emailaddress=alice%%40example.org" % (org, https),
                   names=[org], port=https, extra=["-k"])
    t.check(st == 200 and b"<username>alice@example.org</username>" in out,
            "caddy on-demand https autoconfig: %d" % st)
    root = os.path.join(d, "data", "caddy", "pki", "authorities", "local", "root.crt")
    st, out = curl("https://%s:%d/mail/config-v1.1.xml" % (org, https), ca=root, names=[org], port=https)
    t.check(st == 200, "caddy certificate chains to its CA: %d" % st)
    net = "autoconfig.example.net"
    st, out = curl("https://%s:%d/mail/config-v1.1.xml" % (net, https), names=[net], port=https, extra=["-k"])
    t.check(st == 0, "no certificate for a name that is not hosted (the ask said no)")
    st, out = curl("https://autodiscover.example.org:%d/autodiscover/autodiscover.xml" % https, data=OUTLOOK,
                   names=["autodiscover.example.org"], port=https, extra=["-k"])
    t.check(st == 200 and b"<LoginName>alice@example.org</LoginName>" in out, "caddy autodiscover POST")
    p.terminate()
    p.wait(timeout=10)


def main(binary):
    t = Checks()
    d = tempfile.mkdtemp(prefix="mailconfd-proxy-")
    os.chmod(d, 0o755)
    make_cert(d)
    table = json.load(open(SHIPPED))
    table["server"] = {"trusted_proxies": ["127.0.0.1", "::1"], "https_in_front": True}
    path = os.path.join(d, "table.json")
    json.dump(table, open(path, "w"))
    dm = Daemon(binary, config=path)
    try:
        nginx(t, d, dm.port)
        caddy(t, d, dm.port)
    finally:
        code = dm.stop()
    # the same forwarded headers from a client that is not a trusted proxy
    table["server"]["trusted_proxies"] = ["192.0.2.1"]
    json.dump(table, open(path, "w"))
    dm = Daemon(binary, config=path)
    try:
        st, h, body = dm.request("GET", "/autodiscover/autodiscover.xml", host="autodiscover.example.org",
                                 headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "autodiscover.evil.example"})
        t.check(st == 302 and h.get("location") ==
                "https://autodiscover.example.org/autodiscover/autodiscover.xml",
                "untrusted X-Forwarded-* ignored: %d %r" % (st, h.get("location")))
    finally:
        t.check(dm.stop() == 0 and code == 0, "clean exits")
        shutil.rmtree(d)
    return t.done()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
