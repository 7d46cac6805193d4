"""The primitive tables every engine reads.

Each elementary operation v = φ(a, b, ...) is written once, here, as its local
partials ∂φ/∂a, ∂φ/∂b, ... Forward mode sums ∂ᵢ·ȧᵢ (dualad.dual), reverse mode
sends v̄·∂ᵢ back to each input (reverse), and the symbolic engine maps each row
to its sympy counterpart so that `sympy.diff` can check the row (symbolic).

ELEMENTWISE[ufunc] = (sympy name, ∂out/∂arg0, ∂out/∂arg1, ...)
    Each partial is called as ∂(out, *args) on primal values and returns an
    array broadcastable to `out`; ``None`` means "identically zero". Bodies
    use only operators and np.* so that Dual and Tensor values flow through
    them (higher orders, forward-over-reverse).  The sympy name is resolved by
    `symbolic`: an attribute of `operator`, of sympy, or one of symbolic's
    own composites (no sympy import here).

PRIMAL_ONLY: ufuncs whose result is not differentiable (comparisons, tests,
    bit ops); engines evaluate them on primal values and return plain results.

Conventions at kinks (API.md): abs'(0) = 0; sign/floor/ceil/rint have zero
derivative; maximum/minimum split a tie 0.5/0.5; sqrt'(0) = log'(0) = +inf;
d(0**y)/dx = 0 for y > 1.
"""

from __future__ import annotations

import numpy as np

_LN2 = np.log(2.0)
_LN10 = np.log(10.0)
_2LN2 = 2.0 * _LN2
_MAX = float(np.finfo(np.float64).max)


def _pow_dx(out, x, y):
    # ∂(x**y)/∂x = y·x**(y−1); for a constant y = 0 exactly 0 (not 0·x**−1 = nan at 0)
    if isinstance(y, np.ndarray):
        return np.where(y == 0, 0.0, y * np.power(x, y - 1))
    if isinstance(y, (int, float, np.number)) and y == 0:     # np.int64(0) from np.arange too
        return 0.0
    return y * np.power(x, y - 1)


def _sigmoid(d, base2=False):
    # 1/(1 + e^-d) (2^-d for base2) from e = exp(-|d|) ≤ 1: nothing overflows at any
    # order (1/(1 + exp(-d)) gave nan in its second derivative past d = -709, 0 past -355)
    m = np.where(d > 0, -d, d)
    e = np.exp2(m) if base2 else np.exp(m)
    s = np.where(d > 0, np.reciprocal(1.0 + e), e / (1.0 + e))
    # a number for numbers (np.where gives a 0-d array): a 0-d cotangent took reverse's
    # array path, with NumPy's cosh where the table sweep and forward take math's
    return s[()] if type(s) is np.ndarray else s


def _sech2(x):
    # sech² x = r·r, r = 1/cosh x: 1 − tanh² cancels as tanh → ±1 (5e7 ulps at x = 10,
    # 0 past 19); 1/cosh² overflowed past |x| = 355 (nan beyond, at second order), r·r
    # only underflows; |x| is capped at 700 (cosh overflows at 710.5), where sech² is 0
    # in float64 anyway.  4e/(1 + e)², e = exp(−2|x|), kept its value but its derivative
    # cancelled in 1 − e near 0 (tanh''(1e-12) 2e-5 off, 0 at 1e-17); r·r's is −2r³·sinh x
    r = np.reciprocal(np.cosh(np.where(np.abs(x) > 700.0, 700.0, x)))
    return r * r


def _one_minus_square(x):
    # 1 − x²: as (1 − x)(1 + x) near |x| = 1, where 1 − x·x cancels (8e6 ulps at
    # 1 − 2⁻²⁷); as 1 − x·x near 0, where the product's derivative −(1 + x) + (1 − x)
    # cancels instead (its second derivative at 1e-20 came out −0.0)
    return np.where(np.abs(x) < 0.5, 1.0 - x * x, (1.0 - x) * (1.0 + x))


