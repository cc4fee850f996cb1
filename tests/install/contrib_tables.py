#!/usr/bin/env python3
"""Every table we ship is valid for the daemon we ship: profiles/*.json,
the provider example with its domain list, and the table inside the
Kubernetes ConfigMap (read with PyYAML). `mailconfd --check` must say
"configuration OK" for each. The contrib/directory tables need their
database: tests/directory/test_directory.py loads each against the real
server."""
import glob
import os
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def check(binary, path):
    r = subprocess.run([binary, "--check", "--config", path], capture_output=True, text=True)
    return r.returncode == 0 and r.stdout == "configuration OK\n", r.stderr


def main(binary):
    passed = failed = 0
    tables = sorted(glob.glob(os.path.join(ROOT, "profiles", "*.json")))
    tables.append(os.path.join(ROOT, "contrib", "provider-example", "mailconfd.json"))
    with tempfile.TemporaryDirectory() as tmp:
        docs = list(yaml.safe_load_all(open(os.path.join(ROOT, "contrib", "kubernetes", "mailconfd.yaml"))))
        cm = [d for d in docs if d["kind"] == "ConfigMap"][0]
        path = os.path.join(tmp, "k8s.json")
        open(path, "w").write(cm["data"]["mailconfd.json"])
        tables.append(path)
        for t in tables:
            ok, err = check(binary, t)
            if ok:
                passed += 1
            else:
                failed += 1
                print("FAILED: %s: %s" % (t, err))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or passed < 3 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
