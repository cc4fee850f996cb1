#!/usr/bin/env python3
"""Load and soak with wrk against the real daemon:
  1. many concurrent connections for a while: no failed request;
  2. RSS at the start and the end of a long run of requests: flat;
  3. a reload every 100 ms during load (the table switching between two
     versions): no failed request, and every answer is byte for byte the
     old table's or the new table's, never a mix (checked in wrk's Lua).
LOAD_FULL=1 runs the full forms (1,000 connections for 60 s; 1,000,000
requests; 30 s of reloads); the default is the short form CI runs."""
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from daemon import SHIPPED, Checks, Daemon  # noqa: E402

FULL = os.environ.get("LOAD_FULL") == "1"
TARGET = "/mail/config-v1.1.xml?emailaddress=alice%40example.org"


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 65536)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def rss_kb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


CHECK_LUA = r'''
local threads = {}
function setup(thread) table.insert(threads, thread) end
local function slurp(p) local f = assert(io.open(p, "rb")); local s = f:read("*a"); f:close(); return s end
function init(args)
  old_body = slurp("%(old)s"); new_body = slurp("%(new)s")
  bad = 0; n_old = 0; n_new = 0
  wrk.headers["Host"] = "autoconfig.example.org"
end
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1
  elseif body == old_body then n_old = n_old + 1
  elseif body == new_body then n_new = n_new + 1
  else bad = bad + 1 end
end
function done(summary, latency, requests)
  local b, o, n = 0, 0, 0
  for _, t in ipairs(threads) do b = b + t:get("bad"); o = o + t:get("n_old"); n = n + t:get("n_new") end
  io.write(string.format("content: bad=%%d old=%%d new=%%d\n", b, o, n))
end
'''


def wrk(port, conns, seconds, script=None, requests=None):
    cmd = ["wrk", "-t2", "-c%d" % conns, "-d%ds" % seconds, "--timeout", "5s"]
    if script:
        cmd += ["-s", script]
    cmd.append("http://127.0.0.1:%d%s" % (port, TARGET))
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors += int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors += sum(map(int, m.groups())) if m else 0
    return total, errors, out


def main(binary):
    t = Checks()
    raise_fd_limit()
    tmp = tempfile.mkdtemp(prefix="mailconfd-load-")
    table = os.path.join(tmp, "table.json")
    old = json.load(open(SHIPPED))
    new = json.loads(json.dumps(old))
    new["provider"]["name"] = "Example Hosting (new)"
    new["defaults"]["outgoing"] = [new["defaults"]["outgoing"][1], new["defaults"]["outgoing"][0],
                                   new["defaults"]["outgoing"][2]]
    json.dump(old, open(table, "w"))
    # Under ASan, freed memory sits in a quarantine (256 MB by default) that
    # grows RSS until it is full: keep it small so RSS shows our memory.
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=4"
    d = Daemon(binary, config=table, env=env,
               extra=["--access-log", "off", "--limit", "max_connections_per_ip=4000",
                      "--limit", "max_connections=8000"])
    try:
        # 1. concurrency
        conns, secs = (1000, 60) if FULL else (200, 4)
        total, errors, out = wrk(d.port, conns, secs)
        print("%d connections for %d s: %d requests, %d failed" % (conns, secs, total, errors))
        t.check(total > 0 and errors == 0, "concurrency: %d failed\n%s" % (errors, out))

        # 2. soak: RSS at start and end of many requests
        want = 1000000 if FULL else 50000
        wrk(d.port, 64, 2)  # warm-up: pools, caches and arenas fill once
        rss_start = rss_kb(d.proc.pid)
        done_total = 0
        while done_total < want:
            n, errors, _ = wrk(d.port, 64, 10 if FULL else 2)
            done_total += n
            t.check(errors == 0, "soak: %d failed" % errors)
        rss_end = rss_kb(d.proc.pid)
        print("soak: %d requests, RSS %d kB at start, %d kB at the end" % (done_total, rss_start, rss_end))
        t.check(rss_end <= rss_start + 4096, "RSS flat: %d -> %d kB" % (rss_start, rss_end))

        # 3. reload every 100 ms under load, content checked
        old_body = d.request("GET", TARGET, host="autoconfig.example.org")[2]
        json.dump(new, open(table + ".tmp", "w"))
        os.replace(table + ".tmp", table)
        d.signal(signal.SIGHUP)
        t.check(d.wait_log("reload done"), "first reload")
        new_body = d.request("GET", TARGET, host="autoconfig.example.org")[2]
        t.check(old_body != new_body, "the two tables answer differently")
        open(os.path.join(tmp, "old.xml"), "wb").write(old_body)
        open(os.path.join(tmp, "new.xml"), "wb").write(new_body)
        script = os.path.join(tmp, "check.lua")
        open(script, "w").write(CHECK_LUA % {"old": os.path.join(tmp, "old.xml"),
                                             "new": os.path.join(tmp, "new.xml")})
        stop = threading.Event()
        reloads = [0]

        def reloader():
            i = 0
            while not stop.is_set():
                json.dump(old if i % 2 else new, open(table + ".tmp", "w"))
                os.replace(table + ".tmp", table)
                d.signal(signal.SIGHUP)
                reloads[0] += 1
                i += 1
                time.sleep(0.1)
        th = threading.Thread(target=reloader)
        th.start()
        secs = 30 if FULL else 4
        total, errors, out = wrk(d.port, 64, secs, script=script)
        stop.set()
        th.join()
        m = re.search(r"content: bad=(\d+) old=(\d+) new=(\d+)", out)
        bad, n_old, n_new = map(int, m.groups())
        print("reload every 100 ms for %d s: %d reloads, %d requests, %d failed, %d mixed or wrong, "
              "%d old, %d new" % (secs, reloads[0], total, errors, bad, n_old, n_new))
        t.check(errors == 0 and bad == 0, "no failed or mixed answers during reloads")
        t.check(n_old > 0 and n_new > 0, "both tables were served")
        t.check(d.log_text().count("reload done") >= reloads[0] // 2, "the reloads happened")
    finally:
        code = d.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    t.check(code == 0, "clean exit: %d" % code)
    return t.done()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
