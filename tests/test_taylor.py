"""Taylor mode (dualad.taylor) against sympy, nested Duals and exact series."""

import math

import numpy as np
import pytest
import sympy

import dualad
from dualad import taylor
from dualad.high_order import derivatives
from dualad.rules import ELEMENTWISE, arity
from dualad.taylor import taylor_coefficients
from symbolic import resolve
from symbolic.functions import zero_kinks
from tests.test_rules import lam, samples

X = sympy.Symbol("x", real=True)

# name: (numpy function, sympy expression in X, points inside the domain)
NAMED = {
    "exp_sin": (lambda x: np.exp(np.sin(x)), sympy.exp(sympy.sin(X)), (-1.1, 0.0, 0.7, 2.3)),
    "log_tanh": (lambda x: np.log(1 + x ** 2) * np.tanh(x),
                 sympy.log(1 + X ** 2) * sympy.tanh(X), (-0.8, 0.4, 1.9)),
    "x_pow_x": (lambda x: x ** x, X ** X, (0.3, 1.0, 2.2)),
    "sqrt": (np.sqrt, sympy.sqrt(X), (0.25, 1.0, 3.7)),
    "reciprocal_1px": (lambda x: 1 / (1 + x), 1 / (1 + X), (-0.5, 0.0, 2.0)),
    "pow_2.5": (lambda x: x ** 2.5 - 3 * x ** 2, X ** sympy.Rational(5, 2) - 3 * X ** 2,
                (0.6, 1.4)),
    "two_pow": (lambda x: 2.0 ** np.cos(x), 2 ** sympy.cos(X), (-0.3, 1.2)),
    "arcsin_hypot": (lambda x: np.arcsin(x / 2) + np.hypot(x, 3.0),
                     sympy.asin(X / 2) + sympy.sqrt(X ** 2 + 9), (-0.9, 0.5)),
    "sinh_cosh_mix": (lambda x: np.sinh(x) * np.cosh(2 * x) / (2 + np.cos(x)),
                      sympy.sinh(X) * sympy.cosh(2 * X) / (2 + sympy.cos(X)), (0.3, -1.2)),
    "rational": (lambda x: (x ** 3 - x) / (x ** 2 + 1) - 4 / x,
                 (X ** 3 - X) / (X ** 2 + 1) - 4 / X, (0.7, -2.5)),
    "arctan2_logaddexp": (lambda x: np.arctan2(x, 1.5 - x) + np.logaddexp(x, -x),
                          sympy.atan2(X, sympy.Rational(3, 2) - X)
                          + sympy.log(sympy.exp(X) + sympy.exp(-X)), (0.2, -0.6)),
}


def sympy_derivatives(expr, x0, order):
    return [float(sympy.diff(expr, X, j).subs(X, sympy.Float(x0, 40)).evalf(30))
            for j in range(order + 1)]


def assert_close(got, want, rel=1e-12):
    for j, (g, w) in enumerate(zip(got, want)):
        assert abs(g - w) <= rel * max(abs(w), 1.0), (j, g, w)


@pytest.mark.parametrize("name", sorted(NAMED))
def test_orders_0_to_8_match_sympy(name):
    f, expr, points = NAMED[name]
    for x0 in points:
        assert_close(derivatives(f, x0, 8), sympy_derivatives(expr, x0, 8))


def test_coefficients_are_derivatives_over_factorials():
    c = taylor_coefficients(lambda x: 1 / (1 - x), 0.5, 6)
    assert c == [2.0 ** (j + 1) for j in range(7)]      # 1/(1-x) = Σ (t/(1-x))^j/(1-x)
    d = derivatives(lambda x: 1 / (1 - x), 0.5, 6)
    assert d == [math.factorial(j) * 2.0 ** (j + 1) for j in range(7)]


def test_integer_powers_at_zero_are_exact_polynomials():
    # the chain 3x² → 6x → 6 → 0 ends at x**0 = 1 (no 0·inf = nan at x = 0)
    assert derivatives(lambda x: x ** 3 - 2 * x ** 2, 0.0, 6) == [0, 0, -4, 6, 0, 0, 0]


