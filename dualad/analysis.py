"""Numerical-analysis functions of NumPy written with table operations (STRUCTURAL
"composite" rows): polyval, interp, trapezoid, cross, convolve.

Each follows NumPy's own formula, so that values agree (bit for bit where NumPy
computes the same operations in Python: polyval, trapezoid, cross; within
rounding where its C loop adds in another order: convolve):

    polyval:    y = (…(p₀·x + p₁)·x + …)·x + pₙ          (Horner, as NumPy)
    interp:     y = s·(x − xpⱼ) + fpⱼ,  s = (fpⱼ₊₁ − fpⱼ)/(xpⱼ₊₁ − xpⱼ),
                xpⱼ ≤ x < xpⱼ₊₁: ∂y/∂x = s, the slope to the right at a knot (JAX's)
    trapezoid:  Σ d·(yᵢ₊₁ + yᵢ)/2
    convolve:   (a ∗ v)ₖ = Σⱼ vⱼ·aₖ₋ⱼ, a gather of a times v
"""

from __future__ import annotations

import numpy as np

from .dispatch import is_traced, primitive


def polyval(p, x):
    """p₀xⁿ + … + pₙ by Horner's rule, as np.polyval."""
    y = np.zeros_like(x)
    for pv in p:
        y = y * x + pv
    return y


@primitive
def _value(a):
    """a's values (traced or not: primal-only): for positions, never differentiated."""
    return np.asarray(a, dtype=float)


def interp(x, xp, fp, left=None, right=None, period=None):
    """Piecewise-linear interpolation through (xp, fp), as np.interp."""
    if period is not None:
        raise TypeError("np.interp(..., period=...) is not supported on traced values")
    xs, knots = _value(x), _value(xp)
    xp, fp = (v if is_traced(v) else np.asarray(v, dtype=float) for v in (xp, fp))
    if np.ndim(knots) != 1 or np.ndim(fp) != 1 or len(knots) != np.shape(fp)[0]:
        raise ValueError("fp and xp are not of the same length.")      # NumPy's error
    if len(knots) == 0:
        raise ValueError("array of sample points is empty")
    left = fp[0] if left is None else left
    right = fp[-1] if right is None else right
    if len(knots) == 1:
        return np.where(xs < knots[0], left, np.where(xs > knots[0], right, fp[0] + 0 * x))
    j = np.clip(np.searchsorted(knots, xs, side="right") - 1, 0, len(knots) - 2)
    with np.errstate(divide="ignore", invalid="ignore"):    # a segment of zero width
        return _interpolated(x, xp, fp, xs, knots, j, left, right)


def _interpolated(x, xp, fp, xs, knots, j, left, right):
    slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
    inside = slope * (x - xp[j]) + fp[j]
    # at the last knot NumPy gives fp[-1] itself (slope·0 keeps the derivative; a last
    # segment of zero width, xp = [.., 1, 1], has no slope: inf·0 was nan)
    last = np.where(np.isfinite(slope), slope, 0.0)
    inside = np.where(xs == knots[-1], fp[-1] + last * (x - xp[-1]), inside)
    return np.where(xs < knots[0], left, np.where(xs > knots[-1], right, inside))


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """∫ y by the trapezoidal rule along axis, as np.trapezoid."""
    nd = np.ndim(y)
    if x is None:
        d = dx
    elif np.ndim(x) == 1:
        d = np.diff(x)
        shape = [1] * nd
        shape[axis] = np.shape(d)[0]
        d = np.reshape(d, shape)
    else:
        d = np.diff(x, axis=axis)
    upper, lower = [slice(None)] * nd, [slice(None)] * nd
    upper[axis], lower[axis] = slice(1, None), slice(None, -1)
    return np.sum(d * (y[tuple(upper)] + y[tuple(lower)]) / 2.0, axis=axis)


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 3-vectors (a 2-vector's z taken as 0; two 2-vectors give
    the scalar a₀b₁ − a₁b₀), along the given axes, as np.cross."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = np.moveaxis(a, axisa, -1), np.moveaxis(b, axisb, -1)
    na, nb = np.shape(a)[-1], np.shape(b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError("incompatible dimensions for cross product\n"
                         "(dimension must be 2 or 3)")
    a0, a1, b0, b1 = a[..., 0], a[..., 1], b[..., 0], b[..., 1]
    if na == 2 and nb == 2:
        return a0 * b1 - a1 * b0
    if na == 2:
        b2 = b[..., 2]
        parts = [a1 * b2, -(a0 * b2), a0 * b1 - a1 * b0]
    elif nb == 2:
        a2 = a[..., 2]
        parts = [-(a2 * b1), a2 * b0, a0 * b1 - a1 * b0]
    else:
        a2, b2 = a[..., 2], b[..., 2]
        parts = [a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0]
    shape = np.broadcast_shapes(*map(np.shape, parts))
    parts = [p if np.shape(p) == shape else np.broadcast_to(p, shape) for p in parts]
    return np.moveaxis(np.stack(parts, axis=-1), -1, axisc)


def convolve(a, v, mode="full"):
    """The discrete convolution of two 1-d arrays, as np.convolve (full, same, valid)."""
    if np.ndim(a) != 1 or np.ndim(v) != 1:
        raise ValueError("object too deep for desired array" if max(np.ndim(a), np.ndim(v))
                         > 1 else "np.convolve takes 1-d arrays")
    n, m = np.shape(a)[0], np.shape(v)[0]
    if n == 0 or m == 0:
        raise ValueError("a cannot be empty" if n == 0 else "v cannot be empty")
    if m > n:
        a, v, n, m = v, a, m, n
    k = np.arange(n + m - 1)[:, None] - np.arange(m)[None, :]      # a's index at (k, j)
    src = np.where((k >= 0) & (k < n), k + 1, 0)
    full = np.concatenate([np.zeros(1), a])[src] @ v
    if mode == "full":
        return full
    if mode == "same":
        start = (m - 1) // 2
        return full[start:start + n]
    if mode == "valid":
        return full[m - 1:n]
    raise ValueError(f"mode must be one of 'valid', 'same', or 'full' (got {mode!r})")
