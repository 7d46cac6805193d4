"""dualad.compile: generated code agrees with the uncompiled engines, guards re-trace on
other branches, and no user text reaches the generated source."""

from __future__ import annotations

import ast
import builtins
import itertools
import re
import sys
import threading
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualad
import reverse
from dualad import codegen
from tests.expressions import as_function, as_text, expressions, points

RTOL = 1e-12


def f(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


def close(a, b, rtol=RTOL):
    """Relative agreement, scaled by the largest entry (so tiny entries of a big
    gradient are not held to an impossible relative bound)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    scale = max(1.0, float(np.max(np.abs(b))) if b.size else 1.0)
    return a.shape == b.shape and np.allclose(a, b, rtol=rtol, atol=rtol * scale)


def agree(g, fn, args, rng):
    """g's value, gradient (scalar f) and jvp equal plain f, reverse and forward mode."""
    out = fn(*args)
    assert close(g(*args), out)
    tangents = tuple(float(rng.standard_normal()) if np.ndim(a) == 0
                     else rng.standard_normal(np.shape(a)) for a in args)
    value, slope = g.jvp(args, tangents)
    ref_value, ref_slope = dualad.jvp(fn, args, tangents)
    assert close(value, ref_value) and close(slope, ref_slope)
    if np.ndim(out) == 0:
        grad = g.gradient(*args)
        ref = reverse.gradient(fn, *args)
        if len(args) == 1:
            grad, ref = (grad,), (ref,)
        assert len(grad) == len(args)
        for a, b, x in zip(grad, ref, args):
            assert np.shape(a) == np.shape(x) and close(a, b)


# -- the seed function -------------------------------------------------------------------
def test_seed_function_values_and_source():
    g = dualad.compile(f, 2.0, 5.0)
    assert g(2.0, 5.0) == f(2.0, 5.0)
    assert g.gradient(2.0, 5.0) == pytest.approx((5.5, 1.7163378145367738), rel=1e-15)
    assert g.jvp((2.0, 5.0), (1.0, 0.0)) == pytest.approx((11.652071455223084, 5.5), rel=1e-15)
    # compiled once, correct at other points too
    assert g.gradient(3.0, -1.0) == pytest.approx(dualad.gradient(f, 3.0, -1.0), rel=1e-14)
    src = g.source
    forward = src.index("# forward sweep")
    adjoint = src.index("# adjoint sweep")
    assert forward < adjoint
    for line in ("v_1 = log(v_m1)", "v_2 = v_m1 * v_0", "v_3 = sin(v_0)", "v_4 = v_1 + v_2",
                 "v_5 = v_4 - v_3", "vb_0 += vb_2 * v_m1", "return vb_m1, vb_0"):
        assert line in src, line
    # one line per Wengert-list entry in the forward sweep, commented with the operation
    assert re.findall(r"# (v_\d) = ", src[forward:adjoint]) == ["v_1", "v_2", "v_3", "v_4",
                                                                 "v_5"]
    # the adjoint sweep reuses the forward values: v_m1, v_0 as ∂v_2/∂·, no recomputation
    assert src.count("log(") == 1 and src.count("cos(") == 1


def test_each_sweep_is_compiled_when_first_asked():
    g = dualad.compile(f, 2.0, 5.0)
    variant = g._current
    assert variant.fast == {}            # compile() only traced
    assert g(2.0, 5.0) == f(2.0, 5.0)
    assert set(variant.fast) == {"value"}
    assert g.gradient(2.0, 5.0) == pytest.approx((5.5, 1.7163378145367738), rel=1e-15)
    assert set(variant.fast) == {"value", "gradient"}
    # after the first call g.gradient is the generated function itself (no wrapper)
    assert g.gradient is variant.fast["gradient"]
    assert g.jvp((2.0, 5.0), (1.0, 0.0)) == pytest.approx((11.652071455223084, 5.5))
    assert set(variant.fast) == {"value", "gradient", "jvp"}


def test_same_code_is_compiled_once_but_keeps_its_own_constants():
    def make(c):
        return lambda x: np.sum(np.sin(x) * c)
    c1, c2 = np.array([1.0, 2.0, 3.0]), np.array([-4.0, 0.5, 7.0])
    x = np.array([0.1, 0.2, 0.3])
    g1, g2 = dualad.compile(make(c1), x), dualad.compile(make(c2), x)
    grad1, grad2 = g1.gradient(x), g2.gradient(x)
    assert g1.gradient.__code__ is g2.gradient.__code__     # one compile of the text
    np.testing.assert_allclose(grad1, np.cos(x) * c1, rtol=1e-15)
    np.testing.assert_allclose(grad2, np.cos(x) * c2, rtol=1e-15)
    assert g2(x) == pytest.approx(float(np.sum(np.sin(x) * c2)), rel=1e-15)


def test_ints_and_numpy_scalars_are_accepted():
    g = dualad.compile(f, 2.0, 5.0)
    assert g.gradient(2, np.float64(5.0)) == pytest.approx((5.5, 1.7163378145367738))
    assert type(g.gradient(2, 5)[0]) is float


def test_scalar_results_are_floats_on_every_path():
    # the NumPy-semantics fallback gave a 0-d array (x**y at a negative base: nan), the
    # jvp code an np.float64, where dualad's engines give floats
    g = dualad.compile(lambda x, y: x ** y, 2.0, 3.0)
    with np.errstate(invalid="ignore"):
        grad = g.gradient(-2.0, 0.5)
    assert all(type(v) is float and np.isnan(v) for v in grad)
    out, t = g.jvp((2.0, 3.0), (1.0, 0.0))
    assert (out, t) == (8.0, 12.0) and type(out) is float and type(t) is float
    out, t = g.jvp((2.0, 3.0), (0.0, 1.0))       # ∂/∂y x**y = x**y·log x
    assert t == pytest.approx(8.0 * np.log(2.0), rel=1e-15) and type(t) is float


@pytest.mark.parametrize("fn, x, want", [
    (lambda x: x * 2, 1.0, 2.0),                  # the partial 2 was the whole term: int 2
    (lambda x: 2 * x - 3 * x, 1.0, -1.0),
    (lambda x: x * np.int64(2), 1.0, 2.0),
    (lambda x: np.sum(np.sin(x) * x), 1.0, np.sin(1.0) + np.cos(1.0)),   # np.float64
    (lambda x: np.where(x > 0, np.sqrt(x), 0.0) + 0.0 * np.sqrt(x), 2.0, 0.5 / np.sqrt(2.0)),
])
def test_gradients_are_floats_below_sums_and_int_constants(fn, x, want):
    g = dualad.compile(fn, x)
    grad = g.gradient(x)
    assert type(grad) is float and grad == pytest.approx(want, rel=1e-15)
    assert grad == pytest.approx(dualad.gradient(fn, x), rel=1e-15)



@pytest.mark.parametrize("fn", [np.maximum, np.minimum, np.fmax, np.fmin, np.sign, np.floor,
                                np.cbrt, np.reciprocal, np.exp2, np.logaddexp, np.absolute,
                                np.remainder, np.deg2rad])
def test_ufuncs_without_a_math_version_give_floats(fn):
    # a scalar line's NumPy ufunc or table partial (np.maximum, np.sign) returned
    # np.float64 into the fast code's value, gradient and jvp
    if fn.nin == 1:
        def h(x):
            return fn(x) * x
    else:
        def h(x):
            return fn(x, 0.3) * fn(0.3, x)
    g = dualad.compile(h, 0.6)
    for x in (0.6, 1.7, -2.5):
        value, grad, (out, t) = g(x), g.gradient(x), g.jvp((x,), (1.0,))
        assert [type(v) for v in (value, grad, out, t)] == [float] * 4
        assert value == h(x)
        assert grad == reverse.gradient(h, x) == t

# -- random expressions --------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(st.integers(1, 3).flatmap(lambda n: st.tuples(
    st.just(n), expressions(n), st.lists(points, min_size=n, max_size=n),
    st.lists(points, min_size=n, max_size=n))))
