"""np.linalg's decompositions in every engine: eigh, eigvalsh, cholesky, svd,
svdvals, qr (and the norms and condition numbers read from singular values), pinv
and lstsq, for stacks of matrices too (lstsq: one matrix, as NumPy's).

A multi-output NumPy function is a composite of single-output primitives of ours
(each output computed by NumPy itself, so primals are NumPy's bit for bit):
eigh = (eigh_eigenvalues, eigh_eigenvectors), svd = (svd_u, svd_s, svd_vh),
qr = (qr_q, qr_r); eigvalsh, svd(compute_uv=False) and cholesky have one each.

The triangle NumPy reads.  eigh, eigvalsh and cholesky read one triangle of A
(UPLO='L', cholesky's upper=False: the lower one) and never the other; we
differentiate that function:  S = tril(A) + tril(A, −1)ᵀ  (triu for 'U'), so
finite differences of NumPy agree with us.  JAX symmetrizes, S = (A + Aᵀ)/2; the
two agree along symmetric directions Ȧ = Ȧᵀ, hence for any A built symmetric
(B·Bᵀ + I) the gradients wrt B are the same.  With Ṡ = tril(Ȧ) + tril(Ȧ, −1)ᵀ:

    S = V·diag(w)·Vᵀ:    ẇ = diag(Vᵀ·Ṡ·V)                   S̄ = V·diag(w̄)·Vᵀ
                          V̇ = V·(F ∘ Vᵀ·Ṡ·V)                  S̄ = V·(F ∘ Vᵀ·V̄)·Vᵀ
                          Fᵢⱼ = 1/(wⱼ − wᵢ), Fᵢᵢ = 0
    S = L·Lᵀ:            L̇ = L·Φ(L⁻¹·Ṡ·L⁻ᵀ)                  S̄ = L⁻ᵀ·Φ(Lᵀ·L̄)·L⁻¹
                          Φ(X) = the strictly lower part of X plus half its diagonal
    and Ā = tril(S̄) + tril(S̄ᵀ, −1)   (the transpose of Ȧ ↦ Ṡ).

    A = U·diag(s)·Vᵀ (m×n, k = min(m, n), JAX's svd_jvp_rule), Ṗ = Uᵀ·Ȧ·V:
        ṡ = diag(Ṗ)
        U̇ = U·(F ∘ (Ṗ·D + D·Ṗᵀ)) + (I − U·Uᵀ)·Ȧ·V·D⁻¹        (the last term if m > n)
        V̇ = V·(F ∘ (D·Ṗ + Ṗᵀ·D)) + (I − V·Vᵀ)·Ȧᵀ·U·D⁻¹       (the last term if n > m)
        D = diag(s), Fᵢⱼ = 1/(sⱼ² − sᵢ²), Fᵢᵢ = 0
    A = Q·R (m ≥ n, JAX's qr_jvp_rule), C = Qᵀ·Ȧ·R⁻¹, Ω = tril(C, −1) − tril(C, −1)ᵀ:
        Q̇ = Q·(Ω − C) + Ȧ·R⁻¹,   Ṙ = (C − Ω)·R

    P = A⁺ (JAX's, for a rank locally constant; NumPy's cutoff rcond/rtol drops the
    small singular values from P itself):
        Ṗ = −P·Ȧ·P + P·Pᵀ·Ȧᵀ·(I − A·P) + (I − P·A)·Ȧᵀ·Pᵀ·P
    lstsq(A, b): x = pinv(A)·b with lstsq's cutoff (within rounding of NumPy's).

The cotangent rules are the transposes of these linear maps.  The rules call
np.linalg.inv and the primitives themselves on their primal, so a traced A (an
outer level) differentiates them again: Hessians and higher orders.

Where the derivative does not exist: repeated eigenvalues make F infinite, and the
eigenvectors' derivatives inf or nan, as in JAX (the eigenvalues' own derivatives
stay finite); repeated singular values do the same to U and V, and a zero singular
value of a non-square A too.  svd(full_matrices=True) of a non-square A has no
unique extra columns: refused (pass full_matrices=False), as JAX does; qr of a
wide A (m < n) and its modes other than 'reduced' and 'r' are refused.  A matrix
that is not positive definite is NumPy's LinAlgError for cholesky.  Eigenvector
and singular vector signs are LAPACK's (NumPy's): the derivatives are those of the
vectors NumPy returns.
"""

