"""Sym: a symbolic placeholder that plain NumPy code runs on.

A Sym holds an object array of sympy expressions (0-d for a scalar) and, when
example arguments were given, the float values at that point.  NumPy hands
every ufunc to `__array_ufunc__`, which maps it to sympy through the shared
table `dualad.rules.ELEMENTWISE` (its sympy names resolved by `resolve`), and
every array function to `__array_function__`, which applies the structural
ones to the object arrays.  Comparisons and `if` read the example values (as
a tracer would) and mark the trace as value-dependent.
"""

from __future__ import annotations

import operator
import threading

import numpy as np
import sympy

from dualad.analysis import sinc_at_zero
from dualad.array_methods import ArrayMethods
from dualad.decompositions import SYMBOLIC_REFUSED, cholesky_factor
from dualad.dispatch import NOT_HANDED_OVER
from dualad.linalg import logabsdet
from dualad.rules import ELEMENTWISE, PRIMAL_ONLY, _one_minus_square, _sech2, _sigmoid
from dualad.structural import (
    PRIMAL_ONLY_FUNCTIONS,
    STRUCTURAL,
    UFUNC_METHODS,
    _axes,
    _signature,
    check_keywords,
    full_like_of_traced,
    no_rule_hint,
    ufunc_call_keywords,
)


class rint(sympy.Function):
    """rint(x): round half to even; derivative 0 wherever it exists."""

    def fdiff(self, argindex=1):
        return sympy.S.Zero


class trunc(sympy.Function):
    """trunc(x): round towards zero; derivative 0 wherever it exists."""

    def fdiff(self, argindex=1):
        return sympy.S.Zero


class _QuotientStep(sympy.Function):
    """A step function of the true quotient x/y, computed as NumPy does: sympy would
    fold x/0.1 into 10.0·x, one ulp from NumPy's quotient, and under a step that ulp
    is a whole step (0.7 // 0.1 is 6 in NumPy, floor(10.0·0.7) is 7).  Derivative 0
    wherever it exists."""

    nargs = 2
    _of_quotient = None     # the sympy step of the quotient, for numbers

    @classmethod
    def eval(cls, x, y):
        if x.is_number and y.is_number:
            return cls._of_quotient(x / y)
        return None

    def fdiff(self, argindex=1):
        return sympy.S.Zero

    def _latex(self, printer):
        x, y = (printer._print(a) for a in self.args)
        return rf"\operatorname{{{type(self).__name__}}}\left({x}, {y}\right)"


class floordiv(_QuotientStep):
    """x // y = floor(x / y), as np.floor_divide."""

    _of_quotient = sympy.floor


class truncdiv(_QuotientStep):
    """The n of np.fmod(x, y) = x − n·y (trunc(x / y) as fmod's exact remainder has
    it; computed as rint((x − fmod(x, y)) / y))."""

    _of_quotient = trunc


class power(sympy.Function):
    """x**y with a variable exponent, differentiated as the table's row is:
    ∂/∂x = y·power(x, y−1) taken as 0 at x = y = 0, ∂/∂y = x**y·log x taken as 0 at
    x = 0, where sympy's own y·x**y/x and x**y·log x are 0/0 and 0·∞ (nan).  Printed
    as x**y."""

    nargs = 2

    @classmethod
    def eval(cls, x, y):
        # numbers (as simplify substitutes them: power(0, -1)): sympy's own, zoo there,
        # where mpmath's evaluation raised ZeroDivisionError
        return x ** y if x.is_number and y.is_number else None

    def fdiff(self, argindex=1):
        x, y = self.args
        if argindex == 1:
            # 0 at x = y = 0 (not 0·x**-1 = nan), as the other engines give; only there,
            # so ∂/∂y of this partial stays x**(y-1) + ... at y = 0 elsewhere (H[0, 1] of
            # x**y at (1, 0) is 1).  power(x, y − 1), not sympy's x**(y − 1): its own
            # ∂/∂y, x**(y−1)·log x, is nan at x = 0 (H[0][1] of x**y at (0, 2), which is 0)
            return sympy.Piecewise((0, sympy.And(sympy.Eq(x, 0), sympy.Eq(y, 0))),
                                   (y * power(x, y - 1), True))
        return sympy.Piecewise((0, sympy.Eq(x, 0)), (self * sympy.log(x), True))

    def _sympystr(self, printer):
        return printer._print(sympy.Pow(*self.args, evaluate=False))

    def _latex(self, printer):
        return printer._print(sympy.Pow(*self.args, evaluate=False))


class sigmoid(sympy.Function):
    """sigmoid(z) = 1/(1 + e^−z), evaluated as the table's rows do (no overflow at any
    z); its derivative sigmoid(z)·sigmoid(−z) overflows nowhere either, where sympy's
    e^−z/(1 + e^−z)² is inf/inf (nan) past z = −709."""

    nargs = 1

    @classmethod
    def eval(cls, z):
        return 1 / (1 + sympy.exp(-z)) if z.is_number else None

    def fdiff(self, argindex=1):
        z = self.args[0]
        return sigmoid(z) * sigmoid(-z)

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + sympy.exp(-z))


