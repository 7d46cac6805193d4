"""python -m benchmarks.forward_chunks — chunk-size sweep for dualad.forward.default_chunk.

Times dualad.gradient(f, x, chunk_size=k) for k in CHUNKS (1, 2, ..., 64) below n,
n itself and the default on W2 (scalar loop) and W3 (whole-array NumPy) at several
n (W2 at n = 1024 from k = 16), each relative to the best k for that n (1.00 =
fastest).  Every gradient is checked against the hand-written one before it is timed.
"""

from __future__ import annotations

import argparse

import numpy as np

import dualad

from . import workloads as W
from .engines import chunk_for
from .timing import FULL, QUICK, TINY, machine_line, measure, once

CHUNKS = (1, 2, 4, 8, 12, 16, 32, 64)


def sweep(workload: str, sizes, budget, smallest: int = 1) -> list[dict]:
    """Rows for each n; chunk sizes below `smallest` are left out (too slow at large n)."""
    rows = []
    for n in sizes:
        case = W.WORKLOADS[workload](n)
        ks = sorted({k for k in CHUNKS if smallest <= k < n} | {n, chunk_for(n)})
        times = {}
        for k in ks:
            def fn(k=k):
                return dualad.gradient(case.f, *case.args, chunk_size=k)
            g, first = once(fn)
            err = np.max(np.abs(W.flat(g) - case.reference)) / np.max(np.abs(case.reference))
            if err > 1e-12:
                raise AssertionError(f"{workload} n={n} chunk_size={k}: gradient off by {err}")
            times[k] = measure(fn, first, budget).seconds
        best = min(times.values())
        rows.append({"workload": workload, "n": n, "default": chunk_for(n),
                     "seconds": times, "relative": {k: t / best for k, t in times.items()}})
    return rows


def render(rows) -> str:
    head = f"{'work':<5}{'n':>6}  " + "".join(f"{'k=' + str(k):>9}" for k in CHUNKS) + \
        f"{'k=n':>9}   best{'':>14}default"
    lines = [head]
    for r in rows:
        n, rel = r["n"], r["relative"]
        cells = "".join(f"{rel[k]:9.2f}" if k in rel and k != n else f"{'':>9}" for k in CHUNKS)
        cells += "".join(f"  k={k}: {rel[k]:.2f}" for k in sorted(rel) if k not in CHUNKS
                         and k != n)
        best = min(r["seconds"], key=r["seconds"].get)
        d = r["default"]
        fastest = f"k={best} ({r['seconds'][best] * 1e3:.3g} ms)"
        lines.append(f"{r['workload']:<5}{n:>6}  {cells}{rel[n]:9.2f}   {fastest:<18}"
                     f"k={d}: {rel[d]:.2f}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.forward_chunks")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--tiny", action="store_true")
    o = ap.parse_args(argv)
    budget = TINY if o.tiny else QUICK if o.quick else FULL
    if o.tiny:
        plan = {"W2": [4, 16], "W3": [16]}
    elif o.quick:
        plan = {"W2": [16, 64], "W3": [64, 1000]}
    else:
        plan = {"W2": [8, 16, 32, 64, 128, 256], "W3": [16, 64, 256, 1000, 4000]}
    print(machine_line())
    print("gradient time / time at the best chunk size, per n; k=n is one pass with n "
          "directions; 'default' is what dualad.gradient picks for n")
    rows = [r for w, sizes in plan.items() for r in sweep(w, sizes, budget)]
    if not (o.tiny or o.quick):
        rows += sweep("W2", [1024], budget, smallest=16)
    print(render(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
