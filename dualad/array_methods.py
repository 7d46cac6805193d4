"""ndarray-style methods (x.sum(), x.reshape(...), x.T, ...) shared by every traced
type (Dual, reverse.Tensor, symbolic's Sym): each one calls the NumPy function,
which dispatches back through the type's __array_function__."""

from __future__ import annotations

import numpy as np


class ArrayMethods:
    """Methods that mirror ndarray's; a mixin with no state."""

    __slots__ = ()

    T = property(lambda self: np.transpose(self))

    def sum(self, axis=None, keepdims=False, **kw):
        return np.sum(self, axis=axis, keepdims=keepdims, **kw)

    def mean(self, axis=None, keepdims=False, **kw):
        return np.mean(self, axis=axis, keepdims=keepdims, **kw)

    def prod(self, axis=None, keepdims=False, **kw):
        return np.prod(self, axis=axis, keepdims=keepdims, **kw)

    def max(self, axis=None, keepdims=False, **kw):
        return np.max(self, axis=axis, keepdims=keepdims, **kw)

    def min(self, axis=None, keepdims=False, **kw):
        return np.min(self, axis=axis, keepdims=keepdims, **kw)

    def std(self, axis=None, keepdims=False, **kw):
        return np.std(self, axis=axis, keepdims=keepdims, **kw)

    def var(self, axis=None, keepdims=False, **kw):
        return np.var(self, axis=axis, keepdims=keepdims, **kw)

    def cumsum(self, axis=None):
        return np.cumsum(self, axis=axis)

    def cumprod(self, axis=None):
        return np.cumprod(self, axis=axis)

    def dot(self, other):
        return np.dot(self, other)

    def clip(self, min=None, max=None, **kw):     # NumPy 2's names; a_min=/a_max= too
        return np.clip(self, kw.pop("a_min", min), kw.pop("a_max", max), **kw)

    def reshape(self, *shape, order="C"):
        return np.reshape(self, shape[0] if len(shape) == 1 else shape, order=order)

    def transpose(self, *axes):
        return np.transpose(self, axes[0] if len(axes) == 1 else (axes or None))

    def swapaxes(self, axis1, axis2):
        return np.swapaxes(self, axis1, axis2)

    def ravel(self, order="C"):
        return np.ravel(self, order=order)

    flatten = ravel

    def argmax(self, axis=None):
        return np.argmax(self, axis=axis)

    def argmin(self, axis=None):
        return np.argmin(self, axis=axis)

    def round(self, decimals=0):
        return np.round(self, decimals)

    def __round__(self, ndigits=None):     # the builtin round(x), in every engine
        return np.round(self, ndigits or 0)

    def astype(self, dtype):
        """x.astype(float): x itself (traced values are float64); other dtypes refused."""
        if np.dtype(dtype).kind != "f":
            raise TypeError(f"a traced value cannot become {np.dtype(dtype).name}: "
                            "derivatives need floats")
        return self

    def squeeze(self, axis=None):
        return np.squeeze(self, axis)

    def copy(self):
        return self

    def trace(self, offset=0, axis1=0, axis2=1):
        return np.trace(self, offset, axis1, axis2)

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
