"""NumPy 2's array-API names (np.linalg.vector_norm, np.cumulative_sum, np.vecdot, ...:
dualad/array_api.py), functions that choose entries (select, piecewise, nan_to_num,
copysign, heaviside, unique, partition, trim_zeros, bincount: dualad/selection.py),
assembling arrays (block, broadcast_arrays, apply_along_axis, logspace, geomspace,
nanprod, nancumsum, nancumprod, fix: dualad/composites.py) and numerical analysis
(gradient, correlate, ediff1d, vander, polyder, polyint, polyadd, polysub, polymul:
dualad/analysis.py).

Each case: the primal equals NumPy's own value bit for bit in forward and reverse
mode; the gradients of forward, reverse, symbolic and compile agree, the Hessians of
forward and reverse mode, and the gradient equals jax.grad's (64-bit) where JAX has
the function.
"""

import warnings

import numpy as np
import pytest

import dualad
import reverse
import symbolic
from dualad import floating
from dualad.analysis import sinc_at_zero
from tests.test_composites import assert_primal_is_numpys_and_engines_agree

A = np.array([[2.0, 1.0, -0.5], [0.5, 3.0, 1.5], [1.2, -0.7, 0.9]])
W = np.array([[0.3, -1.0, 2.0], [1.0, 0.5, -0.2], [0.1, 0.2, 0.7]])
I = np.array([[3, -2, 0], [1, 5, -1], [0, 2, 1]])      # powers of two, for np.ldexp
M = np.array([[True, False, True], [True, True, True], [False, True, True]])   # where=


def _nan(x):    # A with a nan at [1, 1]
    return np.where(x > 2.5, np.nan, x)


CASES = {
    "vector_norm": lambda x: np.linalg.vector_norm(x),
    "vector_norm axes": lambda x: np.sum(np.linalg.vector_norm(
        x[None] * x[:, None], axis=(0, 2), ord=3, keepdims=True) ** 2),
    "matrix_norm": lambda x: np.linalg.matrix_norm(x, ord=1),
    "matrix_transpose": lambda x: np.sum(np.matrix_transpose(x) * W),
    "linalg.matrix_transpose": lambda x: np.sum(np.linalg.matrix_transpose(x) ** 2 * W),
    "linalg.outer": lambda x: np.sum(np.linalg.outer(x[0], x[1]) ** 2),
    "linalg.trace": lambda x: np.linalg.trace(x @ x, offset=1),
    "linalg.diagonal": lambda x: np.sum(np.linalg.diagonal(x) ** 3),
    "linalg.cross": lambda x: np.sum(np.linalg.cross(x, W) ** 2),
    "linalg.vecdot": lambda x: np.sum(np.linalg.vecdot(x, W, axis=0) ** 2),
    "vecdot": lambda x: np.sum(np.vecdot(x, x[0]) ** 2),
    "linalg.matmul": lambda x: np.sum(np.linalg.matmul(x, x) * W),
    "matvec": lambda x: np.sum(np.matvec(x, x[1]) ** 2),
    "vecmat": lambda x: np.sum(np.vecmat(x[2], x) ** 2),
    "cumulative_sum": lambda x: np.sum(np.cumulative_sum(x, axis=1, include_initial=True) ** 2),
    "cumulative_prod": lambda x: np.sum(np.cumulative_prod(x[0], include_initial=True)),
    "unstack": lambda x: np.sum(np.unstack(x, axis=1)[2] ** 3),
    "astype": lambda x: np.sum(np.astype(x, np.float64) ** 2),
    "select": lambda x: np.sum(np.select([x > 1.0, x < 0.0], [x ** 2, np.sin(x)], 0.5)),
    "select with default": lambda x: np.sum(np.select([x > 1.0], [x ** 2], x[0]) * W),
    "piecewise": lambda x: np.sum(np.piecewise(x, [x < 0, x > 1], [lambda v: v ** 2, np.log,
                                                                   0.25]) * W),
    "piecewise log": lambda x: np.sum(np.piecewise(x - 1, [x > 1], [np.log, 3.0])),
    "nan_to_num": lambda x: np.sum(np.nan_to_num(np.where(
        x > 0, x ** 2, np.where(x < -0.6, -np.inf, np.nan)), nan=x[0, 0]) * W),
    "copysign": lambda x: np.sum(np.copysign(x, W) * x),
    "heaviside": lambda x: np.sum(np.heaviside(x - 1.0, x ** 2) + x),
    "unique": lambda x: np.sum(np.unique(np.round(x)) ** 2) + np.sum(np.unique(x) *
                                                                     np.arange(9.0)),
    "unique of ties": lambda x: np.sum(np.unique(np.concatenate([x[0], x[0], x[1]]),
                                                 return_counts=True)[0] ** 3),
    "partition": lambda x: np.sum(np.partition(x, 1, axis=1) * W),
    "partition flat": lambda x: np.sum(np.partition(x, [2, 5], axis=None) * np.arange(9.0)),
    "trim_zeros": lambda x: np.sum(np.trim_zeros(np.maximum(x[0] - 1.5, 0.0) +
                                                 np.array([0, 1.0, 0])) ** 2),
    "bincount": lambda x: np.sum(np.bincount(np.array([0, 2, 2, 1, 4, 0, 0, 1, 3]),
                                             weights=x.ravel()) ** 2),
    "logspace": lambda x: np.sum(np.logspace(x[0, 0], x[1, 1], 5, base=x[2, 2])),
    "geomspace": lambda x: np.sum(np.geomspace(x[0, 0], x[1, 1], 6)),
    "geomspace negative": lambda x: np.sum(np.geomspace(-x[0] ** 2 - 1, -x[1] ** 2 - 1, 4,
                                                        endpoint=False) ** 2),
    "block": lambda x: np.sum(np.block([[x, W], [W, x ** 2]]) *
                              np.arange(36.0).reshape(6, 6)),
    "block of vectors": lambda x: np.sum(np.block([x[0], 1.0, x[1]]) ** 2),
    "broadcast_arrays": lambda x: np.sum(np.broadcast_arrays(x[0], x[:, :1])[1] * W +
                                         np.broadcast_arrays(x[0], x)[0] ** 2),
    "apply_along_axis": lambda x: np.sum(np.apply_along_axis(lambda r: r ** 2 * r[0], 1, x) * W),
    "apply_along_axis scalar": lambda x: np.sum(np.apply_along_axis(np.linalg.norm, 0, x) ** 3),
    "nanprod": lambda x: np.sum(np.nanprod(np.where(x > 2.5, np.nan, x), axis=0)),
    "nancumsum": lambda x: np.sum(np.nancumsum(np.where(x > 2.5, np.nan, x ** 2), axis=1) * W),
    "nancumprod": lambda x: np.sum(np.nancumprod(np.where(x > 2.5, np.nan, x))),
    "fix": lambda x: np.sum(np.fix(x * 2) * x),
    "correlate": lambda x: np.sum(np.correlate(x[0], x.ravel(), "same") ** 2),
    "correlate full": lambda x: np.sum(np.correlate(x.ravel(), x[1], "full") * np.arange(11.0)),
    "correlate valid": lambda x: np.sum(np.correlate(x.ravel(), x[2]) ** 2),
    "gradient": lambda x: np.sum(np.gradient(x)[0] ** 2 + np.gradient(x)[1] * W),
    "gradient spacing": lambda x: np.sum(np.gradient(x[0] ** 2, x[1] ** 2 +
                                                     np.arange(3.0) * 5) ** 2),
    "gradient edge 2": lambda x: np.sum(np.gradient(x ** 3, 0.5, np.array([0.0, 1.0, 3.0]),
                                                    edge_order=2)[1] * W),
    "gradient axis": lambda x: np.sum(np.gradient(x ** 2, x[0, 0], axis=0) * W),
    "ediff1d": lambda x: np.sum(np.ediff1d(x ** 2, to_begin=x[0, 0],
                                          to_end=[1.0, 2.0]) ** 2),
    "vander": lambda x: np.sum(np.vander(x[0], 4) * np.arange(12.0).reshape(3, 4)),
    "vander increasing": lambda x: np.sum(np.vander(x[1], increasing=True) ** 2),
    "polyder": lambda x: np.sum(np.polyder(x.ravel(), 2) ** 2),
    "polyint": lambda x: np.sum(np.polyint(x[0], 2, k=[x[1, 1], 1.0]) ** 2),
    "polyadd": lambda x: np.sum(np.polyadd(x[0], x.ravel()) ** 2),
    "polysub": lambda x: np.sum(np.polysub(x.ravel(), x[1] ** 2) ** 2),
    "polymul": lambda x: np.sum(np.polymul(x[0], x[1]) ** 2),
    "sinc, an entry at 0": lambda x: np.sum(np.sinc(x - 1.0) * W),
    "polyfit": lambda x: np.sum(np.polyfit(np.arange(9.0), x.ravel() ** 2, 2) ** 2),
    "polyfit in x, weighted": lambda x: np.sum(np.polyfit(
        x.ravel(), np.arange(9.0) ** 2, 2, w=1.0 + x.ravel() ** 2) * W.ravel()[:3]),
    # ufuncs that take floats apart, phases, segment sums (dualad/floating.py)
    "ldexp": lambda x: np.sum(np.ldexp(x, I) ** 2),
    "ldexp, exponents broadcast": lambda x: np.sum((np.ldexp(x[0], np.array([[1], [-3]])) *
                                                    W[:2]) ** 2),
    "frexp": lambda x: np.sum(np.frexp(x ** 3 + 0.1)[0] * W + np.frexp(x * 1.1)[1] * x),
    "modf": lambda x: np.sum(np.modf(x * 2.3)[0] ** 2 + np.modf(x * 1.7)[1] * x),
    "divmod": lambda x: np.sum(np.divmod(x, 0.65)[1] ** 2 +
                               np.divmod(3.1, x)[1] * np.divmod(x, x[0] + 0.3)[0]),
    "angle": lambda x: np.sum(np.angle(x) * x + np.angle(x - 1.1, deg=True) * x ** 2),
    "unwrap": lambda x: np.sum(np.unwrap(np.cumsum(x.ravel() * 3)) * np.arange(9.0)),
    "unwrap, traced period": lambda x: np.sum(np.unwrap(x * 4.1, discont=2.0, axis=0,
                                                        period=x[0, 0] * 2.2) ** 2),
    "add.reduceat": lambda x: np.sum(np.add.reduceat(x ** 2, [0, 2, 1], axis=1) * W),
    "multiply.reduceat": lambda x: np.sum(np.multiply.reduceat(x.ravel(), [0, 3, 1, 7]) ** 2),
    # order statistics (dualad/statistics.py): nan-ignoring, every NumPy method
    "nanmedian": lambda x: np.sum(np.nanmedian(_nan(x) ** 2, axis=1) * W[0]),
    "nanmedian of all": lambda x: np.nanmedian(_nan(x) * W),
    "nanquantile": lambda x: np.sum(np.nanquantile(_nan(x), [0.3, 0.8], axis=0) * W[:2]),
    "nanquantile kept": lambda x: np.sum(np.nanquantile(_nan(x) ** 2, 0.6, axis=1,
                                                        keepdims=True) * W[:, :1]),
    "nanpercentile": lambda x: np.sum(np.nanpercentile(_nan(x), [10.0, 55.0], axis=1) * W[:2]),
    "quantile lower": lambda x: np.sum(np.quantile(x, [0.3, 0.7], axis=1, method="lower") *
                                       W[:2]),
    "quantile higher": lambda x: np.sum(np.quantile(x ** 2, 0.3, axis=0, method="higher") *
                                        W[0]),
    "quantile midpoint": lambda x: np.sum(np.quantile(x, 0.3, axis=0, method="midpoint") ** 2),
    "quantile nearest": lambda x: np.sum(np.quantile(x, [0.3, 0.9], method="nearest") *
                                         W[0, :2]),
    "quantile inverted_cdf": lambda x: np.sum(np.quantile(x, [0.2, 0.5], axis=1,
                                                          method="inverted_cdf") * W[:2]),
    "quantile of ties": lambda x: np.sum(np.quantile(np.concatenate(
        [x[0, :1], 2 * x[0, 1:2], x[1]]), [0.5, 0.75], method="lower") * [1.0, 3.0]),
    **{f"quantile {m}": (lambda m: lambda x: np.sum(np.quantile(
        x[:2, :2].ravel() ** 2, [0.25, 0.6], method=m) * [1.0, -2.0]))(m)
       for m in ("averaged_inverted_cdf", "closest_observation")},
    **{f"quantile {m}": (lambda m: lambda x: np.sum(np.quantile(
        x ** 2, [0.3, 0.85], method=m) * [1.0, -2.0]))(m)
       for m in ("interpolated_inverted_cdf", "hazen", "weibull", "median_unbiased",
                 "normal_unbiased")},
    "percentile hazen": lambda x: np.sum(np.percentile(x, [0.0, 30.0, 100.0], axis=0,
                                                       method="hazen") * W),
    "nanmax where initial": lambda x: np.sum(np.nanmax(_nan(x), axis=0, where=M,
                                                       initial=-1.0) ** 2),
    "nanmin initial": lambda x: np.sum(np.nanmin(_nan(x), axis=1, initial=0.8) * W[0]),
    "nanmin where initial, tie": lambda x: np.nanmin(_nan(x), where=M, initial=-0.5),
    "nanvar where": lambda x: np.sum(np.nanvar(_nan(x), axis=1, where=M) * W[0]),
    "nanstd where": lambda x: np.nanstd(_nan(x), where=M, ddof=1),
    # entries copied into place: gathers
    "insert": lambda x: np.sum(np.insert(x, 1, 5.0) * np.arange(10.0)),
    "insert values": lambda x: np.sum(np.insert(x, [1, 2], (x[0] ** 2)[:, None], axis=1) ** 2),
    "insert into plain": lambda x: np.sum(np.insert(W, 2, x[1] * x[2], axis=0) ** 2),
    "choose": lambda x: np.sum(np.choose(np.array([[0, 1, 2], [2, 1, 0], [1, 1, 0]]),
                                         [x, x ** 2, np.sin(x)]) * W),
    "choose wrap": lambda x: np.sum(np.choose(np.array([0, 4, -1]), [x, x ** 3, 2.0],
                                              mode="wrap") * W),
    "choose clip": lambda x: np.sum(np.choose(np.array([[0], [5], [-2]]), [x[0], x[1] ** 2],
                                              mode="clip") ** 2),
    "diagflat": lambda x: np.sum(np.diagflat(x[0] ** 2, k=1) * np.arange(16.0).reshape(4, 4)),
    "diagflat of a matrix": lambda x: np.sum(np.diagflat(x, -2) ** 2),
}


