"""The forward-mode engine: a Dual number v + v̇·ε with ε² = 0.

An elementary operation v = φ(a, b) on Duals computes the primal φ(a, b) and
the tangent v̇ = ∂φ/∂a·ȧ + ∂φ/∂b·ḃ, with the partials read from the one table
in `dualad.rules` (structural array operations from `dualad.structural`).

- The tangent may carry k directions at once as a leading axis
  (tangent.shape == (k,) + primal.shape); `ndir` is k, or 0 for one direction.
- ``None`` is the zero tangent: rules skip it.
- `tag` names the differentiation the Dual belongs to.  In an operation
  between Duals of different tags the newer (larger) tag is the outer one and
  the other operand is a constant whose primal may itself be a Dual
  (ForwardDiff's rule against perturbation confusion).
"""

from __future__ import annotations

import operator

import numpy as np

from .array_methods import ArrayMethods
from .rules import ELEMENTWISE

_CONSTANT_TYPES = (float, int, np.ndarray, np.generic)


class Dual(ArrayMethods):
    """Dual(primal, tangent): a value with its derivative along one or k directions."""

    __slots__ = ("primal", "tangent", "tag", "ndir")
    __array_priority__ = 100

    def __init__(self, primal, tangent=None, tag: int = 0):
        primal = _as_float(primal, "primal")
        ndir = 0
        if tangent is not None:
            tangent = _as_float(tangent, "tangent")
            pshape, tshape = np.shape(primal), np.shape(tangent)
            if tshape[1:] == pshape and len(tshape) == len(pshape) + 1:
                ndir = tshape[0]
            elif tshape != pshape:
                raise ValueError(
                    f"tangent shape {tshape} does not match primal shape {pshape} "
                    f"(one direction) or (k,) + {pshape} (k directions)")
        self.primal = primal
        self.tangent = tangent
        self.tag = tag
        self.ndir = ndir

    # -- display and conversions --------------------------------------------
    def __repr__(self) -> str:
        return f"Dual({self.primal!r}, {self.tangent!r})"

    def __float__(self):
        raise TypeError("float() would drop the tangent of a Dual; use d.primal "
                        "(or np.sin etc. instead of math.sin)")

    __int__ = __complex__ = __index__ = __float__

    def __array__(self, dtype=None, copy=None):
        raise TypeError("a Dual cannot become a plain NumPy array (the tangent would be "
                        "lost); build arrays of Duals with np.stack, or use d.primal")

    def __bool__(self) -> bool:
        return bool(self.primal)

    def __len__(self) -> int:
        return len(self.primal)

    def __iter__(self):
        for i in range(len(self.primal)):
            yield self[i]

    __hash__ = None

    # -- shape ---------------------------------------------------------------
    shape = property(lambda self: np.shape(self.primal))
    ndim = property(lambda self: np.ndim(self.primal))
    size = property(lambda self: np.size(self.primal))
    dtype = property(lambda self: np.result_type(self.primal))

    # -- arithmetic: every operator is a table primitive ----------------------
    # + - * / ** are set below the class from _binary_rule (one bound fast path each)
    def __floordiv__(self, other):
        return _elementwise(np.floor_divide, (self, other))

    def __rfloordiv__(self, other):
        return _elementwise(np.floor_divide, (other, self))

    def __mod__(self, other):
        return _elementwise(np.remainder, (self, other))

    def __rmod__(self, other):
        return _elementwise(np.remainder, (other, self))

    def __matmul__(self, other):
        return _array_function(np.matmul, (self, other), {})

    def __rmatmul__(self, other):
        return _array_function(np.matmul, (other, self), {})

    def __neg__(self):
        return _elementwise(np.negative, (self,))

    def __pos__(self):
        return self

    def __abs__(self):
        return _elementwise(np.absolute, (self,))

    def __round__(self, ndigits=None):
        return np.round(self, ndigits or 0)

    # comparisons look at primals only
    def __lt__(self, other):
        return self.primal < _primal(other)

    def __le__(self, other):
        return self.primal <= _primal(other)

    def __gt__(self, other):
        return self.primal > _primal(other)

    def __ge__(self, other):
        return self.primal >= _primal(other)

    def __eq__(self, other):
        return self.primal == _primal(other)

    def __ne__(self, other):
        return self.primal != _primal(other)

    # -- indexing (a linear op) ----------------------------------------------
    def __getitem__(self, key):
        t = self.tangent
        if t is not None:
            if self.ndir:
                t = t[(slice(None),) + key] if type(key) is tuple else t[:, key]
            else:
                t = t[key]
        return _make(self.primal[key], t, self.tag, self.ndir)

    def __setitem__(self, key, value):
        raise TypeError("Duals are immutable; build the array with np.where, "
                        "np.concatenate or np.stack instead of item assignment")

    # -- NumPy protocols -----------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method == "__call__" and not kwargs and ufunc in ELEMENTWISE:
            if len(inputs) == 1:
                return _unary(ufunc, self)
            if len(inputs) == 2:
                return _BINARY[ufunc](inputs[0], inputs[1])
        return _ufunc_general(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return _array_function(func, args, kwargs)


_new = object.__new__


def _make(primal, tangent, tag, ndir):
    d = _new(Dual)
    d.primal = primal
    d.tangent = tangent
    d.tag = tag
    d.ndir = ndir
    return d


def _as_float(x, what):
    if isinstance(x, Dual):
        return x
    if isinstance(x, bool) or isinstance(x, (int, np.integer)):
        return float(x)
    if isinstance(x, (float, np.floating)):
        return x
    if isinstance(x, np.ndarray) and x.dtype.kind in "biuf":
        return x.astype(np.float64) if x.dtype.kind != "f" else x
    raise TypeError(f"Dual {what} must be a float, an int or a NumPy float array, "
                    f"not {type(x).__name__}")


def _primal(x):
    return x.primal if type(x) is Dual else x


def _outer_tag(args):
    """The newest tag among the Duals in args (and its direction count), or None."""
    tag, ndir = -1, 0
    for a in args:
        if type(a) is Dual:
            if a.tag > tag:
                tag, ndir = a.tag, a.ndir
        elif type(a) in (list, tuple):
            for b in a:
                if type(b) is Dual and b.tag > tag:
                    tag, ndir = b.tag, b.ndir
        elif not isinstance(a, _CONSTANT_TYPES) and hasattr(type(a), "__array_ufunc__"):
            return None, 0      # another traced type (a reverse.Tensor): let it handle us
    return tag, ndir


_OPERAND_TYPES = _CONSTANT_TYPES + (Dual, list, tuple)


def _split(a, tag):
    """(primal, tangent) of a at this tag; anything else is a constant."""
    if type(a) is Dual and a.tag == tag:
        return a.primal, a.tangent
    return a, None


def _elementwise(ufunc, args):
    """v = φ(args) and v̇ = Σᵢ ∂φ/∂argᵢ · ȧrgᵢ, from the ELEMENTWISE row of φ."""
    tag, ndir = _outer_tag(args)
    if tag is None or any(not isinstance(a, _OPERAND_TYPES) for a in args):
        return NotImplemented   # Python / NumPy then raise TypeError naming both types
    primals, tangents = [], []
    for a in args:
        if type(a) is Dual and a.tag == tag:
            primals.append(a.primal)
            tangents.append(a.tangent)
            if a.ndir != ndir:
                raise ValueError(f"cannot combine Duals with {a.ndir or 1} and {ndir or 1} "
                                 "tangent directions")
        else:
            primals.append(a)
            tangents.append(None)
    out = ufunc(*primals)
    row = ELEMENTWISE[ufunc]
    t = None
    for i, ti in enumerate(tangents):
        if ti is None:
            continue
        partial = row[i + 1]
        if partial is None:
            continue
        if ndir and not isinstance(out, float):
            ti = _align(ti, primals[i], out)
        term = partial(out, *primals) * ti
        t = term if t is None else t + term
    if t is not None and not isinstance(out, float):
        want = ((ndir,) if ndir else ()) + np.shape(out)
        if np.shape(t) != want:
            t = np.broadcast_to(t, want)
    return _make(out, t, tag, ndir)


_SCALAR_TYPES = (float, int, np.float64)
# On two scalars Python's operator gives the IEEE result of the ufunc at a
# fraction of the call cost (NumPy's inf/nan semantics are kept on exceptions).
_SCALAR_OPS = {np.add: operator.add, np.subtract: operator.sub, np.multiply: operator.mul,
               np.divide: operator.truediv, np.true_divide: operator.truediv,
               np.power: operator.pow}
# ufunc: (primal on two scalars, ∂/∂a, ∂/∂b), one lookup for the binary fast path
_SCALAR_RULES = {uf: (_SCALAR_OPS.get(uf, uf),) + row[1:]
                 for uf, row in ELEMENTWISE.items() if len(row) == 3}


def _unary(ufunc, a):
    """Fast path of _elementwise for one scalar operand: v̇ = φ'(a)·ȧ."""
    x = a.primal
    if type(x) is not float and type(x) is not np.float64:
        return _elementwise(ufunc, (a,))
    out = ufunc(x)
    t = a.tangent
    if t is not None:
        partial = ELEMENTWISE[ufunc][1]
        t = None if partial is None else partial(out, x) * t
    r = _new(Dual)
    r.primal, r.tangent, r.tag, r.ndir = out, t, a.tag, a.ndir
    return r


def _binary_rule(ufunc, swap=False):
    """The fast path of _elementwise for one binary ufunc, its table row bound once:
    v̇ = ∂φ/∂a·ȧ + ∂φ/∂b·ḃ for scalar primals.  With swap=True it serves as the
    reflected operator (self is the right operand)."""
    op, dfdx, dfdy = _SCALAR_RULES[ufunc]
    scalar_types, new, dual, general = _SCALAR_TYPES, _new, Dual, _elementwise

    def apply(a, b):
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
        if dx is not None and dfdx is not None:
            t = dfdx(out, x, y) * dx
            if dy is not None and dfdy is not None:
                t = t + dfdy(out, x, y) * dy
        elif dy is not None and dfdy is not None:
            t = dfdy(out, x, y) * dy
        else:
            t = None
        r = new(dual)
        r.primal, r.tangent, r.tag, r.ndir = out, t, d.tag, d.ndir
        return r
    return apply


# ufunc: its binary fast path (np.multiply(a, b) and the operators share it)
_BINARY = {uf: _binary_rule(uf) for uf in _SCALAR_RULES}
for _name, _uf in (("add", np.add), ("sub", np.subtract), ("mul", np.multiply),
                   ("truediv", np.divide), ("pow", np.power)):
    setattr(Dual, f"__{_name}__", _BINARY[_uf])
    setattr(Dual, f"__r{_name}__", _binary_rule(_uf, swap=True))


def _align(t, primal, out):
    """Insert axes after the direction axis so a batched tangent broadcasts like its primal."""
    missing = np.ndim(out) - np.ndim(primal)
    if missing > 0:
        shape = np.shape(t)
        t = np.reshape(t, shape[:1] + (1,) * missing + shape[1:])
    return t


# array functions and ufunc methods (dual_arrays needs Dual, defined above)
from .dual_arrays import _array_function, _ufunc_general  # noqa: E402
