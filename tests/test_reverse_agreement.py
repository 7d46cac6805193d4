"""Reverse mode agrees with forward mode (dualad) to 1e-12: every table row, array
functions with broadcasting, random expressions (hypothesis), Hessians, Jacobians."""

import pathlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualad
import reverse
from dualad.structural import STRUCTURAL
from tests.expressions import as_function, as_text, expressions, points
from tests.test_rules import IDS, KINKS, ROWS, samples

RTOL = 1e-12


def assert_close(got, want, msg=""):
    got_parts = got if isinstance(got, tuple) else (got,)
    want_parts = want if isinstance(want, tuple) else (want,)
    assert len(got_parts) == len(want_parts), msg
    for g, w in zip(got_parts, want_parts):
        if isinstance(w, tuple):
            assert_close(g, w, msg)
            continue
        assert np.shape(g) == np.shape(w), (msg, np.shape(g), np.shape(w))
        finite = np.abs(np.asarray(w, dtype=float))[np.isfinite(w)]
        scale = max(1.0, float(np.max(finite))) if finite.size else 1.0
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=RTOL * scale, err_msg=msg)


# -- every elementwise row, at its sample points and its kinks ---------------------
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("ufunc,row", ROWS, ids=IDS)
def test_every_elementwise_row_matches_forward(ufunc, row):
    for point in samples(ufunc) + KINKS.get(ufunc, []):
        want = dualad.gradient(ufunc, *point)
        got = reverse.gradient(ufunc, *point)
        assert_close(got, want, f"{ufunc.__name__}{point}")
        # the same row on arrays, broadcasting a scalar against a vector
        if len(point) == 2:
            x = np.array([point[0], point[0] * 0.5 + 0.1 * np.sign(point[0])])
            fn = lambda a, b: np.sum(ufunc(a, b) * np.array([1.0, 2.0]))
            assert_close(reverse.gradient(fn, x, point[1]), dualad.gradient(fn, x, point[1]),
                         ufunc.__name__)


# -- array functions, with broadcasting -----------------------------------------------
A = np.array([[0.3, 0.9, 0.45], [1.7, 0.61, 1.2]])
B = np.array([0.8, -0.35, 1.1])
C = np.array([[1.4], [0.2]])

ARRAY_CASES = {
    "broadcast_mul_add": lambda a, b, c: np.sum(a * b + c / (1.0 + b * b) - c * a),
    "broadcast_pow_div": lambda a, b, c: np.sum((a + 1.0) ** b / (c * c + a)),
    "sum_axes_keepdims": lambda a, b, c: np.sum(np.sum(a * b, axis=0) * np.sum(a, axis=1,
                                                keepdims=True) + c),
    "mean_var_std": lambda a, b, c: np.mean(a, axis=0) @ b + np.var(a * c) + np.std(a, axis=1)[0],
    "max_min_prod": lambda a, b, c: np.max(a * b, axis=1) @ np.min(a + c, axis=1) + np.prod(a),
    "matmul_dot": lambda a, b, c: np.sum(a @ b * c[:, 0]) + np.dot(b, b) + np.sum(c.T @ a),
    "reshape_transpose": lambda a, b, c: np.sum(a.reshape(3, 2).T * c + a.T.reshape(-1)[:3] * b),
    "index_slice": lambda a, b, c: a[1, 2] * b[0] + np.sum(a[:, 1:] ** 2) + a[[0, 1], [2, 0]] @
    c[:, 0] + a[a > 0.5].sum(),
    "concat_stack": lambda a, b, c: np.sum(np.concatenate([a, c], axis=1) ** 2) + np.sum(
        np.stack([b, a[0], b * b], axis=1) * np.arange(3.0)),
    "where_clip": lambda a, b, c: np.sum(np.where(a > b, np.sqrt(a), c) + np.clip(a * b, 0.1, .5)),
    "roll_flip_cumsum": lambda a, b, c: np.sum(np.roll(a, 1, axis=1) * np.flip(a) +
                                               np.cumsum(a, axis=0) ** 2) + np.cumsum(b) @ b,
    "outer_norm_trace": lambda a, b, c: np.sum(np.outer(b, c)) + np.linalg.norm(a) +
    np.trace(a[:, :2] * b[:2]) + np.linalg.norm(a, axis=0) @ b,
    "shape_ops": lambda a, b, c: np.sum(np.expand_dims(b, 0) * np.squeeze(c)[:, None] +
                                        np.broadcast_to(b, (2, 3)) * np.swapaxes(a[None], 1, 2)
                                        .reshape(2, 3) + np.moveaxis(a[..., None], 2, 0)[0]),
    "triangles_stacks": lambda a, b, c: np.sum(np.triu(a) * 2 + np.tril(a, -1) * 3) + np.sum(
        np.hstack([b, b * 2]) ** 2) + np.sum(np.vstack([a, b]) ** 3) + np.sum(np.diff(a) ** 2),
    "ufunc_methods": lambda a, b, c: np.add.reduce(a * b, axis=1) @ c[:, 0] + np.sum(
        np.multiply.outer(b, b)) + np.maximum.reduce(a, axis=0) @ b,
    "methods_and_round": lambda a, b, c: a.sum(axis=0) @ b + a.max() * c.min() + a.prod() +
    np.sum(np.round(a * 3) * a) + a.mean() + a.ravel()[1] + a.cumsum()[-1] + a.clip(0.4).sum()
    + np.sum(np.cumprod(a, axis=1)) + np.cumprod(b)[-1],
    # square blocks and a square, non-symmetric matrix: a transpose that slices the
    # wrong axis (concatenate's at axis=-1) or takes Bᵀ for B (v @ B) keeps its shapes
    # and gives other numbers (probe44: such mutants failed only on shapes elsewhere)
    "square_transposes": lambda a, b, c: np.sum(
        np.concatenate([a[:, :2], a[:, 1:] * 2.0], axis=-1) * np.arange(1.0, 9.0).reshape(2, 4))
    + np.sum((b @ np.arange(1.0, 10.0).reshape(3, 3)) * np.array([1.0, -2.0, 0.5]))
    + np.sum(np.arange(1.0, 5.0).reshape(2, 2) @ a[:, :2] * np.array([[1.0, 3.0], [-1.0, 2.0]])),
    # NumPy 2's clip(min=, max=) keywords and swapaxes, as methods
    "clip_keywords_swapaxes": lambda a, b, c: np.sum(a.clip(min=0.3) * a.clip(max=0.6, min=0.1))
    + np.sum(a.clip(a_max=0.5) * b) + np.sum(a.swapaxes(0, 1) * c.T),
}