@pytest.mark.parametrize("x", [1e-3, 0.01, -0.1])
def test_integer_powers_near_zero_stay_polynomials_at_high_order(x):
    # x**e / x for the partial e·x**(e−1) lost everything to cancellation where |x| is
    # small: d⁸/dx⁸ x³ at 1e-3 was -8640, d¹² of exp(x)·x³ at 0.01 -4.5e10 (1337.27)
    for k in (4, 6, 8, 12):
        assert dualad.derivative(lambda t: t ** 3, x, order=k) == 0.0
        assert dualad.derivative(lambda t: np.power(t, 4.0), x, order=k) == \
            (24.0 if k == 4 else 0.0)
    # d^k/dx^k x⁷ = 7!/(7−k)!·x^(7−k)
    for k in range(8):
        assert dualad.derivative(lambda t: t ** 7, x, order=k) == pytest.approx(
            math.factorial(7) / math.factorial(7 - k) * x ** (7 - k), rel=1e-13)
    # Leibniz: (eˣ·x³)⁽¹²⁾ = eˣ·Σ C(12, j)·(x³)⁽ʲ⁾
    want = math.exp(x) * (x ** 3 + 12 * 3 * x ** 2 + 66 * 6 * x + 220 * 6)
    assert dualad.derivative(lambda t: np.exp(t) * t ** 3, x, order=12) == \
        pytest.approx(want, rel=1e-12)


def test_high_order_stays_exact_and_polynomial_in_k():
    # d^k/dx^k exp(x) = exp(x); (1+x)^-1 has coefficients (-1)^j (1+x)^-(j+1)
    got = derivatives(np.exp, 0.3, 30)
    assert all(g == pytest.approx(math.exp(0.3), rel=1e-13) for g in got)
    c = taylor_coefficients(lambda x: 1.0 / (1.0 + x), 1.0, 40)
    assert c == pytest.approx([(-0.5) ** j * 0.5 for j in range(41)], rel=1e-13)


ROWS = sorted(((u, r) for u, r in ELEMENTWISE.items()), key=lambda kv: kv[0].__name__)
DIRECTION = (1.0, -0.6)     # binary rows are followed along (p0 + t, p1 - 0.6 t)


@pytest.mark.parametrize("ufunc,row", ROWS, ids=[u.__name__ for u, _ in ROWS])
def test_every_table_row_to_order_5_matches_sympy(ufunc, row):
    n = arity(ufunc)
    xs = sympy.symbols(f"a0:{n}", real=True)
    t = sympy.Symbol("t", real=True)
    path = resolve(row[0])(*xs).subs({xs[i]: xs[i] + DIRECTION[i] * t for i in range(n)})
    ds = [lam((t,) + xs, zero_kinks(sympy.diff(path, t, j))) for j in range(6)]
    for p in samples(ufunc):
        got = derivatives(lambda s, p=p: ufunc(*[p[i] + DIRECTION[i] * s for i in range(n)]),
                          0.0, 5)
        want = [float(np.broadcast_to(d(0.0, *p), ())) for d in ds]
        assert_close(got, want, rel=1e-10)


# functions of x that return arrays or go through structural ops
ARRAY_FUNCTIONS = {
    "scaled": lambda x: np.array([1.0, -2.0, 3.0]) * np.sin(x) + x ** 2,
    "stack": lambda x: np.stack([np.exp(x), x * np.cos(x), 1.0 / x]),
    "concat_sum": lambda x: np.sum(np.concatenate([np.sin(x * np.arange(1.0, 4.0)),
                                                   np.array([2.0])]) ** 2),
    "index_reshape": lambda x: np.reshape(np.exp(x * np.arange(6.0)), (2, 3))[1, ::-1],
    "matmul": lambda x: (np.array([[1.0, 2.0], [0.5, -1.0]]) @ np.stack([np.sin(x), x])) @
                        np.stack([np.cos(x), x * x]),
    "where_clip_mean": lambda x: np.mean(np.clip(np.where(x * np.arange(3.0) > 1.0,
                                                          np.sqrt(x * np.arange(3.0)),
                                                          np.tanh(x)), 0.1, 0.9)),
    "branch": lambda x: np.sin(x) if x > 0 else np.cos(x) * 3.0,
    "constant": lambda x: np.ones(2),
    "outer_var": lambda x: np.var(np.outer(np.stack([x, x * x]), np.array([1.0, 2.0]))),
}


def _nested(f, k):
    """The k-th derivative as k nested first-order derivatives (tagged Duals): the
    reference for Taylor mode, which dualad.derivative itself uses from order 3 on."""
    for _ in range(k):
        f = (lambda g: lambda x: dualad.derivative(g, x))(f)
    return f


