"""python -m benchmarks.forward_targets — the scalar targets of issues 2 and 3, in µs
and in the issues' own yardstick.

Prints, next to plain float evaluation of the same function:
- dualad.gradient(f, 2.0, 5.0) per call (target ≤ 3 µs);
- one-direction jvp through a scalar Python loop, per elementary operation
  (target ≤ 0.3 µs), with the loop's plain float evaluation per operation;
- a Dual multiply next to a minimal __slots__ dual class (≈ 0.14 µs quoted);
- the same targets counted in minimal dual multiplies, each timed round by round
  against it (machine speed cancels): the gradient ≤ 3 / 0.14 = 21.4, a jvp
  operation ≤ 0.3 / 0.14 = 2.1; and reverse mode's (issue 3): reverse.gradient of f
  ≤ 4 / 0.14 = 28.6, a recorded operation of the loop with its sweep ≤ 0.5 / 0.14 = 3.6.
"""

from __future__ import annotations

import argparse

import numpy as np

import dualad
import reverse
from dualad import Dual

from .timing import FULL, QUICK, TINY, machine_line, measure, measure_against, once


def f(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


LOOP = 200          # iterations; 4 elementary operations each (*, sin, *, +)


def loop(x):
    s = 0.0
    for _ in range(LOOP):
        s = s * x + np.sin(x) * 0.5
    return s


class MinimalDual:
    """The smallest dual number: the yardstick for one operation."""

    __slots__ = ("p", "t")

    def __init__(self, p, t):
        self.p, self.t = p, t

    def __mul__(self, o):
        return MinimalDual(self.p * o.p, self.p * o.t + self.t * o.p)


def _time(fn, budget):
    _, first = once(fn)
    return measure(fn, first, budget).seconds


def _paired(fn, base, budget):
    """(seconds per call of fn, fn / base taken round by round in the same run)."""
    _, first = once(fn)
    _, base_first = once(base)
    t, _, ratio = measure_against(fn, first, base, base_first, budget)
    return t.seconds, ratio


def figures(budget=FULL) -> list[tuple[str, float, str]]:
    """[(label, value, unit and target)] — computed only after the results were checked."""
    if dualad.gradient(f, 2.0, 5.0) != (5.5, 1.7163378145367738):
        raise AssertionError("dualad.gradient(f, 2, 5) is wrong; refusing to time it")
    d = dualad.jvp(loop, (1.1,), (1.0,))[1]
    h = 1e-6
    if abs(d - (loop(1.1 + h) - loop(1.1 - h)) / (2 * h)) > 1e-5 * max(1.0, abs(d)):
        raise AssertionError("jvp through the loop disagrees with central differences")
    ops = 4 * LOOP
    a, b = Dual(2.0, 1.0), Dual(5.0, 0.0)
    ma, mb = MinimalDual(2.0, 1.0), MinimalDual(5.0, 0.0)

    def plain():
        return f(2.0, 5.0)

    def plain_loop():
        return loop(1.1)
    t_f = _time(plain, budget)
    t_g, r_g = _paired(lambda: dualad.gradient(f, 2.0, 5.0), plain, budget)
    t_j, r_j = _paired(lambda: dualad.jvp(f, (2.0, 5.0), (1.0, 0.0)), plain, budget)
    t_l = _time(plain_loop, budget)
    t_lj, r_lj = _paired(lambda: dualad.jvp(loop, (1.1,), (1.0,)), plain_loop, budget)
    t_mul, r_mul = _paired(lambda: a * b, lambda: ma * mb, budget)

    def minimal():
        return ma * mb
    if reverse.gradient(f, 2.0, 5.0) != (5.5, 1.7163378145367738) or \
            abs(reverse.gradient(loop, 1.1) - d) > 1e-12 * max(1.0, abs(d)):
        raise AssertionError("reverse.gradient disagrees with forward mode; refusing to time it")
    in_minimal = [
        ("dualad.gradient(f, 2, 5)", _paired(lambda: dualad.gradient(f, 2.0, 5.0),
                                                  minimal, budget)[1], 3 / 0.14),
        ("jvp through the loop, per op",
         _paired(lambda: dualad.jvp(loop, (1.1,), (1.0,)), minimal, budget)[1] / ops, 0.3 / 0.14),
        ("reverse.gradient(f, 2, 5)", _paired(lambda: reverse.gradient(f, 2.0, 5.0),
                                                   minimal, budget)[1], 4 / 0.14),
        ("reverse through the loop, per op",
         _paired(lambda: reverse.gradient(loop, 1.1), minimal, budget)[1] / ops, 0.5 / 0.14),
    ]
    return [
        ("plain f(2.0, 5.0)", t_f * 1e6, "µs"),
        ("dualad.gradient(f, 2.0, 5.0)", t_g * 1e6, f"µs = {r_g:.1f}x plain f   target ≤ 3 µs"),
        ("dualad.jvp(f, (2, 5), (1, 0))", t_j * 1e6, f"µs = {r_j:.1f}x plain f"),
        (f"plain scalar loop, per op ({ops} ops)", t_l * 1e6 / ops, "µs/op"),
        ("jvp through the scalar loop, per op", t_lj * 1e6 / ops,
         f"µs/op = {r_lj:.1f}x plain loop   target ≤ 0.3 µs/op"),
        ("Dual * Dual", t_mul * 1e6, f"µs = {r_mul:.1f}x the minimal dual multiply"),
        ("np.sin(Dual)", _time(lambda: np.sin(a), budget) * 1e6, "µs"),
        ("minimal __slots__ dual multiply", _time(lambda: ma * mb, budget) * 1e6,
         "µs  (issue quotes ≈ 0.14 µs)"),
    ] + [(f"{label} ÷ minimal", x, f"minimal multiplies (target ≤ {target:.1f})")
         for label, x, target in in_minimal]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.forward_targets")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--tiny", action="store_true")
    o = ap.parse_args(argv)
    budget = TINY if o.tiny else QUICK if o.quick else FULL
    print(machine_line())
    for label, value, unit in figures(budget):
        print(f"  {label:<42} {value:9.3f} {unit}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
