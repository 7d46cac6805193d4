"""NumPy functions re-expressed with table operations (dualad/composites.py): tile,
repeat, take, diagonal, pad, sort, median, tensordot, kron, ...; np.einsum
(dualad/einsum.py); np.linalg's inv, det, slogdet, solve, matrix_power, multi_dot,
tensorinv, tensorsolve (dualad/linalg.py); ufunc.outer of every binary ufunc; polyval,
interp, trapezoid, cross, convolve (dualad/analysis.py);
nanmax, nanmin, nanvar, nanstd, cov, corrcoef, quantile, percentile
(dualad/statistics.py); meshgrid, linspace.

Each case: the primal equals NumPy's own value exactly in forward and reverse mode;
the gradients of forward, reverse, symbolic (sympy) and compile agree, and the Hessians
of forward and reverse mode; a few gradients against numbers JAX (64-bit) computed.
"""

import numpy as np
import pytest

import dualad
import reverse
import symbolic
from dualad.rules import ELEMENTWISE

A = np.array([[2.0, 1.0, -0.5], [0.5, 3.0, 1.5], [1.2, -0.7, 0.9]])
W = np.array([[0.3, -1.0, 2.0], [1.0, 0.5, -0.2], [0.1, 0.2, 0.7]])
GRID = np.arange(25.0).reshape(5, 5)

