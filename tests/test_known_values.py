"""Hard-coded expected numbers, computed by hand or by the lecture.

This file deliberately uses no shared test helper, so a broken helper cannot
make everything pass.
"""

import math

import numpy as np
import pytest

import dualad


def f(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


def test_seed_function_gradient_exact():
    g = dualad.gradient(f, 2.0, 5.0)
    assert isinstance(g, tuple) and len(g) == 2
    assert g[0] == pytest.approx(5.5, rel=1e-15, abs=0)
    assert g[1] == pytest.approx(1.7163378145367738, rel=1e-15, abs=0)
    assert all(type(v) is float for v in g)


def test_seed_function_value_and_jvp():
    out, t = dualad.jvp(f, (2.0, 5.0), (1.0, 0.0))
    assert out == pytest.approx(11.652071455223084, rel=1e-15)
    assert t == pytest.approx(5.5, rel=1e-15)
    out, t = dualad.jvp(f, (2.0, 5.0), (0.0, 1.0))
    assert t == pytest.approx(2.0 - math.cos(5.0), rel=1e-15)


def test_seed_function_hessian():
    h = dualad.hessian(f, 2.0, 5.0)
    assert np.array(h) == pytest.approx(np.array([[-0.25, 1.0], [1.0, math.sin(5.0)]]),
                                        rel=1e-15)


def test_directional_derivative_by_hand():
    g = lambda x: np.sum(x * x)     # ∇g = 2x
    x = np.array([1.0, -2.0, 3.0])
    v = np.array([0.5, 0.25, 1.0])
    assert dualad.directional_derivative(g, x, v) == pytest.approx(2 * (0.5 - 0.5 + 3.0))


def test_perturbation_confusion_classics():
    d = dualad.derivative
    assert d(lambda x: x * d(lambda y: x + y, 1.0), 1.0) == 1.0
    assert d(lambda x: x * d(lambda y: x * y, 3.0), 5.0) == 10.0
    assert d(lambda x: x + d(lambda y: x, 1.0), 1.0) == 1.0


def test_derivatives_of_exp_sin_by_hand():
    # f = e^{sin x}: f' = cos·f, f'' = (cos² − sin)·f at x = 0: f = 1, f' = 1, f'' = 1
    # f''' = (cos³ − 3 sin cos − cos)·f = 0 at 0; f'''' = −3 at 0
    expected = [1.0, 1.0, 1.0, 0.0, -3.0, -8.0, -3.0]
    got = [dualad.derivative(lambda x: np.exp(np.sin(x)), 0.0, order=k) for k in range(7)]
    assert got == pytest.approx(expected, abs=1e-12)


def test_kink_conventions():
    d = dualad.derivative
    assert d(np.abs, 0.0) == 0.0
    assert d(abs, 0.0) == 0.0
    assert d(np.sign, 0.3) == 0.0
    assert d(np.floor, 1.5) == 0.0
    assert d(np.ceil, 1.5) == 0.0
    assert d(lambda x: np.round(x), 1.2) == 0.0
    assert d(lambda x: np.maximum(x, 1.0), 1.0) == 0.5
    assert d(lambda x: np.minimum(x, 1.0), 1.0) == 0.5
    assert d(lambda x: np.maximum(x, x), 2.0) == 1.0
    with np.errstate(divide="ignore"):
        assert d(np.sqrt, 0.0) == math.inf
        assert d(np.log, 0.0) == math.inf
    assert d(lambda x: x ** 3.0, 0.0) == 0.0
    assert d(lambda x: x ** 2, 0.0) == 0.0


def test_fmax_and_fmin_ignore_a_nan_operand():
    # fmax(nan, x) = x, so its derivative in x is 1 (as jax.grad of jnp.fmax); the rows
    # were maximum's, where x > nan is False: forward and reverse gave 0
    import reverse
    m = np.array([np.nan, 2.0, np.nan])
    x = np.array([1.0, 3.0, np.nan])
    for fn, want in ((np.fmax, [1.0, 1.0, 0.0]), (np.fmin, [1.0, 0.0, 0.0])):
        for f in (lambda x: np.sum(fn(x, m)), lambda x: np.sum(fn(m, x))):
            assert dualad.gradient(f, x).tolist() == want
            assert reverse.gradient(f, x).tolist() == want
            assert dualad.compile(f, x).gradient(x).tolist() == want
        assert dualad.derivative(lambda t: fn(np.nan, t) * t, 0.5) == 1.0
        assert dualad.derivative(lambda t: fn(t, 0.5), 0.5) == 0.5      # a tie splits


def test_where_is_nan_safe():
    g = lambda x: np.where(x > 0, np.sqrt(x), 0.0)
    with np.errstate(invalid="ignore"):
        assert dualad.gradient(g, -1.0) == 0.0
        assert dualad.gradient(g, 4.0) == 0.25
        xs = np.array([-1.0, 4.0])
        assert dualad.jacobian(g, xs).tolist() == [[0.0, 0.0], [0.0, 0.25]]


def test_array_gradient_by_hand():
    x = np.array([1.0, 2.0, 3.0])
    # sum(x²·roll(x, 1)): roll gives [3, 1, 2]; ∂/∂x_i = 2 x_i x_{i-1} + x_{i+1}²
    g = dualad.gradient(lambda x: np.sum(x ** 2 * np.roll(x, 1)), x)
    assert g.tolist() == [2 * 1 * 3 + 2 ** 2, 2 * 2 * 1 + 3 ** 2, 2 * 3 * 2 + 1 ** 2]
    # max with a tie splits evenly
    assert dualad.gradient(np.max, np.array([1.0, 3.0, 3.0])).tolist() == [0.0, 0.5, 0.5]
    # prod at a zero: ∂/∂x_i is the product of the others
    assert dualad.gradient(np.prod, np.array([2.0, 0.0, 5.0])).tolist() == [0.0, 10.0, 0.0]


def test_matmul_jacobian_is_the_matrix():
    a = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    j = dualad.jacobian(lambda v: a @ v, np.array([0.3, -0.7]))
    assert j.tolist() == a.tolist()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_power_with_numpy_integer_zero_exponent():
    # d/dx Σ x**k for k in np.arange(3) (1 + x + x²) at 0 is 1 (jax.grad, torch give 1.0);
    # the x**0 term's partial 0·x**-1 was nan for an np.int64 exponent (not for int 0)
    p = lambda x: sum(x ** k for k in np.arange(3))      # noqa: E731
    assert dualad.derivative(p, 0.0) == 1.0
    assert dualad.derivative(lambda x: x ** np.int64(0), 0.0) == 0.0
    assert dualad.derivative(lambda x: x ** np.float32(0), 0.0) == 0.0
    assert dualad.hessian(lambda x: np.sum(p(x)), np.array([0.0, 1.0])).tolist() == \
        [[2.0, 0.0], [0.0, 2.0]]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_exp2_derivative_past_its_overflow():
    # 2ˣ overflows at x = 1024, ln2·2ˣ only at 1024.53 (mpmath, 40 digits; jax.grad gives
    # 1.2460659279417838e308 at 1024 too); the partial ln2·out was inf there
    import reverse
    for x, want in ((1024.0, 1.2460659279417838e308), (1024.5, 1.7622033349062865e308),
                    (1.0, 2 * math.log(2.0))):
        assert dualad.gradient(np.exp2, x) == want
        assert reverse.gradient(np.exp2, x) == want
    assert dualad.gradient(np.exp2, 1024.6) == math.inf


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_compiled_exp2_derivative_past_its_overflow():
    # review27: the compiler's own partial of exp2 was still ln2·out (inf at 1024.2);
    # ln2·2^1024.2 = 1.431353881644626e308 (mpmath)
    g = dualad.compile(np.exp2, 3.0)
    assert g.gradient(1024.2) == pytest.approx(1.431353881644626e308, rel=1e-15)
    assert g.jvp((1024.2,), (1.0,))[1] == pytest.approx(1.431353881644626e308, rel=1e-15)
