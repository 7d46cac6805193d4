"""NumPy's statistics written with table operations (STRUCTURAL "composite" rows):
nanmax, nanmin, nanvar, nanstd, cov, corrcoef, quantile, percentile, nanquantile,
nanpercentile, nanmedian.

    nanmax:     max over the entries (where selects) that are not nan, and initial
    nanvar:     Σ (x − mean)² / (count − ddof) over the entries that are not nan
    cov:        (X − mean)·(X − mean)ᵀ / (N − ddof), a row per variable
    corrcoef:   cov / (σᵢ·σⱼ), clipped to [−1, 1]
    quantile:   the sorted values at NumPy's virtual index for the method, the two
                around it interpolated as NumPy's _lerp (one for a discrete method)
    nanquantile: the same with each row's count of entries that are not nan as n
"""

from __future__ import annotations

import warnings

import numpy as np

from .composites import kept_dims, nan_if_any_nan, rows_over
from .dispatch import is_traced

_ALL_NAN = "All-NaN slice encountered"


def _warn(message):
    warnings.warn(message, RuntimeWarning, stacklevel=4)


def _nan_extreme(extreme, pairwise, fill):
    name = "fmax" if pairwise is np.fmax else "fmin"

    def impl(a, axis=None, out=None, keepdims=False, initial=None, where=True):
        nan = np.isnan(a)
        if initial is None:
            if where is not True:
                raise ValueError(f"reduction operation '{name}' does not have an identity, so "
                                 "to use a where mask one has to specify 'initial'")
            if 0 in np.shape(a):     # NumPy's error, from a stand-in of a's shape
                getattr(np, name).reduce(np.zeros(np.shape(a)), axis=axis)
            m = extreme(np.where(nan, fill, a), axis=axis, keepdims=keepdims)
            empty = np.all(nan, axis=axis, keepdims=keepdims)
            if not np.any(empty):
                return m
            _warn(_ALL_NAN)
            return np.where(empty, np.nan, m)
        # fmax.reduce(a, initial=c, where=w): the entries w selects that are not nan, and c
        # (a tie with c splits the derivative 0.5/0.5, as np.max(initial=c))
        kept = ~nan if where is True else ~nan & where
        m = pairwise(extreme(a, axis=axis, keepdims=keepdims, initial=fill, where=kept), initial)
        empty = ~np.any(kept, axis=axis, keepdims=keepdims)
        if np.any(empty) and np.any(np.isnan(initial)):     # fmax(−inf, nan) is −inf: c
            m = np.where(empty, initial, m)
        return m
    return impl


nanmax = _nan_extreme(np.max, np.fmax, -np.inf)
nanmin = _nan_extreme(np.min, np.fmin, np.inf)


def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True,
           correction=None):
    """NumPy's nanvar: the mean and the squared deviations over the entries where selects
    that are not nan, nan (with NumPy's warning) where count − ddof ≤ 0."""
    if correction is not None:
        if ddof != 0:
            raise ValueError("ddof and correction can't be provided simultaneously.")
        ddof = correction
    nan = np.isnan(a)
    kept = ~nan if where is True else ~nan & where
    arr = np.where(nan, 0.0, a)
    count = np.sum(kept, axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):    # nan for an all-nan slice
        mean = np.sum(arr, axis=axis, keepdims=True, where=where) / count
        dev = np.where(kept, arr - mean, 0.0)
        var = np.sum(dev * dev, axis=axis, keepdims=keepdims, where=where)
        dof = (count if keepdims else np.reshape(count, np.shape(var))) - ddof
        var = var / np.where(dof > 0, dof, 1)
    if np.any(dof <= 0):
        _warn("Degrees of freedom <= 0 for slice.")
        return np.where(dof > 0, var, np.nan)
    return var


def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True,
           correction=None):
    return np.sqrt(nanvar(a, axis=axis, ddof=ddof, keepdims=keepdims, where=where,
                          correction=correction))


def _rows(m):
    if np.ndim(m) > 2:
        raise ValueError("m has more than 2 dimensions")
    return m if np.ndim(m) == 2 else np.reshape(m, (1, -1))