@pytest.mark.parametrize("name", sorted(ARRAY_FUNCTIONS))
@pytest.mark.parametrize("x0", [0.8, -0.4])
def test_agrees_with_nested_duals_orders_0_to_6(name, x0):
    # (probe44: the reference was dualad.derivative(f, x0, order=k), Taylor mode itself
    # from order 3: a matmul coefficient 1e-9 off at orders 3-5 passed)
    f = ARRAY_FUNCTIONS[name]
    with np.errstate(divide="ignore", invalid="ignore"):   # sqrt'(0) in the branch not taken
        got = derivatives(f, x0, 6)
        wants = [_nested(f, k)(x0) for k in range(7)]
    for k, want in enumerate(wants):
        assert np.shape(got[k]) == np.shape(want)
        np.testing.assert_allclose(got[k], want, rtol=1e-11, atol=1e-11)


def test_array_valued_function_matches_sympy_per_component():
    f = ARRAY_FUNCTIONS["stack"]
    exprs = [sympy.exp(X), X * sympy.cos(X), 1 / X]
    got = derivatives(f, 1.3, 8)
    assert all(np.shape(g) == (3,) for g in got)
    for i, e in enumerate(exprs):
        assert_close([g[i] for g in got], sympy_derivatives(e, 1.3, 8))


def test_tuple_output_and_int_input():
    d = derivatives(lambda x: (x ** 3, np.sin(x)), 2, 3)
    assert type(d[3]) is tuple
    assert d[3] == pytest.approx((6.0, -np.cos(2.0)), rel=1e-15)
    assert d[1] == pytest.approx((12.0, np.cos(2.0)), rel=1e-15)


def test_where_does_not_leak_the_branch_not_taken():
    with np.errstate(invalid="ignore"):       # sqrt(-1) is computed, then not chosen
        d = derivatives(lambda x: np.where(x > 0, np.sqrt(x), 0.0), -1.0, 4)
    assert d == [0.0] * 5


def test_nested_calls_are_safe_from_perturbation_confusion():
    def D(f, x):
        return derivatives(f, x, 1)[1]
    assert D(lambda x: x * D(lambda y: x + y, 1.0), 1.0) == 1.0
    assert D(lambda x: x * D(lambda y: x * y, 3.0), 5.0) == 10.0
    assert D(lambda x: x + D(lambda y: x, 1.0), 1.0) == 1.0
    # third derivative of x ↦ x·(d/dy exp(x·y) at y = 1) = x²·exp(x)
    got = derivatives(lambda x: x * derivatives(lambda y: np.exp(x * y), 1.0, 1)[1], 0.5, 3)
    assert_close(got, sympy_derivatives(X ** 2 * sympy.exp(X), 0.5, 3))


def test_mixes_with_duals_from_an_outer_gradient():
    # ∂/∂a of the 3rd derivative in x of sin(a·x) = ∂/∂a(-a³cos(a·x))
    g = dualad.gradient(lambda a: derivatives(lambda x: np.sin(a * x), 0.5, 3)[3], 1.2)
    a, x = 1.2, 0.5
    assert g == pytest.approx(-3 * a * a * np.cos(a * x) + a ** 3 * x * np.sin(a * x), rel=1e-13)


def test_long_straight_line_program_needs_no_recursion():
    def f(x):
        y = x
        for _ in range(5000):
            y = np.sin(y) * 0.5 + x
        return y
    got = derivatives(f, 0.3, 3)
    want = [dualad.derivative(f, 0.3, order=k) for k in range(3)]
    np.testing.assert_allclose(got[:3], want, rtol=1e-12)


@pytest.mark.parametrize("f", [lambda x: np.exp(np.sin(x)), lambda x: 1.0 / (1.0 + x),
                               np.sqrt, np.arcsin, lambda x: np.log(x) * np.tan(x),
                               lambda x: np.sinh(x) + np.cos(x),
                               lambda x: x ** 1.5 + (x + 1.0) ** -0.5])
def test_node_count_does_not_grow_with_the_order(f, monkeypatch):
    counts = []
    make = taylor._node

    def counting(*a):
        counts[-1] += 1
        return make(*a)
    monkeypatch.setattr(taylor, "_node", counting)
    for k in (5, 30, 60):     # the partials' chains close by order 4 (arcsin's two sqrt)
        counts.append(0)
        taylor_coefficients(f, 0.4, k)
    assert counts[0] == counts[1] == counts[2]