@pytest.mark.parametrize("name", CASES)
def test_primal_is_numpys_and_engines_agree(name):
    # lstsq's solution is pinv(a) @ b: NumPy's within rounding (symbolic refuses pinv)
    fit = "polyfit" in name
    assert_primal_is_numpys_and_engines_agree(CASES[name], A, exact=not fit, symbolic_too=not fit)


JAX = {     # jax.grad of the same f with jax.numpy, 64-bit
    "vector_norm": [
        [0.4530269893205566, 0.2265134946602783, -0.11325674733013914],
        [0.11325674733013914, 0.6795404839808349, 0.33977024199041744],
        [0.27181619359233394, -0.1585594462621948, 0.20386214519425047]],
    "vector_norm axes": [
        [34.5853694508301, 18.42043344688193, -0.7583613224489096],
        [1.661125502294659, 113.95771100259054, 4.892032433460487],
        [15.636108835325292, -12.143980023292459, 3.226136848217797]],
    "matrix_norm": [
        [0.0, 1.0, 0.0],
        [0.0, 1.0, 0.0],
        [0.0, -1.0, 0.0]],
    "matrix_transpose": [
        [0.3, 1.0, 0.1],
        [-1.0, 0.5, 0.2],
        [2.0, -0.2, 0.7]],
    "linalg.matrix_transpose": [
        [1.2, 2.0, -0.1],
        [-1.0, 3.0, 0.6000000000000001],
        [4.8, 0.27999999999999997, 1.26]],
    "linalg.outer": [
        [46.0, 23.0, -11.5],
        [5.25, 31.5, 15.75],
        [0.0, 0.0, 0.0]],
    "linalg.trace": [
        [1.0, 5.0, -0.19999999999999996],
        [-0.5, 2.5, 3.9],
        [0.0, -0.5, 1.5]],
    "linalg.diagonal": [
        [12.0, 0.0, 0.0],
        [0.0, 27.0, 0.0],
        [0.0, 0.0, 2.43]],
    "linalg.cross": [
        [21.200000000000003, 7.38, 0.5099999999999999],
        [-2.11, 6.04, 4.550000000000001],
        [1.174, -0.9999999999999999, 0.11799999999999995]],
    "linalg.vecdot": [
        [0.7320000000000001, -0.72, -2.68],
        [2.4400000000000004, 0.36, 0.268],
        [0.24400000000000005, 0.144, -0.938]],
    "vecdot": [
        [48.25, 38.75, 1.5],
        [13.0, 6.5, -3.25],
        [5.0, 2.5, -1.25]],
    "linalg.matmul": [
        [-0.17999999999999972, -1.36, 7.6000000000000005],
        [5.83, 2.06, 1.5799999999999998],
        [1.4900000000000002, 3.13, -0.06000000000000005]],
    "matvec": [
        [3.25, 19.5, 9.75],
        [35.64, 144.70999999999998, 65.48],
        [-0.14999999999999997, -0.8999999999999998, -0.4499999999999999]],
    "vecmat": [
        [7.512, -3.6719999999999993, -2.0159999999999996],
        [-4.382, 2.1419999999999995, 1.1759999999999997],
        [15.934000000000001, -11.323999999999998, 6.63]],
    "cumulative_sum": [
        [15.0, 11.0, 5.0],
        [18.0, 17.0, 10.0],
        [6.199999999999999, 3.8, 2.8]],
    "cumulative_prod": [
        [1.5, 1.0, 2.0],
        [0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0]],
    "unstack": [
        [0.0, 0.0, 0.75],
        [0.0, 0.0, 6.75],
        [0.0, 0.0, 2.43]],
    "astype": [
        [4.0, 2.0, -1.0],
        [1.0, 6.0, 3.0],
        [2.4, -1.4, 1.8]],
    "select": [
        [4.0, 0.0, 0.8775825618903728],
        [0.0, 6.0, 3.0],
        [2.4, 0.7648421872844885, 0.0]],
    "select with default": [
        [2.2, -0.8, 2.7],
        [0.0, 3.0, -0.6000000000000001],
        [0.24, 0.0, 0.0]],
    "piecewise": [
        [0.15, 0.0, -2.0],
        [0.0, 0.16666666666666666, -0.13333333333333333],
        [0.08333333333333334, -0.27999999999999997, 0.0]],
    "piecewise log": [
        [1.0, 0.0, 0.0],
        [0.0, 0.5, 2.0],
        [5.000000000000001, 0.0, 0.0]],
    "nan_to_num": [
        [3.2, -2.0, 0.0],
        [1.0, 3.0, -0.6000000000000001],
        [0.24, 0.0, 1.26]],
    "copysign": [
        [4.0, -2.0, 1.0],
        [1.0, 6.0, -3.0],
        [2.4, 1.4, 1.8]],
    "heaviside": [
        [1.0, 3.0, 1.0],
        [1.0, 1.0, 1.0],
        [1.0, 1.0, 1.0]],
    "partition": [
        [2.0, -1.0, 0.3],
        [1.0, -0.2, 0.5],
        [0.7, 0.1, 0.2]],
    "trim_zeros": [
        [1.0, 0.0, 0.0],
        [0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0]],
    "bincount": [
        [9.4, 1.0, 1.0],
        [-0.3999999999999999, 6.0, 9.4],
        [9.4, -0.3999999999999999, 1.8]],
    "logspace": [
        [-0.20788033076985346, 0.0, 0.0],
        [0.0, -0.19721331847679785, 0.0],
        [0.0, 0.0, 10.623847196143842]],
    "geomspace": [
        [3.3600270041677978, 0.0, 0.0],
        [0.0, 2.7060734382686378, 0.0],
        [0.0, 0.0, 0.0]],
    "geomspace negative": [
        [61.24999999999998, 63.777087639996644, -11.393580423808986],
        [13.75, 54.93250516799597, 13.982865603609703],
        [0.0, 0.0, 0.0]],
    "block": [
        [84.0, 45.0, -21.0],
        [33.0, 175.0, 95.0],
        [91.2, -34.599999999999994, 77.0]],
    "block of vectors": [
        [4.0, 2.0, -1.0],
        [1.0, 6.0, 3.0],
        [0.0, 0.0, 0.0]],
    "broadcast_arrays": [
        [13.3, 6.0, -3.0],
        [1.3, 0.0, 0.0],
        [1.0, 0.0, 0.0]],
    "apply_along_axis": [
        [3.0999999999999996, -4.0, -4.0],
        [4.8, 1.5, -0.30000000000000004],
        [1.097, -0.33599999999999997, 1.512]],
    "apply_along_axis scalar": [
        [14.312232530251874, 9.716480844420987, -2.7290108097990378],
        [3.5780581325629686, 29.149442533262963, 8.187032429397114],
        [8.587339518151124, -6.801536591094691, 4.912219457638268]],
    "nanprod": [
        [0.6, -0.7, 1.35],
        [2.4, 0.0, -0.45],
        [1.0, 1.0, -0.75]],
    "nancumsum": [
        [5.2, 2.0, -2.0],
        [1.3, 0.0, -0.6000000000000001],
        [2.4, -1.2599999999999998, 1.26]],
    "nancumprod": [
        [0.7734999999999997, -0.4530000000000005, 4.906000000000001],
        [-2.906000000000001, 0.0, -0.30200000000000016],
        [0.2474999999999998, -1.7099999999999997, 0.63]],
    "correlate": [
        [111.50000000000001, 75.72, -1.5599999999999987],
        [7.75, 36.1, 28.75],
        [7.199999999999999, -4.049999999999999, -2.25]],
    "correlate full": [
        [4.0, 9.0, 14.0],
        [67.3, 63.4, 59.5],
        [34.0, 39.0, 44.0]],
    "correlate valid": [
        [3.0, 3.0499999999999994, 3.6500000000000004],
        [0.79, 12.072, -4.56],
        [49.093999999999994, 5.954000000000001, 28.913999999999998]],
    "gradient": [
        [3.6, -4.85, -3.2],
        [-5.65, 12.6, 5.25],
        [0.7999999999999998, -8.85, 0.29999999999999993]],
    "gradient spacing": [
        [0.17130853994490358, 2.2634103558778884, 1.1745323129251701],
        [0.01756376840274051, -2.7381100073817226, 1.3163636984826397],
        [0.0, 0.0, 0.0]],
    "gradient axis": [
        [0.6948749999999997, 0.75, 0.95],
        [0.09999999999999999, -3.5999999999999996, 1.9500000000000002],
        [0.72, -0.315, 0.54]],
    "vander": [
        [6.0, 28.0, 7.0],
        [0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0]],
    "vander increasing": [
        [0.0, 0.0, 0.0],
        [1.5, 114.0, 16.5],
        [0.0, 0.0, 0.0]],
    "polyder": [
        [12544.0, 3528.0, -900.0],
        [400.0, 864.0, 108.0],
        [9.6, 0.0, 0.0]],
    "polyadd": [
        [10.4, 2.6, -0.19999999999999996],
        [1.0, 6.0, 3.0],
        [6.4, 0.6000000000000001, 0.8]],
    "polysub": [
        [4.0, 2.0, -1.0],
        [-0.8999999999999999, 122.39999999999999, 11.100000000000001],
        [1.9, -19.4, -2.7]],
    "polymul": [
        [57.25, 41.0, 3.5],
        [11.25, 37.5, 23.75],
        [0.0, 0.0, 0.0]],
    "sinc, an entry at 0": [
        [-0.3, 0.0, -0.2829421210522581],
        [1.2732395447351625, 0.25, 0.2546479089470325],
        [-0.06323614470684583, -0.08697252846349107, 0.22802588751818548]],
    "polyfit": [
        [8.521448668503227, 2.6358041715859915, -0.6708132212664693],
        [0.18909557354622283, -0.7635051442064431, -0.8346782144262666],
        [-0.6331921650643759, 0.11768798898071674, 0.46993605667060234]],
    "polyfit in x, weighted": [
        [21.538929759470953, 3.624940334470785, 62.33452797409475],
        [1.9576599645178208, 7.349675435436027, -8.305597213441045],
        [-4.72624305067465, 5.909197423500414, 1.1717804406984804]],
    "ldexp": [
        [256.0, 0.125, -1.0],
        [4.0, 6144.0, 0.75],
        [2.4, -22.4, 7.2]],
    "ldexp, exponents broadcast": [
        [1.5025, 8.0078125, -16.000625],
        [0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0]],
    "frexp": [
        [2.225, -0.5, 48.0],
        [3.0, 2.421875, 0.6625],
        [1.216, 1.176, 1.701]],
    "modf": [
        [5.759999999999998, 2.379999999999999, -0.6899999999999995],
        [0.6899999999999995, 9.139999999999997, 4.0699999999999985],
        [5.495999999999999, -3.805999999999999, 1.3219999999999992]],
    "divmod": [
        [0.09999999999999987, 0.7, 14.3],
        [1.0, -1.2000000000000002, 16.4],
        [1.0999999999999999, -3.8, 15.5]],
    "angle": [
        [0.0, 360.0, -176.85840734641022],
        [180.0, 0.0, 0.0],
        [0.0, -248.8584073464102, 324.0]],
    "unwrap": [
        [108.0, 108.0, 105.0],
        [99.0, 90.0, 78.0],
        [63.0, 45.0, 24.0]],
    "unwrap, traced period": [
        [97.99600000000001, 33.62, -16.81],
        [52.88999999999999, 28.69999999999998, -21.730000000000008],
        [40.34399999999999, 12.54599999999999, -5.822000000000003]],
    "add.reduceat": [
        [1.2, 4.6, -1.0],
        [1.0, 4.800000000000001, 0.8999999999999999],
        [0.24, -1.1199999999999999, 1.6199999999999999]],
    "multiply.reduceat": [
        [1.0, 5.645, -11.29],
        [8.29, 1.2149999999999999, 2.4299999999999997],
        [3.0374999999999996, -1.1340000000000001, 0.8819999999999999]],
    # order statistics, nan-ignoring statistics, gathers (this commit's functions)
    "nanmedian": [[0.0, 0.6, -0.0],
        [-0.5, 0.0, -1.5],
        [0.0, -0.0, 3.6]],
    "nanmedian of all": [[0.0, -0.0, 0.0],
        [0.0, 0.0, -0.0],
        [0.05, 0.1, 0.0]],
    "nanquantile": [[0.6000000000000001, 0.10000000000000003, 0.8],
        [0.12, 0.0, -0.12000000000000002],
        [0.5799999999999998, -0.6, 1.1199999999999999]],
    "nanquantile kept": [[0.23999999999999994, 0.48, -0.0],
        [0.4, 0.0, 1.7999999999999998],
        [0.047999999999999994, -0.0, 0.14400000000000004]],
    "nanpercentile": [[0.10000000000000009, 0.96, 0.24],
        [-0.675, 0.0, 0.17500000000000002],
        [-0.020000000000000018, 1.6, 0.22000000000000003]],
    "quantile lower": [[0.0, 1.0, 0.3],
        [-1.0, 0.0, 0.5],
        [0.0, 2.0, -0.2]],
    "quantile higher": [[0.0, -2.0, -0.0],
        [0.0, 0.0, 0.0],
        [0.72, -0.0, 3.6]],
    "quantile midpoint": [[0.0, 0.15000000000000002, 0.2],
        [0.85, 0.0, 0.0],
        [0.85, 0.15000000000000002, 0.2]],
    "quantile nearest": [[-1.0, 0.0, 0.0],
        [0.3, 0.0, 0.0],
        [0.0, 0.0, 0.0]],
    "quantile inverted_cdf": [[0.0, 1.0, 0.3],
        [-1.0, 0.0, 0.5],
        [0.0, 2.0, -0.2]],
    "nanmax where initial": [[4.0, 0.0, 0.0],
        [0.0, 0.0, 3.0],
        [0.0, -1.4, 0.0]],
    "nanmin initial": [[0.0, 0.0, 0.3],
        [-1.0, 0.0, -0.0],
        [0.0, 2.0, 0.0]],
    "nanmin where initial, tie": [[0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0],
        [0.0, 1.0, 0.0]],
    "nanvar where": [[0.375, 0.0, -0.375],
        [0.5, 0.0, -0.5],
        [0.0, -1.6, 1.6]],
    "nanstd where": [[0.25758268468416023, 0.0, -0.20792819125106912],
        [-0.021723840876977374, 0.0, 0.16448050949711435],
        [0.0, -0.24516906132588742, 0.05275789927265932]],
    "insert": [[0.0, 2.0, 3.0],
        [4.0, 5.0, 6.0],
        [7.0, 8.0, 9.0]],
    "insert values": [[68.0, 10.0, -2.0],
        [1.0, 6.0, 3.0],
        [2.4, -1.4, 1.8]],
    "insert into plain": [[0.0, 0.0, 0.0],
        [1.44, 2.9399999999999995, 2.43],
        [0.6, -12.599999999999998, 4.050000000000001]],
    "choose": [[0.3, -2.0, 1.7551651237807455],
        [0.8775825618903728, 3.0, -0.2],
        [0.24, -0.27999999999999997, 0.7]],
    "choose wrap": [[0.3, -3.0, 0.0],
        [1.0, 13.5, 0.0],
        [0.1, 0.294, 0.0]],
    "choose clip": [[8.0, 4.0, -2.0],
        [0.5, 108.0, 13.5],
        [0.0, 0.0, 0.0]],
    "diagflat": [[4.0, 12.0, -11.0],
        [0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0]],
    "diagflat of a matrix": [[4.0, 2.0, -1.0],
        [1.0, 6.0, 3.0],
        [2.4, -1.4, 1.8]],
    "quantile of ties": [[1.0, 6.0, 0.0],
        [0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0]],
    # methods jax.numpy lacks (0.10.2 takes linear, lower, higher, midpoint, nearest,
    # inverted_cdf): Hyndman & Fan's definitions, (1 − γ)·x₍ⱼ₎ + γ·x₍ⱼ₊₁₎, with jnp.sort
    "quantile averaged_inverted_cdf": [[-8.0, 1.0, 0.0],
        [0.5, 0.0, 0.0],
        [0.0, 0.0, 0.0]],
    "quantile closest_observation": [[0.0, -4.0, 0.0],
        [1.0, 0.0, 0.0],
        [0.0, 0.0, 0.0]],
    "quantile interpolated_inverted_cdf": [[-5.199999999999996, 0.0, -0.0],
        [0.30000000000000027, 0.0, -2.100000000000003],
        [0.0, -0.9799999999999995, 0.0]],
    "quantile hazen": [[-6.800000000000011, 0.0, -0.0],
        [0.0, -1.799999999999983, 0.0],
        [0.0, -1.1200000000000003, 0.35999999999999954]],
    "quantile weibull": [[-4.0, 0.0, -0.0],
        [4.440892098500626e-16, -6.0, 0.0],
        [0.0, -1.3999999999999992, 0.0]],
    "quantile median_unbiased": [[-5.866666666666674, 0.0, -0.0],
        [0.0, -3.1999999999999886, 0.0],
        [0.0, -1.2133333333333334, 0.23999999999999996]],
    "quantile normal_unbiased": [[-6.1000000000000085, 0.0, -0.0],
        [0.0, -2.849999999999987, 0.0],
        [0.0, -1.19, 0.26999999999999985]],
    "percentile hazen": [[0.1, 0.19999999999999996, 1.88],
        [0.9000000000000001, 0.2, 0.7],
        [0.3999999999999999, -0.7, -0.07999999999999999]],
}