class sigmoid2(sympy.Function):
    """sigmoid2(z) = 1/(1 + 2^−z), evaluated as the table's logaddexp2 rows do: as
    sigmoid(z·log 2) it carried the rounding of z·log 2 (275 ulps in the second
    derivative of logaddexp2(x, 0) at x = −900)."""

    nargs = 1

    @classmethod
    def eval(cls, z):
        return 1 / (1 + 2 ** (-z)) if z.is_number else None

    def fdiff(self, argindex=1):
        z = self.args[0]
        return sympy.log(2) * sigmoid2(z) * sigmoid2(-z)

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + 2 ** (-z))


class logaddexp(sympy.Function):
    """log(e^x + e^y), evaluated as np.logaddexp; ∂/∂x = sigmoid(x − y).  Written out,
    e^x overflows past 709: logaddexp(1000, 0) had gradient (nan, 0) for (1, 0)."""

    nargs = 2

    @classmethod
    def eval(cls, x, y):
        return sympy.log(sympy.exp(x) + sympy.exp(y)) if x.is_number and y.is_number else None

    def fdiff(self, argindex=1):
        x, y = self.args
        return sigmoid(x - y) if argindex == 1 else sigmoid(y - x)

    def _eval_rewrite_as_exp(self, x, y, **kwargs):
        return sympy.log(sympy.exp(x) + sympy.exp(y))


class logaddexp2(sympy.Function):
    """log2(2^x + 2^y), evaluated as np.logaddexp2; ∂/∂x = sigmoid2(x − y)."""

    nargs = 2

    @classmethod
    def eval(cls, x, y):
        if x.is_number and y.is_number:
            return sympy.log(2 ** x + 2 ** y) / sympy.log(2)
        return None

    def fdiff(self, argindex=1):
        x, y = self.args
        return sigmoid2(x - y if argindex == 1 else y - x)

    def _eval_rewrite_as_exp(self, x, y, **kwargs):
        return sympy.log(2 ** x + 2 ** y) / sympy.log(2)


class hypot(sympy.Function):
    """sqrt(x² + y²), evaluated as np.hypot; ∂/∂x = unit(x, y) = x/hypot(x, y).  Written
    out, x² overflows past 1.3e154: hypot(1e200, 1e200) had gradient (0, 0)."""

    nargs = 2

    @classmethod
    def eval(cls, x, y):
        return sympy.sqrt(x ** 2 + y ** 2) if x.is_number and y.is_number else None

    def fdiff(self, argindex=1):
        x, y = self.args
        return unit(x, y) if argindex == 1 else unit(y, x)

    def _eval_rewrite_as_sqrt(self, x, y, **kwargs):
        return sympy.sqrt(x ** 2 + y ** 2)


class unit(sympy.Function):
    """unit(x, y) = x/hypot(x, y), differentiated as unit(y, x)²/hypot(x, y) and
    −unit(x, y)·unit(y, x)/hypot(x, y): sympy's 1/h − x²/h³ and −x·y/h³ overflow
    (inf/inf) where x² does."""

    nargs = 2

    @classmethod
    def eval(cls, x, y):
        return x / sympy.sqrt(x ** 2 + y ** 2) if x.is_number and y.is_number else None

    def fdiff(self, argindex=1):
        x, y = self.args
        if argindex == 1:
            return unit(y, x) ** 2 / hypot(x, y)
        return -unit(x, y) * unit(y, x) / hypot(x, y)

    def _eval_rewrite_as_sqrt(self, x, y, **kwargs):
        return x / sympy.sqrt(x ** 2 + y ** 2)


class cbrt(sympy.Function):
    """The real cube root, evaluated as np.cbrt; cbrt' = 1/(3·cbrt²), as the table's row
    (+inf at 0).  Written sign(x)·|x|^(1/3), its derivative at 0 was sign(0)·∞ = nan."""

    nargs = 1

    @classmethod
    def eval(cls, x):
        if x.is_number and x.is_real:
            return sympy.sign(x) * sympy.Abs(x) ** sympy.Rational(1, 3)
        return None

    def fdiff(self, argindex=1):
        return 1 / (3 * self ** 2)


def _pow(x, y):
    """x**y: sympy's own for a constant exponent (x**2 differentiates to 2·x)."""
    return x ** y if getattr(y, "is_number", True) else power(x, y)


# sympy names of the table that are neither in `operator` nor in sympy
COMPOSITES = {
    "pow": _pow,
    "log1p": lambda x: sympy.log(1 + x),
    "expm1": lambda x: sympy.exp(x) - 1,
    "exp2": lambda x: 2 ** x,
    "log2": lambda x: sympy.log(x) / sympy.log(2),
    "log10": lambda x: sympy.log(x) / sympy.log(10),
    "square": lambda x: x ** 2,
    "reciprocal": lambda x: 1 / x,
    "cbrt": cbrt,
    "logaddexp": logaddexp,
    "logaddexp2": logaddexp2,
    "hypot": hypot,
    "rad": lambda x: x * sympy.pi / 180,
    "deg": lambda x: x * 180 / sympy.pi,
    "rint": rint,
    "trunc": trunc,
    "floordiv": floordiv,
    "mod": lambda x, y: x - y * floordiv(x, y),
    "fmod": lambda x, y: x - y * truncdiv(x, y),
    "pos": lambda x: x,
    "neg": lambda x: -x,
    "maximum": lambda x, y: maximum(x, y),
    "minimum": lambda x, y: minimum(x, y),
    "fmax": lambda x, y: fmax(x, y),
    "fmin": lambda x, y: fmin(x, y),
}