def test_errors_name_the_problem():
    with pytest.raises(TypeError, match="nextafter"):
        derivatives(lambda x: np.nextafter(x * np.ones(2), 1.0), 0.3, 2)
    with pytest.raises(TypeError, match="i0"):
        derivatives(lambda x: np.i0(x * np.ones(2)), 0.3, 2)
    with pytest.raises(TypeError, match="maximum.reduceat"):
        derivatives(lambda x: np.maximum.reduceat(np.stack([x, x]), [0]), 0.3, 2)
    # np.multiply.accumulate, a TypeError here before, is np.cumprod: x·x″ = 2
    assert derivatives(lambda x: np.multiply.accumulate(np.stack([x, x]))[1], 0.3, 2)[2] \
        == 2.0
    with pytest.raises(TypeError, match="np.sin"):
        derivatives(math.sin, 0.3, 2)
    with pytest.raises(TypeError, match="primal"):
        derivatives(float, 0.3, 1)
    with pytest.raises(TypeError, match="str"):
        derivatives(np.sin, "0.3", 1)
    with pytest.raises(TypeError, match="str"):
        derivatives(lambda x: "no", 0.3, 1)
    with pytest.raises(TypeError):
        derivatives(lambda x: x + "a", 0.3, 1)
    with pytest.raises(ValueError, match="scalar"):
        derivatives(np.sin, np.ones(2), 1)
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="order"):
            derivatives(np.sin, 0.3, bad)


def test_prod_runs_in_taylor_mode_at_every_order():
    # np.prod fell back to nested Duals, ~3ᵏ: order 15 took 10 s
    x = sympy.Symbol("x")
    cases = [
        (lambda t: np.prod(np.array([1., 2., 3.]) * t + np.sin(t)), 0.7,
         sympy.prod([c * x + sympy.sin(x) for c in (1, 2, 3)])),
        (lambda t: np.sum(np.prod(np.arange(1., 7.).reshape(2, 3) * t + t * t, axis=1,
                                  keepdims=True)), 0.3,
         sum(sympy.prod([c * x + x * x for c in row]) for row in ((1, 2, 3), (4, 5, 6)))),
        (lambda t: np.prod(np.arange(1., 7.).reshape(2, 3) * t, axis=(0, 1)), 0.3,
         sympy.prod([c * x for c in range(1, 7)])),
    ]
    for f, x0, expr in cases:
        got = derivatives(f, x0, 6)
        for k in range(7):
            want = float(sympy.diff(expr, x, k).subs(x, x0))
            assert got[k] == pytest.approx(want, rel=1e-12, abs=1e-9), k
    # a quadratic's 15th derivative: 0, at once
    assert dualad.derivative(lambda t: np.prod(np.array([1., 2.]) + t), 0.4, order=15) == 0.0


def test_max_and_min_run_in_taylor_mode_at_every_order():
    # np.max/np.min fell back to nested Duals, ~3ᵏ: order 11 took 0.4 s, 15 minutes
    x = sympy.Symbol("x")
    cases = [
        (lambda t: np.max(np.stack([np.sin(t), t * t])), 0.7, sympy.sin(x)),
        (lambda t: np.max(np.stack([np.sin(t), t * t])), 1.3, x * x),
        (lambda t: np.sum(np.min(np.stack([np.exp(t) * np.ones(3), np.cos(t) * np.arange(
            1., 4.), t ** 3 * np.ones(3)]), axis=0)), 0.9,     # columns: cos, x³, x³
         sympy.cos(x) + 2 * x ** 3),
        # a tie (x², x²; sin x below) shares 1/k at every order, as the nested Duals' rule
        (lambda t: np.amax(np.stack([t * t, t * t, np.sin(t)])) * t, 1.3, x ** 3),
        # the entries not attained never meet a weight 0 (0·inf would be nan)
        (lambda t: np.max(np.stack([np.sin(t), t * 0.0 - np.inf])), 0.4, sympy.sin(x)),
    ]
    for f, x0, expr in cases:
        got = derivatives(f, x0, 8)
        for k in range(9):
            want = float(sympy.diff(expr, x, k).subs(x, x0))
            assert got[k] == pytest.approx(want, rel=1e-12, abs=1e-12), k
    assert dualad.derivative(cases[0][0], 0.7, order=30) == pytest.approx(-np.sin(0.7),
                                                                             rel=1e-12)


