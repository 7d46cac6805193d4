"""The reverse sweep's fast paths give bit for bit what the table-driven sweep gives.

`reverse.sweep.sweep` = `reverse.pullback.sweep_by_table` + fast paths (scalar
+ - * /, scalar unary rows, x[i] adjoints in a Python list, array cases).  Each
function below is recorded once and swept by both; the adjoints must be
identical bit patterns (-0.0 for -0.0, inf for inf; NaN for NaN, whatever its
sign), and agree with forward mode where the derivative is finite.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings

import dualad
import reverse
from benchmarks.workloads import w2_function
from dualad.rules import ELEMENTWISE, arity
from reverse.functional import _record
from reverse.pullback import sweep_by_table
from reverse.sweep import sweep

from .expressions import as_function, expressions
from .test_rules import samples


def _bits(v):
    """Shape and bit pattern; every NaN as one NaN (IEEE 754 leaves a NaN result's sign
    open: NaN * -1.0 is +NaN for Python floats and -NaN for np.float64 here)."""
    a = np.array(v, dtype=np.float64)
    a[np.isnan(a)] = np.nan
    return a.shape, a.tobytes()


def _both(f, *args, seed=None):
    """(fast adjoints, table adjoints) of f's inputs, from one recording."""
    entries, xs, out, _ = _record(f, list(args))
    results = []
    for sw in (sweep, sweep_by_table):
        s = 1.0 if np.ndim(out.value) == 0 else np.ones(np.shape(out.value))
        adj = {out: s if seed is None else seed}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            sw(entries, adj) if sw is sweep else sw(entries, adj, frozenset())
        results.append([adj.get(x) for x in xs])
    return results


def assert_identical(f, *args, seed=None):
    fast, table = _both(f, *args, seed=seed)
    for a, b in zip(fast, table):
        assert (a is None) == (b is None)
        if a is not None:
            assert _bits(a) == _bits(b), (a, b)
    return fast


SPECIAL = [2.0, 5.0, -3.0, 0.0, -0.0, np.inf, -np.inf, np.nan, 1e-300, 1e300]


def w2_like(x):
    """Benchmark W2's scalar loop (x[i] reads, log, *, sin) over any length of x."""
    return w2_function(len(x))(x)


SCALAR_FUNCS = [
    lambda x, y: np.log(x) + x * y - np.sin(y),
    lambda x, y: x / y - y / x + x * 3 - 2 * y,
    lambda x, y: (x - y) * (x + y) / (x * y + 1.0),
    lambda x, y: 1.0 / x + 3 / y - x / 2 + 2 - x,
    lambda x, y: -x * np.exp(y) + np.cos(x) * np.tanh(y) + np.sqrt(x * x),
    lambda x, y: np.maximum(x, y) + np.arctan2(x, y) + np.hypot(x, y) + x ** y,
    lambda x, y: np.where(x > 0, np.log(x), y) * y,
    lambda x, y: x * x * x * y / (y - x),
    lambda x, y: np.abs(x) + np.reciprocal(y) + np.square(x - y),
    # structural entries on scalars among the lanes (np.sum of a number, reshape)
    lambda x, y: np.sum(x * y) + np.log(np.sum(np.sin(x))) - np.reshape(y / x, ()),
]


