#!/usr/bin/env python3
"""The house's shape, checked on every build (issue 21):

1. server/'s include graph has no cycle. The graph is what the compiler
   itself says: `CC -MM` with each file's flags from the build's
   compile_commands.json; a module is a .c with its .h (directory_lookup.c
   and directory_lookup.h are one), and an edge joins two modules when one
   includes the other's header.
2. No function in server/ is 60 lines or longer (from the line of its name
   to its closing brace, the house's brace style: both at column 0).

Prints the cycles or the long functions and exits 1; else the figures
(modules, edges, functions, median, p90, max) and 0.

usage: shape.py BUILD_DIR SOURCE_DIR
"""
import json
import os
import shlex
import statistics
import subprocess
import sys

LONGEST = 60


def module(path):
    return os.path.splitext(os.path.relpath(path))[0]


def edges_of(entry, src):
    args = shlex.split(entry["command"]) if "command" in entry else list(entry["arguments"])
    cc, flags = args[0], []
    skip = False
    for a in args[1:]:  # keep -I, -D, -std, -f...; drop -o/-c and the file
        if skip:
            skip = False
            continue
        if a in ("-o", "-c", "-MF", "-MT", "-MQ"):
            skip = a != "-c"
            continue
        if a.endswith(".c") or a.startswith("-W"):
            continue
        flags.append(a)
    out = subprocess.run([cc, *flags, "-MM", entry["file"]], cwd=entry["directory"],
                         capture_output=True, text=True, check=True).stdout
    deps = out.replace("\\\n", " ").split(":", 1)[1].split()
    here = module(entry["file"])
    return here, {module(os.path.join(entry["directory"], d)) for d in deps
                  if d.endswith(".h") and os.path.abspath(os.path.join(entry["directory"], d)).startswith(src)}


def cycles(graph):
    """Tarjan's strongly connected components of more than one module."""
    index, low, stack, on, found, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def functions(path):
    """(name, lines) of each function definition in a C file."""
    lines = open(path, encoding="utf-8").read().split("\n")
    out, start = [], None
    for i, line in enumerate(lines):
        if start is None and line == "{" and i > 0:
            j = i - 1  # back to the line that starts the signature
            while j > 0 and (lines[j].startswith(("\t", " ")) or lines[j] == ""):
                j -= 1
            if "(" in lines[j] or "(" in lines[j + 1 if j + 1 < i else j]:
                start = j
        elif start is not None and line == "}":
            out.append((f"{os.path.basename(path)}:{start + 1}", i - start + 1))
            start = None
    return out


def main():
    build, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    server = os.path.join(src, "server")
    os.chdir(src)
    entries = [e for e in json.load(open(os.path.join(build, "compile_commands.json")))
               if os.path.abspath(e["file"]).startswith(server + os.sep)]
    graph = {}
    for e in entries:
        here, deps = edges_of(e, server)
        graph.setdefault(here, set()).update(d for d in deps if d != here)
    bad = 0
    for comp in cycles(graph):
        print("include cycle:", " <-> ".join(comp))
        bad = 1
    funcs = [f for e in entries for f in functions(e["file"])]
    for name, n in funcs:
        if n >= LONGEST:
            print(f"function at {name} has {n} lines (the house's limit: under {LONGEST})")
            bad = 1
    sizes = sorted(n for _, n in funcs)
    p90 = sizes[int(len(sizes) * 0.9)] if sizes else 0
    print(f"{len(graph)} modules, {sum(map(len, graph.values()))} include edges (transitive), "
          f"{len(funcs)} functions: median {statistics.median(sizes) if sizes else 0} "
          f"lines, p90 {p90}, max {sizes[-1] if sizes else 0}")
    return bad


if __name__ == "__main__":
    sys.exit(main())
