#!/usr/bin/env python3
"""cmake --install into a DESTDIR: the binary, the default table, the
templates, the man page and the systemd unit land in the GNU folders; the
installed binary validates the installed table with the installed
templates; `systemd-analyze verify` accepts the unit (with its paths
pointed into the DESTDIR) and `man` reads the page."""
import os
import re
import shutil
import subprocess
import sys
import tempfile


def main(build_dir):
    passed = failed = 0

    def check(cond, what):
        nonlocal passed, failed
        passed, failed = (passed + 1, failed) if cond else (passed, failed + 1)
        if not cond:
            print("FAILED:", what)

    dest = tempfile.mkdtemp(prefix="mailconfd-dest-")
    try:
        r = subprocess.run(["cmake", "--install", build_dir], env=dict(os.environ, DESTDIR=dest),
                           capture_output=True, text=True)
        check(r.returncode == 0, "cmake --install: %s" % r.stderr)
        files = sorted(os.path.relpath(os.path.join(d, f), dest)
                       for d, _, fs in os.walk(dest) for f in fs)
        prefix = re.match(r"(.*)/bin/mailconfd$", [f for f in files if f.endswith("bin/mailconfd")][0]).group(1)
        for want in ["bin/mailconfd", "share/mailconfd/profiles/hosting-faq.json",
                     "share/mailconfd/templates/setup.de.html", "share/mailconfd/templates/setup.en.html",
                     "share/mailconfd/templates/setup.css", "share/mailconfd/templates/index.en.html",
                     "share/mailconfd/templates/error.html", "share/man/man8/mailconfd.8",
                     "lib/systemd/system/mailconfd.service",
                     # the documents mailconfd(8) names
                     "share/doc/mailconfd/README.md", "share/doc/mailconfd/SECURITY.md",
                     "share/doc/mailconfd/docs/deployment.md", "share/doc/mailconfd/docs/directory.md",
                     "share/doc/mailconfd/examples/directory/ldap.json"]:
            check(os.path.join(prefix, want) in files, "installed: %s (have %r)" % (want, files))
        root = os.path.join(dest, prefix)
        r = subprocess.run([os.path.join(root, "bin/mailconfd"), "--check", "--config",
                            os.path.join(root, "share/mailconfd/profiles/hosting-faq.json"),
                            "--templates", os.path.join(root, "share/mailconfd/templates")],
                           capture_output=True, text=True)
        check(r.returncode == 0 and r.stdout == "configuration OK\n", "installed --check: %s" % r.stderr)
        # the default table is installed where the installed binary looks,
        # and the binary names no build folder as a default
        etc = [f for f in files if f.endswith("etc/mailconfd/mailconfd.json")]
        check(len(etc) == 1, "installed: etc/mailconfd/mailconfd.json (have %r)" % files)
        r = subprocess.run([os.path.join(root, "bin/mailconfd"), "--help"], capture_output=True, text=True)
        check(r.returncode == 0 and etc and "(default: /%s)" % etc[0] in r.stdout and
              os.path.abspath(build_dir) not in r.stdout,
              "the installed binary's defaults: %s" % r.stdout[:300])
        unit = open(os.path.join(root, "lib/systemd/system/mailconfd.service")).read()
        check("ExecStart=/%s/bin/mailconfd " % prefix in unit, "unit names the installed binary")
        for opt in ["NoNewPrivileges=yes", "ProtectSystem=strict", "RestrictAddressFamilies=",
                    "MemoryDenyWriteExecute=yes", "SystemCallFilter=@system-service"]:
            check(opt in unit, "unit sandboxing: %s" % opt)
        local = os.path.join(dest, "mailconfd.service")
        open(local, "w").write(unit.replace("/%s/bin/mailconfd" % prefix, os.path.join(root, "bin/mailconfd")))
        # the drop-in docs/deployment.md gives for certificates (credentials)
        doc = open(os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "docs", "deployment.md")).read()
        dropin = re.search(r"```ini\n(\[Service\]\nLoadCredential=.*?)```", doc, re.S).group(1)
        os.makedirs(local + ".d")
        open(os.path.join(local + ".d", "tls.conf"), "w").write(
            dropin.replace("/usr/bin/mailconfd", os.path.join(root, "bin/mailconfd")))
        env = dict(os.environ, MANPATH=os.path.join(root, "share/man"))
        r = subprocess.run(["systemd-analyze", "verify", local], capture_output=True, text=True, env=env)
        bad = [l for l in (r.stdout + r.stderr).splitlines()
               if "mailconfd.service" in l or "tls.conf" in l]
        check(r.returncode == 0 and not bad, "systemd-analyze verify: %s" % (r.stdout + r.stderr))
        r = subprocess.run(["man", "-l", os.path.join(root, "share/man/man8/mailconfd.8")],
                           capture_output=True, text=True, env=dict(env, MANPAGER="cat", PAGER="cat"))
        check(r.returncode == 0 and "mailconfd" in r.stdout, "man page renders")
    finally:
        shutil.rmtree(dest)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
