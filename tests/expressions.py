"""Random smooth expressions for property-based tests (hypothesis).

`expressions(nvars)` draws a tree of table primitives over x0..x{n-1}; each
operation is wrapped so that it stays inside its domain for any real input
(log(e² + 1), sqrt(e² + 0.5), a/(b² + 1), ...), so every engine and finite
differences see a smooth function.  `as_function(tree)` turns a tree into a
plain NumPy function, `as_text(tree)` into readable text.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

UNARY = {
    "sin": np.sin,
    "cos": np.cos,
    "tanh": np.tanh,
    "arctan": np.arctan,
    "exp_sin": lambda a: np.exp(np.sin(a)),
    "log_sq": lambda a: np.log(a * a + 1.0),
    "sqrt_sq": lambda a: np.sqrt(a * a + 0.5),
    "neg": lambda a: -a,
    "square": lambda a: a ** 2,
    "cube": lambda a: a * a * a,
    "sinh_small": lambda a: np.sinh(np.sin(a)),
    "recip": lambda a: 1.0 / (a * a + 1.0),
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0),
    "hypot": lambda a, b: np.hypot(a, b * b + 1.0),   # never hypot(0, 0), a kink
    "pow": lambda a, b: (a * a + 1.0) ** np.sin(b),
    "logaddexp": np.logaddexp,
    "arctan2": lambda a, b: np.arctan2(a, b * b + 1.0),
}


def expressions(nvars: int, max_leaves: int = 8):
    leaves = st.one_of(
        st.sampled_from([("var", i) for i in range(nvars)]),
        st.floats(-2.0, 2.0, allow_nan=False).map(lambda c: ("const", round(c, 3))),
    )

    def extend(children):
        return st.one_of(
            st.tuples(st.sampled_from(sorted(UNARY)), children),
            st.tuples(st.sampled_from(sorted(BINARY)), children, children),
        )
    # at least one variable appears: wrap with a final op on x0
    tree = st.recursive(leaves, extend, max_leaves=max_leaves)
    return tree.map(lambda t: ("add", t, ("mul", ("var", 0), ("const", 0.5))))


def _eval(tree, xs):
    kind = tree[0]
    if kind == "var":
        return xs[tree[1]]
    if kind == "const":
        return tree[1]
    if kind in UNARY:
        return UNARY[kind](_eval(tree[1], xs))
    return BINARY[kind](_eval(tree[1], xs), _eval(tree[2], xs))


def as_function(tree, nvars: int):
    """A plain function f(x0, ..., x{n-1}) evaluating tree with NumPy."""
    def f(*xs):
        if len(xs) != nvars:
            raise TypeError(f"expected {nvars} arguments")
        return _eval(tree, xs)
    return f


def as_text(tree) -> str:
    kind = tree[0]
    if kind == "var":
        return f"x{tree[1]}"
    if kind == "const":
        return repr(tree[1])
    return f"{kind}(" + ", ".join(as_text(t) for t in tree[1:]) + ")"


points = st.floats(-1.5, 1.5, allow_nan=False).map(lambda v: round(v, 4))