# LAPACK's least squares (polyfit's lstsq) rounds by the machine's BLAS kernels: 1e-13
# apart on an AMD EPYC with AVX2 from the AVX-512 machine that matched JAX to 1e-15
ROUNDING = {"polyfit in x, weighted": 1e-11}


@pytest.mark.parametrize("name", JAX)
def test_gradients_match_jax(name):
    for engine in (dualad.gradient, reverse.gradient):
        np.testing.assert_allclose(engine(CASES[name], A.copy()), JAX[name],
                                   rtol=ROUNDING.get(name, 1e-13), atol=1e-15)


FLOATING = ("ldexp", "ldexp, exponents broadcast", "frexp", "modf", "divmod", "angle", "unwrap",
            "unwrap, traced period", "add.reduceat", "multiply.reduceat")
JAX_SECOND = {   # jax.grad(jax.grad(lambda t: f(A * t)))(1.0)
    "ldexp": 18972.79,
    "ldexp, exponents broadcast": 19.013125,
    "frexp": -43.647450000000006,
    "modf": 206.20419999999996,
    "divmod": 38.98,
    "angle": 1008.0,
    "unwrap": 0.0,
    "unwrap, traced period": 352.3578,
    "add.reduceat": 26.28,
    "multiply.reduceat": 275.8327999999999,
}