@pytest.mark.parametrize("name", sorted(ARRAY_CASES))
def test_array_functions_match_forward(name):
    fn = ARRAY_CASES[name]
    assert_close(reverse.gradient(fn, A, B, C), dualad.gradient(fn, A, B, C), name)


@pytest.mark.parametrize("name", ["broadcast_mul_add", "matmul_dot", "where_clip",
                                  "index_slice", "concat_stack", "max_min_prod"])
def test_array_hessians_match_forward(name):
    fn = ARRAY_CASES[name]
    assert_close(reverse.hessian(fn, A, B, C), dualad.hessian(fn, A, B, C), name)


def test_every_structural_row_is_exercised():
    """Each STRUCTURAL function appears in some test file (a new row needs a case)."""
    text = ""
    for path in pathlib.Path(__file__).parent.glob("test_*.py"):
        text += path.read_text()
    names = {getattr(fn, "__name__", "") for fn in STRUCTURAL}
    missing = {n for n in names if n and n not in text and n not in {"amax", "amin", "around",
                                                                    "unindex", "atleast_1d",
                                                                    "atleast_2d", "copy"}}
    assert not missing, missing


def test_jacobians_match_forward():
    fn = lambda a, b: np.tanh(a @ b)[:, None] * b + a[:, :1]
    got = reverse.jacobian(fn, A, B)
    want = dualad.jacobian(fn, A, B)
    assert_close(got, want, "jacobian")
    x = reverse.constant(A)
    with reverse.Tape() as t:
        t.watch(x)
        y = np.sin(x) @ B
    assert_close(t.jacobian(y, x).numpy(), dualad.jacobian(lambda a: np.sin(a) @ B, A))


def test_atleast_and_copy_rows():
    fn = lambda x: np.sum(np.atleast_2d(x) * np.atleast_1d(x[0]) + np.copy(x) ** 2)
    assert_close(reverse.gradient(fn, B), dualad.gradient(fn, B))


# -- random expressions -------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(tree=expressions(3), xs=st.tuples(points, points, points))
def test_random_expressions_match_forward(tree, xs):
    fn = as_function(tree, 3)
    assert_close(reverse.gradient(fn, *xs), dualad.gradient(fn, *xs), as_text(tree))


@settings(max_examples=25, deadline=None)
@given(tree=expressions(2, max_leaves=6), x=points, y=points)
def test_random_expressions_through_a_tape_and_vectorized(tree, x, y):
    fn = as_function(tree, 2)
    a, b = reverse.constant(x), reverse.constant(y)
    with reverse.Tape() as t:
        t.watch([a, b])
        out = fn(a, b)
    if isinstance(out, reverse.Tensor):
        got = tuple(g.numpy() if g is not None else 0.0 for g in t.gradient(out, [a, b]))
        assert_close(got, dualad.gradient(fn, x, y), as_text(tree))
    # the same expression elementwise over arrays (broadcast against a scalar)
    xv = np.array([x, x * 0.5 + 0.1, -x])
    vec = lambda u, v: np.sum(fn(u, v))
    assert_close(reverse.gradient(vec, xv, y), dualad.gradient(vec, xv, y), as_text(tree))


@settings(max_examples=15, deadline=None)
@given(tree=expressions(2, max_leaves=5), x=points, y=points)
def test_random_hessians_match_forward(tree, x, y):
    fn = as_function(tree, 2)
    assert_close(reverse.hessian(fn, x, y), dualad.hessian(fn, x, y), as_text(tree))


@settings(max_examples=10, deadline=None)
@given(tree=expressions(1, max_leaves=5), x=points)
def test_nested_tapes_match_forward_second_derivative(tree, x):
    fn = as_function(tree, 1)
    v = reverse.constant(x)
    with reverse.Tape() as outer:
        outer.watch(v)
        with reverse.Tape() as inner:
            inner.watch(v)
            y = fn(v)
        dy = inner.gradient(y, v)
    d2 = outer.gradient(dy, v) if isinstance(dy, reverse.Tensor) and dy._on else None
    want = dualad.derivative(fn, x, order=2)
    assert_close(0.0 if d2 is None else d2.numpy(), want, as_text(tree))
