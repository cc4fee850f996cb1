#!/usr/bin/env python3
"""The setup page on the real daemon: language by Accept-Language and by
?lang=, personalised by ?email=, the profile link it offers works, and
headless Chromium (Debian's chromium) renders it at phone and desktop
widths; the screenshots are kept in ARTIFACTS for a person to look at."""
import os
import re
import struct
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from daemon import ROOT, Checks, Daemon  # noqa: E402

WIDTHS = {"phone": (390, 2600), "desktop": (1280, 2000)}


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    return struct.unpack(">II", head[16:24]) if head[:8] == b"\x89PNG\r\n\x1a\n" else (0, 0)


def screenshot(url, path, size):
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                        "--no-first-run", "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--hide-scrollbars", "--user-data-dir=" + profile,
                        # the customer's name, resolved to the test daemon only
                        "--host-resolver-rules=MAP autoconfig.example.org 127.0.0.1",
                        "--window-size=%d,%d" % size, "--screenshot=" + path, url],
                       capture_output=True, timeout=90)


def qr_cached_pages(t, d, first):
    """The QR codes are kept per content (issue 25): the page drawn again
    from the cache is the same page, and another address gets its own QR
    codes, not the first one's."""
    _, _, again = d.request("GET", "/setup?email=alice%40example.org", host="autoconfig.example.org",
                            headers={"Accept-Language": "en"})
    t.check(again == first, "the page with kept QR codes equals the first drawing")
    _, _, bob = d.request("GET", "/setup?email=bob%40example.org", host="autoconfig.example.org",
                          headers={"Accept-Language": "en"})
    svgs = lambda b: re.findall(rb"<svg.*?</svg>", b, re.S)  # noqa: E731
    t.check(len(svgs(bob)) == 2 and not set(svgs(bob)) & set(svgs(first)),
            "another address: its own QR codes")


def main(binary, artifacts):
    t = Checks()
    os.makedirs(artifacts, exist_ok=True)
    d = Daemon(binary)
    try:
        st, h, body = d.request("GET", "/setup", host="autoconfig.example.org",
                                headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.8"})
        t.check(st == 200 and h.get("content-type") == "text/html; charset=utf-8" and
                b'<html lang="de">' in body, "German by Accept-Language")
        t.check("default-src 'none'" in h.get("content-security-policy", ""), "CSP header")
        st, _, body = d.request("GET", "/?lang=en", host="example.org",
                                headers={"Accept-Language": "de"})
        t.check(st == 200 and b'<html lang="en">' in body, "?lang= overrides Accept-Language")
        q = urllib.parse.quote("alice@example.org")
        st, _, body = d.request("GET", "/setup?email=" + q, host="autoconfig.example.org",
                                headers={"Accept-Language": "en"})
        t.check(st == 200 and b'value="alice@example.org"' in body and b"<svg" in body,
                "personalised page with QR codes")
        qr_cached_pages(t, d, body)
        href = body.split(b'class="button" href="')[1].split(b'"')[0].decode().replace("&amp;", "&")
        st, h, prof = d.request("GET", href, host="autoconfig.example.org")
        t.check(st == 200 and h.get("content-type") == "application/x-apple-aspen-config",
                "the page's profile link downloads the profile: %s %d" % (href, st))
        st, _, _ = d.request("GET", "/setup", host="www.example.net")
        t.check(st == 404, "not hosted: %d" % st)
        shots = [("de-personal", "autoconfig.example.org", "/setup?email=alice%40example.org&lang=de"),
                 ("en-generic", "autoconfig.example.org", "/?lang=en"),
                 ("front-de", "localhost", "/?lang=de")]  # the service's own front page
        for name, host, url in shots:
            for kind, size in WIDTHS.items():
                path = os.path.join(artifacts, "setup-%s-%s.png" % (name, kind))
                if os.path.exists(path):
                    os.unlink(path)
                screenshot("http://%s:%d%s" % (host, d.port, url), path, size)
                w, hgt = png_size(path) if os.path.exists(path) else (0, 0)
                t.check(w == size[0] and hgt == size[1], "%s screenshot %dx%d" % (path, w, hgt))
                print("screenshot:", path)
        lines = [l for l in d.log_text().splitlines()
                 if l.startswith("access:") and "closed before" not in l]  # preconnects
        n = len(shots) * len(WIDTHS)
        t.check(sum(1 for l in lines[-n:] if " 200 " in l and ("GET / " in l or "GET /setup " in l)) == n,
                "Chromium got the pages (200): %r" % lines[-n:])
    finally:
        t.check(d.stop() == 0, "clean exit")
    # a table with calendars and contacts: the page's own section
    dav = os.path.join(ROOT, "tests", "golden", "dav", "settings.json")
    d = Daemon(binary, config=dav)
    try:
        st, _, body = d.request("GET", "/setup?email=alice%40example.org&lang=en",
                                host="autoconfig.example.org")
        t.check(st == 200 and b'<section id="dav">' in body and
                b"https://dav.example.org/remote.php/dav/" in body and
                b"https://dav.example.org:8443/remote.php/dav/" in body,
                "the calendar and contacts section with the domain's URLs")
        for kind, (width, _) in WIDTHS.items():
            size = (width, 7000)  # the whole page: the section is near its end
            path = os.path.join(artifacts, "setup-dav-en-%s.png" % kind)
            if os.path.exists(path):
                os.unlink(path)
            screenshot("http://autoconfig.example.org:%d/setup?email=alice%%40example.org&lang=en"
                       % d.port, path, size)
            w, hgt = png_size(path) if os.path.exists(path) else (0, 0)
            t.check(w == size[0] and hgt == size[1], "%s screenshot %dx%d" % (path, w, hgt))
            print("screenshot:", path)
    finally:
        t.check(d.stop() == 0, "clean exit (DAV table)")
    return t.done()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
