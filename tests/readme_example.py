#!/usr/bin/env python3
"""The README's sample answer is a golden file: the block after each
'<!-- golden: CASE/NAME.EXT ... -->' marker must equal that file byte for
byte, and the README's curl command must ask what that golden case asks."""
import os
import re
import sys


def main(readme_path, golden_dir):
    text = open(readme_path, encoding="utf-8").read()
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
    if "curl 'http://127.0.0.1:8080%s'" % target in text:
        passed += 1
    else:
        failed += 1
        print("README curl command does not ask %s" % target, file=sys.stderr)
    body = re.search(r"^readme-autodiscover POST \S+ \S+ (\S+)", req, re.M).group(1)
    if "--data-binary @tests/golden/faq/%s " % body in text:
        passed += 1
    else:
        failed += 1
        print("README autodiscover curl does not post %s" % body, file=sys.stderr)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or passed < 4 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