def _pow_dy(out, x, y):
    # ∂(x**y)/∂y = x**y·log(x); taken as 0 at x = 0 (where out is 0 or 1)
    safe_x = np.where(x == 0, 1.0, x)
    return np.where(x == 0, 0.0, out * np.log(safe_x))


# ufunc: (sympy name, ∂out/∂arg0[, ∂out/∂arg1])
ELEMENTWISE = {
    # arithmetic
    np.add: ("add", lambda out, x, y: 1.0, lambda out, x, y: 1.0),
    np.subtract: ("sub", lambda out, x, y: 1.0, lambda out, x, y: -1.0),
    np.multiply: ("mul", lambda out, x, y: y, lambda out, x, y: x),
    np.divide: ("truediv", lambda out, x, y: 1.0 / y, lambda out, x, y: -out / y),
    np.negative: ("neg", lambda out, x: -1.0),
    np.positive: ("pos", lambda out, x: 1.0),
    np.power: ("pow", _pow_dx, _pow_dy),
    np.float_power: ("pow", _pow_dx, _pow_dy),
    np.square: ("square", lambda out, x: 2.0 * x),
    np.reciprocal: ("reciprocal", lambda out, x: -out * out),
    np.sqrt: ("sqrt", lambda out, x: 0.5 / out),
    np.cbrt: ("cbrt", lambda out, x: 1.0 / (3.0 * out * out)),
    np.absolute: ("Abs", lambda out, x: np.sign(x)),
    np.fabs: ("Abs", lambda out, x: np.sign(x)),
    # exponentials and logarithms (log'(0) = +inf through np.reciprocal)
    np.exp: ("exp", lambda out, x: out),
    # ln2·2ˣ is finite up to x = 1024.53 where 2ˣ already overflowed: there 2ˣ⁻¹·2ln2
    np.exp2: ("exp2", lambda out, x: np.where(out > _MAX, np.exp2(x - 1.0) * _2LN2,
                                               out * _LN2)),
    np.expm1: ("expm1", lambda out, x: np.exp(x)),     # out + 1 cancels: 0 below x = -37
    np.log: ("log", lambda out, x: np.reciprocal(x)),
    np.log2: ("log2", lambda out, x: np.reciprocal(x * _LN2)),
    np.log10: ("log10", lambda out, x: np.reciprocal(x * _LN10)),
    np.log1p: ("log1p", lambda out, x: np.reciprocal(x + 1.0)),
    # sigmoid(x − y): exp(x − out) carried out's rounding (4.7e4 ulps at (1e5, 99980))
    np.logaddexp: ("logaddexp", lambda out, x, y: _sigmoid(x - y),
                   lambda out, x, y: _sigmoid(y - x)),
    np.logaddexp2: ("logaddexp2", lambda out, x, y: _sigmoid(x - y, True),
                    lambda out, x, y: _sigmoid(y - x, True)),
    # trigonometric
    np.sin: ("sin", lambda out, x: np.cos(x)),
    np.cos: ("cos", lambda out, x: -np.sin(x)),
    np.tan: ("tan", lambda out, x: 1.0 + out * out),
    np.arcsin: ("asin", lambda out, x: np.reciprocal(np.sqrt(_one_minus_square(x)))),
    np.arccos: ("acos", lambda out, x: -np.reciprocal(np.sqrt(_one_minus_square(x)))),
    np.arctan: ("atan", lambda out, x: np.reciprocal(1.0 + x * x)),
    np.arctan2: ("atan2", lambda out, y, x: x / (x * x + y * y),
                 lambda out, y, x: -y / (x * x + y * y)),
    np.hypot: ("hypot", lambda out, x, y: x / out, lambda out, x, y: y / out),
    np.deg2rad: ("rad", lambda out, x: np.pi / 180.0),
    np.rad2deg: ("deg", lambda out, x: 180.0 / np.pi),
    # hyperbolic
    np.sinh: ("sinh", lambda out, x: np.cosh(x)),
    np.cosh: ("cosh", lambda out, x: np.sinh(x)),
    np.tanh: ("tanh", lambda out, x: _sech2(x)),
    # hypot and (x − 1)(x + 1): x·x overflowed from 1.3e154 (0) and cancelled near 1
    np.arcsinh: ("asinh", lambda out, x: np.reciprocal(np.hypot(x, 1.0))),
    np.arccosh: ("acosh", lambda out, x: np.reciprocal(np.sqrt(x - 1.0) * np.sqrt(x + 1.0))),
    np.arctanh: ("atanh", lambda out, x: np.reciprocal(_one_minus_square(x))),
    # kinks: a tie splits the derivative 0.5/0.5
    np.maximum: ("maximum", lambda out, x, y: (x > y) + 0.5 * (x == y),
                 lambda out, x, y: (y > x) + 0.5 * (x == y)),
    np.minimum: ("minimum", lambda out, x, y: (x < y) + 0.5 * (x == y),
                 lambda out, x, y: (y < x) + 0.5 * (x == y)),
    # fmax/fmin ignore a NaN operand (fmax(nan, x) = x): the other one has derivative 1
    np.fmax: ("maximum", lambda out, x, y: (x > y) + 0.5 * (x == y) + (y != y) * (x == x),
              lambda out, x, y: (y > x) + 0.5 * (x == y) + (x != x) * (y == y)),
    np.fmin: ("minimum", lambda out, x, y: (x < y) + 0.5 * (x == y) + (y != y) * (x == x),
              lambda out, x, y: (y < x) + 0.5 * (x == y) + (x != x) * (y == y)),
    # piecewise constant: derivative zero everywhere it exists.  None, never a partial 0:
    # 0·∞ would make d/dx sign(sqrt(x)) at 0 nan (TensorFlow registers zeros for Sign and
    # gives that nan; JAX gives 0, as here)
    np.sign: ("sign", None),
    np.floor: ("floor", None),
    np.ceil: ("ceiling", None),
    np.rint: ("rint", None),
    np.trunc: ("trunc", None),
    np.floor_divide: ("floordiv", None, None),
    # x mod y = x - floor(x/y)·y
    np.remainder: ("mod", lambda out, x, y: 1.0, lambda out, x, y: -np.floor_divide(x, y)),
    # ∂/∂y fmod = −n for the n with x = n·y + fmod(x, y): trunc(x / y) taken from the
    # remainder NumPy computed (1.3 / 0.1 rounds to 13.000000000000002 where fmod
    # found 12 whole steps)
    np.fmod: ("fmod", lambda out, x, y: 1.0, lambda out, x, y: -np.rint((x - out) / y)),
}
ELEMENTWISE[np.true_divide] = ELEMENTWISE[np.divide]
ELEMENTWISE[np.degrees] = ELEMENTWISE[np.rad2deg]     # NumPy's two names, two ufuncs
ELEMENTWISE[np.radians] = ELEMENTWISE[np.deg2rad]
ELEMENTWISE[np.conjugate] = ("pos", lambda out, x: 1.0)     # of a real value: itself

# Not differentiable: evaluated on primals, results are plain values.
PRIMAL_ONLY = frozenset({
    np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
    np.logical_and, np.logical_or, np.logical_xor, np.logical_not,
    np.isfinite, np.isinf, np.isnan, np.signbit,
    # the gap to the next float: a step function of x (constant between powers of two,
    # derivative 0 wherever it exists, as floor's); jnp.spacing has no rule at all
    np.spacing,
})


def arity(ufunc) -> int:
    """Number of differentiable inputs of an ELEMENTWISE row."""
    return len(ELEMENTWISE[ufunc]) - 1