class step(sympy.Function):
    """step(x) = Heaviside(x) with step(0) = 1/2, printed for lambdify as a plain call
    (sympy's printer would expand Heaviside(x − Max(...)) into huge Piecewise)."""

    def fdiff(self, argindex=1):
        return sympy.S.Zero


class tie_step(sympy.Function):
    """tie_step(x, y) = 1 where x > y, 1/2 where x = y, 0 otherwise (a nan operand
    included): ∂max(x, y)/∂x as the table's (x > y) + ½(x = y), also at a tie of
    infinities, where step(x − y) read inf − inf = nan.  Derivative 0."""

    nargs = 2

    @classmethod
    def eval(cls, x, y):
        if x.is_comparable and y.is_comparable:
            return sympy.S.One if x > y else sympy.S.Half if x == y else sympy.S.Zero
        if x is sympy.S.NaN or y is sympy.S.NaN:
            return sympy.S.Zero
        return None

    def fdiff(self, argindex=1):
        return sympy.S.Zero


def _pairwise(name, sympy_extreme, sign):
    """np.maximum / np.minimum of two values as the table differentiates them, tie or
    not: ∂/∂x = tie_step(±x, ±y) (1/2 at a tie).  sympy's Max and Min flatten nested calls
    (Max(Max(a, b), a) is Max(a, b)), which splits a tie 1/2 to a where the other
    engines, differentiating each call, give a 3/4; this class keeps every call."""
    def eval(cls, x, y):
        # comparable numbers only: sympy's Max refuses nan and an unevaluated maxn(nan, ..)
        if x.is_comparable and y.is_comparable:
            return sympy_extreme(x, y)
        return None

    def fdiff(self, argindex=1):
        x, y = self.args
        return tie_step(sign * x, sign * y) if argindex == 1 else tie_step(sign * y, sign * x)

    return type(name, (sympy.Function,), {"nargs": 2, "eval": classmethod(eval),
                                          "fdiff": fdiff})


maximum = _pairwise("maximum", sympy.Max, 1)
minimum = _pairwise("minimum", sympy.Min, -1)


class fstep(sympy.Function):
    """fstep(x, y) = ∂fmax(x, y)/∂x, as NumPy's fmax ignores a NaN operand: 0 where x is
    nan, else 1 where y is nan, else step(x − y) (a tie 1/2).  Derivative 0."""

    nargs = 2

    @classmethod
    def eval(cls, x, y):
        if x is sympy.S.NaN:
            return sympy.S.Zero
        if y is sympy.S.NaN:
            return sympy.S.One
        if x.is_number and y.is_number:
            return sympy.Heaviside(x - y, sympy.S.Half)
        return None

    def fdiff(self, argindex=1):
        return sympy.S.Zero


def _nan_ignoring(name, sympy_extreme, sign):
    """np.fmax / np.fmin: maximum / minimum of two values, a NaN operand ignored (the
    other one is the result, with derivative 1); a tie splits 1/2 as in maximum."""
    def eval(cls, x, y):
        if x is sympy.S.NaN:
            return y
        if y is sympy.S.NaN:
            return x
        if x.is_number and y.is_number:
            return sympy_extreme(x, y)
        return None

    def fdiff(self, argindex=1):
        x, y = self.args
        return fstep(sign * x, sign * y) if argindex == 1 else fstep(sign * y, sign * x)

    return type(name, (sympy.Function,), {"nargs": 2, "eval": classmethod(eval),
                                          "fdiff": fdiff, "__doc__": _nan_ignoring.__doc__})


fmax = _nan_ignoring("fmax", sympy.Max, 1)
fmin = _nan_ignoring("fmin", sympy.Min, -1)
# ufuncs symbolic maps to functions of its own, not to the table's sympy name
OWN = {np.fmax: fmax, np.fmin: fmin}


def _fstep(x, y):
    # a tie is 0.5 also where x − y is nan (inf, inf), as in the other engines
    return np.where(np.isnan(x), 0.0, np.where(np.isnan(y), 1.0,
                                               np.where(x == y, 0.5, np.heaviside(x - y, 0.5))))


def _nary(name, share):
    """An n-ary max/min whose k tied extremes share the derivative 1/k each, as in the
    other engines: ∂M/∂xᵢ = share(i, x₀, …) = [xᵢ = M] / #{j: xⱼ = M}, a
    piecewise-constant function of its own (sympy's Max gives each of three ties
    step(0)² = 1/4, and a tree of pairwise maxima 1/2 or 1/4 by position)."""
    extreme = sympy.Max if name == "maxn" else sympy.Min

    def eval(cls, *args):
        # comparable numbers only (a row np.max masks whole: maxn(−oo, −oo, −oo)): the
        # number, which maximum(·, initial) can compare; sympy's Max refuses nan, which
        # maxn keeps (NumPy's max of it is nan)
        return extreme(*args) if all(a.is_comparable for a in args) else None

    def fdiff(self, argindex=1):
        return share(sympy.Integer(argindex - 1), *self.args)
    return type(name, (sympy.Function,), {"eval": classmethod(eval), "fdiff": fdiff})


def _share(name):
    return type(name, (sympy.Function,), {"fdiff": lambda self, argindex=1: sympy.S.Zero})