CASES = {
    "tile": lambda x: np.sum(np.tile(x, (2, 1)) ** 2 * 0.5),
    "tile of a row": lambda x: np.sum(np.sin(np.tile(x[0], 3))),
    "repeat along an axis": lambda x: np.sum(np.repeat(x, 2, axis=1) ** 3),
    "repeat by counts": lambda x: np.sum(np.cos(np.repeat(x[0], np.array([1, 0, 3])))),
    "take, an index twice": lambda x: np.sum(np.take(x, np.array([0, 2, 2, 5])) ** 2),
    "take along an axis": lambda x: np.sum(np.exp(np.take(x, np.array([2, 0, 2]), axis=1))),
    "x.take method": lambda x: np.sum(x.take([1, 1], axis=0) ** 3),
    "take_along_axis": lambda x: np.sum(np.take_along_axis(x, np.array([[0], [2], [2]]), 1) ** 2),
    "diagonal": lambda x: np.sum(np.diagonal(x) ** 3),
    "x.diagonal(1)": lambda x: np.sum(np.sin(x.diagonal(1))),
    "diag of a matrix": lambda x: np.sum(np.diag(x, -1) ** 2),
    "diag of a vector": lambda x: np.sum(np.diag(x[0], 1)[:3, :3] @ x),
    "pad with zeros": lambda x: np.sum(np.pad(x, 1) ** 2 * GRID),
    "pad with a constant": lambda x: np.sum(np.sin(np.pad(x, 1, constant_values=2.0))),
    "pad edge": lambda x: np.sum(np.pad(x, ((1, 0), (0, 2)), mode="edge") ** 2 * GRID[:4]),
    "pad reflect": lambda x: np.sum(np.pad(x[0], 2, mode="reflect") * np.arange(7.0)),
    "pad symmetric": lambda x: np.sum(np.pad(x[0], (2, 1), "symmetric") ** 2 * np.arange(6.0)),
    "pad wrap": lambda x: np.sum(np.pad(x[0], (2, 1), mode="wrap") ** 2 * np.arange(6.0) - 2),
    "fliplr": lambda x: np.sum(np.fliplr(x) * W),
    "flipud": lambda x: np.sum(np.flipud(x) ** 2 * W),
    "rot90": lambda x: np.sum(np.rot90(x) * W),
    "rot90 three times": lambda x: np.sum(np.rot90(x, 3, axes=(1, 0)) ** 2 * W),
    "split": lambda x: np.sum(np.split(x, 3, axis=1)[1] ** 2),
    "array_split": lambda x: np.sum(np.array_split(x[0], 2)[0] ** 3),
    "hsplit": lambda x: np.sum(np.hsplit(x, [1])[1] ** 2),
    "vsplit": lambda x: np.sum(np.vsplit(x, [2])[0] ** 3),
    "dsplit": lambda x: np.sum(np.dsplit(x[None], [1])[1] ** 3),
    "resize": lambda x: np.sum(np.resize(x[0], (2, 4)) ** 2 * GRID[:2, :4]),
    "delete": lambda x: np.sum(np.delete(x, 1, axis=0) ** 3),
    "compress": lambda x: np.sum(np.compress([True, False, True], x, axis=1) ** 3),
    "extract": lambda x: np.sum(np.extract(x > 1.0, x) ** 3),
    "sort a row": lambda x: np.sum(np.sort(x, axis=1) * W),
    "sort flattened": lambda x: np.sum(np.sort(x, axis=None) * np.arange(9.0)),
    "median": lambda x: np.median(x ** 2),
    "median along an axis": lambda x: np.sum(np.median(x, axis=0) ** 2),
    "median of an even count": lambda x: np.median(x[:, :2]),
    "median over two axes, kept": lambda x: np.sum(np.median(x[None] * x[:, None], (0, 2),
                                                             keepdims=True) ** 2),
    "ptp": lambda x: np.ptp(x),
    "ptp along an axis": lambda x: np.sum(np.ptp(x, axis=1) ** 2),
    "average": lambda x: np.average(x),
    "average with weights": lambda x: np.average(x, weights=W ** 2),
    "average along an axis": lambda x: np.sum(np.average(x, 1, [1.0, 2.0, 3.0]) ** 2),
    "average with traced weights": lambda x: np.average(W, weights=x ** 2),
    "average returned": lambda x: np.sum(np.average(x, 0, x ** 2, returned=True)[1] ** 2),
    "nansum": lambda x: np.nansum(np.where(x > 2.5, np.nan, x ** 2)),
    "nanmean": lambda x: np.nanmean(np.where(x > 2.5, np.nan, x ** 2), axis=0).sum(),
    "tensordot": lambda x: np.sum(np.tensordot(x, W, axes=1) ** 2),
    "tensordot over both axes": lambda x: np.tensordot(x, x, axes=2),
    "tensordot over named axes": lambda x: np.sum(np.tensordot(x, W, axes=([0], [1])) ** 2),
    "inner": lambda x: np.sum(np.inner(x, W) ** 2),
    "vdot": lambda x: np.vdot(x, W * x),
    "kron": lambda x: np.sum(np.kron(x, W) ** 2),
    "kron of vectors": lambda x: np.sum(np.kron(x[0], x[1]) ** 2),
    "kron of a vector and a matrix": lambda x: np.sum(np.kron(x[0], x) ** 2 * 0.1),
    "append": lambda x: np.sum(np.append(x, x[0]) ** 3),
    "append along an axis": lambda x: np.sum(np.append(x, x[:1], axis=0) ** 3),
    "column_stack": lambda x: np.sum(np.column_stack([x[0], x[1]]) ** 2 * W[:, :2]),
    "dstack": lambda x: np.sum(np.dstack([x, W]) ** 3),
    "atleast_3d": lambda x: np.sum(np.atleast_3d(x[0]) ** 3),
    "real": lambda x: np.sum(np.real(x) ** 2),
    "einsum matmul": lambda x: np.sum(np.einsum("ij,jk->ik", x, W) ** 2),
    "einsum implicit, x twice": lambda x: np.sum(np.einsum("ij,jk", x, x) ** 2),
    "einsum trace": lambda x: np.einsum("ii->", x) ** 2,
    "einsum diagonal": lambda x: np.sum(np.einsum("ii->i", x) ** 3),
    "einsum sum over an axis": lambda x: np.sum(np.einsum("ij->i", x) ** 2),
    "einsum three operands": lambda x: np.einsum("i,ij,j->", W[0], x, x[0]),
    "einsum optimize": lambda x: np.einsum("i,ij,jk->k", W[0], x, W, optimize=True) @ W[1],
    "einsum ellipsis": lambda x: np.sum(np.einsum("...ij,jk->...ik", x[None] * W[:2, None],
                                                  x) ** 2),
    "einsum broadcast size 1": lambda x: np.sum(np.einsum("ij,ij->ij", x[:1], x) ** 2),
    "einsum of a scalar": lambda x: np.sum(np.einsum(",ij->ij", x[0, 0], x) ** 2),
    "einsum diagonal beside another": lambda x: np.einsum("ii,ij->", x, W * x),
    "inv": lambda x: np.sum(np.linalg.inv(x) * W),
    "inv of x xᵀ + 1": lambda x: np.sum(np.linalg.inv(x @ x.T + np.eye(3)) ** 2),
    "det": lambda x: np.linalg.det(x),
    "det squared": lambda x: np.linalg.det(x * W) ** 2,
    "slogdet": lambda x: np.linalg.slogdet(x)[1],
    "slogdet sign": lambda x: np.linalg.slogdet(x).sign * np.linalg.slogdet(x * W).logabsdet,
    "solve for a vector": lambda x: np.sum(np.linalg.solve(x, W[0]) ** 2),
    "solve for a matrix": lambda x: np.sum(np.linalg.solve(x, W) ** 2),
    "solve for a traced b": lambda x: np.sum(np.linalg.solve(W + 3 * np.eye(3), x) ** 2),
    "inv of a stack": lambda x: np.sum(np.linalg.inv(np.stack([x, x.T + np.eye(3)])) * W),
    "det of a stack": lambda x: np.sum(np.linalg.det(np.stack([x, x * W])) ** 2),
    "gaussian log-likelihood": lambda x: -0.5 * (W[0] @ np.linalg.solve(x @ x.T + np.eye(3),
                                                                      W[0]))
    - 0.5 * np.linalg.slogdet(x @ x.T + np.eye(3))[1],
    "matrix_power": lambda x: np.sum(np.linalg.matrix_power(x, 5) * W),
    "matrix_power of the inverse": lambda x: np.sum(np.linalg.matrix_power(x, -2) * W),
    "matrix_power 0": lambda x: np.sum(np.linalg.matrix_power(x, 0) * x),
    "multi_dot": lambda x: np.sum(np.linalg.multi_dot([x, W, x.T]) ** 2),
    "multi_dot with vectors at the ends": lambda x: np.linalg.multi_dot([x[0], W, x, x[2]]),
    "tensorinv": lambda x: np.sum(np.linalg.tensorinv(np.reshape(x[:2, :2] + np.eye(2),
                                                                 (2, 1, 2)), ind=1) * W[:2, :2]),
    "tensorsolve": lambda x: np.sum(np.linalg.tensorsolve(np.reshape(x[:2, :2] + np.eye(2),
                                                                     (2, 1, 2)), W[:2, :1]) ** 2),
    "tensorsolve with axes": lambda x: np.sum(np.linalg.tensorsolve(
        np.reshape(x[:2, :2] + np.eye(2), (2, 2, 1)), W[:2, :1], axes=(1,)) ** 3),
    "logaddexp.outer": lambda x: np.sum(np.logaddexp.outer(x[0], x[1]) * W),
    "arctan2.outer of a matrix": lambda x: np.sum(np.arctan2.outer(x[0], x + 2.0)[1] * W),
    "greater.outer in a where": lambda x: np.sum(np.where(np.greater.outer(x[0], x[1]),
                                                          x[0][:, None] ** 2, x[1])),
    "polyval in x": lambda x: np.sum(np.polyval(W[0], x)),
    "polyval in p": lambda x: np.sum(np.polyval(x[0], W)),
    "polyval in both": lambda x: np.sum(np.polyval(x[1], x)),
    "interp in x, at a knot too": lambda x: np.sum(np.interp(x, [-1.0, 0.0, 1.0, 2.5],
                                                             [0.5, -1.0, 2.0, 3.0])),
    "interp in fp": lambda x: np.sum(np.interp([-2.0, 0.3, 1.0, 2.0, 4.0], [-1.0, 0.0, 1.0],
                                               x[0] ** 2)),
    "interp with left and right": lambda x: np.sum(np.interp(x, [0.0, 1.0, 2.0], x[1],
                                                             left=x[2, 0], right=3.0)),
    "trapezoid": lambda x: np.sum(np.trapezoid(x ** 2)),
    "trapezoid over x": lambda x: np.sum(np.trapezoid(x ** 2, x=[0.0, 0.5, 2.0], axis=0)),
    "trapezoid over a traced x": lambda x: np.trapezoid(x[0] ** 2, x=x[1]),
    "cross": lambda x: np.sum(np.cross(x, W) ** 2),
    "cross along axis 0": lambda x: np.sum(np.cross(x, W, axis=0) ** 2),
    "cross of two vectors": lambda x: np.sum(np.cross(x[0], x[1]) * W[0]),
    "convolve": lambda x: np.sum(np.convolve(x[0], W[1]) ** 2),
    "convolve same": lambda x: np.sum(np.convolve(x.ravel(), x[1], mode="same") ** 2),
    "convolve valid": lambda x: np.sum(np.convolve(x[0, :2], x.ravel(), "valid") ** 2),
    "nanmax": lambda x: np.sum(np.nanmax(np.where(x > 2.5, np.nan, x), axis=0) ** 2),
    "nanmin": lambda x: np.nanmin(np.where(x > 2.5, np.nan, x)),
    "nanvar": lambda x: np.sum(np.nanvar(np.where(x > 2.5, np.nan, x), axis=1)),
    "nanstd": lambda x: np.nanstd(np.where(x > 2.5, np.nan, x), ddof=1),
    "cov": lambda x: np.sum(np.cov(x) * W),
    "cov of columns, biased": lambda x: np.sum(np.cov(x, rowvar=False, bias=True) * W),
    "cov of x and y": lambda x: np.sum(np.cov(x[0], x[1]) ** 2),
    "corrcoef": lambda x: np.sum(np.corrcoef(x) * W),
    "quantile": lambda x: np.quantile(x, 0.3),
    "quantiles along an axis": lambda x: np.sum(np.quantile(x, [0.25, 0.5, 0.9], axis=1) * W),
    "percentile": lambda x: np.sum(np.percentile(x, 75.0, axis=0) ** 2),
    "meshgrid": lambda x: np.sum(np.meshgrid(x[0], x[1, :2])[0] * np.meshgrid(x[0], x[1, :2])[1]
                                 ** 2),
    "meshgrid ij": lambda x: np.sum(np.meshgrid(x[0], x[1], indexing="ij")[1] * W),
    "linspace": lambda x: np.sum(np.linspace(x[0, 0], x[1, 1], 7) ** 2),
    "linspace without the end": lambda x: np.sum(np.sin(np.linspace(x[0, 0], x[1, 1], 5,
                                                                    endpoint=False))),
    "linspace of arrays": lambda x: np.sum(np.linspace(x[0], x[1], 4) ** 2),
    "degrees": lambda x: np.sum(np.sin(np.degrees(x) / 100)),
    "radians": lambda x: np.sum(np.sin(np.radians(x) * 10)),
    "conjugate": lambda x: np.sum(np.conjugate(x) ** 3 + x.conj()),
}


