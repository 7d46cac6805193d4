"""NumPy array functions re-expressed with the table's operations (STRUCTURAL's
"composite" rows): every engine differentiates them through what they call.

Gathers (tile, repeat, take, diagonal, pad, rot90, split, ...) copy entries of
their input x and nothing else: out = [0, x.ravel()][src], where src is the same
function applied to x's 1-based entry numbers (0 where it writes a zero).  Their
derivative is that of indexing: ẏ = ẋ[src], x̄ = Σ of ȳ over the slots reading
each entry.  The others are written as NumPy writes them, so that values agree
bit for bit where NumPy's own code calls the same operations.
"""

from __future__ import annotations

import inspect
import math
import operator

import numpy as np

from .analysis import _value
from .dispatch import is_complex, is_traced, normalize_axis_tuple, real_constant


def _sources(func, x, args, kw):
    """func applied to x's entry numbers 1..n (x's shape): which entry each slot copies."""
    shape = np.shape(x)
    return func(np.arange(1, math.prod(shape) + 1).reshape(shape), *args, **kw)


def _picked(x, src):
    if src.size and src.min() > 0:      # no zeros written: x's own entries
        return np.ravel(x)[src - 1]
    return np.concatenate([np.zeros(1), np.ravel(x)])[src]


def gather(func):
    """The composite of a function that only copies entries of its first argument
    (given by position or by NumPy's name for it: np.tile(A=x, reps=2))."""
    first = next(iter(inspect.signature(func).parameters))

    def impl(*args, **kw):
        x, *args = args if args else (kw.pop(first),)
        return _picked(x, _sources(func, x, args, kw))
    impl.__name__ = func.__name__
    return impl


def splitter(func, axis_of):
    """np.split and friends: x's slices along one axis (each slice's adjoint adds into
    x's in place: k parts cost O(n), where k gathers cost O(k·n))."""
    first = next(iter(inspect.signature(func).parameters))

    def impl(*args, **kw):
        x, *args = args if args else (kw.pop(first),)
        parts = _sources(func, x, args, kw)
        shape = np.shape(x)
        axis = axis_of(len(shape), *args, **kw) % max(len(shape), 1)
        lead, out = (slice(None),) * axis, []
        for p in parts:     # where each part starts: its first entry's place along axis
            start = np.unravel_index(p.flat[0] - 1, shape)[axis] if p.size else 0
            out.append(x[lead + (slice(start, start + np.shape(p)[axis]),)])
        return out
    impl.__name__ = func.__name__
    return impl


def _split_axis(ndim, indices_or_sections=None, axis=0):
    return axis


SPLITS = {np.split: _split_axis, np.array_split: _split_axis,
          np.hsplit: lambda ndim, *a: 1 if ndim > 1 else 0,
          np.vsplit: lambda ndim, *a: 0, np.dsplit: lambda ndim, *a: 2}


_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")
_padded = gather(np.pad)     # (built once: gather reads np.pad's signature)


def pad(array, pad_width, mode="constant", **kw):
    """np.pad in the modes that copy entries; constant_values c ≠ 0 adds the constant
    frame pad(0·x, c)."""
    odd = mode in ("reflect", "symmetric") and kw.get("reflect_type", "even") != "even"
    if not isinstance(mode, str) or mode not in _PAD_MODES or odd:
        what = f"reflect_type={kw['reflect_type']!r}" if odd else f"mode={mode!r}"
        raise TypeError(f"np.pad(..., {what}) is not supported on traced values: only the "
                        f"modes that copy entries ({', '.join(_PAD_MODES)}; reflect_type "
                        "'even')")
    fill = kw.pop("constant_values", 0) if mode == "constant" else 0
    out = _padded(array, pad_width, mode, **kw)
    if is_traced(fill):
        # a traced fill c: c times the frame of ones (∂/∂c = how many slots it fills)
        if np.ndim(fill) != 0:
            raise TypeError("np.pad(..., constant_values=...) of a traced value takes one "
                            "number here, not one per axis")
        return out + np.pad(np.zeros(np.shape(array)), pad_width, constant_values=1.0) * fill
    try:
        fill = real_constant(fill, "np.pad's constant_values")
    except TypeError:
        if is_complex(fill):
            raise
        raise TypeError("np.pad(..., constant_values=...) of traced values takes one traced "
                        "number, or plain numbers per axis") from None
    if np.any(fill != 0):
        out = out + np.pad(np.zeros(np.shape(array)), pad_width, constant_values=fill)
    return out


