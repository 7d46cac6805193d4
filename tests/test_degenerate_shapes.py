"""Empty axes, 0-d arguments, ddof past the count, memory layouts (probe43): each case
here once gave a number NumPy does not give, or an internal error where NumPy answers."""

import warnings

import numpy as np
import pytest

import dualad
import reverse
import symbolic

ENGINES = {
    "forward": lambda f, x: dualad.jvp(f, (x,), (np.ones_like(x),))[0],
    "reverse": lambda f, x: reverse.vjp(f, x)[0],
    "compile": lambda f, x: dualad.compile(f, x)(x),
}


def _values(f, x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return {name: run(f, x) for name, run in ENGINES.items()}


@pytest.mark.parametrize("f, x", [
    (lambda x: np.var(x, ddof=3), np.array([1.0, 2.0])),            # NumPy: inf
    (lambda x: np.std(x, ddof=3), np.array([1.0, 2.0])),            # inf
    (lambda x: np.var(x, ddof=1), np.zeros(0)),                     # nan, not -0.0
    (lambda x: np.sum(np.var(x, axis=1, ddof=4)), np.arange(6.0).reshape(2, 3)),
])
def test_var_with_ddof_past_the_count_is_numpys_inf_or_nan(f, x):
    # the divisor was count - ddof: np.var([1, 2], ddof=3) gave -0.5 (gradient [1, -1])
    # where NumPy divides by max(count - ddof, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want = f(x)
    for name, got in _values(f, x).items():
        np.testing.assert_array_equal(got, want, err_msg=name)


@pytest.mark.parametrize("f", [
    lambda x: np.mean(x, axis=0), lambda x: np.var(x, axis=-1), lambda x: np.std(x, axis=0),
    lambda x: np.linalg.norm(x, axis=0), lambda x: np.average(x, axis=0)])
@pytest.mark.parametrize("engine", ["forward", "reverse", "symbolic"])
def test_an_axis_of_a_0d_argument_is_numpys_axis_error(f, engine):
    # built on np.sum, which takes axis 0 of a 0-d array, these returned the number
    with pytest.raises(np.exceptions.AxisError):
        f(np.array(1.3))
    with pytest.raises(np.exceptions.AxisError):
        {"forward": dualad.gradient, "reverse": reverse.gradient,
         "symbolic": symbolic.gradient}[engine](f, np.array(1.3))


@pytest.mark.parametrize("f", [
    lambda x: np.quantile(x, 0.3, axis=0), lambda x: np.percentile(x, [20, 70], axis=0),
    lambda x: np.quantile(x, 0.3, axis=0, method="nearest")])
def test_quantiles_beside_an_empty_axis_are_empty_as_numpys(f):
    # "cannot reshape array of size 0 into shape (0,newaxis)" in jvp, reverse, compile
    x = np.zeros((3, 0))
    want = f(x)
    for name, got in _values(f, x).items():
        assert np.shape(got) == want.shape, name
    assert reverse.jacobian(f, x).shape == want.shape + x.shape


@pytest.mark.parametrize("ord", [1, np.inf])
@pytest.mark.parametrize("shape", [(0, 4), (3, 0), (0, 0)])
def test_matrix_norms_of_an_empty_matrix_are_numpys_zero(ord, shape):
    # "zero-size array to reduction operation maximum": NumPy's max takes initial=0
    x = np.zeros(shape)
    f = lambda x: np.linalg.norm(x, ord)    # noqa: E731
    assert f(x) == 0.0
    for name, got in _values(f, x).items():
        assert got == 0.0, name
    assert reverse.gradient(f, x).shape == shape


def test_matrix_norm_minus_one_of_an_empty_matrix_raises_as_numpy():
    with pytest.raises(ValueError):
        np.linalg.norm(np.zeros((3, 0)), -1)
    with pytest.raises(ValueError):
        reverse.gradient(lambda x: np.linalg.norm(x, -1), np.zeros((3, 0)))


@pytest.mark.parametrize("f", [np.mean, np.var, np.std])
def test_symbolic_takes_an_empty_argument_whose_value_is_nan(f):
    # "an infinite constant sympy folded the variables into (nan)": no variable, no
    # derivative to lose; the other engines and jax.grad give the empty gradient
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for engine in (symbolic, dualad, reverse):
            g = engine.gradient(f, np.zeros((0, 4)))
            assert g.shape == (0, 4)


def test_a_numpy_bool_is_a_number_to_variables_and_constants():
    # README: ints and bools (True, np.bool_) are taken as floats; Variable(np.bool_(True))
    # raised "a Tensor holds a float ..., not bool"
    assert reverse.Variable(np.bool_(True)).numpy() == 1.0
    assert reverse.constant(np.bool_(False)).numpy() == 0.0


def test_reverse_values_keep_a_fortran_ordered_arguments_bits():
    # vjp and Variable copied x in C order, on which NumPy's sums along axis 0 differ in
    # the last bits: the value was not f(x)'s
    x = np.asfortranarray(np.random.default_rng(0).uniform(0.9, 1.1, (40, 30)))
    f = lambda x: np.sum(x, axis=0)   # noqa: E731
    np.testing.assert_array_equal(reverse.vjp(f, x)[0], f(x))
    v = reverse.Variable(x)
    with reverse.Tape() as tape:
        y = f(v)
    np.testing.assert_array_equal(y.numpy(), f(x))
    np.testing.assert_array_equal(f(v.numpy()), f(x))
    assert tape.gradient(y, v).shape == x.shape


def test_einsum_with_a_label_of_sizes_zero_and_four_is_refused():
    # NumPy checks sizes only when none is 0: 'ii->i' of a (0, 4) array read memory it
    # does not own, and on symbolic's object arrays the interpreter segfaulted
    f = lambda x: np.einsum("ii->i", x)   # noqa: E731
    for run in (reverse.jacobian, symbolic.jacobian, dualad.compile):
        with pytest.raises(ValueError, match="label 'i'"):
            run(f, np.zeros((0, 4)))
    np.testing.assert_array_equal(dualad.gradient(lambda x: np.einsum("ii", x),
                                                  np.ones((3, 3))), np.eye(3))
