"""The loop the check_*.py scripts share: every golden file of a kind in
the given folders goes through a parser we did not write (the script's
check()), a parse failure is a finding, and the run ends with the
"N passed, N failed" line."""
import glob
import os
import sys


def run(dirs, patterns, check, select=lambda path: True):
    """check(path) returns a list of problems; returns (passed, failed)."""
    passed = failed = 0
    for d in dirs:
        paths = [p for pat in patterns for p in glob.glob(os.path.join(d, pat))]
        for path in sorted(p for p in paths if select(p)):
            try:
                problems = check(path)
            except Exception as e:  # a parse failure is a finding
                problems = ["%s: %s" % (type(e).__name__, e)]
            if problems:
                failed += 1
                for p in problems:
                    print("%s: %s" % (path, p), file=sys.stderr)
            else:
                passed += 1
    return passed, failed


def report(passed, failed):
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0
