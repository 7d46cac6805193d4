"""What counts as a traced value, and our own primitives handed to its engine.

NumPy's protocols dispatch its functions to a Dual, Taylor, Tensor or Sym; a
function of ours that the tables know (unindex, einsum's contract, linalg's
logabsdet, ...) is decorated with `primitive`: called with a traced positional
argument it goes to that value's __array_function__ (the table row keyed by the
decorated function), otherwise it runs on the plain values.
"""

from __future__ import annotations

import functools

import numpy as np

try:     # NumPy's axis checks, which every table module uses
    from numpy.lib.array_utils import normalize_axis_tuple  # noqa: F401
except ImportError:     # NumPy < 2
    from numpy.core.numeric import normalize_axis_tuple  # noqa: F401

# why NumPy's own code met a traced value, for the engines' __array__ errors
NOT_HANDED_OVER = (" (if NumPy's own code met it: NumPy hands a function to the engine "
                   "only through its array arguments, not through an option or a closure "
                   "such as np.select's default= or a function np.apply_along_axis calls; "
                   "np.full(shape, x) and np.r_[...] / np.c_[...] are of this kind: write "
                   "x * np.ones(shape), np.concatenate or np.stack)")


def is_traced(x) -> bool:
    """Whether x is a value an engine traces (NumPy's protocols, not an array)."""
    return not isinstance(x, (np.ndarray, np.generic)) and hasattr(type(x), "__array_ufunc__")


def primitive(fn):
    """fn as a primitive of the tables (see the module docstring)."""
    @functools.wraps(fn)
    def call(*args, **kwargs):
        for x in args:
            if is_traced(x):
                return type(x).__array_function__(x, call, (type(x),), args, kwargs)
        return fn(*args, **kwargs)
    return call


COMPLEX_REFUSED = ("dualad differentiates real-valued code: carry the real and imaginary "
                   "parts as two real arrays")


def is_complex(v) -> bool:
    """Whether a value is complex: a complex number or array, or an object array, list or
    tuple holding one."""
    if type(v) is complex:
        return True
    dtype = getattr(v, "dtype", None)
    if dtype is not None and not is_traced(v):
        kind = getattr(dtype, "kind", None)
        return kind == "c" or kind == "O" and any(is_complex(e) for e in np.ravel(v))
    if type(v) is list or type(v) is tuple:
        return any(is_complex(e) for e in v)
    return False


def refuse_complex(out, func, engine: str) -> None:
    """TypeError if out, what func gave on an engine's primals, is complex: only a
    complex constant (x * 1j, x + np.array([1j])) gets there, and the engines trace
    real values (a forward pass may carry two directions in one complex tangent, so
    a complex coefficient would mix them: d|x·1j|/dx came out −1, not 1)."""
    t = type(out)       # (the common cases first: it runs once per general-path op)
    if t is np.ndarray or t is np.float64:
        kind = out.dtype.kind
        if kind != "c" and kind != "O":
            return
    elif t is float or t is bool or t is int:
        return
    if t is complex or is_complex(out):
        name = getattr(func, "__name__", str(func))
        raise TypeError(f"np.{name} of a {engine} value and a complex constant gives a "
                        f"complex result; {COMPLEX_REFUSED}")


def not_complex(v, what: str = "a constant"):
    """v itself; a TypeError naming `what` if v is complex (`is_complex`)."""
    if is_complex(v):
        raise TypeError(f"{what} is complex ({v!r:.60}); {COMPLEX_REFUSED}")
    return v


def real_constant(v, what: str = "a constant"):
    """np.asarray(v, dtype=float) of a constant beside traced values; a complex one is a
    TypeError (the cast would keep the real part with only a ComplexWarning)."""
    return np.asarray(not_complex(v, what), dtype=float)