def test_comparisons_and_primal_only_ufuncs_see_the_constant_coefficient():
    def f(x):
        assert np.isfinite(x) and not np.signbit(x) and x >= 0.5 and x == 0.5
        return x * 2 if np.greater(x, 0.0) else -x
    assert derivatives(f, 0.5, 2) == [1.0, 2.0, 0.0]


def test_a_newer_dual_inside_never_gives_a_silently_wrong_number():
    # gradient (Duals) inside a Taylor-mode function: Dual must wrap the Taylor value;
    # until Dual accepts it as a constant this is a TypeError, never a wrong number
    try:
        got = derivatives(lambda x: dualad.gradient(lambda y: x * y ** 2, 2.0), 1.0, 2)
    except TypeError:
        return
    assert got == [4.0, 4.0, 0.0]


def test_a_reverse_tensor_holding_the_taylor_input_is_refused_not_a_zero():
    # a reverse.Tensor y took x * y over, its value a Taylor of this call: the output
    # read as a constant gave d³/dx³ sin(x·y) = 0.0 (for −cos 0.5), and reverse.gradient
    # over derivative(order=3) 0.0 for −2.39; orders 1-2 refused it already
    import reverse
    y = reverse.constant(1.0)
    with pytest.raises(TypeError, match="depends on the Taylor input"):
        derivatives(lambda x: np.sin(x * y), 0.5, 3)
    for k in (1, 3, 6):
        with pytest.raises(TypeError, match="reverse over forward is not supported"):
            reverse.gradient(lambda y: dualad.derivative(lambda x: np.sin(x * y), 0.5,
                                                         order=k), 1.0)
    # forward over Taylor mode is the supported way: d/dy d³/dx³ sin(x·y) at (0.5, 1)
    want = 3 * -np.cos(0.5) + 0.5 * np.sin(0.5)     # d/dy [−y³ cos(x·y)]
    assert dualad.derivative(lambda y: dualad.derivative(lambda x: np.sin(x * y), 0.5,
                                                         order=3), 1.0) == \
        pytest.approx(want, rel=1e-13)


def test_no_reference_cycles_are_left_behind():
    import gc
    gc.collect()
    gc.disable()
    try:
        derivatives(lambda x: np.stack([np.sin(x), x ** 1.5 / np.cos(x)])[1], 0.3, 5)
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_kink_conventions_hold_at_every_order():
    with np.errstate(divide="ignore", invalid="ignore"):
        assert derivatives(np.sqrt, 0.0, 1)[1] == math.inf
        assert derivatives(np.log, 0.0, 1)[1] == math.inf
        assert derivatives(np.abs, 0.0, 3) == [0.0, 0.0, 0.0, 0.0]
    assert derivatives(lambda x: np.maximum(x, 1.0), 1.0, 3) == [1.0, 0.5, 0.0, 0.0]
    assert derivatives(lambda x: np.floor(x) + np.round(x) * x, 1.2, 2) == [2.2, 1.0, 0.0]
    assert derivatives(lambda x: x ** 3.0 + x ** 2, 0.0, 4) == [0.0, 0.0, 2.0, 6.0, 0.0]


@pytest.mark.parametrize("a,k", [(0.5, 154), (0.5, 158), (0.1, 140), (0.001, 80), (1.0, 171),
                                 (1.0, 300), (0.5, 400)])
def test_high_orders_stay_in_float_range(a, k):
    # cₖ = f⁽ᵏ⁾/k! underflows long before f⁽ᵏ⁾ does (exp(x/2) at order 158 was 0.0,
    # order 171 an OverflowError from float(171!)); the scaled coefficients do not
    d = dualad.derivative(lambda x: np.exp(a * x), 0.0, order=k)
    assert d == pytest.approx(a ** k, rel=1e-14)


def test_high_orders_of_a_pole_are_factorials_until_they_overflow():
    for k in (20, 100, 170):
        assert dualad.derivative(lambda x: 1 / (1 - x), 0.0, order=k) == \
            pytest.approx(math.factorial(k), rel=1e-14)
    assert dualad.derivative(lambda x: 1 / (1 - x), 0.0, order=171) == np.inf


