"""np.linalg.inv, det, slogdet, solve, matrix_power, multi_dot, tensorinv and tensorsolve
in every engine (stacks of matrices too).

    Y = A⁻¹:           Ẏ = −Y·Ȧ·Y,            Ā = −Yᵀ·Ȳ·Yᵀ
    d = det A:          ḋ = d·tr(A⁻¹Ȧ),         Ā = d̄·d·A⁻ᵀ
    l = log|det A|:     l̇ = tr(A⁻¹Ȧ),           Ā = l̄·A⁻ᵀ
    x = solve(A, b):    written inv(A)·b (its values within rounding of NumPy's
                        LU solve, not bit for bit)
    matrix_power, multi_dot: products of matmul / dot
    tensorinv, tensorsolve: inv and solve of the reshaped matrix, as NumPy's

The rules call np.linalg.inv on their primal A, so a traced A (an outer level)
differentiates them again: Hessians of every order.  A singular A is NumPy's
LinAlgError for inv and solve; det's gradient there is the adjugate (from the SVD,
first order), log|det|'s nan.  slogdet's sign is piecewise constant: read on the
values.
"""

from __future__ import annotations

import operator

import numpy as np

from .dispatch import primitive

_mT = lambda a: np.swapaxes(a, -1, -2)      # noqa: E731  (a stack's matrix transposes)


def _trace_of_product(p, t):
    """tr(P·T) for stacks of matrices: Σᵢⱼ Pᵢⱼ·Tⱼᵢ."""
    return np.sum(_mT(p) * t, axis=(-2, -1))


def _inv_jvp(t, out, a):
    return -(out @ t @ out)


def _inv_vjp(ct, out, a):
    return -(_mT(out) @ ct @ _mT(out))


def _adjugate(out, a):
    """adj(A) = det(A)·A⁻¹; at a singular A (NumPy's det is then 0, not an error) from
    the SVD A = U·S·Vᵀ: det(U)·det(V)·V·diag(Π_{j≠i} sⱼ)·Uᵀ, for plain values (a traced
    A, at higher orders, needs inv)."""
    try:
        return np.expand_dims(out, (-2, -1)) * np.linalg.inv(a)
    except np.linalg.LinAlgError:
        if not isinstance(a, np.ndarray):
            raise
    u, s, vt = np.linalg.svd(a)
    n = s.shape[-1]
    before = np.cumprod(np.concatenate([np.ones(s.shape[:-1] + (1,)), s[..., :-1]], -1), -1)
    after = np.flip(np.cumprod(np.concatenate(
        [np.ones(s.shape[:-1] + (1,)), np.flip(s, -1)[..., :n - 1]], -1), -1), -1)
    sign = np.linalg.det(u) * np.linalg.det(vt)
    return np.expand_dims(sign, (-2, -1)) * (_mT(vt) * (before * after)[..., None, :]) @ _mT(u)


def _det_jvp(t, out, a):
    return _trace_of_product(_adjugate(out, a), t)


def _det_vjp(ct, out, a):
    return np.expand_dims(ct, (-2, -1)) * _mT(_adjugate(out, a))


@primitive
def logabsdet(a):
    """log|det a| (np.linalg.slogdet(a)[1]); a table row of its own."""
    return np.linalg.slogdet(a)[1]


def _inv_or_nan(a):
    """A⁻¹, or nan at a singular A (log|det| is −inf there, its derivative undefined:
    a nan, not an error from a tangent nobody may read)."""
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        pass
    shape, members = np.shape(a), []     # matrix by matrix: the others keep theirs
    for index in np.ndindex(shape[:-2]):
        try:
            members.append(np.linalg.inv(a[index]))
        except np.linalg.LinAlgError:
            members.append(np.full(shape[-2:], np.nan))
    return np.reshape(np.stack(members), shape)


def _logabsdet_jvp(t, out, a):
    p = _inv_or_nan(a)
    if np.any(np.isnan(p)):
        # a singular member of a stack: a direction that does not move it takes nothing
        # from its nan (0·nan made every member's derivative nan)
        return np.sum(np.where(t == 0, 0.0, _mT(p) * t), axis=(-2, -1))
    return _trace_of_product(p, t)


def _logabsdet_vjp(ct, out, a):
    return np.expand_dims(ct, (-2, -1)) * _mT(_inv_or_nan(a))


@primitive
def det_sign(a):
    """The sign of det a (np.linalg.slogdet(a)[0]): read on values, derivative 0."""
    return np.linalg.slogdet(a)[0]


def slogdet(a):
    """(sign, log|det a|), as NumPy's SlogdetResult."""
    return type(np.linalg.slogdet(np.eye(1)))(det_sign(a), logabsdet(a))


def solve(a, b):
    """x with a·x = b: a vector b (1-d) or a stack of columns (..., M, K), as NumPy 2."""
    if np.ndim(b) == 1:
        return np.matmul(np.linalg.inv(a), b)
    return np.linalg.inv(a) @ b


def matrix_power(a, n):
    """aⁿ by NumPy's own sequence of products (n < 0: of inv(a); n = 0: the identity)."""
    n = operator.index(n)
    if np.ndim(a) < 2 or np.shape(a)[-1] != np.shape(a)[-2]:
        raise np.linalg.LinAlgError("Last 2 dimensions of the array must be square")
    if n == 0:
        return np.broadcast_to(np.eye(np.shape(a)[-1]), np.shape(a)) + 0.0 * a
    if n < 0:
        a, n = np.linalg.inv(a), -n
    if n == 1:
        return a
    if n == 2:
        return np.matmul(a, a)
    if n == 3:
        return np.matmul(np.matmul(a, a), a)
    z = result = None
    while n > 0:        # binary decomposition, as NumPy's
        z = a if z is None else np.matmul(z, z)
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else np.matmul(result, z)
    return result


def multi_dot(arrays, *, out=None):
    """A chain of np.dot products, left to right (NumPy picks the cheapest order: the
    values agree within rounding); a 1-d first or last array is a row or column."""
    if len(arrays) < 2:
        raise ValueError("Expecting at least two arrays.")
    result = arrays[0]
    for b in arrays[1:]:
        result = np.dot(result, b)
    return result




def tensorinv(a, ind=2):
    """The 'inverse' of an N-d array for tensordot over ind axes: inv of a reshaped to
    (prod(shape[:ind]), prod(shape[ind:])), shaped shape[ind:] + shape[:ind] (NumPy's)."""
    shape = np.shape(a)
    if operator.index(ind) <= 0:
        raise ValueError("Invalid ind argument.")
    rows = int(np.prod(shape[ind:]))
    return np.reshape(np.linalg.inv(np.reshape(a, (rows, -1))), shape[ind:] + shape[:ind])


def tensorsolve(a, b, axes=None):
    """x with tensordot(a, x, x.ndim) = b: solve of a reshaped to a square matrix and b
    raveled (NumPy's), axes= first moved to the end of a."""
    n = np.ndim(a)
    if axes is not None:
        order = list(range(n))
        for k in axes:
            order.remove(k)
            order.insert(n, k)
        a = np.transpose(a, order)
    shape = np.shape(a)[-(n - np.ndim(b)):]
    size = int(np.prod(shape))
    if np.size(a) != size ** 2:
        raise np.linalg.LinAlgError("Input arrays must satisfy the requirement "
                                    "prod(a.shape[b.ndim:]) == prod(a.shape[:b.ndim])")
    return np.reshape(solve(np.reshape(a, (size, size)), np.ravel(b)), shape)
