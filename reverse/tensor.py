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
from dualad.dispatch import NOT_HANDED_OVER
from dualad.dual import Dual, _make, numpy_bool
from dualad.float_rules import python_power
from dualad.rules import ELEMENTWISE
from dualad.taylor import Taylor

from .tape import NOT_ON, hessian_tags, observed, record, state

_FAST = (float, int, np.float64, np.ndarray)
_ND, _F64 = np.ndarray, np.float64
_UNARY = frozenset(u for u in ELEMENTWISE if u.nin == 1)    # the table's unary rows
_getitem = operator.getitem
_f64 = np.float64


def recorded_now(t) -> bool:
    """Whether Tensor t is recorded by a tape recording in this thread now (a Variable:
    watched by one, or would be once read)."""
    stack = state.stack
    return bool(stack) and (bool(t._on) and any(k._key in t._on for k in stack) or
                            type(t) is Variable and watched_while_recording(t))


def without_hessian_levels(v):
    """v without the Dual levels of the reverse.hessian calls running now: a value f takes
    out of the tape (x.numpy(), constant(x)) is a constant to f's second derivative too,
    as in reverse over reverse and JAX (x·x.numpy() has f'' = 0, not 1).  Other levels
    (an outer or inner dualad call's) stay, wherever they sit in the nesting."""
    tags = hessian_tags.tags
    if not tags or type(v) is not Dual:
        return v
    return _drop_levels(v, tags)


def _drop_levels(v, tags):
    """v with the Dual levels whose tags are in tags removed (recursion over nesting
    levels only)."""
    if type(v) is not Dual:
        return v
    if v.tag in tags:
        return _drop_levels(v.primal, tags)
    return _make(_drop_levels(v.primal, tags), _drop_levels(v.tangent, tags), v.tag, v.ndir)


def without_dual_levels(v):
    """v's primal under every Dual and Taylor level (stop_gradient: no derivative of any
    order or engine passes it, as JAX's lax.stop_gradient and TensorFlow's
    tf.stop_gradient)."""
    while type(v) is Dual or type(v) is Taylor:
        v = v.primal
    return v


def _as_value(x):
    """A primal value: float, float64 array (or a traced value such as a Dual)."""
    if isinstance(x, Tensor):
        return x.value
    if isinstance(x, (bool, int, np.integer, np.floating, np.bool_)):
        return float(x)
    if type(x) is float:
        return x
    if isinstance(x, (np.ndarray, list, tuple)):
        try:
            a = np.asarray(x)
        except ValueError as e:     # a ragged list
            raise ValueError(f"a Tensor holds a float array; got a list that is not one "
                             f"({e})") from None
        if a.dtype.kind not in "biuf":
            raise TypeError(f"a Tensor holds float values; got an array of dtype {a.dtype}")
        return a.astype(np.float64)
    if hasattr(type(x), "__array_ufunc__"):
        return x  # a traced value (dualad.Dual): forward-over-reverse
    raise TypeError(f"a Tensor holds a float or a NumPy float array, not {type(x).__name__}")


def _binary(fn, a, b):
    """The operators' slow path: Variables are read first (recording the read); an
    operand that is neither a Tensor nor a number goes to ops.elementwise."""
    if type(a) is Variable:
        a = read(a)
    if type(b) is Variable:
        b = read(b)
    ta, tb = type(a), type(b)
    if ta is Tensor and (tb is Tensor or tb in _FAST):
        return _OPERATORS[fn](a, b)
    if tb is Tensor and ta in _FAST:
        return _REFLECTED[fn](b, a)
    if ta in _FAST and tb in _FAST:     # unwatched Variables read as plain values
        try:
            return _new_tensor(_PYOPS[fn](a, b))
        except ZeroDivisionError:
            return _new_tensor(fn(a, b))
    return _ops.elementwise(fn, (a, b))


# The operator methods, generated from one template (no per-call closure state):
# `self ∘ other` (reflected: `other ∘ self`) with the operator inlined, both
# operands Tensors or plain numbers and at most one tape recording; anything else
# goes through _binary.  Division by a Python 0.0 gives NumPy's inf/nan.
_OPERATOR_SOURCE = """
def {name}(self, other):
    tb = type(other)
    if tb is Tensor:
        bv = other.value
        bo = other._on
    elif tb in _FAST:
        bv = other
        if tb is _ND and bv.dtype.char != "d":
            if bv.dtype.char in "ef":       # float16/32: as float64, as x * c takes it
                other = bv = bv.astype(_F64)    # (a float32 adjoint otherwise)
            elif bv.dtype.kind not in "biu":    # complex, text, objects: refused there
                return _ops.elementwise(FN, ({a}, {b}))
        bo = NOT_ON
    else:
        return _binary(FN, {a}, {b})
    if type(self) is not Tensor:
        return _binary(FN, {a}, {b})
    {compute}
    out = _new(Tensor)
    out.value = v
    ao = self._on
    if not (ao or bo):
        out._on = NOT_ON
        return out
    stack = state.stack
    if len(stack) != 1:
        out._on = record(FN, None, out, ({a}, {b}),
                         [t for t in ({a}, {b}) if type(t) is Tensor]) if stack else NOT_ON
        return out
    tape = stack[0]
    on1 = tape._on1
    if ao is on1 or bo is on1 or tape._key in ao or tape._key in bo:
        tape.entries.append((FN, None, out, {a}, {b}))
        out._on = on1
    else:
        out._on = NOT_ON
    return out
"""


