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
    sinc:       sin(πx)/(πx), and at x = 0 a primitive whose k-th derivative is
                sin(u)/u's at 0, (−1)^(k/2)/(k + 1) for even k (JAX's _sinc_maclaurin)
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .dispatch import is_traced, normalize_axis_tuple, primitive, real_constant


def polyval(p, x):
    """p₀xⁿ + … + pₙ by Horner's rule, as np.polyval."""
    y = np.zeros_like(x)
    for pv in p:
        y = y * x + pv
    return y


@primitive
def _value(a):
    """a's values (traced or not: primal-only): for positions, never differentiated."""
    return real_constant(a)


def interp(x, xp, fp, left=None, right=None, period=None):
    """Piecewise-linear interpolation through (xp, fp), as np.interp."""
    if period is not None:
        raise TypeError("np.interp(..., period=...) is not supported on traced values")
    xs, knots = _value(x), _value(xp)
    xp, fp = (v if is_traced(v) else real_constant(v, "np.interp's xp or fp") for v in (xp, fp))
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


def correlate(a, v, mode="valid"):
    """Σₙ a[n + k]·v[n], as np.correlate: the full convolution of a with v reversed,
    cut as NumPy cuts it."""
    if np.ndim(a) != 1 or np.ndim(v) != 1:
        raise ValueError("object too deep for desired array")
    n, m = np.shape(a)[0], np.shape(v)[0]
    full = convolve(a, v[::-1], "full")
    if mode == "full":
        return full
    if mode == "same":
        start = n // 2 if n < m else (m - 1) // 2
        return full[start:start + max(n, m)]
    if mode == "valid":
        return full[min(n, m) - 1:max(n, m)]
    raise ValueError(f"mode must be one of 'valid', 'same', or 'full' (got {mode!r})")


def gradient(f, *varargs, axis=None, edge_order=1):
    """Central differences inside, one-sided ones at the ends (first or second order),
    along each axis, with NumPy's formulas (a spacing: a scalar or coordinates)."""
    if not is_traced(f):
        f = real_constant(f, "np.gradient's f")    # (a list of numbers, traced spacing)
    shape = np.shape(f)
    nd = len(shape)
    axes = tuple(range(nd)) if axis is None else normalize_axis_tuple(axis, nd)
    if not varargs:
        spacings = [1.0] * len(axes)
    elif len(varargs) == 1 and np.ndim(varargs[0]) == 0:
        spacings = list(varargs) * len(axes)
    elif len(varargs) == len(axes):
        spacings = [_spacing(d, shape[ax]) for d, ax in zip(varargs, axes)]
    else:
        raise TypeError("invalid number of arguments")
    if edge_order > 2:
        raise ValueError("'edge_order' greater than 2 not supported")
    out = []
    for ax, d in zip(axes, spacings):
        g = _gradient_along(f, ax, d, edge_order, nd)
        if np.ndim(d) == 1 and is_traced(d) and np.all(_value(d) == _value(d)[0]):
            g = _evenly_spaced(g, f, ax, _value(d)[0], edge_order, nd)
        out.append(g)
    return out[0] if len(out) == 1 else tuple(out)


def _evenly_spaced(g, f, axis, dx, edge_order, nd):
    """Traced coordinates evenly spaced: NumPy's value (its formulas for one spacing,
    dx) with g's derivative, the general formulas' (one spacing read off the first two
    coordinates lost ∂/∂x₂, …)."""
    return valued_as(_gradient_along(_value(f), axis, dx, edge_order, nd), g)


