"""Univariate Taylor mode: all derivatives of f at scalar x up to order k.

A value v(x + t) = Σⱼ vⱼ·tʲ is carried as its Taylor coefficients, computed
lazily and causally from the first partials in `dualad.rules` only.  For
v = φ(u, w, ...) the chain rule v' = Σᵢ gᵢ·uᵢ' with gᵢ = ∂ᵢφ(v, u, w, ...)
gives, coefficient by coefficient,

    vⱼ = (1/j)·Σᵢ Σ_{m=1..j} m·uᵢ,ₘ·gᵢ,ⱼ₋ₘ,

and gᵢ is itself a Taylor value, built by calling the table's partial on
Taylor values (exp: g = out, so vⱼ needs only v₀..vⱼ₋₁: the scheme is causal).

Mechanism (no recursion over graph depth): running f records nodes on a flat
tape in creation order; then sweep j = 1..k walks the tape in order and
appends coefficient j to each node that needs it.  Partial nodes are created in
sweep 1, appended to the tape, and need one order less than the node they
serve (`target`), so chains such as sin → cos → -sin end after k steps.  Unary
results are cached per node (sin(u) reappears as the partial of cos(u)), and
inside partials a/y is rewritten a·reciprocal(y) and x**(e-1) as x**e·(1/x)
(x ≠ 0), so the partials close on O(1) nodes and each operation costs O(k²).

Linear structural ops (STRUCTURAL kind "linear") apply coefficient-wise;
matmul/dot take the Cauchy product; composites run through; the "custom" ones
are products (prod) and weighted sums (max, min: constant weights where x attains
it).  Comparisons and PRIMAL_ONLY ufuncs see the
constant coefficient.  Nested calls are ordered by session, newest outermost.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from . import forward as _forward
from .array_methods import ArrayMethods
from .dispatch import NOT_HANDED_OVER, refuse_complex
from .dual import Dual, numpy_bool
from .rules import ELEMENTWISE, PRIMAL_ONLY
from .structural import (
    PRIMAL_ONLY_FUNCTIONS,
    STRUCTURAL,
    UFUNC_METHODS,
    _axes,
    _max_weights,
    check_keywords,
    full_like_of_traced,
    no_rule_hint,
    ufunc_call_keywords,
)

_LEAF, _ELEM, _LINEAR, _BILINEAR = range(4)
_CONSTANTS = (float, int, complex, np.ndarray, np.generic, str)  # (searchsorted's side=)
_FAST = {np.add: operator.add, np.subtract: operator.sub, np.multiply: operator.mul}
_DEG_MAX = {np.add, np.subtract, np.negative, np.positive}   # degree of a polynomial
_STEPS = {u for u, row in ELEMENTWISE.items() if all(p is None for p in row[1:])}
_POWERS, _DIVIDES = (np.power, np.float_power), (np.divide, np.true_divide)
_NUMBERS = (int, float, np.float64, np.int64)


class _Session:
    __slots__ = ("id", "tape", "k", "partial", "need", "seg")

    def __init__(self, k):
        self.id, self.tape, self.k = _forward.new_tag(), [], k    # one clock with Dual tags
        self.partial, self.need, self.seg = False, 0, 0


class Taylor(ArrayMethods):
    """A value of one Taylor-mode call: `coefs[j]` is its j-th Taylor coefficient."""

    __slots__ = ("coefs", "sess", "kind", "fn", "args", "kw", "inputs", "parts",
                 "target", "deg", "cache", "pos", "scalar", "shape")
    __array_priority__ = 100

    primal = property(lambda self: self.coefs[0])
    ndim = property(lambda self: len(self.shape))
    size = property(lambda self: int(np.prod(self.shape)))
    dtype = property(lambda self: np.result_type(self.coefs[0]))

    def __repr__(self) -> str:
        return f"Taylor({self.coefs!r})"

    def __format__(self, spec: str) -> str:
        return format(self.coefs[0], spec) if spec else str(self)     # as Dual's

    def __float__(self):
        raise TypeError("float() would drop the Taylor coefficients; use .primal "
                        "(or np.sin etc. instead of math.sin)")

    __int__ = __complex__ = __index__ = __trunc__ = __float__

    def __array__(self, dtype=None, copy=None):
        raise TypeError("a Taylor value cannot become a plain NumPy array; build arrays "
                        "with np.stack, or use .primal" + NOT_HANDED_OVER)

    def __bool__(self) -> bool:
        return bool(self.coefs[0])

    def __len__(self) -> int:
        return len(self.coefs[0])

    def __iter__(self):
        return (self[i] for i in range(len(self)))     # 0-d: refused at once, as Dual's

    __hash__ = None  # type: ignore[assignment]

    def __add__(self, o): return _elementwise(np.add, (self, o))
    def __radd__(self, o): return _elementwise(np.add, (o, self))
    def __sub__(self, o): return _elementwise(np.subtract, (self, o))
    def __rsub__(self, o): return _elementwise(np.subtract, (o, self))
    def __mul__(self, o): return _elementwise(np.multiply, (self, o))
    def __rmul__(self, o): return _elementwise(np.multiply, (o, self))
    def __truediv__(self, o): return _elementwise(np.divide, (self, o))
    def __rtruediv__(self, o): return _elementwise(np.divide, (o, self))
    def __pow__(self, o): return _elementwise(np.power, (self, o))
    def __rpow__(self, o): return _elementwise(np.power, (o, self))
    def __mod__(self, o): return _elementwise(np.remainder, (self, o))
    def __rmod__(self, o): return _elementwise(np.remainder, (o, self))
    def __floordiv__(self, o): return _elementwise(np.floor_divide, (self, o))
    def __rfloordiv__(self, o): return _elementwise(np.floor_divide, (o, self))
    def __matmul__(self, o): return _array_function(np.matmul, (self, o), {})
    def __rmatmul__(self, o): return _array_function(np.matmul, (o, self), {})
    def __neg__(self): return _elementwise(np.negative, (self,))
    def __pos__(self): return self
    def __abs__(self): return _elementwise(np.absolute, (self,))
    def __lt__(self, o): return numpy_bool(self.coefs[0] < _compared(o))
    def __le__(self, o): return numpy_bool(self.coefs[0] <= _compared(o))
    def __gt__(self, o): return numpy_bool(self.coefs[0] > _compared(o))
    def __ge__(self, o): return numpy_bool(self.coefs[0] >= _compared(o))
    def __eq__(self, o): return numpy_bool(self.coefs[0] == _compared(o))  # type: ignore[override]
    def __ne__(self, o): return numpy_bool(self.coefs[0] != _compared(o))  # type: ignore[override]

    def __getitem__(self, key):
        if type(key) is tuple and not key and self.scalar:
            return self         # t[()] of a scalar is the scalar, as np.float64(v)[()]
        return _linear(self.sess, operator.getitem, (self, key), {}, (0,))

    def __setitem__(self, key, value):
        raise TypeError("Taylor values are immutable; build arrays with np.where, "
                        "np.concatenate or np.stack instead of item assignment")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if kwargs.get("out") is not None or kwargs and method != "__call__":
            raise TypeError(f"np.{ufunc.__name__} with keyword arguments {sorted(kwargs)} "
                            "is not supported on Taylor values")
        if method == "__call__":
            if kwargs:
                ufunc_call_keywords(ufunc, kwargs, "Taylor")
            if ufunc in ELEMENTWISE:
                return _elementwise(ufunc, inputs)
            if ufunc in PRIMAL_ONLY:
                return ufunc(*[_primal(a) for a in inputs])
            if ufunc in STRUCTURAL:
                return _array_function(ufunc, inputs, {})
        elif method in UFUNC_METHODS.get(ufunc, ()):
            return UFUNC_METHODS[ufunc][method](*inputs)
        name = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
        raise TypeError(f"{name} has no Taylor rule in dualad (no row in the tables)"
                        + no_rule_hint(ufunc))

    def __array_function__(self, func, types, args, kwargs):
        return _array_function(func, args, kwargs)


def _primal(x):
    return x.coefs[0] if type(x) is Taylor else x


def _compared(x):
    """The other side of a comparison (a list as NumPy's array of it: dual._compared)."""
    if type(x) is list or type(x) is tuple:
        return np.asarray([_compared(v) for v in x])
    return x.coefs[0] if type(x) is Taylor else x


def _deep_primal(x, sess):
    if type(x) is Taylor and x.sess is sess:
        return x.coefs[0]
    if type(x) in (list, tuple):
        return type(x)(_deep_primal(y, sess) for y in x)
    return x


def _scalar(c):
    """np.float64 and 0-d arrays as Python floats (the fast scalar path)."""
    t = type(c)
    if t is np.float64 or t is np.ndarray and c.ndim == 0 and c.dtype.kind == "f":
        return float(c)
    return c


def _widened(c):
    """A float16/32 constant as float64: beside Python-float coefficients NumPy 2 keeps
    it float32 (d³/dx³ of np.float32(1.7)/x came out 7e-8 off), where x * c on a
    float64 x is float64."""
    if isinstance(c, (np.floating, np.ndarray)) and c.dtype.char in "ef":
        return c.astype(np.float64) if type(c) is np.ndarray else np.float64(c)
    return c


def _f64(c):
    """Python floats, and the int 0, as np.float64, so a partial such as 0.5/out or 1/y
    gives inf, not ZeroDivisionError (other ints stay: x**3's exponent is kept exact)."""
    t = type(c)
    return np.float64(c) if t is float or t is int and c == 0 else c


def _newest(args):
    """The newest session among the Taylor values in args: None if there is none,
    False if an argument is not a constant to it (a newer Dual, a foreign type)."""
    sess, tag = None, 0
    for a in args:
        t = type(a)
        if t is Taylor:
            if sess is None or a.sess.id > sess.id:
                sess = a.sess
        elif t in (list, tuple):
            inner = _newest(a)
            if inner is False:
                return False
            if inner is not None and (sess is None or inner.id > sess.id):
                sess = inner
        elif t is Dual:
            tag = max(tag, a.tag)
        elif not isinstance(a, _CONSTANTS) and a is not None:
            return False
    if sess is not None and tag > sess.id:
        return False        # a Dual of a newer differentiation wraps our values
    return sess


def _node(sess, kind, fn, args, kw, c0, deg, inputs=None):
    n = object.__new__(Taylor)
    n.coefs, n.sess, n.kind, n.fn, n.args, n.kw = [c0], sess, kind, fn, args, kw
    n.parts, n.target, n.deg, n.cache, n.pos = None, 0, deg, None, len(sess.tape)
    n.scalar = type(c0) is float
    n.shape = () if n.scalar else np.shape(c0)
    n.inputs = inputs if inputs is not None else [
        a for a in _flat(args) if type(a) is Taylor and a.sess is sess]
    sess.tape.append(n)
    return n


def _flat(args):
    for a in args:
        if type(a) in (list, tuple):
            yield from _flat(a)
        else:
            yield a


def _elementwise(ufunc, args):
    """v = φ(args) as a node whose coefficients follow from the ELEMENTWISE row of φ."""
    a = args[0]
    if len(args) == 1 and type(a) is Taylor:
        sess, mine = a.sess, (True,)
        hit = a.cache.get(ufunc) if a.cache else None
        if hit is not None and (hit.target >= sess.need or hit.pos >= sess.seg):
            return hit
    else:
        b = args[1] if len(args) == 2 else None
        ta, tb = type(a), type(b)
        if ta is Taylor and (tb is float or tb is Taylor and b.sess is a.sess):
            sess, mine = a.sess, (True, tb is Taylor)
        elif tb is Taylor and ta is float:
            sess, mine = b.sess, (False, True)
        else:
            args = tuple(_widened(c) for c in args)
            a, b = args[0], args[1] if len(args) == 2 else None
            sess = _newest(args)
            if not sess:
                return NotImplemented
            mine = tuple(type(c) is Taylor and c.sess is sess for c in args)
        if len(args) == 2:
            if ufunc in _POWERS and mine[0] and not mine[1] and type(b) in _NUMBERS:
                if b == 1:
                    return a        # x**1 = x; x**0 = 1 ends the chain n·x**(n-1)
                if b == 0:
                    return _scalar(ufunc(a.coefs[0], b))
                # x**(e-1) = x**e / x reuses the node of x**e, but not for a whole e > 0:
                # x**e's series ends after e terms while 1/x's grows like (h/x)^j, and
                # their product cancels only in exact arithmetic (x**3 at 1e-3: order
                # 8 gave -8640 for 0); the chain e·x**(e-1) ends at x**0 = 1 instead
                up = a.cache.get((ufunc, b + 1)) if sess.partial and a.cache and \
                    not (b > 0 and float(b).is_integer()) else None
                if up is not None and (up.target >= sess.need or up.pos >= sess.seg) \
                        and np.all(a.coefs[0] != 0):
                    return up * _elementwise(np.reciprocal, (a,))   # x**(e-1) = x**e / x
            if sess.partial and mine[1] and ufunc in _DIVIDES:
                r = _elementwise(np.reciprocal, (b,))    # inside partials a/y = a·(1/y)
                return r if type(a) is float and a == 1.0 else a * r
    primals = [b.coefs[0] if m else b for b, m in zip(args, mine)]
    op = _FAST.get(ufunc)
    if op is not None and type(primals[0]) is float and type(primals[1]) is float:
        out = op(primals[0], primals[1])
    else:
        out = _scalar(ufunc(*primals))
        refuse_complex(out, ufunc, "Taylor")
    if ufunc in _STEPS:
        return out                  # piecewise constant: no derivative
    inputs = [b for b, m in zip(args, mine) if m]
    if ufunc is np.multiply:
        deg = sum(b.deg for b in inputs)
    elif ufunc in _DEG_MAX:
        deg = max(b.deg for b in inputs)
    else:
        deg = sess.k
    n = _node(sess, _ELEM, ufunc, args, None, out, min(deg, sess.k), inputs)
    if len(args) == 1 or ufunc in _POWERS and not mine[1] and type(args[1]) in _NUMBERS:
        if a.cache is None:
            a.cache = {}
        a.cache[ufunc if len(args) == 1 else (ufunc, args[1])] = n
    return n


def _linear(sess, fn, args, kw, positions, kind=_LINEAR):
    """A node for a function linear in the args at `positions` (bilinear: Cauchy product)."""
    c0 = _scalar(fn(*[_deep_primal(a, sess) for a in args], **kw))
    refuse_complex(c0, fn, "Taylor")
    degs = [a.deg for a in _flat(args) if type(a) is Taylor and a.sess is sess]
    deg = sum(degs) if kind == _BILINEAR else max(degs, default=0)
    n = _node(sess, kind, fn, tuple(args), kw, c0, min(deg, sess.k))
    n.parts = positions
    return n


def _at(a, j, sess):
    """Coefficient j of an argument; constants have zero coefficients for j >= 1."""
    if type(a) is Taylor and a.sess is sess:
        return a.coefs[j]
    if type(a) in (list, tuple):
        return type(a)(_at(b, j, sess) for b in a)
    if j == 0:
        return a
    return np.zeros(np.shape(a)) if np.ndim(a) else 0.0


def _array_function(func, args, kwargs):
    if kwargs.get("out") is not None:
        raise TypeError(f"np.{func.__name__}(..., out=) cannot write a Taylor value")
    rule = STRUCTURAL.get(func)
    if rule is None:
        if func is np.full_like:
            filled = full_like_of_traced(args, kwargs, lambda y: type(y) is Taylor)
            if filled is not None:
                return filled
        if func in PRIMAL_ONLY_FUNCTIONS:
            sess = _newest(args)
            if sess is False:
                return NotImplemented   # another traced type: let it handle us
            return func(*[_deep_primal(a, sess) for a in args], **kwargs)
        raise TypeError(f"np.{func.__name__} has no Taylor rule in dualad (no row in the "
                        "tables); nested dual numbers may support it" + no_rule_hint(func))
    rewrite, args, kwargs = check_keywords(func, args, kwargs, "dualad's Taylor mode")
    if rewrite is not None:
        return rewrite(*args, **kwargs)
    if rule[0] == "composite":
        return rule[1](*args, **kwargs)
    sess = _newest(args)
    if not sess:
        return NotImplemented
    if rule[0] == "linear":
        return _linear(sess, func, args, kwargs, rule[1])
    if rule[0] == "multilinear" and len(args) == 2:
        return _linear(sess, func, args, kwargs, None, _BILINEAR)
    if func is np.prod:
        return _prod_of_products(*args, **kwargs)
    if func in _EXTREMES:
        return _extreme(func, *args, **kwargs)
    raise TypeError(f"np.{func.__name__} is not supported in Taylor mode (nonlinear "
                    "structural op); use nested dual numbers")


_EXTREMES = (np.max, np.min, np.amax, np.amin)


def _extreme(func, a, axis=None, out=None, keepdims=False):
    """max/min = Σ wᵢ·xᵢ with weights constant where x attains it (ties share 1/k), as the
    nested Duals' rule differentiates it at every order: O(n·k²), where their fallback
    costs ~3ᵏ (order 15 ran for minutes).  Entries not attained are dropped, not weighted
    by 0 (0·inf)."""
    p = _deep_primal(a, _newest((a,)))
    w = _max_weights(func(p, axis=axis, keepdims=keepdims), p, axis, keepdims)
    return np.sum(np.where(w > 0, a, 0.0) * w, axis=axis, keepdims=keepdims)


def _prod_of_products(a, axis=None, dtype=None, out=None, keepdims=False):
    """prod(x) = x₀·x₁·…·xₙ₋₁ along the axes, as n − 1 Taylor products: O(n·k²) where
    the nested Duals' fallback costs ~3ᵏ (order 15 took 10 s)."""
    shape = np.shape(a)
    axes = _axes(axis, len(shape))
    rest = tuple(i for i in range(len(shape)) if i not in axes)
    kept = tuple(shape[i] for i in rest)
    rows = np.reshape(np.transpose(a, axes + rest), (-1,) + kept)
    acc = np.ones(kept) if not len(rows) else rows[0]
    for i in range(1, len(rows)):
        acc = acc * rows[i]
    if keepdims:
        acc = np.reshape(acc, tuple(1 if i in axes else n for i, n in enumerate(shape)))
    return acc


def _make_parts(node, sess):
    """The partials gᵢ = ∂ᵢφ(v, args) as Taylor values needing one order less than v."""
    t = node.target
    row, args, parts = ELEMENTWISE[node.fn], node.args, []
    if t == 1:                  # only g₀ is needed: the partial on primals, as a Dual does
        primals = [_f64(a.coefs[0]) if type(a) is Taylor and a.sess is sess else _f64(a)
                   for a in args]
        for i, a in enumerate(args):
            if type(a) is Taylor and a.sess is sess and row[i + 1] is not None:
                g = row[i + 1](_f64(node.coefs[0]), *primals)
                parts.append((a.coefs, _scalar(g * 1.0), False, a.deg))
        node.parts = parts
        return parts
    saved = sess.partial, sess.need, sess.seg
    sess.partial, sess.need, sess.seg = True, t - 1, len(sess.tape)
    # constants as np.float64: 1.0 / y at a constant y = 0 is NumPy's inf, not an error
    operands = [_f64(a) for a in args]
    try:
        for i, a in enumerate(args):
            if type(a) is not Taylor or a.sess is not sess or row[i + 1] is None:
                continue
            g = row[i + 1](node, *operands)
            if type(g) is Taylor and g.sess is sess:
                g.target = max(g.target, t - 1)
                parts.append((a.coefs, g.coefs, True, a.deg))
            elif g is not None:
                parts.append((a.coefs, _scalar(g * 1.0), False, a.deg))
    finally:
        seg = sess.seg
        sess.partial, sess.need, sess.seg = saved
    tape = sess.tape
    for p in range(len(tape) - 1, seg - 1, -1):     # new nodes: order they must reach
        n = tape[p]
        for b in n.inputs:
            if b.target < n.target:
                b.target = n.target
    node.parts = parts
    return parts


def _sweep(sess):
    """Append coefficients 1..k to every node, degree by degree, in tape order."""
    tape = sess.tape
    for j in range(1, sess.k + 1):
        if j == 1:
            active = tape                   # grows while partials are created
        else:
            active = [n for n in tape if n.target >= j and n.kind != _LEAF]
        i = 0
        while i < len(active):
            n = active[i]
            i += 1
            if n.target < j or n.kind == _LEAF:
                continue
            if n.kind == _ELEM:
                parts = n.parts if n.parts is not None else _make_parts(n, sess)
                s = d = 0.0
                for ac, g, lazy, deg in parts:
                    if lazy:
                        for m in range(1, (j if j < deg else deg) + 1):
                            s = s + m * ac[m] * g[j - m]
                    elif j <= deg:
                        d = d + g * ac[j]
                c = s / j + d
            else:
                c = _structural_coefficient(n, j, sess)
            if not n.scalar:
                c = _scalar(c)
                if np.shape(c) != n.shape:
                    c = np.broadcast_to(c, n.shape)
            n.coefs.append(c)


def _structural_coefficient(n, j, sess):
    """Coefficient j of a linear op (applied coefficient-wise) or a bilinear one."""
    if n.kind == _LINEAR:
        pos = n.parts
        return n.fn(*[_at(a, j, sess) if pos is None or p in pos else _deep_primal(a, sess)
                      for p, a in enumerate(n.args)], **n.kw)
    a, b = n.args
    if type(a) is Taylor and a.sess is sess and type(b) is Taylor and b.sess is sess:
        c = 0.0                             # Cauchy product Σₘ f(aₘ, bⱼ₋ₘ)
        for m in range(max(0, j - b.deg), min(j, a.deg) + 1):
            c = c + n.fn(a.coefs[m], b.coefs[j - m], **n.kw)
        return c
    return n.fn(a.coefs[j] if type(a) is Taylor and a.sess is sess else a,
                b.coefs[j] if type(b) is Taylor and b.sess is sess else b, **n.kw)


def _check_order(order):
    if not isinstance(order, (int, np.integer)) or isinstance(order, bool) or order < 0:
        raise ValueError(f"order must be an integer >= 0, got {order!r}")
    return int(order)


def _check_x(x):
    if isinstance(x, (bool, int, float, np.integer, np.floating)):
        return float(x)
    if type(x) in (Taylor, Dual):
        return x
    if isinstance(x, np.ndarray) and x.dtype.kind in "biuf":
        if x.ndim:
            raise ValueError(f"Taylor mode takes a scalar x; got shape {x.shape}")
        return float(x)
    raise TypeError(f"x has type {type(x).__name__}; Taylor mode differentiates "
                    "functions of one float")


def _coefficient(out, j, sess, wide=False):
    t = type(out)
    if t is Taylor and out.sess is sess:
        c = out.coefs[j]
    elif isinstance(out, (tuple, list, dict)):     # f's structure back, as at orders 1-2
        return _forward._like(out, [_coefficient(o, j, sess, wide)
                                    for o in _forward._items(out)])
    else:   # a constant to this session
        if t is not Dual and t is not Taylor:
            if _holds_session(out, sess):
                raise TypeError(f"f returned a {t.__name__} that depends on the Taylor "
                                "input; Taylor mode cannot read coefficients through it "
                                "(reverse over forward is not supported): use plain values "
                                "inside f (t.numpy()), or differentiate the outer function "
                                "with dualad too")
            _forward.check_output(out)      # None, text, an object array, a bool: refused
        c = out if j == 0 else np.zeros(np.shape(out)) if np.ndim(out) else 0.0
    if wide and isinstance(c, (np.longdouble, np.ndarray)) and c.dtype == np.longdouble:
        return c            # extended range: derivatives() scales it before it becomes float
    if type(c) is np.ndarray and c.ndim == 0 or isinstance(c, (bool, np.generic)):
        return float(c)
    return c


def _holds_session(v, sess) -> bool:
    """Whether v wraps a Taylor value of sess (a reverse.Tensor holding one took the
    Taylor operations over: read as a constant it gave derivatives 0)."""
    while True:
        if type(v) is Taylor:
            if v.sess is sess:
                return True
            v = v.coefs[0]
        elif type(v) is Dual:
            v = v.primal
        elif _forward._is_traced(v) and hasattr(v, "value"):
            v = v.value
        else:
            return False


def taylor_coefficients(f: Callable, x, order: int) -> list[Any]:
    """taylor_coefficients(f, x, order) -> list of order+1 coefficients, each shaped
    like f(x): f(x + t) = Σⱼ cⱼ·tʲ + O(tᵏ⁺¹), cⱼ = f⁽ʲ⁾(x)/j!."""
    return _coefficients(f, x, _check_order(order), 1.0)


def _coefficients(f, x, k, h, wide=False):
    """The Taylor coefficients of t ↦ f(x + h·t) up to order k (checked): cⱼ·hʲ;
    wide: computed in np.longdouble (its wider exponent range), left unrounded."""
    x = _check_x(x)
    if k == 0:
        return [_coefficient(f(x), 0, None)]
    sess = _Session(k)
    leaf = _node(sess, _LEAF, None, (), None, x, min(1, k))
    if wide:
        leaf.coefs += [np.longdouble(h)] + [np.longdouble(0.0)] * (k - 1)
    else:
        leaf.coefs += [h] + [0.0] * (k - 1)
    out = f(leaf)
    for o in _forward._leaves(out):     # f's output structure (dicts too)
        if type(o) is Taylor and o.sess is sess:
            o.target = k
    tape = sess.tape
    for p in range(len(tape) - 1, -1, -1):       # which nodes the output needs
        n = tape[p]
        for b in n.inputs:
            if b.target < n.target:
                b.target = n.target
    try:
        _sweep(sess)
        return [_coefficient(out, j, sess, wide) for j in range(k + 1)]
    finally:
        for n in tape:          # break node ↔ cache and node ↔ session cycles
            n.cache = n.args = n.inputs = None
        sess.tape = []