maxn_share, minn_share = _share("maxn_share"), _share("minn_share")
maxn, minn = _nary("maxn", maxn_share), _nary("minn", minn_share)


def _numeric_extreme(extreme):
    return lambda *xs: extreme.reduce(np.broadcast_arrays(*xs))


def _numeric_share(extreme):
    def share(i, *xs):
        xs = np.broadcast_arrays(*xs)
        ties = np.stack(xs) == extreme.reduce(xs)
        return ties[int(i)] / np.sum(ties, axis=0)
    return share


# functions of our own that lambdify must find by name
LAMBDIFY_NAMESPACE = {"rint": np.rint, "trunc": np.trunc, "power": np.power,
                      "floordiv": np.floor_divide,
                      "truncdiv": lambda x, y: np.rint((x - np.fmod(x, y)) / y),
                      "maximum": np.maximum, "minimum": np.minimum,
                      "fmax": np.fmax, "fmin": np.fmin, "fstep": _fstep,
                      "step": lambda x: np.heaviside(x, 0.5),
                      "tie_step": lambda x, y: (x > y) + 0.5 * (x == y),
                      "cbrt": np.cbrt, "sigmoid": _sigmoid, "sigmoid2": lambda z: _sigmoid(z, True),
                      "logaddexp": np.logaddexp,
                      "sech2": _sech2, "one_minus_square": _one_minus_square,
                      "logaddexp2": np.logaddexp2, "hypot": np.hypot,
                      "unit": lambda x, y: x / np.hypot(x, y),
                      "maxn": _numeric_extreme(np.maximum), "minn": _numeric_extreme(np.minimum),
                      "maxn_share": _numeric_share(np.maximum),
                      "minn_share": _numeric_share(np.minimum)}

# piecewise-constant functions: derivative 0 wherever it exists
STEP_FUNCTIONS = (sympy.floor, sympy.ceiling, sympy.sign, rint, trunc)


def resolve(name: str):
    """The sympy callable for a table name: a composite, an `operator` or a sympy attribute."""
    if name in COMPOSITES:
        return COMPOSITES[name]
    fn = getattr(operator, name, None) or getattr(sympy, name, None)
    if fn is None:
        raise TypeError(f"sympy name {name!r} of dualad.rules.ELEMENTWISE resolves to nothing")
    return fn


class sech2(sympy.Function):
    """sech² u for lambdify, evaluated as the table's 4e/(1 + e)², e = exp(−2|u|):
    sympy's tanh' = 1 − tanh² u cancels as tanh → ±1 (0 past u = 19)."""


class one_minus_square(sympy.Function):
    """1 − u² for lambdify, evaluated as the table does ((1 − u)(1 + u) for |u| ≥ ½):
    1 − u·u cancels near |u| = 1 (arcsin', arccos', arctanh': 8e6 ulps at 1 − 2⁻²⁷)."""


def _scaled_square(term):
    """(c, u) when term is c·u² for a rational number c, else None."""
    c = sympy.S.One
    if term.is_Mul and len(term.args) == 2 and term.args[0].is_Rational:
        c, term = term.args
    if term.is_Pow and term.exp == 2:
        return c, term.base
    return None


def _stable_form(e):
    """e in a form whose evaluation keeps its digits, or None when it has none: the
    forms dualad.rules chose for the partials that sympy writes in textbook form
    (c·(1 − tanh² u), c·(1 − u²) for a rational c, as sympy distributes 2·(1 − u²)
    into 2 − 2u², and √(u² + 1)), and Heaviside(x) as step(x) (a plain call)."""
    if isinstance(e, sympy.Heaviside):
        return step(e.args[0])
    if e.is_Add and e.args[0].is_Rational and e.args[0] != 0:
        c = e.args[0]
        for i, term in enumerate(e.args[1:], 1):      # c − c·u² (+ other terms)
            sq = _scaled_square(term)
            if sq is not None and sq[0] == -c:
                u = sq[1]
                core = sech2(u.args[0]) if isinstance(u, sympy.tanh) else one_minus_square(u)
                return sympy.Add(c * core, *e.args[1:i], *e.args[i + 1:])
    if e.is_Pow and e.exp.is_Rational and e.exp.q == 2 and e.base.is_Add and \
            len(e.base.args) == 2 and e.base.args[0] is sympy.S.One:
        sq = _scaled_square(e.base.args[1])
        if sq is not None and sq[0] == 1:               # (1 + u²)^(k/2): x² overflowed
            return hypot(sq[1], sympy.S.One) ** (2 * e.exp)
    return None


def for_lambdify(expr):
    """expr as lambdify should evaluate it: the same function, with `_stable_form`'s
    rewrites (the partials keep their digits as in the other engines)."""
    return expr.replace(lambda e: _stable_form(e) is not None, _stable_form)


def zero_kinks(expr):
    """expr with DiracDelta and derivatives of step functions set to 0 (API.md conventions)."""
    expr = expr.replace(lambda e: isinstance(e, sympy.DiracDelta), lambda e: sympy.S.Zero)
    expr = expr.replace(
        lambda e: isinstance(e, sympy.Derivative) and isinstance(e.expr, STEP_FUNCTIONS),
        lambda e: sympy.S.Zero)
    if expr.has(sympy.Subs):
        expr = expr.replace(lambda e: isinstance(e, sympy.Subs), lambda e: e.doit())
    return expr