from __future__ import annotations

import functools

import numpy as np

from .analysis import _value
from .dispatch import primitive
from .linalg import _inv_or_nan, _mT


def _stacked_2d(a):
    if np.ndim(a) < 2:
        raise np.linalg.LinAlgError(f"{np.ndim(a)}-dimensional array given. Array must be "
                                    "at least two-dimensional")


def _stacked_square(a):
    _stacked_2d(a)
    if np.shape(a)[-1] != np.shape(a)[-2]:
        raise np.linalg.LinAlgError("Last 2 dimensions of the array must be square")


def _uplo(UPLO):
    u = UPLO.upper() if isinstance(UPLO, str) else UPLO
    if u not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")     # NumPy's error
    return u


def _eye(a):
    return np.eye(np.shape(a)[-1])


def _from_triangle(t, lower):
    """The symmetric matrix of t's lower (upper) triangle: what NumPy's eigh reads."""
    if lower:
        return np.tril(t) + _mT(np.tril(t, -1))
    return np.triu(t) + _mT(np.triu(t, 1))


def _to_triangle(ct, lower):
    """The transpose of _from_triangle: S̄ back onto the triangle read."""
    if lower:
        return np.tril(ct) + np.tril(_mT(ct), -1)
    return np.triu(ct) + np.triu(_mT(ct), 1)


# -- eigh, eigvalsh ----------------------------------------------------------------------
@primitive
def eigh_eigenvalues(a, UPLO="L"):
    """np.linalg.eigh(a, UPLO).eigenvalues; a table row of its own."""
    return np.linalg.eigh(a, UPLO).eigenvalues


@primitive
def eigh_eigenvectors(a, UPLO="L"):
    """np.linalg.eigh(a, UPLO).eigenvectors; a table row of its own."""
    return np.linalg.eigh(a, UPLO).eigenvectors


@primitive
def eigvalsh_values(a, UPLO="L"):
    """np.linalg.eigvalsh(a, UPLO) (LAPACK's values without vectors: not eigh's bits)."""
    return np.linalg.eigvalsh(a, UPLO)


def _eigenvalues_jvp(t, out, a, UPLO="L"):
    v = eigh_eigenvectors(a, UPLO)
    return np.sum(v * (_from_triangle(t, UPLO == "L") @ v), axis=-2)    # diag(Vᵀ·Ṡ·V)


def _eigenvalues_vjp(ct, out, a, UPLO="L"):
    v = eigh_eigenvectors(a, UPLO)
    return _to_triangle((v * np.expand_dims(ct, -2)) @ _mT(v), UPLO == "L")


def _gaps(w, square=False):
    """Fᵢⱼ = 1/(wⱼ − wᵢ) (1/(wⱼ² − wᵢ²) if square), 0 on the diagonal (JAX's form: inf
    off it where two are equal, and the vectors' derivatives inf or nan)."""
    eye = np.eye(np.shape(w)[-1])
    row, col = np.expand_dims(w, -2), np.expand_dims(w, -1)
    diff = (row + col) * (row - col) if square else row - col
    return 1.0 / (eye + diff) - eye


def _quiet(rule):
    """rule without NumPy's warnings about the infinite F of a repeated value (forward
    mode computes the vectors' tangents even when only the values are read)."""
    @functools.wraps(rule)
    def quiet(*args, **kwargs):
        with np.errstate(divide="ignore", invalid="ignore"):
            return rule(*args, **kwargs)
    return quiet


@_quiet
def _eigenvectors_jvp(t, out, a, UPLO="L"):
    f = _gaps(eigh_eigenvalues(a, UPLO))
    return out @ (f * (_mT(out) @ _from_triangle(t, UPLO == "L") @ out))


@_quiet
def _eigenvectors_vjp(ct, out, a, UPLO="L"):
    f = _gaps(eigh_eigenvalues(a, UPLO))
    return _to_triangle(out @ (f * (_mT(out) @ ct)) @ _mT(out), UPLO == "L")


