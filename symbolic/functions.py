"""The sympy counterparts of the table's rows: what `resolve` maps each name to.

`dualad.rules.ELEMENTWISE` names every elementwise primitive's sympy counterpart
by a string; most are sympy's or `operator`'s own, the rest are defined here as
sympy Functions with their derivative (`fdiff`) and the numeric version lambdify
evaluates them with (`LAMBDIFY_NAMESPACE`): NumPy's power, rint and floor
division, the maximum/minimum family with the table's tie rule (½ at a tie, 1/k
among k tied extremes), the stable forms of partials that cancel in textbook
form (`for_lambdify`), and `zero_kinks`, which sets the derivative of a step to 0
(API.md's conventions at kinks).
"""

from __future__ import annotations

import operator

import numpy as np
import sympy

from dualad.rules import _one_minus_square, _sech2, _sigmoid


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
    """sech² u for lambdify, evaluated as the table's (`dualad.rules._sech2`, 1/cosh u
    squared): sympy's tanh' = 1 − tanh² u cancels as tanh → ±1 (0 past u = 19)."""


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
