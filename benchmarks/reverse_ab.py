"""Old vs new reverse engine, interleaved: issue #3's workloads side by side.

    PYTHONPATH=$PWD python -m benchmarks.reverse_ab [--ref main] [--rounds 5] [--only W1,W2]

Extracts `git archive <ref>` (dualad/, reverse/, benchmarks/) into a temporary
directory and runs this script's --child mode alternately against that tree and
this one, in fresh processes, one round each at a time (the order flips every
round); prints the medians of both and new/old ratios.  The machine is shared:
only ratios taken side by side mean much.

Measured per round (each a median of a few repeats of >= 50 ms):
  W1      reverse.gradient of log(x1) + x1*x2 - sin(x2) at (2, 5), µs
  W2      scalar loop n=1024, µs per recorded op (8 per term) incl. the sweep
  chain   y = y*c + d repeated 1024 times (2048 ops), µs per op
  W3-10   sum(log(x) + x*roll(x) - sin(roll(x))) at n=10, µs
  W3-1e5  the same at n=1e5, ratio to plain NumPy evaluation (alternating blocks)
  W4      784-512-512-10 MLP batch 256, ratio to hand-written NumPy backprop
  mem     W2 n=1024 tape, tracemalloc peak bytes per recorded op
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
METRICS = ("W1", "W2", "chain", "W3-10", "W3-1e5", "W4", "mem")
UNITS = {"W1": "µs", "W2": "µs/op", "chain": "µs/op", "W3-10": "µs", "W3-1e5": "x numpy",
         "W4": "x backprop", "mem": "B/op"}


def _per_call(fn, min_repeat=0.05, repeats=5):
    fn()
    k = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(k):
            fn()
        if time.perf_counter() - t0 >= min_repeat / 4 or k >= 1 << 20:
            break
        k *= 2
    number = max(1, int(k * 4))
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return statistics.median(times)


def _ratio(fn, base, blocks=7):
    """Median over alternating blocks of (time of fn) / (time of base)."""
    fn()
    base()
    tf = _per_call(fn, 0.02, 1)
    tb = _per_call(base, 0.02, 1)
    nf = max(1, int(0.05 / tf))
    nb = max(1, int(0.05 / tb))
    ratios = []
    for _ in range(blocks):
        t0 = time.perf_counter()
        for _ in range(nb):
            base()
        t1 = time.perf_counter()
        for _ in range(nf):
            fn()
        t2 = time.perf_counter()
        ratios.append(((t2 - t1) / nf) / ((t1 - t0) / nb))
    return statistics.median(ratios)


def child(only) -> dict:
    import numpy as np

    import reverse
    from benchmarks import workloads as W
    res = {}
    if "W1" in only:
        f = W.w1_function()
        res["W1"] = _per_call(lambda: reverse.gradient(f, 2.0, 5.0)) * 1e6
    if "W2" in only or "mem" in only:
        case = W.w2(1024)
        f, x = case.f, case.args[0]
        if "W2" in only:
            res["W2"] = _per_call(lambda: reverse.gradient(f, x), 0.2) * 1e6 / case.ops
        if "mem" in only:
            import tracemalloc
            gc.collect()
            tracemalloc.start()
            base = tracemalloc.get_traced_memory()[0]
            reverse.gradient(f, x)
            peak = tracemalloc.get_traced_memory()[1] - base
            tracemalloc.stop()
            res["mem"] = peak / case.ops
    if "chain" in only:
        def g(y):
            for _ in range(1024):
                y = y * 0.999 + 0.001
            return y
        res["chain"] = _per_call(lambda: reverse.gradient(g, 0.5), 0.2) * 1e6 / 2048
    if "W3-10" in only:
        case = W.w3(10)
        f, x = case.f, case.args[0]
        res["W3-10"] = _per_call(lambda: reverse.gradient(f, x)) * 1e6
    if "W3-1e5" in only:
        case = W.w3(100_000)
        f, x = case.f, case.args[0]
        res["W3-1e5"] = _ratio(lambda: reverse.gradient(f, x), lambda: f(x))
    if "W4" in only:
        case = W.w4(256)
        f, args, bp = case.f, case.args, case.extra["backprop"]
        assert np.allclose(W.flat(reverse.gradient(f, *args)), W.flat(bp(*args)))
        res["W4"] = _ratio(lambda: reverse.gradient(f, *args), lambda: bp(*args))
    return res


def extract(ref: str, into: str) -> None:
    data = subprocess.run(["git", "archive", ref, "dualad", "reverse", "benchmarks"],
                          cwd=ROOT, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")


def run(tree: str, only) -> dict:
    env = dict(os.environ, PYTHONPATH=tree)
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child",
                          "--only", ",".join(only)],
                         env=env, check=True, capture_output=True, text=True, cwd=tree).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv=None) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--ref", default="main")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--only", default=",".join(METRICS))
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    only = [m for m in a.only.split(",") if m]
    if a.child:
        print(json.dumps(child(only)))
        return
    with tempfile.TemporaryDirectory() as old:
        extract(a.ref, old)
        res = {"old": [], "new": []}
        for i in range(a.rounds):
            order = (("old", old), ("new", str(ROOT)))
            for w, tree in order if i % 2 == 0 else order[::-1]:
                res[w].append(run(tree, only))
        print(f"medians of {a.rounds} interleaved rounds (old = {a.ref}, fresh process each):")
        print(f"  {'':8} {'unit':>10} {'old':>9} {'new':>9} {'new/old':>8}  new per round")
        for k in only:
            o = statistics.median(r[k] for r in res["old"])
            m = statistics.median(r[k] for r in res["new"])
            rounds = " ".join(f"{r[k]:.3g}" for r in res["new"])
            print(f"  {k:<8} {UNITS[k]:>10} {o:9.3f} {m:9.3f} {m / o:8.3f}  {rounds}")


if __name__ == "__main__":
    main()