def eigh(a, UPLO="L"):
    """(eigenvalues, eigenvectors) as NumPy's EighResult."""
    _stacked_square(a)
    u = _uplo(UPLO)
    result = type(np.linalg.eigh(np.eye(1)))
    return result(eigh_eigenvalues(a, UPLO=u), eigh_eigenvectors(a, UPLO=u))


def eigvalsh(a, UPLO="L"):
    _stacked_square(a)
    return eigvalsh_values(a, UPLO=_uplo(UPLO))


# -- cholesky ----------------------------------------------------------------------------
@primitive
def cholesky_factor(a, upper=False):
    """np.linalg.cholesky(a, upper=upper); a table row of its own."""
    return np.linalg.cholesky(a, upper=True) if upper else np.linalg.cholesky(a)


def _phi(x):
    return np.tril(x) - 0.5 * x * _eye(x)


def _cholesky_jvp(t, out, a, upper=False):
    low = _mT(out) if upper else out
    li = np.linalg.inv(low)
    lt = low @ _phi(li @ _from_triangle(t, not upper) @ _mT(li))
    return _mT(lt) if upper else lt


def _cholesky_vjp(ct, out, a, upper=False):
    low, ct = (_mT(out), _mT(ct)) if upper else (out, ct)
    li = np.linalg.inv(low)
    return _to_triangle(_mT(li) @ _phi(_mT(low) @ ct) @ li, not upper)


def cholesky(a, /, *, upper=False):
    _stacked_square(a)
    return cholesky_factor(a, upper=True) if upper else cholesky_factor(a)


# -- svd ---------------------------------------------------------------------------------
@primitive
def singular_values(a):
    """np.linalg.svd(a, compute_uv=False) (not svd(a).S's bits)."""
    return np.linalg.svd(a, compute_uv=False)


@primitive
def svd_u(a, full_matrices=True):
    """np.linalg.svd(a, full_matrices).U; a table row of its own."""
    return np.linalg.svd(a, full_matrices).U


@primitive
def svd_s(a, full_matrices=True):
    """np.linalg.svd(a, full_matrices).S; a table row of its own."""
    return np.linalg.svd(a, full_matrices).S


@primitive
def svd_vh(a, full_matrices=True):
    """np.linalg.svd(a, full_matrices).Vh; a table row of its own."""
    return np.linalg.svd(a, full_matrices).Vh


def _values_jvp(t, out, a, full_matrices=False):
    u, _, vh = np.linalg.svd(a, full_matrices=full_matrices)
    return np.sum(u * (t @ _mT(vh)), axis=-2)      # diag(Uᵀ·Ȧ·V)


def _values_vjp(ct, out, a, full_matrices=False):
    u, _, vh = np.linalg.svd(a, full_matrices=full_matrices)
    return (u * np.expand_dims(ct, -2)) @ vh


@_quiet
def _u_jvp(t, out, a, full_matrices=True):
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    v, row = _mT(vh), np.expand_dims(s, -2)
    p = _mT(u) @ t @ v
    dss = p * row                                   # Ṗ·D
    du = u @ (_gaps(s, True) * (dss + _mT(dss)))
    if np.shape(a)[-2] > np.shape(a)[-1]:
        av = t @ v
        du = du + (av - u @ (_mT(u) @ av)) / row
    return du


@_quiet
def _u_vjp(ct, out, a, full_matrices=True):
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    row = np.expand_dims(s, -2)
    g = _gaps(s, True) * (_mT(u) @ ct)
    back = u @ ((g + _mT(g)) * row) @ vh
    if np.shape(a)[-2] > np.shape(a)[-1]:
        back = back + ((ct - u @ (_mT(u) @ ct)) / row) @ vh
    return back


@_quiet
def _vh_jvp(t, out, a, full_matrices=True):
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    v, row = _mT(vh), np.expand_dims(s, -2)
    p = _mT(u) @ t @ v
    sds = np.expand_dims(s, -1) * p                 # D·Ṗ
    dv = v @ (_gaps(s, True) * (sds + _mT(sds)))
    if np.shape(a)[-1] > np.shape(a)[-2]:
        au = _mT(t) @ u
        dv = dv + (au - v @ (vh @ au)) / row
    return _mT(dv)