def test_random_expressions_match_the_engines(case):
    n, tree, at, other = case
    fn = as_function(tree, n)
    g = dualad.compile(fn, *at)
    rng = np.random.default_rng(0)
    for args in (tuple(at), tuple(other)):
        try:
            agree(g, fn, args, rng)
        except AssertionError:
            raise AssertionError(f"{as_text(tree)} at {args}") from None


# -- array functions -----------------------------------------------------------------
def _mlp():
    from benchmarks.workloads import MLP_TINY, mlp_data, w4_function
    X, Y, params = mlp_data(MLP_TINY, np.random.default_rng(1))
    return w4_function(X, Y), params


ARRAY_CASES = {
    "cyclic": (lambda x: np.sum(np.log(x) + x * np.roll(x, -1) - np.sin(np.roll(x, -1))),
               (np.linspace(0.5, 2.0, 7),)),
    "loop": (lambda x: sum(np.log(x[i]) + x[i] * x[(i + 1) % 5] - np.sin(x[(i + 1) % 5])
                           for i in range(5)), (np.linspace(0.5, 2.0, 5),)),
    "reductions": (lambda x, y: np.sum(np.maximum(x, 0.3) * y) + np.mean(x ** 2)
                   + np.prod(x[1:3]) + np.max(x), (np.array([0.1, 0.5, 0.9, 1.3]), 1.5)),
    "structure": (lambda x: np.sum(np.concatenate([x[:2], np.sin(x)]) ** 2) + np.dot(x, x)
                  + np.sum(np.stack([x, 2 * x])[1]) + np.linalg.norm(x)
                  + np.sum(np.reshape(x, (2, 2)).T @ x[:2]), (np.array([0.3, -1.2, 2.0, 0.7]),)),
    "matvec": (lambda a, v: np.tanh(a @ v), (np.arange(12.0).reshape(3, 4) / 10,
                                             np.array([1.0, -1.0, 0.5, 2.0]))),
    "broadcast": (lambda s, x: np.sum(np.exp(s * x) / (1.0 + x * x)), (0.3, np.ones((2, 3)))),
    "where": (lambda x: np.sum(np.where(x > 1.0, np.sqrt(np.abs(x)), x ** 2)),
              (np.array([0.5, 1.5, 2.5]),)),
    "mlp": _mlp,
}


@pytest.mark.parametrize("name", sorted(ARRAY_CASES))
def test_array_functions_match_the_engines(name):
    case = ARRAY_CASES[name]
    fn, args = case() if callable(case) else case
    g = dualad.compile(fn, *args)
    rng = np.random.default_rng(7)
    agree(g, fn, args, rng)
    # another point of the same shapes (same branch decisions for these inputs)
    moved = tuple(a * 1.1 if np.ndim(a) == 0 else a * (1 + 0.05 * rng.random(np.shape(a)))
                  for a in args)
    agree(g, fn, moved, rng)


def _long_loop(x, y):
    s = x
    for _ in range(150):       # 600 entries: past ALIAS_ABOVE, 16-term adjoint sums
        s = np.sin(s) * y + 0.5 * s
    return s


READABLE_CASES = {"seed": (f, (2.0, 5.0)), "long": (_long_loop, (0.3, 0.4)),
                  **{k: ARRAY_CASES[k] for k in ("cyclic", "loop", "reductions", "where",
                                                 "broadcast", "structure")}}


@pytest.mark.parametrize("name", sorted(READABLE_CASES))
def test_readable_source_computes_what_the_dense_program_does(name):
    """g.source (one line per entry, += accumulation, d_k lines) is not what runs: the
    compiled program is denser.  Both give the same numbers, bit for bit."""
    fn, args = READABLE_CASES[name]
    g = dualad.compile(fn, *args)
    v = g._current
    tangents = tuple(0.7 if np.ndim(a) == 0 else np.full(np.shape(a), 0.7) for a in args)

    def flat(r):
        return np.concatenate([np.ravel(x) for x in r]) if isinstance(r, tuple) \
            else np.ravel(r)
    for kind, call in (("value", args), ("gradient", args), ("jvp", args + tangents)):
        dense = v._build(kind, False)(*call)
        readable = v._build(kind, False, notes=True)(*call)
        assert np.array_equal(flat(dense), flat(readable)), (kind, dense, readable)
    if name == "seed":
        assert "vb_0 += vb_2 * v_m1" in g.source
        assert "+=" not in v.gen.source("gradient", notes=False)
    if name == "long":
        assert len(v.gen.rec.entries) > codegen.ALIAS_ABOVE


def test_scalar_element_reads_use_python_floats():
    g = dualad.compile(ARRAY_CASES["loop"][0], np.linspace(0.5, 2.0, 5))
    assert "L_0 = _tolist(v_0)" in g.source and "B_0[4] += " in g.source


# -- data-dependent control flow -------------------------------------------------------------
def branchy(x):
    if x > 0:
        return np.sin(x) * x
    return np.exp(x)


def test_branch_both_sides():
    g = dualad.compile(branchy, 0.5)
    assert "_miss()" in g.source and "v_0 > 0" in g.source
    for x in (0.5, -0.5, 2.0, -3.0, 0.25):
        assert g(x) == pytest.approx(branchy(x), rel=1e-15)
        assert g.gradient(x) == pytest.approx(dualad.gradient(branchy, x), rel=1e-14)
        assert g.jvp((x,), (2.0,))[1] == pytest.approx(2 * dualad.gradient(branchy, x),
                                                        rel=1e-14)
    assert len(g._variants) == 2    # one trace per branch, reused from the cache
    g.gradient(-1.0)
    assert "exp(v_0)" in g.source   # the code of the branch the last call took


def test_where_mask_and_data_dependent_index():
    def pick(x):
        return x[np.argmax(x)] ** 2 + np.sum(np.where(x > 1.0, x, 0.0))
    g = dualad.compile(pick, np.array([1.0, 3.0, 2.0]))
    for x in ([1.0, 3.0, 2.0], [5.0, 1.0, 0.5], [0.2, 0.1, 0.3]):
        x = np.array(x)
        np.testing.assert_allclose(g.gradient(x), reverse.gradient(pick, x), rtol=1e-15)
        assert g(x) == pytest.approx(pick(x), rel=1e-15)