@pytest.mark.parametrize("k", range(len(SCALAR_FUNCS)))
@pytest.mark.parametrize("x", SPECIAL)
@pytest.mark.parametrize("y", [5.0, -0.0, 0.0, np.nan, -2.5, np.inf])
def test_scalar_fast_paths_bit_identical(k, x, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert_identical(SCALAR_FUNCS[k], x, y)


@pytest.mark.parametrize("seed", [1.0, -0.0, np.nan, np.float64(2.5), -np.inf])
def test_scalar_seed_types(seed):
    assert_identical(SCALAR_FUNCS[0], 2.0, 5.0, seed=seed)
    assert_identical(SCALAR_FUNCS[1], 2.0, 5.0, seed=seed)


@pytest.mark.parametrize("n", [1, 2, 5, 64])
def test_indexing_list_accumulation_bit_identical(n):
    rng = np.random.default_rng(n)
    x = rng.uniform(0.5, 2.0, n)
    (g,), _ = _both(w2_like, x)
    assert type(g) is np.ndarray and g.shape == (n,)
    assert_identical(w2_like, x)
    assert np.allclose(reverse.gradient(w2_like, x), dualad.gradient(w2_like, x))
    x[0] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert_identical(w2_like, x)


def test_indexing_mixed_with_array_ops():
    def f(x, y):
        a = x[0] * x[-1] + x[2]
        b = np.sum(x * y)          # a whole-array adjoint between element ones
        c = x[1] - x[0] / x[3]
        return a * b + c + np.sum(x[1:3]) + x[1] * np.sum(np.sin(x))

    def g(x, y):
        z = x * y                  # an intermediate array, indexed element by element
        return z[0] * z[1] + np.sum(z) * z[2] - z[-1] + y[0]

    def h(x, y):
        m = np.stack([x, y])       # a 2-d array: rows by int index
        return np.sum(m[0] * m[1]) + m[1][2] * x[0]

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(4), rng.standard_normal(4)
    for f_ in (f, g, h):
        assert_identical(f_, x, y)
        assert np.allclose(np.concatenate(reverse.gradient(f_, x, y)),
                           np.concatenate(dualad.gradient(f_, x, y)))


def test_large_array_indexing_uses_scatter():
    x = np.linspace(1.0, 2.0, (1 << 16) + 1)
    fast = assert_identical(lambda x: x[0] * x[5] + x[-1], x)
    assert fast[0][5] == 1.0 and fast[0][0] == 5 / (1 << 16) + 1.0


ARRAY_FUNCS = [
    lambda x, y: np.sum(np.log(x) + x * np.roll(x, -1) - np.sin(np.roll(x, -1))),
    lambda x, y: np.sum(x * y[:, None] - y[None, :] / (x + 3.0)),     # broadcasting
    lambda x, y: np.max(x) * np.sum(np.maximum(x, 0.5) + np.minimum(y, x)),
    lambda x, y: np.sum(np.where(x > 1.0, np.sqrt(x), x * y) * 2.0 - x[1:] @ y[:-1]),
    lambda x, y: np.mean(np.exp(x - np.max(x))) / np.sum(y * y) + np.sum(x * 2) - 1.0,
    lambda x, y: np.sum(np.concatenate([x, y]) ** 2) + np.sum(x[::2] * y[1::2]),
    lambda x, y: x[0] * np.sum(y) + np.prod(x) * y[2] - np.sum(np.abs(x - y)),
    # a sum's cotangent kept as one number, meeting scalar Tensors and broadcasting
    lambda x, y: np.sum(x * 2.0 + x[0] - np.sum(y) * x / y[1]) * 3.0,
    lambda x, y: np.sum(np.exp(x) - np.sum(y)) + np.sum(x[:, None] * y) - np.mean(x * y),
    lambda x, y: np.sum(np.sqrt(x * x + 1.0) / (y * y + 2.0) - np.sin(x) * 0.5 + 4),
    lambda x, y: np.sum(np.stack([x, y]) * 2.0) + np.sum(np.maximum(x, y) * -1.5),
    # roll's transpose added into an adjoint the sweep owns, or not
    lambda x, y: np.sum(np.roll(x, 2) * y + np.roll(x * y, -7)) + np.sum(x * x),
    lambda x, y: np.sum(np.roll(np.roll(x, 1), 13) * np.roll(y, 0)) + np.sum(np.roll(x, 3)),
]


@pytest.mark.parametrize("k", range(len(ARRAY_FUNCS)))
def test_array_fast_paths_bit_identical(k):
    rng = np.random.default_rng(k)
    x, y = rng.uniform(0.5, 2.0, 6), rng.uniform(-1.0, 1.0, 6)
    assert_identical(ARRAY_FUNCS[k], x, y)
    x[1], y[2] = x[3], 0.0        # ties, zeros
    assert_identical(ARRAY_FUNCS[k], x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        x[0], y[1] = np.inf, np.nan
        assert_identical(ARRAY_FUNCS[k], x, y)


def test_broadcast_cotangent_of_intermediates_and_trace():
    x = reverse.constant(np.array([0.5, 1.5, 2.5]))
    with reverse.Tape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = np.sum(np.sin(y) + y)
    gy = tape.gradient(z, y).numpy()
    assert type(gy) is np.ndarray and gy.shape == (3,)
    assert np.array_equal(gy, np.cos(x.numpy() ** 2) + 1.0)
    gx = tape.gradient(z, x).numpy()
    assert gx.shape == (3,) and gx.flags.writeable
    t = dualad.trace(lambda x: np.sum(np.log(x) + x), np.array([1.0, 2.0]))
    assert np.array_equal(np.asarray(t.gradient), [2.0, 1.5])
    assert all(np.shape(r.adjoint) == np.shape(r.primal) for r in t.rows)


def test_mlp_bit_identical():
    from benchmarks.workloads import MLP_TINY, mlp_data, w4_function
    X, Y, params = mlp_data(MLP_TINY, np.random.default_rng(1))
    assert_identical(w4_function(X, Y), *params)


def test_a_binary_rule_gives_a_number_cotangent_on_numbers():
    # logaddexp's partial (np.where) was a 0-d array: the fast sweep then took sinh's
    # partial from np.cosh, the table sweep from math.cosh, an ulp apart (hypothesis)
    assert_identical(lambda a, b: np.logaddexp(a, np.sinh(np.sin(b))) + a * 0.5, 0.7, -1.3)


@settings(max_examples=60, deadline=None)
@given(expressions(2))
def test_random_expressions_bit_identical(tree):
    f = as_function(tree, 2)
    assert_identical(f, 0.7, -1.3)
    assert_identical(f, np.array([0.7, 2.0, -0.3]), np.array([-1.3, 0.1, 4.0]))


def test_divide_by_zero_is_numpy_inf_not_zerodivisionerror():
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        g = reverse.gradient(lambda x: x / 0.0, 1.0)
    assert g == np.inf
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        gx, gy = reverse.gradient(lambda x, y: x / y, 1.0, 0.0)
    assert gx == np.inf and gy == -np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        g = reverse.gradient(lambda x: 3.0 / x, 0.0)
        assert np.isnan(g) or g == -np.inf
        want = dualad.gradient(lambda x: 3.0 / x, 0.0)
        assert _bits(g) == _bits(want)
        assert _bits(reverse.gradient(lambda x, y: x / y, 1.0, 0.0)) == \
            _bits(dualad.gradient(lambda x, y: x / y, 1.0, 0.0))
    x = reverse.constant(2.0)
    with reverse.Tape() as tape:
        tape.watch(x)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            y = x / 0.0
    with pytest.warns(RuntimeWarning):
        assert tape.gradient(y, x).numpy() == np.inf


def test_tensors_hash_by_identity():
    a, b = reverse.constant(1.0), reverse.constant(1.0)
    d = {a: "a", b: "b"}
    assert d[a] == "a" and d[b] == "b" and len({a, b, a}) == 2
    assert bool(a == b)         # == still compares values
    v = reverse.Variable(np.ones(3))
    assert {v: 1}[v] == 1
    assert np.all((v == reverse.constant(np.ones(3))).__array__())


def test_persistent_tape_repeated_gradients_identical():
    x = reverse.constant(np.array([0.5, 1.5, 2.5]))
    with reverse.Tape(persistent=True) as tape:
        tape.watch(x)
        y = w2_like(x)
    g1 = tape.gradient(y, x).numpy()
    g2 = tape.gradient(y, x).numpy()
    assert _bits(g1) == _bits(g2)
    assert np.allclose(g1, dualad.gradient(w2_like, np.array([0.5, 1.5, 2.5])))


def test_hessian_through_fast_paths():
    f = SCALAR_FUNCS[0]
    H = reverse.hessian(f, 2.0, 5.0)
    want = dualad.hessian(f, 2.0, 5.0)
    assert np.allclose(np.array(H, dtype=float), np.array(want, dtype=float))
    x = np.array([0.5, 1.5, 2.5, 1.0])
    assert np.allclose(reverse.hessian(w2_like, x), dualad.hessian(w2_like, x))


def test_nested_tapes_second_derivative_of_indexing():
    x = reverse.constant(np.array([0.5, 1.5, 2.5]))
    with reverse.Tape() as outer:
        outer.watch(x)
        with reverse.Tape() as inner:
            inner.watch(x)
            y = x[0] * x[0] * x[1] + np.sin(x[2])
        g = inner.gradient(y, x)
        z = g[0]                    # 2 x0 x1
    assert np.allclose(outer.gradient(z, x).numpy(), [2 * 1.5, 2 * 0.5, 0.0])


@pytest.mark.parametrize("n", [1, 2, 5])
@pytest.mark.parametrize("shift", [-13, -5, -1, 0, 1, 4, 12])
def test_recorded_roll_and_sum_values_are_numpys(n, shift):
    v = np.random.default_rng(n).standard_normal(n)
    x = reverse.constant(v)
    with reverse.Tape() as tape:
        tape.watch(x)
        r = np.roll(x, shift)
        s = np.sum(r * r)
    assert _bits(r.numpy()) == _bits(np.roll(v, shift))
    assert _bits(s.numpy()) == _bits(np.sum(np.roll(v, shift) ** 2))
    assert tape.entries[0][0] is np.roll and tape.entries[0][3:] == (x, shift)
    assert np.allclose(tape.gradient(s, x).numpy(), 2 * v)


UNARY_ROWS = sorted((u for u in ELEMENTWISE if arity(u) == 1), key=lambda u: u.__name__)


@pytest.mark.parametrize("ufunc", UNARY_ROWS, ids=[u.__name__ for u in UNARY_ROWS])
def test_unary_rows_give_forward_modes_bits_on_floats(ufunc):
    """On Python floats both engines take a row's partial in its math version, with
    NumPy's value where math raises: np.cosh and math.cosh differ in the last bit at
    about one point in four, which reverse mode alone used to take from NumPy."""
    rng = np.random.default_rng(7)
    points = [p[0] * s for p in samples(ufunc) for s in rng.uniform(0.5, 1.5, 60)]

    def f(x):
        return ufunc(x)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for x in points + [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan]:
            assert_identical(f, float(x))
            assert _bits(reverse.gradient(f, float(x))) == \
                _bits(dualad.derivative(f, float(x))), (ufunc, x)


@pytest.mark.parametrize("f", [
    lambda x: np.sum(x * np.arange(1, 4)),                          # int constant
    lambda x: np.sum((x * np.full(3, 2 ** 40)) * np.full(3, 2 ** 40)),   # int64 overflowed
    lambda x: np.sum(x * np.arange(1, 4) * np.arange(1, 4)) + np.sum(np.sin(x)),
    lambda x: np.sum(x * (x > 0)) + np.sum(x * (x > 0)),            # ReLU by a bool mask
    lambda x: np.sum((x > 0) * x),
])
def test_integer_and_bool_constants_never_become_the_adjoint(f):
    # x * w with ct = 1 stored w itself as x̄: an int or bool array, so the gradient came
    # back int64 (overflowing), bool (True + True is True), or failed casting float in
    x = np.array([0.1, -0.5, 2.0])
    g = reverse.gradient(f, x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, dualad.gradient(f, x), rtol=1e-15)
    xt = reverse.constant(x)
    with reverse.Tape() as tape:
        tape.watch(xt)
        y = f(xt)
    np.testing.assert_allclose(tape.gradient(y, xt).numpy(), g, rtol=1e-15)
    assert_identical(f, x)


def test_a_partial_that_is_a_value_is_never_added_into():
    # exp's partial is its output's own array; with ct = 1.0 it is x̄ itself until another
    # contribution arrives, which must make a new array (probe44: marking it the sweep's
    # own let x * c's contribution land in y's value: y.numpy() changed and a second
    # gradient on the persistent tape was off by c)
    x0 = np.array([0.5, 1.0, 2.0])
    c = np.array([2.0, 3.0, 4.0])
    x = reverse.Variable(x0)
    with reverse.Tape(persistent=True) as tape:
        w = x * c
        y = np.exp(x)
        z = np.sum(y) + np.sum(w)
    for _ in range(2):
        np.testing.assert_array_equal(tape.gradient(z, x).numpy(), np.exp(x0) + c)
        np.testing.assert_array_equal(y.numpy(), np.exp(x0))
