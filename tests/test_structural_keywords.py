"""Structural ops with their keywords (where=, initial=, order=, ddof=, ...): every
engine handles a keyword correctly or refuses it with a TypeError naming it.

Each case checks the primal against NumPy in both engines, and the gradient of
dualad (forward) and reverse against central differences and each other.
"""

import numpy as np
import pytest

import dualad
import reverse
import symbolic
from tests.helpers import check_grads

x = np.array([1., -2., 3., .5])
m = x > 0
rng = np.random.default_rng(7)
X = rng.normal(size=(2, 3))
X3 = rng.normal(size=(2, 3, 4))
M3 = np.indices(X3.shape).sum(0) % 3 != 0    # ≥ 2 selected per slice along axes 1, 2


def check(f, *args):
    """f's primal in both engines equals NumPy's; its gradients agree with central
    differences and with each other."""
    want = f(*args)
    out_f, _ = dualad.jvp(f, args, tuple(np.ones_like(a) for a in args))
    out_r, _ = reverse.vjp(f, *args)
    np.testing.assert_allclose(out_f, want, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(out_r, want, rtol=1e-13, atol=1e-13)
    check_grads(f, *args, engines={"reverse"})


def both(f, *args):
    """(forward gradient, reverse gradient)."""
    return dualad.gradient(f, *args), reverse.gradient(f, *args)


# 1. matmul's transposes, every rank combination

MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                 ((5, 2, 3), (3,)), ((3,), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)),
                 ((1, 2, 3), (5, 3, 4)), ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)),
                 ((4, 1, 2, 3), (5, 3, 2))]


@pytest.mark.parametrize("sa, sb", MATMUL_SHAPES)
def test_matmul_every_rank(sa, sb):
    a, b = rng.normal(size=sa), rng.normal(size=sb)
    w = rng.normal(size=np.shape(a @ b))
    check(lambda a, b: np.sum((a @ b) * w), a, b)


def test_matmul_vector_times_batched_matrix_reported():
    a, b, w = np.arange(1., 4.), np.ones((5, 3, 4)), np.arange(20.).reshape(5, 4)
    g_f, g_r = both(lambda b: np.sum((a @ b) * w), b)
    want = a[None, :, None] * w[:, None, :]         # b̄[k, i, j] = a[i] w[k, j]
    np.testing.assert_array_equal(g_f, want)
    np.testing.assert_array_equal(g_r, want)


# 2. order='F'

def test_reshape_order_f_reported():
    v = np.arange(1., 7.).reshape(2, 3)
    w = np.arange(6.).reshape(3, 2)
    for g in both(lambda v: np.sum(np.reshape(v, (3, 2), order="F") * w), v):
        np.testing.assert_array_equal(g, [[0, 4, 3], [2, 1, 5]])


@pytest.mark.parametrize("f", [
    lambda v: np.reshape(v, (3, 2), order="F") ** 2 * np.arange(6.).reshape(3, 2),
    lambda v: np.reshape(v, (3, 2), "F") ** 2 * np.arange(6.).reshape(3, 2),
    lambda v: v.reshape(3, 2, order="F") ** 2 * np.arange(6.).reshape(3, 2),
    lambda v: np.ravel(v, order="F") ** 2 * np.arange(6.),
    lambda v: v.ravel(order="F") ** 2 * np.arange(6.),
    lambda v: v.flatten(order="F") ** 2 * np.arange(6.),
], ids=["reshape", "reshape-positional", "method", "ravel", "ravel-method", "flatten"])
def test_order_f(f):
    check(lambda v: np.sum(f(v)), X)


@pytest.mark.parametrize("order", ["A", "K"])
def test_memory_layout_orders_refused(order):
    for engine in (dualad, reverse):
        with pytest.raises(TypeError, match=f"np.ravel.*order='{order}'"):
            engine.gradient(lambda v: np.sum(np.ravel(v, order=order)), X)


# 3. keywords of the reductions

