"""Variable (a mutable, trainable Tensor), constant and stop_gradient."""

from __future__ import annotations

import numpy as np

from .tensor import Tensor, _as_value, _new_tensor, _value


class Variable(Tensor):
    """Variable(initial_value, trainable=True, name=None): a mutable Tensor.

    Operations read a snapshot of the current value (recorded as
    `read_variable`); tapes watch trainable variables they see used."""

    __slots__ = ("trainable", "name")

    def __init__(self, initial_value, trainable: bool = True, name: str | None = None):
        super().__init__(initial_value)
        if isinstance(self.value, np.ndarray):
            self.value = self.value.copy()
        self.trainable = bool(trainable)
        self.name = name

    def __repr__(self) -> str:
        return f"Variable({self.value!r}" + (f", name={self.name!r})" if self.name else ")")

    def assign(self, value) -> Variable:
        """v.assign(value) -> v, now holding `value` (same shape; not differentiated)."""
        new = _as_value(_value(value))
        if np.shape(new) != np.shape(self.value):
            raise ValueError(f"cannot assign a value of shape {np.shape(new)} to a Variable "
                             f"of shape {np.shape(self.value)}")
        if isinstance(new, np.ndarray) and new is self.value:
            new = new.copy()
        self.value = new
        return self

    def assign_add(self, delta) -> Variable:
        """v.assign_add(d) -> v, now holding v + d."""
        return self.assign(self.value + _as_value(_value(delta)))

    def assign_sub(self, delta) -> Variable:
        """v.assign_sub(d) -> v, now holding v - d."""
        return self.assign(self.value - _as_value(_value(delta)))


def constant(value) -> Tensor:
    """constant(value) -> Tensor holding value as float64; watched only after tape.watch."""
    return Tensor(value)


def stop_gradient(x) -> Tensor:
    """stop_gradient(x) -> Tensor with x's value that no tape traces back through."""
    return _new_tensor(_value(x) if isinstance(x, Tensor) else _as_value(x))
