"""Every row of dualad.rules.ELEMENTWISE against sympy.diff and finite differences.

The domain of each primitive is kept in one place (SAMPLES); a row without
samples uses the generic points, so a row cannot be added untested.
"""

import numpy as np
import pytest
import sympy

from dualad import numeric
from dualad.rules import ELEMENTWISE, arity
from symbolic import resolve
from symbolic.functions import LAMBDIFY_NAMESPACE, for_lambdify, zero_kinks

UNARY = [(-1.3,), (-0.4,), (0.7,), (2.1,)]
BINARY = [(0.7, 1.9), (-1.2, 0.6), (2.5, -1.4), (1.6, 0.3)]
POSITIVE = [(0.3,), (1.7,), (4.2,)]
UNIT = [(-0.6,), (0.1,), (0.8,)]
NO_INTEGER_RATIO = [(5.3, 1.7), (-4.1, 1.3), (2.9, -0.8)]

# points inside each primitive's domain (away from kinks)
SAMPLES = {
    np.log: POSITIVE, np.log2: POSITIVE, np.log10: POSITIVE, np.sqrt: POSITIVE,
    np.log1p: [(-0.5,), (0.3,), (2.0,)],
    np.arcsin: UNIT, np.arccos: UNIT, np.arctanh: UNIT,
    np.arccosh: [(1.2,), (2.0,), (5.0,)],
    np.tan: [(-1.2,), (0.3,), (1.0,)],
    np.power: [(0.7, 1.9), (2.5, -1.4), (1.3, 3.0)],
    np.float_power: [(0.7, 1.9), (2.5, -1.4), (1.3, 3.0)],
    np.floor_divide: NO_INTEGER_RATIO, np.remainder: NO_INTEGER_RATIO,
    np.fmod: NO_INTEGER_RATIO,
}

# the conventions at kinks (API.md), checked against sympy where it has a value
KINKS = {
    np.absolute: [(0.0,)], np.fabs: [(0.0,)], np.sign: [(0.0,)],
    np.maximum: [(1.0, 1.0)], np.minimum: [(1.0, 1.0)],
    np.fmax: [(-2.0, -2.0)], np.fmin: [(-2.0, -2.0)],
    np.sqrt: [(0.0,)], np.log: [(0.0,)],
}

ROWS = sorted(ELEMENTWISE.items(), key=lambda kv: kv[0].__name__)
IDS = [u.__name__ for u, _ in ROWS]


def samples(ufunc):
    return SAMPLES.get(ufunc, UNARY if arity(ufunc) == 1 else BINARY)


def sympy_row(ufunc):
    xs = sympy.symbols(f"a0:{arity(ufunc)}", real=True)
    return xs, resolve(ELEMENTWISE[ufunc][0])(*xs)


def lam(xs, e):
    return sympy.lambdify(xs, for_lambdify(e), modules=[LAMBDIFY_NAMESPACE, "numpy"])


def rule_partial(ufunc, k, point):
    partial = ELEMENTWISE[ufunc][1 + k]
    if partial is None:
        return 0.0
    args = [np.float64(p) for p in point]
    with np.errstate(divide="ignore"):
        return float(np.broadcast_to(partial(ufunc(*args), *args), ()))


def test_every_row_has_samples_of_its_arity():
    for ufunc in ELEMENTWISE:
        assert arity(ufunc) == ufunc.nin, ufunc.__name__
        pts = samples(ufunc)
        assert len(pts) >= 3 and all(len(p) == ufunc.nin for p in pts), ufunc.__name__
    assert set(SAMPLES) <= set(ELEMENTWISE) and set(KINKS) <= set(ELEMENTWISE)


@pytest.mark.parametrize("ufunc,row", ROWS, ids=IDS)
def test_sympy_counterpart_computes_the_ufunc(ufunc, row):
    xs, e = sympy_row(ufunc)
    f = lam(xs, e)
    for p in samples(ufunc):
        assert float(f(*map(np.float64, p))) == pytest.approx(float(ufunc(*p)), rel=1e-12,
                                                              abs=1e-14), p