def _along_a_matches_to_order_3_and_check_passes(f, second):
    """Taylor mode along t·A: order 2 is `second` (jax.grad twice), order 3 symbolic's,
    and dualad.check's four engines agree on f."""
    along = lambda t: f(A * t)      # noqa: E731
    assert dualad.derivative(along, 1.0, order=2) == pytest.approx(second, rel=1e-13,
                                                                   abs=1e-13)
    assert dualad.derivative(along, 1.0, order=3) == pytest.approx(
        symbolic.derivative(along, 1.0, order=3), rel=1e-12, abs=1e-12)
    assert dualad.check(f, A.copy()).ok


@pytest.mark.parametrize("name", FLOATING)
def test_floating_second_derivatives_match_jax_and_check_passes(name):
    _along_a_matches_to_order_3_and_check_passes(CASES[name], JAX_SECOND[name])


_EDGES = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -2.0, 2.0, -0.5, 5e-324, 1e308,
                   -1e-310, 7.25])
_EDGE_FUNCTIONS = {
    "modf": np.modf, "frexp": np.frexp, "spacing": np.spacing, "angle": np.angle,
    "angle deg": lambda v: np.angle(v, deg=True),
    "divmod": lambda v: np.divmod(v, np.array([1.5, -1.5, 0.0, 2.0, -0.0, 3.0, np.inf, -np.inf,
                                               np.nan, 0.7, 1e-300, -0.25])),
    "ldexp": lambda v: np.ldexp(v, np.array([1100, -1100, 3, -1075, 2000, -2000, 0, 1, 1074,
                                             -1, 60, -3])),
    "unwrap": lambda v: np.unwrap(v[5:] * 3),
    "add.reduceat": lambda v: np.add.reduceat(v[5:], [0, 3, 1, 6]),
    "multiply.reduceat": lambda v: np.multiply.reduceat(v, [0, 2, 5, 9]),
}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", _EDGE_FUNCTIONS)
def test_floating_values_are_numpys_bit_for_bit_at_zeros_infs_and_nans(name):
    f = _EDGE_FUNCTIONS[name]
    want = f(_EDGES.copy())
    got = [dualad.jvp(f, (_EDGES.copy(),), (np.ones(12),))[0], reverse.vjp(f, _EDGES.copy())[0]]
    wants = want if isinstance(want, tuple) else (want,)
    # compiled: one output at a time (a compiled f returns one value)
    got.append(tuple(dualad.compile(lambda v, k=k: f(v)[k] * 1.0, _EDGES.copy())(_EDGES.copy())
                     if w.dtype.kind == "f" else w for k, w in enumerate(wants))
               if isinstance(want, tuple) else dualad.compile(f, _EDGES.copy())(_EDGES.copy()))
    for value in got:
        for w, g in zip(wants, value if isinstance(want, tuple) else (value,)):
            assert np.asarray(g).dtype == w.dtype   # (frexp's exponent: NumPy's int32)
            np.testing.assert_array_equal(g, w)
            np.testing.assert_array_equal(np.signbit(g), np.signbit(w))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_floating_derivatives_at_zeros_infs_and_nans():
    # modf: 1 and 0 (constant ±0.0 at ±inf, where jnp.modf's value is nan); frexp: 2**−e
    # (1 at 0, as jnp.frexp's); ldexp: 2**i, inf where that overflows (as jax.grad's);
    # spacing and angle: 0 (a step function; jnp.angle gives nan at 0, arctan2's 0/0)
    t = np.ones(12)
    _, (frac, whole) = dualad.jvp(np.modf, (_EDGES.copy(),), (t,))
    np.testing.assert_array_equal(frac, [1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1])
    np.testing.assert_array_equal(whole, np.zeros(12))
    _, (mantissa, _) = dualad.jvp(np.frexp, (_EDGES.copy(),), (t,))
    np.testing.assert_array_equal(mantissa, [1, 1, 1, 1, 1, 0.25, 0.25, 1, np.inf,
                                             2.0 ** -1024, np.inf, 0.125])   # 2**1073, 2**1029
    i = np.array([1100, -3, 0])
    np.testing.assert_array_equal(reverse.gradient(lambda v: np.sum(np.ldexp(v, i)),
                                                   np.ones(3)), [np.inf, 0.125, 1.0])
    for engine in (dualad.gradient, reverse.gradient, symbolic.gradient):
        g = engine(lambda v: np.sum(np.spacing(v) + np.angle(v) + np.angle(v, True)),
                   np.array([0.0, -0.0, -2.0, 1e-310]))
        np.testing.assert_array_equal(g, np.zeros(4))


def test_segment_sums_and_scaled_are_linear_rows_with_their_transposes():
    # np.add.reduceat is the linear row floating.segment_sums, np.ldexp floating.scaled:
    # forward applies them to the tangent, reverse sends the cotangent through their
    # transposes; an index not above the one before (2, then 1) sums x[2] alone
    x = np.arange(12.0).reshape(3, 4)
    f = lambda v: floating.segment_sums(v, np.array([0, 2, 1, 3]), 1)     # noqa: E731
    m = np.array([[1, 1, 0, 0], [0, 0, 1, 0], [0, 1, 1, 0], [0, 0, 0, 1.0]])
    want = np.einsum("ac,kj->akcj", np.eye(3), m)
    np.testing.assert_array_equal(dualad.jacobian(f, x), want)
    np.testing.assert_array_equal(reverse.jacobian(f, x), want)
    g = lambda v: floating.scaled(v, np.array([2, -1]))     # noqa: E731  (broadcast back)
    np.testing.assert_array_equal(reverse.gradient(lambda v: np.sum(g(v)), 3.0), 4.5)
    # rising indices: the transpose repeats each ct[k] over its slice (zeros before the
    # first index), O(n) where M would be 10⁴ × 10⁶ (80 GB); nested, forward over reverse
    x = np.linspace(0.5, 2.0, 10 ** 6)
    idx = np.arange(7, 10 ** 6, 100)
    w = np.cos(np.arange(len(idx)))
    grad = reverse.gradient(lambda v: np.sum(np.add.reduceat(v * v, idx) * w), x)
    want = np.concatenate([np.zeros(7), np.repeat(w, np.diff(np.append(idx, 10 ** 6)))])
    np.testing.assert_array_equal(grad, 2 * x * want)
    h = lambda v: np.sum(np.add.reduceat(v ** 3, [1, 3], axis=0) * [[1.0], [2.0]])  # noqa: E731
    v = np.arange(1.0, 9.0).reshape(4, 2)
    np.testing.assert_allclose(reverse.hessian(h, v).reshape(8, 8),
                               np.diag(6 * v.ravel() * [0, 0, 1, 1, 1, 1, 2, 2]), rtol=1e-15)


@pytest.mark.parametrize("engine", [dualad.gradient, reverse.gradient, symbolic.gradient,
                                    lambda f, x: np.array(dualad.derivative(f, x[0], order=2)),
                                    lambda f, x: dualad.compile(f, x).gradient(x)])
@pytest.mark.parametrize("f, message", [
    (lambda x: np.ldexp(1.0, x), "traced exponent i"),
    (lambda x: np.ldexp(x, x), "traced exponent i"),
    (lambda x: np.ldexp(x, 2.0), "exponent must be an integer, not float64"),
    (lambda x: np.add.reduceat(x, x), "traced indices"),
    (lambda x: np.multiply.reduceat(x, x * 0), "traced indices"),
    (lambda x: np.maximum.reduceat(x, [0, 1]), "maximum.reduceat"),
    (lambda x: np.modf(x, out=(np.empty(2), np.empty(2)))[0], "out="),
    (lambda x: np.divmod(x, 2.0, where=np.array([True, False]))[1], "where="),
    (lambda x: np.nextafter(x, 2.0), "wrong derivative 0 in x, and jax.numpy has no rule"),
    (lambda x: np.angle(x * 1j), "complex"),
])
def test_floating_refusals_name_the_problem(engine, f, message):
    with pytest.raises(TypeError, match=message):
        engine(lambda x: np.sum(f(x)), np.array([0.5, 1.5]))


