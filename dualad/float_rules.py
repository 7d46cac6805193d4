"""The ELEMENTWISE partials re-bound to `math` for Python floats (a derived view).

A rule body such as ``lambda out, x: np.cos(x)`` is written once, with np.*,
in `dualad.rules`.  On a Python float, np.cos costs a NumPy ufunc call
(~0.15 µs) where math.cos costs ~0.03 µs.  This module rebinds each rule
body's global ``np`` to `FLOAT_NP`, a namespace of math.* functions with
NumPy's names, so the very same code runs at float speed:

    float_version(ELEMENTWISE[np.sin][1])(out, 2.0) == math.cos(2.0)

A body that uses a name `FLOAT_NP` lacks keeps np.* (on NumPy scalars).
The versions are cached by the partial function itself, so a row replaced
in the table (tests plant wrong rules) gets its own version.  math raises
where NumPy returns inf/nan (log(0), 1/0, sqrt(-1), overflow): callers catch
`FLOAT_ERRORS` and fall back to the np.* rule, so the numbers are NumPy's in
every case.
"""

from __future__ import annotations

import math
import types

import numpy as np

FLOAT_ERRORS = (ArithmeticError, ValueError)


def _sign(x):
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else x      # 0 stays 0, nan stays nan


def _where(cond, a, b):
    return a if cond else b


# np.<name> -> its math counterpart on Python floats (only what rule bodies call)
FLOAT_NP = types.SimpleNamespace(
    sin=math.sin, cos=math.cos, tan=math.tan, sinh=math.sinh, cosh=math.cosh,
    exp=math.exp, exp2=lambda x: 2.0 ** x, log=math.log, sqrt=math.sqrt,
    reciprocal=lambda x: 1.0 / x, sign=_sign, floor_divide=lambda x, y: x // y,
    trunc=lambda x: float(math.trunc(x)), where=_where, power=math.pow, hypot=math.hypot,
    square=lambda x: x * x, abs=abs,
    pi=math.pi,
)


def _rebind(fn):
    """fn with ``np`` bound to FLOAT_NP, or None if fn uses an np name FLOAT_NP lacks."""
    if fn is None:
        return None
    code = fn.__code__
    if "isinstance" in code.co_names or any(
            n not in fn.__globals__ and not hasattr(FLOAT_NP, n) for n in code.co_names):
        return None
    scope = dict(fn.__globals__, np=FLOAT_NP)
    for n in code.co_names:     # a helper of the same module (rules._sech2): re-bound too
        g = fn.__globals__.get(n)
        if isinstance(g, types.FunctionType) and g.__globals__ is fn.__globals__:
            if g is fn or (h := _rebind(g)) is None:
                return None
            scope[n] = h
    return types.FunctionType(code, scope, fn.__name__, fn.__defaults__, fn.__closure__)


# partial (np.* body) -> the same body on math; filled on first use of each partial
FLOAT_VERSION: dict = {}


def float_version(fn):
    """fn re-bound to math, cached; a partial that cannot be re-bound is wrapped so
    that it sees NumPy scalars (0.5/out gives inf at out = 0, as in NumPy)."""
    if not callable(fn):    # a row's None (no derivative) must never become a version
        raise TypeError(f"float_version needs a partial function, got {fn!r}")
    fast = _rebind(fn)
    if fast is None:
        def fast(out, *args):
            return fn(np.float64(out), *args)
    FLOAT_VERSION[fn] = fast
    return fast


def python_power(x, y):
    """x ** y as f computes it on scalars: Python's power on floats and ints (an ulp from
    np.power at ~5 % of points), which is C's pow as np.float64's ** is, inf and nan
    included ((-inf) ** 0.5 is inf, (-0.0) ** 0.5 is 0.0, where the ufunc np.power gives
    nan and -0.0); NumPy's where Python's raises or is complex (0.0 ** -1, a negative
    base) and for anything else (arrays).  Every engine's x ** y takes it."""
    t, u = type(x), type(y)
    if t in _SCALARS and u in _SCALARS:
        try:
            v = (float(x) if t is _F64 else x) ** (float(y) if u is _F64 else y)
        except (ZeroDivisionError, OverflowError):
            return np.power(x, y)
        if type(v) is not complex:
            return v
    return np.power(x, y)


_F64 = np.float64
_SCALARS = frozenset((float, int, _F64))


def numpy_scalar(v):
    """A primal as the partials see it: Python floats and ints become np.float64, so
    that 1.0 / y is NumPy's inf (with NumPy's warning) at y = 0, never ZeroDivisionError."""
    t = type(v)
    return np.float64(v) if t is float or t is int else v


def partial_at(p, out, args):
    """A row's partial p at primal values (out, *args) as forward mode evaluates it: a
    unary one on a scalar in its math version (`float_partial`), any other on NumPy
    scalars (`numpy_scalar`).  Reverse mode's table sweep and the trace use it."""
    if len(args) == 1 and isinstance(out, float) and isinstance(args[0], float):
        return float_partial(p, out, args[0])
    return p(numpy_scalar(out), *[numpy_scalar(a) for a in args])


def float_partial(p, out, x):
    """A unary row's partial p at scalar primals (Python float / np.float64) as forward
    mode computes it: its math version, or NumPy's value where math raises (log'(0) is
    inf, with NumPy's warning).  Reverse mode and the trace take it so, and all
    engines give the same bits on scalar code (np.cosh and math.cosh differ in the
    last bit)."""
    fast = FLOAT_VERSION.get(p)
    if fast is None:
        fast = float_version(p)
    try:
        return fast(float(out), float(x))
    except FLOAT_ERRORS:
        return p(np.float64(out), np.float64(x))