def test_nan_safe_where_matches_the_engines():
    def h(x):
        return np.where(x > 0, np.sqrt(x), 0.0)
    g = dualad.compile(h, 4.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert g.gradient(4.0) == 0.25
        assert g.gradient(-1.0) == 0.0 == reverse.gradient(h, -1.0)


def test_math_domain_errors_give_numpy_values():
    g = dualad.compile(f, 2.0, 5.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.isnan(g(-1.0, 5.0))
        q = dualad.compile(lambda x, y: x / y, 1.0, 2.0)
        assert q(1.0, 0.0) == np.inf and q.gradient(1.0, 0.0)[0] == np.inf


def test_new_shapes_retrace():
    fn = ARRAY_CASES["cyclic"][0]
    g = dualad.compile(fn, np.linspace(0.5, 2.0, 7))
    x = np.linspace(0.5, 1.5, 4)
    np.testing.assert_allclose(g.gradient(x), reverse.gradient(fn, x), rtol=1e-13)
    assert "(4,)" in g.source


def test_where_with_a_broadcast_branch_sums_the_adjoint_back():
    a = np.array([0.1, 0.2, -0.4])
    def h(y):
        return np.sum(np.where(a > 0, y * a, 0.5))
    g = dualad.compile(h, 0.7)
    assert g.gradient(0.7) == reverse.gradient(h, 0.7) == dualad.gradient(h, 0.7) \
        == pytest.approx(0.3, rel=1e-15)
    assert type(g.gradient(0.7)) is float and g(0.7) == pytest.approx(h(0.7), rel=1e-15)


SHAPES = [(), (1,), (3,), (2, 1), (1, 3), (2, 3)]


def _at(shape, rng):
    return float(rng.uniform(0.5, 2.0)) if shape == () else rng.uniform(0.5, 2.0, shape)


@pytest.mark.parametrize("h", [
    lambda c, a, b: np.sum(np.where(c > 1.2, a * c, np.sin(b) * a)),
    lambda c, a, b: np.sum(np.where(c > 1.2, a, b))], ids=["masked", "plain"])
def test_where_broadcasts_its_condition_and_branches(h):
    """Every pair of the shapes for condition and branches: the adjoint of a broadcast
    operand is summed back to its shape (after the NaN-safe mask, at the output's)."""
    rng = np.random.default_rng(7)
    for shapes in itertools.product(SHAPES, repeat=3):
        args = tuple(_at(s, rng) for s in shapes)
        agree(dualad.compile(h, *args), h, args, rng)


@pytest.mark.parametrize("op", [np.add, np.subtract, np.multiply, np.divide, np.maximum])
def test_binary_operations_between_broadcast_operands(op):
    rng = np.random.default_rng(8)
    fns = (lambda x, y: np.sum(op(x, y) * np.cos(x)),
           lambda x, y: np.sum(np.where(x > y, op(x, y), x * y)))
    for shapes in itertools.product(SHAPES, repeat=2):
        for h in fns:
            args = tuple(_at(s, rng) for s in shapes)
            g = dualad.compile(h, *args)
            agree(g, h, args, rng)
            other = tuple(_at(s, rng) for s in shapes)     # the same code, or a re-trace
            agree(g, h, other, rng)


# -- constants: captured by value when f is traced ------------------------------------------
def test_closed_over_arrays_are_captured_when_traced():
    w = np.array([1.0, 2.0, 3.0])
    def h(x):
        return np.sum(np.sin(w) * x) + np.sum(w * x)
    x = np.array([1.0, 0.5, -2.0])
    traced = (h(x), reverse.gradient(h, x), dualad.jvp(h, (x,), (np.ones(3),)))
    g = dualad.compile(h, x)
    assert g(x) == pytest.approx(traced[0], rel=1e-15)
    w[:] = [10.0, 20.0, 30.0]       # after the first call: neither term sees it
    assert g(x) == pytest.approx(traced[0], rel=1e-15) and g(x) != pytest.approx(h(x))
    np.testing.assert_allclose(g.gradient(x), traced[1], rtol=1e-15)
    value, slope = g.jvp((x,), (np.ones(3),))
    assert value == pytest.approx(traced[2][0]) and slope == pytest.approx(traced[2][1])
    g2 = dualad.compile(h, x)
    w[:] = [1.0, 2.0, 3.0]          # before the first call of a sweep: as traced too
    np.testing.assert_allclose(g2.gradient(x), [10.0 + np.sin(10.0), 20.0 + np.sin(20.0),
                                                30.0 + np.sin(30.0)], rtol=1e-15)


def test_closed_over_masks_indices_and_branches_are_captured():
    def make(w, idx, mask):
        def h(x):
            y = np.sum(np.where(mask, x * w, 0.0)) + np.sum(x[idx] ** 2)
            return y + x[0] if w[0] > 0 else y - x[0]      # a branch on a constant
        return h
    consts = np.array([1.0, -2.0, 3.0]), np.array([2, 0]), np.array([True, False, True])
    h, as_traced = make(*consts), make(*(c.copy() for c in consts))
    x = np.array([0.5, 1.5, 2.5])
    g = dualad.compile(h, x)
    consts[0][:], consts[1][:], consts[2][:] = -5.0, 1, False
    assert h(x) != pytest.approx(as_traced(x))
    for y in (x, x + 1.0):
        assert g(y) == pytest.approx(as_traced(y), rel=1e-15)
        np.testing.assert_allclose(g.gradient(y), reverse.gradient(as_traced, y), rtol=1e-15)


def test_variables_are_read_when_called():
    v = reverse.Variable(np.array([1.0, 2.0]))
    g = dualad.compile(lambda x: np.sum(v * x), np.ones(2))
    v.assign(np.array([5.0, 7.0]))
    assert g(np.ones(2)) == 12.0


# -- safety: generated code comes from the trace and whitelisted names only ----------------
ALLOWED = re.compile(r"(v|vd|vb|L|Ld|B|S)_m?\d+|[dct]_\d+|[TJVF]\d*_[a-z0-9_]+|P\d_[a-z0-9_]+"
                     r"|_[a-z0-9]+|_C|_FAIL|np|type|float|bool|value|gradient|jvp")
UFUNCS = {fn.__name__ for fn in codegen.ELEMENTWISE}


def _names_and_attributes(src):
    names, attrs = set(), set()
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef):
            names.add(node.name)
            names.update(a.arg for a in node.args.args)
        elif isinstance(node, ast.Attribute):
            attrs.add(node.attr)
    return names, attrs


def _whitelisted(src):
    names, attrs = _names_and_attributes(src)
    bad = {n for n in names if not (ALLOWED.fullmatch(n) or n in UFUNCS)}
    assert not bad, bad
    assert all(a in ("shape", "dtype", "value") or callable(getattr(np, a, None))
               for a in attrs), attrs
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.Constant):
            assert node.value is None or type(node.value) in (int, float, bool) or \
                node.value in ("value", "gradient", "jvp"), node.value


def test_hostile_names_never_reach_the_code(monkeypatch):
    seen = []
    real = builtins.compile

    def spy(source, *a, **k):
        if isinstance(source, str):
            seen.append(source)
        return real(source, *a, **k)
    monkeypatch.setattr(builtins, "compile", spy)

    evil = "x'); __import__('os').system('echo pwned'); ('"
    ns = {"np": np}
    exec("def h(x1, x2):\n    return np.log(x1) + x1 * x2 - np.sin(x2)\n", ns)
    h = ns["h"]
    h.__name__ = h.__qualname__ = evil
    h.names = (evil, "import os")
    h.__doc__ = evil
    weights = np.array([1.0, 2.0])
    key = (slice(None), 0)

    def k(x):   # constants, an array, a tuple key, keyword arguments
        return np.sum(np.reshape(x, (2, 2))[key] * weights, axis=0, keepdims=False) + 1e-300

    for fn, args in ((h, (2.0, 5.0)), (k, (np.arange(4.0),))):
        g = dualad.compile(fn, *args)
        g(*args)
        g.jvp(args, args)
        if np.ndim(fn(*args)) == 0:
            g.gradient(*args)
    monkeypatch.undo()    # ast.parse below calls compile too
    assert seen
    for src in seen:
        assert "import" not in src and "pwned" not in src and "'x'" not in src
        _whitelisted(src)


def test_generated_code_has_no_builtins():
    g = dualad.compile(f, 2.0, 5.0)
    fn = g._current.get("gradient")
    assert set(fn.__globals__["__builtins__"]) == {"type", "float", "bool", "abs"}


# -- errors ---------------------------------------------------------------------------
def test_errors():
    with pytest.raises(TypeError, match="function"):
        dualad.compile(3.0, 1.0)
    with pytest.raises(TypeError):
        dualad.compile(f, "2", 5.0)
    # a forgotten return would otherwise compile to a gradient of 0.0
    with pytest.raises(TypeError, match="f returned None"):
        dualad.compile(lambda x: None, 1.0)
    with pytest.raises(TypeError, match="not a dict"):
        dualad.compile(lambda x: {"y": x}, 1.0)
    g = dualad.compile(lambda x: np.sin(x) * 2.0, np.ones(3))
    with pytest.raises(ValueError, match="scalar"):
        g.gradient(np.ones(3))
    with pytest.raises(ValueError, match="shape"):
        g.jvp((np.ones(3),), (np.ones(2),))
    with pytest.raises(TypeError, match="tuples"):
        g.jvp(np.ones(3), np.ones(3))