@pytest.mark.parametrize("engine", [dualad.gradient, reverse.gradient, symbolic.gradient])
@pytest.mark.parametrize("f, error, message", [
    (lambda x: np.select([x], [x]), TypeError, "invalid entry 0 in condlist"),
    (lambda x: np.select([x > 0], [x, x]), ValueError, "same length"),
    (lambda x: np.piecewise(x, [x > 0], [1.0, 2.0, 3.0]), ValueError, "either 1 or 2"),
    (lambda x: np.bincount(x[0]), TypeError, "traced indices"),
    (lambda x: np.unique(x, axis=0), TypeError, "axis="),
    (lambda x: np.partition(x, 1, order="a"), TypeError, "order="),
    (lambda x: np.cumulative_sum(x), ValueError, "``axis`` argument is required"),
    (lambda x: np.linalg.outer(x, x), ValueError, "must be one-dimensional"),
    (lambda x: np.linalg.cross(x[:, :2], x[:, :2]), ValueError, "3-dimensional vectors"),
    (lambda x: np.geomspace(x[0, 0] * 0, x[1, 1]), ValueError, "cannot include zero"),
    (lambda x: np.gradient(x[:1]), ValueError, "too small"),
    (lambda x: np.gradient(x, 1.0, 2.0, 3.0), TypeError, "invalid number of arguments"),
    (lambda x: np.vander(x), ValueError, "one-dimensional"),
    (lambda x: np.matrix_transpose(x[0]), ValueError, "at least 2-dimensional, but it is 1"),
    (lambda x: np.unstack(x[0, 0]), ValueError, "at least 1-d"),
    (lambda x: np.astype(x, np.complex128), TypeError, "cannot become complex128"),
    (lambda x: np.logspace(x[0, 0], 2.0, 3, dtype=np.int64), TypeError, "float dtype"),
    (lambda x: np.block(((x,),)), TypeError, "is a tuple"),
    (lambda x: np.block([[x], x]), ValueError, r"depth 2, but there is an element at depth 1"),
    (lambda x: np.apply_along_axis(np.sum, 1, x[:0]), ValueError, "iteration dimensions"),
    (lambda x: np.matvec(x[0], x[0]), ValueError, "operand 0 does not have enough dimensions"),
    (lambda x: np.vecmat(x[0], x[0]), ValueError, "operand 1 does not have enough dimensions"),
    (lambda x: np.select([np.ones(3, bool)], [np.ones(3)], x[0]), TypeError,
     "only through its array arguments"),
])
def test_errors_are_numpys_or_name_what_is_refused(engine, f, error, message):
    with pytest.raises(error, match=message):
        engine(lambda x: np.sum(f(x)), A.copy())


@pytest.mark.parametrize("engine", [dualad.gradient, reverse.gradient, symbolic.gradient])
def test_piecewise_calls_each_function_on_its_entries_only(engine):
    # np.log sees only x > 0 (NumPy's piecewise): no nan from the other entries, and
    # extra arguments reach the functions by position and by keyword
    x = np.array([-1.0, 0.5, 2.0, 4.0])
    f = lambda v: np.sum(np.piecewise(v, [v <= 0, v > 0], [lambda u, c, d: c * u,  # noqa: E731
                                                           lambda u, c, d: np.log(u) * d],
                                      3.0, d=2.0))
    np.testing.assert_array_equal(engine(f, x), [3.0, 2 / 0.5, 2 / 2.0, 2 / 4.0])


@pytest.mark.parametrize("engine", [dualad.gradient, reverse.gradient])
def test_unique_differentiates_the_first_occurrence_of_each_value(engine):
    # JAX's jnp.unique gives 0 here (not differentiable there); the values NumPy returns
    # are entries of x, and each one's derivative goes to the entry it was read from
    x = np.array([3.0, 1.0, 3.0, 2.0])
    np.testing.assert_array_equal(engine(lambda v: np.sum(np.unique(v) ** 2), x),
                                  [6.0, 2.0, 0.0, 4.0])


@pytest.mark.parametrize("engine", [dualad.gradient, reverse.gradient, symbolic.gradient])
def test_heaviside_takes_its_second_argument_at_zero_and_copysign_reads_the_sign_bit(engine):
    x = np.array([-1.0, 0.0, 2.0])
    # d/dx of heaviside(x, x²) + copysign(x, −0.0)·3: 2x at 0 only, and −3 · sign(x) with
    # abs'(0) = 0
    f = lambda v: np.sum(np.heaviside(v, v ** 2) + np.copysign(v, -0.0) * 3)  # noqa: E731
    np.testing.assert_array_equal(engine(f, x), [3.0, 0.0, -3.0])


@pytest.mark.parametrize("x, want", [
    # at 0: dᵏ/dxᵏ sin(πx)/(πx) = (−1)^(k/2)·πᵏ/(k + 1) for even k, 0 for odd (a where of
    # the formula gave 0 from the second derivative on)
    (0.0, [1.0, 0.0, -np.pi ** 2 / 3, 0.0, np.pi ** 4 / 5, 0.0, -np.pi ** 6 / 7]),
    # nested jax.grad of jnp.sinc
    (0.7, [0.3678830105717742, -1.3652403755203533, 0.2698270069758238, 7.1310384171339125,
           -4.913641288402091, -46.69631529570156, 46.5753802423599]),
])
def test_sinc_has_every_derivative_right_at_zero_too(x, want):
    got = [dualad.derivative(np.sinc, x, order=k) for k in range(7)]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    assert np.sinc(np.array([x])) == dualad.jvp(np.sinc, (np.array([x]),), (np.ones(1),))[0]
    for engine in (reverse.hessian, symbolic.hessian):
        np.testing.assert_allclose(engine(np.sinc, x), want[2], rtol=1e-12)
    # the row at 0: dᵏ/duᵏ sin(u)/u there, in u's shape
    np.testing.assert_array_equal(sinc_at_zero(np.zeros(2), 4), [0.2, 0.2])


@pytest.mark.parametrize("x, k, want", [     # mpmath, 80 digits
    (1e-20, 1, -3.289868133696453e-20), (1e-08, 1, -3.2898681336964526e-08),
    (1e-08, 2, -3.289868133696452), (1e-12, 2, -3.289868133696453),
    (0.3, 6, -92.70094533007024), (0.6, 4, -0.06954417341323067),
    (0.64, 6, 25.439739248304914)])
def test_sinc_derivatives_near_zero_do_not_cancel(x, k, want):
    # the formula's derivative cancels (cos u·u − sin u ≈ −u³/3, u = πx): probe38 found
    # sinc'(1e-8) 30-55 % off, sinc'' 0 below 1e-10, compiled jvp −16384 at 1e-20
    engines = [lambda f, x: dualad.derivative(f, x, order=k)]
    if k == 1:
        g = dualad.compile(np.sinc, 0.25)
        engines += [reverse.gradient, symbolic.derivative, lambda f, x: g.gradient(x),
                    lambda f, x: g.jvp((x,), (1.0,))[1]]
    if k == 2:
        engines += [reverse.hessian, lambda f, x: symbolic.derivative(f, x, order=2)]
    for engine in engines:
        assert float(engine(np.sinc, x)) == pytest.approx(want, rel=1e-13)
    xs = np.array([0.0, x, -x, 0.5, 3.0])
    assert np.array_equal(dualad.jvp(np.sinc, (xs,), (xs,))[0], np.sinc(xs))
    assert np.array_equal(reverse.vjp(np.sinc, xs)[0], np.sinc(xs))


@pytest.mark.parametrize("x, k, want", [     # mpmath, 80 digits
    (0.3, 20, 259489430.0607093), (0.64, 20, -142118611.9385452),
    (0.7, 16, -2552536.067527151), (1.0, 20, -409603439.4073714),
    (1.5, 12, -21868.829170176872), (1.5, 20, -85974121.7927014),
    (1.59, 2, 1.5245915993219068), (1.59, 8, -185.0427565043808),     # the series' edge
    (1.6, 2, 1.478157855670416), (1.6, 12, -2363.9186743751757)])     # the formula's
def test_sinc_high_orders_keep_their_digits_up_to_the_series_edge(x, k, want):
    # the formula's k-th Taylor coefficient loses about k!/|πx|ᵏ ulps (the 20th 9e-3 off
    # at 0.64, 3e-7 at 1.0), and 17 series terms were too few for it (2e-7 at 0.6)
    assert dualad.derivative(np.sinc, x, order=k) == pytest.approx(want, rel=1e-12)
    assert dualad.derivative(np.sinc, -x, order=k) == pytest.approx(want * (-1) ** k, rel=1e-12)


# -- review22 --------------------------------------------------------------------------
@pytest.mark.parametrize("engine", [dualad.gradient, reverse.gradient, symbolic.gradient])
def test_gradient_in_evenly_spaced_traced_coordinates_moves_each_spacing(engine):
    # NumPy reads one spacing off evenly spaced coordinates; as traced values that lost
    # ∂/∂x₂ and ∂/∂x₃ ([57, −57, 0, 0]); jax.grad of jnp.gradient: [5, 7, 28, −40]
    F, weights = np.array([1.0, 4.0, 9.0, 16.0]), np.array([1.0, 2.0, 3.0, 4.0])
    f = lambda x: np.sum(np.gradient(F, x) * weights)      # noqa: E731
    np.testing.assert_allclose(engine(f, np.arange(4.0)), [5.0, 7.0, 28.0, -40.0], rtol=1e-14)
    x = np.array([0.0, 0.1, 0.2, 0.30000000000000004])     # evenly spaced in floats too
    value, _ = dualad.jvp(lambda v: np.gradient(F ** 0.5 * 3.1, v), (x,), (x,))
    np.testing.assert_array_equal(value, np.gradient(F ** 0.5 * 3.1, x))


