"""Tensor (a value a tape can record) and Variable (a mutable, trainable one).

Every operator is a primitive of the shared tables: ``x * y`` computes the
primal and, when a recording tape watches x or y, appends
``(np.multiply, None, out, x, y)`` to it (format: `reverse.tape`).  Scalar
operands use Python's own float arithmetic, bit-identical to NumPy's.
"""

from __future__ import annotations

import operator

import numpy as np

from dualad.array_methods import ArrayMethods
from dualad.rules import ELEMENTWISE

from .tape import NOT_ON, observed, record, state

_FAST = (float, int, np.float64, np.ndarray)
_getitem = operator.getitem


def _as_value(x):
    """A primal value: float, float64 array (or a traced value such as a Dual)."""
    if isinstance(x, Tensor):
        return x.value
    if isinstance(x, (bool, int, np.integer, np.floating)):
        return float(x)
    if type(x) is float:
        return x
    if isinstance(x, (np.ndarray, list, tuple)):
        a = np.asarray(x)
        if a.dtype.kind not in "biuf":
            raise TypeError(f"a Tensor holds float values; got an array of dtype {a.dtype}")
        return a.astype(np.float64)
    if hasattr(type(x), "__array_ufunc__"):
        return x  # a traced value (dualad.Dual): forward-over-reverse
    raise TypeError(f"a Tensor holds a float or a NumPy float array, not {type(x).__name__}")


def _binary(fn, pyop, a, b):
    """The operators' slow path: a Variable is read first (recording the read);
    an operand that is neither a Tensor nor a number goes to ops.elementwise."""
    if type(a) is Variable:
        a = read(a)
    if type(b) is Variable:
        b = read(b)
    if (type(a) is Tensor or type(a) in _FAST) and (type(b) is Tensor or type(b) in _FAST):
        return _OPERATORS[fn](a, b)
    return _ops.elementwise(fn, (a, b))


def _operator(fn, pyop, reflected=False):
    """The method for `self ∘ other` (reflected: `other ∘ self`): the hot path of
    _binary inlined (both operands Tensors or plain numbers, at most one tape
    recording); anything else goes through _binary."""
    def method(self, other):
        if reflected:
            a, b = other, self
        else:
            a, b = self, other
        ta = type(a)
        tb = type(b)
        if ta is Tensor:
            av = a.value
        elif ta in _FAST:
            av = a
        else:
            return _binary(fn, pyop, a, b)
        if tb is Tensor:
            bv = b.value
        elif tb in _FAST:
            bv = b
        else:
            return _binary(fn, pyop, a, b)
        try:
            v = pyop(av, bv)
        except ZeroDivisionError:
            v = fn(av, bv)
        out = _new(Tensor)
        out.value = v
        ao = a._on if ta is Tensor else NOT_ON
        bo = b._on if tb is Tensor else NOT_ON
        if not (ao or bo):
            out._on = NOT_ON
            return out
        stack = state.stack
        if len(stack) != 1:
            out._on = record(fn, None, out, (a, b), [x for x in (a, b) if type(x) is Tensor]) \
                if stack else NOT_ON
            return out
        tape = stack[0]
        on1 = tape._on1
        if ao is on1 or bo is on1 or tape._key in ao or tape._key in bo:
            tape.entries.append((fn, None, out, a, b))
            out._on = on1
        else:
            out._on = NOT_ON
        return out
    method.__name__ = f"__{'r' if reflected else ''}{pyop.__name__.strip('_')}__"
    return method


def _unary(fn, pyop, a):
    """out = fn(a) for a Tensor or Variable a; records (fn, None, out, a)."""
    if type(a) is Variable:
        a = read(a)
        if type(a) is not Tensor:
            return _new_tensor(pyop(a))
    out = _new(Tensor)
    out.value = pyop(a.value)
    ao = a._on
    if not ao:
        out._on = NOT_ON
        return out
    stack = state.stack
    if len(stack) == 1:
        tape = stack[0]
        on1 = tape._on1
        if ao is on1 or tape._key in ao:
            tape.entries.append((fn, None, out, a))
            out._on = on1
        else:
            out._on = NOT_ON
    elif stack:
        out._on = record(fn, None, out, (a,), (a,))
    else:
        out._on = NOT_ON
    return out


def _new_tensor(value):
    t = _new(Tensor)
    t.value = value
    t._on = NOT_ON
    return t


def _value(x):
    return x.value if isinstance(x, Tensor) else x


def _no_float(self, *_):
    raise TypeError(f"float()/int() and math.* would drop a {type(self).__name__} from the "
                    "tape; use x.numpy() for the value, or np.sin etc. instead of math.sin")