def sort(a, axis=-1, kind=None, order=None, *, stable=None):
    """The entries in NumPy's order (nan last): a gather by argsort."""
    if axis is None:
        a, axis = np.ravel(a), -1
    return np.take_along_axis(a, np.argsort(a, axis=axis, kind="stable"), axis=axis)


def rows_over(a, axis):
    """(rows, axes): a's entries along axis (None: all of them; a tuple: several) as
    the last axis of rows, a's other axes before it in order."""
    shape = np.shape(a)
    nd = len(shape)
    axes = tuple(range(nd)) if axis is None else normalize_axis_tuple(axis, nd)
    last = tuple(range(nd - len(axes), nd))
    if axes != last:
        a = np.moveaxis(a, axes, last)
    n = math.prod(shape[i] for i in axes)
    return np.reshape(a, [shape[i] for i in range(nd) if i not in axes] + [n]), axes


def nan_if_any_nan(rows, value):
    """value, nan where a row of rows holds a nan (NumPy's median and quantile)."""
    nan = np.any(np.isnan(rows), axis=-1)
    return np.where(nan, np.nan, value) if np.any(nan) else value


def kept_dims(shape, axes):
    """The shape keepdims=True gives: the reduced axes as 1."""
    return [1 if i in axes else size for i, size in enumerate(shape)]


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The middle entry, or the mean of the middle two, along the axes (nan if any entry
    is nan, as NumPy)."""
    rows, axes = rows_over(a, axis)
    n = np.shape(rows)[-1]
    if n == 0:
        m = np.mean(rows, axis=-1)      # nan, with NumPy's warning
    else:
        ordered = np.sort(rows, axis=-1)
        m = nan_if_any_nan(rows, ordered[..., n // 2] if n % 2 else
                           np.mean(ordered[..., n // 2 - 1:n // 2 + 1], axis=-1))
    return np.reshape(m, kept_dims(np.shape(a), axes)) if keepdims else m


def ptp(a, axis=None, out=None, keepdims=False):
    """max − min (each splitting ties evenly)."""
    return np.max(a, axis=axis, keepdims=keepdims) - np.min(a, axis=axis, keepdims=keepdims)


def average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    """Σ w·a / Σ w along axis (mean without weights); returned adds Σ w."""
    if weights is None:
        avg = np.mean(a, axis=axis, keepdims=keepdims)
        total = np.broadcast_to(float(np.size(a) // max(np.size(avg), 1)), np.shape(avg))
        return (avg, total) if returned else avg
    w = weights if hasattr(type(weights), "__array_function__") else np.asarray(weights)
    if np.shape(w) != np.shape(a):
        if axis is None:
            raise TypeError("Axis must be specified when shapes of a and weights differ.")
        nd = np.ndim(a)
        axes = normalize_axis_tuple(axis, nd)
        if np.shape(w) != tuple(np.shape(a)[i] for i in axes):
            raise ValueError("Shape of weights must be consistent with shape of a along "
                             "specified axis.")
        # w's axes in a's order (NumPy transposes w by argsort(axis)), size 1 elsewhere
        if len(axes) > 1:
            w = np.transpose(w, np.argsort(axes))
        w = np.reshape(w, [np.shape(a)[i] if i in axes else 1 for i in range(nd)])
        w = np.broadcast_to(w, np.shape(a))
    total = np.sum(w, axis=axis, keepdims=keepdims)
    if np.any(total == 0.0):
        raise ZeroDivisionError("Weights sum to zero, can't be normalized")
    avg = np.sum(a * w, axis=axis, keepdims=keepdims) / total
    if returned:
        if np.shape(total) != np.shape(avg):
            total = np.broadcast_to(total, np.shape(avg))
        return avg, total
    return avg


def _no_nan(a):
    return np.where(np.isnan(a), 0.0, a)


def nansum(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
    """Σ over the entries that are not nan (initial=, where= as np.sum)."""
    return np.sum(_no_nan(a), axis=axis, dtype=dtype, keepdims=keepdims, **kw)


def nanmean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=True):
    """Σ / count over the entries that are not nan."""
    kept = ~np.isnan(a) if where is True else ~np.isnan(a) & where
    count = np.sum(kept, axis=axis, keepdims=keepdims)
    with np.errstate(invalid="ignore", divide="ignore"):    # nan for an all-nan slice
        return nansum(a, axis=axis, keepdims=keepdims, where=kept) / count


def tensordot(a, b, axes=2):
    """NumPy's tensordot: both transposed and reshaped to matrices, one np.dot."""
    try:
        axes_a, axes_b = axes
    except (TypeError, ValueError):
        axes_a, axes_b = list(range(-operator.index(axes), 0)), list(range(axes))
    axes_a = [axes_a] if isinstance(axes_a, (int, np.integer)) else list(axes_a)
    axes_b = [axes_b] if isinstance(axes_b, (int, np.integer)) else list(axes_b)
    sa, sb = np.shape(a), np.shape(b)
    # as NumPy: each axis indexes the shape as given (IndexError past it), then -n..-1
    # count from the end
    if len(axes_a) != len(axes_b) or any(sa[i] != sb[j] for i, j in zip(axes_a, axes_b)):
        raise ValueError("shape-mismatch for sum")
    axes_a = [k + len(sa) if k < 0 else k for k in axes_a]
    axes_b = [k + len(sb) if k < 0 else k for k in axes_b]
    free_a = [k for k in range(len(sa)) if k not in axes_a]
    free_b = [k for k in range(len(sb)) if k not in axes_b]
    n = math.prod(sa[k] for k in axes_a)
    at = np.reshape(np.transpose(a, free_a + axes_a), (math.prod(sa[k] for k in free_a), n))
    bt = np.reshape(np.transpose(b, axes_b + free_b), (n, math.prod(sb[k] for k in free_b)))
    return np.reshape(np.dot(at, bt), [sa[k] for k in free_a] + [sb[k] for k in free_b])


