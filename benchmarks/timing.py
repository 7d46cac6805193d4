"""Timing that can be trusted on a noisy machine: warm-up, repeats, medians.

measure(fn) -> Timing(median seconds per call, repeats, calls per repeat).
Each repeat runs fn `number` times so a repeat lasts at least `min_repeat`
seconds; the median over repeats is reported (robust to a stray slow repeat).
The garbage collector stays on, as in real use.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass

import numpy as np


@dataclass
class Timing:
    seconds: float          # median per call
    repeats: int
    number: int             # calls per repeat
    spread: float           # (max - min) / median over repeats


@dataclass
class Budget:
    min_repeat: float       # seconds one repeat should last at least
    repeats: int            # repeats wanted
    total: float            # soft limit on the seconds spent on one measurement
    cap: float              # a single call slower than this stops the sweep for that engine
    setup_cap: float        # same for one-time setup (jax.jit / dualad.compile + first call)


FULL = Budget(min_repeat=0.05, repeats=9, total=3.0, cap=6.0, setup_cap=60.0)
QUICK = Budget(min_repeat=0.02, repeats=5, total=0.4, cap=1.5, setup_cap=3.0)
TINY = Budget(min_repeat=0.002, repeats=3, total=0.02, cap=0.5, setup_cap=2.0)

clock = time.perf_counter


def once(fn) -> tuple[object, float]:
    """(fn(), seconds) for one call: the warm-up call whose result gets verified."""
    t0 = clock()
    result = fn()
    return result, clock() - t0


def measure(fn, first: float, budget: Budget) -> Timing:
    """Median seconds per call of fn, given the duration of a warm-up call `first`."""
    first = calibrate(fn, first, budget)
    number = max(1, int(budget.min_repeat / max(first, 1e-7)))
    per_repeat = first * number
    repeats = max(1, min(budget.repeats, int(budget.total / max(per_repeat, 1e-9))))
    if repeats < 3 and first < budget.cap / 3:
        repeats = 3
    times = []
    for _ in range(repeats):
        t0 = clock()
        for _ in range(number):
            fn()
        times.append((clock() - t0) / number)
    med = statistics.median(times)
    return Timing(med, repeats, number, (max(times) - min(times)) / med if med else 0.0)


def calibrate(fn, first: float, budget: Budget) -> float:
    """Steady-state seconds per call.  The first call may carry one-time costs (lazy
    initialisation in torch made it 1000x a warm call), so unless it was already
    slow, call fn 1, 2, 4, ... times until that takes min_repeat / 4."""
    if first > budget.min_repeat:
        return first
    k, spent = 1, 0.0
    while True:
        t0 = clock()
        for _ in range(k):
            fn()
        spent = clock() - t0
        if spent >= budget.min_repeat / 4 or k >= 1 << 20:
            return spent / k
        k *= 2


def measure_against(fn, first: float, base, base_first: float, budget: Budget):
    """(Timing of fn, Timing of base, median ratio): rounds alternate a block of base
    calls and a block of fn calls, and the ratio is taken round by round, so a burst
    of load from another process hits numerator and denominator alike."""
    first = calibrate(fn, first, budget)
    base_first = calibrate(base, base_first, budget)
    n_fn = max(1, int(budget.min_repeat / max(first, 1e-7)))
    n_base = max(1, int(budget.min_repeat / max(base_first, 1e-7)))
    per_round = first * n_fn + base_first * n_base
    rounds = max(1, min(budget.repeats, int(budget.total / max(per_round, 1e-9))))
    if rounds < 5 and first < budget.cap / 5:
        rounds = 5 if budget.repeats >= 5 else budget.repeats
    tf, tb, ratios = [], [], []
    for _ in range(rounds):
        t0 = clock()
        for _ in range(n_base):
            base()
        t1 = clock()
        for _ in range(n_fn):
            fn()
        t2 = clock()
        tb.append((t1 - t0) / n_base)
        tf.append((t2 - t1) / n_fn)
        ratios.append(tf[-1] / tb[-1])

    def timing(times, number):
        med = statistics.median(times)
        return Timing(med, rounds, number, (max(times) - min(times)) / med if med else 0.0)
    return timing(tf, n_fn), timing(tb, n_base), statistics.median(ratios)


def _blas() -> str:
    """BLAS library and thread count: threadpoolctl if installed, else numpy's config."""
    try:
        from threadpoolctl import threadpool_info
        pools = [f"{p.get('internal_api')} {p.get('version')} threads={p.get('num_threads')}"
                 for p in threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            return "; ".join(pools)
    except ImportError:
        pass
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        return f"{blas.get('name', '?')} {blas.get('version', '')} (threads: see env)".strip()
    except Exception:  # older numpy without mode="dicts"
        return "unknown (numpy.show_config() for details)"


def machine_line() -> str:
    """One line naming the machine, Python, NumPy, BLAS and thread settings."""
    env = " ".join(f"{k}={os.environ[k]}" for k in
                   ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
                   if k in os.environ) or "no *_NUM_THREADS set"
    return (f"{platform.machine()} {platform.processor() or ''} cpus={os.cpu_count()} | "
            f"Python {sys.version.split()[0]} | NumPy {np.__version__} | BLAS {_blas()} | "
            f"{env} | load average {_load()}").replace("  ", " ")


def _load() -> str:
    """1-minute load average: above the CPU count, absolute times are inflated."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"
