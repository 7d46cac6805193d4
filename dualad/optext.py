"""Readable text for Wengert-list entries, as Baydin et al. 2018 write them.

op_text gives the operation ("log v_{-1}", "v_{-1} × v_0"), tangent_text the
forward tangent (v̇_{-1} × v_0 + v_{-1} × v̇_0) and adjoint_terms the adjoint
updates (v̄_0 += v̄_2 × v_{-1}).  Only our own vocabulary, numbers and names
that passed `wengert.safe_name` appear, so the text is safe in code comments.
"""

from __future__ import annotations

import operator
import re

import numpy as np

from .wengert import safe_name

DOT, BAR = "\u0307", "\u0304"    # combining dot (v̇) and bar (v̄)

INFIX = {np.add: "+", np.subtract: "-", np.multiply: "×", np.divide: "/",
         np.true_divide: "/", np.power: "^", np.float_power: "^", np.matmul: "@"}
PREFIX = {np.negative: "-", np.positive: "+"}
# ∂out/∂arg_i as text: {0}, {1} the arguments, {o} the output
PARTIALS = {
    np.add: ("1", "1"), np.subtract: ("1", "-1"), np.multiply: ("{1}", "{0}"),
    np.divide: ("1/{1}", "-{o}/{1}"), np.true_divide: ("1/{1}", "-{o}/{1}"),
    np.negative: ("-1",), np.positive: ("1",),
    np.power: ("{1} × {0}^({1} - 1)", "{o} × log {0}"), np.square: ("2 × {0}",),
    np.sqrt: ("1/(2 × {o})",), np.reciprocal: ("-{o}^2",), np.cbrt: ("1/(3 × {o}^2)",),
    np.exp: ("{o}",), np.expm1: ("exp {0}",), np.log: ("1/{0}",), np.log1p: ("1/(1 + {0})",),
    np.sin: ("cos {0}",), np.cos: ("-sin {0}",), np.tan: ("1 + {o}^2",),
    np.sinh: ("cosh {0}",), np.cosh: ("sinh {0}",), np.tanh: ("sech({0})^2",),
    np.arctan: ("1/(1 + {0}^2)",), np.absolute: ("sign {0}",), np.fabs: ("sign {0}",),
    np.hypot: ("{0}/{o}", "{1}/{o}"),
    np.logaddexp: ("σ({0} - {1})", "σ({1} - {0})"),
}


def label(i: int, mark: str = "") -> str:
    """label(-1) -> 'v_{-1}'; mark DOT or BAR gives v̇_i / v̄_i."""
    return f"v{mark}_{{{i}}}" if i < 0 else f"v{mark}_{i}"


def number(x) -> str:
    """A primal/tangent/adjoint value to 3 decimals, as the paper's tables print them
    (4 significant digits in e-notation below 1e-3 and from 1e6 on, where 3 decimals
    would read 0.000 for 9.4e-14); arrays compactly, on one line."""
    if x is None:
        return "0"
    if np.ndim(x) == 0:
        try:
            v = float(x)
        except (TypeError, ValueError):
            return "?"
        tiny = v != 0 and abs(v) < 1e-3
        huge = 1e6 <= abs(v) < np.inf
        return f"{v:.3e}" if tiny or huge else f"{v:.3f}"
    a = np.asarray(x, dtype=np.float64)
    text = np.array2string(a, precision=3, threshold=6, edgeitems=2, separator=" ",
                           floatmode="fixed", max_line_width=10 ** 6)
    return " ".join(text.split())


# shown as written: np.einsum's subscripts (any short text of letters, spaces and . , - >,
# which cannot break out of a repr)
_EINSUM_SPEC = re.compile(r"[A-Za-z.,\- >]{1,80}")


def const_text(x) -> str:
    """A constant argument as text: a number in full (the shortest text that reads back
    as it, 2 for 2.0: a row can be checked by hand), an array by its shape."""
    if x is None or isinstance(x, (bool, np.bool_)):
        return str(x)
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        text = repr(float(x))
        return text[:-2] if text.endswith(".0") else text
    if isinstance(x, slice):
        parts = [const_text(p) if p is not None else "" for p in (x.start, x.stop, x.step)]
        return ":".join(parts[:2] if x.step is None else parts)
    if x is Ellipsis:
        return "..."
    if isinstance(x, tuple):
        return "(" + ", ".join(const_text(y) for y in x) + ("," if len(x) == 1 else "") + ")"
    if isinstance(x, np.ndarray):
        return f"[{'×'.join(map(str, x.shape)) or 'scalar'} array]" if x.size > 4 else \
            number(x) if x.dtype.kind == "f" else str(x.tolist()) if x.ndim == 0 else \
            "[" + " ".join(map(str, x.tolist())) + "]"     # (an int cast's 0-d array)
    if isinstance(x, str) and (safe_name(x) or _EINSUM_SPEC.fullmatch(x)):
        return repr(x)
    return f"<{type(x).__name__}>"