def inner(a, b):
    """Σ over the last axes of a and b (a·b for a scalar)."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return np.multiply(a, b)
    if np.shape(a)[-1] != np.shape(b)[-1]:
        raise ValueError("shapes not aligned: the last dimensions of a and b differ "
                         f"({np.shape(a)[-1]} != {np.shape(b)[-1]})")
    return tensordot(a, b, (-1, -1))


def vdot(a, b):
    """Σ a·b over the flattened arrays (real values: no conjugate)."""
    return np.dot(np.ravel(a), np.ravel(b))


def kron(a, b):
    """a's entries times the whole of b, blocks laid out as NumPy's kron."""
    na, nb = np.ndim(a), np.ndim(b)
    if na == 0 or nb == 0:
        return np.multiply(a, b)
    nd = max(na, nb)
    sa = (1,) * (nd - na) + np.shape(a)
    sb = (1,) * (nd - nb) + np.shape(b)
    # a's axes at the even places, b's at the odd ones: (a0, 1, a1, 1) · (1, b0, 1, b1)
    ea = np.reshape(a, [s for n in sa for s in (n, 1)])
    eb = np.reshape(b, [s for n in sb for s in (1, n)])
    return np.reshape(ea * eb, [p * q for p, q in zip(sa, sb)])


def append(arr, values, axis=None):
    """arr and values joined along axis (both flattened for axis=None)."""
    if axis is None:
        if np.ndim(arr) != 1:
            arr = np.ravel(arr)
        return np.concatenate((arr, np.ravel(values)), axis=0)
    return np.concatenate((arr, values), axis=axis)


def column_stack(tup):
    """1-d (and 0-d) arrays as columns, 2-d ones as they are, side by side."""
    cols = [np.reshape(v, (-1, 1)) if np.ndim(v) < 2 else v for v in tup]
    return np.concatenate(cols, axis=1)


def dstack(tup):
    """Arrays made at least 3-d (NumPy's atleast_3d) joined along axis 2."""
    return np.concatenate([_at_least_3d(v) for v in tup], axis=2)


def _at_least_3d(v):
    shape = np.shape(v)
    if len(shape) >= 3:
        return v
    return np.reshape(v, {0: (1, 1, 1), 1: (1, *shape, 1), 2: (*shape, 1)}[len(shape)])


def at_least_3d(*arys):
    outs = tuple(_at_least_3d(a) for a in arys)
    return outs[0] if len(outs) == 1 else outs


def real(val):
    """The real part of a real value: the value."""
    return val


def compress(condition, a, axis=None, out=None):
    """The slices of a along axis where condition holds (a flattened for axis=None)."""
    if axis is None:
        a = np.ravel(a)
    return np.take(a, np.nonzero(np.ravel(condition))[0], axis=0 if axis is None else axis)


def extract(condition, arr):
    """The entries of arr where condition holds, flattened."""
    return np.take(np.ravel(arr), np.nonzero(np.ravel(condition))[0])


def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    """Coordinate arrays from 1-d ones, as np.meshgrid (a tuple)."""
    if indexing not in ("xy", "ij"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'.")
    nd = len(xi)
    out = [np.reshape(x, (1,) * i + (-1,) + (1,) * (nd - i - 1)) for i, x in enumerate(xi)]
    if indexing == "xy" and nd > 1:
        out[0] = np.reshape(out[0], (1, -1) + (1,) * (nd - 2))
        out[1] = np.reshape(out[1], (-1, 1) + (1,) * (nd - 2))
    if not sparse:
        shape = np.broadcast_shapes(*map(np.shape, out))
        out = [np.broadcast_to(o, shape) for o in out]
    return tuple(out)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """num evenly spaced values from start to stop, as np.linspace computes them."""
    num = operator.index(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    div = (num - 1) if endpoint else num
    delta = stop - start
    y = np.reshape(np.arange(0, num, dtype=float), (-1,) + (1,) * np.ndim(delta))
    step = delta / div if div > 0 else np.nan * delta
    if div > 0 and np.any(step == 0):
        y = y / div * delta
    elif div > 0:
        y = y * step
    else:
        y = y * delta
    y = y + start
    if endpoint and num > 1:
        y = np.concatenate([y[:-1], np.reshape(stop + 0.0 * y[-1], (1,) + np.shape(y)[1:])])
    if axis != 0:
        y = np.moveaxis(y, 0, axis)
    return (y, step) if retstep else y


def _float64_only(name, dtype):
    if dtype is not None and np.dtype(dtype) != np.float64:
        raise TypeError(f"np.{name}(..., dtype={np.dtype(dtype).name}) of traced values: "
                        "only float64")


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    """base ** linspace(start, stop), as np.logspace (a base of several values broadcast
    with start and stop)."""
    _float64_only("logspace", dtype)
    if not isinstance(base, (float, int)) and np.ndim(base):
        nd = len(np.broadcast_shapes(np.shape(start), np.shape(stop), np.shape(base)))
        start, stop, base = (np.reshape(v, (1,) * (nd - np.ndim(v)) + np.shape(v))
                             for v in (start, stop, base))
        base = np.expand_dims(base, axis)
    return np.power(base, linspace(start, stop, num=num, endpoint=endpoint, axis=axis))


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """A geometric sequence from start to stop, as np.geomspace computes it: logspace of
    the log10s (of |start| and stop·sign(start)), the ends start and stop themselves."""
    _float64_only("geomspace", dtype)
    if np.any(_value(start) == 0) or np.any(_value(stop) == 0):
        raise ValueError("Geometric sequence cannot include zero")
    sign = np.sign(_value(start)) * 1.0
    start, stop = start / sign, stop / sign
    result = logspace(np.log10(start), np.log10(stop), num=num, endpoint=endpoint)
    if num > 0:
        row = np.shape(result)[1:]
        first = np.reshape(np.broadcast_to(start, row), (1, *row))
        if num > 1 and endpoint:
            last = np.reshape(np.broadcast_to(stop, row), (1, *row))
            result = np.concatenate([first, result[1:-1], last])
        else:
            result = np.concatenate([first, result[1:]])
    result = result * sign
    return np.moveaxis(result, 0, axis) if axis != 0 else result


def block(arrays):
    """Nested lists of arrays assembled as np.block: the innermost lists joined along
    the last axis, the next ones along the one before, ..."""
    def depth_of(a, path):
        if type(a) is tuple:
            raise TypeError(f"arrays{path} is a tuple. Only lists can be used to arrange "
                            "blocks, and np.block does not allow implicit conversion from "
                            "tuple to ndarray.")
        if type(a) is not list:
            return len(path), np.ndim(a), path
        if not a:
            raise ValueError(f"List at arrays{''.join(f'[{i}]' for i in path)} cannot be "
                             "empty")
        found = [depth_of(b, (*path, i)) for i, b in enumerate(a)]
        for depth, _, where in found[1:]:
            if depth != found[0][0]:
                raise ValueError(
                    f"List depths are mismatched. First element was at depth {found[0][0]}, "
                    f"but there is an element at depth {depth} "
                    f"(arrays{''.join(f'[{i}]' for i in where)})")
        return found[0][0], max(nd for _, nd, _ in found), found[0][2]

    depth, leaf_ndim, _ = depth_of(arrays, ())
    ndim = max(depth, leaf_ndim)

    def assemble(a, level):     # (recursion over the list nesting, a few levels)
        if level == depth:
            return np.reshape(a, (1,) * (ndim - np.ndim(a)) + np.shape(a)) * 1.0
        return np.concatenate([assemble(b, level + 1) for b in a], axis=level - depth)
    return assemble(arrays, 0)


def broadcast_arrays(*args, subok=False):
    """Each argument broadcast to their common shape (a tuple)."""
    shape = np.broadcast_shapes(*map(np.shape, args))
    return tuple(a if np.shape(a) == shape else np.broadcast_to(a, shape) for a in args)


def apply_along_axis(func1d, axis, arr, *args, **kwargs):
    """func1d of each 1-d slice of arr along axis, the results stacked where the axis
    was (as np.apply_along_axis)."""
    shape = np.shape(arr)
    (axis,) = normalize_axis_tuple(axis, len(shape))
    rows = np.moveaxis(arr, axis, -1)
    outer = shape[:axis] + shape[axis + 1:]
    if 0 in outer:
        raise ValueError("Cannot apply_along_axis when any iteration dimensions are 0")
    results = [func1d(rows[index], *args, **kwargs) for index in np.ndindex(outer)]
    res_shape = np.shape(results[0])
    out = np.reshape(np.stack(results), outer + res_shape)
    res_axes = tuple(range(len(outer), len(outer) + len(res_shape)))
    return np.moveaxis(out, res_axes, tuple(range(axis, axis + len(res_shape))))


def nanprod(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
    """Π over the entries that are not nan."""
    return np.prod(np.where(np.isnan(a), 1.0, a), axis=axis, dtype=dtype, keepdims=keepdims,
                   **kw)


def nancumsum(a, axis=None, dtype=None, out=None):
    """Running sums, nan counted as 0."""
    return np.cumsum(_no_nan(a), axis=axis, dtype=dtype)


def nancumprod(a, axis=None, dtype=None, out=None):
    """Running products, nan counted as 1."""
    return np.cumprod(np.where(np.isnan(a), 1.0, a), axis=axis, dtype=dtype)


def fix(x, out=None):
    """Rounded toward zero (np.trunc): piecewise constant, derivative 0."""
    return np.trunc(x)


def rollaxis(a, axis, start=0):
    """np.rollaxis: axis moved to just before position start, a transpose (NumPy's rule,
    and its errors from an empty stand-in of a's rank)."""
    n = np.ndim(a)
    np.rollaxis(np.empty((0,) * n), axis, start)
    (axis,) = normalize_axis_tuple(axis, n)
    start = start + n if start < 0 else start
    perm = [i for i in range(n) if i != axis]
    perm.insert(start - 1 if axis < start else start, axis)
    return np.transpose(a, perm)


def sliding_window_view(x, window_shape, axis=None, *, subok=False, writeable=False):
    """np.lib.stride_tricks.sliding_window_view as a gather: along each axis (in turn,
    repeats too) the windows idx[i, j] = i + j taken, the window axis moved last.  NumPy's
    shape and errors (from a broadcast stand-in of x's shape); a copy, never written."""
    if writeable:
        raise TypeError("sliding_window_view(..., writeable=True): a traced value is never "
                        "written in place")
    shape = np.shape(x)
    np.lib.stride_tricks.sliding_window_view(np.broadcast_to(0.0, shape), window_shape, axis)
    window = tuple(window_shape) if np.iterable(window_shape) else (window_shape,)
    axes = range(len(shape)) if axis is None else axis if np.iterable(axis) else (axis,)
    out = x
    for ax, w in zip(axes, window):
        (ax,) = normalize_axis_tuple(ax, len(shape))
        idx = np.arange(np.shape(out)[ax] - w + 1)[:, None] + np.arange(w)
        out = np.moveaxis(np.take(out, idx, axis=ax), ax + 1, -1)
    return out


def insert(arr, obj, values, axis=None):
    """np.insert as a gather of arr's and values' entries: NumPy's own insert of their
    entry numbers says which one each slot copies (values broadcast as NumPy's)."""
    if is_traced(obj):
        raise TypeError("np.insert(arr, obj, values): obj (where to insert) is read as "
                        "indices, not a traced value")
    if not is_traced(arr) and np.asarray(arr).dtype.kind != "f":
        raise TypeError("np.insert of traced values into an array of integers casts them "
                        "to integers (NumPy keeps arr's dtype): pass arr as floats")
    n, m = np.size(arr), np.size(values)
    src = np.insert(np.arange(n).reshape(np.shape(arr)), obj,
                    np.arange(n, n + m).reshape(np.shape(values)), axis=axis)
    return np.concatenate([np.ravel(arr), np.ravel(values)])[src]


def choose(a, choices, out=None, mode="raise"):
    """np.choose(a, choices): choices[a] entry by entry, a gather along a stack of the
    choices broadcast together (a plain; NumPy's errors and modes from its own choose of
    the choice numbers)."""
    if is_traced(a):
        raise TypeError("np.choose(a, choices): the index array a is read as integers, "
                        "not a traced value")
    items = [choices[i] for i in range(len(choices))]
    shape = np.broadcast_shapes(np.shape(a), *map(np.shape, items))
    which = np.choose(np.broadcast_to(a, shape), np.arange(len(items)), mode=mode)
    stacked = np.stack([np.broadcast_to(c, shape) for c in items])
    return np.take_along_axis(stacked, which[None], axis=0)[0]
