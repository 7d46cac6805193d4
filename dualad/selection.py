"""NumPy functions that choose each entry by a condition or by the values
(STRUCTURAL "composite" rows), written with np.where, gathers and unindex (our
scatter-add), so every engine differentiates the entry chosen and nothing else:

    select(conds, choices, d)   = where(c₀, x₀, where(c₁, x₁, … d))
    piecewise(x, conds, fs)     = fᵢ(x[cᵢ]) scattered into place (fᵢ sees x[cᵢ] only)
    nan_to_num(x)               = x, with nan/±inf replaced by constants (derivative 0)
    copysign(x, y)              = ±|x| by y's sign bit:  ∂/∂x = sign(x)·(±1), ∂/∂y = 0
    heaviside(x, h)             = 0, h or 1 by x's sign: ∂/∂h = 1 where x = 0
    unique(x)                   = x's first occurrences of its distinct values, sorted
    partition(x, k)             = x gathered into np.partition's layout
    trim_zeros(x)               = x sliced to its nonzero entries
    bincount(i, w)              = Σ of wⱼ with iⱼ = k, for each k (linear in w)
"""

from __future__ import annotations

import numpy as np

from .analysis import _value
from .dispatch import is_traced, normalize_axis_tuple, not_complex, real_constant


def select(condlist, choicelist, default=0):
    """The first choice whose condition holds, entry by entry (default where none)."""
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if len(condlist) == 0:
        raise ValueError("select with an empty condition list is not possible")
    for i, cond in enumerate(condlist):
        if is_traced(cond) or np.asarray(cond).dtype != bool:
            raise TypeError(f"invalid entry {i} in condlist: should be boolean ndarray")
    result = default * 1.0 if is_traced(default) else \
        real_constant(default, "np.select's default")
    for cond, choice in zip(condlist[::-1], choicelist[::-1]):
        result = np.where(cond, choice, result)
    shape = np.broadcast_shapes(*map(np.shape, (*condlist, *choicelist, default)))
    return result if np.shape(result) == shape else np.broadcast_to(result, shape)


def piecewise(x, condlist, funclist, *args, **kw):
    """fᵢ(x[cᵢ], *args, **kw) (or the constant fᵢ) where cᵢ holds, 0 elsewhere; one
    function more than conditions is the "otherwise" case.  As NumPy, fᵢ sees only
    the entries where cᵢ holds."""
    from .structural import unindex
    shape = np.shape(x)
    if np.isscalar(condlist) or (not isinstance(condlist[0], (list, np.ndarray))
                                 and len(shape) != 0):
        condlist = [condlist]
    conds = np.asarray(condlist, dtype=bool)
    n, n2 = len(conds), len(funclist)
    if n == n2 - 1:
        conds = np.concatenate([conds, ~np.any(conds, axis=0, keepdims=True)], axis=0)
    elif n != n2:
        raise ValueError(f"with {n} condition(s), either {n} or {n + 1} functions are "
                         "expected")
    y = np.zeros(shape)
    for cond, func in zip(conds, funclist):
        if not np.any(cond):
            continue
        if callable(func):
            piece = func(x[cond], *args, **kw)
        else:
            piece = func
        piece = np.broadcast_to(piece, np.shape(_value(x)[cond])) * 1.0
        y = np.where(cond, unindex(piece, shape, cond) if is_traced(piece)
                     else _scattered(piece, shape, cond), y)
    return y


def _scattered(piece, shape, cond):
    z = np.zeros(shape)
    z[cond] = piece
    return z


_BIG = np.finfo(np.float64).max


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """x with nan → nan=, +inf → posinf= (the largest float), −inf → neginf=."""
    for c in (nan, posinf, neginf):     # (NumPy's cast refuses a complex one too)
        not_complex(c, "np.nan_to_num's nan=, posinf= or neginf=")
    v = _value(x)
    if np.all(np.isfinite(v)):
        return x * 1.0
    hi = _BIG if posinf is None else posinf
    lo = -_BIG if neginf is None else neginf
    return np.where(np.isnan(v), nan, np.where(v == np.inf, hi, np.where(v == -np.inf, lo, x)))


