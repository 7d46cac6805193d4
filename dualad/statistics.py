"""NumPy's statistics written with table operations (STRUCTURAL "composite" rows):
nanmax, nanmin, nanvar, nanstd, cov, corrcoef, quantile, percentile.

    nanmax:     max over the entries that are not nan (nan for an all-nan slice)
    nanvar:     Σ (x − mean)² / (count − ddof) over the entries that are not nan
    cov:        (X − mean)·(X − mean)ᵀ / (N − ddof), a row per variable
    corrcoef:   cov / (σᵢ·σⱼ), clipped to [−1, 1]
    quantile:   the sorted values at q·(n − 1), interpolated linearly between the
                two around it as NumPy's _lerp (method='linear' only)
"""

from __future__ import annotations

import numpy as np

from .composites import kept_dims, nan_if_any_nan, rows_over


def _nan_extreme(extreme, fill):
    def impl(a, axis=None, out=None, keepdims=False):
        nan = np.isnan(a)
        m = extreme(np.where(nan, fill, a), axis=axis, keepdims=keepdims)
        empty = np.all(nan, axis=axis, keepdims=keepdims)
        return np.where(empty, np.nan, m) if np.any(empty) else m
    return impl


nanmax = _nan_extreme(np.max, -np.inf)
nanmin = _nan_extreme(np.min, np.inf)


def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    kept = ~np.isnan(a)
    count = np.sum(kept, axis=axis, keepdims=True)
    zeroed = np.where(kept, a, 0.0)
    dof = np.sum(kept, axis=axis, keepdims=keepdims) - ddof
    with np.errstate(invalid="ignore", divide="ignore"):    # nan for an all-nan slice
        mean = np.sum(zeroed, axis=axis, keepdims=True) / count
        dev = np.where(kept, zeroed - mean, 0.0)
        var = np.sum(dev * dev, axis=axis, keepdims=keepdims) / np.where(dof > 0, dof, 1)
    return np.where(dof > 0, var, np.nan) if np.any(dof <= 0) else var


def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return np.sqrt(nanvar(a, axis=axis, ddof=ddof, keepdims=keepdims))


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


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, weights=None, interpolation=None):
    """The q-quantiles by linear interpolation between order statistics (NumPy's
    default method)."""
    if method != "linear" or interpolation is not None or weights is not None:
        raise TypeError("np.quantile / np.percentile on traced values take "
                        "method='linear' only (no weights)")
    qs = np.asarray(q, dtype=float)
    if qs.ndim > 2:
        raise ValueError("q must be a scalar or 1d")     # NumPy's error (it takes 2-d)
    if np.any((qs < 0) | (qs > 1)):
        raise ValueError("Quantiles must be in the range [0, 1]")
    rows, axes = rows_over(a, axis)
    n = np.shape(rows)[-1]
    ordered = np.sort(rows, axis=-1)
    index = qs * (n - 1)
    lower = np.floor(index).astype(int)
    upper = np.minimum(lower + 1, n - 1)
    t = index - lower
    below, above = ordered[..., lower], ordered[..., upper]
    diff = above - below
    # NumPy's _lerp: a + (b − a)·t, or b − (b − a)·(1 − t) from t = 0.5 on
    result = np.where(t >= 0.5, above - diff * (1 - t), below + diff * t)
    if qs.ndim:     # q's axes first, as NumPy's
        result = np.moveaxis(result, range(-qs.ndim, 0), range(qs.ndim))
    result = nan_if_any_nan(rows, result)
    if keepdims:
        result = np.reshape(result, list(np.shape(qs)) + kept_dims(np.shape(a), axes))
    return result


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, weights=None, interpolation=None):
    """np.quantile at q / 100."""
    return quantile(a, np.true_divide(q, 100), axis, out, overwrite_input, method, keepdims,
                    weights=weights, interpolation=interpolation)
