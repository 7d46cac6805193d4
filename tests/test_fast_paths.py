"""The scalar fast paths (dualad.dual_fast, dualad.float_rules) give the general rule's numbers.

Each fast path is checked against `dual._elementwise` / the np.* table rows on
ordinary points and on the awkward ones (0, -0, inf, nan, ints, np.float64),
and the complex two-direction gradient against one real direction per input.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualad
import reverse
from dualad.dual import Dual, _elementwise, _make
from dualad.float_rules import float_version, python_power
from dualad.rules import ELEMENTWISE
from tests.expressions import as_function, as_text, expressions, points

VALUES = [2.0, -1.5, 0.5, 0.0, -0.0, 3, -2, 1e308, math.inf, -math.inf, math.nan,
          np.float64(0.7)]
TANGENTS = [None, 1.0, -2.5, 1.5 - 0.5j, np.array([1.0, -2.0])]


def same(a, b):
    """Equal as numbers, nan equal to nan, arrays elementwise (±0 compare equal)."""
    if a is None or b is None:
        return a is None and b is None or np.all(np.asarray(a if b is None else b) == 0)
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


def general(ufunc, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _elementwise(ufunc, args)


def fast(op, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return op(*args)


def dual(x, t):
    ndir = 2 if isinstance(t, np.ndarray) else 0
    return _make(float(x) if type(x) is int else x, t, 0, ndir)


OPERATORS = [(np.add, lambda a, b: a + b), (np.subtract, lambda a, b: a - b),
             (np.multiply, lambda a, b: a * b), (np.divide, lambda a, b: a / b),
             (np.power, lambda a, b: a ** b)]


@pytest.mark.parametrize("ufunc,op", OPERATORS, ids=[u.__name__ for u, _ in OPERATORS])
def test_operators_match_the_general_rule(ufunc, op):
    for x in VALUES:
        for y in VALUES:
            for tx in TANGENTS:
                # Dual op constant, constant op Dual, Dual op Dual
                cases = [(dual(x, tx), y), (y, dual(x, tx))]
                cases += [(dual(x, tx), dual(y, ty)) for ty in TANGENTS
                          if isinstance(ty, np.ndarray) == isinstance(tx, np.ndarray)]
                for a, b in cases:
                    want, got = general(ufunc, a, b), fast(op, a, b)
                    if ufunc is np.power:   # ** is C's pow (python_power), the ufunc
                        pa, pb = (v.primal if type(v) is Dual else v for v in (a, b))
                        assert same(got.primal, fast(python_power, pa, pb)), (a, b)
                        if not same(got.primal, want.primal):   # (−inf) ** 0.5: inf, nan
                            assert np.isinf(pa) and np.isnan(want.primal), (a, b)
                            continue
                    assert same(got.primal, want.primal), (ufunc, a, b)
                    assert same(got.tangent, want.tangent), (ufunc, a, b, got, want)
                    ufunc_got = fast(ufunc, a, b)      # np.add(a, b) takes the same path
                    assert same(ufunc_got.primal, want.primal)
                    assert same(ufunc_got.tangent, want.tangent)


UNARY_ROWS = [u for u, row in ELEMENTWISE.items() if len(row) == 2]


@pytest.mark.parametrize("ufunc", UNARY_ROWS, ids=[u.__name__ for u in UNARY_ROWS])
def test_unary_ufuncs_match_the_general_rule(ufunc):
    for x in VALUES[:-1] + [1.0, -1.0, 0.3, 700.0, -0.9]:
        for t in TANGENTS:
            a = dual(float(x), t)
            want, got = general(ufunc, a), fast(ufunc, a)
            assert same(got.primal, want.primal), (ufunc, x)
            assert type(got.primal) is float
            if got.tangent is None or want.tangent is None:
                assert same(got.tangent, want.tangent)
            else:   # math and NumPy may differ in the last bits
                np.testing.assert_allclose(got.tangent, want.tangent, rtol=1e-14, atol=0)


REBOUND = [(u, k) for u, row in ELEMENTWISE.items() for k, p in enumerate(row[1:])
           if p is not None]


@pytest.mark.parametrize("ufunc,k", REBOUND, ids=[f"{u.__name__}-{k}" for u, k in REBOUND])
def test_float_versions_of_partials_equal_the_np_rows(ufunc, k):
    partial = ELEMENTWISE[ufunc][k + 1]
    fast_partial = float_version(partial)
    n = len(ELEMENTWISE[ufunc]) - 1
    for point in [(0.3, 1.7), (0.8, -0.6), (2.5, 0.9), (-0.4, 2.2), (1.6, 0.5)]:
        args = point[:n]
        if ufunc is np.arccosh:
            args = (args[0] + 1.5,)       # inside its domain x > 1
        with np.errstate(invalid="ignore"):
            out = float(ufunc(*args))
        if math.isnan(out):
            continue            # outside the domain (arcsin(2.5) ...)
        want = partial(np.float64(out), *map(np.float64, args))
        try:
            got = fast_partial(out, *args)
        except (ArithmeticError, ValueError):
            continue            # the caller falls back to the np rule
        np.testing.assert_allclose(got, want, rtol=1e-14, err_msg=f"{ufunc.__name__} {args}")


def test_the_common_partials_run_on_math():
    import math as m
    for ufunc in (np.sin, np.cos, np.exp, np.log, np.sqrt, np.tanh, np.arctan):
        fast_partial = float_version(ELEMENTWISE[ufunc][1])
        assert fast_partial.__globals__["np"].cos is m.cos, ufunc


def test_a_replaced_row_is_used(monkeypatch):
    a = Dual(2.0, 1.0)
    assert np.sin(a).tangent == pytest.approx(np.cos(2.0), rel=1e-15)
    monkeypatch.setitem(ELEMENTWISE, np.sin, ("sin", lambda out, x: -np.cos(x)))
    assert np.sin(a).tangent == pytest.approx(-np.cos(2.0), rel=1e-15)


def directionwise(f, xs):
    return tuple(dualad.jvp(f, xs, tuple(float(i == j) for j in range(len(xs))))[1]
                 for i in range(len(xs)))


@settings(max_examples=40, deadline=None)
@given(tree=expressions(3), xs=st.tuples(points, points, points), n=st.integers(1, 3))
def test_complex_pairs_equal_one_direction_per_input(tree, xs, n):
    f = as_function(tree, 3)
    args = xs[:n]
    g = (lambda *a: f(*(a + xs[n:]))) if n < 3 else f
    got = dualad.gradient(g, *args)
    got = got if isinstance(got, tuple) else (got,)
    np.testing.assert_allclose(got, directionwise(g, args), rtol=1e-13, atol=1e-13,
                               err_msg=as_text(tree))


def test_complex_pairs_keep_infinities_apart():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # 0·inf in a complex product would turn the other direction into nan
        assert dualad.gradient(lambda a, b: 2.0 * np.sqrt(a + b), 0.0, 0.0) == (math.inf,
                                                                                 math.inf)
        assert dualad.gradient(lambda a, b: 2.0 * np.sqrt(a) + b, 0.0, 1.0) == (math.inf, 1.0)
        g = dualad.gradient(lambda a, b, c: np.sqrt(a) * 3.0 + b * c, 0.0, 2.0, 5.0)
        assert g == (math.inf, 5.0, 2.0)


def test_gradient_of_many_scalars_uses_pairs_and_matches_jacobian():
    def f(*xs):
        s = 0.0
        for i, x in enumerate(xs):
            s = s + np.sin(x) * (i + 1) + x * xs[0]
        return s
    xs = (0.3, -1.2, 2.0, 0.7, 1.1)
    want = [np.cos(x) * (i + 1) + xs[0] for i, x in enumerate(xs)]
    want[0] += sum(xs)
    np.testing.assert_allclose(dualad.gradient(f, *xs), want, rtol=1e-15)
    np.testing.assert_allclose(dualad.gradient(f, *xs, chunk_size=1), want, rtol=1e-15)


def test_element_read_of_a_vector_matches_general_indexing():
    """x[i] of a one-direction Dual vector (Python floats) equals the general path's
    numbers (x[np.int64(i)]: NumPy scalars), for every i, negative ones, no tangent,
    k directions and an out-of-range index."""
    p, t = np.array([0.5, -1.5, 2.0, -0.0]), np.array([1.0, 0.0, -2.5, 3.0])
    for tangent in (t, None):
        x = _make(p, tangent, 7, 0)
        for i in range(-4, 4):
            fast_read, general_read = x[i], x[np.int64(i)]
            assert type(fast_read.primal) is float and fast_read.tag == 7
            assert fast_read.primal == p[i] and fast_read.ndir == 0
            assert same(fast_read.tangent, general_read.tangent)
            assert same(fast_read.tangent, None if tangent is None else tangent[i])
        with pytest.raises(IndexError):
            x[4]
    k = _make(p, np.stack([t, 2 * t]), 7, 2)        # k directions: the general path
    assert k[1].ndir == 2 and same(k[1].tangent, [0.0, 0.0]) and same(k[2].tangent, [-2.5, -5])
    assert dualad.jvp(lambda v: v[0] * v[-1] + np.sin(v[2]), (p,), (t,))[1] == \
        -0.0 * 1.0 + 0.5 * 3.0 + math.cos(2.0) * -2.5
    single = Dual(p.astype(np.float32), t.astype(np.float32))    # float32 stays float32
    assert type(single[1].primal) is np.float32 and type(single[1].tangent) is np.float32


def test_piecewise_constant_rows_have_zero_tangent_on_the_fast_path():
    """A row whose partial is None (sign, floor, ...) takes no math version: its
    tangent is zero however often it is called, and float_version refuses None."""
    a = Dual(2.5, 1.0)
    for ufunc in (np.sign, np.floor, np.ceil, np.rint, np.trunc):
        for _ in range(2):
            d = ufunc(a)
            assert d.primal == float(ufunc(2.5)) and d.tangent is None, ufunc
    with pytest.raises(TypeError, match="partial function"):
        float_version(None)


def test_power_primals_are_what_f_computes_bit_for_bit():
    # Python's float ** and np.power differ in the last bit at ~5 % of points on some
    # machines (an Intel one with AVX-512; none of these 400 on an AMD one with AVX2):
    # forward mode took Python's for np.power(d, y) too, reverse NumPy's for t ** y;
    # each is now the one f itself uses on floats
    rng = np.random.default_rng(5)
    pairs = list(zip(rng.uniform(0.1, 10.0, 400).tolist(), rng.uniform(-3, 3, 400).tolist()))
    for x, y in pairs:
        for f in (lambda a: a ** y, lambda a: np.power(a, y), lambda a: (y * y + 0.1) ** a,
                  lambda a: np.power(y * y, a)):
            want = f(x)
            assert dualad.jvp(f, (x,), (1.0,))[0] == want
            assert reverse.vjp(f, x)[0] == want


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_strong_zero_redo_reaches_the_scalar_fast_paths():
    # the redo of a non-finite pass had no effect on float primals (x[i] of a Dual
    # array, scalar arguments): sqrt'(0) = inf met the other directions' 0 as nan
    x = np.array([0.0, 1.0])
    f = lambda x: np.sqrt(x[0]) + np.sqrt(x[1])     # noqa: E731
    np.testing.assert_array_equal(dualad.gradient(f, x), [np.inf, 0.5])
    np.testing.assert_array_equal(dualad.gradient(f, x), reverse.gradient(f, x))
    g = lambda *a: np.sqrt(a[0]) + sum(a[1:])       # noqa: E731
    args = [0.0] + [1.0] * 8    # more than SCALAR_PASSES: one pass of 9 directions
    assert dualad.gradient(g, *args) == (np.inf,) + (1.0,) * 8 == reverse.gradient(g, *args)
    assert dualad.jvp(lambda x: np.sqrt(x[0]) + x[1], (x,), (np.array([0.0, 1.0]),))[1] == 1.0
    # each fast path that multiplies by a partial: *, reflected /, a unary ufunc, power
    # (** and np.power), against reverse mode's single sweep; x[1] enters as + x[1]
    for h, x in [(lambda x: x[0] * np.inf + x[1], [0.0, 1.0]),
                 (lambda x: 1e308 / x[0] + x[1], [1e-10, 1.0]),
                 (lambda x: np.log(x[0]) + x[1], [0.0, 1.0]),
                 (lambda x: np.exp(x[0] * 1000.0) + x[1], [1.0, 1.0]),
                 (lambda x: x[0] ** 0.5 + x[1], [0.0, 1.0]),
                 (lambda x: np.power(x[0], 0.5) + x[1], [0.0, 1.0])]:
        x = np.array(x)
        want = reverse.gradient(h, x)
        assert want[1] == 1.0 and np.isinf(want[0])
        for chunk in (None, 1, 2):
            np.testing.assert_array_equal(dualad.gradient(h, x, chunk_size=chunk), want)
        assert dualad.gradient(lambda a, b: h([a, b]), *x) == tuple(want)


def test_paired_complex_tangent_survives_a_float_dtype():
    # the paired pass carries ∂/∂y as the imaginary part of the tangent: dtype=np.float64
    # applied to it dropped ∂/∂y (gradient of np.sum(np.stack([x, y]), dtype=) was (1, 0))
    S = lambda x, y: np.stack([x, y])   # noqa: E731
    for f, want in [(lambda x, y: np.sum(S(x, y), dtype=np.float64), (1.0, 1.0)),
                    (lambda x, y: np.sum(S(x, y) * S(y, x), dtype=np.float64), (4.0, 3.0)),
                    (lambda x, y: np.cumsum(S(x, y) ** 2, dtype=np.float64)[-1], (3.0, 4.0)),
                    (lambda x, y: np.add.reduce(S(x, y) * y, dtype=np.float64), (2.0, 5.5)),
                    (lambda x, y: np.trace(np.outer(S(x, y), S(y, x)), dtype=np.float64),
                     (4.0, 3.0))]:
        with warnings.catch_warnings():
            warnings.simplefilter("error")      # NumPy's ComplexWarning as it dropped it
            assert dualad.gradient(f, 1.5, 2.0) == want == reverse.gradient(f, 1.5, 2.0)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_scalar_gradient_of_three_args_keeps_numpy_semantics():
    # the paired pass left the arguments outside the pair as Python floats: 1/c at
    # c = 0 raised ZeroDivisionError, c ** 1000 OverflowError (2 args gave the numbers)
    f3 = lambda a, b, c: a + b + 1.0 / c    # noqa: E731
    assert dualad.gradient(f3, 1.0, 1.0, 0.0) == (1.0, 1.0, -np.inf)
    assert dualad.gradient(f3, 1.0, 1.0, 0.0, chunk_size=3) == (1.0, 1.0, -np.inf)
    f4 = lambda a, b, c: a * b + c ** 1000.0  # noqa: E731
    assert dualad.gradient(f4, 1.0, 1.0, 10.0) == (1.0, 1.0, np.inf)
    f5 = lambda a, b, c, d: a * b + c / d       # noqa: E731
    assert dualad.gradient(f5, 2.0, 0.0, 1.0, 0.0) == (0.0, 2.0, np.inf, -np.inf)


def test_float32_constant_does_not_downcast_a_float64_value():
    # x[i] and float arguments are carried as Python floats, which NumPy 2 takes as weak:
    # beside an np.float32 constant primal and gradient dropped to float32 (2e-10 off),
    # where NumPy on the np.float64 value stays float64 (as jax with x64)
    x = np.array([1.2345678901234])
    f = lambda x: np.sin(x[0] * np.float32(2.0))    # noqa: E731
    out, t = dualad.jvp(f, (x,), (np.ones(1),))
    assert out == f(x) and type(f(x)) is np.float64
    assert t == np.cos(2 * x[0]) * 2.0
    g = dualad.gradient(f, x)
    assert g.dtype == np.float64 and g[0] == 2.0 * np.cos(2.0 * x[0])
    a = 1.2345678901234
    h = lambda a, b: np.sin(a * np.float32(2.0)) * b + b / np.float32(3.0)    # noqa: E731
    assert dualad.gradient(h, a, 2.0) == (2.0 * np.cos(2.0 * a) * 2.0, np.sin(2.0 * a) + 1 / 3)
    assert dualad.derivative(lambda a: h(a, 2.0), a) == 2.0 * np.cos(2.0 * a) * 2.0
    # a partial of the constant alone (1/y) in out's float64, as NumPy computed out
    assert dualad.gradient(lambda x: np.sum(x / np.float32(3.0)), np.ones(2)).tolist() == \
        [1 / 3, 1 / 3]


def test_finite_check_of_a_tangent_array_is_exact():
    """forward._finite: entries of 1e200 and sums past 1.8e308 are finite with no
    warning (BLAS checks t·t and t·1, tried for speed, warned of overflow, and of
    inf − inf, and raised under errstate(over='raise')); one inf or nan, or inf and −inf
    together, are not finite, also without a warning."""
    from dualad.forward import _finite
    big = np.array([1e200, -1e200, 1.0])
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        assert _finite(big) and _finite(big.reshape(3, 1)[::2]) and _finite(np.zeros((0, 3)))
        assert _finite(np.array([1e308, 1e308])) and _finite(np.full(70000, 1e300))
    for bad in (np.inf, -np.inf, np.nan):
        assert not _finite(np.array([[1.0, 2.0], [bad, 3.0]]))
        assert not _finite(np.full(70000, bad))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not _finite(np.array([np.inf, -np.inf]))
        assert _finite(np.full(1000, 1e306))
        with np.errstate(divide="ignore"):
            np.testing.assert_array_equal(
                dualad.derivative(lambda x: np.sqrt(x) * np.array([1.0, -1.0]), 0.0),
                [np.inf, -np.inf])
    # the Jacobian of R -> R^m with tangent entries of 1e200, and a non-finite one
    ks = np.array([1e200, 2e200, 3.0])
    np.testing.assert_array_equal(dualad.jacobian(lambda t: ks * t, 0.5), ks)
    with np.errstate(all="ignore"):
        j = dualad.jacobian(lambda t: np.sqrt(t - np.array([0.0, 1.0])), 0.0)
    assert j[0] == np.inf and np.isnan(j[1])