_LIKE = (np.zeros_like, np.ones_like, np.empty_like, np.full_like)


class TraceState:
    """Per-trace flag: did the code read example values (comparisons, if)?"""

    def __init__(self):
        self.value_dependent = False


class _Traces(threading.local):
    """The traces running in this thread, innermost last (each thread its own: a
    comparison in one thread's f must not mark another thread's trace)."""

    def __init__(self):
        self.states: list[TraceState] = []


_TRACES = _Traces()


def trace_states() -> list:
    """This thread's stack of running traces' TraceState."""
    return _TRACES.states


def _read_values(what: str, values):
    if any(v is None for v in values):
        raise TypeError(f"{what} on a symbolic value needs the values of the arguments; "
                        "pass example arguments, e.g. symbolic.expression(f, 2.0, 5.0)")
    states = _TRACES.states
    if states:
        states[-1].value_dependent = True


def to_sympy(c):
    """A plain number as an exact sympy number where it is integral; a float as a Float
    of its shortest round-trip digits, which lambdify prints back to the same double
    (sympy's default 15 digits turned 1/3 into 0.333333333333333; 0.1 stays 0.1)."""
    if isinstance(c, (bool, np.bool_)):
        return sympy.Integer(int(c))
    if isinstance(c, (int, np.integer)):
        return sympy.Integer(int(c))
    if isinstance(c, (float, np.floating)):
        c = float(c)
        return sympy.Integer(int(c)) if c.is_integer() and abs(c) < 2 ** 53 else \
            sympy.Float(repr(c))
    if isinstance(c, sympy.Basic):
        return c
    raise TypeError(f"symbolic cannot use a value of type {type(c).__name__}")


def _zero_d(e):
    a = np.empty((), dtype=object)
    a[()] = e
    return a


def _objects(a):
    """An object array of sympy numbers from a number or numeric array (a Python int
    beyond int64, 10**30, as the float NumPy makes of it next to floats)."""
    if type(a) is int and not -2 ** 63 <= a < 2 ** 63:
        a = float(a)
    a = np.asarray(a)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"symbolic cannot use an array of dtype {a.dtype}")
    out = np.empty(a.shape, dtype=object)
    for idx in np.ndindex(a.shape):
        out[idx] = to_sympy(a[idx].item())
    return out


def parts(x):
    """(object array of expressions, float values or None) of a Sym or a constant."""
    if isinstance(x, Sym):
        return x.expr, x.value
    if isinstance(x, (list, tuple)) and not _has_sym(x):
        x = np.asarray(x, dtype=float)      # a constant ([1, 1.5, 1]): one array of numbers
    if isinstance(x, (list, tuple)):
        ps = [parts(y) for y in x]
        values = [v for _, v in ps]
        return type(x)(e for e, _ in ps), None if any(v is None for v in values) \
            else type(x)(values)
    if isinstance(x, (bool, int, float, np.generic, np.ndarray)):
        return _objects(x), np.asarray(x, dtype=float)
    raise TypeError(f"symbolic cannot use a value of type {type(x).__name__}")


def wrap(expr, value):
    """A Sym from an expression result (array or single expression) and its value."""
    if not isinstance(expr, np.ndarray):
        expr = _zero_d(expr if isinstance(expr, sympy.Basic) else to_sympy(expr))
    elif expr.dtype != object:
        expr = _objects(expr)
    else:
        for idx in np.ndindex(expr.shape):
            if not isinstance(expr[idx], sympy.Basic):
                expr[idx] = to_sympy(expr[idx])
    if value is not None:
        value = np.asarray(value, dtype=float)
    return Sym(expr, value)


def _has_sym(a) -> bool:
    if isinstance(a, Sym):
        return True
    return isinstance(a, (list, tuple)) and any(_has_sym(b) for b in a)


def _apply(fn, exprs):
    """fn applied element by element to broadcast object arrays."""
    arrays = np.broadcast_arrays(*exprs)
    out = np.empty(arrays[0].shape, dtype=object)
    for idx in np.ndindex(out.shape):
        out[idx] = fn(*(a[idx] for a in arrays))
    return out


def _extreme_of(fn, items):
    """np.max / np.min of items: the item itself, else maxn/minn, whose ties split evenly
    (sympy's n-ary Max splits them wrongly and costs O(n²) to build); two items too: a
    nan item makes the max and its derivative nan, where np.maximum's pairwise rule
    gives 0."""
    if len(items) <= 1:
        return fn(*items)
    return (maxn if fn is sympy.Max else minn)(*items)


def _reduce(combine, x, axis, keepdims):
    """combine(items) for each run of object array x along axis (None: all), shaped
    as np.sum / np.max give it.  One sympy call per output element: NumPy's own
    reduce adds pairwise, and sympy flattens the growing Add at every step (O(n²))."""
    nd = x.ndim
    axes = _axes(axis, nd)
    rest = [i for i in range(nd) if i not in axes]
    moved = np.transpose(x, rest + list(axes))
    rest_shape = tuple(x.shape[i] for i in rest)
    moved = moved.reshape(rest_shape + (int(np.prod([x.shape[i] for i in axes])),))
    out = np.empty(rest_shape, dtype=object)
    for idx in np.ndindex(rest_shape):
        out[idx] = combine(list(moved[idx]))
    if keepdims:
        out = out.reshape(tuple(1 if i in axes else n for i, n in enumerate(x.shape)))
    return out


