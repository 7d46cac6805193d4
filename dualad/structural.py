"""The structural (array) operations every engine reads.

STRUCTURAL[func] = (kind, ...):

("linear", positions, transpose)
    f is linear in the arguments at `positions` (None: every positional
    argument).  Forward mode applies f itself to the tangents (JAX's
    `deflinear`); reverse mode calls transpose(ct, out, *args, **kw), which
    returns one cotangent per positional argument (a list for a sequence
    argument such as concatenate's, None where nothing flows).
("multilinear", transpose_0, transpose_1, ...)
    f is linear in each argument separately (matmul, dot, outer): the tangent
    is Σᵢ f(a, .., ȧᵢ, .., z); transpose_i(ct, out, *args, **kw) is aᵢ's
    cotangent.
("custom", jvp, vjp)
    f is nonlinear in its first argument x only: jvp(t, out, x, ...) is the
    tangent of out, vjp(ct, out, x, ...) the cotangent of x.
("composite", impl)
    f is re-expressed with other operations (mean = sum / n): impl(*args,
    **kw) runs on traced values and is differentiated through.

KEYWORDS[func] names the parameters a row handles (arrays included); every
engine calls `check_keywords` first, which refuses any other parameter given
(by keyword or position) away from NumPy's default with a TypeError naming
it, and re-expresses the affine or masking ones in REWRITES (sum(x,
initial=c) = sum(x) + c) so that no engine ever sees them.

Rule bodies use operators and np.* only, so Dual and Tensor values flow
through them; `unindex` (the transpose of indexing) is our own linear
primitive and dispatches like a NumPy function.
"""

from __future__ import annotations

import inspect
import operator

import numpy as np

from . import (
    analysis,
    array_api,
    array_methods,
    composites,
    decompositions,
    einsum,
    floating,
    linalg,
    scans,
    selection,
    statistics,
)
from .dispatch import normalize_axis_tuple, primitive
from .rules import ELEMENTWISE, PRIMAL_ONLY

_BASIC = (int, slice, type(None), type(Ellipsis), np.integer)


def basic_key(key) -> bool:
    """Does key index by ints and slices only?  Then x[key] is a view whose elements
    are distinct, and x̄[key] += ct adds once per element (np.add.at not needed)."""
    if type(key) is tuple:
        return all(isinstance(k, _BASIC) and not isinstance(k, bool) for k in key)
    return isinstance(key, _BASIC) and not isinstance(key, bool)


@primitive
def unindex(ct, shape, key):
    """unindex(ct, shape, key) -> array of `shape`: zeros with ct added at x[key]."""
    z = np.zeros(shape, dtype=np.result_type(ct, np.float64))
    np.add.at(z, key, ct)
    return z


def _axes(axis, ndim):
    """The axes a reduction runs over, in range (NumPy's AxisError if not); a 0-d value
    has none (NumPy reduces a scalar over axis 0 or -1 to itself)."""
    if axis is None:
        return tuple(range(ndim))
    if ndim == 0 and axis in (0, -1, (0,), (-1,)):
        return ()
    return tuple(sorted(normalize_axis_tuple(axis, ndim)))


def unbroadcast(ct, shape):
    """unbroadcast(ct, shape) -> ct summed over the axes broadcasting added to `shape`."""
    if np.shape(ct) == shape:
        return ct
    ndim = np.ndim(ct)
    lead = ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and np.shape(ct)[i + lead] != 1)
    if axes:
        ct = np.sum(ct, axis=axes, keepdims=True)
    return np.reshape(ct, shape) if lead or np.shape(ct) != shape else ct


def _reduced_back(ct, x, axis, keepdims):
    """Broadcast a reduction's cotangent back over the reduced axes of x."""
    shape = np.shape(x)
    if axis is None and not keepdims and type(ct) in (float, np.float64):
        if np.size(x) > 65536:
            return np.broadcast_to(ct, shape)   # a view: no memory for a big x
        back = np.empty(shape)                  # ~10x cheaper than broadcast_to when small
        back.fill(ct)
        return back
    if not keepdims and axis is not None:
        ct = np.expand_dims(ct, _axes(axis, len(shape)))
    elif not keepdims:
        ct = np.reshape(ct, (1,) * len(shape))
    return np.broadcast_to(ct, shape)


def _sum_T(ct, out, x, axis=None, dtype=None, _out=None, keepdims=False, where=True):
    back = _reduced_back(ct, x, axis, keepdims)
    return (back if where is True else np.where(where, back, 0.0),)


def _reshape_T(ct, out, x, shape=None, order="C", **_):
    return (np.reshape(ct, np.shape(x), order=order),)


def _ravel_T(ct, out, x, order="C"):
    return _reshape_T(ct, out, x, None, order)


def _concatenate_T(ct, out, arrays, axis=0, **_):
    flat = axis is None         # the arrays were raveled first
    if flat:
        ct, axis = np.reshape(ct, (-1,)), 0
    cts, start = [], 0
    for a in arrays:
        n = np.size(a) if flat else np.shape(a)[axis]
        key = (slice(None),) * (axis % np.ndim(ct)) + (slice(start, start + n),)
        cts.append(np.reshape(ct[key], np.shape(a)))
        start += n
    return (cts,)


def _stack_T(ct, out, arrays, axis=0, **_):
    axis = axis % np.ndim(ct)
    return ([ct[(slice(None),) * axis + (i,)] for i in range(len(arrays))],)


def _transpose_T(ct, out, x, axes=None):
    if axes is None:
        return (np.transpose(ct),)
    return (np.transpose(ct, np.argsort([a % np.ndim(x) for a in axes])),)


def _cumsum_T(ct, out, x, axis=None, **_):
    if axis is None or np.ndim(x) == 0:     # (a scalar's cumsum is its 1-vector)
        flipped = np.flip(np.reshape(ct, (-1,)))
        return (np.reshape(np.flip(np.cumsum(flipped)), np.shape(x)),)
    return (np.flip(np.cumsum(np.flip(ct, axis), axis=axis), axis),)


def _max_weights(out, x, axis, keepdims):
    """Where x attains its max/min along axis; ties share the derivative equally.  A
    nan max is attained nowhere: its weights are 0/0 = nan, as in JAX, without
    NumPy's warning about a division the user never wrote."""
    m = out if keepdims or axis is None else np.expand_dims(out, _axes(axis, np.ndim(x)))
    hit = x == m
    with np.errstate(invalid="ignore"):
        return hit / np.sum(hit, axis=axis, keepdims=True)


def _extreme_jvp(t, out, x, axis=None, _out=None, keepdims=False, **_):
    return np.sum(_max_weights(out, x, axis, keepdims) * t, axis=axis, keepdims=keepdims)


def _extreme_vjp(ct, out, x, axis=None, _out=None, keepdims=False, **_):
    return _max_weights(out, x, axis, keepdims) * _reduced_back(ct, x, axis, keepdims)


