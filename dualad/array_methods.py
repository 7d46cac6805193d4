"""ndarray-style methods (x.sum(), x.reshape(...), x.T, ...) shared by every traced
type (Dual, reverse.Tensor, symbolic's Sym): each one calls the NumPy function,
which dispatches back through the type's __array_function__."""

from __future__ import annotations

import numpy as np

from .dispatch import primitive


@primitive
def cast_values(x, dtype):
    """x's values cast to an integer or bool dtype (a PRIMAL_ONLY function: a plain
    array, derivative 0 as for floor: the cast is piecewise constant, as jax's
    x.astype(int) and torch's .long())."""
    return np.asarray(x).astype(dtype)


class ArrayMethods:
    """Methods that mirror ndarray's; a mixin with no state."""

    __slots__ = ()

    T = property(lambda self: np.transpose(self))

    # The reductions take ndarray's parameters in ndarray's order (x.sum(0, float) is
    # axis 0, dtype float; x.max(0, None) axis 0, out None): NumPy's function binds
    # them, and every engine handles or refuses each one by name
    def sum(self, *args, **kw):
        return np.sum(self, *args, **kw)

    def mean(self, *args, **kw):
        return np.mean(self, *args, **kw)

    def prod(self, *args, **kw):
        return np.prod(self, *args, **kw)

    def max(self, *args, **kw):
        return np.max(self, *args, **kw)

    def min(self, *args, **kw):
        return np.min(self, *args, **kw)

    def std(self, *args, **kw):
        return np.std(self, *args, **kw)

    def var(self, *args, **kw):
        return np.var(self, *args, **kw)

    def cumsum(self, *args, **kw):
        return np.cumsum(self, *args, **kw)

    def cumprod(self, *args, **kw):
        return np.cumprod(self, *args, **kw)

    def argmax(self, *args, **kw):
        return np.argmax(self, *args, **kw)

    def argmin(self, *args, **kw):
        return np.argmin(self, *args, **kw)

    def argsort(self, *args, **kw):
        return np.argsort(self, *args, **kw)

    def nonzero(self):
        return np.nonzero(self)

    def any(self, *args, **kw):
        return np.any(self, *args, **kw)

    def all(self, *args, **kw):
        return np.all(self, *args, **kw)

    def dot(self, other):
        return np.dot(self, other)

    def clip(self, min=None, max=None, *args, **kw):  # NumPy 2's names; a_min=/a_max= too
        return np.clip(self, kw.pop("a_min", min), kw.pop("a_max", max), *args, **kw)

    def reshape(self, *shape, order="C", copy=None):
        # copy= changes nothing here: a traced value is never written in place
        return np.reshape(self, shape[0] if len(shape) == 1 else shape, order=order)

    def transpose(self, *axes):
        return np.transpose(self, axes[0] if len(axes) == 1 else (axes or None))

    def swapaxes(self, axis1, axis2):
        return np.swapaxes(self, axis1, axis2)

    def ravel(self, order="C"):
        return np.ravel(self, order=order)

    flatten = ravel

    def round(self, decimals=0, out=None):
        return np.round(self, decimals, out)

    def __round__(self, ndigits=None):     # the builtin round(x), in every engine
        return np.round(self, ndigits or 0)

    def __divmod__(self, other):           # divmod(x, y) = (x // y, x % y), as NumPy's
        return self // other, self % other

    def __rdivmod__(self, other):
        return other // self, other % self

    def astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
        """x.astype(float): x itself (traced values are float64, never written in place,
        so a copy is the value itself); x.astype(int) (or bool, uint8, ...): a plain
        array of x's values cast (`cast_values`: derivative 0, as JAX's and torch's);
        other dtypes (complex, str, object) refused."""
        kind = np.dtype(dtype).kind
        if kind in "biu":
            return cast_values(self, dtype=np.dtype(dtype))     # (by name: not an operand)
        if kind != "f":
            raise TypeError(f"a traced value cannot become {np.dtype(dtype).name}: "
                            "derivatives need floats (an integer or bool dtype gives "
                            "the values alone)")
        return self

    def squeeze(self, axis=None):
        return np.squeeze(self, axis)

    def copy(self, order="C"):
        return self

    # the real part of a real value is itself, its imaginary part a constant 0
    real = property(lambda self: self)
    imag = property(lambda self: np.zeros_like(self))

    @property
    def mT(self):
        """The matrix transpose: the last two axes swapped (ndarray.mT)."""
        if np.ndim(self) < 2:
            raise ValueError("matrix transpose with ndim < 2 is undefined")
        return np.swapaxes(self, -1, -2)

    # x.flat[i] and iteration over x.flat: the flattened value (nothing assigned through it)
    flat = property(lambda self: np.ravel(self))

    def take(self, indices, axis=None, out=None, mode="raise"):
        return np.take(self, indices, axis, out, mode)

    def trace(self, *args, **kw):
        return np.trace(self, *args, **kw)

    def compress(self, condition, axis=None, out=None):
        return np.compress(condition, self, axis, out)

    def searchsorted(self, v, side="left", sorter=None):
        return np.searchsorted(self, v, side, sorter)

    def argpartition(self, *args, **kw):
        return np.argpartition(self, *args, **kw)

    # ndarray's in-place methods: a traced value is never written
    def sort(self, *args, **kw):
        _in_place("sort", "np.sort(x)")

    def partition(self, *args, **kw):
        _in_place("partition", "np.partition(x, k)")

    def resize(self, *args, **kw):
        _in_place("resize", "np.resize(x, shape)")

    def fill(self, *args, **kw):
        _in_place("fill", "np.full_like(x, value)")

    def put(self, *args, **kw):
        _in_place("put", "np.where(mask, values, x)")

    # NumPy functions without a rule: their TypeError names them (an AttributeError did)
    def diagonal(self, offset=0, axis1=0, axis2=1):
        return np.diagonal(self, offset, axis1, axis2)

    def repeat(self, repeats, axis=None):
        return np.repeat(self, repeats, axis)

    def conj(self):
        return np.conj(self)

    conjugate = conj

    def item(self, *args):
        """Refused as float(x) is: the value would leave the trace (the type's TypeError)."""
        float(self)
        raise TypeError(f"{type(self).__name__}.item() would drop the derivative")

    def tolist(self):
        """Refused as float(x) is: the values would leave the trace."""
        float(self)
        raise TypeError(f"{type(self).__name__}.tolist() would drop the derivative")


def _in_place(method, instead):
    raise TypeError(f"x.{method}() writes x in place, and traced values are never written; "
                    f"use {instead}")