def _sum_of(items):
    return sympy.Add(*items)


def _matmul(a, b):
    """a @ b of object arrays (NumPy's shapes: 1-d operands promoted, batch axes
    broadcast), each entry one flat Add of its k products: NumPy's object loop adds
    them one by one and sympy re-flattens the growing sum each time, O(k²)."""
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: a 0-d operand has no matrix axes; use * for scalars")
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    if a2.shape[-1] != b2.shape[-2]:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not match in their "
                         f"core dimension ({a2.shape[-1]} != {b2.shape[-2]})")
    products = a2[..., :, :, None] * b2[..., None, :, :]
    out = _reduce(_sum_of, products, -2, False)
    if a.ndim == 1:
        out = out[..., 0, :]
    if b.ndim == 1:
        out = out[..., 0]
    return out


# reductions built in one call per output element: items -> expression
_REDUCTIONS = {np.max: lambda items: _extreme_of(sympy.Max, items),
               np.min: lambda items: _extreme_of(sympy.Min, items),
               np.sum: _sum_of,
               np.prod: lambda items: sympy.Mul(*items)}
_REDUCTIONS[np.amax] = _REDUCTIONS[np.max]
_REDUCTIONS[np.amin] = _REDUCTIONS[np.min]
_SHAPE_ONLY = frozenset({np.shape, np.ndim, np.size})


def _per_matrix(fn, e, square, values=None):
    """fn(sympy.Matrix, its values or None) over a stack of square matrices e (..., n,
    n): matrices back for inv, numbers for det."""
    if e.ndim < 2 or e.shape[-1] != e.shape[-2]:
        raise np.linalg.LinAlgError(f"{e.ndim}-dimensional array given. Array must be at "
                                    "least two-dimensional and square" if e.ndim < 2 else
                                    "Last 2 dimensions of the array must be square")
    n = e.shape[-1]
    result = np.empty(e.shape if square else e.shape[:-2], dtype=object)
    for index in np.ndindex(e.shape[:-2]):
        try:
            r = fn(sympy.Matrix(n, n, list(e[index].flat)),
                   None if values is None else np.asarray(values, dtype=float)[index])
        except sympy.matrices.exceptions.NonInvertibleMatrixError:
            raise np.linalg.LinAlgError("Singular matrix") from None     # NumPy's error
        if square:
            for i, j in np.ndindex(n, n):
                result[index + (i, j)] = r[i, j]
        else:
            result[index] = r
    return result


# np.linalg on exact matrices (NumPy's linalg has no object loops)
# inv solves LU·X = I: m.inv(method="LU") first proves det ≠ 0 by simplifying it
# (minutes for a 3×3 Cholesky factor of exp entries; Gaussian elimination lost 9
# digits); a matrix singular at the point is NumPy's LinAlgError on its values
def _pivot_rows(values):
    """The row order partial pivoting takes on the numbers: an entry that is 0 at the
    point (not as an expression) is never a pivot (sympy's own choice divided by it)."""
    a, order = np.array(values, dtype=float), list(range(len(values)))
    for k in range(len(a)):
        p = k + int(np.argmax(np.abs(a[k:, k])))
        a[[k, p]], order[k], order[p] = a[[p, k]], order[p], order[k]
        if a[k, k] != 0:
            a[k + 1:] -= np.outer(a[k + 1:, k] / a[k, k], a[k])
    return order


def _inverse(m, values):
    """m⁻¹ from (P·m)·X = P (P: the rows in _pivot_rows' order)."""
    eye = sympy.eye(m.rows)
    if values is not None:
        order = _pivot_rows(values)
        m, eye = m.extract(order, list(range(m.cols))), eye.extract(order, list(range(m.cols)))
    return m.LUsolve(eye)


_LINALG = {np.linalg.inv: (_inverse, True),
           np.linalg.det: (lambda m, _: m.det(), False),
           logabsdet: (lambda m, _: sympy.log(sympy.Abs(m.det())), False),
           cholesky_factor: (lambda m, _, upper=False: _cholesky(m, upper), True)}


def _cholesky(m, upper):
    """NumPy's cholesky of m: of the symmetric matrix of the triangle it reads."""
    n = m.shape[0]
    pick = (lambda i, j: m[min(i, j), max(i, j)]) if upper else \
        (lambda i, j: m[max(i, j), min(i, j)])
    low = sympy.Matrix(n, n, pick).cholesky(hermitian=False)
    return low.T if upper else low


_U = sympy.Symbol("u")
# sin(u)/u's Maclaurin polynomial to u⁴⁰: its derivatives at 0 are exact to order 40
_SINC_SERIES = sum((-1) ** j * _U ** (2 * j) / sympy.factorial(2 * j + 1) for j in range(21))


def _sinc_at_zero(e, k):
    """dualad.analysis.sinc_at_zero(u, k) of the expressions e: the k-th derivative of
    the polynomial, in e."""
    series = sympy.diff(_SINC_SERIES, _U, k)
    return _apply(lambda a: series.subs(_U, a), [e])


