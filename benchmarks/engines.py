"""dualad's engines as benchmark contestants.

Each engine is prepare(case) -> a zero-argument callable computing the case's
derivative (its result goes through `flat` for verification), or raises Skip
with a one-line reason (engine not importable, feature missing, too costly).
"""

from __future__ import annotations

import importlib
import time

import numpy as np

import dualad

from .workloads import Case


class Skip(Exception):
    """This engine does not run on this case; the message says why."""


class NotApplicable(Skip):
    """This engine is not meant for this workload (no table row at all)."""


def chunk_for(n: int) -> int:
    """Directions per pass dualad.gradient uses for n inputs by default."""
    fwd = dualad.forward
    if hasattr(fwd, "default_chunk"):
        return int(fwd.default_chunk(n))
    return int(getattr(fwd, "DEFAULT_CHUNK", 8))


def _forward_jvp(case: Case):
    f, args, tangents = case.f, case.args, case.tangents
    return lambda: dualad.jvp(f, args, tangents)[1]


def _forward(case: Case):
    f, args = case.f, case.args
    n = sum(int(np.size(a)) for a in args)
    passes = -(-n // chunk_for(n))
    if passes > 20_000:
        raise Skip(f"{n:,} inputs = {passes:,} forward passes; use forward-jvp or reverse")
    if case.kind == "gradient":
        return lambda: dualad.gradient(f, *args)
    return lambda: dualad.jacobian(f, *args)


def _forward_k8(case: Case):
    if case.workload not in ("W2", "W3"):
        raise NotApplicable("fixed-chunk forward only on the n sweeps W2, W3")
    f, args = case.f, case.args
    return lambda: dualad.gradient(f, *args, chunk_size=8)


def reverse_module():
    """The `reverse` package if its functional API has landed, else None."""
    try:
        rev = importlib.import_module("reverse")
    except ImportError:
        return None
    return rev if hasattr(rev, "gradient") else None


def _reverse(case: Case):
    rev = reverse_module()
    if rev is None:
        raise Skip("reverse.gradient not available yet")
    f, args = case.f, case.args
    if case.kind == "gradient":
        return lambda: rev.gradient(f, *args)
    if not hasattr(rev, "jacobian"):
        raise Skip("reverse.jacobian not available yet")
    return lambda: rev.jacobian(f, *args)


def _compiled(case: Case):
    if not hasattr(dualad, "compile"):
        raise Skip("dualad.compile not available yet")
    scalar_in = len(case.args) == 1 and np.ndim(case.args[0]) == 0
    if case.kind != "gradient" and not scalar_in:
        raise Skip("compiled engine: Jacobians only of one scalar input (one jvp)")
    args = case.args

    def compiled():
        g = dualad.compile(case.f, *args)
        if case.kind == "gradient":
            def call():
                return g.gradient(*args)
        else:
            def call():
                return g.jvp(args, (1.0,))[1]      # R -> R^m: the whole Jacobian column
        call()      # code is generated lazily on the first call: count it as compiling
        return call

    # compile time: to the end of the first call, the median of COMPILE_RUNS fresh
    # compiles (the code cache cleared: the same trace would reuse its code)
    times = []
    for _ in range(COMPILE_RUNS):
        importlib.import_module("dualad.compile")._CODE.clear()
        t0 = time.perf_counter()
        call = compiled()
        times.append(time.perf_counter() - t0)
        if times[-1] > 1.0:
            break
    case.extra["compile_seconds"] = sorted(times)[(len(times) - 1) // 2]
    return call


COMPILE_RUNS = 3


def _backprop(case: Case):
    if case.workload == "W4":
        grad, args = case.extra["backprop"], case.args
        return lambda: grad(*args)
    if case.workload == "W3":
        x = case.args[0]

        def grad():
            return 1 / x + np.roll(x, -1) + np.roll(x, 1) - np.cos(x)
        return grad
    raise NotApplicable("hand-written gradient only for W3 and W4")


# name -> (prepare, what it computes); order = table order
ENGINES = {
    "forward-jvp": (_forward_jvp, "dualad.jvp, one direction"),
    "forward": (_forward, "dualad.gradient / jacobian, chunked"),
    "forward-k8": (_forward_k8, "dualad.gradient(chunk_size=8): ceil(n/8) passes"),
    "reverse": (_reverse, "reverse.gradient / jacobian"),
    "compiled": (_compiled, "dualad.compile(f).gradient, .jvp for W5 (compile time = "
                 "compile + first call, reported apart)"),
    "numpy-backprop": (_backprop, "hand-written NumPy gradient"),
}
