"""derivatives(f, x, k): f⁽ʲ⁾(x) for j ≤ k from the Taylor coefficients of
`dualad.taylor`, kept inside float range at any order.

cⱼ = f⁽ʲ⁾/j! leaves float range long before f⁽ʲ⁾ does, so the coefficients are
taken of t ↦ f(x + h·t) with h a power of two near k/e and multiplied by the exact
rational j!/hʲ; orders in the thousands carry the coefficients in np.longdouble
where it is wider than float64.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from .forward import _items, _leaves, _like
from .taylor import _check_order, _check_x, _coefficients

# Orders above this are refused: the sweep is O(k²) Python operations per node
# (sin: k = 2000 0.6 s, 5000 9 s, 10000 ~40 s; k = 10⁶ would run for days)
MAX_ORDER = 10000
# From this order on, the coefficients are carried in np.longdouble where it has a
# wider exponent than float64 (x86: 80-bit, ±4932 decades).  In float64 the scaled
# coefficients f⁽ʲ⁾·hʲ/j! of an entire function span e^(-k·ln(k/(e·h))) .. e^h, which
# leaves float64 range from k ≈ 1950 on for sin or exp, whatever h is.  From
# RANGE_CHECK_ORDER on, a float64 pass whose k-th coefficient is not finite or is
# subnormal is redone in np.longdouble (x·exp(sin x) at order 300: nan, now inf).
WIDE_FROM_ORDER = 1500
RANGE_CHECK_ORDER = 100
_WIDE = np.finfo(np.longdouble).maxexp > np.finfo(np.float64).maxexp


def derivatives(f: Callable, x, order: int) -> list[Any]:
    """derivatives(f, x, order) -> [f(x), f'(x), ..., f⁽ᵏ⁾(x)], each shaped like f(x).

    f⁽ʲ⁾ = j!·cⱼ, but cⱼ = f⁽ʲ⁾/j! leaves float range long before f⁽ʲ⁾ does
    (exp(x/2): c₁₅₈ = 2.7e-48/158! underflows to 0; 171! overflows).  So the
    coefficients are taken of t ↦ f(x + h·t), cⱼ·hʲ, with h = 2ᵉ ≈ k/e (hᵏ ≈ k!
    by Stirling, e the nearest power: hᵏ/k! stays within 2^(±k/2)), and
    f⁽ʲ⁾ = (cⱼ·hʲ)·(j!/hʲ), the factor an exact rational rounded once (or, where
    it leaves float range, the whole product).  Scaling by a power of two is
    exact: inside float range the results are bit for bit those of the unscaled
    coefficients.  From WIDE_FROM_ORDER on the coefficients are np.longdouble
    (where it is wider, as on x86): then only f⁽ᵏ⁾ itself must fit a float64 (it is
    ±inf where it does not, as IEEE rounds it); from RANGE_CHECK_ORDER on, a
    float64 pass whose k-th coefficient is not finite or subnormal is redone so
    (without a wider longdouble: an OverflowError).  Orders
    above MAX_ORDER are a ValueError (O(k²): order 10⁶ ran for hours)."""
    k = _check_order(order)
    if k > MAX_ORDER:
        raise ValueError(f"order {k} is above dualad.high_order.MAX_ORDER = {MAX_ORDER}: Taylor "
                         "mode costs O(k²) per operation (order 10000 of sin takes ~40 s)")
    e = max(0, round(math.log2(k / math.e))) if k else 0
    plain = type(_check_x(x)) is float
    wide = k >= WIDE_FROM_ORDER and _WIDE and plain
    coefs = _coefficients(f, x, k, float(2 ** e), wide)
    if plain and not wide and k >= RANGE_CHECK_ORDER and not _in_range(coefs[k]):
        if not _WIDE:
            raise OverflowError(f"order {k}: the float64 Taylor coefficients leave float "
                                "range here (this platform has no wider np.longdouble)")
        wide = True         # the pass again with np.longdouble's exponent range
        coefs = _coefficients(f, x, k, float(2 ** e), wide)
    out, factorial = [], 1
    for j, c in enumerate(coefs):
        factorial *= j or 1
        q = Fraction(factorial, 2 ** (e * j))
        out.append(_scale(c, q) if wide or q > _FLOAT_MAX else _scale(c, float(q)))
    return out


_FLOAT_MAX = Fraction(np.finfo(np.float64).max)


def _in_range(c) -> bool:
    """Whether the scaled coefficient c (a float, an array, a tuple of them) is finite and
    normal or 0: else the float64 pass may have overflowed where the derivative does not."""
    for leaf in _leaves(c):
        a = np.abs(np.asarray(leaf, dtype=float))
        if not np.all(np.isfinite(a) & ((a == 0) | (a >= np.finfo(np.float64).tiny))):
            return False
    return True


def _scale(c, s):
    """c·s: s a float, or an exact Fraction when it (or c) leaves float64 range: then
    the product is formed exactly and rounded once (±inf only where the derivative
    itself is beyond float64)."""
    if isinstance(c, (tuple, list, dict)):
        return _like(c, [_scale(x, s) for x in _items(c)])
    if type(s) is float:
        return c if s == 1.0 else c * s
    if isinstance(c, np.ndarray):
        return np.array([_scale(x, s) for x in c.ravel()], dtype=float).reshape(c.shape)
    if not isinstance(c, (float, int, np.floating, np.integer)):
        return c * float(s)         # a traced value (nested call): as before
    if not np.isfinite(c):
        return float(c)             # inf or nan whatever the scale
    v = _exact(c) * s
    try:
        return float(v)
    except OverflowError:           # the derivative itself is beyond float64: ±inf, as
        return math.inf if v > 0 else -math.inf     # IEEE rounds it (order 1 too)


def _exact(c) -> Fraction:
    """A float or np.longdouble as the exact rational it holds."""
    if not isinstance(c, np.longdouble):
        return Fraction(float(c))
    m, ex = np.frexp(c)                 # c = m·2^ex, 0.5 <= |m| < 1, 64 mantissa bits
    scaled = np.ldexp(m, 64)            # an integer held exactly
    hi = np.floor(scaled / np.longdouble(2.0 ** 32))
    lo = scaled - hi * np.longdouble(2.0 ** 32)
    n = int(float(hi)) * 2 ** 32 + int(float(lo))
    ex = int(ex) - 64
    return Fraction(n * 2 ** ex) if ex >= 0 else Fraction(n, 2 ** -ex)

