"""Where dualad.compile's time goes on a long scalar trace (issue #6: 10^4 ops ≤ 50 ms).

    PYTHONPATH=$PWD python -m benchmarks.compile_breakdown [n ...] [--rounds R]

For W2 (scalar loop, 8 recorded operations per term) at n terms: the time to the
first gradient (`dualad.compile(f, x)` then `g.gradient(x)`, as benchmarks.run
counts it) and its parts — recording the trace, writing the source, CPython's
`compile`, a later call, the garbage collection left for after the first
gradient — with two yardsticks measured in the same rounds:
`reverse.gradient` (one recorded evaluation plus its sweep) and the builtin
`compile` of N trivial statements ``v_i = x * y`` in one function.  Prints
medians over the rounds (machine noise: compare the ratios).
"""

from __future__ import annotations

import argparse
import builtins
import gc
import importlib
import json
import statistics
import time

import numpy as np

import dualad
import reverse
from benchmarks.workloads import w2
from dualad.wengert import record

C = importlib.import_module("dualad.compile")


def trivial_source(n: int) -> str:
    body = "".join(f"    v_{i} = x * y\n" for i in range(n))
    return f"def f(x, y):\n{body}    return x\n"


def one_round(n: int) -> dict:
    case = w2(n)
    f, (x,) = case.f, case.args
    t = {}
    C._CODE.clear()
    gc.collect()
    t0 = time.perf_counter()
    g = dualad.compile(f, x)
    grad = g.gradient(x)
    t["first gradient"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    gc.collect(0)   # what postponing the GC left for later (the youngest generation)
    t["then a gen-0 GC"] = time.perf_counter() - t0
    assert np.allclose(grad, case.reference, rtol=1e-12)
    # the parts, one by one (the cyclic GC postponed, as dualad.compile does)
    from dualad.codegen import Generator
    del g
    gc.collect()
    gc.disable()
    t0 = time.perf_counter()
    rec = record(f, x)
    t["record"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    gen = Generator(rec)
    src = gen.source("gradient", safe=False, notes=False)
    t["write source"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    code = builtins.compile(src, "<x>", "exec")
    t["builtin compile"] = time.perf_counter() - t0
    del code
    gc.enable()
    t["statements"] = sum(1 for line in src.splitlines() if line.strip())
    C._CODE.clear()
    g = dualad.compile(f, x)
    g.gradient(x)
    t0 = time.perf_counter()
    g.gradient(x)
    t["second call"] = time.perf_counter() - t0
    gc.collect()
    t0 = time.perf_counter()
    reverse.gradient(f, x)
    t["yardstick reverse.gradient"] = time.perf_counter() - t0
    triv = trivial_source(10_000)
    gc.collect()
    t0 = time.perf_counter()
    builtins.compile(triv, "<y>", "exec")
    t["yardstick compile 10^4 trivial"] = time.perf_counter() - t0
    return t


def main(argv=None) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("sizes", nargs="*", type=int, default=[1250])
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--json", action="store_true", help="print the medians as JSON")
    a = p.parse_args(argv)
    # warm up: the code generator is imported on first use (benchmarks.run has done so
    # at smaller sizes before it times n = 1024)
    dualad.compile(lambda x: np.sin(x) * x, 1.0).gradient(1.0)
    for n in a.sizes:
        one_round(n)    # discarded: the first round also grows the allocator's arenas
        rounds = [one_round(n) for _ in range(a.rounds)]
        med = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
        if a.json:
            print(json.dumps({"n": n, **med}))
            continue
        ops = 8 * n
        print(f"W2 n={n}: {ops} recorded ops, {med['statements']:.0f} compiled statements "
              f"(median of {a.rounds} rounds)")
        for k, v in med.items():
            if k == "statements":
                continue
            print(f"  {k:<32} {v * 1e3:8.2f} ms   {v * 1e3 * 1e4 / ops:8.2f} ms per 10^4 ops")
        first = med["first gradient"]
        rev = med["yardstick reverse.gradient"]
        print(f"  ratio first gradient / reverse.gradient        {first / rev:.2f}")
        print(f"  ratio first gradient / compile 10^4 trivial     "
              f"{first * 1e4 / ops / med['yardstick compile 10^4 trivial']:.2f} (per 10^4 ops)")


if __name__ == "__main__":
    main()