@pytest.mark.parametrize("engine", [dualad.gradient, reverse.gradient])
def test_review22_values_numpy_gives(engine):
    # np.bincount counts False as 0 and True as 1 (a bool index was taken as a mask)
    w = np.array([3.0, 5.0])
    f = lambda v: np.bincount(np.array([True, True]), weights=v) ** 2    # noqa: E731
    np.testing.assert_array_equal(dualad.jvp(f, (w,), (w,))[0], [0.0, 64.0])
    np.testing.assert_array_equal(engine(lambda v: np.sum(f(v)), w), [16.0, 16.0])
    # a list as np.select's default (it was list repetition: a TypeError)
    x = np.array([0.5, -1.2, 2.0])
    g = lambda v: np.select([v > 0], [v ** 2], [1.0, 2.0, 3.0])     # noqa: E731
    np.testing.assert_array_equal(dualad.jvp(g, (x,), (x,))[0], [0.25, 2.0, 4.0])
    np.testing.assert_array_equal(engine(lambda v: np.sum(g(v)), x), [1.0, 0.0, 4.0])
    # the inf-norm of an empty vector is 0, as NumPy's (max with initial=0)
    assert dualad.jvp(lambda v: np.linalg.norm(v, np.inf), (np.zeros(0),), (np.zeros(0),))[0] \
        == 0.0
    # a list f with a traced spacing h: d/dh Σ gradient(F, h) = −Σ gradient(F, 1)/h²
    h = engine(lambda h: np.sum(np.gradient([1.0, 4.0, 9.0], h)), 0.5)
    assert h == -np.sum(np.gradient([1.0, 4.0, 9.0])) / 0.25
    # ufunc calls with dtype=float, as every ufunc takes it
    assert engine(lambda v: np.sum(np.copysign(v, -1.0, dtype=float) +
                                   np.vecdot(v, v, dtype=float)), x).tolist() == \
        (-np.sign(x) + 3 * 2 * x).tolist()     # (vecdot, a number, added to 3 entries)


@pytest.mark.parametrize("x", [
    np.random.default_rng(5).normal(size=300),  # past 256 entries argpartition's layout differs
    np.array([np.nan, 0.8, 0.3, -1.3]),         # and with a nan
])
def test_partition_has_numpys_layout(x):
    value, _ = dualad.jvp(lambda v: np.partition(v, 1), (x,), (x,))
    np.testing.assert_array_equal(value, np.partition(x, 1))
    g = reverse.gradient(lambda v: np.nansum(np.partition(v, 1) * np.arange(len(v))), x)
    # each entry's derivative is the place NumPy put it
    laid_out = np.partition(x, 1)
    for i in np.flatnonzero(~np.isnan(x)):
        assert laid_out[int(g[i])] == x[i]


# -- probe35 -----------------------------------------------------------------------------
@pytest.mark.parametrize("engine", [dualad.gradient, reverse.gradient, symbolic.gradient])
def test_long_cumprod_keeps_numpys_values_and_differentiates_through_zeros(engine):
    # past 16 entries np.cumprod's derivative comes from a log₂(n)-step scan (n traced
    # products cost ~800x NumPy's cumprod at n = 10⁴); the values stay NumPy's
    x = 1 + 0.1 * np.sin(np.arange(40.0))
    x[5] = 0.0
    w = np.cos(np.arange(40.0))
    value, _ = dualad.jvp(np.cumprod, (x,), (x,))
    np.testing.assert_array_equal(value, np.cumprod(x))
    want = [sum(w[i] * np.prod(np.delete(x[:i + 1], j)) for i in range(j, 40))
            for j in range(40)]      # ∂/∂xⱼ Σᵢ wᵢ·Πₖ≤ᵢ xₖ, brute force
    np.testing.assert_allclose(engine(lambda v: np.sum(np.cumprod(v) * w), x), want,
                               rtol=1e-13, atol=1e-15)


def test_long_cumprod_has_every_order():
    x = 1 + 0.1 * np.sin(np.arange(30.0))
    f = lambda v: np.sum(np.cumprod(v) ** 2)        # noqa: E731
    np.testing.assert_allclose(dualad.hessian(f, x), reverse.hessian(f, x), rtol=1e-12)
    # d³/dt³ Σᵢ Πₖ≤ᵢ (xₖ t) at t = 1: Σᵢ pᵢ·(i + 1)·i·(i − 1)
    i = np.arange(30)
    assert dualad.derivative(lambda t: np.sum(np.cumprod(x * t)), 1.0, order=3) == \
        pytest.approx(np.sum(np.cumprod(x) * (i + 1) * i * (i - 1)), rel=1e-13)


@pytest.mark.parametrize("engine", [dualad.gradient, reverse.gradient, symbolic.gradient])
@pytest.mark.parametrize("f, jax", [   # jax.nn.logsumexp, lax.cummax, cummin, cumprod, ...
    (lambda v: np.logaddexp.reduce(v), [0.09602049604644744, 0.021425068660375485,
                                        0.5256111438858029, 0.14324574748185626,
                                        0.21369754392551796]),
    (lambda v: np.sum(np.maximum.accumulate(v) * np.arange(5.0)), [1.0, 0, 9.0, 0, 0]),
    (lambda v: np.sum(np.minimum.accumulate(v) ** 2), [0.6, -9.6, 0, 0, 0]),
    (lambda v: np.sum(np.multiply.accumulate(v)), [-6.128, 1.782, -0.8892, -1.512, -0.504]),
    (lambda v: np.sum(np.logaddexp.accumulate(v) * np.arange(5.0)),
     [1.8666436548692693, 0.4165044976510304, 5.742549494352836, 1.119512177424789,
      0.8547901757020716]),
    (lambda v: np.hypot.reduce(v), [0.11157120049584025, -0.446284801983361,
                                    0.7438080033056017, 0.26033280115696056,
                                    0.409094401818081]),
    (lambda v: np.logaddexp2.reduce(v), [0.13049426507111525, 0.04613668986887023,
                                         0.42397711805903665, 0.17218821507183157,
                                         0.22720371192914623]),
])
def test_ufunc_reduce_and_accumulate_match_jax(engine, f, jax):
    # np.logaddexp.reduce (logsumexp) and the running max/min/product/logsumexp were
    # TypeErrors; the values are NumPy's left fold, bit for bit
    x = np.array([0.3, -1.2, 2.0, 0.7, 1.1])
    assert dualad.jvp(f, (x,), (x,))[0] == f(x) == reverse.vjp(f, x)[0]
    np.testing.assert_allclose(engine(f, x), jax, rtol=1e-14, atol=1e-16)


# -- review24 ----------------------------------------------------------------------------
@pytest.mark.parametrize("engine", [dualad.jacobian, reverse.jacobian])
def test_running_results_keep_inf_entries_derivatives_and_numpys_zero_signs(engine):
    # an output equal to an inf entry lost its derivative (the scan's value bracket was
    # masked to 0 there); past 16 entries the scan runs
    x = np.concatenate([[1.0, np.inf], np.arange(20.0)])
    want = np.zeros((22, 22))
    want[0, 0] = 1.0
    want[1:, 1] = 1.0
    np.testing.assert_array_equal(engine(np.maximum.accumulate, x), want)
    # −0.0 stays −0.0 (value + (g − g) made it +0.0): 1/−0.0 is −inf
    z = np.full(20, -0.0)
    assert np.all(np.signbit(dualad.jvp(np.maximum.accumulate, (z,), (z,))[0]))


@pytest.mark.parametrize("engine", [dualad.gradient, reverse.gradient])
def test_a_scan_that_overflows_where_numpys_order_does_not_falls_back_to_the_fold(engine):
    # 1e-200·1e200·1e200: the scan's 1e200·1e200 is inf, NumPy's running product 1e200
    x = np.array([1e-200, 1e200, 1e200] + [1.0] * 15)
    assert engine(lambda v: np.cumprod(v)[2], x)[2] == 1.0
    assert engine(lambda v: np.sum(np.cumprod(v)), x)[2] == 16.0


def test_review24_values_numpy_gives():
    # cond: nan → inf as NumPy's, for every p (a zero matrix, an inf entry)
    for p in (None, 2, -2):
        for x in (np.zeros((2, 2)), np.array([[1.0, np.inf], [0.0, 1.0]])):
            with np.errstate(all="ignore"):
                assert dualad.jvp(lambda a: np.linalg.cond(a, p), (x,), (x,))[0] == np.inf
    # an empty reduction by a ufunc with an identity is the identity
    e = np.zeros((3, 0))
    np.testing.assert_array_equal(
        dualad.jvp(lambda v: np.logaddexp.reduce(v, axis=1), (e,), (e,))[0], [-np.inf] * 3)
    assert reverse.vjp(lambda v: np.hypot.reduce(v, axis=0), np.zeros(0))[0] == 0.0
    # a number: accumulate is NumPy's TypeError, reduce the number itself
    with pytest.raises(TypeError, match="cannot accumulate on a scalar"):
        dualad.gradient(lambda v: np.multiply.accumulate(v), 2.0)
    assert dualad.gradient(lambda v: np.logaddexp.reduce(v * v, axis=0), 2.0) == 4.0


@pytest.mark.parametrize("x", [np.array([0.0, 1.0, 1.0, 0.0]),    # a pivot 0 at the point
                               np.array([2.0, 2.0, 1.0, 3.0])])
def test_symbolic_inverse_pivots_on_the_numbers(x):
    # sympy's LU took a(0,0) = y₀ as the pivot, 0 at the point: nan for an invertible A
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    f = lambda y: np.sum(np.linalg.inv(np.reshape(y, (2, 2))) * w)     # noqa: E731
    a_inv = np.linalg.inv(x.reshape(2, 2))
    want = -(a_inv.T @ w @ a_inv.T).ravel()
    np.testing.assert_allclose(symbolic.gradient(f, x), want, rtol=1e-14)


def test_a_scan_that_underflows_where_numpys_order_does_not_falls_back_to_the_fold():
    # the scan's 1e-200·1e-200 is 0 where NumPy's running products stay 1, 1e-200, 1
    x = np.array([1e200, 1e-200, 1e-200, 1e200, 1e100] + [1.0] * 15)
    np.testing.assert_array_equal(reverse.gradient(lambda v: np.cumprod(v)[4], x)[:5],
                                  [1e-100, 1e300, 1e300, 1e-100, 1.0])


