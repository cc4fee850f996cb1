#!/usr/bin/env python3
"""Runs `mailconfd --check` on every broken table here and compares what it
says with NAME.expected, line for line; the exit code must be 1. A missing
file is checked too. The tables in one/ hold exactly one problem each (the
shipped table with one change): each must be refused with that one message,
so no check can report a problem and still let the load pass.
UPDATE_GOLDEN=1 rewrites the .expected files.
Prints "N passed, N failed"."""
import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run(daemon, name, cwd=HERE):
    r = subprocess.run([daemon, "--check", "--config", name], cwd=cwd,
                       capture_output=True, text=True, timeout=30)
    lines = [l for l in r.stderr.splitlines() if not l.startswith("info:")]
    return r.returncode, r.stdout, "\n".join(lines) + "\n"


def main(daemon):
    passed = failed = 0
    names = sorted(os.path.basename(p) for p in glob.glob(os.path.join(HERE, "*.json")))
    names.append("does-not-exist.json")
    for name in names:
        code, out, err = run(daemon, name)
        expected_path = os.path.join(HERE, name[:-5] + ".expected")
        if os.environ.get("UPDATE_GOLDEN"):
            open(expected_path, "w").write(err)
        want = open(expected_path).read()
        if code == 1 and err == want and "configuration OK" not in out:
            passed += 1
        else:
            failed += 1
            print("%s: exit %d, said:\n%s\nexpected:\n%s" % (name, code, err, want),
                  file=sys.stderr)
    one = os.path.join(HERE, "one")
    for name in sorted(os.path.basename(p) for p in glob.glob(os.path.join(one, "*.json"))):
        code, out, err = run(daemon, name, one)
        expected_path = os.path.join(one, name[:-5] + ".expected")
        if os.environ.get("UPDATE_GOLDEN"):
            open(expected_path, "w").write(err)
        want = open(expected_path).read()
        lines = err.splitlines()
        if (code == 1 and err == want and "configuration OK" not in out
                and len(lines) == 2 and lines[1] == name + ": 1 problem"):
            passed += 1
        else:
            failed += 1
            print("one/%s: exit %d, said:\n%s\nexpected exactly:\n%s" % (name, code, err, want),
                  file=sys.stderr)
    # many domains that only list themselves: --check suggests a file
    import json
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        t = json.load(open(os.path.join(HERE, "..", "..", "profiles", "hosting-faq.json")))
        t["domains"] = {"d%d.example" % i: {} for i in range(10001)}
        path = os.path.join(tmp, "many.json")
        json.dump(t, open(path, "w"))
        r = subprocess.run([daemon, "--check", "--config", path], capture_output=True, text=True,
                           timeout=60)
        if (r.returncode == 0 and r.stdout == "configuration OK\n" and
                "/domains: 10001 domains without settings of their own: a domain file" in r.stderr):
            passed += 1
        else:
            failed += 1
            print("many domains: %d %s" % (r.returncode, r.stderr), file=sys.stderr)
    # a warning (OAuth2 as a server's only or first method) does not fail
    # the table, but --check says it with the JSON path
    r = subprocess.run([daemon, "--check", "--config", "oauth2-only.json"],
                       cwd=os.path.join(HERE, "warn"), capture_output=True, text=True, timeout=30)
    if (r.returncode == 0 and r.stdout == "configuration OK\n" and
            "oauth2-only.json: /defaults/outgoing/0/auth: warning: OAuth2 is its only method" in r.stderr):
        passed += 1
    else:
        failed += 1
        print("warn/oauth2-only.json: exit %d: %s%s" % (r.returncode, r.stdout, r.stderr), file=sys.stderr)
    # and the shipped table is fine
    r = subprocess.run([daemon, "--check", "--config",
                        os.path.join(HERE, "..", "..", "profiles", "hosting-faq.json")],
                       capture_output=True, text=True, timeout=30)
    if r.returncode == 0 and r.stdout == "configuration OK\n":
        passed += 1
    else:
        failed += 1
        print("shipped table: exit %d: %s%s" % (r.returncode, r.stdout, r.stderr), file=sys.stderr)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
