"""Ufuncs that take floats apart or scale them, phases, and segment sums (STRUCTURAL
rows), written with table operations so every engine differentiates them:

    ldexp(x, i)        = x·2ⁱ, `scaled`: linear in x (i integers, never traced)
    frexp(x)           = (scaled(x, −e), e), e = x's binary exponent (an int array)
    modf(x)            = (x − trunc(x), trunc(x)):  derivatives 1 and 0, as jnp.modf
    divmod(x, y)       = (x // y, x % y)
    unwrap(p)          = p + Σ of the corrections, NumPy's formula (multiples of
                         period: ∂/∂p is the identity, ∂/∂period the count, as JAX)
    add.reduceat(x, i) = sums of x's slices i[k]:i[k + 1], `segment_sums`: linear in x
    multiply.reduceat  = products of the slices (np.prod of each)
"""

from __future__ import annotations

import numpy as np

from .dispatch import is_traced, normalize_axis_tuple, primitive


@primitive
def scaled(x, i):
    """scaled(x, i) -> x·2**i, NumPy's np.ldexp (exact but for over- and underflow);
    sympy expressions (symbolic's object arrays) times the exact power of two."""
    if isinstance(x, np.ndarray) and x.dtype == object:
        if np.size(i) and np.max(np.abs(i)) > 1023:    # (2**k exact would not be a float)
            raise ValueError("symbolic takes np.ldexp / np.frexp exponents up to ±1023 "
                             "(2**k exactly); use dualad or reverse for larger ones")
        xs, ks = np.broadcast_arrays(x, np.asarray(i))
        terms = [e * 2 ** int(k) if k >= 0 else e / 2 ** int(-k)
                 for e, k in zip(xs.flat, ks.flat)]
        return np.array(terms + [None], dtype=object)[:-1].reshape(xs.shape)
    return np.ldexp(x, i)


def _scaled_T(ct, out, x, i):
    from .structural import unbroadcast
    return (unbroadcast(scaled(ct, i), np.shape(x)), None)


@primitive
def exponent(x):
    """exponent(x) -> np.frexp's exponents of x's values (int; primal-only)."""
    return np.frexp(np.asarray(x, dtype=float))[1]


def _integers(i, name):
    if is_traced(i):
        raise TypeError(f"np.{name}(x, i) with a traced exponent i: i is an integer power "
                        "of two, with no derivative; pass plain integers")
    i = np.asarray(i)
    if i.dtype.kind not in "biu":
        raise TypeError(f"ufunc '{name}' not supported for the input types: the exponent "
                        f"must be an integer, not {i.dtype.name}")    # (as NumPy's)
    return i


def ldexp(x1, x2, /, dtype=None):
    """x1·2**x2, NumPy's value bit for bit; ∂/∂x1 = 2**x2 (jnp.ldexp's)."""
    return scaled(x1, _integers(x2, "ldexp"))


def frexp(x, /, dtype=None):
    """(mantissa, exponent) with x = mantissa·2**exponent: the mantissa x·2**−e (bit for
    bit NumPy's, ∂/∂x = 2**−e as jnp.frexp's), the exponent NumPy's int array."""
    e = exponent(x)
    return scaled(x, -e), e


def modf(x, /, dtype=None):
    """(fractional, integral) parts, NumPy's values bit for bit (−0.0 for a negative
    whole x, ±0.0 at ±inf): derivatives 1 and 0, as jnp.modf's (constant at ±inf)."""
    whole = np.trunc(x)
    frac = np.where(np.signbit(x), -(whole - x), x - whole)     # (−x + x is +0.0)
    inf = np.isinf(x)
    if np.any(inf):
        frac = np.where(inf, np.where(np.signbit(x), -0.0, 0.0), frac)
    return frac, whole


def divmod_(x1, x2, /, dtype=None):
    """(x1 // x2, x1 % x2), as np.divmod (and the divmod() builtin)."""
    return np.floor_divide(x1, x2), np.remainder(x1, x2)