@_quiet
def _vh_vjp(ct, out, a, full_matrices=True):
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    v, vbar = _mT(vh), _mT(ct)
    h = _gaps(s, True) * (vh @ vbar)
    back = u @ (np.expand_dims(s, -1) * (h + _mT(h))) @ vh
    if np.shape(a)[-1] > np.shape(a)[-2]:
        back = back + (u / np.expand_dims(s, -2)) @ _mT(vbar - v @ (vh @ vbar))
    return back


def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """(U, S, Vh) as NumPy's SVDResult, or the singular values (compute_uv=False)."""
    _stacked_2d(a)
    if not compute_uv:
        return singular_values(a)
    if full_matrices and np.shape(a)[-1] != np.shape(a)[-2]:
        raise TypeError("np.linalg.svd(..., full_matrices=True) of a non-square matrix has "
                        "no derivative (the extra columns of U or V are not unique): pass "
                        "full_matrices=False")
    fm = bool(full_matrices)
    result = type(np.linalg.svd(np.eye(1)))
    return result(svd_u(a, fm), svd_s(a, fm), svd_vh(a, fm))


def svdvals(x, /):
    _stacked_2d(x)
    return singular_values(x)


def singular_value_norm(x, ord, rows, cols, keepdims):
    """np.linalg.norm's ord 2, −2, 'nuc' of the matrices on axes (rows, cols): the
    largest, smallest or summed singular values, as NumPy's _multi_svd_norm."""
    s = singular_values(np.moveaxis(x, (rows, cols), (-2, -1)))
    if ord == 2:    # (NumPy's initial=0: an empty matrix's 2-norm is 0)
        n = np.max(s, axis=-1, initial=0.0) if 0 in np.shape(s) else np.max(s, axis=-1)
    else:
        n = np.min(s, axis=-1) if ord == -2 else np.sum(s, axis=-1)
    if keepdims:
        shape = list(np.shape(x))
        shape[rows] = shape[cols] = 1
        n = np.reshape(n, shape)
    return n


def cond(x, p=None):
    """s_max/s_min (p None or 2; p = −2: s_min/s_max); other p: ‖x‖·‖x⁻¹‖ (inf for a
    singular x, as NumPy)."""
    _stacked_2d(x)
    if 0 in np.shape(x)[-2:]:
        raise np.linalg.LinAlgError("cond is not defined on empty arrays")
    if p is None or p == 2 or p == -2:
        s = singular_values(x)
        with np.errstate(all="ignore"):
            r = s[..., -1] / s[..., 0] if p == -2 else s[..., 0] / s[..., -1]
    else:
        _stacked_square(x)
        with np.errstate(all="ignore"):
            r = np.linalg.norm(x, p, axis=(-2, -1)) * np.linalg.norm(_inv_or_nan(x), p,
                                                                     axis=(-2, -1))
    # NumPy's: nan → inf, unless x holds a nan (0/0 of a zero matrix, inf/inf, ...)
    singular = np.isnan(_value(r)) & ~np.isnan(_value(x)).any(axis=(-2, -1))
    return np.where(singular, np.inf, r) if np.any(singular) else r


# -- qr ----------------------------------------------------------------------------------
@primitive
def qr_q(a):
    """np.linalg.qr(a).Q; a table row of its own."""
    return np.linalg.qr(a).Q


@primitive
def qr_r(a):
    """np.linalg.qr(a).R (the same bits as mode='r'); a table row of its own."""
    return np.linalg.qr(a).R


def _qr_parts(t, a):
    q, r = np.linalg.qr(a)
    ri = np.linalg.inv(r)
    tri = t @ ri
    c = _mT(q) @ tri
    low = np.tril(c, -1)
    return q, r, tri, c, low - _mT(low)


def _qr_q_jvp(t, out, a):
    q, _, tri, c, omega = _qr_parts(t, a)
    return q @ (omega - c) + tri


def _qr_r_jvp(t, out, a):
    _, r, _, c, omega = _qr_parts(t, a)
    return (c - omega) @ r


