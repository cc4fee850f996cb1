#!/usr/bin/env python3
"""SIGHUP under load: a good table, then a broken one, while clients keep
asking. Counts failed requests (must be 0), checks every answer is wholly
the old or wholly the new table, and that a broken reload keeps the table
in service and names each problem with its file and JSON path."""
import http.client
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from daemon import SHIPPED, Checks, Daemon  # noqa: E402


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def client(port, stop, stats, versions, lock):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    n = bad = 0
    seen = set()
    while not stop.is_set():
        try:
            c.request("GET", "/mail/config-v1.1.xml?emailaddress=alice%40example.org",
                      headers={"Host": "autoconfig.example.org"})
            r = c.getresponse()
            body = r.read()
            if r.status != 200:
                bad += 1
            elif body in versions:
                seen.add(versions[body])
            else:
                bad += 1  # a mix, or something else entirely
            n += 1
        except (OSError, http.client.HTTPException):
            bad += 1
            c.close()
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.close()
    with lock:
        stats["requests"] += n
        stats["failed"] += bad
        stats["seen"] |= seen


ETAG_URLS = (("/mail/config-v1.1.xml?emailaddress=alice%40example.org", "autoconfig.example.org"),
             ("/apple/mail.mobileconfig?email=alice%40example.org", "example.org"))


def etags(d):
    """{url: (etag, body)} for the answers a reload must re-tag."""
    out = {}
    for url, host in ETAG_URLS:
        _, h, body = d.request("GET", url, host=host)
        out[url] = (h.get("etag"), body)
    return out


def etag_after_port_change(d, t, table, current):
    """The ETag is a digest of the bytes (issue 25): a reload that changes
    one port changes it, and a client's If-None-Match with the old one
    gets the new answer, not a 304."""
    before = etags(d)
    changed = json.loads(json.dumps(current))
    changed["defaults"]["incoming"][0]["port"] = 10993
    write_atomic(table, json.dumps(changed, indent=1))
    d.signal(signal.SIGHUP)
    t.check(d.wait_log(r"(reload done[\s\S]*){7}"), "port-changing reload logged")
    after = etags(d)
    for url, host in ETAG_URLS:
        (e0, b0), (e1, b1) = before[url], after[url]
        t.check(b"10993" in b1 and b0 != b1, "%s: the new port is served" % url)
        t.check(e0 and e1 and e0 != e1, "%s: ETag changed with one port: %s -> %s" % (url, e0, e1))
        st, h, body = d.request("GET", url, host=host, headers={"If-None-Match": e0})
        t.check(st == 200 and body == b1 and h.get("etag") == e1,
                "%s: the old ETag gets the new answer: %d" % (url, st))
        st, _, body = d.request("GET", url, host=host, headers={"If-None-Match": e1})
        t.check(st == 304 and body == b"", "%s: the new ETag: 304 (%d)" % (url, st))


def main(binary):
    t = Checks()
    tmp = tempfile.mkdtemp(prefix="mailconfd-reload-")
    table = os.path.join(tmp, "table.json")
    shutil.copy(SHIPPED, table)
    old = json.load(open(SHIPPED))
    new = json.loads(json.dumps(old))
    new["provider"]["name"] = "Example Hosting (new table)"
    new["domains"]["example.net"] = {}
    d = Daemon(binary, config=table)
    try:
        # the two valid answers, captured from the daemon itself
        _, _, body_old = d.request("GET", "/mail/config-v1.1.xml?emailaddress=alice%40example.org",
                                   host="autoconfig.example.org")
        versions = {body_old: "old"}
        expected_new = body_old.replace(b"<displayName>Example Hosting</displayName>",
                                        b"<displayName>Example Hosting (new table)</displayName>")
        t.check(expected_new != body_old, "the new table changes the answer")
        versions[expected_new] = "new"

        stop = threading.Event()
        lock = threading.Lock()
        stats = {"requests": 0, "failed": 0, "seen": set()}
        threads = [threading.Thread(target=client, args=(d.port, stop, stats, versions, lock))
                   for _ in range(4)]
        for th in threads:
            th.start()
        time.sleep(0.5)
        for i in range(5):  # several good reloads, alternating tables
            write_atomic(table, json.dumps(new if i % 2 == 0 else old, indent=1))
            d.signal(signal.SIGHUP)
            t.check(d.wait_log(r"(reload done[\s\S]*){%d}" % (i + 1)), "good reload %d logged" % i)
            time.sleep(0.2)
        write_atomic(table, json.dumps(new, indent=1))
        d.signal(signal.SIGHUP)
        t.check(d.wait_log(r"(reload done[\s\S]*){6}"), "last good reload logged")
        st, _, _ = d.request("GET", "/mail/config-v1.1.xml?emailaddress=x%40example.net")
        t.check(st == 200, "new domain served after reload: %d" % st)

        broken = json.loads(json.dumps(new))
        broken["defaults"]["incoming"][0]["port"] = 99999
        broken["defaults"]["imap_prefix"] = "INBOX"
        write_atomic(table, json.dumps(broken, indent=1))
        d.signal(signal.SIGHUP)
        t.check(d.wait_log("reload failed"), "broken reload logged")
        log = d.log_text()
        t.check("%s: /defaults/incoming/0/port: must be a whole number 1..65535" % table in log,
                "problem 1 named with file and JSON path")
        t.check("%s: /defaults/imap_prefix: unknown key" % table in log,
                "problem 2 named with file and JSON path")
        # a burst of signals: each is taken by the main thread's sigwait,
        # never by another thread (whose default for SIGHUP is to end the
        # process): every thread is started with the signals blocked
        for _ in range(200):
            d.signal(signal.SIGHUP)
        time.sleep(1.0)
        t.check(d.proc.poll() is None, "alive after 200 SIGHUPs: %r" % d.proc.poll())
        stop.set()
        for th in threads:
            th.join()
        st, _, body = d.request("GET", "/mail/config-v1.1.xml?emailaddress=x%40example.net")
        t.check(st == 200, "the good table stays in service after a broken reload")
        _, _, body = d.request("GET", "/mail/config-v1.1.xml?emailaddress=alice%40example.org")
        t.check(body == expected_new, "answers still come from the last good table")
        print("requests during reloads: %d, failed: %d, versions seen: %s"
              % (stats["requests"], stats["failed"], sorted(stats["seen"])))
        t.check(stats["requests"] > 100, "load ran")
        t.check(stats["failed"] == 0, "no request failed or was mixed")
        t.check(stats["seen"] == {"old", "new"}, "both tables were served")
        etag_after_port_change(d, t, table, new)
    finally:
        code = d.stop()
        shutil.rmtree(tmp)
    t.check(code == 0, "clean exit: %d" % code)
    return t.done()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