@pytest.mark.parametrize("ufunc,row", ROWS, ids=IDS)
def test_partials_match_sympy_diff(ufunc, row):
    xs, e = sympy_row(ufunc)
    for k in range(arity(ufunc)):
        d = lam(xs, zero_kinks(sympy.diff(e, xs[k])))
        for p in samples(ufunc) + KINKS.get(ufunc, []):
            with np.errstate(divide="ignore", invalid="ignore"):
                expected = float(np.broadcast_to(d(*map(np.float64, p)), ()))
            got = rule_partial(ufunc, k, p)
            assert got == pytest.approx(expected, rel=1e-12, abs=1e-14), (k, p)


@pytest.mark.parametrize("ufunc,row", ROWS, ids=IDS)
def test_partials_match_finite_differences(ufunc, row):
    for k in range(arity(ufunc)):
        for p in samples(ufunc):
            def along(t, p=p, k=k):
                q = list(p)
                q[k] = t
                return ufunc(*q)
            est, err = numeric.derivative(along, p[k], scheme="richardson",
                                          return_error=True)
            got = rule_partial(ufunc, k, p)
            assert abs(got - est) <= 10 * err + 1e-8 * max(1.0, abs(got)), (k, p, est, err)


# Hard points of rows whose textbook partial loses digits there, with the exact
# derivative (mpmath, 60 digits): 1 − x·x cancels near |x| = 1, x·x + 1 overflows,
# 1 − tanh² cancels as tanh → 1, out + 1 for expm1 cancels, exp(x − out) carries
# out's rounding.
ACCURACY = [   # (ufunc, args, argument differentiated, exact derivative, ulps allowed)
    (np.arcsin, (1 - 2.0 ** -27,), 0, lambda m, x: 1 / m.sqrt(1 - x * x), 4),
    (np.arccos, (-(1 - 2.0 ** -40),), 0, lambda m, x: -1 / m.sqrt(1 - x * x), 4),
    (np.arctanh, (1 - 2.0 ** -27,), 0, lambda m, x: 1 / (1 - x * x), 4),
    (np.arccosh, (1.0001,), 0, lambda m, x: 1 / m.sqrt(x * x - 1), 4),
    (np.arccosh, (1e300,), 0, lambda m, x: 1 / m.sqrt(x * x - 1), 4),
    (np.arcsinh, (1e200,), 0, lambda m, x: 1 / m.sqrt(x * x + 1), 4),
    (np.tanh, (10.0,), 0, lambda m, x: 1 / m.cosh(x) ** 2, 4),
    (np.tanh, (-25.0,), 0, lambda m, x: 1 / m.cosh(x) ** 2, 4),
    (np.expm1, (-40.0,), 0, lambda m, x: m.exp(x), 4),
    (np.logaddexp, (1e5, 99980.0), 0, lambda m, x, y: 1 / (1 + m.exp(y - x)), 64),
    (np.logaddexp, (1e5, 99980.0), 1, lambda m, x, y: 1 / (1 + m.exp(x - y)), 64),
    (np.logaddexp2, (-30.0, 20.0), 0, lambda m, x, y: 1 / (1 + 2 ** (y - x)), 64),
]


@pytest.mark.parametrize("ufunc, args, i, exact, ulps", ACCURACY,
                         ids=[f"{c[0].__name__}{c[1]}-{c[2]}" for c in ACCURACY])
def test_partials_keep_their_digits_where_the_textbook_form_loses_them(ufunc, args, i,
                                                                       exact, ulps):
    # before: arcsin'(1 − 2⁻²⁷) 8e6 ulps off, arctanh 1.7e7, arccosh'(1.0001) 756,
    # arcsinh'(1e200) and arccosh'(1e300) 0, tanh'(10) 5e7 (tanh'(25) 0), expm1'(−40) 0,
    # logaddexp 4.7e4; symbolic evaluated sympy's 1 − tanh², 1/√(1 − x²), ... (tanh'(20) 0)
    import mpmath

    import dualad
    import reverse
    import symbolic
    with mpmath.workdps(60):
        want = float(exact(mpmath, *[mpmath.mpf(a) for a in args]))
    h = (lambda x: ufunc(x)) if len(args) == 1 else \
        (lambda x: ufunc(x, args[1])) if i == 0 else (lambda y: ufunc(args[0], y))
    x = args[i]
    got = {"forward": dualad.gradient(h, x), "reverse": reverse.gradient(h, x),
           "compiled": dualad.compile(h, x).gradient(x), "symbolic": symbolic.gradient(h, x),
           "array": dualad.gradient(lambda v: np.sum(h(v)), np.array([x]))[0]}
    for engine, g in got.items():
        assert abs(g - want) <= ulps * np.spacing(abs(want)), (engine, g, want)