def valued_as(value, g, fold=None):
    """The plain value (NumPy's bits, −0.0 included) carrying g's derivatives, every
    order: value − (g's value − g), the bracket exactly +0 where g is finite; g itself
    where it is ±inf or nan as value is.  Where g's value is not finite and value's is
    (or the other way round: g overflowed where NumPy's order did not), or differs
    from it beyond rounding (underflow), fold(), which computes in NumPy's order."""
    g_value = _value(g)
    finite = np.isfinite(g_value)
    if not np.all(finite):
        same = np.array_equal(np.isfinite(value), finite) and \
            np.array_equal(np.asarray(value)[~finite], g_value[~finite], equal_nan=True)
        if not same:
            return g if fold is None else fold()
    if fold is not None and not np.allclose(g_value[finite], np.asarray(value)[finite],
                                            rtol=1e-8, atol=0.0):
        return fold()   # (the scan underflowed, 1e-200·1e-200, where the fold did not)
    with np.errstate(invalid="ignore"):     # (inf − inf, masked below)
        exact = value - (g_value - g)
    return exact if np.all(finite) else np.where(finite, exact, g)


def _spacing(distances, n):
    if np.ndim(distances) == 0:
        return distances
    if np.ndim(distances) != 1:
        raise ValueError("distances must be either scalars or 1d")
    if np.shape(distances)[0] != n:
        raise ValueError("when 1d, distances must match the length of the corresponding "
                         "dimension")
    if not is_traced(distances):
        distances = real_constant(distances, "a spacing")
    diffx = np.diff(distances)
    values = _value(diffx)
    if np.all(values == values[0]) and not is_traced(diffx):
        return diffx[0]     # uniform: NumPy's formulas for one spacing
    return diffx


def _gradient_along(f, axis, dx, edge_order, nd):
    if np.shape(f)[axis] < edge_order + 1:
        raise ValueError("Shape of array too small to calculate a numerical gradient, at "
                         "least (edge_order + 1) elements are required.")

    def at(start, stop=None):
        key = [slice(None)] * nd
        key[axis] = slice(start, stop)
        return f[tuple(key)]

    def along(c):
        shape = [1] * nd
        shape[axis] = -1
        return np.reshape(c, shape)

    uniform = np.ndim(dx) == 0
    if uniform:
        inside = (at(2) - at(None, -2)) / (2.0 * dx)
    else:
        dx1, dx2 = dx[0:-1], dx[1:]
        a = along(-dx2 / (dx1 * (dx1 + dx2)))
        b = along((dx2 - dx1) / (dx1 * dx2))
        c = along(dx1 / (dx2 * (dx1 + dx2)))
        inside = a * at(None, -2) + b * at(1, -1) + c * at(2)
    if edge_order == 1:
        first = (at(1, 2) - at(0, 1)) / (dx if uniform else dx[0])
        last = (at(-1) - at(-2, -1)) / (dx if uniform else dx[-1])
    else:
        if uniform:
            a, b, c = -1.5 / dx, 2.0 / dx, -0.5 / dx
        else:
            dx1, dx2 = dx[0], dx[1]
            a = -(2.0 * dx1 + dx2) / (dx1 * (dx1 + dx2))
            b = (dx1 + dx2) / (dx1 * dx2)
            c = -dx1 / (dx2 * (dx1 + dx2))
        first = a * at(0, 1) + b * at(1, 2) + c * at(2, 3)
        if uniform:
            a, b, c = 0.5 / dx, -2.0 / dx, 1.5 / dx
        else:
            dx1, dx2 = dx[-2], dx[-1]
            a = dx2 / (dx1 * (dx1 + dx2))
            b = -(dx2 + dx1) / (dx1 * dx2)
            c = (2.0 * dx2 + dx1) / (dx2 * (dx1 + dx2))
        last = a * at(-3, -2) + b * at(-2, -1) + c * at(-1)
    return np.concatenate([first, inside, last], axis=axis)


def ediff1d(ary, to_end=None, to_begin=None):
    """The differences of the flattened ary, to_begin before and to_end after."""
    a = np.ravel(ary)
    diffs = a[1:] - a[:-1]
    parts = [np.ravel(e) for e in (to_begin,) if e is not None] + [diffs] + \
        [np.ravel(e) for e in (to_end,) if e is not None]
    return np.concatenate(parts) if len(parts) > 1 else diffs