def test_wrong_argument_counts_name_the_parameters():
    g = dualad.compile(f, 2.0, 5.0)
    for call in (lambda: g(2.0), lambda: g(2.0, 5.0, 1.0), lambda: g.jvp((2.0,), (1.0,))):
        with pytest.raises(TypeError, match=re.escape(
                "compiled f takes 2 arguments (x1, x2), got")):
            call()
    g(2.0, 5.0)
    g.gradient(2.0, 5.0)
    for call in (g.value, g.gradient):     # the generated functions themselves
        with pytest.raises(TypeError, match=r"compiled f\.\w+\(\) missing 1 required "
                                            r"positional argument: 'x2'"):
            call(2.0)
        with pytest.raises(TypeError, match="takes 2 positional arguments but 3"):
            call(2.0, 5.0, 1.0)
    assert g.gradient(x2=5.0, x1=2.0) == g.gradient(2.0, 5.0)
    with pytest.raises(TypeError, match=re.escape("compiled <lambda> takes 1 argument (x)")):
        dualad.compile(lambda x: x * x, 1.0)(1.0, 2.0)


def test_an_int_used_as_a_python_int_says_to_close_over_it():
    def h(x, n):
        return sum(x * k for k in range(n))
    with pytest.raises(TypeError, match=re.escape(
            "argument 1 (n=3) is an int that f uses as a Python int")) as info:
        dualad.compile(h, 2.0, 3)
    assert "compile(lambda x: f(x, 3), ...)" in str(info.value)
    with pytest.raises(TypeError, match="close over it"):
        dualad.compile(lambda x, k: x[k], np.ones(3), 1)
    g = dualad.compile(lambda x: h(x, 3), 2.0)
    assert g.gradient(2.0) == reverse.gradient(lambda x: h(x, 3), 2.0) == 3.0
    # an int used as a number is traced as a float
    assert dualad.compile(lambda x, n: x * n, 2.0, 3).gradient(2.0, 3.0) == (3.0, 2.0)


def test_constant_and_identity_functions():
    g = dualad.compile(lambda x, y: 3.0, 1.0, 2.0)
    assert g(5.0, 6.0) == 3.0 and g.gradient(5.0, 6.0) == (0.0, 0.0)
    h = dualad.compile(lambda x: x, np.ones(2))
    np.testing.assert_array_equal(h.jvp((np.ones(2),), (np.arange(2.0),))[1], [0.0, 1.0])


def test_command_line_prints_the_code(capsys):
    from dualad.cli import main
    assert main(["trace", "--code"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("def gradient(v_m1, v_0):") and "vb_0 += vb_2 * v_m1" in out
    assert main(["trace", "x*y", "--at", "x=2", "y=3", "--code"]) == 0
    assert "v_1 = v_m1 * v_0" in capsys.readouterr().out


# -- scalar traces: dualad.scalarcode's programs (inlined, dead values dropped) -------------
def _flat(r):
    return np.concatenate([np.ravel(x) for x in r]) if isinstance(r, tuple) else np.ravel(r)


def same_bits(g, args, kinds=("value", "gradient", "jvp")):
    """The scalarcode program, the general dense program and the readable g.source give
    the same numbers bit for bit, with math (fast) and with NumPy (safe) semantics."""
    v = g._current
    assert v.gen._plan is None or v.gen._plan is not False
    for kind in kinds:
        for safe in (False, True):
            fast = v._build(kind, safe)
            assert v.gen._plan, "not a scalar trace"
            v.gen.dense = False
            try:
                general = v._build(kind, safe)
            finally:
                v.gen.dense = True
            readable = v._build(kind, safe, notes=True)
            call = args
            if kind == "jvp":
                call += tuple(0.7 - 0.1 * k if np.ndim(a) == 0 else np.linspace(-1, 1, np.size(a))
                              .reshape(np.shape(a)) for k, a in enumerate(args))
            a, b, c = (_flat(fn(*call)) for fn in (fast, general, readable))
            # nan where all three give nan (hypot'(0, 0) = 0/0) is agreement too
            assert np.array_equal(a, b, equal_nan=True) and \
                np.array_equal(a, c, equal_nan=True), (kind, safe, a, b, c)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 3).flatmap(lambda n: st.tuples(
    st.just(n), expressions(n), st.lists(points, min_size=n, max_size=n))))
def test_scalar_programs_agree_bit_for_bit_with_the_general_code(case):
    n, tree, at = case
    g = dualad.compile(as_function(tree, n), *at)
    try:
        same_bits(g, tuple(at))
    except AssertionError as e:
        raise AssertionError(f"{as_text(tree)} at {at}: {e}") from None


def _stress(x, y):
    """Long unary chains (nesting capped), a value with > 16 readers, an element read
    > 16 times, repeated partials (CSE), guards, table partials, 2-D and sparse reads."""
    s = x[0, 1] * y
    for _ in range(120):
        s = np.sin(s) * 0.9 + 0.1
    for _ in range(60):
        s = -s
    t = 0.0
    for k in range(20):
        t = t + s * k + x[1, 0] * np.sin(y) + np.sin(y) / (k + 1.0)
    if t > 0:
        t = t + np.abs(x[1, 1] - 3.0) + np.maximum(x[0, 0], y) ** 3
    return t + np.tanh(t) + np.exp(y) * np.exp(y)


def _many_reads(z):
    """W2's shape with elements read many times (> 16 adjoint terms), some never."""
    total = 0.0
    for i in range(80):
        total = total + np.log(z[i % 7]) * z[(3 * i) % 7] - np.sin(z[i % 5])
    return total


@pytest.mark.parametrize("fn, args", [
    (_stress, (np.array([[0.3, 0.7], [1.1, 0.5]]), 0.4)),
    (_many_reads, (np.linspace(0.5, 2.0, 9),)),
    (ARRAY_CASES["loop"][0], ARRAY_CASES["loop"][1]),
    (_long_loop, (0.3, 0.4)),
    (lambda z: z[1], (np.arange(3.0),)),
    (lambda z, w: z[1] * w, (np.arange(3.0), 2.0)),
])
def test_scalar_programs_on_long_and_odd_traces(fn, args):
    g = dualad.compile(fn, *args)
    same_bits(g, args)
    grad, ref = g.gradient(*args), reverse.gradient(fn, *args)
    for a, b in zip(*((grad, ref) if len(args) > 1 else ((grad,), (ref,)))):
        assert close(a, b)
    assert g(*args) == pytest.approx(fn(*args), rel=1e-12)
    compile(g._current.gen.source("value", notes=False), "<check>", "exec")


def test_large_scalar_trace_gradient_matches_reverse():
    """A 10^4-entry W2 trace: the gradient equals reverse mode's to 1e-12; the compiled
    program is a handful of statements (values used once are written where used)."""
    from benchmarks.workloads import w2
    case = w2(1250)
    g = dualad.compile(case.f, *case.args)
    assert len(g._current.gen.rec.entries) == 10_000
    x = case.args[0]
    assert close(g.gradient(x), reverse.gradient(case.f, x))
    np.testing.assert_allclose(g.gradient(x), case.reference, rtol=1e-12)
    assert g(x) == pytest.approx(case.f(x), rel=1e-12)
    dense = g._current.gen.source("gradient", notes=False)
    assert dense.count("\n") < 12
    y = x[::-1].copy()     # compiled once, right at another point
    np.testing.assert_allclose(g.gradient(y), reverse.gradient(case.f, y), rtol=1e-12)