def _key_text(key) -> str:
    if isinstance(key, tuple):
        return ", ".join(const_text(k) for k in key)
    return const_text(key)


def _kwargs_text(kw) -> str:
    return "".join(f", {k}={const_text(v)}" for k, v in (kw or {}).items() if safe_name(k))


def fn_name(fn) -> str:
    name = getattr(fn, "__name__", "")
    return name if safe_name(name) else "op"


def op_text(fn, kw, args, name) -> str:
    """'log v_{-1}', 'v_{-1} × v_0', 'sum(v_3, axis=0)'; name(arg) gives each argument."""
    if fn is operator.getitem:
        return f"{name(args[0])}[{_key_text(args[1])}]"
    if fn.__name__ == "read_variable":
        var = args[0]
        n = getattr(var, "name", None)
        return f"read {n if safe_name(n) else 'variable'}"
    if fn in INFIX and len(args) == 2:
        return f"{name(args[0])} {INFIX[fn]} {name(args[1])}"
    if fn in PREFIX:
        return f"{PREFIX[fn]}{name(args[0])}"
    if isinstance(fn, np.ufunc) and len(args) == 1:
        return f"{fn_name(fn)} {name(args[0])}"
    parts = ", ".join("[" + ", ".join(name(b) for b in a) + "]" if type(a) is list else name(a)
                      for a in args)
    return f"{fn_name(fn)}({parts}{_kwargs_text(kw)})"


def partial_text(fn, i, args, out, name) -> str:
    """∂out/∂arg_i of an elementwise entry as text."""
    row = PARTIALS.get(fn)
    if row is None or i >= len(row):
        return f"∂{fn_name(fn)}/∂{name(args[i])}"
    fill = {"o": out}
    return row[i].format(*[name(a) for a in args], **fill)


def times(factor: str, partial: str) -> str:
    """factor·partial with Baydin's simplifications (× 1, × -1, / x)."""
    if partial == "1":
        return factor
    if partial == "-1":
        return f"-{factor}"
    if partial.startswith("1/") and " " not in partial:
        return f"{factor} / {partial[2:]}"
    if any(op in partial for op in (" + ", " - ", " × ", " / ")) and \
            not partial.startswith("("):
        partial = f"({partial})"
    return f"{factor} × {partial}"


def tangent_text(entry, name, dotname) -> str:
    """The forward tangent of one entry as text; name/dotname label a value / tangent."""
    from .rules import ELEMENTWISE
    from .structural import STRUCTURAL
    from .wengert import _is_tensor
    fn, kw, out, *args = entry
    if fn is operator.getitem:
        return f"{dotname(args[0])}[{_key_text(args[1])}]"
    if fn.__name__ == "read_variable":
        return "0"
    if fn in ELEMENTWISE:
        terms = []
        for i, a in enumerate(args):
            if _is_tensor(a) and ELEMENTWISE[fn][i + 1] is not None:
                terms.append(times(dotname(a), partial_text(fn, i, args, name(out), name)))
        text = " + ".join(terms) or "0"
        return text.replace("+ -", "- ")
    kind = STRUCTURAL[fn][0]
    if kind == "linear":
        return op_text(fn, kw, args, lambda a: dotname(a) if _is_tensor(a) else name(a))
    if kind == "multilinear":
        # one term per traced position: A @ A is v̇_0 @ v_0 + v_0 @ v̇_0 (op_text names
        # the arguments once each, in order, so the position picks the dotted one)
        terms = []
        for i, a in enumerate(args):
            if _is_tensor(a):
                position = iter(range(len(args)))
                terms.append(op_text(fn, kw, args, lambda b, i=i, position=position:
                                     dotname(b) if next(position) == i else name(b)))
        return " + ".join(terms)
    return f"{fn_name(fn)}'({name(args[0])}) · {dotname(args[0])}"