def assert_primal_is_numpys_and_engines_agree(f, x, exact=True, symbolic_too=True):
    """f's value in forward and reverse mode is NumPy's (bit for bit when exact, else
    within rounding); the gradients of forward, reverse, symbolic (when symbolic_too)
    and compile agree, and the Hessians of forward and reverse mode."""
    want = f(x.copy())
    forward_value, _ = dualad.jvp(f, (x.copy(),), (np.ones_like(x),))
    reverse_value, _ = reverse.vjp(f, x.copy())
    if exact:
        assert forward_value == want and reverse_value == want
    else:
        np.testing.assert_allclose([forward_value, reverse_value], want, rtol=1e-14)
    g = reverse.gradient(f, x.copy())
    others = [dualad.gradient, lambda f, x: dualad.compile(f, x).gradient(x)]
    for engine in others + [symbolic.gradient] * symbolic_too:
        other = engine(f, x.copy())
        np.testing.assert_allclose(other, g, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dualad.hessian(f, x.copy()), reverse.hessian(f, x.copy()),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", CASES)
def test_composite_primal_is_numpys_and_engines_agree(name):
    # inv(a) @ b, a left-to-right chain, a gather times v: NumPy's within rounding
    rounded = ("solve", "log-likelihood", "multi_dot", "convolve")
    assert_primal_is_numpys_and_engines_agree(CASES[name], A,
                                              not any(s in name for s in rounded))


JAX = {     # jax.grad of the same f with jax.numpy, 64-bit
    "median of an even count": [[0.0, 0.5, 0.0], [0.0, 0.0, 0.0], [0.5, 0.0, 0.0]],
    "sort a row": [[2.0, -1.0, 0.3], [1.0, -0.2, 0.5], [0.7, 0.1, 0.2]],
    "kron of vectors": [[46.0, 23.0, -11.5], [5.25, 31.5, 15.75], [0.0, 0.0, 0.0]],
    "pad reflect": [[8.0, 9.0, 4.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
    "tensordot over named axes": [[5.748, 2.862, 0.406], [-2.534, 10.924, 0.122],
                                  [10.792, -17.162, 1.804]],
    "rot90": [[0.1, 1.0, 0.3], [0.2, 0.5, -1.0], [0.7, -0.2, 2.0]],
    "einsum ellipsis": [[49.8272, 46.1664, -12.4481], [9.3782, 177.4918, 61.6657],
                        [40.06876, -78.51736, 23.1916]],
    "einsum diagonal beside another": [[-0.8, -2.0, 4.0], [3.0, 3.2, -0.6],
                                       [0.09, 0.18, 1.24]],
    "einsum three operands": [[3.1, -3.8, 0.0], [-2.0, -1.0, 0.5], [4.0, 2.0, -1.0]],
    "det": [[3.75, 1.35, -3.95], [-0.55, 2.4, 2.6], [3.0, -3.25, 5.5]],
    "gaussian log-likelihood": [
        [-0.30742727102941136, -0.07521335725441851, 0.2331412352689524],
        [-0.00423088491095602, -0.17350113674239964, -0.21388164718308167],
        [0.08363338387069627, -0.11790500965977496, -0.11392024442872138]],
    "inv": [[-0.19901540890398908, 0.17903343662828225, -0.05369915035015393],
            [-0.07533455296044032, -0.06858002336137058, 0.02247171834080938],
            [-0.22775736176522351, 0.3841505368314941, -0.4752918837905156]],
    "cross": [[21.2, 7.38, 0.51], [-2.11, 6.04, 4.55], [1.174, -1.0, 0.118]],
    "tensorinv": [[-0.05330812854442343, 0.09905482041587901, 0.0],
                  [-0.06275992438563327, -0.046502835538752355, 0.0], [0.0, 0.0, 0.0]],
    "tensorsolve": [[0.00016437905810799694, 0.002342401578038956, 0.0],
                    [-0.0021961042163228402, -0.031294485082600465, 0.0], [0.0, 0.0, 0.0]],
    "tensorsolve with axes": [[0.00013383314096218922, 0.0019071222587111964, 0.0],
                              [-0.0008345596249298709, -0.01189247465525066, 0.0],
                              [0.0, 0.0, 0.0]],
    "logaddexp.outer": [[1.2212495838918072, 0.6065526584532843, 0.11619863370275309],
                        [0.5053741838030529, -0.09652248579133509, 1.2471474259404378],
                        [0.0, 0.0, 0.0]],
    "interp in x, at a knot too": [[2 / 3, 2 / 3, -1.5], [3.0, 0.0, 2 / 3], [2 / 3, -1.5, 3.0]],
    "convolve": [[6.16, 3.78, -1.29], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
    "matrix_power of the inverse": [
        [-0.08815163745957474, -0.05571090809613865, 0.24596955384738992],
        [-0.07767981510650465, 0.03661932215958662, -0.08401241263890863],
        [-0.3783947318750782, 0.46484995941932816, -0.32922940255143146]],
    "corrcoef": [[0.5740097178337391, -0.9566828630562316, 0.38267314522249263],
                 [0.0, 0.0, 0.0], [0.9291744101249024, 0.17422020189841925, -1.1033946120233216]],
    "quantiles along an axis": [[0.08, 1.17, 0.15], [-0.5, 0.16, 0.04], [0.56, 1.0, 0.94]],
    "linspace of arrays": [[6.666666666666668, 5.777777777777779, -0.2222222222222222],
                           [3.333333333333333, 10.222222222222221, 4.222222222222222],
                           [0.0, 0.0, 0.0]],
}


@pytest.mark.parametrize("name", JAX)
def test_composite_gradients_match_jax(name):
    for engine in (dualad.gradient, reverse.gradient):
        np.testing.assert_allclose(engine(CASES[name], A.copy()), JAX[name], rtol=1e-13,
                                   atol=1e-15)


def test_the_median_of_a_row_with_a_nan_is_nan_as_numpys():
    x = np.array([[1.0, np.nan, 3.0], [4.0, 2.0, 6.0]])
    f = lambda x: np.median(x, axis=1)      # noqa: E731
    value, _ = dualad.jvp(f, (x,), (np.ones_like(x),))
    np.testing.assert_array_equal(value, [np.nan, 4.0])
    np.testing.assert_array_equal(reverse.jacobian(f, x)[1], [[0, 0, 0], [1, 0, 0]])


@pytest.mark.parametrize("engine", [dualad.gradient, reverse.gradient, symbolic.gradient])
@pytest.mark.parametrize("f, error, message", [
    (lambda x: np.pad(x, 1, mode="mean"), TypeError, "mode='mean'"),
    (lambda x: np.pad(x, 1, mode="reflect", reflect_type="odd"), TypeError, "reflect_type"),
    (lambda x: np.pad(x, 1, mode="edge", constant_values=3), ValueError, "constant_values"),
    (lambda x: np.average(x, weights=0 * x), ZeroDivisionError, "Weights sum to zero"),
    (lambda x: np.average(x, weights=[1.0, 2.0]), TypeError, "Axis must be specified"),
    (lambda x: np.sort(x, order="a"), TypeError, "order="),
    (lambda x: np.take(x, [10]), IndexError, "out of bounds"),
    (lambda x: np.inner(x, x[:, :2]), ValueError, "shapes not aligned"),
    (lambda x: np.einsum(x, [0, 1], x, [1, 2]), TypeError, "subscripts string"),
    (lambda x: np.einsum("ij,jk", x, x, dtype=np.float32), TypeError, "dtype"),
    (lambda x: np.einsum("ij,jk", x, x[:2]), ValueError, "operands could not be broadcast"),
    (lambda x: np.linalg.inv(x * [1, 1, 0]), np.linalg.LinAlgError, "Singular matrix"),
    (lambda x: np.linalg.det(x[:2]), np.linalg.LinAlgError, "square"),
])
def test_composites_refuse_what_they_cannot_do_by_name(engine, f, error, message):
    with pytest.raises(error, match=message):
        engine(lambda x: np.sum(f(x)), A.copy())


# -- from probe31: attributes and methods every engine has, p-norms, divmod ------------
def test_dtype_is_there_in_taylor_mode_and_symbolic_too():
    # np.asarray(3.0, dtype=x.dtype) was an AttributeError on Taylor and Sym values
    f = lambda x: np.sin(x) * np.asarray(3.0, dtype=x.dtype)     # noqa: E731
    assert dualad.derivative(f, 0.5, order=3) == pytest.approx(-3 * np.cos(0.5), rel=1e-14)
    assert symbolic.gradient(f, 0.5) == pytest.approx(3 * np.cos(0.5), rel=1e-15)


@pytest.mark.parametrize("engine", [dualad.gradient, reverse.gradient, symbolic.gradient,
                                    lambda f, x: np.array([dualad.derivative(
                                        lambda t: f(x * t), 1.0, order=3)])])
def test_compress_searchsorted_argpartition_methods(engine):
    x = np.array([1.0, -2.0, 3.0, 0.5])
    g = engine(lambda v: np.sum(v.compress(v > 0) ** 2) * (v.searchsorted(0.0) + 1) +
               v[v.argpartition(1)[0]], x)
    k = np.searchsorted(x, 0.0)     # 2: Σ x² over x > 0 counts 3 times; x₁ is the least
    if np.size(g) == 1:     # order 3 along x: d³/dt³ of 3·Σ (x t)² over x > 0 + x₁t
        np.testing.assert_array_equal(g, [0.0])
    else:
        np.testing.assert_array_equal(g, 2 * x * (x > 0) * (k + 1) + [0, 1, 0, 0])


@pytest.mark.parametrize("method, instead", [
    ("sort", "np.sort(x)"), ("partition", "np.partition(x, k)"),
    ("resize", "np.resize(x, shape)"), ("fill", "np.full_like"), ("put", "")])
def test_in_place_methods_are_refused_with_what_to_write(method, instead):
    # probe41: x.partition() said "np.partition has no rule", which it has
    with pytest.raises(TypeError, match="in place") as e:
        dualad.gradient(lambda v: np.sum(getattr(v, method)(0)), np.ones(2))
    assert instead in str(e.value) and "no rule" not in str(e.value)


def test_trace_names_itself_when_forward_mode_runs_inside():
    def f(y):
        return dualad.derivative(lambda x: np.sin(x * y), 0.3, order=3)
    with pytest.raises(TypeError, match="dualad.trace records f") as e:
        dualad.trace(f, 0.7)
    assert "compile" not in str(e.value)


@pytest.mark.parametrize("order, jax", [
    (3, [0.05316838362130478, -0.3062498896587155, 0.8506941379408764, 0.10421003189775735]),
    (0.5, [5.73240929510289, -3.7002542889296817, 2.866204647551445, 4.844770105601504]),
    (-np.inf, [1.0, 0.0, 0.0, 0.0]),
    (0, [0.0, 0.0, 0.0, 0.0]),
    (-1, [0.1764, -0.030625, 0.011025, 0.09]),
])
def test_vector_p_norms_match_jax(order, jax):
    x = np.array([0.5, -1.2, 2.0, 0.7])
    f = lambda v: np.linalg.norm(v, order)      # noqa: E731
    assert dualad.jvp(f, (x,), (x,))[0] == np.linalg.norm(x, order)
    for engine in (dualad.gradient, reverse.gradient, symbolic.gradient):
        np.testing.assert_allclose(engine(f, x), jax, rtol=1e-14)
    with pytest.raises(ValueError, match="Invalid norm order 'fro' for vectors"):
        reverse.gradient(lambda v: np.linalg.norm(v, "fro"), x)


@pytest.mark.parametrize("engine", [dualad.gradient, reverse.gradient, symbolic.gradient,
                                    lambda f, x: dualad.compile(f, x).gradient(x)])
def test_divmod_of_traced_values(engine):
    # divmod(x, 1.3) was a TypeError; (x mod 1.3)·(x // 1.3) + (5 mod x) at 2:
    # 1·1 + (−floor(5/2)) = −1
    f = lambda x: divmod(x, 1.3)[1] * divmod(x, 1.3)[0] + divmod(5.0, x)[1]  # noqa: E731
    assert engine(f, 2.0) == -1.0


# -- review18 / probe33 ------------------------------------------------------------------
def test_average_takes_the_weights_in_the_order_of_the_axis_tuple():
    # NumPy transposes w by argsort(axis): axis=(2, 0) paired weights with wrong entries
    a = np.arange(24.0).reshape(2, 3, 4) / 7
    w = np.arange(1.0, 9.0).reshape(4, 2)
    f = lambda x: np.average(x, axis=(2, 0), weights=w)     # noqa: E731
    assert (dualad.jvp(f, (a,), (a,))[0] == f(a)).all() and (reverse.vjp(f, a)[0] == f(a)).all()
    np.testing.assert_allclose(reverse.gradient(lambda x: np.sum(f(x)), a)[:, 0, :],
                               w.T / w.sum(), rtol=1e-15)


def test_tensordot_axes_out_of_range_are_numpys_index_error():
    with pytest.raises(IndexError):
        dualad.gradient(lambda x: np.sum(np.tensordot(x, x, ([2], [0]))), A.copy())
    with pytest.raises(IndexError):
        reverse.gradient(lambda x: np.sum(np.tensordot(x, x, ([-3], [0]))), A.copy())


def test_einsum_transpose_broadcasts_a_label_another_operand_has_at_size_1():
    # 'ij,ij->j' with a (1, 3) and b (2, 3): b's cotangent came out (1, 3), and reverse
    # failed to reshape it (forward was right)
    b0 = np.arange(1.0, 7.0)
    f = lambda v: np.sum(np.einsum("ij,ij->j", v[:3].reshape(1, 3), v.reshape(2, 3)) ** 2)  # noqa
    want = dualad.gradient(f, b0)
    for engine in (reverse.gradient, lambda f, x: dualad.compile(f, x).gradient(x)):
        np.testing.assert_allclose(engine(f, b0), want, rtol=1e-15)
    with pytest.raises(ValueError, match="too many labels"):
        letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX"
        reverse.gradient(lambda x: np.einsum(letters + ",YY,ZZ->", np.ones((1,) * 50), x, x),
                         np.eye(2))


@pytest.mark.parametrize("engine", [dualad.gradient, reverse.gradient, symbolic.gradient,
                                    lambda f, x: dualad.compile(f, x).gradient(x)])
def test_gathers_take_their_array_by_keyword_and_split_by_slices(engine):
    x = np.arange(1.0, 7.0)
    f = lambda v: (np.sum(np.tile(A=v, reps=2) ** 2) + np.take(a=v, indices=[0, 4]) @ [1, 2]  # noqa
                   + np.split(ary=v, indices_or_sections=3)[1] @ [3, 4])
    np.testing.assert_array_equal(engine(f, x), 4 * x + [1, 0, 3, 4, 2, 0])


def test_median_keepdims_over_an_empty_slice_keeps_numpys_shape():
    x = np.zeros((0, 1, 3))
    f = lambda v: np.median(v, axis=0, keepdims=True)       # noqa: E731
    with np.errstate(invalid="ignore"), pytest.warns(RuntimeWarning):
        assert dualad.jvp(f, (x,), (x,))[0].shape == reverse.vjp(f, x)[0].shape == (1, 1, 3)


def test_pad_with_a_traced_constant_and_numpys_errors():
    x = np.arange(1.0, 7.0).reshape(2, 3)
    f = lambda v, c: np.sum(np.pad(v, 1, constant_values=c) ** 2)   # noqa: E731
    for engine in (dualad.gradient, reverse.gradient, symbolic.gradient):
        gx, gc = engine(f, x, 2.0)
        np.testing.assert_array_equal(gx, 2 * x)
        assert gc == 2 * 2.0 * 14       # 14 padded slots
    with pytest.raises(ValueError, match="unsupported keyword arguments for mode 'edge'"):
        reverse.gradient(lambda v: np.sum(np.pad(v, 1, mode="edge", reflect_type="odd")), x)


@pytest.mark.parametrize("engine", [dualad.gradient, reverse.gradient])
def test_atleast_nd_of_several_arrays_is_a_tuple_as_numpys(engine):
    def f(v):
        parts = np.atleast_3d(v, 2 * v) + np.atleast_2d(v, v)
        assert type(parts) is tuple
        return np.sum(parts[1])
    np.testing.assert_array_equal(engine(f, np.ones(3)), 2 * np.ones(3))


def test_interp_at_a_repeated_last_knot_is_numpys_value():
    # xp = [0, 1, 1]: the last segment has no width; at x = 1 NumPy gives fp[-1], the
    # composite gave inf·0 = nan (probe34); JAX's derivative there is 0
    xp, fp = np.array([0.0, 1.0, 1.0]), np.array([0.0, 1.0, 2.0])
    f = lambda x: np.sum(np.interp(x, xp, fp))      # noqa: E731
    x = np.array([0.5, 1.0])
    assert reverse.vjp(f, x)[0] == dualad.jvp(f, (x,), (x,))[0] == f(x) == 2.5
    np.testing.assert_array_equal(reverse.gradient(f, x), [1.0, 0.0])


# -- review19 -----------------------------------------------------------------------------
@pytest.mark.parametrize("engine", [dualad.gradient, reverse.gradient])
def test_split_at_points_in_any_order_is_numpys(engine):
    # parts were taken as consecutive slices: [2, 10, 1] overlaps (1:4 came out empty)
    x = np.arange(12.0).reshape(3, 4)
    f = lambda v: sum(np.sum(p ** 2) * (i + 1) for i, p in enumerate(np.split(v, [2, 10, 1],
                                                                            axis=1)))  # noqa
    assert dualad.jvp(f, (x,), (x,))[0] == f(x) == 2529.0
    # columns 0:2 weigh 1, 2:4 weigh 2, 1:4 weigh 4: column weights 1, 5, 6, 6
    np.testing.assert_array_equal(engine(f, x), 2 * x * [1.0, 5.0, 6.0, 6.0])


def test_det_at_a_singular_matrix_has_the_adjugate_as_its_gradient():
    # NumPy's det is 0 there (no error); its rule called inv: LinAlgError in every engine
    s = np.array([[1.0, 2.0], [2.0, 4.0]])
    for engine in (dualad.gradient, reverse.gradient, symbolic.gradient):
        np.testing.assert_allclose(engine(np.linalg.det, s), [[4.0, -2.0], [-2.0, 1.0]],
                                   rtol=1e-14, atol=1e-14)
        # here LAPACK's SVD has det(U)·det(Vᵀ) = −1 (the adjugate's sign comes from it:
        # probe44's mutant that dropped it passed on s, whose sign is +1)
        np.testing.assert_allclose(engine(np.linalg.det, np.array([[0.0, -4.0], [0.0, -2.0]])),
                                   [[-2.0, 0.0], [4.0, 0.0]], rtol=1e-14, atol=1e-14)
    # slogdet's sign beside something else: its log|det| tangent (never read) was an error
    f = lambda a: np.linalg.slogdet(a)[0] + a[0, 0]     # noqa: E731
    np.testing.assert_array_equal(dualad.gradient(f, s), [[1.0, 0.0], [0.0, 0.0]])
    with pytest.raises(np.linalg.LinAlgError):
        reverse.gradient(lambda a: np.sum(np.linalg.inv(a)), s)


def test_symbolic_inverse_keeps_its_digits_and_takes_empty_matrices():
    # sympy's default inverse (Gaussian elimination) of exp entries lost 9 digits
    a1 = np.array([[0.4, -1.1, 0.3], [0.9, 0.2, -0.7], [-0.5, 0.8, 0.6]])
    f = lambda t: np.sum(np.linalg.inv(np.exp(t * a1)))     # noqa: E731
    assert symbolic.derivative(f, 0.37, order=0) == pytest.approx(f(0.37), rel=1e-13)
    for engine in (reverse.gradient, symbolic.gradient):
        assert engine(np.linalg.det, np.zeros((0, 0))).shape == (0, 0)


# -- review20 -----------------------------------------------------------------------------
@pytest.mark.parametrize("engine", [dualad.jvp, reverse.vjp])
def test_quantile_of_a_2d_q_puts_q_axes_first_as_numpy(engine):
    x = np.arange(12.0).reshape(3, 4) ** 1.5
    q = np.array([[0.0, 1.0], [0.5, 0.25]])
    for f in (lambda v: np.quantile(v, q), lambda v: np.quantile(v, q, axis=1),
              lambda v: np.percentile(v, 100 * q, axis=0, keepdims=True)):
        got = engine(f, (x,), (x,))[0] if engine is dualad.jvp else engine(f, x)[0]
        np.testing.assert_array_equal(got, f(x))


def test_cov_of_columns_of_a_single_row_and_an_empty_m_are_numpys():
    # rowvar=False transposes any 2-d m (a (1, 3) m is three variables, one observation)
    m = np.array([[1.0, 2.0, 4.0]])
    f = lambda v: np.cov(v, rowvar=False, bias=True)     # noqa: E731
    np.testing.assert_array_equal(dualad.jvp(f, (m,), (m,))[0], np.zeros((3, 3)))
    np.testing.assert_array_equal(reverse.vjp(f, m)[0], f(m))
    assert reverse.vjp(lambda v: np.cov(v[:0]), m)[0].shape == (0, 0)


def test_log_abs_det_of_a_stack_with_one_singular_member_keeps_the_others():
    # inv of the whole stack raised: every member's derivative was nan (JAX: A⁻ᵀ)
    a = np.stack([2 * np.eye(2), np.array([[1.0, 2.0], [2.0, 4.0]])])
    f = lambda v: np.sum(np.linalg.slogdet(v)[1])      # noqa: E731
    for engine in (dualad.gradient, reverse.gradient,
                   lambda f, x: dualad.compile(f, x).gradient(x)):
        with np.errstate(divide="ignore", invalid="ignore"):
            g = engine(f, a)
        np.testing.assert_array_equal(g[0], 0.5 * np.eye(2))
        assert np.isnan(g[1]).all()


def test_hessian_of_log_abs_det_keeps_the_invertible_members_and_quantile_q_rank():
    # review21: the second order still raised LinAlgError for the whole stack; a q of 3
    # dimensions is NumPy's ValueError
    a = np.stack([np.array([[2.0, 1.0], [0.5, 3.0]]), np.array([[1.0, 2.0], [2.0, 4.0]])])
    f = lambda v: np.sum(np.linalg.slogdet(v)[1])      # noqa: E731
    inv0 = np.linalg.inv(a[0])
    want = -np.einsum("jk,li->ijkl", inv0, inv0)      # ∂²/∂a₀ᵢⱼ∂a₀ₖₗ = −(A⁻¹)ⱼₖ(A⁻¹)ₗᵢ
    for engine in (dualad.hessian, reverse.hessian):
        with np.errstate(divide="ignore", invalid="ignore"):
            h = engine(f, a)
        np.testing.assert_allclose(h[0, :, :, 0], want, rtol=1e-14)
    with pytest.raises(ValueError, match="q must be a scalar or 1d"):
        reverse.gradient(lambda v: np.sum(np.quantile(v, np.full((2, 1, 1), 0.5))), A.copy())


BINARY_ROWS = [u for u, row in ELEMENTWISE.items() if len(row) == 3]


@pytest.mark.parametrize("ufunc", BINARY_ROWS, ids=[u.__name__ for u in BINARY_ROWS])
def test_outer_of_every_binary_row_is_the_broadcast_call(ufunc):
    # np.logaddexp.outer, np.power.outer, ... were refused (only add, multiply,
    # subtract and divide had one); x ∘ y over every pair is ufunc(x[:, None], y)
    x, y = np.array([0.3, 1.2]), np.array([0.5, 1.5, 2.0])
    outer = lambda x, y: np.sum(W[:2] * ufunc.outer(x, y))        # noqa: E731
    broadcast = lambda x, y: np.sum(W[:2] * ufunc(x[:, None], y))  # noqa: E731
    want = reverse.gradient(broadcast, x, y)
    for engine in (dualad.gradient, reverse.gradient, symbolic.gradient):
        for got, w in zip(engine(outer, x, y), want):
            np.testing.assert_allclose(got, w, rtol=1e-13, atol=0)
    value, _ = dualad.jvp(lambda x: ufunc.outer(x, y), (x,), (np.ones(2),))
    assert np.array_equal(value, ufunc.outer(x, y))


@pytest.mark.parametrize("ufunc", [np.copysign, np.heaviside, np.ldexp, np.divmod],
                         ids=lambda u: u.__name__)
def test_outer_of_the_composite_binary_ufuncs_too(ufunc):
    # review29: copysign, heaviside, ldexp and divmod are composites, not table rows, and
    # had no .outer
    x = np.array([1.5, -2.0, 0.0])
    y = np.array([1, -2, 3]) if ufunc is np.ldexp else np.array([0.5, -1.0, 2.0])
    want = ufunc.outer(x, y)
    got = dualad.jvp(lambda x: ufunc.outer(x, y), (x,), (np.ones(3),))[0]
    for g, w in (zip(got, want) if ufunc is np.divmod else [(got, want)]):
        np.testing.assert_array_equal(g, w)
    first = (lambda r: r[0]) if ufunc is np.divmod else (lambda r: r)      # noqa: E731
    outer = lambda x: np.sum(W * first(ufunc.outer(x, y)))                # noqa: E731
    broadcast = lambda x: np.sum(W * first(ufunc(x[:, None], y)))         # noqa: E731
    want_g = reverse.gradient(broadcast, x)
    for engine in (dualad.gradient, reverse.gradient):
        np.testing.assert_array_equal(engine(outer, x), want_g)