@pytest.mark.parametrize("engine", [dualad.gradient, reverse.gradient, symbolic.gradient])
@pytest.mark.parametrize("n", [5, 17, 32])
def test_logsumexp_and_hypot_reductions_skip_pairs_of_neutral_entries(engine, n):
    # the scan (and the fold) paired two −inf (two 0) entries: nan partials, a nan
    # gradient of a finite logsumexp (of a norm); as jax.nn.logsumexp: softmax
    x = np.zeros(n)
    x[1] = x[2] = -np.inf
    want = np.where(np.isfinite(x), 1.0 / (n - 2), 0.0)
    np.testing.assert_allclose(engine(lambda v: np.logaddexp.reduce(v, axis=None), x), want,
                               rtol=1e-14)
    y = np.ones(n)
    y[1] = y[2] = 0.0
    np.testing.assert_allclose(engine(np.hypot.reduce, y), y / np.sqrt(n - 2), rtol=1e-14)


# -- integer casts and np.rollaxis (probe36: autograd's examples use both) -------------
F0 = np.array([1.0, 2.0, 4.0, 8.0])


def _periodic_interp(v):
    # autograd's fluidsim advect: cell indices by an int cast of floor(v)
    left = np.floor(v).astype(int)
    w = v - left
    left = np.mod(left, 4)
    right = np.mod(left + 1, 4)
    return np.sum((1 - w) * F0[left] + w * F0[right] * w)


@pytest.mark.parametrize("engine", [dualad.gradient, reverse.gradient, symbolic.gradient,
                                    lambda f, x: dualad.compile(f, x + 0.6).gradient(x)])
def test_an_int_cast_gives_the_values_with_derivative_zero(engine):
    # d/dv[(1 − w)·f0[l] + w²·f0[l+1]] = −f0[l] + 2w·f0[l+1], l = floor(v), w = v − l:
    # at 0.3: −1 + 0.6·2, at 1.7: −2 + 1.4·4, at 2.2: −4 + 0.4·8 (jax.grad and
    # autograd give [1, 2, 4] for the linear version of this function)
    x = np.array([0.3, 1.7, 2.2])
    np.testing.assert_allclose(engine(_periodic_interp, x), [0.2, 3.6, -0.8], rtol=1e-14)


def test_int_and_bool_casts_in_every_engine():
    s = lambda t: np.sin(t) * t.astype(int) + np.astype(t * 2, np.int32) * t  # noqa: E731
    # s = 2 sin t + 5 t near 2.7: s' = 2 cos t + 5, s''' = −2 cos t, s'''' = 2 sin t
    want = [2 * np.cos(2.7) + 5, -2 * np.cos(2.7), 2 * np.sin(2.7)]
    for k, w in zip((1, 3, 4), want):
        assert dualad.derivative(s, 2.7, order=k) == pytest.approx(w, rel=1e-14)
        assert symbolic.derivative(s, 2.7, order=k) == pytest.approx(w, rel=1e-14)
    assert reverse.gradient(s, 2.7) == pytest.approx(want[0], rel=1e-15)
    g = dualad.compile(lambda a: a * a.astype(int), 2.5)
    assert (g(2.5), g(3.5), g.gradient(3.5)) == (5.0, 10.5, 3.0)     # re-traced at 3.5
    m = reverse.constant(np.array([0.0, 2.5])).astype(bool)
    assert type(m) is np.ndarray and m.tolist() == [False, True]
    assert dualad.Dual(np.array([1.7, -1.7]), np.ones(2)).astype(np.uint8).dtype == np.uint8
    assert "3" in str(dualad.trace(lambda a: a * a.astype(int), 3.5))
    with pytest.raises(TypeError, match="cannot become complex128"):
        dualad.gradient(lambda a: np.sum(a.astype(complex)), 1.0)


def test_rollaxis_is_a_transpose_with_numpys_rule_and_errors():
    a = np.arange(24.0).reshape(2, 3, 4)
    w = np.cos(np.arange(24.0))
    for axis in range(-3, 3):
        for start in range(-3, 4):
            want = np.rollaxis(a, axis, start)
            positions = np.rollaxis(np.arange(24).reshape(2, 3, 4), axis, start).ravel()
            grad = np.zeros(24)
            grad[positions] = w
            f = lambda x: np.sum(np.rollaxis(x, axis, start).ravel() * w)  # noqa: E731
            out, _ = dualad.jvp(lambda x: np.rollaxis(x, axis, start), (a,), (a,))
            assert out.shape == want.shape and np.array_equal(out, want)
            for engine in (dualad.gradient, reverse.gradient):
                np.testing.assert_array_equal(engine(f, a).ravel(), grad)
    np.testing.assert_array_equal(
        symbolic.gradient(lambda x: np.sum(np.rollaxis(x, 1) * w.reshape(3, 2, 4)), a),
        np.rollaxis(w.reshape(3, 2, 4), 0, 2))
    for axis, start in ((3, 0), (0, 5), (-4, 0)):
        with pytest.raises(np.exceptions.AxisError):
            dualad.gradient(lambda x: np.sum(np.rollaxis(x, axis, start)), a)


@pytest.mark.parametrize("window, axis", [(3, None), ((2, 3), None), (3, 1), (2, 0),
                                          ((2, 2), (1, 1)), ((2, 3), (-1, 0)), (6, -1)])
def test_sliding_window_view_is_numpys_windows_as_a_gather(window, axis):
    # the moving-window idiom of NumPy code (probe36); ∂/∂x_j sums the weights of every
    # window entry that reads x_j (brute force: scatter-add over NumPy's own index view)
    swv = np.lib.stride_tricks.sliding_window_view
    rng = np.random.default_rng(len(str((window, axis))))
    x = rng.normal(size=(4, 6))
    x = x[0] if axis is None and np.ndim(window) == 0 else x
    want = swv(x, window, axis=axis)
    w = rng.normal(size=want.shape)
    out, _ = dualad.jvp(lambda v: swv(v, window, axis=axis), (x,), (x,))
    assert out.shape == want.shape and np.array_equal(out, want)
    reads = swv(np.arange(x.size).reshape(x.shape), window, axis=axis)
    grad = np.zeros(x.size)
    np.add.at(grad, reads.ravel(), w.ravel())
    f = lambda v: np.sum(swv(v, window, axis=axis) * w)     # noqa: E731
    for engine in (dualad.gradient, reverse.gradient, symbolic.gradient):
        np.testing.assert_allclose(engine(f, x).ravel(), grad, rtol=1e-14, atol=1e-14)


def test_a_moving_average_by_sliding_windows():
    # m = (1, 2, 3) for x = 0..4 with windows of 3: ∂Σm²/∂x_j = Σ over windows holding j
    # of 2·m_k/3
    swv = np.lib.stride_tricks.sliding_window_view
    f = lambda v: np.sum(swv(v, 3).mean(axis=-1) ** 2)      # noqa: E731
    want = [2 / 3, 2.0, 4.0, 10 / 3, 2.0]
    for engine in (dualad.gradient, reverse.gradient, lambda f, x: dualad.compile(f, x)
                   .gradient(x)):
        np.testing.assert_allclose(engine(f, np.arange(5.0)), want, rtol=1e-15)
    np.testing.assert_allclose(dualad.hessian(f, np.arange(5.0)),
                               reverse.hessian(f, np.arange(5.0)), rtol=1e-15)
    with pytest.raises(ValueError, match="window shape cannot be larger"):
        dualad.gradient(lambda v: np.sum(swv(v, 7)), np.ones(5))
    with pytest.raises(TypeError, match="writeable=True"):
        reverse.gradient(lambda v: np.sum(swv(v, 2, writeable=True)), np.ones(5))


def test_reduceat_with_repeated_or_falling_indices_stays_linear_in_size():
    # an index not above the one before reads x[i] alone, so slices overlap; their
    # transpose was a dense k × n matrix (review26: 4 GB at n = 10⁵, k = 5000 with one
    # repeated index); now the slices' entries are gathered and scatter-added
    rng = np.random.default_rng(0)
    n, k = 10 ** 6, 10 ** 4
    x = rng.normal(size=n)
    idx = np.sort(rng.integers(0, n, k))
    idx[10] = idx[11]
    idx[20] = idx[25] + 3       # falling: x[idx[20]] alone, then on from idx[21]
    w = rng.normal(size=k)
    ends = np.append(idx[1:], n)
    ends = np.where(ends > idx, ends, idx + 1)
    want = np.zeros(n)
    np.add.at(want, np.concatenate([np.arange(a, b) for a, b in zip(idx, ends)]),
              np.repeat(w, ends - idx))
    grad = reverse.gradient(lambda v: np.sum(np.add.reduceat(v, idx) * w), x)
    np.testing.assert_array_equal(grad, want)


def test_reduceat_takes_what_numpy_takes():
    # [] (float when NumPy reads it) and axis=None of a vector, as NumPy
    for engine in (dualad.gradient, reverse.gradient):
        np.testing.assert_array_equal(
            engine(lambda v: np.sum(np.add.reduceat(v, [])) + np.sum(v), np.ones(3)), 1.0)
        np.testing.assert_array_equal(
            engine(lambda v: np.sum(np.multiply.reduceat(v, [0, 2], axis=None) ** 2),
                   np.arange(1.0, 5.0)), [8.0, 4.0, 96.0, 72.0])
        with pytest.raises(ValueError, match="multiple axes"):
            engine(lambda v: np.sum(np.add.reduceat(v, [0, 1], axis=None)), np.ones((2, 2)))


def test_symbolic_ldexp_refuses_exponents_beyond_float_range():
    # 2**1100 exactly was an OverflowError at evaluation, 2**(2**40) ran for minutes
    with pytest.raises(ValueError, match="up to ±1023"):
        symbolic.gradient(lambda z: np.ldexp(z, 2 ** 40), 1.0)
    assert symbolic.gradient(lambda z: np.ldexp(z, -1000), 1.0) == 2.0 ** -1000


ORDER_STATISTICS = {    # jax.grad(jax.grad(lambda t: f(A * t)))(1.0): Taylor mode's order 2
    "nanmedian": 1.3400000000000003,
    "nanquantile kept": 4.047199999999999,
    "nanpercentile": 0.0,
    "quantile higher": 2.104,
    "quantile midpoint": 1.57,
    "nanmax where initial": 13.48,
    "nanvar where": 2.9975,
    "nanstd where": -9.44267812090042e-17,
    "insert values": 448.48,
    "choose": 7.603856384651051,
    "diagflat": 25.5,
}


@pytest.mark.parametrize("name", ORDER_STATISTICS)
def test_order_statistics_and_gathers_have_jaxs_second_derivatives_and_pass_check(name):
    _along_a_matches_to_order_3_and_check_passes(CASES[name], ORDER_STATISTICS[name])