def test_dead_values_are_not_computed_by_the_gradient():
    """log(x) is not read by the gradient of log(x) + x: its domain error does not
    divert the call, and the result is reverse mode's."""
    def h(x):
        return np.log(x) + x
    g = dualad.compile(h, 2.0)
    assert "log" not in g._current.gen.source("gradient", notes=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert g.gradient(-1.0) == 0.0 == reverse.gradient(h, -1.0)
        assert np.isnan(g(-1.0))
    assert g.gradient(0.5) == 3.0


def test_scalar_guards_still_retrace():
    def k(x, y):
        s = x * y
        for _ in range(30):
            s = np.sin(s) + y
        return s * 2.0 if s > 1.0 else s - x
    g = dualad.compile(k, 0.4, 0.9)
    for x, y in ((0.4, 0.9), (0.1, -0.9), (2.0, 0.3), (0.4, 0.9)):
        grad, ref = g.gradient(x, y), reverse.gradient(k, x, y)
        assert close(grad, ref), (x, y)
        assert g(x, y) == pytest.approx(k(x, y), rel=1e-13)
    assert len(g._variants) == 2


@pytest.mark.parametrize("fn, good, bad", [
    (lambda x, y: x / y, (1.0, 2.0), (1.0, 0.0)),
    (lambda x: np.log(x) * x, (2.0,), (-1.0,)),
    (lambda x: np.sqrt(x) + x, (4.0,), (-1.0,)),
    (lambda z: np.log(z[0]) * z[1] + z[2] ** 2, (np.array([1.0, 2.0, 3.0]),),
     (np.array([-1.0, 2.0, 3.0]),)),
])
def test_scalar_programs_fall_back_to_numpy_semantics_as_the_general_code(fn, good, bad):
    """math raises (log of a negative, 1/0): the scalar programs answer with NumPy's
    nan/inf exactly as the general code does."""
    def calls(dense):
        g = dualad.compile(fn, *good)
        g._current.gen.dense = dense
        ts = tuple(1.0 if np.ndim(a) == 0 else np.ones(np.shape(a)) for a in bad)
        return [_flat(r) for r in (g(*bad), g.gradient(*bad), g.jvp(bad, ts))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for a, b in zip(calls(True), calls(False)):
            assert np.array_equal(a, b, equal_nan=True), (a, b)


def test_a_value_written_twice_is_named_once():
    """square(u) is written u * u: u is named, not computed twice."""
    g = dualad.compile(lambda x, y: np.square(np.sin(x) + y) * 2.0, 0.3, 0.5)
    v = g._current
    for kind in ("value", "gradient", "jvp"):
        assert v.gen.source(kind, notes=False).count("sin(") == 1, kind
    same_bits(g, (0.3, 0.5))


SLICED = {
    "windows": lambda x: sum(np.sum(x[i:i + 3] ** 2) for i in range(len(x) - 2)),
    "pairs": lambda x: np.sum(np.concatenate([x[i:i + 2] for i in range(0, len(x), 2)]) ** 3),
    "steps": lambda x: np.sum(np.sin(x[::2])) * np.sum(x[-3::-1]) + x[1:4].prod(),
    "matrix": lambda x: np.sum(x.reshape(2, 4)[:, 1:3] ** 2) + np.sum(x.reshape(2, 4)[1, ::3]),
    "fancy": lambda x: np.sum(x[[0, 0, 2]] * x[1:4]),   # repeated fancy index: _unindex
}


@pytest.mark.parametrize("name", sorted(SLICED))
def test_slices_add_into_one_buffer_and_match_reverse(name):
    # a slice's adjoint is added in place into a buffer (O(slice)); an _unindex
    # term per slice built zeros(n) each time: O(n²) for a loop of slices
    f = SLICED[name]
    x = np.linspace(0.2, 1.6, 8)
    g = dualad.compile(f, x)
    for y in (x, x[::-1].copy()):
        np.testing.assert_allclose(g.gradient(y), reverse.gradient(f, y), rtol=1e-14)
    assert ("_unindex" in g.source) == (name == "fancy")


# -- gradient of a call whose f returns an array ------------------------------------------
def test_gradient_of_an_array_call_is_refused_as_by_the_engines():
    # traced on a float, called on an array: f(x) = x * x is then vector-valued; the
    # re-trace answered with the gradient of the sum ([6, 8]) instead of refusing
    square = lambda x: x * x    # noqa: E731
    x = np.array([3.0, 4.0])
    for example in (2.0, np.ones(2)):
        g = dualad.compile(square, example)
        with pytest.raises(ValueError, match=r"scalar, got shape \(2,\)") as mine:
            g.gradient(x)
        with pytest.raises(ValueError, match=r"scalar, got shape \(2,\)") as theirs:
            dualad.gradient(square, x)
        assert str(mine.value).split(";")[0] == str(theirs.value).split(";")[0]
    g = dualad.compile(square, 2.0)
    assert g.gradient(2.0) == dualad.gradient(square, 2.0) == 4.0


def test_gradient_works_again_after_an_array_call():
    # a valid g(array) made the array variant current, and every later g.gradient
    # raised "gradient needs f to return a scalar" even for a float
    square = lambda x: x * x    # noqa: E731
    g = dualad.compile(square, 2.0)
    assert g.gradient(2.0) == 4.0
    np.testing.assert_array_equal(g(np.array([3.0, 4.0])), [9.0, 16.0])
    assert g.gradient(2.0) == dualad.gradient(square, 2.0) == 4.0
    np.testing.assert_array_equal(g.jvp((np.array([3.0, 4.0]),), (np.ones(2),))[1], [6.0, 8.0])
    assert g.gradient(-1.5) == reverse.gradient(square, -1.5) == -3.0
    h = dualad.compile(square, np.ones(2))     # traced on an array: floats work too
    assert h.gradient(2.0) == 4.0


# -- x ** y with y = 0 ---------------------------------------------------------------------
def test_power_partial_is_zero_for_a_zero_exponent_as_in_the_engines():
    # ∂(x**y)/∂x was written y * power(x, y - 1): 0 * 0**-1 = nan at x = 0, y = 0, where
    # the engines' rule (rules._pow_dx) gives exactly 0
    c = [1.0, 2.0, 3.0]

    def poly(x):                        # 1 + 2x + 3x², p'(0) = 2
        return sum(c[k] * x ** k for k in range(3))

    def pw(x, y):
        return x ** y

    def arr(x, y):
        return np.sum(x ** 0.0 + x ** y)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        g = dualad.compile(poly, 1.0)
        assert g.gradient(0.0) == dualad.gradient(poly, 0.0) == reverse.gradient(poly, 0.0) == 2.0
        assert g.jvp((0.0,), (1.0,)) == dualad.jvp(poly, (0.0,), (1.0,)) == (1.0, 2.0)
        same_bits(g, (0.0,))
        h = dualad.compile(pw, 1.3, 2.2)
        for x, y in ((0.0, 0.0), (2.0, 0.0), (0.0, 2.0), (1.5, -0.5)):
            assert h.gradient(x, y) == dualad.gradient(pw, x, y) == reverse.gradient(pw, x, y)
            assert h.jvp((x, y), (1.0, 0.0)) == dualad.jvp(pw, (x, y), (1.0, 0.0))
        assert h.gradient(0.0, 0.0) == (0.0, 0.0)
        same_bits(h, (0.0, 0.0))
        x, y = np.array([0.0, 1.0, 2.0]), np.array([0.0, 0.0, 3.0])
        k = dualad.compile(arr, np.ones(3), np.ones(3))
        for a, b in zip(k.gradient(x, y), dualad.gradient(arr, x, y)):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(k.gradient(x, y)[0], [0.0, 0.0, 3.0 * 4.0])
        t = (np.ones(3), np.zeros(3))
        assert k.jvp((x, y), t) == dualad.jvp(arr, (x, y), t)


# -- division by a constant 0 ----------------------------------------------------------------
def _same_result(a, b):
    a, b = (a if isinstance(a, tuple) else (a,)), (b if isinstance(b, tuple) else (b,))
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert type(x) is type(y) and np.array_equal(x, y, equal_nan=True), (a, b)


def test_division_by_a_constant_zero_gives_the_engines_inf():
    # the code divided a Python float by a literal 0 (1.0 / 0.0 in the adjoint sweep):
    # ZeroDivisionError even in the NumPy-semantics code, where the engines give inf
    cases = [(lambda x: x / 0.0, (1.0,)), (lambda x: x / 0 - x, (-2.0,)),
             (lambda x, y: (x * y) / -0.0 + y, (1.5, 2.0)),
             (lambda x: np.sum(x) / 0.0, (np.ones(2),)),
             (lambda x: np.mean(x, where=x > 0), (np.array([-1.0, -2.0, -3.0]),))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for fn, args in cases:
            g = dualad.compile(fn, *args)
            for _ in range(2):      # the first call writes the code, the second runs it
                _same_result(g.gradient(*args), dualad.gradient(fn, *args))
                _same_result(g.gradient(*args), reverse.gradient(fn, *args))
                ts = tuple(np.ones_like(a) if np.ndim(a) else 1.0 for a in args)
                _same_result(g.jvp(args, ts), dualad.jvp(fn, args, ts))
                _same_result(g(*args), dualad.jvp(fn, args, ts)[0])
        assert dualad.compile(cases[0][0], 1.0).gradient(1.0) == np.inf
        mean = dualad.compile(cases[4][0], cases[4][1][0])
        np.testing.assert_array_equal(mean.gradient(*cases[4][1]), np.zeros(3))
        assert np.isnan(mean.jvp(cases[4][1], (np.ones(3),))[0])
        assert mean.jvp(cases[4][1], (np.ones(3),))[1] == 0.0


# -- guards read values computed as f computes them ----------------------------------------------
def _math_above_numpy(name, lo, hi, k=3):
    """Points where math's version of np.<name> is above NumPy's (an ulp or two), or,
    on a machine where the two agree at all 5000 points (exp, sinh, cosh, arccos and
    expm1 on an AMD EPYC with AVX2; an Intel one with AVX-512 differs at ~5 %), the
    first k points: the guard must still decide as f does there."""
    import math
    mf = {"exp": math.exp, "tanh": math.tanh, "sinh": math.sinh, "cosh": math.cosh,
          "arccos": math.acos, "expm1": math.expm1}[name]
    nf = getattr(np, name)
    xs = np.random.default_rng(7).uniform(lo, hi, 5000)
    return [float(x) for x in xs if mf(x) > nf(x)][:k] or [float(x) for x in xs[:k]]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name,lo,hi", [("exp", -20, 20), ("tanh", -3, 3), ("sinh", -5, 5),
                                        ("cosh", -5, 5), ("arccos", -1, 1), ("expm1", -3, 3)])
def test_a_guard_on_a_math_function_decides_as_f_does(name, lo, hi):
    # the fast code computed exp with math.exp, f with np.exp: an ulp apart at ~5 % of
    # points (tanh/sinh/cosh ~25 %), so a guard passed where f took the other branch and
    # g answered with the other branch's value and gradient
    nf = getattr(np, name)
    xs = _math_above_numpy(name, lo, hi)
    assert xs
    for x in xs:
        c = float(nf(x))                # f's value: nf(x) > c is False in f
        fns = [lambda x: x * 3.0 if nf(x) > c else -x,
               lambda x: x * 3.0 if nf(x) - c > 0.0 else -x,      # a cancellation
               lambda x: x * 3.0 if nf(x) * 2.0 + x >= 2.0 * c + x + 1e-300 else -x]
        assert fns[0](x) == -x and fns[1](x) == -x
        for fn in fns:
            g = dualad.compile(fn, x + 0.5 if name != "arccos" else 0.0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                g.gradient(x + 0.5 if name != "arccos" else 0.0)
            assert g(x) == fn(x)
            assert g.gradient(x) == dualad.gradient(fn, x) == reverse.gradient(fn, x)
            assert g.jvp((x,), (1.0,)) == dualad.jvp(fn, (x,), (1.0,))
        arr = lambda v: np.sum(v) * 3.0 if nf(v[0]) * np.sum(v) > c * np.sum(v) \
            else -np.sum(v)     # noqa: E731  (the general code: np.sum)
        v = np.array([x, 0.5])
        g = dualad.compile(arr, v + 0.25)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            g.gradient(v + 0.25)
        np.testing.assert_array_equal(g.gradient(v), dualad.gradient(arr, v))
        np.testing.assert_array_equal(g.gradient(v), [-1.0, -1.0])


def test_power_special_values_are_the_engines():
    # x ** y on floats is C's pow (Python's, np.float64's, math.pow's): (-inf) ** 0.5 is
    # inf and (-0.0) ** 0.5 is 0.0 in f, in the engines and in the code (probe40: the
    # engines and this code took the ufunc's nan there)
    def pw(x, y):
        return x ** y
    g = dualad.compile(pw, 1.3, 2.2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for x, y in ((-np.inf, 0.5), (-0.0, 0.5), (-np.inf, 2.5), (-0.0, 3.0), (2.5, 2.5),
                     (np.nan, 0.0), (-2.0, 3.0)):
            mine, ref = g(x, y), dualad.jvp(pw, (x, y), (0.0, 0.0))[0]
            assert type(mine) is float
            assert np.array_equal(mine, ref, equal_nan=True) and \
                np.signbit(mine) == np.signbit(ref), (x, y, mine, ref)
        assert g(-np.inf, 0.5) == np.inf == pw(-np.inf, 0.5) == pw(np.float64(-np.inf), 0.5)
        assert np.isnan(g(np.inf, np.nan))


# -- reverse.Variable reads under a recording tape ----------------------------------------------
def test_a_variable_reading_variant_refuses_a_recording_tape():
    # g returned a plain float under a reverse.Tape: the tape lost the dependence on the
    # Variable and gave d/dv [g(3) + v] = 1.0 where f gives 4.0
    v = reverse.Variable(2.0)

    def f(x):
        return x * v

    g = dualad.compile(f, 1.0)
    for call in (lambda: g(3.0), lambda: g.gradient(3.0), lambda: g.jvp((3.0,), (1.0,)),
                 lambda: g(np.array([1.0, 2.0]))):      # a re-trace: the safe code checks too
        with reverse.Tape():
            with pytest.raises(RuntimeError, match=r"reverse\.Variable.*call f itself"):
                call()
    with reverse.Tape() as t:           # f itself: the right gradient
        y = f(3.0) + v
    assert float(t.gradient(y, v).numpy()) == 4.0
    assert g(3.0) == 6.0 and g.gradient(3.0) == reverse.gradient(f, 3.0) == 2.0
    h = dualad.compile(lambda x: x * 2.0, 1.0)      # no Variable read: no check, no error
    with reverse.Tape():
        assert h(3.0) == 6.0 and h.gradient(3.0) == 2.0
    assert "_tapes" not in h._current.gen.source("gradient", notes=False)
    # tapes that do not watch v: no refusal (any recording tape raised, reverse.gradient's
    # private one and watch_accessed_variables=False alike)
    assert reverse.gradient(lambda y: 2.0 * y + g(1.5), 1.0) == 2.0
    with reverse.Tape(watch_accessed_variables=False) as t:
        c = reverse.constant(1.0)
        t.watch(c)
        y = 2.0 * c + g(1.5)
    assert float(t.gradient(y, c).numpy()) == 2.0


def test_a_guard_on_python_power_decides_as_f_does():
    # x ** y on floats is Python's power (f's value and the tape's), which differs from
    # np.power in the last bit at ~5 % of points on some machines (here NumPy's is an ulp
    # below Python's on an Intel one with AVX-512; the two agree on an AMD one with AVX2);
    # the guard code computed it with NumPy and took the other branch at such a point
    # (value -1.047 for 10.47)
    x, y = 1.0469525933442214, 1.649008664344334
    t = x ** y

    def f(a, b):
        return a * 10.0 if a ** b >= t else -a

    g = dualad.compile(f, 1.0, 1.0)     # traced in the other branch
    assert g(x, y) == f(x, y) == x * 10.0
    assert g.gradient(x, y) == reverse.gradient(f, x, y) == (10.0, 0.0)
    h = dualad.compile(f, x, y)         # traced at the point itself: its guard holds
    assert h.gradient(x, y) == (10.0, 0.0) and len(h._variants) == 1


def test_a_non_trainable_variable_read_stays_live():
    # the tracing tape did not watch trainable=False Variables, so their value was frozen
    # into the code: after u.assign(5.0), g(2.0) was 6.0 (f gives 10.0)
    u = reverse.Variable(3.0, trainable=False)
    g = dualad.compile(lambda x: x * u, 1.0)
    u.assign(5.0)
    assert g(2.0) == 10.0 and g.gradient(2.0) == 5.0 and g.jvp((2.0,), (1.0,)) == (10.0, 5.0)


@pytest.mark.parametrize("trainable", [True, False])
def test_a_branch_on_a_variable_reads_it_live(trainable):
    # a compared Variable was written into its guard as a literal of its value
    # (`if not 2.0 > 1: _miss()`), so after w.assign the guard still passed and g answered
    # with the other branch: g(3.0) = 1.5, gradient 0.5 where f gives 2.5 and 1.0
    w = reverse.Variable(2.0, trainable=trainable)

    def f(x):
        return x * w if w > 1 else x - w

    def only_compared(x):
        return x * 2.0 if np.greater(w, 1.0) else x * 3.0

    g, h = dualad.compile(f, 3.0), dualad.compile(only_compared, 1.0)
    assert (g(3.0), g.gradient(3.0), h.gradient(1.0)) == (6.0, 2.0, 2.0)
    w.assign(0.5)
    assert g(3.0) == 2.5 and g.gradient(3.0) == reverse.gradient(f, 3.0) == 1.0
    assert g.jvp((3.0,), (1.0,)) == (2.5, 1.0)
    assert h.gradient(1.0) == reverse.gradient(only_compared, 1.0) == 3.0
    w.assign(4.0)       # back to the first branch: a cached variant answers
    assert g.gradient(3.0) == 4.0 and h.gradient(1.0) == 2.0


# -- branches on the text of a traced value ------------------------------------------------------
def test_a_branch_on_formatted_text_is_guarded():
    # Tensor.__format__ answered with its value unobserved: g kept the traced branch for
    # every later call (g(-1) = -3.0 where f(-1) = -2.0)
    def f(x):
        return x * 2.0 if format(x, ".1f").startswith("-") else x * 3.0

    def h(x):
        return x * 2.0 if f"{x:+.0f}" == "+1" else -x

    for fn, trace_at, xs in ((f, 1.0, (-1.0, 2.0, -0.04, -0.06)), (h, 1.0, (1.2, 3.0))):
        g = dualad.compile(fn, trace_at)
        for x in xs:
            assert g(x) == fn(np.float64(x))
            assert g.gradient(x) == reverse.gradient(fn, x)   # (Dual has no __format__)
            assert g.jvp((x,), (1.0,)) == (fn(np.float64(x)), reverse.gradient(fn, x))
    assert dualad.compile(f, 1.0).gradient(-1.0) == 2.0


def test_a_retrace_storm_ends_in_uncompiled_calls_with_one_warning():
    # a trip count that differs at every call re-traced (and recompiled) every call,
    # without end, and every compile left its source in linecache (32 MB per 1024 calls)
    import importlib
    import linecache
    compile_module = importlib.import_module("dualad.compile")   # dualad.compile: the function

    def f(x):
        s, y = x, x
        while s > 0:
            s = s - 1.0
            y = y * 0.9 + np.sin(y)
        return y

    before = set(linecache.cache)
    g = dualad.compile(f, 0.5)
    limit = compile_module.RETRACE_LIMIT
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for k in range(limit + 20):
            x = k + 0.5
            assert g.gradient(x) == pytest.approx(reverse.gradient(f, x), rel=1e-12)
    storms = [w for w in caught if "traced" in str(w.message)]
    assert len(storms) == 1 and issubclass(storms[0].category, RuntimeWarning)
    assert storms[0].filename == __file__       # points at the caller, not into dualad
    assert g._traces == limit
    # a cached variant answering ends the storm: its branch runs compiled again, and the
    # variants not evicted still answer (only the one that missed was tried after the
    # limit: 8 -> 305 µs per call)
    x = limit - 3.5         # traced before the limit, still cached
    assert g.gradient(x) == pytest.approx(reverse.gradient(f, x), rel=1e-12)
    assert not g._gave_up and g._traces == 0
    ours = {k for k in linecache.cache if k.startswith("<dualad.compile-")} - before
    assert len(ours) <= compile_module.CODE_CACHE


# -- threads ---------------------------------------------------------------------------------
def test_calls_in_several_threads_switch_variants_safely():
    # the miss path moved variants in a list other threads were editing: ValueError
    # ('list.remove(x): x not in list') came out of g.gradient; the shared code cache
    # raised KeyError when several threads compiled at once
    def f(x):
        if x > 1:
            return np.sin(x) * x
        if x > 0:
            return np.exp(x)
        return x * x * x

    points = (1.5, 0.5, -0.5)
    want = {x: reverse.gradient(f, x) for x in points}
    errors, wrong = [], []

    def work(g, seed):
        rng = np.random.default_rng(seed)
        for x in rng.choice(points, 400):
            try:
                if g.gradient(float(x)) != want[x]:
                    wrong.append(x)
            except Exception as e:      # noqa: BLE001 - any exception is the failure
                errors.append(repr(e))

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)         # thread switches inside the miss path
    try:
        for rep in range(4):
            g = dualad.compile(f, 1.5)
            threads = [threading.Thread(target=work, args=(g, 10 * rep + s)) for s in range(6)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
    finally:
        sys.setswitchinterval(old)
    assert errors == [] and wrong == []


def test_an_int_argument_is_blamed_only_when_floats_would_not_do():
    # f failed for another reason (np.dot over a list of traced values); the error said
    # the int argument was used as a Python int, and suggested closing over it
    f = lambda x0, x1: np.dot([1.5, -0.25], [x0, x1 * 2.0])   # noqa: E731
    for args in ((-1.0, 2.0), (-1, 2)):
        with pytest.raises(TypeError) as info:
            dualad.compile(f, *args)
        assert "Python int" not in str(info.value) and "np.asarray" in str(info.value)
    with pytest.raises(TypeError, match="Python int"):       # range(n): the int's fault
        dualad.compile(lambda x, n: sum(x for _ in range(n)), 1.0, 3)


def test_an_int_used_by_np_arange_is_still_named():
    # np.arange(n) runs on a float n too: checking f on plain floats hid the diagnosis
    with pytest.raises(TypeError, match=r"argument 1 \(n=3\) is an int"):
        dualad.compile(lambda x, n: np.sum(x ** np.arange(n)), 2.0, 3)


def test_gradient_of_a_where_program_is_floats():
    # np.where on a scalar line gives a 0-d array, np.sin of it an np.float64: the
    # compiled gradient returned (np.float64, float) where the engines give floats
    f = lambda x, y: x * np.sin(np.where(y < 0.3, 1.0, y))     # noqa: E731
    g = dualad.compile(f, 0.3, 0.7)
    got = g.gradient(0.4, 0.5)
    assert [type(v) for v in got] == [float, float]
    assert got == dualad.gradient(f, 0.4, 0.5) == reverse.gradient(f, 0.4, 0.5)


def test_the_engines_differentiate_a_compiled_function():
    # as jax.grad over jax.jit: a Dual or Tensor argument runs f through the engines
    # (it raised "argument 0 has type Dual; pass floats")
    f = lambda x, y: np.sin(x) * y ** 2 + np.exp(x * y)       # noqa: E731
    g = dualad.compile(f, 0.5, 1.2)
    assert dualad.gradient(lambda a: g(a, 0.8), 0.3) == dualad.gradient(lambda a: f(a, 0.8), 0.3)
    assert reverse.gradient(lambda a: g(a, 0.8), 0.3) == reverse.gradient(lambda a: f(a, 0.8), 0.3)
    h = dualad.hessian(f, 0.3, 0.8)[0][0]
    assert dualad.gradient(lambda a: g.gradient(a, 0.8)[0], 0.3) == pytest.approx(h, rel=1e-15)
    assert reverse.gradient(lambda a: g.gradient(a, 0.8)[0], 0.3) == pytest.approx(h, rel=1e-15)
    assert dualad.derivative(lambda a: g(a, 0.8), 0.3, 4) == \
        dualad.derivative(lambda a: f(a, 0.8), 0.3, 4)
    x = np.array([0.1, 0.2, 0.3])
    c = dualad.compile(lambda x: np.sum(x ** 2 * np.sin(x)), x)
    np.testing.assert_allclose(dualad.hessian(c, x), reverse.hessian(c, x), rtol=1e-14)
    assert type(g(0.3, 0.8)) is float     # plain calls stay compiled floats


def test_compiling_an_f_that_uses_forward_mode_inside_names_the_way_out():
    f = lambda x, y: np.sin(x) * y ** 2                        # noqa: E731
    with pytest.raises(TypeError, match="reverse.gradient"):
        dualad.compile(lambda a, b: dualad.gradient(lambda t: f(t, b), a), 0.5, 1.2)
    g = dualad.compile(lambda a, b: reverse.gradient(lambda t: f(t, b), a), 0.5, 1.2)
    assert g(0.3, 0.8) == dualad.gradient(lambda t: f(t, 0.8), 0.3)


def test_a_closure_over_a_tensor_an_outer_tape_records_is_refused():
    # probe32: x·compile(λy: x·y).gradient(2) under reverse.gradient gave 3 for 6 (x was
    # held as a constant), compile of the same inside compile gave F(3) = 3 for 9, and
    # dualad.trace under reverse.gradient 0 for 4: now a TypeError each
    def F(x):
        return x * dualad.compile(lambda y: x * y, 1.0).gradient(2.0)
    assert F(3.0) == 9.0
    with pytest.raises(TypeError, match="outer tape records.*dualad.compile"):
        reverse.gradient(F, 3.0)
    with pytest.raises(TypeError, match="outer tape records"):
        dualad.compile(F, 1.0)
    with pytest.raises(TypeError, match="outer tape records.*dualad.trace"):
        reverse.gradient(lambda x: dualad.trace(lambda y: x * y * y, 2.0).gradient, 1.5)
    # a Tensor no tape records now is a constant, frozen at the trace (README)
    t = reverse.constant(2.0)
    assert dualad.compile(lambda y: t * y, 1.0).gradient(3.0) == 2.0
    assert reverse.gradient(lambda x: x * F(2.0), 3.0) == 4.0     # F's x is not the tape's


def test_a_shared_partial_is_defined_before_its_first_read_in_the_dense_code():
    # the dense program named a partial used twice, (d_2 := _C[3]), where it was first
    # written, and the adjoint sweep ordered an earlier statement reading d_2 first:
    # UnboundLocalError (np.cross's pattern: one constant column times two slices)
    W = np.array([[0.3, -1.0, 2.0], [1.0, 0.5, -0.2], [0.1, 0.2, 0.7]])
    X = np.array([[2.0, 1.0, -0.5], [0.5, 3.0, 1.5], [1.2, -0.7, 0.9]])

    def f(x):
        a0, a1, a2 = x[..., 0], x[..., 1], x[..., 2]
        b0, b1, b2 = W[..., 0], W[..., 1], W[..., 2]
        return np.sum(np.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0],
                               axis=-1) ** 2)
    np.testing.assert_allclose(dualad.compile(f, X).gradient(X), reverse.gradient(f, X),
                               rtol=1e-15)
    # the partial's first read may sit in a masked term (`... if ct != 0 else 0.0`):
    # the definition is a statement of its own before it (probe34)
    h = lambda x, y: np.where(x > 5.0, x / np.inf, 0.0) + y / np.inf     # noqa: E731
    assert dualad.compile(h, 2.0, 3.0).gradient(2.0, 3.0) == reverse.gradient(h, 2.0, 3.0) \
        == (0.0, 0.0)


def test_a_step_reads_its_input_as_f_computes_it():
    # probe40: math.tanh is an ulp off np.tanh at ~25 % of points, and a step or a
    # selection turns that ulp into a whole step: sign(tanh(x) − c) was 1 for f's 0,
    # maximum's gradient 0.99 for 0.497; their inputs are now computed as a guard's are
    v = 0.0709297482015403
    c = np.tanh(np.float64(v))
    x = np.array([v, 1.0])
    for f in (lambda x: np.sign(np.tanh(x[0]) - c) * x[1],
              lambda x: np.floor((np.tanh(x[0]) - c) * 1e30) + x[1],
              lambda x: np.maximum(np.tanh(x[0]), c) * x[1]):
        g = dualad.compile(f, x)
        assert g(x) == f(x)     # (tanh's compiled partial is the e form: an ulp apart)
        np.testing.assert_allclose(g.gradient(x), reverse.gradient(f, x), rtol=1e-15)


def test_a_power_before_a_zero_division_gives_numpys_inf_and_nan():
    # review29: the NumPy-semantics code's power returned a Python float, so
    # x ** 2 / 0.0 after it raised ZeroDivisionError where every engine gives inf/nan
    for f, x in ((lambda x: x[0] ** 2 / (x[1] ** 2 - x[1] ** 2), np.array([1.0, 3.0])),
                 (lambda x: x[0] ** 2 / (x[1] ** 2 - x[1] ** 2), np.array([0.0, 3.0])),
                 (lambda x: x ** 2 / (x - x), 2.0)):
        with np.errstate(all="ignore"):     # (NumPy's own warnings, as f gives them)
            g = dualad.compile(f, x)
            want = f(np.float64(x) if np.ndim(x) == 0 else x)
            np.testing.assert_array_equal(g(x), want)
            np.testing.assert_array_equal(g.gradient(x), reverse.gradient(f, x))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("ufunc", sorted(codegen.ELEMENTWISE, key=lambda u: u.__name__),
                         ids=lambda u: u.__name__)
def test_every_template_gives_the_tables_derivative(ufunc):
    # each template's partial against forward mode's (the table's) at the rule tests'
    # samples: a constant of log10's off in its 10th digit passed test_compile (probe44)
    from tests.test_rules import samples
    for p in samples(ufunc):
        fn = lambda *xs: ufunc(*xs) * 1.5       # noqa: E731  (a scalar out, traced)
        want = dualad.gradient(fn, *map(float, p))
        if not np.all(np.isfinite(want)):
            continue        # (the table's inf/nan at a pole: NumPy's, tested elsewhere)
        got = dualad.compile(fn, *map(float, p)).gradient(*map(float, p))
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=0, err_msg=f"{p}")
