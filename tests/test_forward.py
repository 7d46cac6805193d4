"""Forward mode: shapes, chunking, arrays, nesting and errors."""

import collections
import math

import numpy as np
import pytest
import sympy

import dualad
import reverse
import symbolic
from dualad import Dual
from tests.helpers import central_gradient, check_grads


def f(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


ARRAY_FUNCTIONS = {
    "roll": lambda x: np.sum(np.log(x) + x * np.roll(x, 1) - np.sin(np.roll(x, -1))),
    "mean_prod": lambda x: np.mean(x) * np.prod(x),
    "max_min": lambda x: np.max(x ** 2) - np.min(np.cos(x)),
    "norm": lambda x: np.linalg.norm(x) + np.linalg.norm(x.reshape(2, 3), axis=1).sum(),
    "matmul": lambda x: np.sum(x.reshape(2, 3) @ x.reshape(3, 2)),
    "dot_outer": lambda x: np.dot(x, x) + np.sum(np.outer(x, x[:2])),
    "where_clip": lambda x: np.sum(np.where(x > 0.5, x ** 3, np.clip(x, 0.2, 0.4))),
    "cumsum_concat": lambda x: np.sum(np.cumsum(np.concatenate([x, x[::-1] * 2])) ** 2),
    "stack_transpose": lambda x: np.sum(np.stack([x, x ** 2]).T * np.arange(1.0, 3.0)),
    "index": lambda x: x[0] * x[-1] + np.sum(x[1:4] ** 2) + x[np.array([0, 0, 2])].sum(),
    "keepdims": lambda x: np.sum(x.reshape(2, 3) / np.sum(x.reshape(2, 3), axis=1,
                                                             keepdims=True) * x.reshape(2, 3)),
    "broadcast": lambda x: np.sum(x.reshape(2, 3) * x[:3] + x.reshape(2, 3, 1).mean(axis=0).T),
    "transcendental": lambda x: np.sum(np.tanh(x) + np.exp(-x) * np.arctan(x) + x ** x),
    "methods": lambda x: x.reshape(3, 2).T.sum(axis=0).prod() + x.max() * x.mean(),
}
X6 = np.array([0.3, 0.9, 0.45, 1.7, 0.61, 1.2])


@pytest.mark.parametrize("name", sorted(ARRAY_FUNCTIONS))
def test_array_functions_against_other_engines(name):
    check_grads(ARRAY_FUNCTIONS[name], X6, fd_rtol=1e-6, order=2)


@pytest.mark.parametrize("chunk", [1, 2, 3, 4, 6, None])
def test_chunk_sizes_agree(chunk):
    g_ref = dualad.gradient(ARRAY_FUNCTIONS["roll"], X6, chunk_size=6)
    g = dualad.gradient(ARRAY_FUNCTIONS["roll"], X6, chunk_size=chunk)
    np.testing.assert_array_equal(g, g_ref)
    # several arguments, scalars and arrays mixed, across chunk boundaries
    h = lambda a, b, c: np.sum(a * b) * c + np.sin(c) * np.sum(b ** 2)
    args = (np.array([1.0, 2.0]), np.array([[0.5, -1.0], [2.0, 0.1]]), 0.7)
    ref = dualad.gradient(h, *args, chunk_size=7)
    got = dualad.gradient(h, *args, chunk_size=chunk)
    for r, g in zip(ref, got):
        np.testing.assert_allclose(g, r, rtol=1e-15)
    assert np.shape(got[1]) == (2, 2) and type(got[2]) is float


@pytest.mark.parametrize("f", [lambda x, y: x ** y, lambda x, y: np.power(x, y) + x * y,
                               lambda x, y: np.log(x) + x * y - np.sin(y)])
def test_scalar_gradients_are_python_floats(f):
    # x**y's partials come from np.power: the paired pass gave np.float64 entries
    g = dualad.gradient(f, 2.0, 3.0)
    assert all(type(v) is float for v in g)
    assert g == dualad.gradient(f, 2.0, 3.0, chunk_size=1)


def test_result_shapes():
    x = np.ones((2, 3))
    assert dualad.gradient(lambda x: np.sum(x * x), x).shape == (2, 3)
    assert dualad.jacobian(lambda x: x * 2.0, x).shape == (2, 3, 2, 3)
    assert dualad.jacobian(lambda x: np.sum(x, axis=0), x).shape == (3, 2, 3)
    assert dualad.hessian(lambda x: np.sum(x ** 3), x).shape == (2, 3, 2, 3)
    h = dualad.hessian(lambda a, b: np.sum(a) * b, np.ones(2), 3.0)
    assert np.shape(h[0][0]) == (2, 2) and np.shape(h[0][1]) == (2,)
    assert np.shape(h[1][0]) == (2,) and np.shape(h[1][1]) == ()
    assert h[0][1].tolist() == [1.0, 1.0] and h[1][1] == 0.0
    jx, jy = dualad.jacobian(lambda x, y: x * y, np.ones(3), 2.0)
    assert jx.shape == (3, 3) and jy.shape == (3,)


def test_hessian_against_sympy():
    x1, x2 = sympy.symbols("x1 x2")
    expr = sympy.log(x1) * x2 ** 3 + sympy.exp(x1 * x2) / (1 + x2 ** 2)
    fn = lambda a, b: np.log(a) * b ** 3 + np.exp(a * b) / (1 + b ** 2)
    at = {x1: 0.7, x2: -1.3}
    h = dualad.hessian(fn, 0.7, -1.3)
    for i, u in enumerate((x1, x2)):
        for j, v in enumerate((x1, x2)):
            assert h[i][j] == pytest.approx(float(sympy.diff(expr, u, v).subs(at)), rel=1e-12)


@pytest.mark.parametrize("order", range(7))
def test_derivative_orders_match_sympy(order):
    x = sympy.Symbol("x")
    expected = float(sympy.diff(sympy.exp(sympy.sin(x)), x, order).subs(x, 0.7))
    got = dualad.derivative(lambda t: np.exp(np.sin(t)), 0.7, order=order)
    assert got == pytest.approx(expected, rel=1e-12)


def test_derivative_of_array_valued_function():
    d = dualad.derivative(lambda t: np.array([1.0, 2.0, 3.0]) * np.sin(t), 0.5, order=2)
    np.testing.assert_allclose(d, -np.sin(0.5) * np.array([1.0, 2.0, 3.0]), rtol=1e-15)


def test_nested_gradient_inside_gradient():
    # d/dx [x · ∂/∂y (x·y²)|_{y=x}] = d/dx [2x³] = 6x²
    g = lambda x: x * dualad.gradient(lambda y: x * y * y, x)
    assert dualad.gradient(g, 1.5) == pytest.approx(6 * 1.5 ** 2, rel=1e-15)
    # jvp of a function that itself takes a jacobian
    h = lambda v: np.sum(dualad.jacobian(lambda w: w ** 3, v))
    _, t = dualad.jvp(h, (np.array([1.0, 2.0]),), (np.array([1.0, 0.0]),))
    assert t == pytest.approx(6.0)


def test_k_directions_in_one_dual():
    x = Dual(np.array([1.0, 2.0]), np.eye(2))
    y = np.sin(x) * x[0]
    assert y.ndir == 2 and y.tangent.shape == (2, 2)
    # row d is the derivative along direction d
    expected = np.array([[np.cos(1.0) * 1.0 + np.sin(1.0), np.sin(2.0)],
                         [0.0, np.cos(2.0) * 1.0]])
    np.testing.assert_allclose(y.tangent, expected, rtol=1e-15)
    s = Dual(3.0, np.array([1.0, 0.0, 2.0]))       # a scalar with three directions
    z = s * np.array([1.0, 2.0])
    assert z.tangent.shape == (3, 2)
    np.testing.assert_allclose(z.tangent, [[1.0, 2.0], [0.0, 0.0], [2.0, 4.0]])


def test_dual_arithmetic_with_numbers_on_either_side():
    d = Dual(2.0, 1.0)
    cases = {
        "add": (3 + d, 5.0, 1.0), "radd": (d + 3, 5.0, 1.0),
        "sub": (3 - d, 1.0, -1.0), "rsub": (d - 3, -1.0, 1.0),
        "mul": (3 * d, 6.0, 3.0), "div": (1 / d, 0.5, -0.25),
        "rdiv": (d / 4, 0.5, 0.25), "neg": (-d, -2.0, -1.0),
        "pow": (d ** 3, 8.0, 12.0), "rpow": (2 ** d, 4.0, 4.0 * math.log(2.0)),
        "dualpow": (d ** d, 4.0, 4.0 * (math.log(2.0) + 1.0)), "abs": (abs(-d), 2.0, 1.0),
    }
    for name, (r, p, t) in cases.items():
        assert (r.primal, r.tangent) == pytest.approx((p, t), rel=1e-15), name
    assert Dual(2, 1).primal == 2.0 and type(Dual(2, 1).primal) is float
    assert (d < 3) and (d >= 2) and not (d > 2) and d == 2.0


def test_division_by_zero_follows_numpy():
    with np.errstate(divide="ignore"):
        out, t = dualad.jvp(lambda x: 1.0 / x, (0.0,), (1.0,))
    assert out == math.inf


def test_control_flow_and_loops():
    def g(x):
        y = 0.0
        for i in range(5):
            if x > 1:
                y = y + x ** i
            else:
                y = y - np.sin(x) * i
        return y
    assert dualad.derivative(g, 2.0) == pytest.approx(sum(i * 2.0 ** (i - 1) for i in range(5)))
    assert dualad.derivative(g, 0.5) == pytest.approx(-np.cos(0.5) * 10)


def test_hypothesis_free_central_difference_sanity():
    np.testing.assert_allclose(central_gradient(f, (2.0, 5.0)), [5.5, 1.7163378145367738],
                               rtol=1e-8)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")     # sqrt'(0) = 0.5/0, the first pass
def test_zero_tangents_stay_zero_through_infinite_partials():
    # sqrt'(0) = inf met the other directions' zero tangents: 0·inf = nan poisoned every
    # other entry of the gradient (inf, nan, nan); the pass is redone with zero tangent
    # entries contributing 0, as reverse mode's single sweep gives
    x = np.array([0.0, 1.0, 4.0])
    f = lambda v: np.sum(np.sqrt(v))
    for g in (dualad.gradient(f, x), dualad.gradient(f, x, chunk_size=1),
              reverse.gradient(f, x)):
        np.testing.assert_array_equal(g, [np.inf, 0.5, 0.25])
    _, t = dualad.jvp(f, (x,), (np.array([0.0, 1.0, 0.0]),))       # along e1: 0.5
    assert t == 0.5
    want = np.diag([np.inf, 0.5, 0.25])
    for J in (dualad.jacobian(np.sqrt, x), reverse.jacobian(np.sqrt, x)):
        np.testing.assert_array_equal(J, want)
    xt = reverse.constant(x)
    with reverse.Tape() as tape:
        tape.watch(xt)
        y = np.sqrt(xt)
    np.testing.assert_array_equal(tape.jacobian(y, xt).numpy(), want)
    np.testing.assert_array_equal(dualad.hessian(f, x), np.diag([-np.inf, -0.25, -1 / 32]))
    # a constant column of std: the other column's gradient is untouched (it was all nan)
    X = np.array([[2.0, 0.0], [1.0, 0.0], [0.0, 0.0]])
    col = dualad.gradient(lambda v: np.sum(np.std(v, axis=0)), X)[:, 0]
    np.testing.assert_allclose(col, reverse.gradient(lambda v: np.sum(np.std(v, axis=0)),
                                                     X)[:, 0], rtol=1e-15)
    np.testing.assert_allclose(col, [1 / np.sqrt(6), 0.0, -1 / np.sqrt(6)], rtol=1e-15)
    # where the pass was finite nothing is redone: NaN from a NaN input stays NaN
    assert np.isnan(dualad.gradient(lambda v: np.sum(v * v), np.array([np.nan, 1.0]))[0])


def test_jvp_keeps_the_structure_of_dict_and_named_tuple_outputs():
    # as jax.jvp on a pytree (dicts were refused: "f returned dict"); JAX and reverse.vjp
    # accept them, gradient / jacobian refuse them with the tuple's message
    pair = collections.namedtuple("pair", "u w")
    f = lambda x: {"a": x * x, "b": pair(np.sin(x), [3.0, x / 2.0])}
    out, t = dualad.jvp(f, (2.0,), (1.5,))
    assert out == {"a": 4.0, "b": pair(np.sin(2.0), [3.0, 1.0])}
    assert t == {"a": 6.0, "b": pair(1.5 * np.cos(2.0), [0.0, 0.75])}
    assert type(t["b"]) is pair and list(t) == ["a", "b"]
    assert dualad.derivative(f, 2.0, order=2)["b"].u == -np.sin(2.0)
    with pytest.raises(ValueError, match="not a dict"):
        dualad.gradient(lambda x: {"a": x}, 1.0)
    with pytest.raises(ValueError, match="not a dict"):
        dualad.jacobian(lambda x: {"a": x}, np.ones(2))
    with pytest.raises(ValueError, match="got a dict"):
        dualad.directional_derivative(lambda x: {"a": x}, 1.0, 1.0)


@pytest.mark.parametrize("key", [
    (np.array([0, 2]), slice(None), np.array([1, 3])),   # advanced indices apart
    (0, slice(None), np.array([1, 3])),                  # an int and an array apart
    (0, slice(1, 3), [1, 3, 4]),
    (np.array([0, 2]), slice(0, 2), np.array([1, 3])),   # as many picks as directions
    (Ellipsis, np.array([1, 3])),
    (np.array([1, 0]), np.array([3, 2])),                # side by side (was right)
])
def test_indexing_with_several_directions_matches_each_direction(key):
    # a leading slice for the direction axis moved NumPy's broadcast axes of advanced
    # indices apart from each other: tangents transposed (silently when n == k)
    rng = np.random.default_rng(0)
    A, T = rng.normal(size=(3, 4, 5)), rng.normal(size=(2, 3, 4, 5))
    d = Dual(A, T)[key]
    np.testing.assert_array_equal(d.primal, A[key])
    np.testing.assert_array_equal(d.tangent, np.stack([T[i][key] for i in range(2)]))
    f = lambda x: np.sum(x[key] ** 2 * np.arange(1.0, 1.0 + A[key].size).reshape(A[key].shape))
    np.testing.assert_allclose(dualad.gradient(f, A), reverse.gradient(f, A), rtol=1e-14)


def test_a_list_holding_a_dual_and_a_newer_traced_value_goes_to_the_newer_one():
    # np.stack([dual, newer]) reached the Dual first, which took the newer Taylor value
    # or reverse.Tensor for a constant: 0.0 for 33.35, [0, 0] for [0.72, 0.96]
    inner = lambda x: dualad.derivative(
        lambda y: np.exp(np.sum(np.stack([x, y]) ** 2)), 0.8, order=3)
    swapped = lambda x: dualad.derivative(
        lambda y: np.exp(np.sum(np.stack([y, x]) ** 2)), 0.8, order=3)
    assert dualad.derivative(inner, 0.5) == pytest.approx(dualad.derivative(swapped, 0.5),
                                                          rel=1e-13)
    assert dualad.derivative(inner, 0.5) == pytest.approx(33.3515357040661, rel=1e-12)
    v0 = np.array([0.3, 0.4])
    g = lambda x: reverse.gradient(
        lambda v: np.sum(np.concatenate([x * np.ones(1), x * v]) ** 2), v0)
    np.testing.assert_allclose(dualad.derivative(g, 0.6), 4 * 0.6 * v0, rtol=1e-14)
    np.testing.assert_allclose(dualad.derivative(g, 0.6, order=2), 4 * v0, rtol=1e-14)


def test_scalar_empty_index_and_cumprod_method():
    # x[()] of a scalar is the scalar (np.float64(v)[()]); it raised "'float' object is
    # not subscriptable" in forward, Taylor and reverse mode; x.cumprod() was missing
    f = lambda x: np.exp(x)[()] * x ** 3
    want = symbolic.derivative(f, 0.7, order=3)
    assert dualad.derivative(f, 0.7, order=3) == pytest.approx(want, rel=1e-13)
    assert dualad.derivative(f, 0.7) == pytest.approx(reverse.gradient(f, 0.7), rel=1e-15)
    h = lambda v: np.sum(v.cumprod())
    v = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(dualad.gradient(h, v), reverse.gradient(h, v), rtol=1e-15)
    np.testing.assert_allclose(dualad.gradient(h, v), [9.0, 4.0, 2.0], rtol=1e-15)


def test_array_methods_take_numpys_keywords():
    # x.clip(min=...) (NumPy 2's names) raised "unexpected keyword 'min'", x.swapaxes an
    # AttributeError; values as NumPy's own methods give, derivatives as central differences
    x = np.array([[0.5, -2.0, 0.2], [3.0, 0.1, -0.4]])

    def f(v):
        return np.sum(v.clip(min=-1.0) ** 2 + v.clip(max=0.3, min=-0.5) * v) + \
            np.sum(v.swapaxes(0, 1) * np.arange(6.0).reshape(3, 2))

    value, _ = dualad.jvp(f, (x,), (np.ones_like(x),))
    assert value == f(x)
    np.testing.assert_allclose(dualad.gradient(f, x).ravel(), central_gradient(f, (x,)),
                               rtol=1e-8)


class TestBadInput:
    def test_math_and_float_refuse_duals(self):
        d = Dual(2.0, 1.0)
        with pytest.raises(TypeError, match="np.sin"):
            math.sin(d)
        with pytest.raises(TypeError, match="primal"):
            float(d)
        with pytest.raises(TypeError, match="primal"):
            dualad.gradient(lambda x: math.exp(x), 1.0)

    @pytest.mark.parametrize("engine", [dualad.gradient, reverse.gradient])
    def test_storing_a_traced_value_into_a_numpy_array_says_what_to_do(self, engine):
        # a Dual or a Tensor: NumPy raises its own message from our TypeError
        def f(x):
            out = np.zeros(2)
            out[0] = x * 2.0        # NumPy: "setting an array element with a sequence"
            return np.sum(out)
        with pytest.raises(ValueError, match="sequence") as info:
            engine(f, 1.5)
        assert "np.stack" in str(info.value.__cause__)     # shown just above it

    def test_arrays_of_other_dtypes_are_named(self):
        # "argument 0 has type ndarray" for a complex or string array, which NumPy
        # arrays in general are not
        for bad, name in ((np.ones(2, dtype=complex), "complex128"), (np.array(["a"]), "<U1")):
            with pytest.raises(TypeError, match=f"argument 0 has dtype {name}"):
                dualad.gradient(lambda x: np.sum(x), bad)

    def test_unsupported_numpy_function_is_named(self):
        with pytest.raises(TypeError, match="fft"):
            dualad.gradient(lambda x: np.sum(np.abs(np.fft.fft(x))), np.ones(4))
        with pytest.raises(TypeError, match="np.i0 has no derivative"):
            dualad.gradient(lambda x: np.sum(np.i0(x)), np.ones(4))
        with pytest.raises(TypeError, match="gcd"):
            dualad.gradient(lambda x: np.gcd(x, 2), 4.0)

    @pytest.mark.parametrize("bad", ["2.0", None, object(), [1.0, 2.0], 1 + 2j])
    def test_bad_arguments(self, bad):
        with pytest.raises(TypeError, match="argument 0"):
            dualad.gradient(lambda x: x * x, bad)
        with pytest.raises(TypeError):
            dualad.jvp(lambda x: x * x, (bad,), (1.0,))

    def test_operators_with_strings_raise_type_error(self):
        with pytest.raises(TypeError):
            Dual(1.0, 1.0) + "a"
        with pytest.raises(TypeError):
            Dual("a", 1.0)

    def test_mismatched_tangents(self):
        with pytest.raises(ValueError, match="shape"):
            Dual(np.ones(3), np.ones(2))
        with pytest.raises(ValueError, match="shape"):
            dualad.jvp(lambda x: x, (np.ones(3),), (np.ones(2),))
        with pytest.raises(ValueError, match="directions"):
            Dual(1.0, np.ones(2)) * Dual(1.0, np.ones(3))

    def test_gradient_needs_scalar_output(self):
        with pytest.raises(ValueError, match="jacobian"):
            dualad.gradient(lambda x: x * 2.0, np.ones(3))

    def test_misuse_as_int_or_sequence_names_the_problem(self):
        d = Dual(2.0, 1.0)
        with pytest.raises(TypeError, match="len\\(\\) of a 0-d Dual"):
            len(d)
        with pytest.raises(TypeError, match="not an integer"):
            [1, 2][d]           # it said "float() would drop the tangent"
        with pytest.raises(ValueError, match="chunk_size"):
            dualad.gradient(np.sum, np.ones(3), chunk_size=True)
        assert len(Dual(np.ones(3), np.ones(3))) == 3

    def test_binary_partials_at_a_pole_give_numpys_values_like_reverse(self):
        import reverse
        # the scalar fast path met Python's ZeroDivisionError in arctan2'(0, 0), fmod'(1, 0)
        with np.errstate(all="ignore"):
            for f, args in ((np.arctan2, (0.0, 0.0)), (np.fmod, (1.0, 0.0)),
                            (np.remainder, (1.0, 0.0))):
                np.testing.assert_array_equal(dualad.gradient(f, *args),
                                              reverse.gradient(f, *args))
            assert np.isnan(dualad.gradient(np.arctan2, 0.0, 0.0)).all()
            # fmod(1, 0) is nan; so is its ∂/∂y = −rint((x − fmod) / y) (−trunc(x / y)
            # gave −inf before fmod's partial read NumPy's remainder)
            gx, gy = dualad.gradient(np.fmod, 1.0, 0.0)
            assert gx == 1.0 and np.isnan(gy)

    def test_scalar_gradients_nest_and_meet_poles_as_numpy_does(self):
        import reverse
        # grad of grad with float arguments: the paired complex pass cannot carry an
        # outer Dual (it raised TypeError); d/dt ∂(t·y²)/∂y|y=1 = 2
        assert dualad.gradient(lambda t: dualad.gradient(lambda y: t * y * y, 1.0), 3.0) == 2.0
        assert dualad.gradient(
            lambda t: dualad.gradient(lambda y, z: t * y * z, 1.0, 2.0)[0], 3.0) == 2.0
        assert dualad.hessian(lambda t: t * dualad.gradient(lambda y: t * y * y, 1.0),
                              3.0) == 4.0
        with np.errstate(all="ignore"):
            for f in (lambda x, y: 1 / x + y, lambda x, y: x ** -2 + y,
                      lambda x, y: 2.0 / x * y):
                # the one-direction retries met 1/0.0 in Python (ZeroDivisionError)
                want = reverse.gradient(f, 0.0, 1.0)
                assert dualad.gradient(f, 0.0, 1.0) == want
                # np.float64 arguments (x[i] of an array) took the batched path: (-inf, nan)
                assert dualad.gradient(f, np.float64(0.0), 1.0) == want
        assert dualad.gradient(lambda x, y: x * y, 2, np.float32(3.0)) == (3.0, 2.0)

    def test_tuple_outputs_are_refused_not_scrambled(self):
        # jacobian once read (x, x²) as one array with the outputs on the direction
        # axis: [[[1, 2], [0, 0]], ...] instead of (I, 2·diag(x)); reverse refuses too
        for args in ((np.ones(2),), (2.0, 3.0), (2.0,)):
            with pytest.raises(ValueError, match="one array, not a tuple"):
                dualad.jacobian(lambda *a: (a[0], a[0] * a[-1]), *args)
        with pytest.raises(ValueError, match="scalar, not a tuple"):
            dualad.gradient(lambda x: (x, x), np.ones(2))

    def test_a_reverse_tensor_around_the_dual_is_refused_not_a_zero(self):
        import reverse
        # Tensor * Dual is a Tensor holding the Dual: its tangent (3) was read as 0.0
        with pytest.raises(TypeError, match="depends on the Dual input"):
            dualad.derivative(lambda y: reverse.constant(3.0) * y, 1.0)
        with pytest.raises(TypeError, match="reverse over forward"):
            reverse.gradient(lambda x: dualad.derivative(lambda y: x * y * y, 1.0), 3.0)
        # a Tensor that does not depend on the input is a constant: derivative 0
        assert dualad.derivative(lambda y: reverse.constant(3.0), 1.0) == 0.0

    def test_bad_orders_and_chunks(self):
        with pytest.raises(ValueError, match="order"):
            dualad.derivative(np.sin, 1.0, order=-1)
        with pytest.raises(ValueError, match="chunk_size"):
            dualad.gradient(np.sum, np.ones(3), chunk_size=0)
        with pytest.raises(ValueError, match="scalar"):
            dualad.derivative(np.sin, np.ones(2))

    def test_item_assignment_and_array_conversion_refused(self):
        d = Dual(np.ones(3), np.ones(3))
        with pytest.raises(TypeError, match="immutable"):
            d[0] = 1.0
        with pytest.raises(TypeError, match="np.stack"):
            np.array([Dual(1.0, 1.0), Dual(2.0, 0.0)])
        with pytest.raises(TypeError, match="out="):
            np.sin(d, out=np.zeros(3))


JOINS = {
    "stack_scalars": lambda x: np.sum(np.stack([x[i] * x[i - 1] for i in range(6)] + [2.0]) ** 2),
    "stack_axis1": lambda x: np.sum(np.sin(np.stack([x.reshape(2, 3), np.ones((2, 3)),
                                                     x.reshape(2, 3) ** 2], axis=1)) * 3.0),
    "stack_axis_neg": lambda x: np.sum(np.stack([x[:3], x[3:] * x[:3]], axis=-1) ** 3),
    "concat_axis1": lambda x: np.sum(np.concatenate([x.reshape(2, 3), np.eye(2),
                                                     x.reshape(2, 3) ** 2], axis=1) ** 2),
    "concat_none": lambda x: np.sum(np.concatenate([x.reshape(2, 3), x[:2]], axis=None) ** 2),
}


@pytest.mark.parametrize("name", sorted(JOINS))
@pytest.mark.parametrize("chunk", [1, 4, 6])
def test_stack_and_concatenate_carry_all_directions_at_once(name, chunk):
    # several directions join in one np.stack / np.concatenate of the tangents; one
    # direction at a time (jvp) joins the tangents of that direction only
    f = JOINS[name]
    x = np.linspace(0.3, 1.8, 6)
    one_by_one = [dualad.jvp(f, (x,), (e,))[1] for e in np.eye(6)]
    np.testing.assert_allclose(dualad.gradient(f, x, chunk_size=chunk), one_by_one, rtol=1e-14)
    np.testing.assert_allclose(one_by_one, central_gradient(f, [x]), rtol=1e-7)


@pytest.mark.parametrize("shape", [(0,), (3, 0)])
def test_gradient_at_an_empty_argument_still_needs_a_scalar_output(shape):
    # with no inputs there is no pass to check f's output in: x * 2 came back as a
    # (0, 0) "gradient" where reverse (and symbolic, jax.grad) refuse a non-scalar f
    x = np.zeros(shape)
    for engine in (dualad, reverse):
        with pytest.raises(ValueError, match=r"scalar, got shape \(" + str(shape[0])):
            engine.gradient(lambda x: x * 2, x)
        with pytest.raises(ValueError, match="scalar"):
            engine.gradient(lambda x: np.sum(x, axis=0), np.zeros((3, 0)))
    # a scalar f of an empty argument has the empty gradient, as reverse's
    for engine in (dualad, reverse):
        g = engine.gradient(lambda x: np.sum(x ** 2) + 1.0, x)
        assert np.shape(g) == shape
    np.testing.assert_array_equal(dualad.jacobian(lambda x: x * 2, x),
                                  reverse.jacobian(lambda x: x * 2, x))
    assert dualad.jacobian(lambda x: x * 2, x).shape == shape + shape


NOT_NUMBERS = {
    "None": lambda x: None,
    "str": lambda x: "a",
    "object_array": lambda x: np.array([None, "a"], dtype=object),
    "numpy_str": lambda x: np.str_("a"),
    "complex_array": lambda x: np.array([1j]) * 2.0,
    "list_with_None": lambda x: [x * 2.0, None],
}


@pytest.mark.parametrize("name", sorted(NOT_NUMBERS))
def test_an_output_that_is_not_numbers_is_a_type_error_in_every_entry_point(name):
    # an object array of non-numbers came back from jacobian as a zero Jacobian (and
    # from jvp/derivative as zeros; derivative(order=0) returned None or 'a' unchecked),
    # where reverse and symbolic refuse it
    f = NOT_NUMBERS[name]
    calls = {
        "jacobian": lambda: dualad.jacobian(f, np.ones(2)),
        "jacobian_scalar": lambda: dualad.jacobian(f, 1.0),
        "gradient": lambda: dualad.gradient(f, 1.0),
        "gradient_array": lambda: dualad.gradient(f, np.ones(2)),
        "jvp": lambda: dualad.jvp(f, (1.0,), (1.0,)),
        "derivative0": lambda: dualad.derivative(f, 1.0, order=0),
        "derivative1": lambda: dualad.derivative(f, 1.0),
        "derivative2": lambda: dualad.derivative(f, 1.0, order=2),
        "derivative4": lambda: dualad.derivative(f, 1.0, order=4),
    }
    for what, call in calls.items():
        with pytest.raises(TypeError, match="f returned"):
            call()
        assert what
    with pytest.raises(TypeError):
        reverse.jacobian(f, np.ones(2))


def test_integer_outputs_are_still_numbers():
    # the refusal keeps every numeric output: an int array is a constant, as in reverse
    f = lambda x: np.array([1, 2]) + 0 * x[0]       # noqa: E731
    np.testing.assert_array_equal(dualad.jacobian(f, np.ones(2)), reverse.jacobian(f, np.ones(2)))
    assert dualad.derivative(lambda x: 3, 1.0, order=0) == 3.0
    # order 0 is f(x) itself (API.md): a comparison too, though it has no derivative
    assert dualad.derivative(lambda x: x > 0, 1.0, order=0) is True
    assert dualad.derivative(lambda x: np.int64(3), 1.0, order=3) == 0.0
    np.testing.assert_array_equal(dualad.jacobian(lambda x: np.arange(3), np.ones(2)),
                                  reverse.jacobian(lambda x: np.arange(3), np.ones(2)))


NONFINITE_ARRAY_FUNCTIONS = {
    "prod": np.prod,
    "prod_axis": lambda x: np.sum(np.prod(x.reshape(2, 2), axis=0) ** 2),
    "x_at_x": lambda x: x @ x,
    "dot": lambda x: np.dot(x, x),
    "norm": np.linalg.norm,
    "matmul_2d": lambda x: np.sum(x.reshape(2, 2) @ x.reshape(2, 2)),
    "vecmat": lambda x: np.sum(x[:3] @ np.arange(1.0, 13.0).reshape(3, 4) * x),
    "mean_prod": lambda x: np.mean(x) * np.prod(x),
}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_nonfinite_redo_covers_prod_matmul_dot_and_norm():
    # the redo under strong_zeros() fixed elementwise code only: prod, x @ x, np.dot
    # and norm at an input holding inf or nan gave all-nan gradients
    for f, x, want in [(np.prod, [np.inf, 1.0, 2.0], [2.0, np.inf, np.inf]),
                       (np.prod, [np.nan, 1.0, 2.0], [2.0, np.nan, np.nan]),
                       (lambda x: x @ x, [np.inf, 1.0, 2.0], [np.inf, 2.0, 4.0]),
                       (lambda x: np.dot(x, x), [np.nan, 1.0, 2.0], [np.nan, 2.0, 4.0]),
                       (np.linalg.norm, [np.inf, 1.0, 2.0], [np.nan, 0.0, 0.0]),
                       (lambda x: x @ x, [np.inf, -np.inf, 2.0], [np.inf, -np.inf, 4.0])]:
        x = np.array(x)
        for chunk in (None, 1, 2):
            np.testing.assert_array_equal(dualad.gradient(f, x, chunk_size=chunk), want)
        np.testing.assert_array_equal(reverse.gradient(f, x), want)
    # against reverse's single sweep at many points with infinities and NaNs (no
    # zero entries: where a partial is 0 the engines differ, see the README)
    rng = np.random.default_rng(7)
    for name, f in NONFINITE_ARRAY_FUNCTIONS.items():
        for _ in range(40):
            x = rng.uniform(0.5, 2.0, 4) * rng.choice([-1.0, 1.0], 4) * rng.choice([1.0, 1e200])
            for i in rng.choice(4, rng.integers(1, 3), replace=False):
                x[i] = rng.choice([np.inf, -np.inf, np.nan])
            want = reverse.gradient(f, x)
            for chunk in (None, 1, 3):
                np.testing.assert_allclose(dualad.gradient(f, x, chunk_size=chunk), want,
                                           rtol=1e-13, err_msg=f"{name} at {x}")


def test_hessian_directions_share_one_memory_budget():
    # both levels took k = n directions (each within its own 2^18-float budget), so
    # every intermediate carried n·n·n tangents: 387 MB at n = 200, 2.5 GB at n = 400
    import tracemalloc
    x = np.linspace(0.1, 1.0, 200)
    f = lambda v: np.sum(np.sin(v) * np.roll(v, 1))     # noqa: E731
    tracemalloc.start()
    try:
        H = dualad.hessian(f, x)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100e6
    np.testing.assert_allclose(H, reverse.hessian(f, x), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(dualad.hessian(f, x[:5], chunk_size=2),
                               reverse.hessian(f, x[:5]), rtol=1e-13, atol=1e-15)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_strong_zero_redo_keeps_outer_tangents():
    # in a Hessian's inner redo a tangent is a Dual of the outer call: 2x·ẋ at x = 0 is
    # 0, its outer derivative 2·ẋ is not; the redo zeroed the term on t == 0 (primal
    # only) and gave diag(0, 0, 2) for 2·I.  sqrt(0·x₂) is identically 0.
    x = np.array([0.0, 0.0, 1.0])
    g = lambda x: np.sum(x ** 2) + np.sqrt(0.0 * x[2])    # noqa: E731
    for chunk in (None, 1, 2):
        np.testing.assert_array_equal(dualad.hessian(g, x, chunk_size=chunk), 2 * np.eye(3))
    assert dualad.hessian(lambda a, b, c: a * a + b * b + c * c + np.sqrt(0.0 * c),
                          0.0, 0.0, 1.0) == ((2.0, 0.0, 0.0), (0.0, 2.0, 0.0), (0.0, 0.0, 2.0))
    # prod's strong rule: x₀²·(x₁ + 1) has H = [[2, 0], [0, 0]] at 0 (reverse agrees there)
    f = lambda x: np.prod(np.stack([x[0] ** 2, x[1] + 1.0])) + np.sqrt(0.0 * x[2])  # noqa: E731
    H = dualad.hessian(f, x)
    np.testing.assert_array_equal(H, np.diag([2.0, 0.0, 0.0]))
    np.testing.assert_array_equal(H[:2], reverse.hessian(f, x)[:2])


def test_tuple_and_range_indices_with_directions_are_advanced():
    # x[(0, 1), :, (1, 1)] is NumPy's x[[0, 1], :, [1, 1]]; with k directions a tuple or
    # range was taken for a basic index: the Jacobian came out silently wrong (k = 2)
    # or raised a broadcast ValueError (default k)
    X = np.arange(1.0, 13.0).reshape(2, 3, 2)
    eye = np.eye(X.size).reshape(X.shape + (X.size,))     # ∂x[i]/∂x, flat input last
    for key in [((0, 1), slice(None), (1, 1)), (range(2), slice(None), [1, 1]),
                (np.array([0, 1]), slice(None), (1, 0)), (Ellipsis, (1, 0)),
                ((1,), [2], slice(None)), (True, 0, (1, 1))]:
        want = eye[key + (slice(None),)].reshape(X[key].shape + X.shape)
        for chunk in (None, 1, 2, 5):
            J = dualad.jacobian(lambda x: x[key] * 1.0, X, chunk_size=chunk)
            np.testing.assert_array_equal(J, want, err_msg=f"{key} chunk {chunk}")
        np.testing.assert_array_equal(reverse.jacobian(lambda x: x[key] * 1.0, X), want)


def test_a_dual_built_inside_f_is_the_outer_level():
    # Dual(x, 1.0) of the call's own x got tag 0, the oldest, and was read as the
    # inner level: d/dx [d/de (x + e)·x at e = 0] = d/dx x = 1 came out 0
    assert dualad.derivative(lambda x: (Dual(x, 1.0) * x).tangent, 3.0) == 1.0
    assert dualad.derivative(lambda x: (x * Dual(x, 2.0) * x).tangent, 3.0) == 12.0
    # the tangent of Dual(x, v)·sin(x) is v·sin(x): its summed gradient is v·cos(x)
    x0, v = np.array([1.0, 2.0]), np.array([1.0, 0.5])
    hvp = lambda x: np.sum((Dual(x, v) * np.sin(x)).tangent)     # noqa: E731
    np.testing.assert_allclose(dualad.gradient(hvp, x0), v * np.cos(x0), rtol=1e-15)
    np.testing.assert_allclose(dualad.gradient(hvp, x0, chunk_size=1),
                               reverse.gradient(lambda x: np.sum(v * np.sin(x)), x0), rtol=1e-15)
    # a plain Dual stays tag 0 (cheap); an explicit tag is kept
    assert Dual(2.0, 1.0).tag == 0 and Dual(Dual(2.0, 1.0), 1.0, tag=5).tag == 5
    inner = Dual(2.0, 1.0)
    assert Dual(inner, 1.0).tag > inner.tag and Dual(1.0, inner).tag > inner.tag
    # Duals built around one call's values are one level: a tag each split a user's own
    # directional derivative (d/dx of ∂/∂a a·a·b at (x, x) = 2x² gave 0, not 4x)
    g = lambda a, b: a * a * b      # noqa: E731
    assert dualad.derivative(lambda x: g(Dual(x, 1.0), Dual(x, 0.0)).tangent, 3.0) == 12.0
    assert dualad.jvp(lambda x: g(Dual(x, 0.0), Dual(x * 0.0 + 5.0, 1.0)).tangent,
                      (3.0,), (1.0,)) == (9.0, 6.0)
    assert dualad.gradient(lambda v: g(Dual(v[0], 1.0), Dual(v[0], 0.0)).tangent,
                           np.array([3.0])).tolist() == [12.0]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_every_path_redoes_a_nonfinite_pass():
    # sqrt(c·x) with c = (0, 1): derivative (0, 0.5) at 1 (sqrt'(0) = inf meets c₀ = 0's
    # zero tangent).  jacobian and derivative of a Python float, and gradient of scalar
    # arguments, gave nan where np.float64(1.0) or a 0-d array gave the numbers
    c = np.array([0.0, 1.0])
    f = lambda x: np.sqrt(c * x)            # noqa: E731
    g = lambda x: np.sum(np.sqrt(c * x))    # noqa: E731
    for x in (1.0, np.float64(1.0), 1, np.array(1.0)):
        np.testing.assert_array_equal(dualad.jacobian(f, x), [0.0, 0.5])
        assert dualad.gradient(g, x) == 0.5
    for x in (1.0, np.float64(1.0), 1):
        np.testing.assert_array_equal(dualad.derivative(f, x), [0.0, 0.5])
        assert dualad.derivative(g, x) == 0.5
        assert dualad.derivative(lambda x: {"g": g(x)}, x) == {"g": 0.5}
    # several scalar arguments: the paired pass, its real redo, and the odd last one
    # (exact: g(x) = √x; reverse mode gives nan here, its 0 comes from a partial)
    h = lambda a, b, e: g(a) + g(b) * g(e)  # noqa: E731
    assert dualad.gradient(h, 1.0, 4.0, 1.0) == (0.5, 0.25, 1.0)
    assert dualad.gradient(lambda a, b: g(a) * b, 1.0, 3.0) == (1.5, 1.0)


def test_list_and_tuple_constant_operands():
    # a list constant reached the partials as a list: 1.0 / [1, 4], [1, 2] - 1 and
    # x*x + y*y raised TypeError for x / [..], x ** [..] and arctan2 (x * [..] worked)
    x = np.array([1.0, 2.0])
    for f, want in [(lambda x: np.sum(x / [1.0, 4.0]), [1.0, 0.25]),
                    (lambda x: np.sum(x ** [1.0, 2.0]), [1.0, 4.0]),
                    (lambda x: np.sum(x ** (1, 2)), [1.0, 4.0]),
                    (lambda x: np.sum(np.arctan2(x, [1.0, 2.0])), [0.5, 0.25]),
                    (lambda x: np.sum([2.0, 8.0] / x), [-2.0, -2.0]),
                    (lambda x: np.sum(np.power([2.0, 3.0], x)),
                     [2.0 * np.log(2.0), 9.0 * np.log(3.0)])]:
        np.testing.assert_allclose(dualad.gradient(f, x), want, rtol=1e-15)
        np.testing.assert_allclose(dualad.gradient(f, x, chunk_size=1), want, rtol=1e-15)
    assert dualad.gradient(lambda a, b: np.sum(a / [1.0, 4.0]) * b, 1.0, 2.0) == (2.5, 1.25)


def test_an_element_indexes_like_a_numpy_scalar():
    # x[i] of a Dual vector has a Python-float primal: x[i][None] and x[i][...] (valid
    # on np.float64) raised "'float' object is not subscriptable"
    x = np.array([1.0, 0.5, 2.0])
    f = lambda x: np.sum(np.concatenate([x[0][None] * 3, x[1:]])) + \
        x[2][...] * x[1][()] + np.sum(x[0][None, None])     # noqa: E731
    want = [4.0, 1.0 + x[2], 1.0 + x[1]]        # 3x₀ + x₁ + x₂ + x₂x₁ + x₀
    for chunk in (None, 1, 2):
        np.testing.assert_array_equal(dualad.gradient(f, x, chunk_size=chunk), want)
    assert dualad.gradient(lambda a, b: f(np.stack([a, b, a])), 1.0, 0.5) == (5.5, 2.0)


def test_results_are_writeable_arrays():
    # a tangent broadcast to out's shape was returned as NumPy's read-only stride-0 view
    _, t = dualad.jvp(lambda x: x + np.zeros(3), (1.0,), (1.0,))
    J = dualad.jacobian(lambda x: x[0] + np.zeros(3), np.array([1.0]))
    d = dualad.derivative(lambda x: {"a": x + np.zeros(2)}, 1.0)["a"]
    g = dualad.gradient(lambda x: x[0] + np.sum(np.zeros(3)), np.ones(2))
    for a, want in [(t, np.ones(3)), (J, np.ones((3, 1))), (d, np.ones(2)), (g, [1.0, 0.0])]:
        np.testing.assert_array_equal(a, want)
        assert a.flags.writeable
        a[0] = 5.0
        assert a[0] == 5.0 and a[1] == want[1]


def test_keyword_arguments_one_argument_where_and_error_messages():
    d = Dual(np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    # the array passed by name was not found (RecursionError; _mean's TypeError)
    for got, want in [(np.sum(a=d), (3.0, 1.0)), (np.max(a=d), (2.0, 0.0)),
                      (np.mean(a=d), (1.5, 0.5)), (np.sum(d, axis=0), (3.0, 1.0)),
                      (np.prod(a=d, axis=0), (2.0, 2.0))]:
        assert (got.primal, got.tangent) == want
    np.testing.assert_array_equal(dualad.gradient(lambda x: np.sum(a=x * x), np.ones(2)), [2, 2])
    assert np.argmax(a=d) == 1
    assert dualad.gradient(lambda x, y: np.sum(a=np.stack(arrays=[x, y], axis=0),
                                               dtype=np.float64), 1.0, 2.0) == (1.0, 1.0)
    # np.where(c) alone is np.nonzero(c): indices, not a Dual holding them
    idx = np.where(d)
    assert type(idx) is tuple and idx[0].tolist() == [0, 1]
    np.testing.assert_array_equal(
        dualad.gradient(lambda x: np.sum(x[np.where(x)] ** 2), np.array([1.0, 0.0, 2.0])),
        [2.0, 0.0, 4.0])
    # a scalar takes axis 0 as in NumPy (np.prod(np.float64(3), axis=0) is 3.0)
    assert dualad.derivative(lambda x: np.prod(x * x, axis=0), 3.0) == 6.0
    np.testing.assert_array_equal(dualad.jacobian(lambda x: np.cumprod(x * x, axis=0), 3.0),
                                  [6.0])
    for fn in (lambda x: np.prod(x * x, axis=1), lambda x: np.cumprod(x * x, axis=1)):
        with pytest.raises(np.exceptions.AxisError):
            fn(np.float64(3.0))
        with pytest.raises(np.exceptions.AxisError):
            dualad.derivative(fn, 3.0)
    # messages that say what f returned, and who needs a scalar
    with pytest.raises(ValueError, match="gradient needs f to return a scalar, not a tuple"):
        dualad.gradient(lambda x, y: (x * y,), 1.0, 2.0)
    with pytest.raises(ValueError, match="gradient needs f to return a scalar, not a list"):
        dualad.gradient(lambda x: [x, x], 1.0)
    with pytest.raises(ValueError, match=r"hessian needs f to return a scalar, got shape \(2,\)"):
        dualad.hessian(lambda x: x * x, np.ones(2))
    # reverse.hessian said "gradient needs ...; use jacobian" (its inner call's words)
    with pytest.raises(ValueError, match=r"^hessian needs f to return a scalar, got shape \(2,\)$"):
        reverse.hessian(lambda x: x * x, np.ones(2))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_strong_redo_hessian_does_not_depend_on_chunk_size():
    # the redo zeroed an inner term only where its tangent was 0 in every outer
    # direction of the pass: H[0][1] of x0²·√x1 + x2³ at (0, 0, 1) was 0 with one
    # direction per pass and nan with several
    f = lambda x: x[0] ** 2 * np.sqrt(x[1]) + x[2] ** 3     # noqa: E731
    x = np.array([0.0, 0.0, 1.0])
    hs = [dualad.hessian(f, x, chunk_size=c) for c in (None, 1, 2, 3)]
    for h in hs[1:]:
        np.testing.assert_array_equal(h, hs[0])
    assert hs[0][0, 1] == 0.0 and hs[0][2, 2] == 6.0
    g = lambda x: np.sum(x ** 2) + np.sqrt(0 * x[2])       # noqa: E731
    for c in (None, 1, 2, 3):
        np.testing.assert_array_equal(dualad.hessian(g, x, chunk_size=c), 2 * np.eye(3))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("c", [np.array([1.0, 10.0]), np.array([1.0, 2.0, 3.0])])
def test_the_redo_aligns_an_outer_direction_with_a_larger_partial(c):
    # in a redone Hessian pass the outer tangent of a scalar inner tangent met an array
    # partial on the wrong axis: H[4,1] 8.19 for 9.01 (not symmetric), or a ValueError
    f = lambda y: np.sum(np.sin(y[4] * y[1]) * c) + np.sqrt(y[0])     # noqa: E731
    y = np.array([0.0, 0.5, 0.2, 0.3, 0.7])
    want = reverse.hessian(f, y)
    for chunk in (None, 1, 2, 3):
        h = dualad.hessian(f, y, chunk_size=chunk)
        np.testing.assert_allclose(h[1:, 1:], want[1:, 1:], rtol=1e-14)
    g = lambda y: np.sum((y[0] + c[:2]) ** 2 * y[1:3]) + np.sum(np.sqrt(0 * y))   # noqa: E731
    for chunk in (None, 1, 2):
        t = dualad.jacobian(lambda z: dualad.hessian(g, z, chunk_size=chunk), y[:3])
        assert t[0, 1, 0] == t[1, 0, 0] == 2.0      # d³/dy0²dy1 of (y0 + c0)²·y1


def test_a_dual_built_in_an_inner_call_around_an_outer_value():
    # a Dual built inside an inner derivative around the outer call's x took the level
    # just above x's, below the inner call's: d/dx [x·F(x)] was 0.0 for 4.0
    def dd(g, x):
        return g(Dual(x, 1.0)).tangent

    def F(x):
        return dualad.derivative(lambda y: dd(lambda u: u * y * y, x), 2.0)

    assert dualad.derivative(lambda x: x * F(x), 1.0) == 4.0
    G = lambda x: dualad.derivative(lambda y: dd(lambda u: u * y ** 3, x), 2.0, order=3)  # noqa: E731,E501
    assert dualad.derivative(lambda x: x * G(x), 1.0) == 6.0


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_redone_results_do_not_depend_on_chunk_size_or_packaging():
    # with the redo only for passes that seeded zeros, these depended on chunk_size and
    # on x against [x] (review5); every path redoes alike: forward's documented 0
    f = lambda x, y: np.sqrt(x[0] * y)                         # noqa: E731
    x, y = np.array([0.0, 1.0]), 1.0
    grads = [dualad.gradient(f, x, y, chunk_size=c)[1] for c in (None, 1, 2, 3)]
    assert grads == [grads[0]] * 4
    h = lambda a, b, c: a * a + b * b + np.sqrt(0 * c)         # noqa: E731
    hs = [dualad.hessian(h, 1.0, 2.0, 3.0, chunk_size=c)[2][2] for c in (None, 1, 2, 3)]
    assert hs == [hs[0]] * 4 and dualad.gradient(h, 1.0, 2.0, 3.0)[2] == hs[0] * 0.0
    g = lambda x: np.sum(np.cbrt(x ** 3))                      # noqa: E731
    assert dualad.gradient(g, np.array([0.0]))[0] == dualad.gradient(g, np.zeros(2))[0] \
        == dualad.derivative(lambda t: np.cbrt(t ** 3), 0.0) == 0.0   # (exact 1; reverse nan)


@pytest.mark.filterwarnings("error::RuntimeWarning")   # no 0/0 warning from the weights
@pytest.mark.parametrize("fn", [np.max, np.min])
def test_a_nan_in_max_does_not_reach_other_inputs(fn):
    # max/min's weights are nan over a nan item; a direction that does not move the
    # reduced items took nan from them: [nan, nan, nan] for reverse's and JAX's [nan, nan, 1]
    f = lambda x: fn(x[:2]) + x[2]      # noqa: E731
    x = np.array([np.nan, 1.0, 2.0])
    want = reverse.gradient(f, x)
    assert np.isnan(want[:2]).all() and want[2] == 1.0
    for chunk in (None, 1, 2):
        np.testing.assert_array_equal(dualad.gradient(f, x, chunk_size=chunk), want)
    assert dualad.jvp(f, (x,), (np.array([0.0, 0.0, 1.0]),))[1] == 1.0


def test_arguments_outside_a_pass_are_duals_too():
    # with chunk_size=1 the arguments a pass did not seed were plain floats: a Dual f
    # built around one took tag 0 (gradient (36, 0) for (36, 25)), and 1/c at c = 0
    # raised ZeroDivisionError where the default pass gives NumPy's inf
    def g(x, y):
        d = Dual(x, 1.0) * y
        return d.primal ** 2 + d.tangent ** 2
    for chunk in (None, 1, 2):      # g = x²y² + y²: (2xy², 2x²y + 2y)
        assert dualad.gradient(g, 2.0, 3.0, chunk_size=chunk) == (36.0, 30.0)
    h = lambda a, b, c: a + b + 1 / c       # noqa: E731
    with np.errstate(divide="ignore", invalid="ignore"):
        for chunk in (None, 1, 2, 3):
            assert dualad.gradient(h, 1.0, 1.0, 0.0, chunk_size=chunk) == (1.0, 1.0, -np.inf)


def test_indexing_a_0d_argument_on_every_path():
    # a 0-d array's seeded tangent is the float 1.0: s[None] raised "'float' object is not
    # subscriptable" with chunk_size=1 and in jvp, where the default pass worked
    f = lambda x, s: np.sum(x * s[None])        # noqa: E731
    x, s = np.array([1.0, 2.0, 3.0]), np.array(2.0)
    for chunk in (None, 1, 2):
        gx, gs = dualad.gradient(f, x, s, chunk_size=chunk)
        assert gx.tolist() == [2.0, 2.0, 2.0] and gs == 6.0
    assert dualad.jvp(lambda s: np.sum(x * s[...]), (s,), (1.0,)) == (12.0, 6.0)


@pytest.mark.parametrize("x", [np.array([2.0]), np.array([-2.0])])
def test_a_scalar_comparison_is_numpys_bool_so_its_inverse_picks_numpys_branch(x):
    # review28: Dual and Tensor comparisons of scalars gave Python's bool, whose ~ is the
    # int −2 (true): ~(x[0] > 0) took x² where NumPy, on the np.float64 x[0], takes x³
    f = lambda x: np.where(~(x[0] > 0), x[0] ** 2, x[0] ** 3)      # noqa: E731
    want = 3 * x[0] ** 2 if x[0] > 0 else 2 * x[0]
    assert f(x) == (x[0] ** 3 if x[0] > 0 else x[0] ** 2)
    for engine in (dualad.gradient, reverse.gradient, symbolic.gradient,
                   lambda f, x: dualad.compile(f, x).gradient(x)):
        np.testing.assert_array_equal(engine(f, x), [want])
    assert dualad.jvp(f, (x,), (np.ones(1),)) == (f(x), want)
    h = lambda v: np.where(~(v > 0), v ** 2, v ** 3)                # noqa: E731
    assert dualad.derivative(h, np.float64(x[0]), order=3) == (6.0 if x[0] > 0 else 0.0)
    # np.bool_'s own methods work on the result
    g = lambda v: np.sum((v[0] > 0).astype(float) * v)              # noqa: E731
    for engine in (dualad.gradient, reverse.gradient):
        np.testing.assert_array_equal(engine(g, x), [1.0 if x[0] > 0 else 0.0])


# -- probe40: a scalar x[i] behaves as NumPy's np.float64 in every engine ---------------
ENGINES_WITH_VALUE = {
    "forward": lambda f, x: dualad.jvp(f, (x,), (np.ones_like(x),))[0],
    "reverse": lambda f, x: reverse.vjp(f, x)[0],
    "compiled": lambda f, x: dualad.compile(f, x)(x),
}


@pytest.mark.parametrize("engine", ENGINES_WITH_VALUE)
def test_scalar_elements_compare_read_and_format_as_numpys_float64(engine):
    x = np.array([0.5, 2.0])
    cases = [
        # a list or tuple on either side is NumPy's array of it (Python's float said
        # False: np.float64(2.0) == [2.0] is array([True]); < [3.0] raised TypeError)
        lambda x: x[1] * 5.0 if x[1] == [2.0] else x[1],
        lambda x: np.sum(x[1] == [2.0, 3.0]) * x[0] + np.sum(x[1] < (3.0, 1.0)) * x[1]
        + np.sum([2.0] != x[1]) * x[0],
        # np.iterable(np.float64) is False: __iter__ was a generator, refused only later
        lambda x: np.sum(x[1]) if np.iterable(x[1]) else 10.0 * x[1],
        # format specs format the primal (Dual.__format__ refused any spec)
        lambda x: x[1] * float(f"{x[0]:.1f}") + len(f"{np.sum(x):e}"),
    ]
    wants = [10.0, 2.5, 20.0, 13.0]
    for f, want in zip(cases, wants):
        assert f(x) == want
        assert ENGINES_WITH_VALUE[engine](f, x) == want


def test_scalar_elements_branch_as_numpy_in_every_engine_gradient():
    x = np.array([0.5, 2.0])
    f = lambda x: x[1] * 5.0 if x[1] == [2.0] else x[1]       # noqa: E731
    g = lambda x: np.sum(x[1]) if np.iterable(x[1]) else 10.0 * x[1] ** 2   # noqa: E731
    for engine in (dualad.gradient, reverse.gradient, symbolic.gradient):
        np.testing.assert_array_equal(engine(f, x), [0.0, 5.0])
        np.testing.assert_array_equal(engine(g, x), [0.0, 40.0])
    assert dualad.derivative(lambda t: (10.0 if not np.iterable(t) else 1.0) * t ** 3,
                             1.0, order=3) == 60.0


def test_round_to_negative_decimals_is_numpys():
    # x·10^d with d < 0 is inexact: round(7997770735087.39, −5) was 7997770699999.999;
    # NumPy divides by 10^−d, rounds, and multiplies back
    x = np.array([7997770735087.39, 1.5, -123456.0])
    f = lambda x: np.round(x, -5)                           # noqa: E731
    want = np.round(x, -5)
    assert want[0] == 7997770700000.0
    np.testing.assert_array_equal(dualad.jvp(f, (x,), (np.ones(3),))[0], want)
    np.testing.assert_array_equal(reverse.vjp(f, x)[0], want)
    assert reverse.vjp(lambda x: round(x[0], -5), x)[0] == round(np.float64(x[0]), -5)
    # 10^d as NumPy builds it (review29): 10.0 ** 23 is an ulp above NumPy's factor
    # (3.323e+26 for 3.3229999999999994e+26), and 10.0 ** 309 raised OverflowError
    # where NumPy gives nan
    x = np.array([3.322999516644883e+26, -2.5556650313141817e-08, 1.5])
    for d in (23, -23, 25, -309, -400, 309):
        with np.errstate(all="ignore"):
            want = np.round(x, d)
            for got in (dualad.jvp(lambda x: np.round(x, d), (x,), (np.ones(3),))[0],
                        reverse.vjp(lambda x: np.round(x, d), x)[0]):
                np.testing.assert_array_equal(got, want)


def test_scalar_power_at_minus_infinity_and_minus_zero_is_c_pow_as_numpys_float64():
    # x[0] ** 0.5 at −inf: np.float64 (and Python) give inf, the engines gave np.power's
    # nan; (−0.0) ** np.float64(0.5) gave −0.0 for 0.0
    for v, y, want in ((-np.inf, 0.5, np.inf), (-0.0, np.float64(0.5), 0.0),
                       (-np.inf, -0.5, 0.0), (-np.inf, 3.0, -np.inf)):
        x = np.array([v])
        f = lambda x, y=y: x[0] ** y                         # noqa: E731
        assert f(x) == want and np.signbit(f(x)) == np.signbit(want)
        for got in (dualad.jvp(f, (x,), (np.ones(1),))[0], reverse.vjp(f, x)[0]):
            assert got == want and np.signbit(got) == np.signbit(want)
    with np.errstate(invalid="ignore"):     # the ufunc is NumPy's own, nan and −0.0 there
        assert np.isnan(dualad.jvp(lambda x: np.power(x[0], 0.5), (np.array([-np.inf]),),
                                   (np.ones(1),))[0])
