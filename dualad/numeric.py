"""Numerical differentiation by finite differences (no derivative rules at all).

Along one coordinate, with g(t) = f(x + t·e):
- "forward":    D(h) = (g(h) − g(0)) / h,          error O(h) + O(ε/h)
- "central":    D(h) = (g(h) − g(−h)) / 2h,        error O(h²) + O(ε/h)
- "richardson": central differences at h, h/2, h/4, ... extrapolated to h → 0
  (Neville tableau, Ridders' method), error estimated from the tableau (an
  entry's column must still agree one level on). The halving goes on until
  rounding shows (the tableau's change is within 10x the rounding error
  ε·|f|/h), not merely until the change grows: a first step wider than f's
  scale (sin at x = 1000, a pole at x − 0.001) makes early levels jump about
  before they settle.
Error estimates (return_error=True): for forward and central differences twice
and three times the truncation error seen between steps h and 2h, plus the
rounding error ε·|f|/h.  They are estimates, not bounds: a step much wider
than f's scale can make two levels agree by chance (sin(x) at x = 10⁶ with
central differences: -0.035 ± 9e-4 for 0.937).
Default steps balance truncation against rounding in float64 (ε = 2.2e-16):
h = √ε·max(|x|, 1) for forward, h = ∛ε·max(|x|, 1) for central, and a first
step of 0.01·max(|x|, 1) for Richardson.  Steps are adjusted so x + h is exact.
Near 0, where such a step would leave f's domain (log at x = 1e-8), forward and
central differences step |x|·√ε or |x|·∛ε instead.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .forward import int_as_float, plain_array

EPS = np.finfo(np.float64).eps
SCHEMES = ("forward", "central", "richardson")
_FIRST_STEP = {"forward": np.sqrt(EPS), "central": np.cbrt(EPS), "richardson": 0.01}
_LEVELS = 40      # Richardson: at most this many step halvings (until rounding shows)
_RESTARTS = 64    # and this many more where f is not finite at x ± h (h < ulp(x) by then)
WIDE = 4.0        # Richardson: a wide step's entry from steps above WIDE·0.01 is checked


def _value(f, args):
    out = f(*args)
    if isinstance(out, (tuple, list, dict)):
        raise TypeError("numeric differentiation needs f to return a number or an array")
    if isinstance(out, (bool, np.bool_)) or not isinstance(out, (int, float, np.number)) \
            and not (isinstance(out, np.ndarray) and out.dtype.kind in "iufc"):
        # np.asarray(None, dtype=float) is nan: a forgotten `return` gave a nan gradient
        held = f"a {out.dtype} array" if isinstance(out, np.ndarray) else type(out).__name__
        raise TypeError(f"f returned {held}; numeric differentiation needs a number or a "
                        "numeric array")
    if np.iscomplexobj(out):
        raise ValueError("f is complex at a shifted point; finite differences need real "
                         "values")
    return np.asarray(out, dtype=float)


def _steps(x, step, scheme):
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    if step is None:
        return _FIRST_STEP[scheme] * max(abs(x), 1.0)
    if isinstance(step, (bool, np.bool_)) or \
            not isinstance(step, (int, float, np.integer, np.floating, np.ndarray)):
        raise TypeError(f"step must be a number, got {type(step).__name__}")
    if np.ndim(step) != 0:
        raise ValueError(f"step must be one number (the same for every coordinate), got "
                         f"shape {np.shape(step)}")
    step = float(step)
    if not step > 0 or not np.isfinite(step):
        raise ValueError(f"step must be a positive finite number, got {step!r}")
    return step


def _exact(x, h):
    """h adjusted so that x + h is a float64 number exactly h away from x."""
    return (x + h) - x


def _central(g, h):
    return (g(h) - g(-h)) / (2.0 * h)


def _size(v, floor):
    """|v| as the scale of v's rounding error: at least floor, the size of the terms f
    sums (value_scale), where f cancels to ~0 and |f| is itself rounding noise."""
    return np.maximum(np.abs(v), floor)


def _central_rounding(g, h, floor=0.0):
    """(D(h), its rounding error ε·(|g(h)| + |g(−h)|)/2h)."""
    gp, gm = g(h), g(-h)
    return (gp - gm) / (2.0 * h), EPS * (_size(gp, floor) + _size(gm, floor)) / (2.0 * h)


def _one(g, x, step, scheme, g0=None, need_error=True, floor=0.0):
    """(D, error) for g(t) = f(x + t·e) at t = 0 (g0: g(0) if known).  Without
    need_error the error is None and its extra evaluations are skipped: the
    forward scheme then costs one evaluation, the central two.  floor: the
    smallest |g| to take rounding errors relative to (value_scale)."""
    h = _exact(x, _steps(x, step, scheme))
    if h == 0:
        raise ValueError(f"step {step!r} vanishes next to x = {x!r}")
    if scheme != "richardson" and step is None and 0.0 < abs(x) <= 2.0 * h:
        # the default step max(|x|, 1)·c reaches across 0 and may leave f's domain (log
        # at x = 1e-8 with h = 6e-6): then the step relative to x, |x|·c, stays inside it
        with np.errstate(all="ignore"):
            if not all(np.all(np.isfinite(g(t))) for t in (h, -h, 2 * h, -2 * h)):
                h = _exact(x, _FIRST_STEP[scheme] * abs(x)) or h
    if scheme == "forward":
        if g0 is None:
            g0 = g(0.0)
        d1 = (g(h) - g0) / h
        if not need_error:
            return d1, None
        d2 = (g(2 * h) - g0) / (2 * h)
        return d1, 2.0 * np.abs(d2 - d1) + EPS * _size(g0, floor) / h
    if scheme == "central":
        gp, gm = g(h), g(-h)
        d1 = (gp - gm) / (2 * h)
        if not need_error:
            return d1, None
        d2 = _central(g, _exact(x, 2 * h))
        return d1, np.abs(d2 - d1) + EPS * (_size(gp, floor) + _size(gm, floor)) / (2 * h)
    d, err, narrowest = _richardson(g, x, h, floor)
    default = _exact(x, _FIRST_STEP["richardson"] * max(abs(x), 1.0))
    if h > default and narrowest > WIDE * _FIRST_STEP["richardson"]:
        # a step wider than the default whose entry taken saw f only at steps over
        # WIDE·0.01 (whatever |x|: sin at 1e6 from step=1e15 took one at 7275, below
        # that point's default 1e4 and wider than sin's period) may be one of a wide
        # step's entries that agree by coincidence, all far wider than f's scale (sin at
        # 5 from step=1e15: 1.1e-6 ± 4e-20 for 0.28; tanh at 1 from 1e10: 2.3e-10 for
        # 0.42): where the tableau from the default step disagrees beyond both errors,
        # its value is taken, with an error that covers the other.  An entry from steps
        # near 0.01 is kept (a noisy f's step=0.1 took one at 0.0125: 2.7182817 for e);
        # a noisy f at large |x| loses its wide step's value, not its error bound
        d2, err2, _ = _richardson(g, x, default, floor)
        with np.errstate(invalid="ignore"):
            gap = np.abs(d - d2)
            apart = gap > err + err2
        if np.any(apart):
            # the error covers the other value and its own band (a noisy f's default
            # tableau can be the wrong one: sin + 1e-8 noise at 1e4 from step=1e3)
            d, err = np.where(apart, d2, d), np.where(apart, gap + np.maximum(err, err2), err)
            if np.ndim(d) == 0:
                d, err = d[()], err[()]
    return d, err


def _richardson(g, x, h, floor=0.0):
    """Ridders: tableau A[i][j] of central differences extrapolated in h².

    An entry's error is the larger of its tableau differences (to its left and to the
    entry it extrapolated) and how far the same column moves at the next level: an
    extrapolation counts as settled only if it holds one level on.  Without that last
    test two entries that agreed by coincidence, while a first step wider than f's scale
    was still settling, were taken for convergence: sin(1000x) at 1.25 came out
    938.27 ± 4e-4 for 938.04."""
    best, err, rounding, best_h = None, np.inf, 0.0, h
    prev: list = []
    prev_e: list = []       # the previous row's entries' own errors (not yet checked)
    prev_r, prev_h = 0.0, h     # prev_h: the narrowest step of the previous row
    levels = restarts = 0
    while levels < _LEVELS and restarts < _RESTARTS:
        with np.errstate(all="ignore"):
            d, r = _central_rounding(g, h, floor)
            # the bound also counts f's error from its argument's rounding, |f'|·ulp(x)
            # over the step: next to a domain edge (arccosh at 1 + 1e-14) f is that
            # ill-conditioned (only in the bound: as a stopping test it ended the
            # tableau while a wide first step still settled, sin' at 3e5 0.01 for 1.0)
            u = np.abs(d) * np.spacing(abs(x)) / h
        row, row_e = [d], [None]
        if not np.all(np.isfinite(row[0])):
            # the step left f's domain: restart with it halved, or at once at |x|/2 when
            # it reaches across 0 (log at 1e-14 from h = 0.01: forty halvings used up
            # the levels before one difference was finite); restarts are not levels
            h, prev, prev_e = _exact(x, min(h, abs(x)) / 2.0 if x else h / 2.0), [], []
            restarts += 1
            if h == 0:
                break
            continue
        levels += 1
        for j in range(1, len(prev) + 1):
            factor = 4.0 ** j
            row.append(row[j - 1] + (row[j - 1] - prev[j - 1]) / (factor - 1.0))
            row_e.append(np.maximum(np.abs(row[j] - row[j - 1]), np.abs(row[j] - prev[j - 1])))
        for j in range(1, len(prev)):           # the previous row, checked one level on
            e = np.maximum(prev_e[j], np.abs(row[j] - prev[j]))
            if np.max(e) <= np.max(err):
                best, err, rounding, best_h = prev[j], e, prev_r, prev_h
        change = np.max(np.abs(row[-1] - prev[-1])) if prev else 0.0
        if prev and change >= 2.0 * np.max(err) and change <= 10.0 * np.max(r):
            break           # rounding has taken over (not a wide step still settling)
        prev, prev_e, prev_r, prev_h, h = row, row_e, r + u, h, _exact(x, h / 2.0)
        if h == 0:
            break
    if best is None:        # no entry could be checked one level on: the last row's own
        for j in range(1, len(prev)):
            if np.max(prev_e[j]) <= np.max(err):
                best, err, rounding, best_h = prev[j], prev_e[j], prev_r, prev_h
    if best is None:
        raise ValueError(f"f is not finite near x = {x!r}: no finite differences to extrapolate")
    return best, err + rounding, best_h


def _value_scale(v) -> float:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer,
                                                             np.floating)):
        raise TypeError(f"value_scale must be a number, got {type(v).__name__}")
    if not v >= 0 or not np.isfinite(v):
        raise ValueError(f"value_scale must be a finite number >= 0, got {v!r}")
    return float(v)


def _plain(a):
    a = np.asarray(a, dtype=float)
    return float(a) if a.ndim == 0 else a


def _arg(a, i):
    if not isinstance(a, (bool, np.bool_, int, float, np.integer, np.floating, np.ndarray)):
        raise TypeError(f"argument {i} has type {type(a).__name__}; numeric differentiation "
                        "takes floats, ints and NumPy float arrays")
    if isinstance(a, (int, np.integer)):    # bools as in the other engines: True is 1.0
        a = int_as_float(a, i)
    a = plain_array(a, i) if isinstance(a, np.ndarray) else np.asarray(a)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"argument {i} has dtype {a.dtype}; expected a float array")
    return a.astype(np.float64)


def gradient(f: Callable, *args, step: float | None = None, scheme: str = "central",
             return_error: bool = False, value_scale: float = 0.0):
    """gradient(f, *args, step=None, scheme="central") -> ∂f/∂arg shaped like arg
    (a float for a scalar; a tuple for several args); with return_error=True,
    (gradient, error estimate of the same shape).  value_scale: the size of the
    terms f sums near args (symbolic.value_scale), if f cancels to ~0 there: f's
    rounding error is then ε·value_scale, not ε·|f| (the estimate and, for
    "richardson", where the halving stops)."""
    if not args:
        raise TypeError("gradient(f, *args) needs at least one argument")
    xs = [_arg(a, i) for i, a in enumerate(args)]
    floor = _value_scale(value_scale)
    # scalars as np.float64: NumPy semantics (1/x at 0 is inf), as the AD engines give
    f0 = _value(f, [x if x.ndim else x[()] for x in xs])
    if np.ndim(f0) != 0:
        raise ValueError("gradient needs f to return a scalar; differentiate each output "
                         "entry on its own (dualad.numeric has no jacobian; dualad.jacobian "
                         "and reverse.jacobian do)")
    grads, errs = [], []
    for i, x in enumerate(xs):
        g_i, e_i = np.zeros(x.shape), np.zeros(x.shape)
        for idx in np.ndindex(x.shape):
            def g(t, i=i, idx=idx):
                moved = [y if k != i else y.copy() for k, y in enumerate(xs)]
                moved[i][idx] += t
                v = _value(f, [y if y.ndim else y[()] for y in moved])
                if v.shape:
                    raise ValueError(f"gradient needs f to return a scalar; near the point "
                                     f"it returned shape {v.shape}")
                return v
            d, e = _one(g, float(x[idx]), step, scheme, f0, return_error, floor)
            g_i[idx] = d
            if return_error:
                e_i[idx] = e
        grads.append(_plain(g_i))
        errs.append(_plain(e_i))
    grad = grads[0] if len(grads) == 1 else tuple(grads)
    err = errs[0] if len(errs) == 1 else tuple(errs)
    return (grad, err) if return_error else grad


def derivative(f: Callable, x, step: float | None = None, scheme: str = "central",
               return_error: bool = False, value_scale: float = 0.0):
    """derivative(f, x, step=None, scheme="central") -> df/dx at scalar x, shaped like f(x);
    with return_error=True, (derivative, error estimate of the same shape); value_scale
    as for `gradient`."""
    floor = _value_scale(value_scale)
    x = _arg(x, 0)
    if x.ndim != 0:
        raise ValueError(f"derivative takes a scalar x; got shape {x.shape} (use gradient)")
    x = float(x)
    first = []      # (t, shape) of f's first value: every other must have that shape

    def g(t):
        v = _value(f, [np.float64(x + t)])
        if not first:
            first.append((float(t), v.shape))
        elif v.shape != first[0][1]:    # broadcast, the differences would be numbers
            raise ValueError(f"f's output changes shape with x: {first[0][1]} at x + "
                             f"{first[0][0]!r}, {v.shape} at x + {float(t)!r} (x = {x!r})")
        return v

    d, e = _one(g, x, step, scheme, None, return_error, floor)
    return (_plain(d), _plain(e)) if return_error else _plain(d)