def copysign(x1, x2, /, dtype=None):
    """|x1| with x2's sign bit."""
    if not is_traced(x1):
        x1 = real_constant(x1, "np.copysign's x1")    # (a bool: -True is refused)
    magnitude = np.abs(x1)
    return np.where(np.signbit(_value(x2)), -magnitude, magnitude)


def heaviside(x1, x2, /, dtype=None):
    """0 for x1 < 0, x2 at x1 = 0, 1 for x1 > 0 (nan at nan)."""
    not_complex(x2, "np.heaviside's x2")
    v = _value(x1)
    return np.where(v < 0, 0.0, np.where(v > 0, 1.0, np.where(v == 0, x2, np.nan)))


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None,
           *, equal_nan=True, sorted=True):
    """x's distinct values in order, each the entry where it first occurs (its
    derivative that entry's); the indices and counts read on values."""
    if axis is not None:
        raise TypeError("np.unique(..., axis=...) is not supported on traced values")
    _, index, inverse, counts = np.unique(_value(ar), True, True, True, equal_nan=equal_nan)
    values = np.ravel(ar)[index]
    extra = [r for r, asked in ((index, return_index), (inverse, return_inverse),
                                (counts, return_counts)) if asked]
    return (values, *extra) if extra else values


def partition(a, kth, axis=-1, kind="introselect", order=None):
    """a's entries in np.partition's layout (np.argpartition's differs past 256
    entries and with nans): a gather of the entries NumPy's partition put where, the
    i-th smallest of its result read from the i-th smallest of a (ties in order)."""
    if order is not None:
        raise TypeError("np.partition(..., order=...) is not supported on traced values")
    if axis is None:
        a, axis = np.ravel(a), -1
    values = _value(a)
    laid_out = np.partition(values, kth, axis=axis)
    source = np.empty(np.shape(values), dtype=np.intp)
    np.put_along_axis(source, np.argsort(laid_out, axis=axis, kind="stable"),
                      np.argsort(values, axis=axis, kind="stable"), axis=axis)
    return np.take_along_axis(a, source, axis=axis)


def trim_zeros(filt, trim="fb", axis=None):
    """filt without its leading ('f') and trailing ('b') zeros along the axes."""
    v = _value(filt)
    trim = trim.lower()
    if trim not in {"fb", "bf", "f", "b"}:
        raise ValueError(f"unexpected character(s) in `trim`: {trim!r}")
    axes = tuple(range(v.ndim)) if axis is None else normalize_axis_tuple(axis, v.ndim)
    if not axes:
        return filt
    nonzero = np.argwhere(v)
    if nonzero.size == 0:
        start = stop = np.zeros(v.ndim, dtype=np.intp)
    else:
        start, stop = nonzero.min(axis=0), nonzero.max(axis=0) + 1
        if "f" not in trim:
            start = (None,) * v.ndim
        if "b" not in trim:
            stop = (None,) * v.ndim
    key = tuple(slice(start[i], stop[i]) if i in axes else slice(None) for i in range(v.ndim))
    return filt[key[0]] if len(key) == 1 else filt[key]


def bincount(x, /, weights=None, minlength=0):
    """Σ of the weights at each index value (counts: read on values)."""
    from .structural import unindex
    if is_traced(x):
        raise TypeError("np.bincount of traced indices: its values are counts of integers, "
                        "with no derivative")
    counts = np.bincount(x, minlength=minlength)
    if weights is None:
        return counts
    if np.shape(weights) != np.shape(x):
        raise ValueError("The weights and list don't have the same length.")
    index = np.asarray(x)
    if index.dtype == bool:     # NumPy counts False as 0, True as 1 (not a mask)
        index = index.astype(np.intp)
    return unindex(weights * 1.0, np.shape(counts), index)
