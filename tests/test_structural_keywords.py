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


# symbolic refuses np.diff's append of an array (TypeError); it takes the ufunc
# methods as every engine does (UFUNC_METHODS), keywords too
SYMBOLIC_REFUSES = {23}


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


@pytest.mark.parametrize("ord_", [None, "fro", 1, -1, np.inf, -np.inf])
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
    (lambda v: np.linalg.norm(v, ord=2, axis=(0, 1)), "ord=2"),
    (lambda v: np.linalg.norm(v, ord=2), "ord=2"),
    (lambda v: np.linalg.norm(v, ord="nuc"), "ord='nuc'"),
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
    with pytest.raises(TypeError, match="int64"):
        engine.gradient(lambda v: np.sum(v.astype(int)), x)


@pytest.mark.parametrize("engine", [dualad, reverse, symbolic])
def test_trace_method_and_methods_without_a_rule_name_the_function(engine):
    # x.trace() (np.trace works) and x.diagonal() etc. were AttributeErrors; x.item(),
    # the usual way to a Python float, must be refused as float(x) is
    X = np.arange(1.0, 10.0).reshape(3, 3)
    np.testing.assert_array_equal(engine.gradient(lambda v: v.trace(offset=1) * 2.0, X),
                                  2.0 * np.eye(3, k=1))
    for method, name in [("diagonal", "np.diagonal"), ("repeat", "np.repeat"),
                         ("conj", "np.conjugate")]:
        args = (2,) if method == "repeat" else ()
        with pytest.raises(TypeError, match=name):
            engine.gradient(lambda v: np.sum(getattr(v, method)(*args)), X)
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
    with pytest.raises(TypeError, match=r"np\.linalg\.inv has no derivative rule in dualad"):
        dualad.gradient(lambda A: np.sum(np.linalg.inv(A)), np.eye(2))
