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

from daemon import SHIPPED, Checks, Daemon


def ids(pid):
    out = {}
    for line in open("/proc/%d/status" % pid):
        key, _, val = line.partition(":")
        if key in ("Uid", "Gid", "Groups"):
            out[key] = val.split()
    return out


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
        shutil.rmtree(tmp)
    r = subprocess.run([binary, "--user", "no-such-user-here", "--port", "0"], capture_output=True,
                       text=True, timeout=30)
    t.check(r.returncode == 1 and "no such user" in r.stderr, "unknown user refused")
    return t.done()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
