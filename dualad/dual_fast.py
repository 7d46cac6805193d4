"""Scalar fast paths of Dual: the operators and ufuncs on Python-float primals.

`dual._elementwise` is the one general rule (any shapes, tags, directions).
Scalar code spends its time in + - * / and np.sin-like calls on float
primals, where the general rule's bookkeeping costs more than the math, so
this module gives those calls direct paths with the same results:

- `add` ... `rtruediv`: the operators, with the table's partials for
  np.add/subtract/multiply/divide written inline (v̇ = y·ẋ + x·ẏ for x·y);
  tests/test_rules.py checks them against the table rows.
- `unary`: v = φ(x) by the ufunc itself (so primals are bit-identical to
  plain NumPy) and v̇ = φ'(x)·ẋ with the table's partial re-bound to math
  (`dualad.float_rules`).
- `binary_rule(ufunc)`: the remaining binary ufuncs (power, arctan2, ...).

Anything else (arrays, mixed tags, np.float64 operands, 1/0) goes to the
general rule.  Within `dual.strong_zeros()` (the redo of a non-finite pass) the
paths that multiply a tangent by a partial take the general rule's strong
product too (STRONG_ANY, a module global, says whether any thread is in one).
A tangent may be a float, a complex number (two directions as real and
imaginary part, see forward._scalar_gradient) or a (k,) array.
"""

from __future__ import annotations

import numpy as np

from .dual import ZERO_RULE, Dual, _elementwise, _new, _strong_product
from .float_rules import FLOAT_ERRORS, FLOAT_VERSION, float_version, python_power
from .rules import ELEMENTWISE

_CONSTANTS = (float, int)
STRONG_ANY = False      # set by dual.strong_zeros(): then ZERO_RULE.strong is worth reading
_NUMBERS = (float, int, np.float64)


def _result(primal, tangent, a):
    r = _new(Dual)
    r.primal, r.tangent, r.tag, r.ndir = primal, tangent, a.tag, a.ndir
    return r


def _other(ufunc, op, a, b):
    """The operators' slow path: an np.float64 constant is retried as the float it
    equals (np.log(2.0) + x); anything else goes to the general rule."""
    if type(b) is np.float64 and type(a.primal) is float:
        return op(a, float(b))
    return _elementwise(ufunc, (a, b))


# The four operators below are one pattern each, written out because a helper
# call costs as much as the arithmetic: a Dual b at the same tag with float
# primals, a Dual b float/int constant, or the slow path.

def add(a, b):
    """v = x + y, v̇ = ẋ + ẏ."""
    x = a.primal
    if type(x) is float:
        tb = type(b)
        if tb is Dual:
            y = b.primal
            if type(y) is float and b.tag == a.tag and b.ndir == a.ndir:
                dx, dy = a.tangent, b.tangent
                r = _new(Dual)
                r.primal = x + y
                r.tangent = dy if dx is None else dx if dy is None else dx + dy
                r.tag, r.ndir = a.tag, a.ndir
                return r
        elif tb is float or tb is int:
            r = _new(Dual)
            r.primal, r.tangent, r.tag, r.ndir = x + b, a.tangent, a.tag, a.ndir
            return r
    return _other(np.add, add, a, b)


def sub(a, b):
    """v = x − y, v̇ = ẋ − ẏ."""
    x = a.primal
    if type(x) is float:
        tb = type(b)
        if tb is Dual:
            y = b.primal
            if type(y) is float and b.tag == a.tag and b.ndir == a.ndir:
                dx, dy = a.tangent, b.tangent
                r = _new(Dual)
                r.primal = x - y
                if dy is None:
                    r.tangent = dx
                else:
                    r.tangent = -dy if dx is None else dx - dy
                r.tag, r.ndir = a.tag, a.ndir
                return r
        elif tb is float or tb is int:
            r = _new(Dual)
            r.primal, r.tangent, r.tag, r.ndir = x - b, a.tangent, a.tag, a.ndir
            return r
    return _other(np.subtract, sub, a, b)


def mul(a, b):
    """v = x·y, v̇ = y·ẋ + x·ẏ."""
    x = a.primal
    if type(x) is float and not (STRONG_ANY and ZERO_RULE.strong):
        tb = type(b)
        if tb is Dual:
            y = b.primal
            if type(y) is float and b.tag == a.tag and b.ndir == a.ndir:
                dx, dy = a.tangent, b.tangent
                r = _new(Dual)
                r.primal = x * y
                if dx is None:
                    r.tangent = None if dy is None else x * dy
                else:
                    r.tangent = y * dx if dy is None else y * dx + x * dy
                r.tag, r.ndir = a.tag, a.ndir
                return r
        elif tb is float or tb is int:
            dx = a.tangent
            r = _new(Dual)
            r.primal, r.tangent = x * b, None if dx is None else b * dx
            r.tag, r.ndir = a.tag, a.ndir
            return r
    return _other(np.multiply, mul, a, b)