def _by_name(func, args, kwargs):
    """(args[:1], keywords) for a reduction called with its parameters in NumPy's
    order, those at their defaults (out=None) left out."""
    names = _signature(func)[0]
    given = {**dict(zip(names[1:], args[1:])), **kwargs}
    return args[:1], {k: v for k, v in given.items()
                      if not (v is None and k in ("out", "dtype") or v is np._NoValue)}


class Sym(ArrayMethods):
    """Sym(expr, value): object array of sympy expressions with optional float values."""

    __slots__ = ("expr", "value")
    __array_priority__ = 200
    __hash__ = None

    def __init__(self, expr, value=None):
        self.expr = expr
        self.value = value

    def __repr__(self) -> str:
        e = self.expr[()] if self.expr.ndim == 0 else self.expr
        return f"Sym({e!r})"

    def __float__(self):
        raise TypeError("float() of a symbolic value would lose the expression; "
                        "use np.* functions instead of math.* and float()")

    __int__ = __complex__ = __index__ = __trunc__ = __float__

    def __array__(self, dtype=None, copy=None):
        raise TypeError("a symbolic value cannot become a plain NumPy array; "
                        "build arrays with np.stack / np.concatenate" + NOT_HANDED_OVER)

    def __bool__(self) -> bool:
        _read_values("if / bool()", [self.value])
        return bool(self.value)

    def __len__(self) -> int:
        return len(self.expr)

    def __iter__(self):
        for i in range(len(self.expr)):
            yield self[i]

    shape = property(lambda self: self.expr.shape)
    ndim = property(lambda self: self.expr.ndim)
    size = property(lambda self: self.expr.size)
    # float64, as the NumPy values it stands for (np.ones(x.shape, dtype=x.dtype))
    dtype = property(lambda self: np.dtype(np.float64))

    def __getitem__(self, key):
        if isinstance(key, Sym):
            raise TypeError("indexing with a symbolic value is not supported")
        return wrap(self.expr[key], None if self.value is None else self.value[key])

    def __setitem__(self, key, value):
        raise TypeError("symbolic values are immutable; build arrays with np.where, "
                        "np.concatenate or np.stack")

    # -- NumPy protocols -----------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__":
            rule = UFUNC_METHODS.get(ufunc, {}).get(method)
            if rule is None:
                raise TypeError(f"symbolic does not support np.{ufunc.__name__}.{method}")
            return rule(*inputs, **kwargs)      # re-expressed as every engine does
        if STRUCTURAL.get(ufunc, (None,))[0] == "composite":    # np.copysign, np.vecdot
            return self.__array_function__(ufunc, (), inputs, kwargs)
        if ufunc not in STRUCTURAL:
            ufunc_call_keywords(ufunc, kwargs, "symbolic")
        elif kwargs:
            raise TypeError(f"np.{ufunc.__name__} with the keyword(s) "
                            f"{', '.join(sorted(kwargs))} is not supported on symbolic values")
        if any(isinstance(x, (list, tuple)) and _has_sym(x) for x in inputs):
            # as forward and reverse refuse it ([b, 1.0] in np.maximum(a, [b, 1.0]) took
            # a sympy Array for 1.0, and sympy.diff failed on it)
            raise TypeError("a symbolic value inside a list cannot become a plain NumPy "
                            "array; build arrays with np.stack / np.concatenate")
        ps = [parts(x) for x in inputs]
        values = [v for _, v in ps]
        if ufunc in ELEMENTWISE:
            fn = OWN.get(ufunc) or resolve(ELEMENTWISE[ufunc][0])
            value = None
            if all(v is not None for v in values):
                with np.errstate(all="ignore"):
                    value = ufunc(*values)
            return wrap(_apply(fn, [e for e, _ in ps]), value)
        if ufunc in PRIMAL_ONLY:
            _read_values(f"np.{ufunc.__name__}", values)
            return ufunc(*values)
        if ufunc in STRUCTURAL:   # np.matmul
            value = None if any(v is None for v in values) else ufunc(*values)
            return wrap(_matmul(*[e for e, _ in ps]), value)
        raise TypeError(f"symbolic does not support np.{ufunc.__name__}" + no_rule_hint(ufunc))

    def __array_function__(self, func, types, args, kwargs):
        name = getattr(func, "__name__", str(func))
        if func in STRUCTURAL:      # the keywords every engine handles alike (or refuses)
            rewrite, args, kwargs = check_keywords(func, args, kwargs, "symbolic")
            if rewrite is not None:
                return rewrite(*args, **kwargs)
            if func in _REDUCTIONS:     # np.max(x, 1, None, True): keepdims is the 4th
                args, kwargs = _by_name(func, args, kwargs)
            if "dtype" in kwargs and np.dtype(kwargs["dtype"]).kind == "f":
                # a float dtype (check_keywords refused the others but np.astype's int
                # casts, which must reach it): exact here
                kwargs = {k: v for k, v in kwargs.items() if k != "dtype"}
            if func is np.sum and kwargs.get("where", True) is not True:
                kwargs = dict(kwargs, initial=0)    # object arrays: where= needs a start
        if func in _REDUCTIONS and (func not in (np.sum, np.prod) or len(args) <= 2
                                    and set(kwargs) <= {"axis", "keepdims"}):
            x, *rest = args
            axis = kwargs.get("axis", rest[0] if rest else None)
            keepdims = kwargs.get("keepdims", False)
            e, v = parts(x)
            value = None if v is None else func(v, axis=axis, keepdims=keepdims)
            return wrap(_reduce(_REDUCTIONS[func], e, axis, keepdims), value)
        if func is sinc_at_zero:
            (e, v), k = parts(args[0]), (*args[1:], kwargs.get("k", 0))[0]
            return wrap(_sinc_at_zero(_objects(e) if e.dtype != object else e, k),
                        None if v is None else func(v, k))
        if func in _LINALG:
            (e, v), = [parts(a) for a in args]
            fn, square = _LINALG[func]
            value = None if v is None else func(v, **kwargs)    # (NumPy's errors first)
            return wrap(_per_matrix(lambda m, vals: fn(m, vals, **kwargs),
                                    _objects(e) if e.dtype != object else e, square, v),
                        value)
        if func in SYMBOLIC_REFUSED:
            raise TypeError(f"symbolic does not support {SYMBOLIC_REFUSED[func]}: sympy has "
                            "no closed form with LAPACK's values (use dualad or reverse)")
        kind = STRUCTURAL.get(func, (None,))[0]
        if kind == "composite":
            return STRUCTURAL[func][1](*args, **kwargs)
        if func in _SHAPE_ONLY:
            return func(*[parts(a)[0] for a in args], **kwargs)
        if func is np.where and args and _has_sym(args[0]):
            # a traced condition (np.where(np.floor(x), a, b)): its truth is its value's,
            # != 0 as NumPy takes it, read like `if` (its expression, a sympy object, is
            # always truthy: branch a every time)
            _, v = parts(args[0])
            _read_values("np.where's condition", [v])
            args = (np.asarray(v) != 0, *args[1:])
            if len(args) == 1:      # np.where(c) is np.nonzero(c): indices, as in NumPy
                return np.nonzero(args[0])
        if func is np.full_like:    # a traced fill: zeros_like(x) + y (it was dropped)
            filled = full_like_of_traced(args, kwargs, _has_sym)
            if filled is not None:
                return filled
        if func in _LIKE and args:
            if isinstance(args[0], Sym):
                # only the shape is read: no example values needed (x.imag)
                return func(np.zeros(np.shape(args[0].expr)), *args[1:], **kwargs)
        ps = [parts(a) if _has_sym(a) else (a, a) for a in args]
        if func in PRIMAL_ONLY_FUNCTIONS:
            # the traced arguments' values are read (np.argmax(x, 0, None): its out=None
            # is no value missing), by keyword too (np.argmax(a=x) recursed: the Sym went
            # back to NumPy, which called us again)
            kw = {k: parts(v) if _has_sym(v) else (v, v) for k, v in kwargs.items()}
            _read_values(f"np.{name}", [v for a, (_, v) in zip(args, ps) if _has_sym(a)] +
                         [v for k, (_, v) in kw.items() if _has_sym(kwargs[k])])
            return func(*[v for _, v in ps], **{k: v for k, (_, v) in kw.items()})
        if kind is None:
            raise TypeError(f"symbolic does not support np.{name}" + no_rule_hint(func))
        values = [v for _, v in ps]
        if func is np.dot and not kwargs and 1 <= np.ndim(ps[0][0]) and \
                1 <= np.ndim(ps[1][0]) <= 2:      # then np.dot is np.matmul
            value = None if any(v is None for v in values) else func(*values)
            return wrap(_matmul(*[_objects(e) if e.dtype != object else e
                                  for e in (np.asarray(p[0]) for p in ps)]), value)
        expr = func(*[e for e, _ in ps], **kwargs)
        value = None if any(v is None for v in values) else func(*values, **kwargs)
        return wrap(expr, value)

    # -- operators -----------------------------------------------------------
    def __add__(self, o):
        return np.add(self, o)

    def __radd__(self, o):
        return np.add(o, self)

    def __sub__(self, o):
        return np.subtract(self, o)

    def __rsub__(self, o):
        return np.subtract(o, self)

    def __mul__(self, o):
        return np.multiply(self, o)

    def __rmul__(self, o):
        return np.multiply(o, self)

    def __truediv__(self, o):
        return np.divide(self, o)

    def __rtruediv__(self, o):
        return np.divide(o, self)

    def __pow__(self, o, mod=None):
        if mod is not None:     # pow(x, y, m): Python's modular power, for ints only
            raise TypeError("pow() with a modulus is not supported on symbolic values")
        return np.power(self, o)

    def __rpow__(self, o):
        return np.power(o, self)

    def __floordiv__(self, o):
        return np.floor_divide(self, o)

    def __rfloordiv__(self, o):
        return np.floor_divide(o, self)

    def __mod__(self, o):
        return np.remainder(self, o)

    def __rmod__(self, o):
        return np.remainder(o, self)

    def __matmul__(self, o):
        return np.matmul(self, o)

    def __rmatmul__(self, o):
        return np.matmul(o, self)

    def __neg__(self):
        return np.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return np.absolute(self)

    def __lt__(self, o):
        return np.less(self, o)

    def __le__(self, o):
        return np.less_equal(self, o)

    def __gt__(self, o):
        return np.greater(self, o)

    def __ge__(self, o):
        return np.greater_equal(self, o)

    def __eq__(self, o):
        return np.equal(self, o)

    def __ne__(self, o):
        return np.not_equal(self, o)