def test_reported_gradients():
    for g in both(lambda v: np.sum(v, initial=5.), np.ones(2)):
        np.testing.assert_array_equal(g, [1., 1.])
    for g in both(lambda v: np.sum(v, where=np.array([True, False])), np.ones(2)):
        np.testing.assert_array_equal(g, [1., 0.])
    for g in both(lambda v: np.max(v, initial=10.), np.ones(2)):
        np.testing.assert_array_equal(g, [0., 0.])
    for g in both(lambda v: np.prod(v, initial=2.), np.array([1., 2.])):
        np.testing.assert_array_equal(g, [4., 2.])
    for g in both(lambda v: np.prod(v, where=np.array([True, False])), np.array([3., 2.])):
        np.testing.assert_array_equal(g, [1., 0.])


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_max_and_min_with_initial_reduce_an_empty_axis_to_initial(axis):
    # NumPy's maximum.reduce has no identity: reverse and symbolic raised "zero-size
    # array to reduction operation maximum", forward gave [], jax.grad gives zeros
    x = np.zeros((3, 0))
    f = lambda v: np.sum(np.max(v, axis=axis, initial=2.0)) + np.sum(    # noqa: E731
        np.min(v, axis=axis, initial=-1.0))
    assert reverse.vjp(f, x)[0] == f(x) == (3.0 if axis == 1 else 0.0 if axis == 0 else 1.0)
    for engine in (dualad, reverse, symbolic):
        g = engine.gradient(f, x)
        assert g.shape == (3, 0), engine.__name__


def test_reported_primals():
    assert reverse.vjp(lambda v: np.mean(v, where=m), x)[0] == 1.5
    assert dualad.jvp(lambda v: np.mean(v, where=m), (x,), (x,))[0] == 1.5
    for kw in ({"correction": 1}, {"ddof": 1}):
        assert reverse.vjp(lambda v: np.var(v, **kw), x)[0] == pytest.approx(4.2291666666)
        assert dualad.jvp(lambda v: np.var(v, **kw), (x,), (x,))[0] == \
            pytest.approx(4.2291666666)
    two = np.array([1., 2.])
    for f, want in [(lambda v: np.multiply.reduce(v, initial=5.), 10.),
                    (lambda v: np.maximum.reduce(v, initial=5.), 5.),
                    (lambda v: np.add.reduce(v, where=np.array([True, False])), 1.)]:
        assert reverse.vjp(f, two)[0] == want
        assert dualad.jvp(f, (two,), (two,))[0] == want
    assert reverse.vjp(lambda v: np.diff(v, prepend=0.), x)[0].shape == (4,)
    assert dualad.jvp(lambda v: np.diff(v, append=0.), (x,), (x,))[0].shape == (4,)


VECTOR_CASES = [
    lambda v: np.sum(v * v, where=m),
    lambda v: np.sum(v * v, initial=5.),
    lambda v: np.sum(v * v, where=m, initial=5.),
    lambda v: v.sum(where=m) ** 2,
    lambda v: np.mean(v * v, where=m),
    lambda v: np.var(v, where=m),
    lambda v: np.var(v, correction=1),
    lambda v: np.var(v, ddof=1),
    lambda v: np.std(v, where=m),
    lambda v: np.std(v, where=m, ddof=1),
    lambda v: v.std(ddof=1),
    lambda v: np.max(v, initial=10.) + np.max(v, initial=0.),
    lambda v: np.min(v, initial=-10.) + np.min(v, initial=0.),
    lambda v: np.max(v, where=~m, initial=-5.),
    lambda v: np.amin(v, where=m, initial=5.),
    lambda v: np.prod(v, initial=2.),
    lambda v: np.prod(v, where=m),
    lambda v: np.prod(v, where=m, initial=3.),
    lambda v: np.multiply.reduce(v, initial=5.),
    lambda v: np.maximum.reduce(v, initial=5.) + np.minimum.reduce(v, initial=0.),
    lambda v: np.add.reduce(v * v, where=m),
    lambda v: np.sum(np.add.accumulate(v, dtype=np.float64) ** 2),
    lambda v: np.sum(np.diff(v, prepend=0.) ** 2),
    lambda v: np.sum(np.diff(v, append=[2., 1.], n=2) ** 2),
    lambda v: np.sum(v, dtype=np.float64) ** 2,
    # a float dtype= on a traced product (symbolic raised sympy's "Cannot convert
    # expression to float" from NumPy's object reduce)
    lambda v: np.sum(v * v, dtype=np.float64),
    lambda v: np.prod(v * 2.0, dtype=float),
    lambda v: np.sum(np.cumsum(v * v, dtype=np.float64) ** 2),
    lambda v: (v * v).sum(dtype=np.float64) + (v * v).mean(dtype=np.float64),
    lambda v: np.sum(np.concatenate([v, v * v], dtype=np.float64) ** 2),
]