def _operator(fn, symbol, name, reflected=False):
    """The method `name` computing `self symbol other` (reflected: `other symbol self`)."""
    a, b = ("other", "self") if reflected else ("self", "other")
    av, bv = ("bv", "self.value") if reflected else ("self.value", "bv")
    compute = f"v = {av} {symbol} {bv}"
    if symbol == "/":
        compute = (f"try:\n        {compute}\n    except ZeroDivisionError:\n"
                   f"        v = FN({av}, {bv})")
    key = f"_FN_{fn.__name__}"        # the ufunc, a module global the method reads
    globals()[key] = fn
    src = _OPERATOR_SOURCE.format(name=name, a=a, b=b, compute=compute).replace("FN", key)
    namespace = {}
    exec(compile(src, f"<reverse operator {name}>", "exec"), globals(), namespace)
    method = namespace[name]
    method.__module__ = __name__
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


def _compared(x):
    """The other side of a comparison (a list as NumPy's array of it: dual._compared)."""
    if type(x) is list or type(x) is tuple:
        return np.asarray([_compared(v) for v in x])
    return x.value if isinstance(x, Tensor) else x


def _no_float(self, *_):
    raise TypeError(f"float()/int() and math.* would drop a {type(self).__name__} from the "
                    "tape; use x.numpy() for the value, or np.sin etc. instead of math.sin. "
                    "Storing it into a float array (out[i] = x; NumPy then says 'setting an "
                    "array element with a sequence') drops it too: build arrays with "
                    "np.stack / np.where")