def _omega_T(m):
    """The transpose of C ↦ tril(C, −1) − tril(C, −1)ᵀ."""
    return np.tril(m, -1) - np.tril(_mT(m), -1)


def _qr_q_vjp(ct, out, a):
    q, r = np.linalg.qr(a)
    n = _mT(q) @ ct
    return (ct + q @ (_omega_T(n) - n)) @ _mT(np.linalg.inv(r))


def _qr_r_vjp(ct, out, a):
    q, r = np.linalg.qr(a)
    m = ct @ _mT(r)
    return q @ (m - _omega_T(m)) @ _mT(np.linalg.inv(r))


def qr(a, mode="reduced"):
    """(Q, R) as NumPy's QRResult, or R (mode='r'), for m ≥ n."""
    if mode not in ("reduced", "complete", "r", "raw"):
        raise ValueError(f"Unrecognized mode '{mode}'")     # NumPy's error
    if mode not in ("reduced", "r"):
        raise TypeError(f"np.linalg.qr(..., mode={mode!r}) is not supported on traced "
                        "values: only mode='reduced' or 'r'")
    _stacked_2d(a)
    if np.shape(a)[-2] < np.shape(a)[-1]:
        raise TypeError("np.linalg.qr of a wide matrix (M < N) is not supported on traced "
                        "values: its derivative is implemented for M >= N")
    if mode == "r":
        return qr_r(a)
    return type(np.linalg.qr(np.eye(1)))(qr_q(a), qr_r(a))


# -- pinv, lstsq -------------------------------------------------------------------------
def _pinv_jvp(t, out, a, *_, **__):
    # JAX's: Ṗ = −P·Ȧ·P + P·Pᵀ·Ȧᵀ·(I − A·P) + (I − P·A)·Ȧᵀ·Pᵀ·P (rank locally constant)
    p, (m, n) = out, np.shape(a)[-2:]
    return -(p @ t @ p) + p @ _mT(p) @ _mT(t) @ (np.eye(m) - a @ p) + \
        (np.eye(n) - p @ a) @ _mT(t) @ _mT(p) @ p


def _pinv_vjp(ct, out, a, *_, **__):
    p, (m, n) = out, np.shape(a)[-2:]
    return -(_mT(p) @ ct @ _mT(p)) + (np.eye(m) - a @ p) @ _mT(ct) @ p @ _mT(p) + \
        _mT(p) @ p @ _mT(ct) @ (np.eye(n) - p @ a)


def lstsq(a, b, rcond=None):
    """(x, residuals, rank, s) as NumPy's: x = pinv(a)·b with lstsq's cutoff (the
    least-squares solution of least norm, within rounding of NumPy's gelsd);
    residuals |b − a·x|² per column where NumPy gives them (rank N < M), s the
    singular values (svd's, within rounding of gelsd's), all differentiable; rank
    read on the values."""
    _, numpys_residuals, rank, _ = np.linalg.lstsq(_value(a), _value(b), rcond)
    m, n = np.shape(a)
    eps = np.finfo(np.float64).eps
    cut = eps * max(m, n) if rcond is None else eps if rcond < 0 else rcond
    x = np.matmul(np.linalg.pinv(a, rtol=cut), b)
    if np.size(numpys_residuals):
        r = b - np.matmul(a, x)
        residuals = np.reshape(np.sum(r * r, axis=0), np.shape(numpys_residuals))
    else:
        residuals = numpys_residuals
    return x, residuals, rank, singular_values(a)


# the names symbolic refuses (sympy has no closed form to match LAPACK's values)
SYMBOLIC_REFUSED = {
    eigh_eigenvalues: "np.linalg.eigh", eigh_eigenvectors: "np.linalg.eigh",
    eigvalsh_values: "np.linalg.eigvalsh", singular_values: "np.linalg.svd (singular values)",
    svd_u: "np.linalg.svd", svd_s: "np.linalg.svd", svd_vh: "np.linalg.svd",
    qr_q: "np.linalg.qr", qr_r: "np.linalg.qr", np.linalg.pinv: "np.linalg.pinv",
}