@pytest.mark.parametrize("f", VECTOR_CASES, ids=lambda f: None)
def test_vector_keywords(f):
    check(f, x)


# symbolic takes the ufunc methods as every engine does (UFUNC_METHODS), keywords
# too, and np.diff's append of a list (it refused both with a TypeError)
SYMBOLIC_REFUSES = set()


@pytest.mark.parametrize("i", range(len(VECTOR_CASES)))
def test_vector_keywords_symbolic(i):
    # the symbolic engine reads the same KEYWORDS / REWRITES (it used to ignore
    # np.max's initial= and failed on where=): the same gradient, or a TypeError
    f = VECTOR_CASES[i]
    if i in SYMBOLIC_REFUSES:
        with pytest.raises(TypeError):
            symbolic.gradient(f, x)
    else:
        np.testing.assert_allclose(symbolic.gradient(f, x), dualad.gradient(f, x),
                                   rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("f", [
    lambda v: np.sum(np.sum(v, axis=1, where=M3) ** 2),
    lambda v: np.sum(np.sum(v, axis=(0, 2), keepdims=True, where=M3) ** 2),
    lambda v: np.sum(np.sum(v * v, axis=1, where=M3, initial=2.) ** 2),
    lambda v: np.sum(np.mean(v, axis=1, where=M3) ** 2),
    lambda v: np.sum(np.mean(v, axis=(0, 2), where=M3, keepdims=True) ** 2),
    lambda v: np.sum(np.var(v, axis=2, where=M3, ddof=1)),
    lambda v: np.sum(np.std(v, axis=1, where=M3)),
    lambda v: np.sum(np.max(v, axis=1, initial=0.1, where=M3)),
    lambda v: np.sum(np.min(v, axis=(0, 1), initial=0.1)),
    lambda v: np.sum(np.prod(v, axis=1, initial=2., where=M3)),
    lambda v: np.sum(np.prod(v, axis=(0, 2)) ** 2),
    lambda v: np.sum(np.prod(v, axis=(2, 0), keepdims=True) ** 2),
    lambda v: np.prod(v[:, :2, :2], axis=(0, 1, 2)),
    lambda v: np.sum(np.diff(v, n=2, prepend=0.5, axis=1) ** 2),
    lambda v: np.sum(np.diff(v, prepend=np.ones((2, 3, 1)), append=v[..., :1]) ** 2),
], ids=lambda f: None)
def test_array_keywords(f):
    check(f, X3)


def test_prod_tuple_axis_reported():
    check(lambda v: np.prod(v, axis=(0, 1)), X)


@pytest.mark.parametrize("ord_", [None, "fro", 1, -1, np.inf, -np.inf, 2, -2, "nuc"])
def test_matrix_norms(ord_):
    check(lambda v: np.linalg.norm(v, ord=ord_, axis=(0, 1)), X)
    check(lambda v: np.sum(np.linalg.norm(v, ord=ord_, axis=(2, 0), keepdims=True) ** 2), X3)
    if ord_ is not None:
        check(lambda v: np.linalg.norm(v, ord_), X)


def test_matrix_norm_reported():
    v = np.arange(6.).reshape(2, 3) - 1.       # the probe's numbers: 2-norm ≠ Frobenius
    assert reverse.vjp(lambda v: np.linalg.norm(v, ord=1, axis=(0, 1)), v)[0] == \
        np.linalg.norm(v, ord=1, axis=(0, 1))
    assert dualad.jvp(lambda v: np.linalg.norm(v, ord=np.inf, axis=(0, 1)), (v,), (v,))[0] \
        == np.linalg.norm(v, ord=np.inf, axis=(0, 1))


@pytest.mark.parametrize("f, message", [
    (lambda v: np.sum(v, dtype=int), r"np.sum\(..., dtype=int64\)"),
    (lambda v: np.sum(np.cumsum(v, dtype=np.int32)), r"np.cumsum\(..., dtype=int32\)"),
    (lambda v: np.var(v, mean=np.mean(X)), r"np.var\(..., mean=...\)"),
    (lambda v: np.sum(np.matmul(v, v.T, axes=[(0, 1), (0, 1), (0, 1)])),
     r"np.matmul\(..., axes=...\)"),
    (lambda v: np.sum(np.copy(v, order="F")), r"np.copy\(..., order=...\)"),
    (lambda v: np.sum(np.clip(v, 0., 1., where=X > 0)), r"np.clip\(..., where=...\)"),
    (lambda v: np.sum(np.concatenate([v, v], dtype=int)), "dtype=int64"),
])
def test_unsupported_keywords_refused(f, message):
    for engine in (dualad, reverse):
        with pytest.raises(TypeError, match=message):
            engine.gradient(f, X)


def test_defaults_given_explicitly_pass():
    f = lambda v: np.sum(np.sum(v, axis=0, where=True, keepdims=False, dtype=None) ** 2) + \
        np.var(v, ddof=0) + np.sum(np.copy(v, order="K")) + np.sum(np.ravel(v, "C"))
    check(f, X)


# 4. the rest of the probe's findings

def test_concatenate_axis_none():
    check(lambda v: np.sum(np.concatenate([v, v[0], v[0, 0] * np.array(3.)], axis=None)
                           * np.arange(10.)), X)
    check(lambda v: np.sum(np.concatenate([v, v], axis=None) * np.arange(2.)), np.array(2.))


@pytest.mark.parametrize("f", [
    lambda v: np.trace(v, axis1=1, axis2=0),
    lambda v: np.trace(v, offset=1, axis1=1, axis2=0) + np.trace(v, offset=-1),
    lambda v: np.trace(v.T, offset=1),
])
def test_trace_axes(f):
    check(f, X)


def test_trace_3d():
    check(lambda v: np.sum(np.trace(v, offset=1, axis1=2, axis2=0) ** 2), X3)


def test_cumprod_empty():
    e = np.zeros(0)
    out, t = dualad.jvp(lambda v: np.cumprod(v), (e,), (e,))
    assert out.shape == t.shape == (0,)
    for g in both(lambda v: np.sum(np.cumprod(v)), e):
        assert g.shape == (0,)
    for g in both(lambda v: np.sum(np.cumprod(v, axis=1)) + np.sum(v), np.ones((2, 0))):
        assert g.shape == (2, 0)


def test_second_order_through_keywords():
    f = lambda v: np.sum(v * v * v, where=m) + np.sum(np.reshape(v, (2, 2), order="F")[0] ** 3)
    np.testing.assert_allclose(reverse.hessian(f, x), dualad.hessian(f, x), rtol=1e-13)
    # row 0 of the F-order reshape is v[0], v[2]
    np.testing.assert_allclose(np.diag(dualad.hessian(f, x)), 6 * x * (m + [1, 0, 1, 0]))


# 5. axes at the edges: a scalar reduced over axis 0 / -1 (NumPy allows it), axes
# out of range (NumPy's AxisError, not ZeroDivisionError / IndexError)

@pytest.mark.parametrize("f", [
    lambda p: np.sum(p * 2.0, axis=-1),
    lambda p: np.max(p, axis=0) * 3.0,
    lambda p: np.cumsum(p, axis=0)[0] * 4.0,
], ids=lambda f: None)
def test_scalar_reduced_over_axis_0(f):
    want = f(2.0) / 2.0         # each is linear in p
    g_f, g_r = both(f, 0.5)
    assert g_f == want and g_r == want


def test_axis_out_of_range_is_numpys_axis_error():
    for f in (lambda p: np.sum(np.diff(p, axis=3)), lambda p: np.sum(p, axis=5)):
        for engine in (dualad, reverse):
            with pytest.raises(np.exceptions.AxisError):
                engine.gradient(f, np.ones(3))


# 6. small gaps the third probe found

def test_list_constants_in_bilinear_functions():
    # reverse: np.dot([1., 2.], x) multiplied the cotangent by a Python list (TypeError)
    x = np.array([1.0, 3.0, 2.0])
    for f in (lambda v: np.dot([1.0, 2.0], v[:2]), lambda v: np.sum(np.outer([1.0, 2.0], v)),
              lambda v: np.sum(np.matmul([[1.0, 2.0, 3.0]], v))):
        g_f, g_r = both(f, x)
        np.testing.assert_array_equal(g_r, g_f)
    np.testing.assert_array_equal(both(lambda v: np.dot([1.0, 2.0], v[:2]), x)[1], [1, 2, 0])


@pytest.mark.parametrize("engine", [dualad, reverse, symbolic])
def test_argmax_round_astype_methods(engine):
    x = np.array([1.0, 3.0, 2.0])
    np.testing.assert_array_equal(engine.gradient(lambda v: v[v.argmax()] * v[v.argmin()], x),
                                  [3.0, 1.0, 0.0])
    np.testing.assert_array_equal(engine.gradient(lambda v: np.sum(v.round() + v), x), 1.0)
    np.testing.assert_array_equal(engine.gradient(lambda v: np.sum(v.astype(float) ** 2), x),
                                  2 * x)
    # an int cast: the values, derivative 0 (as JAX's x.astype(int))
    np.testing.assert_array_equal(engine.gradient(lambda v: np.sum(v.astype(int) * v),
                                                  x + 0.5), [1.0, 3.0, 2.0])
    with pytest.raises(TypeError, match="complex128"):
        engine.gradient(lambda v: np.sum(v.astype(complex)), x)


@pytest.mark.parametrize("engine", [dualad, reverse, symbolic])
def test_trace_method_and_methods_without_a_rule_name_the_function(engine):
    # x.trace() (np.trace works) and x.diagonal() etc. were AttributeErrors (now they
    # have rules, dualad/composites.py); x.item(), the usual way to a Python float,
    # must be refused as float(x) is
    X = np.arange(1.0, 10.0).reshape(3, 3)
    np.testing.assert_array_equal(engine.gradient(lambda v: v.trace(offset=1) * 2.0, X),
                                  2.0 * np.eye(3, k=1))
    np.testing.assert_array_equal(engine.gradient(lambda v: np.sum(v.diagonal() ** 2), X),
                                  np.diag([2.0, 10.0, 18.0]))
    np.testing.assert_array_equal(engine.gradient(lambda v: np.sum(v.repeat(2) * v.conj()
                                                                   .repeat(2)), X), 4 * X)
    for method in ("item", "tolist"):
        with pytest.raises(TypeError, match="float|drop|lose"):
            engine.gradient(lambda v: getattr(v[0, 0], method)() * 2.0, X)


def test_mixed_direction_counts_and_function_names_in_errors():
    from dualad import Dual
    # np.stack of a 3-direction and a one-direction Dual: "'float' object is not
    # subscriptable"; Dual + Dual said "1 and 1 tangent directions"
    with pytest.raises(ValueError, match="one tangent direction .* and 3 tangent directions"):
        np.stack([Dual(2.0, np.array([1.0, 0.0, 0.0])), Dual(3.0, 1.0)])
    x = np.ones(3)
    with pytest.raises(ValueError, match="direction axis of length 1"):
        Dual(x, np.ones((1, 3))) + Dual(x, np.ones(3))
    with pytest.raises(TypeError, match=r"np\.linalg\.eigvals has no derivative rule in dualad"):
        dualad.gradient(lambda A: np.sum(np.linalg.eigvals(A)), np.eye(2))


# 9. NumPy's defaults written out, ndarray's method signatures (probe26)

def _every_engine(f, *args):
    """f's gradient in forward, reverse, compiled and symbolic mode, each equal to
    check_grads' (forward, against central differences and reverse)."""
    g = check_grads(f, *args, engines={"reverse", "symbolic"})
    compiled = dualad.compile(f, *args).gradient(*args)
    for c, want in zip(*((compiled, g) if len(args) > 1 else ((compiled,), (g,)))):
        np.testing.assert_allclose(c, want, rtol=1e-13, atol=1e-15)
    return g


DEFAULTS_WRITTEN_OUT = [   # (f, the same f without the defaults)
    (lambda v: np.sum(v * v, out=None), lambda v: np.sum(v * v)),
    (lambda v: (v * v).sum(out=None), lambda v: np.sum(v * v)),
    (lambda v: np.prod(v, out=None), lambda v: np.prod(v)),
    (lambda v: np.max(v, out=None) + np.min(v, None, None), lambda v: np.max(v) + np.min(v)),
    (lambda v: np.sum(np.cumsum(v, 0, None, None) ** 2), lambda v: np.sum(np.cumsum(v) ** 2)),
    (lambda v: np.sum(np.sum(v, 0, None, None, False) ** 2), lambda v: np.sum(v) ** 2),
    (lambda v: np.dot(v, v, out=None), lambda v: np.dot(v, v)),
    (lambda v: np.sum(np.concatenate([v, v * v], out=None) ** 2),
     lambda v: np.sum(np.concatenate([v, v * v]) ** 2)),
    (lambda v: np.std(v, mean=None), np.std),
    (lambda v: np.sum(np.sin(v, where=True, dtype=float, casting="same_kind", order="K")),
     lambda v: np.sum(np.sin(v))),
    (lambda v: np.sum(np.add(v, v * v, dtype=None, subok=True)), lambda v: np.sum(v + v * v)),
]


@pytest.mark.parametrize("f, plain", DEFAULTS_WRITTEN_OUT, ids=range(len(DEFAULTS_WRITTEN_OUT)))
def test_numpy_defaults_written_out_change_nothing(f, plain):
    # out=None reached the rules as a second out ("_sum_T() got multiple values for
    # argument 'out'"); np.cumsum(x, 0, None, None) gave it 6 positional arguments;
    # np.sin(x, where=True) was refused
    np.testing.assert_array_equal(_every_engine(f, x), dualad.gradient(plain, x))


def test_ufunc_keywords_away_from_their_defaults_are_refused_by_name():
    for f, word in ((lambda v: np.sum(np.sin(v, where=m)), "where="),
                    (lambda v: np.sum(np.sin(v, dtype=np.float32)), "dtype="),
                    (lambda v: np.sum(np.add(v, 1, casting="unsafe")), "casting=")):
        for engine in (dualad.gradient, reverse.gradient, symbolic.gradient):
            with pytest.raises(TypeError, match=word):
                engine(f, x)


METHOD_SIGNATURES = [   # ndarray's parameter order (x.sum(axis, dtype, out, keepdims))
    (lambda v: np.sum(v.reshape(2, 2).sum(0, float) ** 2),
     lambda v: np.sum(np.sum(v.reshape(2, 2), axis=0) ** 2)),
    (lambda v: np.sum(v.reshape(2, 2).mean(0, None) ** 2),
     lambda v: np.sum(np.mean(v.reshape(2, 2), axis=0) ** 2)),
    (lambda v: np.sum(v.reshape(2, 2).max(0, None, True) ** 2),
     lambda v: np.sum(np.max(v.reshape(2, 2), axis=0) ** 2)),
    (lambda v: v.std(0, None, None, 1), lambda v: np.std(v, ddof=1)),
    (lambda v: v.var(0, np.float64), np.var),
    (lambda v: np.sum(v.cumsum(axis=0, dtype=None) ** 2), lambda v: np.sum(np.cumsum(v) ** 2)),
    (lambda v: np.sum(v.reshape(2, 2).cumprod(1, float)),
     lambda v: np.sum(np.cumprod(v.reshape(2, 2), axis=1))),
    (lambda v: np.sum(v.reshape(2, 2, copy=True).astype(float, copy=False).copy(order="C")),
     np.sum),
    (lambda v: np.sum(v.clip(-0.5, 0.5, None) * v), lambda v: np.sum(np.clip(v, -0.5, 0.5) * v)),
    (lambda v: np.sum(v.reshape(2, 2).mT * np.arange(4.).reshape(2, 2)),
     lambda v: np.sum(v.reshape(2, 2).T * np.arange(4.).reshape(2, 2))),
    (lambda v: np.sum(v.real * v + v.imag), lambda v: np.sum(v * v)),
    (lambda v: np.sum(v.flat[1:3] * 2.0) + sum(v.flat), lambda v: np.sum(v[1:3] * 2.0) + np.sum(v)),
    (lambda v: np.sum(v[v.argsort()] * np.arange(4.)) + v[v.nonzero()[0][0]] * v.any() * v.all(),
     lambda v: np.sum(v[[1, 3, 0, 2]] * np.arange(4.)) + v[0]),
]


@pytest.mark.parametrize("f, plain", METHOD_SIGNATURES, ids=range(len(METHOD_SIGNATURES)))
def test_array_methods_take_ndarray_parameters(f, plain):
    # x.sum(0, float) bound float to keepdims ("'type' object cannot be interpreted as an
    # integer"); x.mT, .real, .imag, .flat, .argsort(), .nonzero(), .any(), .all() were
    # AttributeErrors
    want = dualad.gradient(plain, x) if plain is not np.sum else np.ones_like(x)
    np.testing.assert_allclose(_every_engine(f, x), want, rtol=1e-14)


def test_calls_numpy_refuses_are_refused():
    # every engine answered np.diff(x, n=-1), norm(x, axis=()) and add.accumulate over all
    # axes with a number; np.cumprod(x, axis=1) of a vector raised an IndexError
    for f, error in ((lambda v: np.sum(np.diff(v, n=-1)), ValueError),
                     (lambda v: np.linalg.norm(v, axis=()), ValueError),
                     (lambda v: np.linalg.norm(v[None, None], axis=(0, 1, 2)), ValueError),
                     (lambda v: np.sum(np.cumprod(v, axis=1)), np.exceptions.AxisError),
                     (lambda v: np.sum(np.add.accumulate(np.outer(v, v), axis=None)), ValueError)):
        with pytest.raises(error):
            f(x)                # NumPy's own error
        for engine in (dualad.gradient, reverse.gradient):
            with pytest.raises(error):
                engine(f, x)


def test_masked_extreme_tie_with_initial_shares_once():
    # the masked slots were filled with initial and tied with an x equal to it: 1/6 for
    # 1/2 with five masked; JAX (x64): 0.5
    for f, v in ((lambda v: np.max(v, where=np.array([True, False, False]), initial=1.0),
                  np.array([1.0, 5.0, 5.0])),
                 (lambda v: np.min(v, where=np.array([True, False, True]), initial=3.0),
                  np.array([3.0, 3.0, 4.0]))):
        np.testing.assert_array_equal(_every_engine(f, v), [0.5, 0.0, 0.0])
    # x.take was an AttributeError, then a TypeError naming np.take; now np.take's
    np.testing.assert_array_equal(dualad.gradient(lambda v: np.sum(v.take([0, 1, 1])), x),
                                  [1.0, 2.0, 0.0, 0.0])


def test_triangle_of_a_vector_sums_back_to_it():
    # np.tril(vector) is (n, n): reverse and compile failed to sum the cotangent back
    w = np.arange(9.).reshape(3, 3) + 1
    v = np.array([0.3, -1.2, 0.7])
    np.testing.assert_array_equal(_every_engine(lambda v: np.sum(np.tril(v) * w), v),
                                  [w[0, 0] + w[1, 0] + w[2, 0], w[1, 1] + w[2, 1], w[2, 2]])
    _every_engine(lambda v: np.sum(np.triu(v, 1) * w), v)


@pytest.mark.parametrize("sa, sb", [((3,), (2, 3, 4)), ((2, 3), (4, 3, 5)),
                                    ((2, 2, 3), (2, 4, 3, 2))])
def test_dot_with_a_stack_of_matrices(sa, sb):
    # reverse refused np.dot with a >2-d b (advising np.matmul, which differs there);
    # checked against JAX's jax.grad(jnp.dot) too in probe26
    a, b = rng.normal(size=sa), rng.normal(size=sb)
    w = rng.normal(size=np.dot(a, b).shape)
    _every_engine(lambda a, b: np.sum(np.sin(np.dot(a, b)) * w), a, b)
    np.testing.assert_allclose(reverse.hessian(lambda a: np.sum(np.sin(np.dot(a, b)) * w), a),
                               dualad.hessian(lambda a: np.sum(np.sin(np.dot(a, b)) * w), a),
                               rtol=1e-12, atol=1e-12)


POSITIONAL_OPTIONS = [   # a handled option given positionally reaches the rules by name
    (lambda v: np.sum(v.cumsum(0, float) ** 2), lambda v: np.sum(np.cumsum(v) ** 2)),
    (lambda v: np.trace(v.reshape(2, 2), 1, 1, 0, float), lambda v: v[2]),
    (lambda v: v.reshape(2, 2).trace(0, 0, 1, float), lambda v: v[0] + v[3]),
    (lambda v: np.sum(np.broadcast_to(v, (2, 4), False) * np.arange(8.).reshape(2, 4)),
     lambda v: np.sum(v * np.array([4., 6., 8., 10.]))),
]


@pytest.mark.parametrize("f, plain", POSITIONAL_OPTIONS, ids=range(len(POSITIONAL_OPTIONS)))
def test_options_given_positionally(f, plain):
    # x.cumsum(0, float): "_cumsum_T() takes ... 5 were given" in reverse and compile,
    # symbolic "Cannot convert expression to float"; x.trace(0, 0, 1, float) took 4
    # arguments at most (review13)
    np.testing.assert_allclose(_every_engine(f, x), dualad.gradient(plain, x), rtol=1e-14)


def test_variable_copy_and_astype_take_ndarray_parameters():
    v = reverse.Variable(np.array([1.0, 2.0]))
    with reverse.Tape() as t:
        y = np.sum(v.copy("C") * v.astype(float, copy=False))
    np.testing.assert_array_equal(t.gradient(y, v).numpy(), [2.0, 4.0])


@pytest.mark.parametrize("b", [[3.0, 4.0], np.array([[1.0, 2.0], [0.0, 5.0]])])
def test_a_constant_operand_passed_by_keyword_is_an_operand(b):
    # review31: np.dot(x, b=[3.0, 4.0]) raised "can't multiply sequence by non-int of
    # type 'float'" in reverse and compile (the list reached the transpose as a list)
    x = np.array([1.0, 2.0])
    f = (lambda x: np.dot(x, b=b)) if np.ndim(b) == 1 else \
        (lambda x: np.sum(np.dot(x, b=b)))     # (a scalar out: its ct a float)
    want = np.sum(np.asarray(b), axis=-1) if np.ndim(b) == 2 else np.asarray(b)
    for g in (dualad.gradient(f, x), reverse.gradient(f, x),
              dualad.compile(f, x).gradient(x), symbolic.gradient(f, x)):
        np.testing.assert_array_equal(g, want)


def test_copysign_of_a_bool_magnitude_is_a_constant():
    # np.copysign(True, x) is NumPy's ±1.0 by x's sign bit; every engine raised "The
    # numpy boolean negative ... is not supported" on -True
    x = np.array([-2.0, 3.0])
    f = lambda x: np.sum(np.copysign(True, x) * x)   # noqa: E731  (= Σ|x|)
    for engine in (dualad, reverse, symbolic):
        np.testing.assert_array_equal(engine.gradient(f, x), [-1.0, 1.0])