def vander(x, N=None, increasing=False):
    """Columns 1, x, x·x, x·x·x, … (running products, as NumPy), decreasing powers
    unless increasing."""
    if np.ndim(x) != 1:
        raise ValueError("x must be a one-dimensional array or sequence.")
    n = np.shape(x)[0]
    N = n if N is None else N
    columns = [np.ones((n, min(N, 1)))]
    if N > 1:
        columns.append(np.cumprod(np.repeat(np.reshape(x, (n, 1)), N - 1, axis=1), axis=1))
    v = np.concatenate(columns, axis=1)
    return v if increasing else v[:, ::-1]


def _coefficients(p):
    """p as a 1-d array of coefficients (a traced one as it is)."""
    if not is_traced(p):
        p = real_constant(p, "a coefficient array")
    return np.reshape(p, (1,)) if np.ndim(p) == 0 else p


def polyder(p, m=1):
    """The m-th derivative's coefficients: p[:-1]·(n, n−1, …, 1), m times."""
    m = int(m)
    if m < 0:
        raise ValueError("Order of derivative must be positive (see polyint)")
    p = _coefficients(p)
    for _ in range(m):
        n = np.shape(p)[0] - 1
        p = p[:-1] * np.arange(n, 0, -1)
    return p


def polyint(p, m=1, k=None):
    """The m-th antiderivative's coefficients, integration constants k."""
    m = int(m)
    if m < 0:
        raise ValueError("Order of integral must be positive (see polyder)")
    if k is None:
        k = np.zeros(m)
    elif isinstance(k, (list, tuple)) and k:    # constants one by one (traced ones too,
        # when p is traced: NumPy hands the call to us only then)
        k = np.stack([v if is_traced(v) else real_constant(v) for v in k])
    k = np.reshape(k, (1,)) if np.ndim(k) == 0 else k
    if np.shape(k)[0] == 1 and m > 1:
        k = k[0] * np.ones(m)
    if np.shape(k)[0] < m:
        raise ValueError("k must be a scalar or a rank-1 array of length 1 or >m.")
    p = _coefficients(p)
    for i in range(m):
        p = np.concatenate([p / np.arange(np.shape(p)[0], 0, -1), np.reshape(k[i], (1,))])
    return p


def _padded_pair(a1, a2):
    a1, a2 = _coefficients(a1), _coefficients(a2)
    diff = np.shape(a2)[0] - np.shape(a1)[0]
    if diff > 0:
        a1 = np.concatenate([np.zeros(diff), a1])
    elif diff < 0:
        a2 = np.concatenate([np.zeros(-diff), a2])
    return a1, a2


def polyadd(a1, a2):
    """The sum's coefficients (the shorter padded with leading zeros)."""
    a1, a2 = _padded_pair(a1, a2)
    return a1 + a2


def polysub(a1, a2):
    """The difference's coefficients."""
    a1, a2 = _padded_pair(a1, a2)
    return a1 - a2


def polymul(a1, a2):
    """The product's coefficients: the convolution, leading zeros dropped first (as
    np.poly1d drops them)."""
    def trimmed(p):
        p = _coefficients(p)
        nonzero = np.flatnonzero(_value(p))
        return p[nonzero[0]:] if nonzero.size else p[-1:]
    return convolve(trimmed(a1), trimmed(a2))


