"""Variable (a mutable, trainable Tensor), constant and stop_gradient."""

from __future__ import annotations

import itertools

import numpy as np

from .tape import EVERY, read_variable, state
from .tensor import (
    Tensor,
    _as_value,
    _new,
    _new_tensor,
    _value,
    without_dual_levels,
    without_hessian_levels,
)

_serials = itertools.count()


class Variable(Tensor):
    """Variable(initial_value, trainable=True, name=None): a mutable Tensor.

    Operations read a snapshot of the current value (recorded as
    `read_variable`); tapes watch trainable variables they see used.  Reads
    until the next assign share one snapshot per set of recording tapes (`read`)."""

    __slots__ = ("trainable", "name", "_snap", "serial")

    def __init__(self, initial_value, trainable: bool = True, name: str | None = None):
        super().__init__(initial_value)
        self.serial = next(_serials)     # creation order (tape.watched_variables())
        if isinstance(self.value, np.ndarray):
            self.value = self.value.copy(order="K")     # (the layout NumPy's sums see)
        self.trainable = bool(trainable)
        self.name = name
        self._snap = None       # (snapshot Tensor, keys of the tapes that recorded it)

    def __repr__(self) -> str:
        return f"Variable({self.value!r}" + (f", name={self.name!r})" if self.name else ")")

    # a Variable changes under its readers: these are snapshots (recorded reads), not
    # the Variable itself as for immutable Tensors (v.copy() kept before v.assign)
    def copy(self, order="C") -> Tensor:
        return np.copy(self)

    def _in_place(self, other):
        raise TypeError("v += d, v -= d, v *= d ... on a reverse.Variable would bind the name "
                        "to a new Tensor and leave the Variable as it was (a training loop "
                        "`p -= lr * g` then trained nothing); use v.assign_add(d), "
                        "v.assign_sub(d) or v.assign(v * d), as TensorFlow requires")

    __iadd__ = __isub__ = __imul__ = __itruediv__ = __ifloordiv__ = __imod__ = \
        __ipow__ = __imatmul__ = _in_place

    def __reduce__(self):
        # pickled as its value: a read snapshot keyed by this process's tape numbers would
        # pass for a new process's tapes (its first nested tapes reuse the numbers) and
        # leave the read unrecorded: gradients None
        return (type(self), (self.value, self.trainable, self.name))

    # copy.copy(v) is v (Tensor.__copy__), as TensorFlow's: the same variable
    def __deepcopy__(self, memo) -> Variable:
        """copy.deepcopy(v): a new Variable holding a copy of v's value now (TensorFlow's
        eager deepcopy; __init__ copies an array); tapes see it as a variable of its own."""
        new = memo[id(self)] = type(self)(self.value, self.trainable, self.name)
        return new

    def astype(self, dtype, *args, **kw) -> Tensor:
        # the dtype check, ndarray's parameters; an int cast's plain values (it was
        # v's float copy, derivative 1)
        cast = Tensor.astype(self, dtype, *args, **kw)
        return np.copy(self) if cast is self else cast

    def __pos__(self) -> Tensor:
        return np.copy(self)

    def assign(self, value) -> Variable:
        """v.assign(value) -> v, now holding `value` (same shape; not differentiated)."""
        new = _as_value(_value(value))
        if np.shape(new) != np.shape(self.value):
            raise ValueError(f"cannot assign a value of shape {np.shape(new)} to a Variable "
                             f"of shape {np.shape(self.value)}")
        if isinstance(new, np.ndarray) and new is self.value:
            new = new.copy()
        self.value = new
        self._snap = None       # the next read is a new snapshot, of the new value
        return self

    def assign_add(self, delta) -> Variable:
        """v.assign_add(d) -> v, now holding v + d (d of v's shape, or a number)."""
        return self.assign(self.value + self._delta(delta, "assign_add"))

    def assign_sub(self, delta) -> Variable:
        """v.assign_sub(d) -> v, now holding v - d (d of v's shape, or a number)."""
        return self.assign(self.value - self._delta(delta, "assign_sub"))

    def _delta(self, delta, what):
        d = _as_value(_value(delta))
        if np.ndim(d) and np.shape(d) != np.shape(self.value):
            raise ValueError(f"{what}: delta of shape {np.shape(d)} does not match the "
                             f"Variable's shape {np.shape(self.value)}")
        return d


def constant(value) -> Tensor:
    """constant(value) -> Tensor holding value as float64; watched only after tape.watch."""
    return Tensor(without_hessian_levels(_value(value)))


def stop_gradient(x) -> Tensor | float | np.ndarray:
    """stop_gradient(x) -> Tensor with x's value that no tape traces back through.  Of a
    value another engine traces, the plain value it stands for (a float or an array):
    a forward-mode Dual's primal under every level (a Tensor of it pulled f into
    reverse mode: "reverse over forward is not supported"), a symbolic placeholder's
    value at the example point."""
    if isinstance(x, Tensor):
        return _new_tensor(without_dual_levels(_value(x)))
    constant_of = getattr(type(x), "stop_gradient", None)     # symbolic's Sym
    if constant_of is not None:
        return constant_of(x)
    v = _as_value(x)
    plain = without_dual_levels(v)
    return plain if plain is not v else _new_tensor(plain)


def _auto_watches(tape, var) -> bool:
    """Whether tape watches Variable var on reading it: trainable ones unless
    watch_accessed_variables=False (TensorFlow's rule), every one for EVERY."""
    auto = tape._auto
    return bool(auto) and (var.trainable or auto is EVERY)


def watched_while_recording(var) -> bool:
    """Whether a recording tape watches Variable var, or would on reading it."""
    return any(id(var) in t._vars or _auto_watches(t, var) for t in state.stack)


def read(var):
    """The value of Variable `var` for an operation: a snapshot Tensor recorded
    (fn = read_variable) on the tapes that watch var, or the plain value.

    Reads until var's next assign, under the same recording tapes, share one
    snapshot (one entry): a loop over v[i] would otherwise record n snapshots, each
    sending a full-size adjoint to v (O(n²) sweep).  Its value is still the value
    read, since assign rebinds var.value (and drops the snapshot)."""
    stack = state.stack
    vid = id(var)
    if len(stack) == 1:     # one tape (the common case): its _on1 names the set
        tape = stack[0]
        watched = tape._vars
        if vid not in watched:
            if not _auto_watches(tape, var):
                return var.value
            watched[vid] = var
        on = tape._on1
        cached = var._snap
        if cached is not None and cached[1] is on and cached[0].value is var.value:
            return cached[0]
        tapes = (tape,)
    else:
        tapes = []
        for tape in stack:
            watched = tape._vars
            if vid not in watched:
                if not _auto_watches(tape, var):
                    continue
                watched[vid] = var
            tapes.append(tape)
        if not tapes:
            return var.value
        on = tuple(t._key for t in tapes)
        cached = var._snap
        if cached is not None and cached[1] == on and cached[0].value is var.value:
            return cached[0]
    snap = _new(Tensor)
    snap.value = var.value
    snap._on = on
    entry = (read_variable, None, snap, var)
    for tape in tapes:
        tape.entries.append(entry)
    var._snap = (snap, on)
    return snap