def cov(m, y=None, rowvar=True, bias=False, ddof=None):
    """np.cov without weights, as NumPy computes it (rowvar=False transposes a 2-d m,
    and a y of more than one row)."""
    x = _rows(m)
    if not rowvar and np.ndim(m) != 1:
        x = np.transpose(x)
    if np.shape(x)[0] == 0:
        return np.array([]).reshape(0, 0)
    if y is not None:
        y = _rows(y)
        if not rowvar and np.shape(y)[0] != 1:
            y = np.transpose(y)
        x = np.concatenate((x, y), axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    fact = max(np.shape(x)[1] - ddof, 0.0)
    x = x - np.mean(x, axis=1)[:, None]
    with np.errstate(divide="ignore"):
        c = np.dot(x, np.transpose(x)) * np.true_divide(1, fact)
    return np.squeeze(c)


def corrcoef(x, y=None, rowvar=True):
    """np.corrcoef: cov scaled by the standard deviations, clipped to [−1, 1]."""
    c = cov(x, y, rowvar)
    if np.ndim(c) == 0:
        return c / c
    d = np.sqrt(np.diagonal(c))
    c = c / d[:, None]
    c = c / d[None, :]
    return np.clip(c, -1, 1)


def _virtual(n, q, alpha, beta):      # NumPy's _compute_virtual_index
    return n * q + (alpha + q * (1 - alpha - beta)) - 1


def _to_boundaries(index, condition):   # NumPy's _discrete_interpolation_to_boundaries
    previous = np.floor(index)
    gamma = index - previous
    res = np.where(condition(gamma, index), previous, previous + 1).astype(np.intp)
    return np.maximum(res, 0)


# NumPy's _QuantileMethods: (the virtual index of q among n sorted entries, the gamma
# fix; None: the index is an order statistic itself)
_METHODS = {
    "inverted_cdf": (lambda n, q: _to_boundaries(n * q - 1, lambda g, i: g == 0), None),
    "averaged_inverted_cdf": (lambda n, q: n * q - 1,
                              lambda gamma, index: np.where(gamma == 0, 0.5, 1.0)),
    "closest_observation": (lambda n, q: _to_boundaries(
        n * q - 1 - 0.5, lambda g, i: (g == 0) & (np.floor(i) % 2 == 1)), None),
    "interpolated_inverted_cdf": (lambda n, q: _virtual(n, q, 0, 1), lambda g, i: g),
    "hazen": (lambda n, q: _virtual(n, q, 0.5, 0.5), lambda g, i: g),
    "weibull": (lambda n, q: _virtual(n, q, 0, 0), lambda g, i: g),
    "linear": (lambda n, q: (n - 1) * q, lambda g, i: g),
    "median_unbiased": (lambda n, q: _virtual(n, q, 1 / 3.0, 1 / 3.0), lambda g, i: g),
    "normal_unbiased": (lambda n, q: _virtual(n, q, 3 / 8.0, 3 / 8.0), lambda g, i: g),
    "lower": (lambda n, q: np.floor((n - 1) * q).astype(np.intp), None),
    "higher": (lambda n, q: np.ceil((n - 1) * q).astype(np.intp), None),
    "midpoint": (lambda n, q: 0.5 * (np.floor((n - 1) * q) + np.ceil((n - 1) * q)),
                 lambda gamma, index: np.where(index % 1 == 0, 0.0, 0.5)),
    "nearest": (lambda n, q: np.around((n - 1) * q).astype(np.intp), None),
}


def _checked(q, method, weights, interpolation, percent=False):
    """q as NumPy takes it (its dtype kept: an integer q picks an order statistic), and
    NumPy's errors; weights= and interpolation= refused by name."""
    if weights is not None or interpolation is not None:
        name = "weights" if weights is not None else "interpolation"
        raise TypeError(f"np.quantile / np.percentile (..., {name}=...) is not supported on "
                        "traced values (pass method=)")
    if method not in _METHODS:
        raise ValueError(f"{method!r} is not a valid method. Use one of: {_METHODS.keys()}")
    if is_traced(q):
        raise TypeError("np.quantile / np.percentile of a traced q is not supported: q is "
                        "read as a number (which order statistics)")
    qs = np.true_divide(q, 100) if percent else np.asanyarray(q)
    if qs.dtype.kind not in "iuf":
        raise TypeError("q must be real numbers")
    if qs.ndim > 2:
        raise ValueError("q must be a scalar or 1d")     # NumPy's error (it takes 2-d)
    if qs.size and not (np.min(qs) >= 0 and np.max(qs) <= 1):
        raise ValueError("Percentiles must be in the range [0, 100]" if percent else
                         "Quantiles must be in the range [0, 1]")
    return qs


def _order_statistics(ordered, count, qs, method):
    """The q-quantiles of each row of ordered (sorted, nan last) whose first count entries
    count (count: a number, or one per row), by NumPy's formula for method: the order
    statistics it picks, interpolated as its _lerp; shaped rows + q's shape."""
    lead = np.shape(ordered)[:-1]
    n = np.reshape(count, np.shape(count) + (1,) * qs.ndim)
    index, fix = _METHODS[method]
    virtual = np.asanyarray(index(n, qs))
    last = np.maximum(n - 1, 0)
    shape = lead + np.shape(qs)

    def take(i):    # NumPy's index −1 is the row's last entry
        i = np.broadcast_to(np.where(i < 0, last, i), shape)
        # (qs.size, not -1: a reshape cannot infer it beside an empty row axis)
        picked = np.take_along_axis(ordered, np.reshape(i, lead + (qs.size,)), axis=-1)
        return np.reshape(picked, shape)
    if fix is None or method == "linear" and virtual.dtype.kind in "iu":   # (an integer q)
        return take(virtual)
    previous = np.floor(virtual)    # NumPy's _get_indexes
    above, below = virtual >= n - 1, virtual < 0
    previous = np.where(above, -1.0, np.where(below, 0.0, previous))
    following = np.where(above, -1.0, np.where(below, 0.0, previous + 1))
    gamma = np.asanyarray(fix(virtual - previous, virtual), dtype=float)
    a, b = take(previous.astype(np.intp)), take(following.astype(np.intp))
    diff = b - a
    # NumPy's _lerp: a + (b − a)·t, or b − (b − a)·(1 − t) from t = 0.5 on
    return np.where(np.broadcast_to(gamma >= 0.5, shape), b - diff * (1 - gamma),
                    a + diff * gamma)


def _q_first(result, qs):
    """NumPy's layout: q's axes before the others."""
    if qs.ndim:
        result = np.moveaxis(result, range(-qs.ndim, 0), range(qs.ndim))
    return result


def _kept(result, a, axes, qs, keepdims):
    if keepdims:
        result = np.reshape(result, list(np.shape(qs)) + kept_dims(np.shape(a), axes))
    return result


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, weights=None, interpolation=None):
    """The q-quantiles: the order statistics NumPy's method picks, interpolated as
    NumPy's _lerp (nan for a slice holding a nan)."""
    qs = _checked(q, method, weights, interpolation)
    rows, axes = rows_over(a, axis)
    ordered = np.sort(rows, axis=-1)
    result = _order_statistics(ordered, np.shape(rows)[-1], qs, method)
    result = nan_if_any_nan(rows, _q_first(result, qs))
    return _kept(result, a, axes, qs, keepdims)


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, weights=None, interpolation=None):
    """np.quantile at q / 100."""
    qs = _checked(q, method, weights, interpolation, percent=True)
    return quantile(a, qs, axis, out, overwrite_input, method, keepdims)