@primitive
def sinc_at_zero(u, k=0):
    """dᵏ/duᵏ sin(u)/u at u = 0, in u's shape: (−1)^(k/2)/(k + 1) for even k, 0 for odd
    (a table row whose derivative is the next k: every order exact at 0)."""
    return np.full(np.shape(u), 0.0 if k % 2 else (-1.0) ** (k // 2) / (k + 1))


def _sinc_at_zero_jvp(t, out, u, k=0):
    return sinc_at_zero(u, k + 1) * t


def _sinc_at_zero_vjp(ct, out, u, k=0):
    return ct * sinc_at_zero(u, k + 1)


# sin(u)/u = Σₖ (−u²)ᵏ/(2k+1)!: 30 terms leave < 1e-20 of the value and of the first
# 20 derivatives for |u| < 5 (17 terms for |u| < 2 left a 20th derivative 2e-7 off)
_SINC_SERIES = [(-1.0) ** k / math.factorial(2 * k + 1) for k in range(30)]
_SINC_SERIES_BELOW = 5 / np.pi      # |x| where the series takes over from the formula


def sinc(x):
    """sin(πx)/(πx), NumPy's values (πx with x = 0 read as 1e-20).  Where |πx| < 5 its
    derivatives are those of the Maclaurin polynomial Σₖ (−u²)ᵏ/(2k+1)! in u = πx,
    carried by NumPy's value (`valued_as`): the formula's cancel there (cos u·u − sin u
    ≈ −u³/3: sinc'(1e-8) lost half its digits, sinc'' was 0 below 1e-10, a 6th
    derivative near u = 1 kept 12; the k-th loses about k!/|u|ᵏ ulps, so the 20th kept
    two digits at u = 2); at x = 0 sinc_at_zero(πx), whose every derivative is right (a
    where of the formula gave sinc''(0) = 0 for −π²/3)."""
    small = np.abs(x) < _SINC_SERIES_BELOW
    if not np.any(small):
        y = np.pi * x
        return np.sin(y) / y
    y = np.pi * np.where(small, 1.0, x)      # (the formula's branch, never at 0)
    # the formula's entries masked (1e11 made u² inf: the value fell back to the series');
    # a sum of monomials, which sympy differentiates at once (Horner's nesting took it
    # minutes at order 5)
    u2 = np.square(np.pi * np.where(small, x, 0.0))
    series = sum(c * u2 ** k for k, c in enumerate(_SINC_SERIES))
    xs = _value(x)
    near = valued_as(np.sinc(xs), series)
    zero = xs == 0
    if np.any(zero):
        near = np.where(zero, sinc_at_zero(np.pi * x), near)
    return np.where(small, near, np.sin(y) / y)


def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    """Least-squares polynomial coefficients, as np.polyfit: vander(x)'s columns (times
    w) scaled to unit norm, np.linalg.lstsq, the scale divided out (values within
    rounding of NumPy's, as lstsq's)."""
    if cov:
        raise TypeError("np.polyfit(..., cov=...) is not supported on traced values")
    # floats first, as NumPy's x + 0.0 (an int x overflowed in vander(x)·vander(x))
    x, y, w = (v if v is None or is_traced(v) else np.asarray(v) + 0.0 for v in (x, y, w))
    order = int(deg) + 1
    if deg < 0:
        raise ValueError("expected deg >= 0")
    if np.ndim(x) != 1:
        raise TypeError("expected 1D vector for x")
    if np.size(x) == 0:
        raise TypeError("expected non-empty vector for x")
    if np.ndim(y) < 1 or np.ndim(y) > 2:
        raise TypeError("expected 1D or 2D array for y")
    if np.shape(x)[0] != np.shape(y)[0]:
        raise TypeError("expected x and y to have same length")
    if rcond is None:
        rcond = np.shape(x)[0] * np.finfo(np.float64).eps
    lhs, rhs = np.vander(x, order), y
    if w is not None:
        if np.ndim(w) != 1 or np.shape(w)[0] != np.shape(y)[0]:
            raise TypeError("expected a 1-d array for weights, as long as y")
        lhs = lhs * np.reshape(w, (-1, 1))
        rhs = rhs * (np.reshape(w, (-1, 1)) if np.ndim(rhs) == 2 else w)
    scale = np.sqrt(np.sum(lhs * lhs, axis=0))
    c, resids, rank, s = np.linalg.lstsq(lhs / scale, rhs, rcond)
    c = (c.T / scale).T
    if rank != order and not full:
        warnings.warn("Polyfit may be poorly conditioned", np.exceptions.RankWarning,
                      stacklevel=2)
    return (c, resids, rank, s, rcond) if full else c
