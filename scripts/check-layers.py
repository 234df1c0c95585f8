#!/usr/bin/env python3
"""check-layers.py - holds the code to the layer map of docs/architecture.md.

    scripts/check-layers.py [BUILD_DIR]        (default: build)

The map is the ```layers block of docs/architecture.md: one line per layer,
lowest first, `layer: name name ...`, where a name stands for collector/NAME.c,
collector/NAME.h and include/NAME.h, and a trailing `*` is a prefix
(`cmd_*`).  A unit may use its own layer and the layers below it; it may not
use a layer above it, and no two units may use each other, directly or
through others (no cycles).  "Use" is read two ways:

  - includes: every `#include "x.h"` of a .c or .h file under collector/ and
    include/;
  - calls: the symbols an object file of BUILD_DIR leaves undefined that
    another object of the program defines (`nm`), which catches a call made
    through a declaration written in the wrong header.

Fails (exit 1) with one line per offence: a file the map does not name, an
include or call that points up, a cycle.  Like curl's checksrc, it is meant
to run in CI on every change."""
import os
import re
import subprocess
import sys
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_map():
    doc = os.path.join(ROOT, "docs", "architecture.md")
    text = open(doc, encoding="utf-8").read()
    m = re.search(r"^```layers\n(.*?)^```", text, re.S | re.M)
    if not m:
        sys.exit("docs/architecture.md: no ```layers block")
    layers = []  # [(layer name, [patterns])]
    for n, line in enumerate(m.group(1).splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, rest = line.partition(":")
        layers.append((name.strip(), rest.split()))
    return layers


def unit_layer(layers, unit):
    """The index of the layer that names unit (None if none does)."""
    for i, (_, pats) in enumerate(layers):
        for p in pats:
            if p == unit or (p.endswith("*") and unit.startswith(p[:-1])):
                return i
    return None


def source_files():
    out = []
    for d in ("collector", "include"):
        for f in sorted(os.listdir(os.path.join(ROOT, d))):
            if f.endswith((".c", ".h")):
                out.append(os.path.join(d, f))
    return out


def unit_of(path):
    return os.path.splitext(os.path.basename(path))[0]


def include_edges(files):
    edges = []  # (file, unit used, line number)
    inc = re.compile(r'^\s*#\s*include\s+"([^"]+)\.h"')
    for f in files:
        with open(os.path.join(ROOT, f), encoding="utf-8", errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                m = inc.match(line)
                if m:
                    edges.append((f, os.path.basename(m.group(1)), n))
    return edges


def call_edges(build):
    """(object's unit, unit defining a symbol it uses, symbol) from nm."""
    objs = []
    for top in ("CMakeFiles/dwcore.dir", "CMakeFiles/dextwatch.dir"):
        d = os.path.join(build, top, "collector")
        if os.path.isdir(d):
            objs += [os.path.join(d, f) for f in sorted(os.listdir(d)) if f.endswith(".c.o")]
    if not objs:
        sys.exit(f"{build}: no object files (build first)")
    defined, undefined = {}, defaultdict(set)
    for o in objs:
        unit = os.path.basename(o)[: -len(".c.o")]
        nm = subprocess.run(["nm", "-P", o], capture_output=True, text=True, check=True)
        for line in nm.stdout.splitlines():
            parts = line.split()
            if len(parts) < 2:
                continue
            sym, kind = parts[0], parts[1]
            if kind == "U":
                undefined[unit].add(sym)
            elif kind in "TDBR" and kind.isupper():
                defined[sym] = unit
    edges = []
    for unit, syms in undefined.items():
        for s in sorted(syms):
            if s in defined and defined[s] != unit:
                edges.append((unit, defined[s], s))
    return edges


def find_cycles(graph):
    """Strongly connected components of more than one unit (Tarjan)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
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
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build")
    layers = read_map()
    names = [n for n, _ in layers]
    files = source_files()
    bad = []
    for f in files:
        if unit_layer(layers, unit_of(f)) is None:
            bad.append(f"{f}: not in the layer map of docs/architecture.md")
    # The graph's nodes are files: a header and the sources that implement it
    # are different nodes (a header is shared by its module's sources), so a
    # cycle is either sources calling each other round or headers including
    # each other round.
    graph = defaultdict(set)

    def use(src, dst, src_node, dst_node, where, how):
        ls, ld = unit_layer(layers, src), unit_layer(layers, dst)
        if ls is None or ld is None or src_node == dst_node:
            return
        graph[src_node].add(dst_node)
        if ld > ls:
            bad.append(f"{where}: {src} ({names[ls]}) {how} {dst} ({names[ld]}), a layer above")

    headers = {os.path.basename(f): f for f in files if f.endswith(".h")}
    for f, dst, n in include_edges(files):
        use(unit_of(f), dst, f, headers.get(dst + ".h", dst + ".h"), f"{f}:{n}", "includes")
    for src, dst, sym in call_edges(build):
        use(src, dst, f"collector/{src}.c", f"collector/{dst}.c", f"collector/{src}.c",
            f"calls {sym} of")
    for comp in find_cycles(graph):
        bad.append("cycle: " + " <-> ".join(comp))
    for line in bad:
        print(line)
    if bad:
        print(f"check-layers: {len(bad)} offence(s) against docs/architecture.md", file=sys.stderr)
        return 1
    print(f"check-layers: {len(files)} files on {len(layers)} layers, no upward use, no cycle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
