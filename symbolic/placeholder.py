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

import threading

import numpy as np
import sympy

from dualad.analysis import sinc_at_zero
from dualad.array_methods import ArrayMethods
from dualad.decompositions import SYMBOLIC_REFUSED, cholesky_factor
from dualad.dispatch import NOT_HANDED_OVER, not_complex, real_constant
from dualad.linalg import logabsdet
from dualad.rules import ELEMENTWISE, PRIMAL_ONLY
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

from .functions import OWN, maxn, minn, resolve

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
        x = real_constant(x)        # a constant ([1, 1.5, 1]): one array of numbers
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

    def __format__(self, spec: str) -> str:
        """f"{x:.3f}" inside f: the value at the example point (a trace that reads it)."""
        if not spec:
            return str(self)
        _read_values("format()", [self.value])
        return format(self.value, spec)

    def stop_gradient(self):
        """reverse.stop_gradient(s): s's value at the example point, a constant (the
        trace reads values: f is traced again at another point)."""
        _read_values("reverse.stop_gradient", [self.value])
        return self.value

    def __len__(self) -> int:
        return len(self.expr)

    def __iter__(self):
        return (self[i] for i in range(len(self.expr)))    # 0-d: refused at once

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
        # a complex constant, positional or by keyword (np.dot(x, b=c)), is refused as in
        # the other engines (np.einsum(x, c) read c's imaginary part as 0)
        ps = [parts(a) if _has_sym(a) else (not_complex(a, "a constant beside a symbolic "
                                                         "value"), a) for a in args]
        for v in kwargs.values():
            not_complex(v, "a constant beside a symbolic value")
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
