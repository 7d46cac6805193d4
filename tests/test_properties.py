"""Property-based: random expressions agree across engines and with differences."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import dualad
from tests.expressions import as_function, as_text, expressions, points
from tests.helpers import central_gradient, check_grads

SETTINGS = settings(max_examples=40, deadline=None)


@SETTINGS
@given(tree=expressions(2), x=points, y=points)
def test_forward_gradient_matches_central_differences(tree, x, y):
    f = as_function(tree, 2)
    g = np.array(dualad.gradient(f, x, y))
    fd = central_gradient(f, (x, y))
    cancellation = 1e-8 * abs(f(x, y))      # |f|·eps/h lost by the differences
    np.testing.assert_allclose(g, fd, rtol=1e-5,
                               atol=1e-5 * max(1.0, np.max(np.abs(g))) + cancellation,
                               err_msg=as_text(tree))


@SETTINGS
@given(tree=expressions(3), xs=st.tuples(points, points, points))
def test_engines_agree_on_random_expressions(tree, xs):
    check_grads(as_function(tree, 3), *xs, fd_rtol=1e-4)


@settings(max_examples=15, deadline=None)
@given(tree=expressions(2, max_leaves=5), x=points, y=points)
def test_hessians_agree_on_random_expressions(tree, x, y):
    check_grads(as_function(tree, 2), x, y, fd_rtol=1e-4, order=2)


@settings(max_examples=20, deadline=None)
@given(tree=expressions(1, max_leaves=6), x=points)
def test_jvp_is_directional_derivative(tree, x):
    f = as_function(tree, 1)
    _, t = dualad.jvp(f, (x,), (2.5,))
    assert np.isclose(t, 2.5 * dualad.derivative(f, x), rtol=1e-14, atol=1e-14)
