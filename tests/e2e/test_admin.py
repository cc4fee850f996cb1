#!/usr/bin/env python3
"""The operators' listener (--admin-listen): /healthz with the table's
version and domain count, /metrics read by prometheus_client's own text
parser (Debian's python3-prometheus-client) with counters that match what
was sent, reloads counted; neither is on the public listener. And the JSON
access log: one object per line, read by json."""
import os
import json
import re
import signal
import subprocess
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from daemon import Checks, Daemon  # noqa: E402


def get(port, path):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=5) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


def main(binary):
    t = Checks()
    d = Daemon(binary, extra=["--admin-listen", "127.0.0.1:0", "--access-log", "json"])
    try:
        line = d.proc.stdout.readline().decode()
        m = re.fullmatch(r"admin listening on 127\.0\.0\.1:(\d+)\n", line)
        t.check(m is not None, "admin listening line: %r" % line)
        admin = int(m.group(1))
        for _ in range(3):
            d.request("GET", "/mail/config-v1.1.xml?emailaddress=a%40example.org")
        d.request("GET", "/mail/config-v1.1.xml?emailaddress=a%40example.net")
        d.request("POST", "/autodiscover/autodiscover.xml", body=b"<x/>")
        d.request("GET", "/.well-known/mailconfd/hosted?domain=autoconfig.example.org")
        d.request("GET", "/no/such/path")
        st, _, _ = d.request("GET", "/metrics")
        t.check(st == 404, "no /metrics on the public listener")
        st, ct, text = get(admin, "/healthz")
        t.check(st == 200 and re.search(r"^version [0-9a-f]{16}$", text, re.M) and "domains 2" in text,
                "healthz: %r" % text)
        st, _, _ = get(admin, "/mail/config-v1.1.xml")
        t.check(st == 404, "the admin listener serves nothing else")
        d.signal(signal.SIGHUP)
        t.check(d.wait_log("reload done"), "reload")
        st, ct, text = get(admin, "/metrics")
        t.check(st == 200 and ct.startswith("text/plain; version=0.0.4"), "metrics content type %r" % ct)
        fams = {f.name: f for f in text_string_to_metric_families(text)}
        req = {(s.labels["route"], s.labels["status"]): s.value
               for s in fams["mailconfd_requests"].samples if s.name == "mailconfd_requests_total"}
        t.check(req.get(("autoconfig", "200")) == 3 and req.get(("autoconfig", "404")) == 1 and
                req.get(("autodiscover", "200")) == 1 and req.get(("hosted", "200")) == 1 and
                req.get(("other", "404")) == 2, "request counters %r" % req)  # and /metrics
        hist = fams["mailconfd_request_duration_seconds"]
        count = [s.value for s in hist.samples if s.name.endswith("_count")][0]
        t.check(count >= 6, "histogram count %r" % count)
        reloads = {s.labels["result"]: s.value for s in fams["mailconfd_reloads"].samples
                   if s.name == "mailconfd_reloads_total"}
        t.check(reloads == {"ok": 1.0, "failed": 0.0}, "reloads %r" % reloads)
        t.check([s.value for s in fams["mailconfd_domains_loaded"].samples] == [2.0], "domains gauge")
        logs = [json.loads(l) for l in d.log_text().splitlines() if l.startswith("{")]
        t.check(len(logs) >= 6 and all(set(x) >= {"client", "method", "path", "route", "status", "bytes", "us"}
                                        for x in logs), "JSON access log: %d lines" % len(logs))
        t.check(not any("emailaddress" in x["path"] for x in logs), "no query in the JSON log")
    finally:
        t.check(d.stop() == 0, "clean exit")
    r = subprocess.run([binary, "--access-log", "bogus"], capture_output=True, text=True)
    t.check(r.returncode == 2 and "bad value for --access-log: bogus" in r.stderr,
            "the option is named as it is typed: %r" % r.stderr[:80])
    return t.done()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