def truediv(a, b):
    """v = x / y, v̇ = (1/y)·ẋ + (−v/y)·ẏ; at y = 0 the general rule gives NumPy's inf/nan."""
    x = a.primal
    if type(x) is float and not (STRONG_ANY and ZERO_RULE.strong):
        tb = type(b)
        if tb is Dual:
            y = b.primal
            if type(y) is float and y != 0.0 and b.tag == a.tag and b.ndir == a.ndir:
                dx, dy = a.tangent, b.tangent
                r = _new(Dual)
                r.primal = out = x / y
                if dx is None:
                    r.tangent = None if dy is None else (-out / y) * dy
                else:
                    r.tangent = (1.0 / y) * dx if dy is None else \
                        (1.0 / y) * dx + (-out / y) * dy
                r.tag, r.ndir = a.tag, a.ndir
                return r
        elif (tb is float or tb is int) and b != 0:
            dx = a.tangent
            r = _new(Dual)
            r.primal, r.tangent = x / b, None if dx is None else (1.0 / b) * dx
            r.tag, r.ndir = a.tag, a.ndir
            return r
    return _other(np.divide, truediv, a, b)


def radd(a, b):
    """v = b + a for a constant b."""
    if type(b) not in _NUMBERS:
        return _elementwise(np.add, (b, a))
    return add(a, b)


def rsub(a, b):
    """v = b − a for a constant b: v̇ = −ȧ."""
    x = a.primal
    if type(x) is not float or type(b) not in _NUMBERS:
        return _elementwise(np.subtract, (b, a))
    t = a.tangent
    return _result(float(b) - x, None if t is None else -t, a)


def rmul(a, b):
    """v = b·a for a constant b."""
    if type(b) not in _NUMBERS:
        return _elementwise(np.multiply, (b, a))
    return mul(a, b)


def rtruediv(a, b):
    """v = b / a for a constant b: v̇ = (−v/a)·ȧ."""
    y = a.primal
    if type(y) is not float or type(b) not in _NUMBERS or y == 0 or \
            STRONG_ANY and ZERO_RULE.strong:
        return _elementwise(np.divide, (b, a))
    out = float(b) / y
    t = a.tangent
    return _result(out, None if t is None else (-out / y) * t, a)


def neg(a):
    """v = −x, v̇ = −ẋ."""
    x = a.primal
    if type(x) is not float:
        return _elementwise(np.negative, (a,))
    t = a.tangent
    return _result(-x, None if t is None else -t, a)


def array_ufunc(self, ufunc, method, *inputs, **kwargs):
    """Dual.__array_ufunc__ with the scalar fast paths in front of the general one.

    One float operand: v = φ(x) by the ufunc itself (primals bit-identical to
    plain NumPy), v̇ = φ'(x)·ẋ with the table's partial re-bound to math.  The
    row is read from the table on every call (a replaced row takes effect at
    once); a partial without its math version yet takes the slower path once,
    which makes it."""
    x = self.primal
    if type(x) is float and method == "__call__":
        try:
            row = ELEMENTWISE[ufunc]
            fast = FLOAT_VERSION[row[1]]
        except KeyError:                # not a table row, or a partial seen the first time
            return _array_ufunc(self, ufunc, method, inputs, kwargs)
        if len(inputs) == 1 and not kwargs:
            out = float(ufunc(x))
            t = self.tangent
            if t is not None:
                if STRONG_ANY and ZERO_RULE.strong:
                    return _strong_result(out, (x,), (t,), (row[1],), self)
                try:
                    t = fast(out, x) * t
                except FLOAT_ERRORS:    # log'(0), 1/0: NumPy's inf/nan instead
                    t = row[1](np.float64(out), np.float64(x)) * t
            r = _new(Dual)
            r.primal = out
            r.tangent = t
            r.tag = self.tag
            r.ndir = self.ndir
            return r
    return _array_ufunc(self, ufunc, method, inputs, kwargs)


def _array_ufunc(self, ufunc, method, inputs, kwargs):
    """array_ufunc's other cases: a partial's first use, binary ufuncs, the general rule."""
    if method == "__call__" and not kwargs:
        if len(inputs) == 1:
            row = ELEMENTWISE.get(ufunc)
            if row is not None and type(self.primal) is float:
                if row[1] is None:      # piecewise constant: v̇ = 0
                    return _result(float(ufunc(self.primal)), None, self)
                float_version(row[1])   # made once; array_ufunc finds it from now on
                return array_ufunc(self, ufunc, method, *inputs)
        elif len(inputs) == 2:
            binary = BINARY.get(ufunc)
            if binary is not None:
                return binary(*inputs)
    return general_array_ufunc(self, ufunc, method, *inputs, **kwargs)


