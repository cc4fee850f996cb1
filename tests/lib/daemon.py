"""Starts the real mailconfd on 127.0.0.1 port 0 for a test, talks to it
as clients do, and stops it by PID."""
import http.client
import os
import re
import select
import signal
import socket
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHIPPED = os.path.join(ROOT, "profiles", "hosting-faq.json")


def free_port():
    """A port on 127.0.0.1 that was free a moment ago."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, timeout=20, host="127.0.0.1"):
    """True once something accepts connections on host:port."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection((host, port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def recv_all(s):
    """Everything the peer sends until it closes (an error ends it too:
    the server may close first, and that is an answer)."""
    got = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    except OSError:
        pass
    return got


class Daemon:
    def __init__(self, binary, config=SHIPPED, extra=(), env=None):
        self.log = tempfile.NamedTemporaryFile(prefix="mailconfd-log-", delete=False)
        self.proc = subprocess.Popen(
            [binary, "--config", config, "--listen", "127.0.0.1", "--port", "0", *extra],
            stdout=subprocess.PIPE, stderr=self.log, env=env)
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline().decode() if ready else ""
        m = re.fullmatch(r"listening on 127\.[0-9.]+:(\d+)(?: \(https\))?\n", line)
        if not m:
            self.proc.kill()
            raise RuntimeError("daemon did not start: %r\n%s" % (line, self.log_text()))
        self.port = int(m.group(1))

    def log_text(self):
        with open(self.log.name, encoding="utf-8", errors="replace") as f:
            return f.read()

    def request(self, method, target, host=None, body=None, headers=None, conn=None):
        """Returns (status, headers as a dict with lower-case names, body)."""
        c = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        h = dict(headers or {})
        if host is not None:
            h["Host"] = host
        c.request(method, target, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        out = (r.status, {k.lower(): v for k, v in r.getheaders()}, data)
        if conn is None:
            c.close()
        return out

    def raw(self, data, timeout=5.0):
        """Sends raw bytes, returns whatever comes back until close/timeout."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        got = b""
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            got = recv_all(s)
        except OSError:  # the server may close first: that is an answer too
            pass
        finally:
            s.close()
        return got

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self):
        """SIGTERM; returns the exit code (0 when it stopped cleanly)."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = -9
        self.proc.stdout.close()
        return code

    def wait_log(self, pattern, timeout=10.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if re.search(pattern, self.log_text()):
                return True
            time.sleep(0.05)
        return False


class Checks:
    """Counts checks and prints the closing 'N passed, N failed' line."""

    def __init__(self):
        self.passed = self.failed = 0

    def check(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print("FAILED:", what, flush=True)
        return cond

    def done(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 1 if self.failed or not self.passed else 0


def run_suite(binary, parts, **daemon_args):
    """Starts one daemon, runs each part(d, t), stops it (a clean exit is a
    check too), shows the log's end on failure; returns the exit code."""
    t = Checks()
    d = Daemon(binary, **daemon_args)
    try:
        for part in parts:
            part(d, t)
    finally:
        code = finish(t, d)
    return code


def finish(t, d):
    """Stops d (a clean exit is a check too), shows the log's end on
    failure; returns the suite's exit code."""
    code = d.stop()
    t.check(code == 0, "clean exit on SIGTERM: %d" % code)
    if t.failed:
        print(d.log_text()[-3000:])
    return t.done()
