"""NumPy 2's array-API names (np.linalg.vector_norm, np.cumulative_sum, np.vecdot,
np.matrix_transpose, ...) re-expressed with the table's older operations, as NumPy
itself defines them (STRUCTURAL "composite" rows):

    vector_norm(x, axis=(0, 2))   = norm of x with those axes merged into one
    matrix_norm(x)                = norm(x, axis=(-2, -1))
    cumulative_sum(x, include_initial=True) = [0, cumsum(x)] along the axis
    vecdot(a, b, axis)            = Σ a·b along axis          (np.vecdot, a ufunc)
    matvec(A, v) = A·v,  vecmat(v, A) = vᵀ·A                 (ufuncs of NumPy 2.2)

vecdot, matvec and vecmat are matmuls of rows and columns, so their values are
NumPy's bit for bit.
"""

from __future__ import annotations

import math

import numpy as np

from .dispatch import normalize_axis_tuple


def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    """The vector norm over axis (None: all entries; a tuple: those axes as one)."""
    shape = np.shape(x)
    if axis is None:
        res = np.linalg.norm(np.ravel(x), ord=ord, axis=0)
        axes = tuple(range(len(shape)))
    elif isinstance(axis, tuple):
        axes = normalize_axis_tuple(axis, len(shape))
        rest = tuple(i for i in range(len(shape)) if i not in axes)
        merged = np.reshape(np.transpose(x, axes + rest),
                            (math.prod(shape[i] for i in axes), *[shape[i] for i in rest]))
        res = np.linalg.norm(merged, ord=ord, axis=0)
    else:
        axes = normalize_axis_tuple(axis, len(shape))
        res = np.linalg.norm(x, ord=ord, axis=axis)
    if keepdims:
        res = np.reshape(res, [1 if i in axes else n for i, n in enumerate(shape)])
    return res


def matrix_norm(x, /, *, keepdims=False, ord="fro"):
    """The matrix norm of each matrix of a stack (the last two axes)."""
    return np.linalg.norm(x, ord=ord, axis=(-2, -1), keepdims=keepdims)


def matrix_transpose(x, /):
    """Each matrix of a stack transposed."""
    if np.ndim(x) < 2:
        raise ValueError(f"Input array must be at least 2-dimensional, but it is {np.ndim(x)}")
    return np.swapaxes(x, -1, -2)


def outer(x1, x2, /):
    """np.linalg.outer: vectors only."""
    if np.ndim(x1) != 1 or np.ndim(x2) != 1:
        raise ValueError("Input arrays must be one-dimensional, but they are "
                         f"x1.ndim={np.ndim(x1)} and x2.ndim={np.ndim(x2)}.")
    return np.outer(x1, x2)


def trace(x, /, *, offset=0, dtype=None):
    """The trace of each matrix of a stack."""
    return np.trace(x, offset, axis1=-2, axis2=-1, dtype=dtype)


def diagonal(x, /, *, offset=0):
    """The diagonal of each matrix of a stack."""
    return np.diagonal(x, offset, axis1=-2, axis2=-1)


def cross(x1, x2, /, *, axis=-1):
    """np.linalg.cross: 3-vectors only."""
    if np.shape(x1)[axis] != 3 or np.shape(x2)[axis] != 3:
        raise ValueError("Both input arrays must be (arrays of) 3-dimensional vectors, but "
                         f"they are {np.shape(x1)[axis]} and {np.shape(x2)[axis]} "
                         "dimensional instead.")
    return np.cross(x1, x2, axis=axis)


def vecdot(x1, x2, /, *, axis=-1, dtype=None):
    """Σ x1·x2 along axis, the two broadcast against each other (real values), as a
    matmul of rows by columns (NumPy's values, bit for bit)."""
    _core_dims("vecdot", "(n),(n)->()", (x1, x2), (1, 1))
    if axis != -1:     # (each operand's own axis, as a gufunc's axis=)
        x1, x2 = np.moveaxis(x1, axis, -1), np.moveaxis(x2, axis, -1)
    return np.matmul(np.expand_dims(x1, -2), np.expand_dims(x2, -1))[..., 0, 0]


def _core_dims(name, signature, operands, needed):
    for i, (x, n) in enumerate(zip(operands, needed)):
        if np.ndim(x) < n:
            raise ValueError(f"{name}: Input operand {i} does not have enough dimensions "
                             f"(has {np.ndim(x)}, gufunc core with signature {signature} "
                             f"requires {n})")


def matvec(x1, x2, /, *, dtype=None):
    """A·v for each matrix A of x1 and vector v of x2."""
    _core_dims("matvec", "(m,n),(n)->(m)", (x1, x2), (2, 1))
    return np.matmul(x1, np.expand_dims(x2, -1))[..., 0]


def vecmat(x1, x2, /, *, dtype=None):
    """vᵀ·A for each vector v of x1 and matrix A of x2."""
    _core_dims("vecmat", "(n),(n,m)->(m)", (x1, x2), (1, 2))
    return np.matmul(np.expand_dims(x1, -2), x2)[..., 0, :]


def _cumulative(accumulate, identity):
    def cumulative(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
        if np.ndim(x) == 0:
            x = np.reshape(x, (1,))
        if axis is None:
            if np.ndim(x) >= 2:
                raise ValueError("For arrays which have more than one dimension ``axis`` "
                                 "argument is required.")
            axis = 0
        res = accumulate(x, axis=axis, dtype=dtype)
        if include_initial:
            first = list(np.shape(res))
            first[normalize_axis_tuple(axis, len(first))[0]] = 1
            res = np.concatenate([np.full(first, identity), res], axis=axis)
        return res
    cumulative.__name__ = f"cumulative_{accumulate.__name__[3:]}"
    return cumulative


cumulative_sum = _cumulative(np.cumsum, 0.0)
cumulative_prod = _cumulative(np.cumprod, 1.0)


def unstack(x, /, *, axis=0):
    """The slices of x along axis, as a tuple."""
    if np.ndim(x) == 0:
        raise ValueError("Input array must be at least 1-d.")
    moved = np.moveaxis(x, axis, 0)
    return tuple(moved[i] for i in range(np.shape(moved)[0]))


def astype(x, /, dtype=None, *, copy=True, device=None):
    """x.astype(dtype): a float dtype only."""
    return x.astype(dtype)
