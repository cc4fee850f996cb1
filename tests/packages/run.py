#!/usr/bin/env python3
"""What operators install, built and run here:

1. The Debian package: `dpkg-buildpackage -us -uc -b`, then lintian (no
   error, no warning that debian/ does not override with a reason); a fresh
   Debian 12 root made by mmdebstrap installs it with
   `apt-get install ./mailconfd_*.deb` (dependencies from its own Depends),
   runs the installed `mailconfd --check`, serves one autoconfig request
   from inside the root, has the unit enabled but not started, and after
   `apt-get purge` (and autoremove) leaves nothing but apt's and dpkg's own
   records.
2. The container image: the Dockerfile built by `podman build
   --isolation=chroot --network=host` on a base image imported from an
   mmdebstrap minbase root (the registry is out of reach, the Debian
   archive is not); the image is mounted, and in a chroot of it the
   installed `--check` and the ENTRYPOINT (as the image's non-root user,
   on a free port) serve one request. Its size is reported.

Skips, with a clear message, only when podman or mmdebstrap cannot run at
all. Prints "N passed, N failed"."""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from daemon import Checks, free_port  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PODMAN = ["podman", "--storage-driver", "vfs"]


T = Checks()  # the e2e suites' counter and closing line


def sh(*args, check=True, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    r = subprocess.run(list(args), **kw)
    if check and r.returncode != 0:
        raise RuntimeError("%s: exit %d\n%s%s" % (" ".join(args), r.returncode,
                                                   (r.stdout or "")[-3000:], (r.stderr or "")[-3000:]))
    return r


def log(msg):
    print("%s %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def source_copy(dest):
    """The tracked and untracked-but-not-ignored files, as a clean tree."""
    files = sh("git", "-C", ROOT, "ls-files", "-co", "--exclude-standard", "-z").stdout.split("\0")
    for f in filter(None, files):
        src = os.path.join(ROOT, f)
        if os.path.isfile(src):
            os.makedirs(os.path.dirname(os.path.join(dest, f)), exist_ok=True)
            shutil.copy2(src, os.path.join(dest, f))


def build_deb(tmp):
    src = os.path.join(tmp, "mailconfd")
    source_copy(src)
    log("dpkg-buildpackage")
    sh("dpkg-buildpackage", "-us", "-uc", "-b", cwd=src)
    debs = [f for f in os.listdir(tmp) if re.fullmatch(r"mailconfd_[\d.]+_amd64\.deb", f)]
    T.check(len(debs) == 1, "one mailconfd_<version>_amd64.deb: %r" % os.listdir(tmp))
    changes = [f for f in os.listdir(tmp) if f.endswith(".changes")]
    log("lintian")
    r = sh("lintian", "--allow-root", "--fail-on", "error,warning", "--display-level", ">=warning",
           os.path.join(tmp, changes[0]), check=False)
    T.check(r.returncode == 0, "lintian: no error, no warning not overridden:\n%s%s" % (r.stdout, r.stderr))
    files = sh("dpkg-deb", "-c", os.path.join(tmp, debs[0])).stdout
    for want in ("./usr/bin/mailconfd", "./usr/share/man/man8/mailconfd.8.gz",
                 "./usr/share/man/man5/mailconfd.json.5.gz", "./usr/share/mailconfd/templates/setup.de.html",
                 "./etc/mailconfd/mailconfd.json", "./lib/systemd/system/mailconfd.service",
                 "./usr/share/doc/mailconfd/copyright", "./usr/share/doc/mailconfd/changelog.gz"):
        T.check(want in files, "the package holds %s" % want)
    conf = sh("dpkg-deb", "-e", os.path.join(tmp, debs[0]), os.path.join(tmp, "control"))
    T.check("/etc/mailconfd/mailconfd.json" in open(os.path.join(tmp, "control", "conffiles")).read(),
            "the example table is a conffile")
    return os.path.join(tmp, debs[0])


# What makes Debian's own debian:12-slim slim: no manuals, no translations,
# no documentation but the copyright files.
SLIM = ["--dpkgopt=path-exclude=/usr/share/man/*", "--dpkgopt=path-exclude=/usr/share/info/*",
        "--dpkgopt=path-exclude=/usr/share/locale/*",
        "--dpkgopt=path-include=/usr/share/locale/locale.alias",
        "--dpkgopt=path-exclude=/usr/share/doc/*", "--dpkgopt=path-include=/usr/share/doc/*/copyright"]


def make_root(tmp, name, variant, extra=()):
    path = os.path.join(tmp, name)
    log("mmdebstrap --variant=%s bookworm %s" % (variant, name))
    sh("mmdebstrap", "--variant=" + variant, *extra, "bookworm", path)
    return path


def snapshot(root):
    skip = ("./proc", "./sys", "./dev", "./tmp", "./run", "./var/lib/apt", "./var/lib/dpkg",
            "./var/cache", "./var/log", "./etc/ld.so.cache")
    out = set()
    for d, dirs, files in os.walk(root):
        rel = "." + d[len(root):]
        if rel.startswith(skip):
            dirs[:] = []
            continue
        for f in files + dirs:
            out.add(os.path.join(rel, f))
    return out


def in_root(root, *args, **kw):
    return sh("chroot", root, *args, **kw)


def serve_one(cmd, env=None):
    """Starts the daemon (cmd), reads its port, asks one autoconfig."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        line = p.stdout.readline().decode()
        m = re.match(r"listening on [0-9.]+:(\d+)", line)
        if not T.check(m is not None, "the daemon started: %r %s" % (line, p.stderr.read1(2000) if not m else "")):
            return
        req = urllib.request.Request(
            "http://127.0.0.1:%s/mail/config-v1.1.xml?emailaddress=alice%%40example.org" % m.group(1),
            headers={"Host": "autoconfig.example.org"})
        body = urllib.request.urlopen(req, timeout=10).read()
        T.check(b"<username>alice@example.org</username>" in body and b"<port>993</port>" in body,
                "one autoconfig answer from inside: %r" % body[:200])
    finally:
        p.terminate()
        p.wait(timeout=10)


def deb_in_fresh_root(tmp, deb):
    # ca-certificates is in every Debian install but the bare "apt" variant;
    # libcurl3-gnutls (ACME) recommends it: it is the system's, not ours to
    # leave behind or to purge
    root = make_root(tmp, "root-apt", "apt", ["--include=ca-certificates"])
    shutil.copy("/etc/resolv.conf", os.path.join(root, "etc", "resolv.conf"))
    before = snapshot(root)
    shutil.copy(deb, os.path.join(root, "tmp"))
    log("apt-get install ./%s in the fresh root" % os.path.basename(deb))
    in_root(root, "apt-get", "update", "-qq")
    r = in_root(root, "apt-get", "install", "-y", "-q", "/tmp/" + os.path.basename(deb),
                env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"), check=False)
    if not T.check(r.returncode == 0, "apt-get install ./deb: %s%s" % (r.stdout[-2000:], r.stderr[-2000:])):
        return
    r = in_root(root, "mailconfd", "--check", "--config", "/etc/mailconfd/mailconfd.json", check=False)
    T.check(r.returncode == 0 and r.stdout == "configuration OK\n", "installed --check: %r %r" % (r.stdout, r.stderr))
    # the packaged defaults, and no build path in the binary (Debian's
    # reproducible builds): a bare --check reads /etc/mailconfd
    r = in_root(root, "mailconfd", "--check", check=False)
    T.check(r.returncode == 0 and r.stdout == "configuration OK\n" and
            "/etc/mailconfd/mailconfd.json" in r.stderr, "bare --check: %r %r" % (r.stdout, r.stderr))
    r = in_root(root, "mailconfd", "--help", check=False)
    T.check("(default: /etc/mailconfd/mailconfd.json)" in r.stdout and
            "(default: /usr/share/mailconfd/templates)" in r.stdout, "--help: %r" % r.stdout[:300])
    binary = open(os.path.join(root, "usr/bin/mailconfd"), "rb").read()
    T.check(os.path.dirname(deb).encode() not in binary,
            "no build path in the packaged binary")
    serve_one(["chroot", root, "/usr/bin/mailconfd", "--config", "/etc/mailconfd/mailconfd.json",
               "--listen", "127.0.0.1", "--port", "0"])
    wants = os.path.join(root, "etc/systemd/system/multi-user.target.wants/mailconfd.service")
    T.check(os.path.islink(wants), "the unit is enabled (multi-user.target.wants)")
    T.check("dh_installsystemd --no-start" in open(os.path.join(ROOT, "debian", "rules")).read(),
            "the unit is not started by the installation")
    log("apt-get purge")
    in_root(root, "apt-get", "purge", "-y", "-q", "mailconfd",
            env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    in_root(root, "apt-get", "autoremove", "--purge", "-y", "-q",
            env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    left = sorted(snapshot(root) - before)
    # deb-systemd-helper's own state of what it enabled, which policy allows
    left = [f for f in left if not f.startswith("./var/lib/systemd/deb-systemd-helper")]
    T.check(not left, "nothing left after purge: %r" % left[:20])


def image(tmp):
    base = make_root(tmp, "root-slim.tar", "minbase", SLIM)
    store = ["--root", os.path.join(tmp, "storage"), "--runroot", os.path.join(tmp, "run")]
    log("podman import + build")
    sh(*PODMAN, *store, "import", base, "debian:12-slim")
    ctx = os.path.join(tmp, "ctx")
    source_copy(ctx)
    r = sh(*PODMAN, *store, "build", "--isolation=chroot", "--network=host", "-t", "mailconfd:test", ctx,
           check=False)
    if not T.check(r.returncode == 0, "podman build: %s%s" % (r.stdout[-3000:], r.stderr[-3000:])):
        return
    info = json.loads(sh(*PODMAN, *store, "image", "inspect", "mailconfd:test").stdout)[0]
    cfg = info.get("Config", {})
    user = cfg.get("User", "")
    T.check(user not in ("", "root", "0"), "the image runs as a non-root user: %r" % user)
    size = info.get("Size", 0)
    base = json.loads(sh(*PODMAN, *store, "image", "inspect", "debian:12-slim").stdout)[0].get("Size", 0)
    print("image size: %.1f MB (the slim base: %.1f MB, mailconfd's layers: %.1f MB)"
          % (size / 1e6, base / 1e6, (size - base) / 1e6), flush=True)
    mnt = sh(*PODMAN, *store, "image", "mount", "mailconfd:test").stdout.strip()
    try:
        entry = cfg.get("Entrypoint") or []
        r = sh("chroot", mnt, entry[0], "--check", "--config", "/etc/mailconfd/mailconfd.json", check=False)
        T.check(r.returncode == 0 and r.stdout == "configuration OK\n", "image --check: %r %r" % (r.stdout, r.stderr))
        port, admin = free_port(), free_port()
        serve_one(["chroot", "--userspec=%s" % user, mnt, *entry,
                   "--listen", "127.0.0.1", "--port", str(port), "--admin-listen", "127.0.0.1:%d" % admin])
        page = os.path.join(mnt, "usr/share/mailconfd/templates/setup.de.html")
        T.check(os.path.exists(page), "the image has the setup page's templates")
    finally:
        sh(*PODMAN, *store, "image", "unmount", "mailconfd:test", check=False)


def can_run():
    for tool in ("mmdebstrap", "podman", "dpkg-buildpackage", "lintian"):
        if shutil.which(tool) is None:
            return "%s is not installed (contrib/install-deps --test installs it)" % tool
    r = subprocess.run(PODMAN + ["--root", "/tmp/mailconfd-podman-probe", "info"], capture_output=True, text=True)
    if r.returncode != 0:
        return "podman cannot run here: %s" % r.stderr.strip()[-300:]
    return None


def main():
    why = can_run()
    if why:
        print("SKIPPED: " + why)
        print("0 passed, 0 failed, 1 skipped")
        return 0
    tmp = tempfile.mkdtemp(prefix="mailconfd-packages-", dir="/var/tmp")
    t0 = time.time()
    try:
        deb = build_deb(tmp)
        deb_in_fresh_root(tmp, deb)
        image(tmp)
    finally:
        subprocess.run(["umount", "-R", os.path.join(tmp, "root-apt", "proc")], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    print("packages: %.0f s" % (time.time() - t0))
    return T.done()


if __name__ == "__main__":
    sys.exit(main())
