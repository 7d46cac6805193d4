"""Reverse mode: GradientTape semantics, the worked numbers, errors, threads, memory.

Expected values here are exact numbers (the TensorFlow tutorial, the lecture
networks, hand derivatives); agreement with forward mode is in
test_reverse_agreement.py.
"""

import collections
import gc
import math
import operator
import threading
import tracemalloc

import numpy as np
import pytest

import dualad
import reverse
import symbolic
from reverse import Tape, Variable, constant


def f(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


# -- the GradientTape tutorial --------------------------------------------------
def test_tutorial_sum_then_square():
    x = constant(np.ones((2, 2)))
    with Tape(persistent=True) as t:
        t.watch(x)
        y = np.sum(x)
        z = y * y
    np.testing.assert_array_equal(t.gradient(z, x).numpy(), np.full((2, 2), 8.0))
    assert t.gradient(z, y).numpy() == 8.0


def test_tutorial_persistent_tape():
    x = constant(3.0)
    with Tape(persistent=True) as t:
        t.watch(x)
        y = x * x
        z = y * y
    assert t.gradient(z, x).numpy() == 108.0
    assert t.gradient(y, x).numpy() == 6.0
    assert t.gradient(z, x).numpy() == 108.0   # any number of calls, same answer


def test_tutorial_control_flow():
    def loop(x, y):
        output = 1.0
        for i in range(y):
            if 1 < i < 5:
                output = output * x
        return output

    def grad(x, y):
        x = constant(x)
        with Tape() as t:
            t.watch(x)
            out = loop(x, y)
        return t.gradient(out, x).numpy()

    assert grad(2.0, 6) == 12.0
    assert grad(2.0, 5) == 12.0
    assert grad(2.0, 4) == 4.0


def test_tutorial_nested_tapes():
    x = Variable(1.0)
    with Tape() as t2:
        with Tape() as t1:
            y = x * x * x
        dy_dx = t1.gradient(y, x)
    d2y_dx2 = t2.gradient(dy_dx, x)
    assert dy_dx.numpy() == 3.0
    assert d2y_dx2.numpy() == 6.0


def test_third_derivative_through_three_tapes():
    x = constant(0.7)
    with Tape() as t3:
        t3.watch(x)
        with Tape() as t2:
            t2.watch(x)
            with Tape() as t1:
                t1.watch(x)
                y = np.sin(x) * x
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    d3 = t3.gradient(d2, x)
    # (x sin x)''' = -3 sin x - x cos x
    assert d3.numpy() == pytest.approx(-3 * math.sin(0.7) - 0.7 * math.cos(0.7), rel=1e-14)


# -- the lecture networks ---------------------------------------------------------
def relu(z):
    return np.maximum(z, 0.0)


def test_lecture_single_path_network():
    x1, y, lr = 1.0, 1.0, 0.1
    w1, w2 = Variable(0.5), Variable(0.5)

    def forward():
        h = relu(w1 * x1)
        y_hat = w2 * h
        return h, y_hat, 0.5 * (y_hat - y) ** 2

    with Tape(persistent=True) as tape:
        h, y_hat, loss = forward()
    assert loss.numpy() == pytest.approx(0.28125, abs=1e-15)
    w2.assign_sub(lr * tape.gradient(loss, w2))
    assert w2.numpy() == pytest.approx(0.5375, abs=1e-15)
    # the lecture updates w1 with the new w2: dL/dw1 = dL/dŷ · w2(new) · dh/dw1
    dl_dyhat = tape.gradient(loss, y_hat)
    dh_dw1 = tape.gradient(h, w1)
    w1.assign_sub(lr * dl_dyhat * w2 * dh_dw1)
    assert w1.numpy() == pytest.approx(0.5403125, abs=1e-15)
    assert round(float(w1.numpy()), 4) == 0.5403
    _, _, loss = forward()
    assert round(float(loss.numpy()), 4) == 0.2518


def test_lecture_multiple_path_network():
    x, y, lr = np.array([[1.0]]), np.array([[1.0]]), 0.1
    w0 = Variable([[0.5]])
    w1 = Variable([[0.5, 0.5]])
    w2 = Variable([[0.5], [0.5]])
    with Tape() as tape:
        h0 = relu(x @ w0)
        h1 = relu(h0 @ w1)
        y_hat = 1.0 / (1.0 + np.exp(-(h1 @ w2)))
        loss = -np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))
    grads = tape.gradient(loss, [w0, w1, w2])
    for w, g in zip([w0, w1, w2], grads):
        w.assign_sub(lr * g)
    np.testing.assert_allclose(w2.numpy(), [[0.51094559], [0.51094559]], atol=5e-9)
    np.testing.assert_allclose(w1.numpy(), [[0.51094559, 0.51094559]], atol=5e-9)
    np.testing.assert_allclose(w0.numpy(), [[0.52189117]], atol=5e-9)
    # exact: dL/dz = σ(z) - 1 at z = 0.25, each w2 entry sees h1 = 0.25
    dz = 1.0 / (1.0 + math.exp(-0.25)) - 1.0
    assert w2.numpy()[0, 0] == pytest.approx(0.5 - lr * 0.25 * dz, rel=1e-15)


# -- the functional API --------------------------------------------------------------
def test_functional_seed_numbers():
    assert reverse.gradient(f, 2.0, 5.0) == (5.5, 1.7163378145367738)
    out, pullback = reverse.vjp(f, 2.0, 5.0)
    assert out == pytest.approx(11.652071455223084, rel=1e-15)
    assert pullback(1.0) == (5.5, 1.7163378145367738)
    assert pullback(2.0) == (11.0, 2 * 1.7163378145367738)
    h = reverse.hessian(f, 2.0, 5.0)
    assert h[0] == (-0.25, 1.0) and h[1][0] == 1.0
    assert h[1][1] == pytest.approx(math.sin(5.0), rel=1e-15)     # ∂²/∂x2² = sin(x2)


def test_result_types_are_plain():
    g = reverse.gradient(lambda x: x * x, 3.0)
    assert type(g) is float and g == 6.0
    (g1,) = reverse.vjp(lambda x: x * x, 3.0)[1](1.0)
    assert type(g1) is float
    ga = reverse.gradient(lambda x: np.sum(x * x), np.arange(3.0))
    assert type(ga) is np.ndarray and ga.tolist() == [0.0, 2.0, 4.0]
    j = reverse.jacobian(lambda x: x[:2] * x[1:], np.array([1.0, 2.0, 3.0]))
    assert type(j) is np.ndarray
    np.testing.assert_array_equal(j, [[2.0, 1.0, 0.0], [0.0, 3.0, 2.0]])
    assert reverse.gradient(lambda x, y: x, 1.0, 2.0) == (1.0, 0.0)
    np.testing.assert_array_equal(reverse.gradient(lambda x: 1.0, np.ones(2)), [0.0, 0.0])