@pytest.mark.skipif(np.finfo(np.longdouble).maxexp <= 1024, reason="no wider np.longdouble")
def test_orders_in_the_thousands_are_limited_by_the_derivative_not_the_coefficients():
    # j!/hʲ with h = 2^floor(log2(k/e)) left float range (order 1300 and 2000 of sin at
    # 0.5: OverflowError from float(Fraction)), and the coefficients themselves did
    # from k ≈ 1950 on (order 3000: inf); exact: ±sin / ±cos at 0.5
    sin_k = lambda k: [math.sin(0.5), math.cos(0.5), -math.sin(0.5), -math.cos(0.5)][k % 4]  # noqa: E731
    for k in (1300, 2000, 3000):
        assert dualad.derivative(np.sin, 0.5, order=k) == pytest.approx(sin_k(k), rel=1e-14)
    assert dualad.derivative(np.exp, 0.5, order=2000) == pytest.approx(math.exp(0.5), rel=1e-14)
    assert dualad.derivative(lambda x: x * np.exp(x), 0.5, order=1600) == \
        pytest.approx(1600.5 * math.exp(0.5), rel=1e-13)
    # exp(1.3x): 1.3ᵏ·e^0.26 up to float64's limit, then inf (as IEEE rounds it)
    assert dualad.derivative(lambda x: np.exp(1.3 * x), 0.2, order=2600) == \
        pytest.approx(math.exp(2600 * math.log(1.3) + 0.26), rel=1e-12)
    assert dualad.derivative(lambda x: np.exp(1.3 * x), 0.2, order=2800) == np.inf
    assert dualad.derivative(lambda x: 1 / (1 - x), -3.0, order=1500) == np.inf
    got = derivatives(lambda x: (np.sin(x), x ** 2 * np.ones(2)), 0.5, 1600)[1600]
    assert got[0] == pytest.approx(math.sin(0.5), rel=1e-14) and list(got[1]) == [0.0, 0.0]


def test_an_order_too_high_to_finish_is_refused_at_once():
    # order 10⁶ ran for hours (O(k²) per operation) without a word
    for k in (10 ** 6, 10 ** 4 + 1):
        with pytest.raises(ValueError, match="MAX_ORDER"):
            dualad.derivative(np.sin, 0.5, order=k)


def test_a_float32_constant_is_taken_as_float64():
    # beside Python-float coefficients NumPy 2 kept np.float32(1.7) float32: the third
    # derivative of c/x at 0.5 was −163.20001602 for −6c/x⁴ = −163.20000458
    c = np.float32(1.7)
    want = -6.0 * np.float64(c) / 0.5 ** 4
    assert dualad.derivative(lambda x: c / x, 0.5, order=3) == pytest.approx(want, rel=1e-15)
    arr = np.array([1.7, 2.5], dtype=np.float32)
    got = dualad.derivative(lambda x: arr / x, 0.5, order=3)
    np.testing.assert_allclose(got, -6.0 * arr.astype(np.float64) / 0.5 ** 4, rtol=1e-15)


def test_a_constant_zero_divisor_gives_numpy_infinities_at_every_order():
    # Taylor mode called a partial on the Python float 0.0: 1.0 / y raised
    # ZeroDivisionError from order 3 on, where orders 1-2 gave NumPy's ±inf.
    # dᵏ/dxᵏ sin(x)/0 = sign(sin⁽ᵏ⁾(2))·inf; order 0 is f(x) itself (API.md).
    signs = [np.sign(np.sin(2.0 + k * np.pi / 2)) for k in range(1, 7)]
    with np.errstate(divide="ignore", invalid="ignore"):
        got = [dualad.derivative(lambda x: np.sin(x) / 0.0, 2.0, k) for k in range(1, 7)]
        assert [dualad.derivative(lambda x: x / 0.0, 2.0, k) for k in range(1, 5)] == \
            [np.inf, 0.0, 0.0, 0.0]
    with pytest.raises(ZeroDivisionError):
        dualad.derivative(lambda x: x / 0.0, 2.0, 0)
    assert got == [s * np.inf for s in signs]


def test_an_int_zero_divisor_too():
    # _f64 widened only Python floats: x / 0 raised ZeroDivisionError from order 3 on
    with np.errstate(divide="ignore", invalid="ignore"):
        assert [dualad.derivative(lambda x: x / 0, 2.0, k) for k in range(1, 5)] == \
            [np.inf, 0.0, 0.0, 0.0]
    assert [dualad.derivative(lambda x: x ** 3, -1.5, k) for k in range(1, 6)] == \
        [6.75, -9.0, 6.0, 0.0, 0.0]