class Tensor(ArrayMethods):
    """Tensor(value): a float or float64 array that tapes can record."""

    __slots__ = ("value", "_on", "__weakref__")   # weakly referable, as tf and torch tensors
    __array_priority__ = 100

    def __init_subclass__(cls, **kw):
        # the engines tell values apart by `type(x) is Tensor / Variable` (their fast
        # paths): a subclass's t * t recursed without end; Variable is the one subclass
        if not cls.__module__.startswith("reverse."):
            raise TypeError(f"reverse.{cls.__base__.__name__} cannot be subclassed; hold one "
                            "in an attribute of your class instead")
        super().__init_subclass__(**kw)

    def __init__(self, value):
        self.value = _as_value(value)
        self._on = NOT_ON

    def numpy(self):
        """t.numpy() -> a copy of the value, as TensorFlow's: a float64 ndarray, or
        np.float64 for a scalar.  (The value itself is what tapes recorded: editing it
        in place changed recorded values, a Variable's gradient computed at values it
        never had.)"""
        v = without_hessian_levels(self.value)
        if type(v) is float:
            return np.float64(v)
        if type(v) is np.ndarray:
            return v.copy(order="K") if v.ndim else np.float64(v)   # (0-d: Variable(2.0))
        return v

    def __array__(self, dtype=None, copy=None):
        if recorded_now(self):
            # np.asarray(x), np.array(x), np.float64(x) inside f: the result would be a
            # constant to the tape, a gradient silently missing its terms
            raise TypeError(f"np.asarray / np.array / np.float64 of a {type(self).__name__} "
                            "a tape is recording would drop it from the tape (its gradient "
                            "terms lost); keep it a Tensor (np.* functions work on it), or "
                            "take x.numpy() if the value is meant as a constant"
                            + NOT_HANDED_OVER)
        if copy is False:
            return np.asarray(self.value, dtype=dtype)
        # a copy, as .numpy() and TensorFlow's: the value is what tapes recorded (and a
        # Variable's own buffer), so editing np.asarray(v) in place changed recorded
        # gradients and the Variable itself
        return np.array(self.value, dtype=dtype)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.value!r})"

    def __reduce__(self):
        # pickled as its value, watched by no tape: the tape numbers in _on are this
        # process's, and another process's tapes would take them for their own
        return (type(self), (self.value,))

    # A Tensor is immutable: a copy is the Tensor itself, still on the tape (TensorFlow's
    # EagerTensor does the same).  Python's default copy was a new object no tape knew:
    # reverse.gradient of sum(copy.copy(x)**2) was 0.
    def __copy__(self) -> Tensor:
        return self

    def __deepcopy__(self, memo) -> Tensor:
        return self

    def __format__(self, spec: str) -> str:
        # observed: dualad.compile guards a branch on the text (format(x, ".1f"))
        return observed(format, format(self.value, spec), (self, spec))

    __float__ = __int__ = __complex__ = __index__ = __trunc__ = _no_float
    # hashed by identity (as torch.Tensor): the sweep keys adjoints by Tensor;
    # == stays elementwise on values
    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        return observed(bool, bool(self.value), (self,))

    def __len__(self) -> int:
        if not np.ndim(self.value):
            raise TypeError(f"len() of a 0-d {type(self).__name__}")
        return len(self.value)

    def __iter__(self):
        return (self[i] for i in range(len(self)))     # len(): refused at once for 0-d

    shape = property(lambda self: np.shape(self.value))
    ndim = property(lambda self: np.ndim(self.value))
    size = property(lambda self: np.size(self.value))
    dtype = property(lambda self: np.result_type(self.value))

    # -- operators: table primitives ------------------------------------------
    __add__ = _operator(np.add, "+", "__add__")
    __radd__ = _operator(np.add, "+", "__radd__", reflected=True)

    __sub__ = _operator(np.subtract, "-", "__sub__")
    __rsub__ = _operator(np.subtract, "-", "__rsub__", reflected=True)

    __mul__ = _operator(np.multiply, "*", "__mul__")
    __rmul__ = _operator(np.multiply, "*", "__rmul__", reflected=True)

    __truediv__ = _operator(np.divide, "/", "__truediv__")
    __rtruediv__ = _operator(np.divide, "/", "__rtruediv__", reflected=True)

    def __pow__(self, o, mod=None):
        if mod is not None:     # pow(x, y, m): Python's modular power, for ints only
            raise TypeError("pow() with a modulus is not supported on Tensor values")
        return _ops.elementwise(np.power, (self, o), python_power)

    def __rpow__(self, o):
        return _ops.elementwise(np.power, (o, self), python_power)

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

    # comparisons compare values (NumPy's bool for a scalar, as np.float64's: dual.numpy_bool)
    def __lt__(self, o):
        return observed(operator.lt, numpy_bool(self.value < _compared(o)), (self, o))

    def __le__(self, o):
        return observed(operator.le, numpy_bool(self.value <= _compared(o)), (self, o))

    def __gt__(self, o):
        return observed(operator.gt, numpy_bool(self.value > _compared(o)), (self, o))

    def __ge__(self, o):
        return observed(operator.ge, numpy_bool(self.value >= _compared(o)), (self, o))

    def __eq__(self, o):
        return observed(operator.eq, numpy_bool(self.value == _compared(o)), (self, o))

    def __ne__(self, o):
        return observed(operator.ne, numpy_bool(self.value != _compared(o)), (self, o))

    def __getitem__(self, key):
        if type(key) is not int or type(self) is not Tensor:
            return _ops.getitem(self, key)
        out = _new(Tensor)
        v = self.value
        # an element of a 1-d array as a Python float (same value; its + - * / are
        # several times cheaper than np.float64's, as in forward mode's Dual indexing)
        out.value = v.item(key) if type(v) is np.ndarray and v.ndim == 1 else v[key]
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
        # (NumPy passes out= in kwargs: a unary ufunc's call has exactly one input)
        if ufunc not in _UNARY or method != "__call__" or kwargs:
            return _ops.array_ufunc(ufunc, method, inputs, kwargs)
        if type(self) is not Tensor:
            return _unary(ufunc, ufunc, self)
        # np.sin(x) etc.: _unary inlined (the hot path of scalar code)
        out = _new(Tensor)
        v = ufunc(self.value)
        # a scalar result as a Python float (same value): the + - * / it meets next
        # run several times faster than on np.float64
        out.value = float(v) if type(v) is _f64 else v
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
_PYOPS = {np.add: operator.add, np.subtract: operator.sub, np.multiply: operator.mul,
          np.divide: operator.truediv}
_REFLECTED = {np.add: Tensor.__radd__, np.subtract: Tensor.__rsub__,
              np.multiply: Tensor.__rmul__, np.divide: Tensor.__rtruediv__}
_OPERATORS = {np.add: Tensor.__add__, np.subtract: Tensor.__sub__,
              np.multiply: Tensor.__mul__, np.divide: Tensor.__truediv__}


# variable and ops need Tensor defined above (variable first: ops imports Variable)
from .variable import Variable, read, watched_while_recording  # noqa: E402, I001
from . import ops as _ops  # noqa: E402