def test_vjp_of_array_function():
    x = np.array([1.0, 2.0, 3.0])
    out, pullback = reverse.vjp(lambda x: np.outer(x, x[:2]), x)
    np.testing.assert_array_equal(out, np.outer(x, x[:2]))
    (g,) = pullback(np.ones((3, 2)))
    # ∂/∂x of Σᵢⱼ xᵢ xⱼ (j < 2) = [Σⱼ<2 xⱼ + x_0·[i<2]... ] by hand:
    np.testing.assert_array_equal(g, [3.0 + 6.0, 3.0 + 6.0, 3.0])
    with pytest.raises(ValueError, match="shape"):
        pullback(np.ones(3))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_nan_safe_where_and_kinks():
    assert reverse.gradient(lambda x: np.where(x > 0, np.sqrt(x), 0.0), -1.0) == 0.0
    g = reverse.gradient(lambda x: np.sum(np.where(x > 0, np.log(x), x)),
                         np.array([-1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(g, [1.0, 1.0, 0.5])
    assert reverse.gradient(abs, 0.0) == 0.0
    assert reverse.gradient(lambda x: np.maximum(x, 1.0), 1.0) == 0.5
    assert reverse.gradient(lambda x, y: np.minimum(x, y), 2.0, 2.0) == (0.5, 0.5)
    assert reverse.gradient(np.sqrt, 0.0) == math.inf
    assert reverse.gradient(lambda x: np.floor(x) + np.sign(x) * x, 1.5) == 1.0
    assert reverse.gradient(lambda x: np.max(x), np.array([1.0, 3.0, 3.0])).tolist() == \
        [0.0, 0.5, 0.5]


def test_deep_scalar_tape_has_no_recursion():
    n = 10 ** 6
    x = constant(1.0)
    with Tape() as t:
        t.watch(x)
        y = x
        for _ in range(n // 2):
            y = y * 1.0 + x
    assert t.gradient(y, x).numpy() == n // 2 + 1


# -- tape semantics -------------------------------------------------------------------
def test_sources_keep_their_structure_and_unconnected():
    a, b, c = constant(2.0), constant(np.array([1.0, 2.0])), constant(5.0)
    with Tape(persistent=True) as t:
        t.watch([a, b, c])
        y = a * np.sum(b * b)
    g = t.gradient(y, {"a": a, "rest": (b, [c])})
    assert set(g) == {"a", "rest"} and type(g["rest"]) is tuple and type(g["rest"][1]) is list
    assert g["a"].numpy() == 5.0
    np.testing.assert_array_equal(g["rest"][0].numpy(), [4.0, 8.0])
    assert g["rest"][1][0] is None
    assert t.gradient(y, c, unconnected_gradients="zero").numpy() == 0.0
    assert t.gradient(y, [a])[0].numpy() == 5.0


def test_list_and_nonscalar_targets_are_summed_and_output_gradients():
    x = constant(np.array([1.0, 2.0]))
    with Tape(persistent=True) as t:
        t.watch(x)
        y = x * x
        z = np.sum(x) * 3.0
    np.testing.assert_array_equal(t.gradient(y, x).numpy(), [2.0, 4.0])
    np.testing.assert_array_equal(t.gradient([y, z], x).numpy(), [5.0, 7.0])
    np.testing.assert_array_equal(
        t.gradient(y, x, output_gradients=np.array([10.0, 1.0])).numpy(), [20.0, 4.0])
    with pytest.raises(ValueError, match="shape"):
        t.gradient(y, x, output_gradients=np.ones(3))


def test_gradient_with_respect_to_intermediates():
    x = constant(2.0)
    with Tape(persistent=True) as t:
        t.watch(x)
        y = x * x
        z = np.sin(y) + y
    assert t.gradient(z, y).numpy() == pytest.approx(math.cos(4.0) + 1.0, rel=1e-15)
    gx, gy = t.gradient(z, [x, y])
    assert gx.numpy() == pytest.approx((math.cos(4.0) + 1.0) * 4.0, rel=1e-15)
    assert gy.numpy() == pytest.approx(math.cos(4.0) + 1.0, rel=1e-15)


def test_tape_jacobian():
    x = constant(np.array([1.0, 2.0, 3.0]))
    with Tape() as t:
        t.watch(x)
        y = x[:2] * x[1:]
    j = t.jacobian(y, x)
    np.testing.assert_array_equal(j.numpy(), [[2.0, 1.0, 0.0], [0.0, 3.0, 2.0]])
    with pytest.raises(RuntimeError, match="once"):
        t.gradient(y, x)


def test_a_target_the_tape_did_not_record_has_no_gradient_as_in_tensorflow():
    # TensorFlow answers None (the classic unwatched constant, a target computed outside
    # the block); this raised ValueError "not recorded on this tape"
    c = constant(3.0)
    with Tape() as t:
        y = c * c                   # c not watched: nothing recorded
    assert t.gradient(y, c) is None
    with Tape() as t:
        y = c * c
    assert t.gradient(y, [c, c]) == [None, None]
    with Tape() as t:
        y = c * c
    assert t.gradient(y, c, unconnected_gradients="zero").numpy() == 0.0
    x = constant(np.array([1.0, 2.0]))
    with Tape(persistent=True) as t:
        t.watch(x)
        y = x * x
    outside = x * 3.0
    assert t.gradient(outside, x) is None
    assert t.jacobian(outside, x) is None
    np.testing.assert_array_equal(t.jacobian(y, source=x).numpy(), np.diag([2.0, 4.0]))
    np.testing.assert_array_equal(t.jacobian(y, sources=x).numpy(), np.diag([2.0, 4.0]))
    with pytest.raises(TypeError, match="one source argument"):
        t.jacobian(y)


def test_stop_recording_reset_and_stop_gradient():
    x = constant(3.0)
    with Tape(persistent=True) as t:
        t.watch(x)
        y = x * x
        with t.stop_recording():
            z = y * x          # not recorded
        w = reverse.stop_gradient(y) * x
    assert t.gradient(y, x).numpy() == 6.0
    assert t.gradient(z, x) is None     # not recorded: unconnected, as in TensorFlow
    assert t.gradient(w, x).numpy() == 9.0
    t.reset()
    assert t.gradient(y, x) is None
    with pytest.raises(RuntimeError, match="recording"):
        with t.stop_recording():
            pass


def test_variables_are_watched_automatically_unless_told_not_to():
    v = Variable(2.0)
    c = constant(2.0)
    with Tape() as t:
        y = v * c
    assert t.gradient(y, [v, c])[0].numpy() == 2.0
    with Tape(watch_accessed_variables=False) as t:
        y = v * v
    assert t.gradient(y, v) is None
    with Tape(watch_accessed_variables=False) as t:
        t.watch(v)
        y = v * v
    assert t.gradient(y, v).numpy() == 4.0
    assert reverse.Variable(1.0, trainable=False).trainable is False


def test_variable_snapshot_and_assign():
    v = Variable(np.array([1.0, 2.0]))
    with Tape(persistent=True) as t:
        y = np.sum(v * v)
    v.assign([10.0, 20.0])                    # the tape keeps the values it read
    np.testing.assert_array_equal(t.gradient(y, v).numpy(), [2.0, 4.0])
    v.assign_add(np.array([1.0, 1.0]))
    v.assign_sub(constant([2.0, 2.0]))
    np.testing.assert_array_equal(v.numpy(), [9.0, 19.0])
    with pytest.raises(ValueError, match="shape"):
        v.assign([1.0, 2.0, 3.0])


def test_tensor_conversions_and_comparisons():
    t = constant([1.0, 2.0])
    np.testing.assert_array_equal(np.asarray(t), [1.0, 2.0])
    assert (t == np.array([1.0, 3.0])).tolist() == [True, False]
    assert bool(constant(2.0) > 1.0) and constant(1.0) <= 1.0
    assert t.shape == (2,) and t.ndim == 1 and len(t) == 2
    assert f"{constant(0.5):.2f}" == "0.50"
    assert np.asarray(Variable(3.0)) == 3.0
    for bad in (float, int, math.sin, math.exp):
        with pytest.raises(TypeError, match=r"numpy\(\)|np.sin"):
            bad(constant(1.0))
    with pytest.raises(TypeError, match="item assignment"):
        t[0] = 1.0


# -- misuse --------------------------------------------------------------------------
def test_second_gradient_on_non_persistent_tape():
    x = constant(1.0)
    with Tape() as t:
        t.watch(x)
        y = x * x
    t.gradient(y, x)
    with pytest.raises(RuntimeError, match="once on a non-persistent"):
        t.gradient(y, x)


def test_gradient_inside_the_context_stops_a_non_persistent_tape():
    x = constant(2.0)
    with Tape() as t:
        t.watch(x)
        y = x * x
        assert t.gradient(y, x).numpy() == 4.0
        z = y * y                                   # no longer recorded
    assert t.entries == [] and z.numpy() == 16.0
    with pytest.raises(RuntimeError, match="once"):
        t.gradient(z, x)


def test_unconnected_target_with_zero_mode_gives_zeros():
    # the default mode raises for a target the tape did not record (a clear error);
    # "zero" takes it as a constant, as TensorFlow does: e.g. the gradient of a linear
    # function, itself constant, under an outer tape
    x = constant(np.array([1.0, 2.0, 3.0]))
    with Tape() as outer:
        outer.watch(x)
        with Tape() as inner:
            inner.watch(x)
            y = np.sum(3.0 * x)
        g = inner.gradient(y, x)
    np.testing.assert_array_equal(g.numpy(), [3.0, 3.0, 3.0])
    h = outer.gradient(g, x, unconnected_gradients="zero")
    np.testing.assert_array_equal(h.numpy(), np.zeros(3))
    with Tape(persistent=True) as t:
        t.watch(x)
        y = x * x
        with t.stop_recording():
            z = np.sum(y) * 2.0
    assert t.gradient(z, x) is None
    assert t.gradient(z, x, unconnected_gradients="zero").numpy().tolist() == [0.0] * 3
    # a list of targets: the recorded one counts, the constant adds nothing
    np.testing.assert_array_equal(
        t.gradient([y, z], x, unconnected_gradients="zero").numpy(), [2.0, 4.0, 6.0])
    np.testing.assert_array_equal(
        t.jacobian(z, x, unconnected_gradients="zero").numpy(), np.zeros(3))
    np.testing.assert_array_equal(
        t.jacobian(y, x, unconnected_gradients="zero").numpy(),
        np.diag([2.0, 4.0, 6.0]))


def test_persistent_tape_records_a_gradient_taken_inside_its_block():
    # TensorFlow: gradient() inside a persistent tape's with block is recorded on that
    # tape, so it can be differentiated again (here it was a constant to the tape)
    x = constant(3.0)
    with Tape(persistent=True) as t:
        t.watch(x)
        y = x * x * x
        g = t.gradient(y, x)            # 3x² = 27, recorded
        z = y * g                       # 3x⁵
    assert g.numpy() == 27.0
    assert t.gradient(z, x).numpy() == 15.0 * 3.0 ** 4     # 1215
    assert t.gradient(g, x).numpy() == 6.0 * 3.0           # 18
    with Tape(persistent=True) as t:
        t.watch(x)
        y = x * x * x
        with t.stop_recording():        # TensorFlow's way not to record it
            g = t.gradient(y, x)
    assert g.numpy() == 27.0
    assert t.gradient(g, x) is None


def test_target_from_another_tape_and_bad_sources():
    x = constant(1.0)
    with Tape() as t1:
        t1.watch(x)
        y = x * x
    with Tape() as t2:
        t2.watch(x)
    assert t2.gradient(y, x) is None       # recorded by t1 only
    with pytest.raises(TypeError, match="target must be a reverse.Tensor"):
        t1.gradient("y", x)
    for bad in (1.0, np.ones(2), "x", None):
        with pytest.raises(TypeError, match="sources must be"):
            t1.gradient(y, [x, bad])
    with pytest.raises(TypeError, match="tape.watch"):
        t1.watch(2.0)
    with pytest.raises(ValueError, match="unconnected_gradients"):
        t1.gradient(y, x, unconnected_gradients="ones")


def test_missing_numpy_function_is_named():
    with pytest.raises(TypeError, match=r"np\.fft\.fft has no derivative rule"):
        reverse.gradient(lambda x: np.sum(np.fft.fft(x)), np.ones(4))
    with pytest.raises(TypeError, match=r"np\.gcd"):
        reverse.gradient(lambda x: np.gcd(x, x), 1.0)
    with pytest.raises(ValueError, match="scalar"):
        reverse.gradient(lambda x: x * 2.0, np.ones(2))
    with pytest.raises(TypeError, match="argument 0"):
        reverse.gradient(lambda x: x, "2.0")


def test_variable_deltas_of_another_shape_and_len_of_a_scalar_are_refused():
    v = Variable(np.ones(2))
    with pytest.raises(ValueError, match="assign_add: delta of shape \\(3,\\)"):
        v.assign_add(np.ones(3))
    with pytest.raises(ValueError, match="assign_sub"):
        v.assign_sub(np.ones((2, 2)))
    np.testing.assert_array_equal(v.assign_add(0.5).numpy(), [1.5, 1.5])
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d Tensor"):
        len(constant(1.0))


def test_converting_a_recorded_tensor_to_an_array_is_refused():
    # np.asarray(x) * x gave the gradient [1, 2] (half of it), np.array(x)**2 and
    # np.float64(x)**2 gave 0: the converted value was a constant to the tape
    for f, x in ((lambda x: np.sum(np.asarray(x) * x), np.array([1.0, 2.0])),
                 (lambda x: np.sum(np.array(x) ** 2), np.array([1.0, 2.0])),
                 (lambda x: np.float64(x) ** 2, 3.0)):
        with pytest.raises(TypeError, match="drop it from the tape"):
            reverse.gradient(f, x)
    # x.numpy() is the explicit way to take a value as a constant
    np.testing.assert_array_equal(
        reverse.gradient(lambda x: np.sum(x.numpy() * x), np.array([1.0, 2.0])), [1.0, 2.0])
    # outside recording, Tensors convert as the API says
    x = constant(np.ones(2))
    with Tape() as t:
        t.watch(x)
        y = x * 2.0
    np.testing.assert_array_equal(np.asarray(y), [2.0, 2.0])
    np.testing.assert_array_equal(np.asarray(t.gradient(y, x)), [2.0, 2.0])


def test_complex_and_string_constants_are_refused():
    # Tensor + 1j silently made a complex Tensor; Tensor + "a" gave NumPy's UFuncTypeError
    for bad in (1j, np.complex128(1j), "a", np.array(["a"])):
        with pytest.raises(TypeError, match="real-valued code"):
            np.add(constant(1.0), bad)
    with pytest.raises(TypeError, match="type complex"):
        constant(1.0) + 1j


def test_tape_jacobian_of_an_empty_target_is_empty_not_none():
    x = constant(np.ones(3))
    with Tape(persistent=True) as t:
        t.watch(x)
        y = x[:0] * 2.0
    assert t.jacobian(y, x).numpy().shape == (0, 3)    # TensorFlow: zeros of that shape


def test_functional_calls_nest_under_a_recording_tape():
    # d/dx [x · ∂/∂y (x·y²)|y=1] = d/dx 2x² = 4x: the inner sweep must be recorded, not
    # taken as the constant 2x (it used to give 6 at x = 3, not 12)
    def outer(x):
        return x * reverse.gradient(lambda y: x * y * y, 1.0)
    assert reverse.gradient(outer, 3.0) == 12.0
    assert reverse.gradient(outer, 3.0) == dualad.gradient(outer, 3.0)
    assert reverse.hessian(outer, 3.0) == 4.0
    x = constant(3.0)
    with Tape() as t:
        t.watch(x)
        z = outer(x)
    assert t.gradient(z, x).numpy() == 12.0
    # vjp's pullback and jacobian nest the same way
    assert reverse.gradient(lambda x: x * reverse.vjp(lambda y: x * y * y, 1.0)[1](1.0)[0],
                            3.0) == 12.0
    jac = reverse.jacobian(lambda x: reverse.gradient(lambda y: np.sum(x * y * y), np.ones(2)),
                           np.array([3.0, 4.0]))
    np.testing.assert_array_equal(jac, 2.0 * np.eye(2))     # ∂(2x·y)/∂x at y = 1


def test_functional_calls_take_an_outer_tensor_as_their_argument():
    # grad(grad(f)) as JAX writes it: the outer value passed, not closed over (it was a
    # TypeError telling to use nested tapes)
    assert reverse.gradient(lambda x: reverse.gradient(np.sin, x), 1.0) == -np.sin(1.0)
    f = lambda v: np.sum(np.sin(v) * v)     # noqa: E731
    x = np.array([0.3, 1.2])
    np.testing.assert_allclose(reverse.jacobian(lambda z: reverse.gradient(f, z), x),
                               dualad.hessian(f, x), rtol=1e-15)
    assert reverse.gradient(lambda x: reverse.vjp(np.sin, x)[1](1.0)[0], 1.0) == -np.sin(1.0)
    c = constant(2.0)
    with Tape() as t:
        t.watch(c)
        g = reverse.gradient(lambda y: y ** 3, c)           # 3c² = 12
    assert g.numpy() == 12.0 and t.gradient(g, c).numpy() == 12.0   # 6c = 12
    assert reverse.gradient(np.sin, constant(1.0)) == np.cos(1.0)   # no tape: its value


def test_an_output_that_is_not_a_number_is_an_error_not_a_zero_gradient():
    # a None (a forgotten return) or a string would otherwise be a constant: gradient 0.0
    for bad, name in ((lambda x: None, "None"), (lambda x: "s", "str"),
                      (lambda x: np.array(["a"]), "an array of dtype <U1")):
        for api in (reverse.gradient, reverse.jacobian, reverse.hessian):
            with pytest.raises(TypeError, match=f"f returned {name}; expected a number"):
                api(bad, 1.0)
    with pytest.raises(TypeError, match="a list holding object"):
        reverse.vjp(lambda x: [x, object()], 1.0)
    with pytest.raises(ValueError, match="scalar, got a tuple"):
        reverse.gradient(lambda x: (x, x), 1.0)
    with pytest.raises(ValueError, match="scalar, got a dict"):
        reverse.gradient(lambda x: {"a": x}, 1.0)
    # a constant number is a constant function: gradient 0.0, as in JAX
    assert reverse.gradient(lambda x: 3, 1.0) == 0.0


def test_vjp_of_nested_outputs_gives_plain_values_in_the_same_structure():
    point = collections.namedtuple("point", "a b")
    out, pullback = reverse.vjp(lambda x: {"y": x * 2.0, "z": point(x * x, np.sin(x))}, 3.0)
    assert out == {"y": 6.0, "z": point(9.0, np.sin(3.0))}
    assert type(out["y"]) is float and type(out["z"]) is point
    # d/dx [2x + 10·x² + 100·sin x] = 2 + 20x + 100·cos x
    (g,) = pullback({"y": 1.0, "z": point(10.0, 100.0)})
    assert g == pytest.approx(2.0 + 60.0 + 100.0 * np.cos(3.0), rel=1e-15)
    out, pullback = reverse.vjp(lambda x: (x * 2.0, None), 3.0)   # None: an empty output
    assert out == (6.0, None)


def test_numpy_gives_a_copy_so_recorded_values_cannot_change():
    # v.numpy() was the Variable's own buffer, the one its recorded read holds: an
    # in-place SGD step through it turned 3w² = [3, 12] into [20001, 20004]
    w = Variable(np.array([1.0, 2.0]))
    with Tape() as t:
        y = np.sum(w * w * w)
    w.numpy()[:] = 100.0
    np.testing.assert_array_equal(w.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(t.gradient(y, w).numpy(), [3.0, 12.0])
    c = constant(np.array([1.0, 2.0]))
    assert c.numpy() is not c.numpy() and type(constant(2.0).numpy()) is np.float64



def test_arrays_converted_from_tensors_and_variables_are_copies():
    # np.asarray(w) was the Variable's own buffer, which the tape's read recorded: an
    # in-place step through it changed w and the gradient a persistent tape gave later
    w = Variable(np.array([1.0, 2.0]))
    with Tape(persistent=True) as t:
        y = np.sum(w * w)
    g = t.gradient(y, w).numpy()
    a = np.asarray(w)
    a -= 0.5 * g
    np.testing.assert_array_equal(w.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(t.gradient(y, w).numpy(), [2.0, 4.0])
    for make in (np.array, np.asarray, lambda v: np.array(v, copy=True)):
        assert not np.shares_memory(make(y), y.value) and not np.shares_memory(make(w), w.value)
    assert np.shares_memory(np.asarray(w, copy=False), w.value)     # asked for
    # a 0-d value's numpy() is np.float64, as the docstring says (it was a 0-d array)
    assert type(Variable(np.array(2.0)).numpy()) is np.float64
    assert type(constant(np.array(2.0)).numpy()) is np.float64


def test_converting_a_watched_variable_inside_a_tape_is_refused():
    # np.asarray(v) * v gave [1, 2] for 2v = [2, 4], np.float64(s) * s gave 3 for 6:
    # only constants a tape watched were refused
    v, s = Variable(np.array([1.0, 2.0])), Variable(3.0)
    for f in (lambda: np.sum(np.asarray(v) * v), lambda: np.float64(s) * s):
        with Tape(), pytest.raises(TypeError, match="drop it from the tape"):
            f()
    with Tape(watch_accessed_variables=False) as t:     # not watched: a constant
        y = np.sum(np.asarray(v) * v)
    assert t.gradient(y, v, unconnected_gradients="zero") is not None
    frozen = Variable(np.array([1.0, 2.0]), trainable=False)
    with Tape():
        np.asarray(frozen)


def test_a_persistent_tape_reentered_records_on_a_constant_another_tape_watched():
    # T's watch(c) kept only the keys of tapes on the stack, dropping P's (out of its
    # block, alive): P then missed c * 3 and gave 4.0 for 7.0
    c = constant(2.0)
    P = Tape(persistent=True)
    with P:
        P.watch(c)
        y = c * c
    with Tape() as T:
        T.watch(c)
    with P:
        z = c * 3.0 + y
    assert P.gradient(z, c).numpy() == 7.0


def test_a_non_persistent_tape_records_afresh_when_reentered_after_gradient():
    # TensorFlow's: gradient() drops the records and the next `with` starts a new tape
    # (it raised "already used")
    x = constant(2.0)
    t = Tape()
    with t:
        t.watch(x)
        y = x * x
    assert t.gradient(y, x).numpy() == 4.0
    with t:
        t.watch(x)
        z = x * x * x
    assert t.gradient(z, x).numpy() == 12.0
    with pytest.raises(RuntimeError, match="only be called once"):
        t.gradient(z, x)


def test_results_never_share_memory_with_arguments_or_constants():
    # x·w with a unit cotangent took w itself as x̄: reverse.gradient returned the
    # caller's w (g *= 0 zeroed w), and x, y traded places in the gradient of x·y
    w = np.array([1.0, 2.0, 3.0])
    g = reverse.gradient(lambda x: np.sum(w * x), np.ones(3))
    g *= 0.0
    np.testing.assert_array_equal(w, [1.0, 2.0, 3.0])
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    gx, gy = reverse.gradient(lambda a, b: np.sum(a * b), x, y)
    assert not np.shares_memory(gx, y) and not np.shares_memory(gy, x)
    np.testing.assert_array_equal(gx, y)
    # vjp's pullback sweeps later: it reads the arguments as they were at the call, and
    # the output it returns is the caller's to change (exp's partial is its output)
    x = np.array([0.0, 1.0])
    out, pullback = reverse.vjp(np.exp, x)
    out *= 100.0
    x[:] = 5.0
    np.testing.assert_allclose(pullback(np.ones(2))[0], np.exp([0.0, 1.0]), rtol=1e-15)
    np.testing.assert_array_equal(reverse.vjp(lambda v: v * v, np.ones(3))[1](np.ones(3))[0],
                                  [2.0, 2.0, 2.0])
    for bad in (None, "2"):
        with pytest.raises(TypeError, match="cotangent must be a number"):
            reverse.vjp(lambda v: np.sum(v), np.ones(2))[1](bad)


def test_dict_cotangents_are_matched_by_key_not_by_order():
    # {"a": 2x, "b": x} with cotangents a = 10, b = 1: 21, however the dict is ordered
    # (it was matched by insertion order: 12 for {"b": 1, "a": 10})
    _, pullback = reverse.vjp(lambda x: {"a": 2.0 * x, "b": x}, 2.0)
    assert pullback({"a": 10.0, "b": 1.0}) == pullback({"b": 1.0, "a": 10.0}) == (21.0,)
    for wrong in ({"a": 10.0, "zzz": 1.0}, {"a": 10.0}, [10.0, 1.0]):
        with pytest.raises(ValueError, match="keys|dict"):
            pullback(wrong)
    x = constant(2.0)
    with Tape(persistent=True) as t:
        t.watch(x)
        ys = {"a": 2.0 * x, "b": x * x}
    # 10·2 + 1·2x = 24
    assert t.gradient(ys, x, output_gradients={"b": 1.0, "a": 10.0}).numpy() == 24.0
    with pytest.raises(ValueError, match="list or tuple of 2"):
        t.gradient([ys["a"], ys["b"]], x, output_gradients=[1.0])
    # a leaf may be any array-like: a list for a vector target
    v = constant(np.array([1.0, 2.0]))
    with Tape() as t:
        t.watch(v)
        y = v * v
    np.testing.assert_array_equal(t.gradient(y, v, output_gradients=[10.0, 1.0]).numpy(),
                                  [20.0, 4.0])


def test_primal_only_functions_and_ufuncs_give_plain_values():
    x = constant(np.array([1.0, -2.0, 3.0]))
    assert np.argmax(x) == 2 and np.shape(x) == (3,)
    assert np.isfinite(x).all() and type(np.isfinite(x)) is np.ndarray
    assert operator.index(np.size(x)) == 3


# -- threads and memory ------------------------------------------------------------------
def test_threads_record_on_their_own_tapes():
    results, errors = {}, []
    barrier = threading.Barrier(2)

    def work(name, fn, x0, expected):
        try:
            barrier.wait()
            for _ in range(200):
                x = constant(x0)
                with Tape() as t:
                    t.watch(x)
                    y = fn(x)
                g = t.gradient(y, x).numpy()
                assert g == pytest.approx(expected, rel=1e-14), (name, g)
            results[name] = g
        except Exception as e:   # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=("sin", np.sin, 0.3, math.cos(0.3))),
               threading.Thread(target=work, args=("cube", lambda x: x * x * x, 2.0, 12.0))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    assert set(results) == {"sin", "cube"}


def test_a_tape_does_not_record_other_threads():
    x = constant(2.0)
    seen = []
    with Tape(persistent=True) as t:
        t.watch(x)
        y = x * x
        worker = threading.Thread(target=lambda: seen.append(x * x * x))
        worker.start()
        worker.join()
    assert len(t.entries) == 1 and seen[0].numpy() == 8.0
    assert t.gradient(seen[0], x) is None
    assert t.gradient(y, x).numpy() == 4.0


def test_non_persistent_tape_releases_recorded_values():
    x = constant(np.ones(20_000))
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        with Tape() as t:
            t.watch(x)
            y = x
            for _ in range(20):
                y = np.sin(y) * 1.0001
            y = np.sum(y)
        held = tracemalloc.get_traced_memory()[0] - base
        assert held > 20 * 20_000 * 8          # the tape holds every intermediate array
        g = t.gradient(y, x)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    # what remains: the gradient (one array) and small bookkeeping
    assert after < 20_000 * 8 + 10_000, after
    assert g.shape == (20_000,)


def test_persistent_tape_holds_values_until_reset():
    x = constant(np.ones(20_000))
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        with Tape(persistent=True) as t:
            t.watch(x)
            y = np.sum(np.exp(np.exp(x)))
        t.gradient(y, x)
        kept = tracemalloc.get_traced_memory()[0] - base
        t.reset()
        gc.collect()
        released = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert kept > 2 * 20_000 * 8 and released < 10_000, (kept, released)


def _chain_products(x):
    return sum(x[i] * x[i + 1] for i in range(len(x) - 1))


def _mixed_elements(x):
    # x[i] adjoints next to a dense one (np.sum), negative and repeated indices
    return np.sum(x ** 3) * x[0] + x[-1] * x[1] + x[1] * x[1] + np.sin(x[2]) * x[-2]


def _nested_tape_hvp(g, x, v):
    """H·v of g at x by a Tape inside a Tape (TensorFlow's way)."""
    xv = reverse.constant(x)
    with reverse.Tape() as outer:
        outer.watch(xv)
        with reverse.Tape() as inner:
            inner.watch(xv)
            y = g(xv)
        z = np.sum(inner.gradient(y, xv) * v)
    return outer.gradient(z, xv).numpy()


@pytest.mark.parametrize("g", [_chain_products, _mixed_elements])
def test_second_order_through_element_loops_matches_forward_hessian(g):
    x = np.linspace(0.3, 1.7, 9)
    v = np.cos(np.arange(9.0))
    h = dualad.hessian(g, x)
    np.testing.assert_allclose(reverse.hessian(g, x), h, rtol=1e-13, atol=1e-13)
    rr = reverse.gradient(lambda y: np.sum(reverse.gradient(g, y) * v), x)
    fr = dualad.jvp(lambda y: reverse.gradient(g, y), (x,), (v,))[1]
    tape = _nested_tape_hvp(g, x, v)
    for hv in (rr, fr, tape):
        np.testing.assert_allclose(hv, h @ v, rtol=1e-13, atol=1e-13)


def test_nested_element_adjoints_take_linear_memory():
    # each x[i] cotangent used to become an n-sized unindex array recorded by the
    # outer tape: O(n²) memory (3.2 GB at n = 10⁴); now one np.stack per array
    n = 2000
    x = np.linspace(0.3, 1.7, n)
    v = np.cos(np.arange(float(n)))
    tracemalloc.start()
    try:
        hv = reverse.gradient(lambda y: np.sum(reverse.gradient(_chain_products, y) * v), x)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_allclose(hv, np.r_[0.0, v[:-1]] + np.r_[v[1:], 0.0], rtol=1e-15)
    assert peak < 30e6       # the n² version: ~130 MB here


@pytest.mark.parametrize("f", [lambda x: x > 0, lambda x: x * np.ones(2) > 0,
                               lambda x: np.array([True, False]), lambda x: np.bool_(True)])
def test_a_comparison_as_output_has_no_gradient(f):
    # reverse and forward answered 0.0 (symbolic raised, jax.grad refuses bool outputs)
    for api in (reverse.gradient, reverse.jacobian, reverse.hessian, dualad.gradient,
                dualad.jacobian, dualad.hessian, dualad.derivative):
        with pytest.raises(TypeError, match="f returned (bool|an array of dtype bool)"):
            api(f, 1.0)
    # a comparison inside f is fine, and a bool leaf of a vjp / jvp output is a constant
    # (as jax.vjp / jax.jvp: a float0 cotangent / tangent)
    h = lambda x: np.where(x > 0, x ** 2, -x)       # noqa: E731
    assert reverse.gradient(h, 3.0) == dualad.gradient(h, 3.0) == 6.0
    out, pull = reverse.vjp(lambda x: (x * 2.0, x > 0), 1.5)
    assert out == (3.0, True) and pull((1.0, 0.0)) == (2.0,)
    assert dualad.jvp(lambda x: (x * 2.0, x > 0), (1.5,), (1.0,)) == ((3.0, True), (2.0, 0.0))


# -- probe16: lost terms, links and aliases ----------------------------------------------------
def _relu_plus_soft_threshold(s):
    relu = np.where(s > 0, s, 0.0)
    return relu + np.where(s > 1, s - 1.0, np.where(s < -1, s + 1.0, 0.0))


@pytest.mark.parametrize("f, x, want", [
    # an adjoint 0-d + 0-d became an np.float64 marked as the sweep's own buffer; the next
    # structural term was added into it "in place" (a rebinding) and lost: 2.0, not 3.0
    (lambda x: np.sum(x) + np.sum(x + 1.0) + np.sum(x + 2.0), 0.7, 3.0),
    (lambda x: np.mean(x) + np.mean(x + 1) + np.mean(x - 1), 0.7, 3.0),
    (lambda x: _relu_plus_soft_threshold(np.sum(x)), np.array([1.5, 1.0]), [2.0, 2.0]),
])
def test_no_adjoint_term_is_lost_on_0d_values(f, x, want):
    assert np.asarray(reverse.gradient(f, x)).tolist() == want
    assert np.asarray(dualad.gradient(f, x)).tolist() == want
    xt = reverse.constant(x)
    with reverse.Tape() as t:
        t.watch(xt)
        y = f(xt)
    assert np.asarray(t.gradient(y, xt).numpy()).tolist() == want


def test_an_element_read_of_a_0d_argument_adds_into_its_adjoint():
    # x̄ was an np.float64 the sweep took for its own buffer: x[()] raised TypeError
    # ("'numpy.float64' object does not support item assignment")
    assert reverse.gradient(lambda x: x[()] + np.sum(x + 1.0) + np.sum(x + 2.0),
                            np.array(0.7)) == 3.0


def test_a_tape_inside_f_links_to_the_functional_call():
    # watch() kept only the keys of Tape objects, not reverse.gradient's private tape:
    # the gradient of d/dx x³ (by a Tape inside f) came out 0.0
    def f(x):
        with reverse.Tape() as t:
            t.watch(x)
            y = x ** 3
        return t.gradient(y, x)

    assert reverse.gradient(f, 2.0) == 12.0
    assert reverse.hessian(f, 2.0) == 6.0
    assert reverse.jacobian(f, np.array([1.0, 2.0])).tolist() == [[6.0, 0.0], [0.0, 12.0]]


def test_functional_calls_under_an_unrelated_tape_give_plain_values():
    # any recording tape made the functional sweeps run on Tensors: gradient returned a
    # Tensor (float() of it raised) and hessian raised a TypeError blaming f
    with reverse.Tape():
        g = reverse.gradient(np.exp, 2.0)
        jac = reverse.jacobian(np.exp, np.array([1.0, 2.0]))
        _, pb = reverse.vjp(np.exp, np.array([1.0, 2.0]))
        h = reverse.hessian(lambda x: x ** 3, 2.0)
    assert type(g) is float and g == np.exp(2.0)
    assert type(jac) is np.ndarray and jac.tolist() == np.diag(np.exp([1.0, 2.0])).tolist()
    assert type(pb(np.ones(2))[0]) is np.ndarray and h == 12.0
    w = reverse.Variable(3.0)       # f reads a value the tape watches: still linked
    with reverse.Tape() as t:
        g = reverse.gradient(lambda x: x * w * w, 2.0)
    assert t.gradient(g, w).numpy() == 6.0
    # vjp's output stays traced under a gradient (jax.grad of jax.vjp(f, x)[0]: 12)
    assert reverse.gradient(lambda x: reverse.vjp(lambda y: y ** 3, x)[0], 2.0) == 12.0


def test_gradients_share_no_memory_with_each_other_or_the_caller():
    # x̄ and ȳ of x + y were one array; a borrowed constant c passed on through + was
    # returned as the gradient itself; vjp's pullback returned exp's recorded output
    a, b, c = np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([1.0, 2.0])
    gx, gy = reverse.gradient(lambda x, y: np.sum(np.sin(x + y)), a, b)
    assert not np.shares_memory(gx, gy)
    gx, gy = reverse.gradient(lambda x, y: np.sum((x + y) * c), a, b)
    gx *= 10.0
    assert c.tolist() == gy.tolist() == [1.0, 2.0]
    _, pb = reverse.vjp(np.exp, np.array([0.0, 1.0]))
    first = pb(np.ones(2))[0]
    first *= 0.0
    assert pb(np.ones(2))[0].tolist() == np.exp([0.0, 1.0]).tolist()


def test_a_variables_copy_is_a_snapshot():
    # v.copy(), v.astype(float) and +v returned the Variable itself: after v.assign the
    # "saved" weights were the new ones
    v = Variable(np.array([1.0, 2.0]))
    saved, as_float, plus = v.copy(), v.astype(float), +v
    v.assign(np.array([5.0, 6.0]))
    assert saved.numpy().tolist() == as_float.numpy().tolist() == plus.numpy().tolist() \
        == [1.0, 2.0]
    with Tape() as t:
        y = np.sum(v.copy() * 2.0 + (+v) * 3.0 + v.astype(float))
    assert t.gradient(y, v).numpy().tolist() == [6.0, 6.0]


def test_output_gradients_as_a_one_item_list_for_one_target():
    # TensorFlow flattens target and output_gradients alike: [dy] for y; it was a
    # ValueError about a shape (1, 2) nobody wrote
    x = constant(np.array([1.0, 2.0]))
    with Tape(persistent=True) as t:
        t.watch(x)
        y = x * x
    dy = np.array([1.0, 10.0])
    assert t.gradient(y, x, output_gradients=[dy]).numpy().tolist() == [2.0, 40.0]
    assert t.gradient(y, x, output_gradients=dy).numpy().tolist() == [2.0, 40.0]


def test_a_tensor_only_a_finished_tape_watched_converts_under_another_tape():
    # np.asarray refused x inside an unrelated tape, saying a tape was recording it
    x = constant(np.array([1.0, 2.0]))
    with Tape() as old:
        old.watch(x)
        y = x * 2.0
    old.gradient(y, x)
    with Tape():
        assert np.asarray(x).tolist() == [1.0, 2.0]
    with Tape() as t:
        t.watch(x)
        with pytest.raises(TypeError, match="a tape is recording"):
            np.asarray(x)


@pytest.mark.parametrize("c", [np.float32(1.1), np.array([1.1, 2.2], dtype=np.float32),
                               np.array([1.1, 2.2], dtype=np.float16)])
def test_a_float32_constant_gives_a_float64_gradient(c):
    # 1.1 * c32 stays float32 under NumPy 2 (NEP 50): the gradient came back float32,
    # 5e-8 off, where forward mode and NumPy's own x * c are float64
    x = np.array([1.0, 2.0])
    for f in (lambda x: np.sum(x * c) * 1.1, lambda x: np.sum(np.multiply(c, x)) * 1.1):
        g = reverse.gradient(f, x)
        want = np.broadcast_to(1.1 * np.float64(c), (2,))
        assert g.dtype == np.float64 and g.tolist() == want.tolist()
        assert g.tolist() == dualad.gradient(f, x).tolist()


def test_vjp_and_kept_adjoints_hold_constants_as_f_saw_them():
    # vjp's pullback read closure constants as they were at pullback time (c[:] = 0 gave
    # [0, 0]); a target's adjoint borrowed from a constant was returned as that very array
    c = np.array([1.0, 2.0])
    _, pb = reverse.vjp(lambda x: x * c, np.array([3.0, 4.0]))
    c[:] = 0.0
    assert pb(np.ones(2))[0].tolist() == [1.0, 2.0]
    c = np.array([1.0, 2.0])
    x = constant(np.array([3.0, 4.0]))
    with Tape() as t:
        t.watch(x)
        y = x * 1.0
        z = np.sum(y * c)
    g = t.gradient(z, y)
    c[0] = 99.0
    assert g.numpy().tolist() == [1.0, 2.0]


def test_a_number_target_is_a_constant_and_jacobian_takes_one_target():
    # a plain number or array target (y = 3.0 inside the block) raised TypeError; it is a
    # constant: no gradient flows (None, zeros with 'zero'), as an unrecorded Tensor
    x = constant(np.array([1.0, 2.0]))
    with Tape(persistent=True) as t:
        t.watch(x)
        z = x * x
    assert t.gradient(3.0, x) is None and t.gradient(np.ones(2), x) is None
    assert t.gradient(3.0, x, unconnected_gradients="zero").numpy().tolist() == [0.0, 0.0]
    assert t.jacobian(np.ones(3), x, unconnected_gradients="zero").numpy().shape == (3, 2)
    with pytest.raises(TypeError, match="one target"):     # an AttributeError before
        t.jacobian([z, z], x)
    with pytest.raises(TypeError, match="not NoneType"):
        t.gradient(None, x)


# -- Variable reads share a snapshot until assign (probe16 r9) -------------------------------
def _reads(tape):
    return sum(e[0] is reverse.read_variable for e in tape.entries)


def test_reading_a_variable_element_by_element_records_one_snapshot():
    # every v[i] recorded a snapshot of all of v, and the sweep sent each one a full-size
    # adjoint: O(n²) (16000 reads took 10 s).  The count of entries is the cost, and it
    # does not depend on timing: one read_variable entry, then 3n getitem, 2n multiply
    # and n add entries.
    n = 300
    v = Variable(np.linspace(0.5, 2.0, n))
    with Tape() as t:
        s = 0.0
        for i in range(n):
            s = s + v[i] * v[i] * v[i]
    assert _reads(t) == 1 and len(t.entries) == 1 + 3 * n + 2 * n + n
    np.testing.assert_allclose(t.gradient(s, v).numpy(), 3 * v.numpy() ** 2, rtol=1e-15)
    # until an assign, under the same recording tapes
    with Tape(persistent=True) as t:
        v[0] * v[1]
        v.assign_add(1.0)
        b = v[0] * v[1]
    with t:
        b = b * v[2]                        # re-entered: the same snapshot
    with Tape() as outer:
        with Tape() as inner:
            c = v[0] * v[1]                 # one snapshot on both tapes
        d = c * v[0]                        # the outer tape alone: its own
        d * v[1]
    assert (_reads(t), _reads(inner), _reads(outer)) == (2, 1, 2)


def test_a_shared_snapshot_keeps_the_value_read_and_assign_starts_a_new_one():
    v = Variable(np.array([1.0, 2.0, 3.0]))
    with Tape(persistent=True) as t:
        a = v[0] * v[1]                     # 1 · 2, read before the assign
        v.assign(np.array([10.0, 20.0, 30.0]))
        b = v[0] * v[1] * v[2]              # 10 · 20 · 30
        c = np.sum(v)
        y = a + b
    assert a.numpy() == 2.0 and b.numpy() == 6000.0
    np.testing.assert_array_equal(t.gradient(y, v).numpy(), [2.0 + 600.0, 1.0 + 300.0,
                                                             200.0])
    np.testing.assert_array_equal(t.gradient(c, v).numpy(), [1.0, 1.0, 1.0])
    v.assign_add(1.0)                       # assign_add / assign_sub are assigns too
    with Tape() as t:
        y = v[0] * v[0]
        v.assign_sub(np.ones(3))
        y = y + v[0]
    assert y.numpy() == 11.0 * 11.0 + 10.0
    np.testing.assert_array_equal(t.gradient(y, v).numpy(), [23.0, 0.0, 0.0])


def test_a_shared_snapshot_follows_the_tapes_that_record():
    v = Variable(np.array([1.0, 2.0]))
    # a persistent tape re-entered records on; another tape has its own reads
    with Tape(persistent=True) as t:
        y = v[0] * v[1]
    with t:
        y = y + v[1] * v[1]
    np.testing.assert_array_equal(t.gradient(y, v).numpy(), [2.0, 5.0])
    with Tape() as u:
        z = v[0] * 3.0
    assert u.gradient(z, v).numpy().tolist() == [3.0, 0.0]
    # nested tapes: a read under both is on both; after the inner one ends, the outer
    # one reads on alone
    with Tape() as outer:
        with Tape() as inner:
            y = v[0] ** 3 + v[1] * v[1]
        g = inner.gradient(y, v)
        z = np.sum(g * v)                   # 3 v0³ + 2 v1²
    np.testing.assert_array_equal(g.numpy(), [3.0, 4.0])
    # d/dv of g·v with g = (3 v0², 2 v1) read too: (9 v0², 4 v1)
    np.testing.assert_array_equal(outer.gradient(z, v).numpy(), [9.0, 8.0])
    # one tape not watching v (watch_accessed_variables=False) until it watches it
    with Tape() as a, Tape(watch_accessed_variables=False) as b:
        y1 = v[0] * v[0]
        b.watch(v)
        y2 = v[1] * v[1]
        y = y1 + y2
    np.testing.assert_array_equal(b.gradient(y, v).numpy(), [0.0, 4.0])
    np.testing.assert_array_equal(a.gradient(y, v).numpy(), [2.0, 4.0])
    # trainable=False: never watched
    frozen = Variable(np.array([1.0, 2.0]), trainable=False)
    with Tape() as t:
        y = frozen[0] * frozen[1] * v[0]
    assert t.gradient(y, frozen) is None


def test_a_variable_read_in_a_loop_then_assigned_is_read_live_by_compile():
    v = Variable(np.array([1.0, 2.0, 3.0]))

    def f(x):
        s = 0.0
        for i in range(3):
            s = s + v[i] * x[i] * v[i]
        return s

    g = dualad.compile(f, np.ones(3))
    assert g(np.ones(3)) == 14.0
    v.assign(np.array([2.0, 0.5, 1.0]))
    x = np.array([1.0, 2.0, 3.0])
    assert g(x) == f(x) == 4.0 + 0.5 + 3.0
    np.testing.assert_array_equal(g.gradient(x), [4.0, 0.25, 1.0])


# -- nested sweeps: x[key] cotangents of any array, one traced scatter (probe16 r5) ----------
def _row_loop(x):
    return sum(np.sum(x[i] ** 2 * x[i - 1]) for i in range(x.shape[0]))


def _windows(x):
    return sum(np.sum(np.sin(x[i:i + 2])) * x[i, 0] for i in range(x.shape[0] - 1))


def _cells(x):
    n, m = x.shape
    return sum(x[i, j] * x[j % n, (i + 1) % m] for i in range(n) for j in range(m))


_MASK = np.linspace(0.3, 1.7, 12).reshape(4, 3) > 1.0


def _keys_mixed(x):
    # a dense adjoint before the x[key] ones and after them; columns, repeated fancy
    # indices, a boolean mask, None/Ellipsis, negative ints
    return (np.sum(x ** 3) * x[0, 1] + np.sum(x[:, 1] ** 2) + np.sum(x[[0, 0, 3]] * x[1])
            + np.sum(x[_MASK] ** 2) + np.sum(x[..., None][1, :, 0] * x[-2])
            + x[-1, -1] * x[2, 0] + np.sum(x * x))


def _slices_1d(x):
    return sum(np.sum(x[i:i + 3]) ** 2 for i in range(x.shape[0] - 2)) + x[1] * x[-1]


@pytest.mark.parametrize("g", [_row_loop, _windows, _cells, _keys_mixed, _slices_1d])
def test_second_order_through_indexing_loops_matches_forward_hessian(g):
    x = np.linspace(0.3, 1.7, 12).reshape(4, 3) if g is not _slices_1d \
        else np.linspace(0.3, 1.7, 8)
    v = np.cos(np.arange(float(x.size))).reshape(x.shape)
    h = dualad.hessian(g, x)
    hv = np.tensordot(h, v, x.ndim)
    np.testing.assert_allclose(reverse.hessian(g, x), h, rtol=1e-13, atol=1e-13)
    rr = reverse.gradient(lambda y: np.sum(reverse.gradient(g, y) * v), x)
    jac = reverse.jacobian(lambda z: reverse.gradient(g, z), x)
    xv = reverse.constant(x)
    tape = _nested_tape_hvp(g, x, v)
    with reverse.Tape() as t:       # reverse.gradient under a recording tape
        t.watch(xv)
        z = np.sum(reverse.gradient(g, xv) * v)
    under = t.gradient(z, xv).numpy()
    for got in (rr, tape, under):
        np.testing.assert_allclose(got, hv, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(jac, h, rtol=1e-13, atol=1e-13)


def test_third_order_through_a_row_loop():
    # d³/dx³ of Σ x_ij⁴ is 24 x_ij: the scatter the second sweep records is swept again
    x = np.linspace(0.5, 1.5, 6).reshape(3, 2)

    def f(y):
        return sum(np.sum(y[i] ** 4) for i in range(y.shape[0]))

    def d2(y):
        return np.sum(reverse.gradient(lambda z: np.sum(reverse.gradient(f, z)), y))

    np.testing.assert_allclose(reverse.gradient(d2, x), 24 * x, rtol=1e-14)


def _held_by_outer_tape(g, n):
    """Elements of the arrays the outer tape holds for grad of grad of g at ones((n, 3))."""
    xv = reverse.constant(np.ones((n, 3)))
    with reverse.Tape() as outer:
        outer.watch(xv)
        with reverse.Tape() as inner:
            inner.watch(xv)
            y = g(xv)
        z = np.sum(inner.gradient(y, xv))
    held = sum(np.size(e[2].value) for e in outer.entries)
    hv = dualad.jvp(lambda x: dualad.gradient(g, x), (np.ones((n, 3)),),
                    (np.ones((n, 3)),))[1]
    np.testing.assert_allclose(outer.gradient(z, xv).numpy(), hv, rtol=1e-14)
    return held


@pytest.mark.parametrize("g", [_row_loop, _windows, _cells])
def test_a_nested_sweep_of_an_indexing_loop_records_linear_size(g):
    # each x[key] cotangent (but x[i] of a vector) became a zeros(x.shape) unindex plus
    # an x-sized sum, both recorded by the outer tape: O(n · size) (grad of grad over
    # the rows of an (8000, 3) array took 8 s).  Counted in array elements the outer
    # tape holds, not timed: doubling n about doubles it.
    small, large = _held_by_outer_tape(g, 40), _held_by_outer_tape(g, 80)
    assert large < 2.5 * small


def test_functional_calls_ignore_tapes_that_no_longer_record():
    # _outer counted keys of tapes that had finished on f's values (an inner Tape in f,
    # the tape a vjp was recorded under): Tensors came out, and hessian raised
    def inner(x):
        with Tape() as t:
            t.watch(x)
            y = x ** 3
        return t.gradient(y, x)

    with Tape():
        assert reverse.gradient(inner, 2.0) == 12.0
        assert reverse.hessian(lambda x: inner(x) * x, 2.0) == 36.0
    x = constant(1.0)
    with Tape() as t:
        t.watch(x)
        _, pb = reverse.vjp(lambda y: y * y, 1.0)
    with Tape():
        assert pb(1.0) == (2.0,) and type(pb(1.0)[0]) is float


def test_vjp_freezes_index_arrays_inside_a_tuple_key():
    idx = np.array([0, 2])
    _, pb = reverse.vjp(lambda x: x[:, idx] ** 2, np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    idx[:] = [1, 1]
    assert pb(np.ones((2, 2)))[0].tolist() == [[2.0, 0.0, 6.0], [8.0, 0.0, 12.0]]


def test_gradients_are_not_views_of_constants_or_of_each_other():
    # a borrowed constant passed through reshape / .T / concatenate came back as a view
    c = np.arange(1.0, 4.0).reshape(3, 1)
    g = reverse.gradient(lambda x: np.sum(np.reshape(x, (3, 1)) * c), np.ones(3))
    g[:] = 0.0
    assert c.ravel().tolist() == [1.0, 2.0, 3.0]
    c5 = np.arange(1.0, 6.0)
    ga, gb = reverse.gradient(lambda a, b: np.sum(np.concatenate([a, b]) * c5),
                              np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0]))
    assert not np.shares_memory(ga, c5) and not np.shares_memory(gb, c5)
    ga, gb = reverse.gradient(lambda a, b: np.sum(np.sin(a.reshape(2, 1) + b.reshape(2, 1))),
                              np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    ga[0] = 100.0
    assert gb.tolist() == np.cos([4.0, 6.0]).tolist()


def test_list_constants_in_vjp_and_in_power():
    # vjp held a list constant by reference again (x * l after l[0] = 100: [100, 2, 3]);
    # np.power(x, [1, 2, 3]) raised TypeError in the partial's y - 1 on the raw list
    lst = [1.0, 2.0, 3.0]
    _, pb = reverse.vjp(lambda x: x * lst, np.ones(3))
    lst[0] = 100.0
    assert pb(np.ones(3))[0].tolist() == [1.0, 2.0, 3.0]
    x = np.array([1.0, 2.0, 3.0])
    f = lambda x: np.sum(np.power(x, [1.0, 2.0, 3.0]))      # noqa: E731
    assert reverse.gradient(f, x).tolist() == dualad.gradient(f, x).tolist() == [1.0, 4.0, 27.0]


def test_second_order_below_a_where_keeps_a_zero_cotangents_derivative():
    # below np.where a cotangent 0 masked the whole product, its derivative too: the
    # chosen branch at a minimum lost its curvature (reverse.hessian 0.0 for 2.0)
    f = lambda a: np.where(a > -5, (a - 1.0) ** 2, 0.0)         # noqa: E731
    assert reverse.hessian(f, 1.0) == dualad.hessian(f, 1.0) == 2.0
    g = lambda a: np.where(a > -5, np.cos(a - 1.0), 0.0)         # noqa: E731
    assert reverse.hessian(g, 1.0) == -1.0
    h = lambda x: np.expm1(np.where(x[1] > -5, (x[1] - x[0]) ** 2, 0.0))    # noqa: E731
    assert reverse.hessian(h, np.array([1.0, 1.0])).tolist() == [[2.0, -2.0], [-2.0, 2.0]]
    x = Variable(1.0)
    with Tape() as t1:
        with Tape() as t2:
            y = f(x)
        gr = t2.gradient(y, x)
    assert t1.gradient(gr, x).numpy() == 2.0
    with np.errstate(invalid="ignore"):      # the branch not taken still masks sqrt'(−1)
        k = lambda a: np.where(a > 0, np.sqrt(a), a * a)         # noqa: E731
        assert reverse.hessian(k, -1.0) == dualad.hessian(k, -1.0) == 2.0


def test_second_order_below_a_where_masks_the_branch_not_taken():
    # a Dual cotangent 0 at every level met a partial whose own tangent is infinite
    # (x**1.5's at 0): 0·inf = nan in reverse.hessian where the branch is not taken
    for f, x, want in [(lambda x: np.where(x > 0, x ** 1.5, 0.0), 0.0, 0.0),
                       (lambda x: np.where(x > 0, np.cbrt(x) ** 4, x * x), 0.0, 2.0)]:
        with np.errstate(all="ignore"):
            assert reverse.hessian(f, x) == dualad.hessian(f, x) == want
    g = lambda x: np.sum(np.where(x > 0, x ** 1.5, 0.0))      # noqa: E731
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(reverse.hessian(g, np.array([0.0, 2.0])),
                                   [[0.0, 0.0], [0.0, 0.75 / np.sqrt(2.0)]], rtol=1e-15)


def test_a_where_hessian_does_not_depend_on_which_inputs_share_a_chunk():
    # the masked product asked whether a Dual cotangent was 0 in every direction of the
    # chunk: H[1,1] was nan or 0 by whether x[k] shared x[1]'s chunk (n > 512: two)
    x = np.zeros(600)
    x[0] = 1.0
    with np.errstate(all="ignore"):
        hs = [reverse.hessian(lambda x: np.where(x[0] > 0, x[1] ** 1.5, 0.0) * x[k], x)
              for k in (2, 599)]      # noqa: B023
    assert hs[0][1, 1] == hs[1][1, 1] and hs[0][2, 1] == hs[1][599, 1]


def test_tape_gradients_share_no_memory_with_each_other_or_output_gradients():
    # tape.gradient of a vector target z = x + y gave x̄ and ȳ as one array, and a
    # source that is the target itself came back as the caller's output_gradients array
    x, y = constant(np.array([1.0, 2.0])), constant(np.array([3.0, 4.0]))
    with Tape(persistent=True) as t:
        t.watch([x, y])
        z = x + y
    gx, gy = t.gradient(z, [x, y])
    np.asarray(gx, copy=False)[0] = 99.0
    assert gy.numpy().tolist() == [1.0, 1.0]
    dz = np.array([2.0, 3.0])
    gz = t.gradient(z, z, output_gradients=dz)
    np.asarray(gz, copy=False)[0] = 99.0
    assert dz.tolist() == [2.0, 3.0]


# -- probe22: TensorFlow GradientTape semantics --------------------------------------
@pytest.mark.parametrize("stop", [reverse.stop_gradient, lambda t: t.numpy(),
                                  lambda t: constant(t.numpy()), constant])
def test_what_stops_the_gradient_stops_the_hessian_too(stop):
    # reverse.hessian (forward over reverse) let the Dual through stop_gradient, .numpy()
    # and constant: hessian(x·stop(x)) was 1.0 where f'' = 0 (JAX: 0, reverse over
    # reverse: 0); sum(x²·stop(sin x)) had diagonal 2 sin x + 2x cos x
    assert reverse.hessian(lambda x: x * stop(x), 3.0) == 0.0
    assert reverse.jacobian(lambda z: reverse.gradient(lambda x: x * stop(x), z), 3.0) == 0.0
    x = np.array([0.5, 1.0])
    np.testing.assert_allclose(
        reverse.hessian(lambda x: np.sum(x ** 2 * stop(np.sin(x))), x),
        np.diag(2 * np.sin(x)), rtol=1e-15)


def test_numpy_inside_f_keeps_an_outer_forward_call():
    # only the hessian's own level is dropped: dualad over a tape's t.numpy() (the
    # pattern forward mode's error message suggests) still reads the outer tangent
    def tape_gradient(x):
        x = constant(x)
        with Tape() as t:
            t.watch(x)
            y = x ** 3
        return t.gradient(y, x).numpy()

    assert dualad.derivative(tape_gradient, 2.0) == 12.0
    # and stop_gradient stops every level, as JAX's: d/da of grad_x(x·stop(a·x)) is 0
    assert dualad.derivative(
        lambda a: reverse.gradient(lambda x: x * reverse.stop_gradient(a * x), 1.0), 2.0) == 0.0


def test_hessian_under_a_tape_that_watches_what_f_reads():
    # f reads w, which the outer tape watches: reverse.hessian raised "f returned a
    # Tensor that depends on the Dual input"; H = diag(6·w·x), d ΣH/dw = 6·(1 + 3)
    w = constant(2.0)
    x0 = np.array([1.0, 3.0])
    with Tape() as t:
        t.watch(w)
        H = reverse.hessian(lambda x: np.sum(w * x ** 3), x0)
        s = np.sum(H)
    np.testing.assert_array_equal(H.numpy(), [[12.0, 0.0], [0.0, 36.0]])
    assert t.gradient(s, w).numpy() == 24.0
    # under an unrelated tape it stays forward over reverse, plain values
    with Tape():
        H2 = reverse.hessian(lambda x: np.sum(2.0 * x ** 3), x0)
    assert type(H2) is np.ndarray and H2.tolist() == [[12.0, 0.0], [0.0, 36.0]]


def test_a_pullback_takes_a_cotangent_a_tape_records():
    # pb(u) for a watched Tensor u raised "np.asarray ... of a Tensor a tape is
    # recording"; the double-vjp trick needs d(uᵀ·J)/du = J: here Σ 2x = [2, 4]
    u = constant(np.array([3.0, 5.0]))
    with Tape() as t:
        t.watch(u)
        _, pb = reverse.vjp(lambda x: x ** 2, np.array([1.0, 2.0]))
        g, = pb(u)
        s = np.sum(g)
    np.testing.assert_array_equal(g.numpy(), [6.0, 20.0])
    np.testing.assert_array_equal(t.gradient(s, u).numpy(), [2.0, 4.0])


def test_watched_variables_survive_a_non_persistent_gradient():
    # TF keeps them: `for g, v in zip(grads, tape.watched_variables())` updated nothing
    w, b = Variable(np.array([1.0, 2.0])), Variable(0.5)
    with Tape() as t:
        loss = np.sum(w * w) + b
    grads = t.gradient(loss, [w, b])
    assert t.watched_variables() == (w, b)
    for g, v in zip(grads, t.watched_variables()):
        v.assign_sub(0.1 * g)
    np.testing.assert_allclose(w.numpy(), [0.8, 1.6], rtol=1e-15)
    assert b.numpy() == 0.4


def _layer_batch_jacobian(X, W):
    x = constant(X)
    with Tape() as t:
        t.watch(x)
        y = np.tanh(x @ W)
    return t.batch_jacobian(y, x)


def test_batch_jacobian_is_each_examples_jacobian():
    # TensorFlow's tape.batch_jacobian: (b, out, in) blocks ∂y[i]/∂x[i] = diag(1 − y²)·Wᵀ
    rng = np.random.default_rng(0)
    X, W = rng.normal(size=(4, 3)), rng.normal(size=(3, 2))
    J = _layer_batch_jacobian(X, W).numpy()
    Y = np.tanh(X @ W)
    np.testing.assert_allclose(J, np.einsum("bi,ji->bij", 1 - Y ** 2, W), rtol=1e-12)
    x = constant(X)
    with Tape() as t:
        t.watch(x)
        full = t.jacobian(np.tanh(x @ W), x).numpy()
    np.testing.assert_array_equal(J, np.stack([full[b, :, b, :] for b in range(4)]))
    # recorded by an outer tape: d ΣJ / dW against central differences
    w = constant(W)
    with Tape() as o:
        o.watch(w)
        s = np.sum(_layer_batch_jacobian(X, w))
    h, num = 1e-6, np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        e = np.zeros_like(W)
        e[idx] = h
        num[idx] = (np.sum(_layer_batch_jacobian(X, W + e).numpy())
                    - np.sum(_layer_batch_jacobian(X, W - e).numpy())) / (2 * h)
    np.testing.assert_allclose(o.gradient(s, w).numpy(), num, rtol=1e-7)


def test_batch_jacobian_shapes_and_errors():
    x = constant(np.arange(1.0, 7.0).reshape(2, 3))
    with Tape(persistent=True) as t:
        t.watch(x)
        y = np.reshape(x * x, (2, 3, 1)) * np.ones((1, 1, 2))
        c = constant(np.ones((2, 4)))
    J = t.batch_jacobian(y, x).numpy()
    assert J.shape == (2, 3, 2, 3)
    np.testing.assert_array_equal(J[1, :, 0, :], np.diag([8.0, 10.0, 12.0]))
    assert t.batch_jacobian(c, x, unconnected_gradients="zero").numpy().shape == (2, 4, 3)
    with pytest.raises(ValueError, match="first"):
        t.batch_jacobian(np.sum(x, axis=0), x)
    with pytest.raises(TypeError, match="one source"):
        t.batch_jacobian(y, [x, x])


def test_tensorflow_nest_forms_of_sources_targets_and_hints():
    # OrderedDict/defaultdict sources, watch(dict), a [y] target with one dy, and
    # jacobian's pfor hints were TypeError/ValueError; TensorFlow takes them
    x = constant(np.array([1.0, 2.0]))
    with Tape(persistent=True) as t:
        t.watch({"a": [x]})
        y = x * x
    g = t.gradient(y, collections.OrderedDict(a=x))
    assert type(g) is collections.OrderedDict and g["a"].numpy().tolist() == [2.0, 4.0]
    d = t.gradient(y, collections.defaultdict(list, a=x))
    assert type(d) is collections.defaultdict and d.default_factory is list
    assert t.gradient([y], x, output_gradients=np.array([1.0, 2.0])).numpy().tolist() == \
        [2.0, 8.0]
    assert t.jacobian(y, x, experimental_use_pfor=False, parallel_iterations=4) \
        .numpy().tolist() == [[2.0, 0.0], [0.0, 4.0]]


def test_numpy_inside_a_hessian_is_a_copy_of_the_right_type():
    # after dropping the hessian's Dual level, .numpy() returned the seed's own primal
    # array (f's in-place edit of it changed the Hessian: [[606, 0], [0, 612]]) and a
    # Python float for a scalar (x.numpy().shape raised)
    def f(x):
        c = x.numpy()
        c += 100.0
        return np.sum(x ** 3)

    H = reverse.hessian(f, np.array([1.0, 2.0]))
    np.testing.assert_array_equal(H, np.diag([6.0, 12.0]))
    assert reverse.hessian(lambda x: x ** 3 * np.ones(x.numpy().shape).sum(), 3.0) == 18.0
    assert reverse.hessian(lambda x: x ** 3 + x.numpy().item(), 3.0) == 18.0


def test_the_hessian_level_is_dropped_wherever_it_sits_and_in_any_thread():
    # c = d/da (x·a²).numpy() at a = 1 is 2x, a constant: f = x²·c has f'' = 2c = 4 at 1
    # (an inner dualad level sat above the hessian's, which survived: 8.0); a value read
    # in a worker thread kept it too (12 for 6)
    from concurrent.futures import ThreadPoolExecutor

    def f(x):
        return x ** 2 * dualad.derivative(lambda a: (x * a * a).numpy(), 1.0)

    assert reverse.hessian(f, 1.0) == 4.0 == \
        reverse.jacobian(lambda z: reverse.gradient(f, z), 1.0)
    with ThreadPoolExecutor(1) as pool:
        assert reverse.hessian(lambda x: x ** 2 * pool.submit(x.numpy).result(), 3.0) == 6.0


def test_stop_gradient_stops_taylor_mode_too():
    # orders ≥ 3 run on Taylor values, which stop_gradient let through: d⁴/da⁴ of
    # a³·stop(a) was 24 for 0, and of grad_x(x·stop(a⁴·x)) 48, 24 at orders 3, 4
    g = lambda a: a ** 3 * reverse.stop_gradient(a)     # noqa: E731  (a plain value now)
    assert [dualad.derivative(g, 2.0, k) for k in range(1, 5)] == [24.0, 24.0, 12.0, 0.0]
    G = lambda a: reverse.gradient(                               # noqa: E731
        lambda x: x * reverse.stop_gradient(a ** 4 * x), 1.0)
    assert [dualad.derivative(G, 2.0, k) for k in range(1, 5)] == [0.0, 0.0, 0.0, 0.0]


def test_a_pullback_under_an_unrelated_tape_gives_plain_values_for_a_tensor_cotangent():
    # only a cotangent a tape records stays traced: an unwatched Tensor gave Tensors
    _, pb = reverse.vjp(lambda x: x ** 2, np.array([1.0, 2.0]))
    _, pbs = reverse.vjp(lambda x: x ** 2, 3.0)
    with Tape():
        g, = pb(constant(np.array([1.0, 1.0])))
        gs, = pbs(constant(1.0))
    assert type(g) is np.ndarray and g.tolist() == [2.0, 4.0]
    assert type(gs) is float and gs == 6.0


def test_one_dy_for_any_single_target_nest():
    x = constant(2.0)
    with Tape(persistent=True) as t:
        t.watch(x)
        y = x ** 3
    for target in ({"y": y}, [[y]], (y,)):
        assert t.gradient(target, x, output_gradients=np.float64(1.0)).numpy() == 12.0


def test_copies_of_a_tensor_stay_on_the_tape():
    # a Tensor's copy.copy / deepcopy was a new object no tape knew: gradient 0 (compile
    # too); TensorFlow's EagerTensor copies are the tensor itself
    import copy
    v = np.array([0.3, -1.2, 0.7])
    for cp in (copy.copy, copy.deepcopy):
        f = lambda x, cp=cp: np.sum(cp(x) ** 2) + np.sum(cp([x, x])[1])
        want = 2 * v + 1
        np.testing.assert_array_equal(reverse.gradient(f, v), want)
        np.testing.assert_array_equal(dualad.compile(f, v).gradient(v), want)
    w = reverse.Variable(2.0)
    with reverse.Tape() as t:
        y = copy.copy(w) * w
    assert t.gradient(y, w).numpy() == 4.0          # copy.copy(v) is v, as in TensorFlow
    d = copy.deepcopy(w)                            # a variable of its own (TF's eager deepcopy)
    d.assign_add(1.0)
    assert w.numpy() == 2.0 and d.numpy() == 3.0 and d.trainable
    with reverse.Tape() as t:
        y = copy.deepcopy(w) * w
    assert t.gradient(y, w).numpy() == 2.0


def test_a_scalar_tensor_indexed_with_none_or_ellipsis():
    # x[0][None] of a float-valued Tensor: "'float' object is not subscriptable" in
    # reverse and compiled mode (forward and symbolic took it)
    v = np.array([0.3, -1.2, 0.7])
    for f, a in ((lambda x: np.sum(x[0][None] * x), v), (lambda x: x[0][...] * x[1], v),
                 (lambda x: np.sum(np.sin(x[1])[None, None] * 2.0), v),
                 (lambda t: np.sum(t[None] * t), 0.7)):
        want = dualad.gradient(f, a)
        np.testing.assert_allclose(reverse.gradient(f, a), want, rtol=1e-15)
        np.testing.assert_allclose(dualad.compile(f, a).gradient(a), want, rtol=1e-15)


def test_forward_mode_over_a_pullbacks_cotangent():
    # jax.jvp of a vjp: the cotangent a Dual; real_cotangent called np.asarray on it ("a
    # Dual cannot become a plain NumPy array")
    _, pb = reverse.vjp(lambda y: y ** 2, 2.0)
    assert dualad.derivative(lambda c: pb(c)[0], 3.0) == 4.0
    y = np.array([1.0, 2.0])
    _, pb = reverse.vjp(lambda y: np.sin(y) * y, y)
    np.testing.assert_allclose(dualad.jacobian(lambda c: pb(c)[0], np.ones(2)),
                               np.diag(np.cos(y) * y + np.sin(y)), rtol=1e-15)
    x = reverse.Variable(2.0)
    with reverse.Tape(persistent=True) as t:
        z = x * x
    assert dualad.derivative(lambda c: t.gradient(z, x, output_gradients=c).numpy(), 3.0) == 4.0


def test_in_place_operators_on_a_variable_are_refused():
    # `p -= lr * g` bound p to a new Tensor and left the Variable unchanged: a training
    # loop trained nothing (TensorFlow refuses it and names assign_sub)
    w = reverse.Variable(np.array([1.0, 2.0]))
    p = w
    with pytest.raises(TypeError, match="assign_sub"):
        p -= 0.1 * np.ones(2)
    with pytest.raises(TypeError, match="assign_add"):
        p += 1.0
    np.testing.assert_array_equal(w.numpy(), [1.0, 2.0])


def test_a_source_that_is_its_own_target_has_gradient_one():
    # TensorFlow seeds a target that is also a source with ones, read or not (None here)
    v = reverse.Variable(np.array([1.0, 2.0]))
    c = reverse.constant(3.0)
    w = reverse.Variable(2.0)
    with reverse.Tape(persistent=True) as t:
        y = w * w
    np.testing.assert_array_equal(t.gradient(v, v).numpy(), [1.0, 1.0])
    assert t.gradient(c, c).numpy() == 1.0
    gw, gv = t.gradient([y, v], [w, v])
    assert gw.numpy() == 4.0 and list(gv.numpy()) == [1.0, 1.0]
    assert t.gradient(y, v) is None


def test_pickled_variables_and_tensors_carry_no_tape_state():
    # a Variable read under nested tapes was pickled with its read snapshot, keyed by tape
    # numbers another process (or a later call) reuses: the unpickled Variable's read went
    # unrecorded and its gradient was None
    import pickle
    import weakref
    w = reverse.Variable(np.array([1.0, 2.0]))
    with reverse.Tape():
        with reverse.Tape() as t2:
            y = np.sum(w ** 3)
        t2.gradient(y, w)
    w2 = pickle.loads(pickle.dumps(w))
    with reverse.Tape() as outer:
        with reverse.Tape() as inner:
            y = np.sum(w2 ** 3)
        g = inner.gradient(y, w2)
        hv = np.sum(g * np.array([1.0, 0.5]))
    np.testing.assert_array_equal(g.numpy(), [3.0, 12.0])
    np.testing.assert_array_equal(outer.gradient(hv, w2).numpy(), [6.0, 6.0])
    assert weakref.ref(w2)() is w2 and weakref.ref(reverse.constant(1.0))() is not None


def test_review16_jacobian_seeding_pickled_subclasses_and_variable_seeds():
    # tape.jacobian / batch_jacobian of an unread source by itself: the identity, as
    # gradient's ones (they gave None); a Variable given as output_gradients under an
    # outer tape is read, not handed back itself (pickled Tensor subclasses kept their
    # class here; subclasses are refused now, their arithmetic recursed)
    import pickle
    v = reverse.Variable(np.array([1.0, 2.0, 3.0]))
    b = reverse.Variable(np.ones((2, 2)))
    with reverse.Tape(persistent=True) as t:
        pass    # records nothing: v and b are never read, the case under test
    np.testing.assert_array_equal(t.jacobian(v, v).numpy(), np.eye(3))
    np.testing.assert_array_equal(t.batch_jacobian(b, b).numpy(), np.stack([np.eye(2)] * 2))

    assert pickle.loads(pickle.dumps(reverse.constant(2.0))).numpy() == 2.0
    w = reverse.Variable(np.array([3.0, 4.0]))
    x = reverse.Variable(np.array([1.0, 1.0]))
    with reverse.Tape():
        with reverse.Tape() as inner:
            pass    # x unread: inner.gradient(x, x) is seeded, not swept
        g = inner.gradient(x, x, output_gradients=w)
    w.assign(np.zeros(2))
    assert g is not w and list(g.numpy()) == [3.0, 4.0]


def test_full_like_of_a_traced_fill_broadcasts_as_numpy_does():
    # a fill that does not fit x's shape broadcast x up (a (3, 3, 3) Jacobian) where
    # NumPy raises
    v = np.array([1.0, 2.0, 3.0])
    f = lambda x: np.full_like(x.reshape(3, 1), x)
    with pytest.raises(ValueError):
        f(v)
    for engine in (dualad.jacobian, reverse.jacobian):
        with pytest.raises(ValueError, match="could not broadcast"):
            engine(f, v)


def test_full_like_fill_with_leading_unit_axes():
    # NumPy's copy into the result drops a fill's leading size-1 axes: (1, 3) into (3,)
    # (review17: refused; before, a (1, 3, 2, 3) Jacobian)
    x = np.arange(6.0).reshape(2, 3)
    f = lambda x: np.full_like(x[0], x[:1]) * 2.0
    want = np.zeros((3, 2, 3))
    want[[0, 1, 2], 0, [0, 1, 2]] = 2.0
    for engine in (dualad.jacobian, reverse.jacobian):
        np.testing.assert_array_equal(engine(f, x), want)


def test_a_used_tape_kept_in_a_list_does_not_keep_its_key_on_the_watched_tensor():
    # probe30: each finished non-persistent tape kept (a history list) left its key on c,
    # and every operation on c scanned them all: O(steps²) over a training loop
    c = reverse.constant(np.ones(3))
    history = []
    for _ in range(50):
        with reverse.Tape() as tape:
            tape.watch(c)
            y = np.sum(c * c)
        np.testing.assert_array_equal(tape.gradient(y, c).numpy(), [2.0, 2.0, 2.0])
        history.append(tape)
    assert len(c._on) == 1
    with reverse.Tape(persistent=True) as kept:     # a persistent tape's key stays
        kept.watch(c)
    with reverse.Tape() as t2:
        t2.watch(c)
    with kept:
        y = np.sum(c * 3.0)
    np.testing.assert_array_equal(kept.gradient(y, c).numpy(), [3.0, 3.0, 3.0])


# -- TensorFlow 2.21 side by side (probe37): what its GradientTape answered ------------
def test_an_unwatched_operand_is_not_a_source():
    # TF: y = c·x with only x watched gives ∂y/∂c None (0 with "zero"); so does a
    # tape that did not watch c while an outer one did, and jacobian; ∂y/∂x is 5
    x, c = constant(2.0), constant(5.0)
    with Tape(persistent=True) as t:
        t.watch(x)
        y = c * x
        s = reverse.stop_gradient(x)
        z = s * x
    assert t.gradient(y, c) is None
    assert t.gradient(y, c, unconnected_gradients="zero").numpy() == 0.0
    gx, gc = t.gradient(y, [x, c])
    assert gx.numpy() == 5.0 and gc is None
    assert t.gradient(z, s) is None and t.gradient(z, x).numpy() == 2.0
    assert t.gradient(c, c).numpy() == 1.0      # a target that is a source: seeded
    assert t.jacobian(y, c) is None
    with Tape() as o:
        o.watch(c)
        with Tape() as i:
            i.watch(x)
            y = c * x
        assert i.gradient(y, c) is None
    # watched after its use: TF counts it (the op recorded c as an input)
    with Tape(persistent=True) as t:
        t.watch(x)
        y = c * x
        t.watch(c)
    assert t.gradient(y, c).numpy() == 2.0
    w = c * 2.0         # produced before the tape: not on it
    with Tape() as t:
        t.watch(x)
        y = w * x
    assert t.gradient(y, w) is None


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_sign_has_zero_derivative_that_never_meets_an_infinite_one():
    # TF registers zeros for Sign (a connected source) and so gives nan for
    # d/dx sign(sqrt(x)) at 0 (0·∞); JAX gives 0, and so do we: sign leaves a source
    # unconnected, as floor does (unconnected_gradients="zero" for the zeros)
    w = Variable(np.array([-1.5, 2.0]))
    with Tape() as t:
        loss = np.sum(np.sign(w) * 3.0)
    assert t.gradient(loss, w) is None
    x = constant(2.0)
    with Tape() as t:
        t.watch(x)
        y = np.sign(x) + x
    assert t.gradient(y, x).numpy() == 1.0
    f = lambda x: np.sign(np.sqrt(x)) + x * np.sign(np.cbrt(x))     # noqa: E731
    for engine in (dualad.gradient, reverse.gradient, lambda f, x: dualad.derivative(
            f, x, order=3), lambda f, x: dualad.compile(f, 1.0).gradient(x)):
        assert engine(f, 0.0) == 0.0
    g = lambda v: np.sum(np.array([2.0, 3.0]) * np.sign(np.sqrt(v)))    # noqa: E731
    np.testing.assert_array_equal(reverse.gradient(g, np.array([0.0, 4.0])), [0.0, 0.0])
    assert symbolic.gradient(f, 0.0) == 0.0


def test_watched_variables_in_creation_order_as_tensorflow():
    v1, v2, v3 = Variable(1.0), Variable(2.0), Variable(3.0)
    with Tape() as t:
        y = v3 * v2 * v1
    assert t.watched_variables() == (v1, v2, v3)
    g = t.gradient(y, list(t.watched_variables()))
    assert [x.numpy() for x in g] == [6.0, 3.0, 2.0]


def test_empty_target_and_watch_under_stop_recording_as_tensorflow():
    x, c = constant(2.0), constant(3.0)
    with Tape(persistent=True) as t:
        t.watch(x)
        y = x * x
        with t.stop_recording():
            t.watch(c)          # TF ignores a watch while the tape is not recording
        z = x * c
    assert t.gradient([], x) is None
    g, = t.gradient([], [x], unconnected_gradients="zero")
    assert g.numpy() == 0.0
    gx, gc = t.gradient(z, [x, c])
    assert gx.numpy() == 3.0 and gc is None
    assert t.gradient(y, x).numpy() == 4.0


def test_batch_jacobian_of_an_unconnected_source_is_zeros_as_tensorflow():
    # TF's batch_jacobian returns zeros there ("compatibility with the previous
    # behavior, which ignored unconnected_gradients"); its jacobian returns None
    x = constant(np.array([[1.0, 2.0], [3.0, 4.0]]))
    c = constant(np.array([[1.0], [2.0]]))
    with Tape(persistent=True) as t:
        t.watch([x, c])
        y = x * 2.0
    J = t.batch_jacobian(y, c)
    np.testing.assert_array_equal(J.numpy(), np.zeros((2, 2, 1)))
    assert t.jacobian(y, c) is None


def test_a_variables_int_cast_is_its_values():
    # Variable.astype returned v's float copy for any dtype (review26: the gradient of
    # sum(v.astype(int) * v) was 2v where JAX gives the int values)
    v = Variable(np.array([1.7, -2.3, 0.5]))
    assert v.astype(int).tolist() == [1, -2, 0] and np.astype(v, np.int32).dtype == np.int32
    with Tape() as t:
        y = np.sum(v.astype(int) * v)
    np.testing.assert_array_equal(t.gradient(y, v).numpy(), [1.0, -2.0, 0.0])


def test_tensor_and_variable_subclasses_are_refused_at_class_creation():
    # the engines test `type(x) is Tensor / Variable`: a subclass's v * v recursed
    with pytest.raises(TypeError, match="cannot be subclassed"):
        type("Mine", (Variable,), {})
    with pytest.raises(TypeError, match="cannot be subclassed"):
        type("Mine", (reverse.Tensor,), {})


@pytest.mark.parametrize("x", [3.0, 5.0])
def test_stop_gradient_is_a_constant_to_forward_mode_and_symbolic_too(x):
    # review28: f = x·stop(x) raised "reverse over forward is not supported" in dualad
    # (stop_gradient wrapped the Dual's primal in a Tensor) and "symbolic cannot use a
    # value of type Tensor" in symbolic; JAX's stop_gradient is a constant under jvp
    stop = reverse.stop_gradient
    f = lambda x: x * stop(x)                                     # noqa: E731
    for engine in (dualad.gradient, reverse.gradient, symbolic.gradient):
        assert engine(f, x) == x
    for engine in (dualad.hessian, reverse.hessian, symbolic.hessian):
        assert engine(f, x) == 0.0
    g = lambda x: np.sin(x) * stop(x ** 2)                        # noqa: E731
    for k, want in ((1, np.cos(x) * x ** 2), (3, -np.cos(x) * x ** 2)):
        assert dualad.derivative(g, x, order=k) == pytest.approx(want, rel=1e-14)
        assert symbolic.derivative(g, x, order=k) == pytest.approx(want, rel=1e-14)
    v = np.array([0.5, x])
    h = lambda v: np.sum(np.sin(v) * stop(v))                     # noqa: E731
    for engine in (dualad.gradient, reverse.gradient, symbolic.gradient):
        np.testing.assert_allclose(engine(h, v), np.cos(v) * v, rtol=1e-15)
    assert type(stop(x)) is reverse.Tensor      # of a plain value: a Tensor, as before