def _prod_partials(x, axis):
    """∂prod/∂xᵢ = product of the others, by exclusive cumulative products (exact at 0)."""
    if np.ndim(x) == 0:     # NumPy takes axis 0 / -1 of a scalar (AxisError beyond)
        _axes(axis, 0)
        return np.ones(())
    if axis is None:
        flat = np.reshape(x, (-1,))
        return np.reshape(_prod_partials(flat, 0), np.shape(x))
    if isinstance(axis, (tuple, list)):     # the reduced axes moved last, as one
        axes = _axes(axis, np.ndim(x))
        order = [i for i in range(np.ndim(x)) if i not in axes] + list(axes)
        moved = np.transpose(x, order)
        lead = np.shape(moved)[:np.ndim(x) - len(axes)]
        p = _prod_partials(np.reshape(moved, lead + (-1,)), -1)
        return np.transpose(np.reshape(p, np.shape(moved)), np.argsort(order))
    shape = list(np.shape(x))
    shape[axis] = 1
    ones = np.ones(shape)
    before = np.cumprod(np.concatenate([ones, x], axis=axis), axis=axis)
    after = np.flip(np.cumprod(np.concatenate([ones, np.flip(x, axis)], axis=axis),
                               axis=axis), axis)
    n = np.shape(x)[axis]
    lo = (slice(None),) * (axis % np.ndim(x))
    return before[lo + (slice(0, n),)] * after[lo + (slice(1, n + 1),)]


def _prod_jvp(t, out, x, axis=None, dtype=None, _out=None, keepdims=False, **_):
    return np.sum(_prod_partials(x, axis) * t, axis=axis, keepdims=keepdims)


def _prod_vjp(ct, out, x, axis=None, dtype=None, _out=None, keepdims=False, **_):
    return _prod_partials(x, axis) * _reduced_back(ct, x, axis, keepdims)


def _matmul_T0(ct, out, a, b, **_):
    if np.ndim(b) == 1:
        return unbroadcast(np.multiply.outer(ct, b) if np.ndim(a) > 1 else ct * b, np.shape(a))
    if np.ndim(a) == 1:
        return unbroadcast(np.matmul(b, np.expand_dims(ct, -1))[..., 0], np.shape(a))
    return unbroadcast(np.matmul(ct, np.swapaxes(b, -1, -2)), np.shape(a))


def _matmul_T1(ct, out, a, b, **_):
    if np.ndim(a) == 1:     # b̄[..., i, j] = a[i] · ct[..., j]
        if np.ndim(b) == 1:
            return ct * a
        return unbroadcast(np.reshape(a, (-1, 1)) * np.expand_dims(ct, -2), np.shape(b))
    if np.ndim(b) == 1:
        return unbroadcast(np.sum(np.matmul(np.swapaxes(a, -1, -2),
                                            np.expand_dims(ct, -1))[..., 0],
                                  axis=tuple(range(np.ndim(ct) - 1))), np.shape(b))
    return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), ct), np.shape(b))


