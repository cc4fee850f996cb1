#!/usr/bin/env python3
"""The documents say what is true:
- both man pages render with `man -l` and no warning;
- the example table in mailconfd.json(5) and the README's minimal table
  pass `mailconfd --check`;
- every key the settings loader accepts is named in mailconfd.json(5);
- every server/*.c file stands in the layout map of docs/internals.md;
- every document the README links to exists.
Prints "N passed, N failed"."""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from daemon import Checks  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


T = Checks()  # the e2e suites' counter and closing line


def man_pages():
    for page in ("mailconfd.8", "mailconfd.json.5"):
        r = subprocess.run(["man", "--warnings", "-l", os.path.join(ROOT, "contrib", "man", page)],
                           capture_output=True, text=True, env=dict(os.environ, MANWIDTH="80",
                                                                     MAN_KEEP_FORMATTING="0"))
        T.check(r.returncode == 0 and r.stderr.strip() == "" and len(r.stdout) > 1000,
                "man -l %s: %s" % (page, r.stderr[:300]))


def man_example():
    text = open(os.path.join(ROOT, "contrib", "man", "mailconfd.json.5")).read()
    block = text.split(".SH EXAMPLE", 1)[1].split(".EX\n", 1)[1].split(".EE", 1)[0]
    return block.replace("\\-", "-")


def readme_table():
    text = open(os.path.join(ROOT, "README.md")).read()
    return re.search(r"<!-- checked: tests/docs/docs_test.py[^>]*-->\n```json\n(.*?)```", text, re.S).group(1)


def tables_check(binary):
    with tempfile.TemporaryDirectory() as d:
        for name, body in (("man-example.json", man_example()), ("readme.json", readme_table())):
            path = os.path.join(d, name)
            open(path, "w").write(body)
            open(os.path.join(d, "domains.txt"), "w").write("listed.example\n")
            json.loads(body)
            r = subprocess.run([binary, "--check", "--config", path], capture_output=True, text=True)
            T.check(r.returncode == 0 and r.stdout == "configuration OK\n",
                    "%s: %s%s" % (name, r.stdout, r.stderr))


def keys_documented():
    man = open(os.path.join(ROOT, "contrib", "man", "mailconfd.json.5")).read().replace("\\-", "-")
    keys = set()
    for src in ("settings.c", "settings_account.c", "settings_directory.c", "server_limits.c"):
        text = open(os.path.join(ROOT, "server", src)).read()
        for arr in re.findall(r"keys\[\]\s*=\s*\{(.*?)\}", text, re.S):
            keys.update(re.findall(r'"([a-z_]+)"', arr))
        if src == "server_limits.c":
            keys.update(re.findall(r'\{"([a-z_]+)",', text))
    T.check(len(keys) > 20, "found the loader's keys: %r" % sorted(keys))
    for k in sorted(keys):
        T.check(re.search(r"(^|[\s(\"])%s([\s,.)\"]|$)" % re.escape(k), man, re.M) is not None,
                "key %s is not documented in mailconfd.json(5)" % k)


def layout_map():
    text = open(os.path.join(ROOT, "docs", "internals.md")).read()
    block = text.split("## Layout", 1)[1]
    for path in sorted(glob.glob(os.path.join(ROOT, "server", "*.c")) +
                       glob.glob(os.path.join(ROOT, "server", "sources", "*.c"))):
        name = os.path.relpath(path, os.path.join(ROOT, "server"))
        T.check(re.search(r"^\s+%s\s" % re.escape(name), block, re.M) is not None,
                "server/%s is missing from the layout map in docs/internals.md" % name)


def links():
    text = open(os.path.join(ROOT, "README.md")).read()
    for target in re.findall(r"\]\(([^)#]+)\)", text):
        T.check(os.path.exists(os.path.join(ROOT, target)), "README links to a missing %s" % target)


def main(binary):
    man_pages()
    tables_check(binary)
    keys_documented()
    layout_map()
    links()
    return T.done()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