def _empty_nanmean(a, axis, keepdims):      # NumPy's nan-functions of a size-0 array
    _warn("Mean of empty slice")
    return np.nanmean(a, axis=axis, keepdims=keepdims)


def _without_nans(a, axis):
    """(rows sorted with their nans last, count of entries not nan per row, axes, any
    row all nan), with NumPy's warning for an all-nan row."""
    rows, axes = rows_over(a, axis)
    count = np.sum(~np.isnan(rows), axis=-1)
    empty = count == 0
    if np.any(empty):
        _warn(_ALL_NAN)
    return np.sort(rows, axis=-1), count, axes, empty


def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=False, *, weights=None, interpolation=None, _percent=False):
    """np.quantile of each slice's entries that are not nan (nan for an all-nan slice)."""
    qs = _checked(q, method, weights, interpolation, _percent)
    if np.size(a) == 0:
        return _empty_nanmean(a, axis, keepdims)
    ordered, count, axes, empty = _without_nans(a, axis)
    result = _order_statistics(ordered, count, qs, method)
    if np.any(empty):
        result = np.where(np.reshape(empty, np.shape(empty) + (1,) * qs.ndim), np.nan, result)
    return _kept(_q_first(result, qs), a, axes, qs, keepdims)


def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=False, *, weights=None, interpolation=None):
    """np.nanquantile at q / 100."""
    return nanquantile(a, q, axis, out, overwrite_input, method, keepdims, weights=weights,
                       interpolation=interpolation, _percent=True)


def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The middle entry that is not nan, or the mean of the middle two (NumPy's
    (a + b)/2), along the axes; nan for an all-nan slice."""
    if np.size(a) == 0:
        return _empty_nanmean(a, axis, keepdims)
    ordered, count, axes, empty = _without_nans(a, axis)

    def middle(i):
        return np.take_along_axis(ordered, np.maximum(i, 0)[..., None], axis=-1)[..., 0]
    low, high = middle((count - 1) // 2), middle(count // 2)
    m = np.where(count % 2 == 1, low, (low + high) / 2)
    if np.any(empty):
        m = np.where(empty, np.nan, m)
    return np.reshape(m, kept_dims(np.shape(a), axes)) if keepdims else m
