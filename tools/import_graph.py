"""Print the import graph of fep_core: one line per module with its layer (0: imports nothing of
fep_core; else 1 + the highest module it imports) and the fep_core modules it imports (anywhere
in the file, function bodies included), then the import cycles and every reach into another
module's private names. The source is read, not imported (:mod:`fep_core._sources`).

Usage: python tools/import_graph.py
"""
from __future__ import annotations

import sys

from fep_core import _sources


def layers(edges):
    """Height of each module in the graph ``edges`` (module -> imported modules)."""
    memo = {}

    def height(v, seen=()):
        if v not in memo:
            memo[v] = 1 + max((height(w, seen + (v,)) for w in edges[v] if w not in seen),
                              default=-1)
        return memo[v]

    return {v: height(v) for v in edges}


def main():
    scans = {m: _sources.scan(m) for m in _sources.modules()}
    edges = {m: set(s.edges) for m, s in scans.items()}
    h = layers(edges)
    for v in sorted(edges, key=lambda m: (h[m], m)):
        deps = ", ".join(sorted(d.partition(".")[2] or d for d in edges[v]))
        print(f"{h[v]:2d}  {v:32s} <- {deps}")
    print(f"\n{len(edges)} modules, {sum(len(d) for d in edges.values())} imports")
    cyc = _sources.cycles(edges)
    print(f"cycles: {len(cyc)}" + "".join(f"\n  {' <-> '.join(c)}" for c in cyc))
    private = [(m, p) for m, s in scans.items() for p in s.private]
    print(f"private names reached: {len(private)}" + "".join(f"\n  {m}: {p}" for m, p in private))
    return 0


if __name__ == "__main__":
    sys.exit(main())