@pytest.mark.parametrize("x, k", [(1e-12, 4), (-2e-9, 4), (1e-30, 6), (0.3, 5), (30.0, 4)])
def test_tanh_high_orders_near_zero_keep_their_digits(x, k):
    # Taylor mode differentiates the partial sech²: 4e/(1 + e)² lost every digit of the
    # 4th derivative at 1e-12 (1e-4 off) and gave 8.5e-14 for the 6th at 1e-30 (−2.72e-28)
    import mpmath

    import dualad
    with mpmath.workdps(60):
        want = float(mpmath.diff(mpmath.tanh, mpmath.mpf(x), k))
    assert dualad.derivative(np.tanh, x, order=k) == pytest.approx(want, rel=1e-13, abs=0)


SECOND = [   # (f, x, exact second derivative): overflow and cancellation at second order
    (np.tanh, 400.0, lambda m, x: -2 * m.tanh(x) / m.cosh(x) ** 2),
    (np.tanh, -1e300, lambda m, x: m.mpf(0)),
    (np.tanh, 800.0, lambda m, x: -2 * m.tanh(x) / m.cosh(x) ** 2),
    # 4e/(1 + e)²'s derivative cancelled in 1 − e near 0 (2e-5 off at 1e-12, 0 at 1e-17)
    (np.tanh, 1e-12, lambda m, x: -2 * m.tanh(x) / m.cosh(x) ** 2),
    (np.tanh, -1e-17, lambda m, x: -2 * m.tanh(x) / m.cosh(x) ** 2),
    (np.tanh, 3e-6, lambda m, x: -2 * m.tanh(x) / m.cosh(x) ** 2),
    (lambda x: np.logaddexp(0.0, x), -400.0, lambda m, x: m.exp(x) / (1 + m.exp(x)) ** 2),
    (lambda x: np.logaddexp(0.0, x), -720.0, lambda m, x: m.exp(x) / (1 + m.exp(x)) ** 2),
    (lambda x: np.logaddexp2(x, 0.0), -900.0,
     lambda m, x: m.log(2) * 2 ** x / (1 + 2 ** x) ** 2),
    (np.arcsin, 1e-20, lambda m, x: x / (1 - x * x) ** 1.5),
    (np.arctanh, 1e-12, lambda m, x: 2 * x / (1 - x * x) ** 2),
    (np.arccos, 1 - 2.0 ** -30, lambda m, x: -x / (1 - x * x) ** 1.5),
    # sympy distributes 2·(1 − tanh²) into 2 − 2·tanh² among other terms (symbolic was
    # 2.4e-5 off: the form was only recognised alone)
    (lambda x: np.tanh(x * x), 4.0,
     lambda m, x: (2 - 8 * x * x * m.tanh(x * x)) / m.cosh(x * x) ** 2),
]


@pytest.mark.parametrize("f, x, exact", SECOND, ids=[str(i) for i in range(len(SECOND))])
def test_second_derivatives_neither_overflow_nor_cancel(f, x, exact):
    # 1/cosh² overflowed past |x| = 355 (tanh'' nan), 1/(1 + exp(-d)) past d = -709
    # (softplus'' nan, 0 past -355), and (1 − x)(1 + x) cancelled at second order near 0
    # (arcsin''(1e-20) came out -0.0), each with an overflow warning on the way
    import warnings

    import mpmath

    import dualad
    import reverse
    import symbolic
    with mpmath.workdps(60):
        want = float(exact(mpmath, mpmath.mpf(x)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # no overflow on the way either
        got = [dualad.derivative(f, x, order=2), reverse.hessian(f, x),
               symbolic.derivative(f, x, order=2),
               dualad.derivative(f, x, order=3) * 0.0 + dualad.derivative(f, x, order=2)]
    # (the last: Taylor mode at order 3 is finite too)
    for g in got:
        assert abs(g - want) <= 64 * np.spacing(abs(want)) + 1e-300, (g, want)