def unwrap(p, discont=None, axis=-1, *, period=2 * np.pi):
    """NumPy's unwrap with its own operations (values bit for bit): each jump larger
    than discont taken back by a multiple of period, the corrections summed along axis."""
    if not is_traced(p):    # (a traced period)
        p = np.asarray(p, dtype=float)
    nd = np.ndim(p)
    dd = np.diff(p, axis=axis)
    if discont is None:
        discont = period / 2
    (axis,) = normalize_axis_tuple(axis, nd)
    lead = (slice(None),) * axis
    high = period / 2       # (a float p: NumPy's boundary is ambiguous, corrected below)
    low = -high
    ddmod = np.remainder(dd - low, period) + low
    ddmod = np.where((ddmod == low) & (dd > 0), high, ddmod)
    correction = np.where(np.abs(dd) < discont, 0.0, ddmod - dd)
    rest = p[lead + (slice(1, None),)] + np.cumsum(correction, axis=axis)
    return np.concatenate([p[lead + (slice(0, 1),)] * 1.0, rest], axis=axis)


def _segments(indices, n):
    """(start, stop) of reduceat's slices: i[k]:i[k + 1], or the entry i[k] alone where
    i[k + 1] ≤ i[k] (NumPy's rule); the last one runs to the end."""
    ends = [*indices[1:].tolist(), n]
    return [(a, b if a < b else a + 1) for a, b in zip(indices.tolist(), ends)]


@primitive
def segment_sums(x, indices, axis=0):
    """segment_sums(x, indices, axis) -> np.add.reduceat(x, indices, axis): NumPy's
    values bit for bit (its own call), linear in x."""
    return np.add.reduceat(x, indices, axis=axis)


def _segment_sums_T(ct, out, x, indices, axis=0):
    """x̄ = Mᵀ·ct along axis, M[k, j] = 1 where slice k holds entry j.  Strictly rising
    indices (the usual segments) tile x[i₀:]: each ct[k] repeated over its slice, zeros
    before i₀, O(n); otherwise slices overlap and M is built (k × n)."""
    n = np.shape(x)[axis]
    if len(indices) and np.all(np.diff(indices) > 0):
        lengths = np.diff(np.append(indices, n))
        head = np.zeros(np.shape(x)[:axis] + (int(indices[0]),) + np.shape(x)[axis + 1:])
        return (np.concatenate([head, np.repeat(ct, lengths, axis=axis)], axis=axis),
                None, None)
    # slices that overlap (an index not above the one before reads x[i] alone): ct[k]
    # gathered for every entry of slice k, scatter-added back (as much work as reduceat)
    from .structural import unindex
    segments = _segments(indices, n)
    entries = np.concatenate([np.arange(a, b) for a, b in segments] + [np.arange(0)])
    owner = np.repeat(np.arange(len(segments)), [b - a for a, b in segments])
    lead = (slice(None),) * axis
    return (unindex(np.take(ct, owner, axis=axis), np.shape(x), lead + (entries,)),
            None, None)


def reduceat_with(ufunc):
    """ufunc.reduceat (add, multiply) along one axis; indices plain integers."""
    def reduceat(x, indices, axis=0, dtype=None, out=None):
        name = f"np.{ufunc.__name__}.reduceat"
        if is_traced(indices):
            raise TypeError(f"{name} of traced indices: they are positions, with no "
                            "derivative; pass plain integers")
        if out is not None:
            raise TypeError(f"{name}(..., out=) cannot write a traced value into an array")
        if dtype is not None and np.dtype(dtype).kind != "f":
            raise TypeError(f"{name}(..., dtype={np.dtype(dtype).name}) is not supported "
                            "on traced values: derivatives need a float dtype")
        # NumPy's errors (and values): a bad index, a 0-d x, an axis out of range, axis
        # None of a matrix; indices as NumPy reads them ([] too, which asarray makes float)
        ufunc.reduceat(np.zeros(np.shape(x)), indices, axis=axis)
        indices = np.asarray(indices)
        indices = indices.astype(np.intp) if indices.size or indices.dtype.kind != "f" \
            else np.zeros(indices.shape, np.intp)
        (axis,) = normalize_axis_tuple(0 if axis is None else axis, np.ndim(x))
        if ufunc is np.add:
            return segment_sums(x, indices, axis)
        lead = (slice(None),) * axis
        if not len(indices):
            return x[lead + (slice(0, 0),)] * 1.0
        return np.concatenate([np.prod(x[lead + (slice(a, b),)], axis=axis, keepdims=True)
                               for a, b in _segments(indices, np.shape(x)[axis])], axis=axis)
    return reduceat