def _dot_T0(ct, out, a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(ct * b, np.shape(a))
    if np.ndim(b) <= 2:
        return _matmul_T0(ct, out, a, b)
    # dot(a, b)[i.., j.., m] = Σₖ a[i.., k]·b[j.., k, m]: ā = ct₂ @ b₂ᵀ with ct as
    # (i.., j..·m) and b as (k, j..·m)
    k = np.shape(a)[-1]
    ct2 = np.reshape(ct, (-1, int(np.size(b)) // k))
    b2 = np.reshape(np.moveaxis(b, -2, 0), (k, -1))
    return np.reshape(np.matmul(ct2, np.swapaxes(b2, 0, 1)), np.shape(a))


def _dot_T1(ct, out, a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(ct * a, np.shape(b))
    if np.ndim(b) <= 2:
        return _matmul_T1(ct, out, a, b)
    # b̄[j.., k, m] = Σᵢ a[i.., k]·ct[i.., j.., m]: aᵀ₂ @ ct₂, k moved back before m
    k = np.shape(a)[-1]
    a2 = np.reshape(a, (-1, k))
    ct2 = np.reshape(ct, (np.shape(a2)[0], -1))
    shape = np.shape(b)
    g = np.reshape(np.matmul(np.swapaxes(a2, 0, 1), ct2), (k,) + shape[:-2] + shape[-1:])
    return np.moveaxis(g, 0, -2)


def _count(x, total, axis, keepdims, where):
    """How many elements of x went into each entry of the reduction `total`."""
    if where is not True:
        return np.sum(np.broadcast_to(where, np.shape(x)), axis=axis, keepdims=keepdims)
    return np.size(x) // max(np.size(total), 1) if np.size(x) else 0


def _mean(x, axis=None, dtype=None, out=None, keepdims=False, *, where=True):
    # Σ_where x / #where
    if axis is not None:    # NumPy's AxisError for a 0-d x (np.sum there takes axis 0)
        normalize_axis_tuple(axis, np.ndim(x))
    kw = {} if where is True else {"where": where}
    total = np.sum(x, axis=axis, keepdims=keepdims, **kw)
    return total / _count(x, total, axis, keepdims, where)


def _var(x, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True,
         correction=None):
    # Σ_where (x - mean)² / (#where - ddof); correction is ddof's other name
    if correction is not None:
        if ddof != 0:
            raise ValueError("ddof and correction can't be provided simultaneously.")
        ddof = correction
    kw = {} if where is True else {"where": where}
    dev = x - np.mean(x, axis=axis, keepdims=True, **kw)
    sq = np.sum(dev * dev, axis=axis, keepdims=keepdims, **kw)
    # NumPy's divisor max(#where - ddof, 0): inf or nan when ddof ≥ #where, never < 0
    return sq / np.maximum(_count(x, sq, axis, keepdims, where) - ddof, 0)


def _matrix_norm(x, ord, axis, keepdims):
    # ‖X‖_1 = max_j Σ_i |x_ij|, ‖X‖_∞ = max_i Σ_j |x_ij| (min for -1, -∞); ‖X‖_2, ‖X‖_-2,
    # ‖X‖_nuc: the largest, smallest, summed singular values
    rows, cols = normalize_axis_tuple(axis or (0, 1), np.ndim(x), allow_duplicate=True)
    if rows == cols:
        raise ValueError("Duplicate axes given.")       # NumPy's errors
    if ord is None or ord == "fro":
        total = np.sum(x * x, axis=(rows, cols), keepdims=keepdims)
        return np.sqrt(total)
    if ord in (2, -2, "nuc"):
        return decompositions.singular_value_norm(x, ord, rows, cols, keepdims)
    if ord not in (1, -1, np.inf, -np.inf):
        raise ValueError("Invalid norm order for matrices.")     # NumPy's error
    summed, kept = (rows, cols) if ord in (1, -1) else (cols, rows)
    extreme = np.max if ord > 0 else np.min
    sums = np.sum(np.abs(x), axis=summed, keepdims=True)
    # an empty axis: NumPy's norm is 0 for 1 and inf (its max takes initial=0), its
    # min (-1, -inf) raises as np.min of an empty array does
    empty = {"initial": 0.0} if ord > 0 and not np.shape(sums)[kept] else {}
    n = extreme(sums, axis=kept, keepdims=True, **empty)
    return n if keepdims else np.squeeze(n, axis=(rows, cols))


def _norm(x, ord=None, axis=None, keepdims=False):
    if isinstance(axis, (tuple, list)) and len(axis) not in (1, 2):
        raise ValueError("Improper number of dimensions to norm.")      # NumPy's error
    if axis is not None:    # NumPy's AxisError for a 0-d x (np.sum there takes axis 0)
        normalize_axis_tuple(axis, np.ndim(x), allow_duplicate=True)
    if isinstance(axis, (tuple, list)) and len(axis) == 2 or \
            axis is None and ord is not None and np.ndim(x) == 2:
        return _matrix_norm(x, ord, axis, keepdims)
    if ord is None or ord == 2 and (axis is not None or np.ndim(x) == 1):
        if axis is None and not keepdims:
            flat = np.reshape(x, (-1,))
            return np.sqrt(np.dot(flat, flat))
        return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))
    if ord == 1 and (axis is not None or np.ndim(x) == 1):
        return np.sum(np.abs(x), axis=axis, keepdims=keepdims)
    if axis is None and np.ndim(x) != 1:
        raise ValueError("Improper number of dimensions to norm.")      # NumPy's error
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")     # NumPy's error
    if ord == np.inf:
        if np.size(x) == 0:     # NumPy's initial=0: an empty vector's norm is 0
            return np.max(np.abs(x), axis=axis, keepdims=keepdims, initial=0.0)
        return np.max(np.abs(x), axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return np.min(np.abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:    # how many entries are not 0: piecewise constant
        return np.sum(x != 0, axis=axis, keepdims=keepdims) * 1.0
    # (Σ|x|^p)^(1/p), as NumPy computes it
    return np.sum(np.abs(x) ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)


def _clip(x, a_min=None, a_max=None, out=None, **kw):
    lo = kw.get("min", a_min)
    hi = kw.get("max", a_max)
    if lo is not None:
        x = np.maximum(x, lo)
    if hi is not None:
        x = np.minimum(x, hi)
    return x


def _cumprod(x, axis=None, dtype=None, out=None):
    # running products: NumPy's values; up to 16 multiplied in its order, beyond it a
    # scan of log₂(n) steps carries the derivative (n traced products cost ~800x
    # NumPy's cumprod at n = 10⁴)
    if axis is None or np.ndim(x) == 0:
        if axis is not None:
            _axes(axis, 0)      # a scalar takes axis 0 / -1 as NumPy does (AxisError beyond)
        x, axis = np.reshape(x, (-1,)), 0
    (axis,) = normalize_axis_tuple(axis, np.ndim(x))   # NumPy's AxisError if out of range
    if not np.shape(x)[axis]:
        return x * 1.0
    return scans.running(np.multiply, x, axis)



def _power_of_ten(n):
    """10ⁿ as NumPy's round builds it (its power_of_ten): exact to 1e8, then times 10
    (10.0 ** 23 is 1.0000000000000001e+23, NumPy's 9.999999999999999e+22; inf past
    1e308, where 10.0 ** n raised OverflowError)."""
    if n < 9:
        return float(10 ** n)
    scale = 1e9
    for _ in range(n - 9):
        scale *= 10.0
        if scale == np.inf:
            break
    return scale


def _round(x, decimals=0, out=None):
    # as NumPy: rint(x·10^d)/10^d, and for d < 0 rint(x/10^−d)·10^−d (x·1e-5 was inexact:
    # round(7997770735087.39, -5) came out 7997770699999.999); piecewise constant
    decimals = operator.index(decimals)
    if decimals == 0:
        return np.rint(x)
    if decimals < 0:
        scale = _power_of_ten(-decimals)
        return np.rint(x / scale) * scale
    scale = _power_of_ten(decimals)
    return np.rint(x * scale) / scale


def _outer(a, b, out=None):
    return np.multiply(np.reshape(a, (-1, 1)), np.reshape(b, (1, -1)))


def _atleast(ndim):
    def impl(*arys):
        outs = []
        for a in arys:
            shape = np.shape(a)
            if len(shape) < ndim:
                shape = (1,) * (ndim - len(shape)) + shape if ndim < 3 else (
                    (1,) + shape + (1,) if len(shape) == 1 else (1,) * (3 - len(shape)) + shape)
                a = np.reshape(a, shape)
            outs.append(a)
        return outs[0] if len(outs) == 1 else tuple(outs)   # (NumPy 2: a tuple)
    return impl


def _hstack(arrays, **kw):
    arrays = [np.atleast_1d(a) for a in arrays]
    return np.concatenate(arrays, axis=0 if np.ndim(arrays[0]) == 1 else 1)


def _vstack(arrays, **kw):
    return np.concatenate([np.atleast_2d(a) for a in arrays], axis=0)


def _diff(x, n=1, axis=-1, prepend=None, append=None):
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n!r}")     # NumPy's error
    (axis,) = normalize_axis_tuple(axis, np.ndim(x))   # NumPy's AxisError if out of range
    if prepend is not None or append is not None:   # joined to x along axis first
        edge = list(np.shape(x))
        edge[axis] = 1
        parts = [p if np.ndim(p) else np.broadcast_to(p, tuple(edge))
                 for p in (prepend, x, append) if p is not None]
        x = np.concatenate(parts, axis=axis)
    for _i in range(n):
        nd = np.ndim(x)
        lo = [slice(None)] * nd
        hi = [slice(None)] * nd
        lo[axis] = slice(None, -1)
        hi[axis] = slice(1, None)
        x = x[tuple(hi)] - x[tuple(lo)]
    return x


def _shape_back(ct, out, x, *args, **kw):
    return (np.reshape(ct, np.shape(x)),)


def _roll_T(ct, out, x, shift, axis=None):
    if isinstance(shift, (tuple, list)) or isinstance(axis, (tuple, list)) or not np.size(ct):
        neg = tuple(-s for s in shift) if isinstance(shift, (tuple, list)) else -shift
        return (np.roll(ct, neg, axis=axis),)
    # roll by -shift as two slices (np.roll itself costs ~5x more on small arrays)
    shape = np.shape(ct)
    if axis is None:
        flat = ct if len(shape) == 1 else np.reshape(ct, (-1,))
        s = shift % np.size(ct)
        back = np.concatenate((flat[s:], flat[:s]))
        return (back if len(shape) == 1 else np.reshape(back, shape),)
    lo = (slice(None),) * (axis % len(shape))
    s = shift % shape[axis]
    return (np.concatenate((ct[lo + (slice(s, None),)], ct[lo + (slice(None, s),)]), axis=axis),)


def _broadcast_to_T(ct, out, x, shape, **_):
    return (unbroadcast(ct, np.shape(x)),)


def _where_T(ct, out, cond, a, b):
    zero = np.zeros_like(out) if np.ndim(ct) else 0.0
    return (None, unbroadcast(np.where(cond, ct, zero), np.shape(a)),
            unbroadcast(np.where(cond, zero, ct), np.shape(b)))


def _flip_T(ct, out, x, axis=None):
    return (np.flip(ct, axis),)


def _swapaxes_T(ct, out, x, axis1, axis2):
    return (np.swapaxes(ct, axis1, axis2),)


def _moveaxis_T(ct, out, x, source, destination):
    return (np.moveaxis(ct, destination, source),)


def _unindex_T(ct, out, c, shape, key):
    return (ct[key], None, None)


def _copy_T(ct, out, x, *args, **kw):
    return (ct,)


def _triu_T(ct, out, x, k=0):
    # a 1-d x is broadcast to rows first (NumPy's triu of a vector is (n, n)): summed back
    return (unbroadcast(np.triu(ct, k), np.shape(x)),)


def _tril_T(ct, out, x, k=0):
    return (unbroadcast(np.tril(ct, k), np.shape(x)),)


def _trace_T(ct, out, x, offset=0, axis1=0, axis2=1, **_):
    # x̄[.., i, .., j, ..] = ct[..] where j - i = offset (i along axis1, j along axis2)
    shape = np.shape(x)
    a1, a2 = axis1 % len(shape), axis2 % len(shape)
    eye = np.eye(shape[a1], shape[a2], k=offset)
    if a1 > a2:
        eye = eye.T
    if len(shape) == 2:
        return (eye * ct,)
    eye = np.reshape(eye, [n if i in (a1, a2) else 1 for i, n in enumerate(shape)])
    return (eye * np.expand_dims(ct, (a1, a2)),)


STRUCTURAL = {
    # linear: forward applies f to the tangent; reverse needs only the transpose
    np.sum: ("linear", (0,), _sum_T),
    np.reshape: ("linear", (0,), _reshape_T),
    np.ravel: ("linear", (0,), _ravel_T),
    np.squeeze: ("linear", (0,), _shape_back),
    np.expand_dims: ("linear", (0,), _shape_back),
    np.transpose: ("linear", (0,), _transpose_T),
    np.swapaxes: ("linear", (0,), _swapaxes_T),
    np.moveaxis: ("linear", (0,), _moveaxis_T),
    np.broadcast_to: ("linear", (0,), _broadcast_to_T),
    np.concatenate: ("linear", (0,), _concatenate_T),
    np.stack: ("linear", (0,), _stack_T),
    np.roll: ("linear", (0,), _roll_T),
    np.flip: ("linear", (0,), _flip_T),
    np.cumsum: ("linear", (0,), _cumsum_T),
    np.copy: ("linear", (0,), _copy_T),
    np.triu: ("linear", (0,), _triu_T),
    np.tril: ("linear", (0,), _tril_T),
    np.trace: ("linear", (0,), _trace_T),
    np.where: ("linear", (1, 2), _where_T),   # only the chosen branch: NaN-safe
    unindex: ("linear", (0,), _unindex_T),
    # linear in each argument separately
    np.matmul: ("multilinear", _matmul_T0, _matmul_T1),
    np.dot: ("multilinear", _dot_T0, _dot_T1),
    # nonlinear in x
    np.max: ("custom", _extreme_jvp, _extreme_vjp),
    np.min: ("custom", _extreme_jvp, _extreme_vjp),
    np.prod: ("custom", _prod_jvp, _prod_vjp),
    # re-expressed with the operations above
    np.mean: ("composite", _mean),
    np.var: ("composite", _var),
    np.std: ("composite", lambda *a, **k: np.sqrt(_var(*a, **k))),
    np.linalg.norm: ("composite", _norm),
    np.clip: ("composite", _clip),
    np.cumprod: ("composite", _cumprod),
    np.round: ("composite", _round),
    np.around: ("composite", _round),
    np.outer: ("composite", _outer),
    np.hstack: ("composite", _hstack),
    np.vstack: ("composite", _vstack),
    np.atleast_1d: ("composite", _atleast(1)),
    np.atleast_2d: ("composite", _atleast(2)),
    np.diff: ("composite", _diff),
}
STRUCTURAL[np.amax] = STRUCTURAL[np.max]
STRUCTURAL[np.amin] = STRUCTURAL[np.min]
# functions that copy entries (dualad.composites.gather), and more composites
for _f in (np.tile, np.repeat, np.take, np.take_along_axis, np.diagonal, np.diag,
           np.fliplr, np.flipud, np.rot90, np.resize, np.delete, np.diagflat):
    STRUCTURAL[_f] = ("composite", composites.gather(_f))
for _f, _axis in composites.SPLITS.items():
    STRUCTURAL[_f] = ("composite", composites.splitter(_f, _axis))
STRUCTURAL.update({f: ("composite", impl) for f, impl in {
    np.pad: composites.pad, np.sort: composites.sort, np.median: composites.median,
    np.ptp: composites.ptp, np.average: composites.average, np.nansum: composites.nansum,
    np.nanmean: composites.nanmean, np.tensordot: composites.tensordot,
    np.inner: composites.inner, np.vdot: composites.vdot, np.kron: composites.kron,
    np.append: composites.append, np.column_stack: composites.column_stack,
    np.dstack: composites.dstack, np.atleast_3d: composites.at_least_3d,
    np.real: composites.real, np.compress: composites.compress,
    np.extract: composites.extract, np.einsum: einsum.einsum,
    np.insert: composites.insert, np.choose: composites.choose,
}.items()})
STRUCTURAL[einsum.contract] = ("multilinear", *einsum.TRANSPOSES)
STRUCTURAL[analysis.sinc_at_zero] = ("custom", analysis._sinc_at_zero_jvp,
                                     analysis._sinc_at_zero_vjp)
STRUCTURAL.update({
    np.linalg.inv: ("custom", linalg._inv_jvp, linalg._inv_vjp),
    np.linalg.det: ("custom", linalg._det_jvp, linalg._det_vjp),
    linalg.logabsdet: ("custom", linalg._logabsdet_jvp, linalg._logabsdet_vjp),
    np.linalg.slogdet: ("composite", linalg.slogdet),
    np.linalg.solve: ("composite", linalg.solve),
    np.linalg.matrix_power: ("composite", linalg.matrix_power),
    np.linalg.multi_dot: ("composite", linalg.multi_dot),
    np.polyval: ("composite", analysis.polyval),
    np.interp: ("composite", analysis.interp),
    np.cross: ("composite", analysis.cross),
    np.convolve: ("composite", analysis.convolve),
    np.nanmax: ("composite", statistics.nanmax), np.nanmin: ("composite", statistics.nanmin),
    np.nanvar: ("composite", statistics.nanvar), np.nanstd: ("composite", statistics.nanstd),
    np.cov: ("composite", statistics.cov), np.corrcoef: ("composite", statistics.corrcoef),
    np.quantile: ("composite", statistics.quantile),
    np.percentile: ("composite", statistics.percentile),
    np.nanquantile: ("composite", statistics.nanquantile),
    np.nanpercentile: ("composite", statistics.nanpercentile),
    np.nanmedian: ("composite", statistics.nanmedian),
    np.meshgrid: ("composite", composites.meshgrid),
    np.linspace: ("composite", composites.linspace),
})
for _name in ("trapezoid", "trapz"):    # NumPy 2's name, NumPy 1's
    if hasattr(np, _name):
        STRUCTURAL[getattr(np, _name)] = ("composite", analysis.trapezoid)
_dc = decompositions
STRUCTURAL.update({     # np.linalg's decompositions: composites of one-output primitives
    _dc.eigh_eigenvalues: ("custom", _dc._eigenvalues_jvp, _dc._eigenvalues_vjp),
    _dc.eigvalsh_values: ("custom", _dc._eigenvalues_jvp, _dc._eigenvalues_vjp),
    _dc.eigh_eigenvectors: ("custom", _dc._eigenvectors_jvp, _dc._eigenvectors_vjp),
    _dc.cholesky_factor: ("custom", _dc._cholesky_jvp, _dc._cholesky_vjp),
    _dc.singular_values: ("custom", _dc._values_jvp, _dc._values_vjp),
    _dc.svd_s: ("custom", _dc._values_jvp, _dc._values_vjp),
    _dc.svd_u: ("custom", _dc._u_jvp, _dc._u_vjp),
    _dc.svd_vh: ("custom", _dc._vh_jvp, _dc._vh_vjp),
    _dc.qr_q: ("custom", _dc._qr_q_jvp, _dc._qr_q_vjp),
    _dc.qr_r: ("custom", _dc._qr_r_jvp, _dc._qr_r_vjp),
    np.linalg.eigh: ("composite", _dc.eigh), np.linalg.eigvalsh: ("composite", _dc.eigvalsh),
    np.linalg.cholesky: ("composite", _dc.cholesky), np.linalg.svd: ("composite", _dc.svd),
    np.linalg.qr: ("composite", _dc.qr), np.linalg.cond: ("composite", _dc.cond),
    np.linalg.pinv: ("custom", _dc._pinv_jvp, _dc._pinv_vjp),
    np.linalg.lstsq: ("composite", _dc.lstsq),
})
if hasattr(np.linalg, "svdvals"):     # NumPy 2's
    STRUCTURAL[np.linalg.svdvals] = ("composite", _dc.svdvals)
STRUCTURAL[floating.scaled] = ("linear", (0,), floating._scaled_T)     # np.ldexp, frexp
STRUCTURAL[floating.segment_sums] = ("linear", (0,), floating._segment_sums_T)


def _sum_initial(a, axis=None, dtype=None, out=None, keepdims=False, initial=0.0, where=True):
    # sum(x, initial=c) = sum(x) + c: affine, not linear
    return np.sum(a, axis=axis, dtype=dtype, keepdims=keepdims, where=where) + initial


def _prod_masked(a, axis=None, dtype=None, out=None, keepdims=False, initial=1.0, where=True):
    # prod(x, initial=c, where=w) = c · prod(where(w, x, 1))
    if where is not True:
        a = np.where(where, a, 1.0)
    return np.prod(a, axis=axis, dtype=dtype, keepdims=keepdims) * initial


def _extreme_masked(extreme, pairwise):
    # max(x, initial=c, where=w) = maximum(max(where(w, x, −inf)), c): the masked slots
    # filled with c tied with an x equal to c, each taking a share of its derivative
    # (1/6 for 1/2 when five slots were masked)
    fill = -np.inf if pairwise is np.maximum else np.inf

    def impl(a, axis=None, out=None, keepdims=False, initial=None, where=True):
        if initial is None:
            raise ValueError(f"reduction operation '{pairwise.__name__}' does not have an "
                             "identity, so to use a where mask one has to specify 'initial'")
        if where is not True:
            a = np.where(where, a, fill)
        if 0 in a.shape:    # nothing to reduce (NumPy's max has no identity): initial
            return np.sum(a, axis=axis, keepdims=keepdims) * 0.0 + initial
        return pairwise(extreme(a, axis=axis, keepdims=keepdims), initial)
    return impl


# The parameters each row handles (see check_keywords); REWRITES[func][name] is the
# call re-expressed when parameter `name` is given.
_REDUCE = "a axis dtype keepdims"
KEYWORDS = {func: frozenset(names.split()) for func, names in {
    np.sum: _REDUCE + " where", np.prod: _REDUCE, np.max: "a axis keepdims",
    np.min: "a axis keepdims", np.mean: _REDUCE + " where",
    np.var: _REDUCE + " ddof where correction", np.std: _REDUCE + " ddof where correction",
    np.reshape: "a shape order copy", np.ravel: "a order", np.squeeze: "a axis",
    np.expand_dims: "a axis", np.transpose: "a axes", np.swapaxes: "a axis1 axis2",
    np.moveaxis: "a source destination", np.broadcast_to: "array shape subok",
    np.concatenate: "arrays axis dtype", np.stack: "arrays axis dtype",
    np.roll: "a shift axis", np.flip: "m axis", np.cumsum: "a axis dtype",
    np.copy: "a subok", np.triu: "m k", np.tril: "m k",
    np.trace: "a offset axis1 axis2 dtype", np.where: "condition x y",
    unindex: "ct shape key", np.matmul: "x1 x2", np.dot: "a b",
    np.linalg.norm: "x ord axis keepdims", np.clip: "a a_min a_max min max",
    np.cumprod: "a axis dtype", np.round: "a decimals", np.around: "a decimals",
    np.outer: "a b", np.hstack: "tup", np.vstack: "tup", np.atleast_1d: "",
    np.atleast_2d: "", np.diff: "a n axis prepend append",
    np.tile: "A reps", np.repeat: "a repeats axis", np.take: "a indices axis mode",
    np.take_along_axis: "arr indices axis", np.diagonal: "a offset axis1 axis2",
    np.diag: "v k", np.diagflat: "v k", np.insert: "arr obj values axis",
    np.choose: "a choices mode", np.fliplr: "m", np.flipud: "m", np.rot90: "m k axes",
    np.split: "ary indices_or_sections axis", np.array_split: "ary indices_or_sections axis",
    np.hsplit: "ary indices_or_sections", np.vsplit: "ary indices_or_sections",
    np.dsplit: "ary indices_or_sections", np.resize: "a new_shape", np.delete: "arr obj axis",
    np.pad: "array pad_width mode constant_values reflect_type", np.sort: "a axis kind stable",
    np.median: "a axis keepdims overwrite_input", np.ptp: "a axis keepdims",
    np.average: "a axis weights returned keepdims", np.nansum: _REDUCE + " initial where",
    np.nanmean: _REDUCE + " where", np.tensordot: "a b axes", np.inner: "a b",
    np.vdot: "a b", np.kron: "a b", np.append: "arr values axis", np.column_stack: "tup",
    np.dstack: "tup", np.atleast_3d: "", np.real: "val", np.compress: "condition a axis",
    np.extract: "condition arr", np.einsum: "operands optimize",
    einsum.contract: "operands spec optimize", np.linalg.inv: "a", np.linalg.det: "a",
    linalg.logabsdet: "a", np.linalg.slogdet: "a", np.linalg.solve: "a b",
    np.linalg.matrix_power: "a n", np.linalg.multi_dot: "arrays", np.polyval: "p x",
    np.interp: "x xp fp left right period", np.cross: "a b axisa axisb axisc axis",
    np.convolve: "a v mode", analysis.sinc_at_zero: "u k", floating.scaled: "x i",
    floating.segment_sums: "x indices axis",
    np.nanmax: "a axis keepdims initial where", np.nanmin: "a axis keepdims initial where",
    np.nanvar: _REDUCE + " ddof where correction",
    np.nanstd: _REDUCE + " ddof where correction",
    np.cov: "m y rowvar bias ddof", np.corrcoef: "x y rowvar",
    np.quantile: "a q axis overwrite_input method keepdims",
    np.percentile: "a q axis overwrite_input method keepdims",
    np.nanquantile: "a q axis overwrite_input method keepdims",
    np.nanpercentile: "a q axis overwrite_input method keepdims",
    np.nanmedian: "a axis keepdims overwrite_input",
    np.meshgrid: "xi copy sparse indexing", np.linspace: "start stop num endpoint retstep axis",
}.items()}
for _name in ("trapezoid", "trapz"):
    if hasattr(np, _name):
        KEYWORDS[getattr(np, _name)] = frozenset("y x dx axis".split())
# NumPy 2's array-API names, choosing entries, assembling arrays, polynomials
_MORE = {
    "linalg.vector_norm": (array_api.vector_norm, "x axis keepdims ord"),
    "linalg.matrix_norm": (array_api.matrix_norm, "x keepdims ord"),
    "linalg.matrix_transpose": (array_api.matrix_transpose, "x"),
    "matrix_transpose": (array_api.matrix_transpose, "x"),
    "linalg.tensorinv": (linalg.tensorinv, "a ind"),
    "linalg.tensorsolve": (linalg.tensorsolve, "a b axes"),
    "linalg.outer": (array_api.outer, "x1 x2"), "linalg.trace": (array_api.trace, "x offset dtype"),
    "linalg.diagonal": (array_api.diagonal, "x offset"),
    "linalg.cross": (array_api.cross, "x1 x2 axis"),
    "linalg.vecdot": (array_api.vecdot, "x1 x2 axis"),
    "vecdot": (array_api.vecdot, "x1 x2 axis dtype"),
    "linalg.matmul": (lambda x1, x2, /: np.matmul(x1, x2), "x1 x2"),
    "matvec": (array_api.matvec, "x1 x2 dtype"), "vecmat": (array_api.vecmat, "x1 x2 dtype"),
    "cumulative_sum": (array_api.cumulative_sum, "x axis dtype include_initial"),
    "cumulative_prod": (array_api.cumulative_prod, "x axis dtype include_initial"),
    "unstack": (array_api.unstack, "x axis"), "astype": (array_api.astype, "x dtype copy"),
    "select": (selection.select, "condlist choicelist default"),
    "piecewise": (selection.piecewise, "x condlist funclist"),
    "nan_to_num": (selection.nan_to_num, "x copy nan posinf neginf"),
    "copysign": (selection.copysign, "x1 x2 dtype"),
    "heaviside": (selection.heaviside, "x1 x2 dtype"),
    "unique": (selection.unique, "ar return_index return_inverse return_counts axis "
                                 "equal_nan sorted"),
    "partition": (selection.partition, "a kth axis kind"),
    "trim_zeros": (selection.trim_zeros, "filt trim axis"),
    "bincount": (selection.bincount, "x weights minlength"),
    "logspace": (composites.logspace, "start stop num endpoint base dtype axis"),
    "geomspace": (composites.geomspace, "start stop num endpoint dtype axis"),
    "block": (composites.block, "arrays"), "broadcast_arrays": (composites.broadcast_arrays, ""),
    "apply_along_axis": (composites.apply_along_axis, "func1d axis arr"),
    "nanprod": (composites.nanprod, _REDUCE + " initial where"),
    "nancumsum": (composites.nancumsum, "a axis dtype"),
    "nancumprod": (composites.nancumprod, "a axis dtype"), "fix": (composites.fix, "x"),
    "rollaxis": (composites.rollaxis, "a axis start"),
    "lib.stride_tricks.sliding_window_view": (composites.sliding_window_view,
                                              "x window_shape axis subok writeable"),
    "correlate": (analysis.correlate, "a v mode"),
    "gradient": (analysis.gradient, "f axis edge_order"),
    "ediff1d": (analysis.ediff1d, "ary to_end to_begin"),
    "vander": (analysis.vander, "x N increasing"), "polyder": (analysis.polyder, "p m"),
    "polyint": (analysis.polyint, "p m k"), "polyadd": (analysis.polyadd, "a1 a2"),
    "polysub": (analysis.polysub, "a1 a2"), "polymul": (analysis.polymul, "a1 a2"),
    "sinc": (analysis.sinc, "x"), "polyfit": (analysis.polyfit, "x y deg rcond full w"),
    "ldexp": (floating.ldexp, "x1 x2 dtype"), "frexp": (floating.frexp, "x dtype"),
    "modf": (floating.modf, "x dtype"), "divmod": (floating.divmod_, "x1 x2 dtype"),
    "unwrap": (floating.unwrap, "p discont axis period"),
}
# functions that pass other keywords on to the user's function
_FORWARDS_KEYWORDS = frozenset({np.piecewise, np.apply_along_axis})
# the function whose dtype= is the result itself (x.astype checks it: an int cast is the
# values alone); every other dtype= must be a float
_CAST = getattr(np, "astype", None)     # (NumPy ≥ 2)
# "custom" rows whose jvp takes tangents with a leading axis of directions (matmul and
# elementwise rules over stacks of matrices): forward mode calls them once, not once
# per direction
BATCHED_JVP = frozenset({
    np.linalg.inv, np.linalg.det, linalg.logabsdet, analysis.sinc_at_zero,
    decompositions.eigh_eigenvalues, decompositions.eigh_eigenvectors,
    decompositions.eigvalsh_values, decompositions.cholesky_factor,
    decompositions.singular_values, decompositions.svd_u, decompositions.svd_s,
    decompositions.svd_vh, decompositions.qr_q, decompositions.qr_r, np.linalg.pinv,
})
for _path, (_impl, _names) in _MORE.items():     # (names missing from an older NumPy)
    _f = np
    for _part in _path.split("."):
        _f = getattr(_f, _part, None)
    if _f is not None:
        STRUCTURAL[_f] = ("composite", _impl)
        KEYWORDS[_f] = frozenset(_names.split())
KEYWORDS.update({func: frozenset(names.split()) for func, names in {
    _dc.eigh_eigenvalues: "a UPLO", _dc.eigvalsh_values: "a UPLO",
    _dc.eigh_eigenvectors: "a UPLO", _dc.cholesky_factor: "a upper", _dc.singular_values: "a",
    _dc.svd_s: "a full_matrices", _dc.svd_u: "a full_matrices",
    _dc.svd_vh: "a full_matrices", _dc.qr_q: "a", _dc.qr_r: "a",
    np.linalg.eigh: "a UPLO", np.linalg.eigvalsh: "a UPLO", np.linalg.cholesky: "a upper",
    np.linalg.svd: "a full_matrices compute_uv", np.linalg.qr: "a mode", np.linalg.cond: "x p",
    np.linalg.pinv: "a rcond rtol", np.linalg.lstsq: "a b rcond",
}.items()})
if hasattr(np.linalg, "svdvals"):     # NumPy 2's
    KEYWORDS[np.linalg.svdvals] = frozenset({"x"})
KEYWORDS[np.amax] = KEYWORDS[np.max]
KEYWORDS[np.amin] = KEYWORDS[np.min]
REWRITES = {
    np.sum: {"initial": _sum_initial},
    np.prod: dict.fromkeys(("initial", "where"), _prod_masked),
    np.max: dict.fromkeys(("initial", "where"), _extreme_masked(np.max, np.maximum)),
    np.min: dict.fromkeys(("initial", "where"), _extreme_masked(np.min, np.minimum)),
}
REWRITES[np.amax] = REWRITES[np.max]
REWRITES[np.amin] = REWRITES[np.min]
_ONLY = {"order": ("C", "F")}   # order='A'/'K' follow memory layout, which tangents lack
_SIGNATURES = {}


def _signature(func):
    """(positional parameter names, {name: default}, how many leading ones need no
    check, the names that need no check) of a NumPy function, cached."""
    sig = _SIGNATURES.get(func)
    if sig is None:
        try:
            params = inspect.signature(func).parameters.values()
        except (TypeError, ValueError):     # no signature: keywords only
            params = ()
        positional = tuple(p.name for p in params
                           if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))
        easy = KEYWORDS[func] - {"dtype", *_ONLY}
        free = 0
        while free < len(positional) and positional[free] in easy and \
                positional[free] not in _OPTIONS:   # (np.broadcast_to(x, s, False))
            free += 1
        sig = _SIGNATURES[func] = (positional, {p.name: p.default for p in params}, free, easy)
    return sig


def bind_positional(func, args, kwargs, traced):
    """(args, kwargs) with the positional parameters that kwargs name moved into args,
    up to the last one whose value is traced (traced(value)): np.sum(a=x) -> np.sum(x),
    every engine looks for its values among the args.  Options (axis=, dtype=) stay
    keywords; a gap (a parameter before it not given) leaves both as they are."""
    positional = _signature(func)[0][len(args):]
    last = -1
    for i, name in enumerate(positional):
        if name in kwargs and traced(kwargs[name]):
            last = i
    if last < 0 or any(name not in kwargs for name in positional[:last + 1]):
        return args, kwargs
    moved = positional[:last + 1]
    return (*args, *(kwargs[name] for name in moved)), \
        {k: v for k, v in kwargs.items() if k not in moved}


_UNSET = {"where": True, "keepdims": False}   # what NumPy's <no value> defaults mean
# parameters that are never data: the rules take them by name
_OPTIONS = frozenset({"dtype", "out", "keepdims", "subok", "where", "initial", "order",
                      "copy", "casting"})


def _is_default(name, value, default):
    if default is np._NoValue:
        default = _UNSET.get(name)
    return value is default or \
        type(value) is type(default) and type(value) in (bool, int, str) and value == default


def check_keywords(func, args, kwargs, engine):
    """check_keywords(func, args, kwargs, engine) -> (rewrite or None, args, kwargs).

    Raises TypeError naming func and the first parameter given away from NumPy's
    default that func's row neither handles nor rewrites.  A parameter given at its
    default that the row does not handle (out=None, written out) is dropped from the
    args and kwargs returned, the positional ones after it passed by name: the rules
    take only what they handle (np.sum(x, out=None) reached them as a second out)."""
    positional, defaults, free, easy = _signature(func)
    if len(args) <= free and (not kwargs or easy.issuperset(kwargs)):
        return None, args, kwargs
    handled, rewrites, rewrite = KEYWORDS[func], REWRITES.get(func, ()), None
    dropped, cut = [], len(args)
    named = min(len(positional), len(args))     # (np.einsum's operands have no names)
    for i, (name, value) in enumerate((*zip(positional, args), *kwargs.items())):
        default = _is_default(name, value, defaults.get(name))
        if (default or name in _OPTIONS) and i < min(cut, named):
            # positional from here on: passed by name (np.cumsum(x, 0, None), and
            # np.cumsum(x, 0, float): the rules take dtype= and the like by name only)
            cut = i
        if name in handled:
            if name == "dtype" and value is not None and np.dtype(value).kind != "f" and \
                    func is not _CAST:      # (an int cast: x.astype's values alone)
                raise TypeError(f"{_name(func)}(..., dtype={np.dtype(value).name}) is not "
                                f"supported by {engine}: derivatives need a float dtype")
            if name in _ONLY and value not in _ONLY[name]:
                raise TypeError(f"{_name(func)}(..., {name}={value!r}) is not supported by "
                                f"{engine}: only {name}={_ONLY[name]}")
        elif default:
            dropped.append(name)
        elif name not in defaults and func in _FORWARDS_KEYWORDS:
            pass    # np.piecewise(x, c, fs, k=2): passed on to the user's functions
        elif name in rewrites:
            rewrite = rewrites[name]
        else:
            raise TypeError(f"{_name(func)}(..., {name}=...) is not supported by {engine}")
    if dropped or cut < len(args):
        kwargs = {**{n: v for n, v in zip(positional[cut:], args[cut:]) if n not in dropped},
                  **{k: v for k, v in kwargs.items() if k not in dropped}}
        args = args[:cut]
    return rewrite, args, kwargs


def _name(func):
    module = getattr(func, "__module__", None) or "numpy"
    sub = module[6:].split("._")[0] + "." if module.startswith("numpy.") else ""
    return f"np.{sub}{func.__name__}" if module.startswith("numpy") else func.__name__


# Functions that only read shape or value: evaluated on primals.
PRIMAL_ONLY_FUNCTIONS = frozenset({
    np.shape, np.ndim, np.size, np.argmax, np.argmin, np.argsort, np.nonzero,
    np.isclose, np.allclose, np.array_equal, np.iscomplexobj, np.isrealobj,
    np.result_type, np.count_nonzero, np.any, np.all, np.searchsorted, np.argpartition,
    linalg.det_sign, analysis._value, np.nanargmax, np.nanargmin, np.isin, np.digitize,
    np.lexsort, np.argwhere, np.flatnonzero, np.triu_indices_from, np.tril_indices_from,
    np.diag_indices_from, np.linalg.matrix_rank, np.iscomplex, np.isreal, np.imag,
    np.isposinf, np.isneginf, floating.exponent, array_methods.cast_values,
    np.angle,   # of real values: 0 or π, derivative 0 (complex values are never traced)
    np.zeros_like, np.ones_like, np.empty_like, np.full_like,
})


def _reduce_with(reduction):
    def reduce(x, axis=0, dtype=None, out=None, keepdims=False, **kw):   # initial=, where=
        if dtype is not None:
            kw["dtype"] = dtype
        return reduction(x, axis=axis, keepdims=keepdims, **kw)
    return reduce


_UFUNC_DEFAULTS = {"where": True, "casting": "same_kind", "order": "K", "subok": True,
                   "signature": None}


def ufunc_call_keywords(ufunc, kwargs, engine) -> None:
    """TypeError naming the first keyword of a ufunc call (np.sin(x, where=m)) that is
    away from NumPy's default; a float64 dtype= counts as the default.  The engines
    then compute the call as one without keywords (np.sin(x, where=True) was refused)."""
    for key, value in kwargs.items():
        if key == "dtype" and (value is None or np.dtype(value) == np.float64):
            continue
        if key in _UFUNC_DEFAULTS and _is_default(key, value, _UFUNC_DEFAULTS[key]):
            continue
        raise TypeError(f"np.{ufunc.__name__}(..., {key}={value!r}) is not supported on "
                        f"{engine} values")


def no_rule_hint(func) -> str:
    """What to write instead, for a NumPy function that has no rule (or '')."""
    if func is np.nextafter:
        return (" (np.nextafter(x, y) is x moved one float toward y: as a value alone it "
                "would carry a wrong derivative 0 in x, and jax.numpy has no rule for it "
                "either; to keep x's derivative write x + (np.nextafter(v, y) - v) with "
                "v = x's value)")
    if func is np.copyto:
        return (" (np.copyto writes into a plain array: np.full_like(x, y) of a plain x and "
                "a traced y does, write y * np.ones_like(x); so does NumPy's own code when a "
                "traced value reaches it through an option, as np.unwrap(p, period=T) of a "
                "plain p and a traced T: make p traced too, p + 0 * T)")
    return ""


def full_like_of_traced(args, kwargs, traced):
    """np.full_like(a, y) with a traced fill y (traced(y)) as zeros_like(a) + y, so y's
    derivative flows, as jax.numpy.full_like's does (read as a constant it was 0);
    None for a constant fill (the engines evaluate that on values)."""
    bound = dict(zip(("a", "fill_value", "dtype", "order", "subok", "shape"), args))
    bound.update(kwargs)
    y = bound.get("fill_value")
    if not traced(y):
        return None
    dtype = bound.get("dtype")
    if dtype is not None and np.dtype(dtype).kind != "f":
        raise TypeError(f"np.full_like(..., dtype={np.dtype(dtype).name}) of a traced fill "
                        "value: derivatives need a float dtype")
    target = tuple(np.shape(bound["a"]) if bound.get("shape") is None else
                   np.atleast_1d(bound["shape"]).tolist())
    extra = 0
    while np.ndim(y) - extra > len(target) and np.shape(y)[extra] == 1:
        extra += 1      # leading size-1 axes, which NumPy's copy into the result drops
    if extra:
        y = np.reshape(y, np.shape(y)[extra:])
    if np.broadcast_shapes(np.shape(y), target) != target:     # y would broadcast x up
        raise ValueError(f"could not broadcast input array from shape {np.shape(y)} into "
                         f"shape {target}")
    return np.zeros_like(bound["a"], shape=bound.get("shape")) + y



def _outer_with(ufunc):
    def outer(a, b, **kw):
        return ufunc(np.reshape(a, np.shape(a) + (1,) * np.ndim(b)), b, **kw)
    return outer


# ufunc methods other than __call__ (np.add.reduce, np.multiply.outer, ...),
# re-expressed with table operations; every engine dispatches them here.

UFUNC_METHODS = {
    np.add: {"reduce": _reduce_with(np.sum), "outer": _outer_with(np.add),
             "reduceat": floating.reduceat_with(np.add),
             "accumulate": lambda x, axis=0, dtype=None, out=None:
                 np.cumsum(x, axis=scans.accumulate_axis(axis, np.ndim(x)), dtype=dtype)},
    np.multiply: {"reduce": _reduce_with(np.prod), "outer": _outer_with(np.multiply),
                  "reduceat": floating.reduceat_with(np.multiply),
                  "accumulate": lambda x, axis=0, dtype=None, out=None:
                      np.cumprod(x, axis=scans.accumulate_axis(axis, np.ndim(x)), dtype=dtype)},
    np.maximum: {"reduce": _reduce_with(np.max),
                 "accumulate": scans.accumulate_by_scan(np.maximum)},
    np.minimum: {"reduce": _reduce_with(np.min),
                 "accumulate": scans.accumulate_by_scan(np.minimum)},
    **{u: {"reduce": scans.reduce_by_scan(u), "accumulate": scans.accumulate_by_scan(u)}
       for u in (np.logaddexp, np.logaddexp2, np.hypot, np.fmax, np.fmin)},
}
for _u in (*ELEMENTWISE, *PRIMAL_ONLY, *STRUCTURAL):   # x ∘ y for every pair, any binary
    if isinstance(_u, np.ufunc) and _u.nin == 2 and _u.signature is None:   # ufunc
        UFUNC_METHODS.setdefault(_u, {}).setdefault("outer", _outer_with(_u))
