#!/usr/bin/env python3
"""The documents' sample answers are golden files: in README.md and
docs/*.md, the block after each '<!-- golden: CASE/NAME.EXT ... -->'
marker must equal that file byte for byte, and the curl commands must ask
what those golden cases ask."""
import glob
import os
import re
import sys


def main(readme_path, golden_dir):
    docs = os.path.join(os.path.dirname(os.path.abspath(readme_path)), "docs")
    text = "".join(open(p, encoding="utf-8").read()
                   for p in [readme_path] + sorted(glob.glob(os.path.join(docs, "*.md"))))
    blocks = re.findall(r"<!-- golden: (\S+)[^>]*-->\n```\w*\n(.*?)```", text, re.S)
    passed = failed = 0
    for name, block in blocks:
        want = open(os.path.join(golden_dir, name), encoding="utf-8").read()
        if block == want:
            passed += 1
        else:
            failed += 1
            print("README block for %s differs from the golden file" % name, file=sys.stderr)
    req = open(os.path.join(golden_dir, "faq", "requests.txt")).read()
    target = re.search(r"^readme GET (\S+) ", req, re.M).group(1)
    body = re.search(r"^readme-autodiscover POST \S+ \S+ (\S+)", req, re.M).group(1)
    for want, what in (("curl 'http://127.0.0.1:8080%s'" % target, "curl command does not ask"),
                       ("--data-binary @tests/golden/faq/%s " % body, "autodiscover curl does not post")):
        if want in text:
            passed += 1
        else:
            failed += 1
            print("README %s %s" % (what, want), file=sys.stderr)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or passed < 4 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