class Tensor(ArrayMethods):
    """Tensor(value): a float or float64 array that tapes can record."""

    __slots__ = ("value", "_on")
    __array_priority__ = 100

    def __init__(self, value):
        self.value = _as_value(value)
        self._on = NOT_ON

    def numpy(self):
        """t.numpy() -> the value: a float64 ndarray, or np.float64 for a scalar."""
        v = self.value
        return np.float64(v) if type(v) is float else v

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.value, dtype=dtype)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.value!r})"

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    __float__ = __int__ = __complex__ = __index__ = _no_float
    # hashed by identity (as torch.Tensor): the sweep keys adjoints by Tensor;
    # == stays elementwise on values
    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        return observed(bool, bool(self.value), (self,))

    def __len__(self) -> int:
        return len(self.value)

    def __iter__(self):
        for i in range(len(self.value)):
            yield self[i]

    shape = property(lambda self: np.shape(self.value))
    ndim = property(lambda self: np.ndim(self.value))
    size = property(lambda self: np.size(self.value))
    dtype = property(lambda self: np.result_type(self.value))

    # -- operators: table primitives ------------------------------------------
    __add__ = _operator(np.add, operator.add)
    __radd__ = _operator(np.add, operator.add, reflected=True)

    __sub__ = _operator(np.subtract, operator.sub)
    __rsub__ = _operator(np.subtract, operator.sub, reflected=True)

    __mul__ = _operator(np.multiply, operator.mul)
    __rmul__ = _operator(np.multiply, operator.mul, reflected=True)

    __truediv__ = _operator(np.divide, operator.truediv)
    __rtruediv__ = _operator(np.divide, operator.truediv, reflected=True)

    def __pow__(self, o):
        return _ops.elementwise(np.power, (self, o))

    def __rpow__(self, o):
        return _ops.elementwise(np.power, (o, self))

    def __floordiv__(self, o):
        return _ops.elementwise(np.floor_divide, (self, o))

    def __rfloordiv__(self, o):
        return _ops.elementwise(np.floor_divide, (o, self))

    def __mod__(self, o):
        return _ops.elementwise(np.remainder, (self, o))

    def __rmod__(self, o):
        return _ops.elementwise(np.remainder, (o, self))

    def __matmul__(self, o):
        return _ops.array_function(np.matmul, (self, o), {})

    def __rmatmul__(self, o):
        return _ops.array_function(np.matmul, (o, self), {})

    def __neg__(self):
        return _unary(np.negative, operator.neg, self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.elementwise(np.absolute, (self,))

    def __round__(self, ndigits=None):
        return np.round(self, ndigits or 0)

    # comparisons compare values
    def __lt__(self, o):
        return observed(operator.lt, self.value < _value(o), (self, o))

    def __le__(self, o):
        return observed(operator.le, self.value <= _value(o), (self, o))

    def __gt__(self, o):
        return observed(operator.gt, self.value > _value(o), (self, o))

    def __ge__(self, o):
        return observed(operator.ge, self.value >= _value(o), (self, o))

    def __eq__(self, o):
        return observed(operator.eq, self.value == _value(o), (self, o))

    def __ne__(self, o):
        return observed(operator.ne, self.value != _value(o), (self, o))

    def __getitem__(self, key):
        if type(key) is not int or type(self) is not Tensor:
            return _ops.getitem(self, key)
        out = _new(Tensor)
        out.value = self.value[key]
        o = self._on
        if not o:
            out._on = NOT_ON
            return out
        stack = state.stack
        if len(stack) == 1:
            tape = stack[0]
            if o is tape._on1 or tape._key in o:
                tape.entries.append((_getitem, None, out, self, key))
                out._on = tape._on1
            else:
                out._on = NOT_ON
        else:
            out._on = record(_getitem, None, out, (self, key), (self,))
        return out

    def __setitem__(self, key, value):
        raise TypeError(f"{type(self).__name__} does not support item assignment; build "
                        "arrays with np.where, np.concatenate or np.stack")

    # -- NumPy protocols ------------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if len(inputs) != 1 or kwargs or method != "__call__" or ufunc not in ELEMENTWISE:
            return _ops.array_ufunc(ufunc, method, inputs, kwargs)
        if type(self) is not Tensor:
            return _unary(ufunc, ufunc, self)
        # np.sin(x) etc.: _unary inlined (the hot path of scalar code)
        out = _new(Tensor)
        out.value = ufunc(self.value)
        ao = self._on
        if ao:
            stack = state.stack
            if len(stack) == 1:
                tape = stack[0]
                on1 = tape._on1
                if ao is on1 or tape._key in ao:
                    tape.entries.append((ufunc, None, out, self))
                    out._on = on1
                    return out
            elif stack:
                out._on = record(ufunc, None, out, (self,), (self,))
                return out
        out._on = NOT_ON
        return out

    def __array_function__(self, func, types, args, kwargs):
        return _ops.array_function(func, args, kwargs)


_new = object.__new__
# ufunc: its operator (a ∘ b, either side a Tensor or a number), for _binary
_OPERATORS = {np.add: Tensor.__add__, np.subtract: Tensor.__sub__,
              np.multiply: Tensor.__mul__, np.divide: Tensor.__truediv__}


# variable and ops need Tensor defined above (variable first: ops imports Variable)
from .variable import Variable, read  # noqa: E402, I001
from . import ops as _ops  # noqa: E402
