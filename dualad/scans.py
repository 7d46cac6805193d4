"""Running results of associative ufuncs (np.cumprod, np.maximum.accumulate,
np.logaddexp.reduce, ...): NumPy's values, its left fold, carrying the derivatives
of a scan of log₂(n) steps past 16 entries (n traced operations cost ~800x NumPy's
cumprod at n = 10⁴):

    scan:     p[i] ← p[i − s] ∘ p[i] for s = 1, 2, 4, …        (Hillis–Steele)
    result:   value − (scan's value − scan)                     (analysis.valued_as)
"""

from __future__ import annotations

import numpy as np

from . import analysis
from .dispatch import normalize_axis_tuple


def _fold(ufunc, x, axis):
    """ufunc's running results along axis, in NumPy's order (a left fold: n traced
    operations)."""
    xs = np.moveaxis(x, axis, 0)
    acc = xs[0]
    results = [acc]
    for i in range(1, np.shape(xs)[0]):
        acc = ufunc(acc, xs[i])
        results.append(acc)
    return np.moveaxis(np.stack(results), 0, axis)


def _scan(ufunc, x, axis):
    """ufunc's running results along axis in log₂(n) steps (Hillis–Steele: p[i] ←
    p[i − s] ∘ p[i]), for an associative ufunc."""
    n = np.shape(x)[axis]
    lead, step = (slice(None),) * axis, 1
    while step < n:
        x = np.concatenate([x[lead + (slice(None, step),)],
                            ufunc(x[lead + (slice(None, n - step),)],
                                  x[lead + (slice(step, None),)])], axis=axis)
        step *= 2
    return x


def _closed_form(ufunc, x, axis, accumulate):
    """The running (or total) logaddexp, logaddexp2 or hypot in closed form, shifted by
    the largest value: m + log Σ e^(x − m), s·√Σ (x/s)².  Their scan (and fold) pairs
    two −inf (two 0) entries, whose partials are nan (0/0); these never do."""
    v = analysis._value(x)
    total = np.cumsum if accumulate else (lambda a, axis: np.sum(a, axis, keepdims=True))
    if ufunc is np.hypot:
        s = np.max(np.abs(v), axis=axis, keepdims=True)
        s = np.where((s > 0) & np.isfinite(s), s, 1.0)
        return s * np.sqrt(total((x / s) ** 2, axis=axis))
    power, log = (np.exp, np.log) if ufunc is np.logaddexp else (np.exp2, np.log2)
    m = np.max(v, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    return m + log(total(power(x - m), axis=axis))


_CLOSED = (np.logaddexp, np.logaddexp2, np.hypot)


def running(ufunc, x, axis):
    """ufunc.accumulate(x, axis) of an associative ufunc: up to 16 entries the fold;
    beyond, NumPy's values with the derivatives of the scan (n traced products cost
    ~800x NumPy's cumprod at n = 10⁴), the fold where the scan overflows and it not;
    logaddexp, logaddexp2 and hypot by their closed form at every n."""
    if ufunc in _CLOSED:
        g = _closed_form(ufunc, x, axis, True)
    elif np.shape(x)[axis] <= 16:
        return _fold(ufunc, x, axis)
    else:
        g = _scan(ufunc, x, axis)
    return analysis.valued_as(ufunc.accumulate(analysis._value(x), axis=axis), g,
                              lambda: _fold(ufunc, x, axis))


def accumulate_axis(axis, ndim):
    """The one axis accumulate runs along; NumPy's ValueError for several axes, and for
    axis=None beyond a vector (cumsum would flatten); its TypeError for a number."""
    if ndim == 0:
        raise TypeError("cannot accumulate on a scalar")
    if isinstance(axis, (tuple, list)) and len(axis) == 1:
        axis = axis[0]
    if axis is None and ndim == 1:
        axis = 0
    if axis is None or isinstance(axis, (tuple, list)):
        raise ValueError("accumulate does not allow multiple axes")
    return axis


def accumulate_by_scan(ufunc):
    """ufunc.accumulate of an associative ufunc (see running)."""
    def accumulate(x, axis=0, dtype=None, out=None):
        axis = normalize_axis_tuple(accumulate_axis(axis, np.ndim(x)), np.ndim(x))[0]
        return running(ufunc, x, axis)
    return accumulate


def reduce_by_scan(ufunc):
    """ufunc.reduce of an associative ufunc along one axis: the scan's last entry."""
    def reduce(x, axis=0, dtype=None, out=None, keepdims=False):
        if np.ndim(x) == 0:
            return x * 1.0      # (NumPy reduces a number to itself)
        if axis is None and np.ndim(x) == 1 or isinstance(axis, tuple) and len(axis) == 1:
            axis = 0 if axis is None else axis[0]
        if axis is None or isinstance(axis, tuple):
            raise TypeError(f"np.{ufunc.__name__}.reduce over several axes is not "
                            "supported on traced values")
        axis = normalize_axis_tuple(axis, np.ndim(x))[0]
        if np.shape(x)[axis] == 0:
            if ufunc.identity is None:
                raise ValueError(f"zero-size array to reduction operation "
                                 f"{ufunc.__name__} which has no identity")
            return ufunc.reduce(analysis._value(x), axis=axis, keepdims=keepdims)
        if ufunc in _CLOSED:
            last = analysis.valued_as(
                ufunc.reduce(analysis._value(x), axis=axis, keepdims=True),
                _closed_form(ufunc, x, axis, False),
                lambda: np.take(_fold(ufunc, x, axis), [-1], axis=axis))
        else:
            last = np.take(running(ufunc, x, axis), [-1], axis=axis)
        return last if keepdims else np.squeeze(last, axis=axis)
    return reduce