METHODS = ("inverted_cdf", "averaged_inverted_cdf", "closest_observation",
           "interpolated_inverted_cdf", "hazen", "weibull", "linear", "median_unbiased",
           "normal_unbiased", "lower", "higher", "midpoint", "nearest")


def _values_are_numpys(f, x):
    """Forward and reverse mode's values of f at x are NumPy's, bit for bit, shape too
    (NumPy's RuntimeWarnings, all-nan slices and the like, silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want = f(x)
        got = [dualad.jvp(f, (x,), (x,))[0], reverse.vjp(f, x)[0]]
    for value in got:
        assert np.shape(value) == np.shape(want)
        np.testing.assert_array_equal(value, want)


@pytest.mark.parametrize("method", METHODS)
def test_quantile_values_are_numpys_bit_for_bit_for_every_method(method):
    # n from 1 to 9, q at 0, 1 (as floats and as integers), halves and random points,
    # nan and inf entries, ties; the nan-functions on rows with 0 to n nans
    rng = np.random.default_rng(METHODS.index(method))
    qs = [0.0, 1.0, 0, 1, 0.5, [0.25, 0.75], rng.uniform(size=4), [[0.1, 0.9], [1 / 3, 2 / 3]]]
    for n in range(1, 10):
        x = rng.normal(size=(3, n)) * 10.0 ** rng.integers(-3, 4)
        x[0, ::2] = np.round(x[0, ::2])     # ties
        x[1, :n // 2] = np.nan
        x[2, -1] = np.inf
        for q in qs:
            for func, arg in ((np.quantile, q), (np.percentile, np.multiply(q, 100)),
                              (np.nanquantile, q), (np.nanpercentile, np.multiply(q, 100))):
                _values_are_numpys(lambda v: func(v, arg, axis=1, method=method), x)  # noqa: B023


# (symbolic refuses a nan output: sympy folds an expression into nan; it has the rows
# that are not all nan)
@pytest.mark.parametrize("engine", [dualad.jacobian, reverse.jacobian, symbolic.jacobian])
def test_nan_order_statistics_skip_nans_and_an_all_nan_slice_is_nan_with_numpys_warning(engine):
    x = np.array([[4.0, np.nan, 1.0, 2.0], [np.nan] * 4, [3.0, 3.0, np.nan, -1.0]])
    for f, value, derivative in [
        (lambda v: np.nanmedian(v, axis=1), [2.0, np.nan, 3.0],
         [[0, 0, 0, 1], [0] * 4, [1, 0, 0, 0]]),     # the middle entry (the first of a tie)
        (lambda v: np.nanquantile(v, 1.0, axis=1), [4.0, np.nan, 3.0],
         [[1, 0, 0, 0], [0] * 4, [0, 1, 0, 0]]),     # q = 1: the largest, the last of a tie
        (lambda v: np.nanpercentile(v, 0.0, axis=1), [1.0, np.nan, -1.0],
         [[0, 0, 1, 0], [0] * 4, [0, 0, 0, 1]]),
        (lambda v: np.nanquantile(v, 0.75, axis=1, method="midpoint"), [3.0, np.nan, 3.0],
         [[0.5, 0, 0, 0.5], [0] * 4, [0.5, 0.5, 0, 0]]),
        (lambda v: np.nanmax(v, axis=1), [4.0, np.nan, 3.0],
         [[1, 0, 0, 0], [0] * 4, [0.5, 0.5, 0, 0]]),
    ]:
        if engine is symbolic.jacobian:
            jac = engine(f, x[[0, 2]])
            np.testing.assert_array_equal(jac[[0, 1], [0, 1]], np.array(derivative)[[0, 2]])
            continue
        with pytest.warns(RuntimeWarning, match="All-NaN slice encountered"):
            np.testing.assert_array_equal(f(x), value)
            jac = engine(f, x)
        np.testing.assert_array_equal(jac[[0, 2], [0, 2]], np.array(derivative)[[0, 2]])
        assert not np.any(jac[1])


def test_nan_order_statistics_of_an_empty_array_are_numpys_nanmean():
    for f in (lambda v: np.nanmedian(v, axis=0), lambda v: np.nanquantile(v, [0.2, 0.5], axis=0),
              lambda v: np.nanpercentile(v, 50.0)):
        for engine in (lambda f, x: dualad.jvp(f, (x,), (x,))[0],
                       lambda f, x: reverse.vjp(f, x)[0]):
            with pytest.warns(RuntimeWarning, match="Mean of empty slice"):
                want = f(np.zeros((0, 3)))
            with pytest.warns(RuntimeWarning, match="Mean of empty slice"):
                got = engine(f, np.zeros((0, 3)))
            assert np.shape(got) == np.shape(want) and np.all(np.isnan(got))


def test_nanmax_where_initial_and_nanvar_where_are_numpys_bit_for_bit():
    rng = np.random.default_rng(5)
    for trial in range(40):
        x = rng.normal(size=(3, 4))
        x[rng.random((3, 4)) < 0.3] = np.nan
        x[trial % 3] = np.nan if trial % 4 == 0 else x[trial % 3]
        w = rng.random((3, 4)) < 0.7 if trial % 2 else rng.random(4) < 0.6
        axis, kept = (None, 0, 1, (0, 1))[trial % 4], trial % 3 == 0
        for f in (lambda v: np.nanmax(v, axis=axis, keepdims=kept, initial=-1.5, where=w),
                  lambda v: np.nanmin(v, axis=axis, initial=0.25),
                  lambda v: np.nanmin(v, axis=axis, initial=np.nan, where=w),
                  lambda v: np.nanvar(v, axis=axis, keepdims=kept, where=w),
                  lambda v: np.nanvar(v, axis=axis, ddof=1),
                  lambda v: np.nanstd(v, axis=axis, keepdims=kept, where=w, correction=1)):
            _values_are_numpys(f, x)


@pytest.mark.parametrize("engine", [dualad.gradient, reverse.gradient, symbolic.gradient])
def test_nanmax_initial_wins_a_masked_slice_and_splits_a_tie(engine):
    x = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, 0.5]])
    where = np.array([[True, True, False], [True, True, True]])
    f = lambda v: np.sum(np.nanmax(v, axis=1, initial=0.5, where=where) * [1.0, 2.0])  # noqa: E731
    np.testing.assert_array_equal(engine(f, x), [[1, 0, 0], [0, 0, 1]])   # 0.5 = 0.5: half
    g = engine(lambda v: np.sum(np.nanvar(v, axis=1, where=where)), x)
    np.testing.assert_array_equal(g, [[0, 0, 0], [0, 0, 0]])   # one entry each: variance 0
    if engine is not symbolic.gradient:     # (a nan output)
        with pytest.warns(RuntimeWarning, match="Degrees of freedom"):
            g = engine(lambda v: np.sum(np.nanvar(v, axis=1, where=~where)), x)
        np.testing.assert_array_equal(g, [[0, 0, 0], [0, 0, 0]])


@pytest.mark.parametrize("engine", [dualad.gradient, reverse.gradient, symbolic.gradient])
@pytest.mark.parametrize("f, error, message", [
    (lambda x: np.quantile(x, x[0, 0] * 0.1), TypeError, "traced q"),
    (lambda x: np.quantile(x, 0.5, method="bogus"), ValueError, "not a valid method"),
    (lambda x: np.quantile(x, 1.5), ValueError, r"range \[0, 1\]"),
    (lambda x: np.percentile(x, 101.0), ValueError, r"range \[0, 100\]"),
    (lambda x: np.nanquantile(x, np.zeros((2, 2, 2))), ValueError, "scalar or 1d"),
    (lambda x: np.quantile(x, 0.5, method="inverted_cdf", weights=np.ones(9)), TypeError,
     "weights="),
    (lambda x: np.nanmax(x, where=x > 0), ValueError, "to use a where mask"),
    (lambda x: np.nanmin(x[:0]), ValueError, "zero-size array"),
    (lambda x: np.nanvar(x, ddof=1, correction=1), ValueError, "ddof and correction"),
    (lambda x: np.insert(x, np.floor(x[0, 0]).astype(int) + x[0, 0] * 0, 1.0), TypeError,
     "obj"),
    (lambda x: np.insert(np.arange(3), 1, x[0, 0]), TypeError, "integers"),
    (lambda x: np.insert(x, [1], x[:2], axis=1), ValueError, "could not broadcast"),
    (lambda x: np.choose(x[0] * 0, [x, x]), TypeError, "index array a"),
    (lambda x: np.choose(np.array([0, 2, 1]), [x, x]), ValueError, "invalid entry"),
    (lambda x: np.diagflat(x, k=1.5), TypeError, "cannot be interpreted as an integer"),
])
def test_order_statistics_and_gathers_refuse_by_name(engine, f, error, message):
    with pytest.raises(error, match=message):
        engine(lambda x: np.sum(f(x)), A.copy())


def test_sinc_of_small_and_huge_entries_together_is_numpys_without_warnings():
    # review27: u² of 1e11 overflowed the series, whose values then stood in for NumPy's
    # (1 ulp off at 1e-8 and 0.01), with overflow warnings NumPy does not give
    x = np.array([1e-8, 0.01, 0.3, 1e11])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.array_equal(dualad.jvp(np.sinc, (x,), (x,))[0], np.sinc(x))
        assert np.array_equal(reverse.vjp(np.sinc, x)[0], np.sinc(x))
    # symbolic takes the polynomial as monomials: order 4 at 0.3 in about a second (mpmath:
    # 13.648773849855683), Horner's nesting took 41 s
    assert symbolic.derivative(np.sinc, 0.3, order=4) == pytest.approx(13.648773849855683,
                                                                        rel=1e-13)


def test_a_two_entry_max_with_a_nan_has_a_nan_derivative_in_symbolic_too():
    # review27: a two-entry np.max was symbolic's pairwise maximum, whose derivative is 0
    # at a nan operand (np.maximum's rule); np.max's is nan (jax.grad, forward, reverse)
    x = np.array([np.nan, 1.0])
    for f in (np.max, np.min):
        for engine in (dualad.gradient, reverse.gradient, symbolic.gradient):
            assert np.isnan(engine(f, x)).all()
    np.testing.assert_array_equal(symbolic.gradient(np.max, np.array([2.0, 2.0])), [0.5, 0.5])