_SCALAR_TYPES = (float, int, np.float64)
f64 = np.float64


def binary_rule(ufunc, swap=False, op=None):
    """The fast path of _elementwise for one binary ufunc, its table row bound once:
    v̇ = ∂φ/∂a·ȧ + ∂φ/∂b·ḃ for scalar primals.  With swap=True it serves as the
    reflected operator (self is the right operand); op computes the primal (default
    the ufunc: np.power(d, y) is NumPy's power, d ** y Python's, as on floats)."""
    row = ELEMENTWISE[ufunc]
    dfdx, dfdy = row[1], row[2]
    op = op or ufunc
    scalar_types, dual, general = _SCALAR_TYPES, Dual, _elementwise

    def apply(a, b, mod=None):
        if mod is not None:     # pow(d, y, m): Python's modular power, for ints only
            raise TypeError("pow() with a modulus is not supported on Dual values")
        if swap:
            a, b = b, a
        if type(a) is dual:
            if type(b) is dual:
                if a.tag != b.tag or a.ndir != b.ndir:
                    return general(ufunc, (a, b))
                y, dy = b.primal, b.tangent
            elif type(b) in scalar_types:
                y, dy = b, None
            else:
                return general(ufunc, (a, b))
            x, dx, d = a.primal, a.tangent, a
        elif type(a) in scalar_types:
            x, dx, y, dy, d = a, None, b.primal, b.tangent, b
        else:
            return general(ufunc, (a, b))
        if type(x) not in scalar_types or type(y) not in scalar_types:
            return general(ufunc, (a, b))
        try:
            out = op(x, y)
            if type(out) is complex:
                out = ufunc(x, y)
        except (ZeroDivisionError, OverflowError):
            out = ufunc(x, y)   # NumPy's inf/nan instead of Python's exception
        if type(out) is f64:
            out = float(out)    # same value; the + - * / it meets next run faster
        if STRONG_ANY and ZERO_RULE.strong:
            return _strong_result(out, (x, y), (dx, dy), (dfdx, dfdy), d)
        try:
            if dx is not None and dfdx is not None:
                t = dfdx(out, x, y) * dx
                if dy is not None and dfdy is not None:
                    t = t + dfdy(out, x, y) * dy
            elif dy is not None and dfdy is not None:
                t = dfdy(out, x, y) * dy
            else:
                t = None
        except ZeroDivisionError:   # arctan2'(0, 0): NumPy's nan, as the general rule gives
            return general(ufunc, (a, b))
        return _result(out, t, d)
    return apply


def _strong_result(out, primals, tangents, partials, d):
    """The fast paths' result under strong_zeros(): v̇ = Σ ∂ᵢ·ȧᵢ as the general rule
    takes it there (a zero tangent through an infinite partial gives 0), with the
    partials on np.float64 primals as there; the primal stays the fast path's."""
    primals = [f64(p) for p in primals]
    t = None
    for ti, partial in zip(tangents, partials):
        if ti is not None and partial is not None:
            term = _strong_product(partial(f64(out), *primals), ti)
            t = term if t is None else t + term
    return _result(out, t, d)


def _either_side(op, rop):
    """np.op(a, b) with the Dual on either side (NumPy calls the Dual's __array_ufunc__)."""
    return lambda a, b: op(a, b) if type(a) is Dual else rop(b, a)


# ufunc: its binary fast path (np.multiply(a, b) and the operators share it)
BINARY = {uf: binary_rule(uf) for uf, row in ELEMENTWISE.items() if len(row) == 3}
BINARY.update({np.add: _either_side(add, radd), np.subtract: _either_side(sub, rsub),
               np.multiply: _either_side(mul, rmul),
               np.divide: _either_side(truediv, rtruediv),
               np.true_divide: _either_side(truediv, rtruediv)})

general_array_ufunc = Dual.__array_ufunc__
OPERATORS = {"__array_ufunc__": array_ufunc,
             "__add__": add, "__radd__": radd, "__sub__": sub, "__rsub__": rsub,
             "__mul__": mul, "__rmul__": rmul, "__truediv__": truediv,
             "__rtruediv__": rtruediv, "__neg__": neg,
             "__pow__": binary_rule(np.power, op=python_power),
             "__rpow__": binary_rule(np.power, swap=True, op=python_power)}
