"""NumPy ufuncs, array functions and indexing on Tensors: evaluate and record.

Elementwise primitives are the ufuncs of ``dualad.rules.ELEMENTWISE``,
structural ones the functions of ``dualad.structural.STRUCTURAL`` (composites
run their implementation on Tensors, which records the parts).  Anything else
raises TypeError naming the function; ``PRIMAL_ONLY`` ufuncs and
``PRIMAL_ONLY_FUNCTIONS`` evaluate on values and return plain results.
"""

from __future__ import annotations

import operator

import numpy as np

from dualad.dispatch import real_constant, refuse_complex
from dualad.rules import ELEMENTWISE, PRIMAL_ONLY
from dualad.structural import (
    PRIMAL_ONLY_FUNCTIONS,
    STRUCTURAL,
    UFUNC_METHODS,
    bind_positional,
    check_keywords,
    full_like_of_traced,
    no_rule_hint,
    ufunc_call_keywords,
)

from .tape import observed, record, state
from .tensor import Tensor, _new_tensor, _unary
from .variable import Variable, read


def np_name(func) -> str:
    """'np.sin', 'np.fft.fft': how a user spells a NumPy callable."""
    name = getattr(func, "__name__", repr(func))
    module = getattr(func, "__module__", None) or "numpy"
    if isinstance(func, np.ufunc) or module in ("numpy", "numpy.core", "numpy._core") \
            or module.startswith(("numpy._core.", "numpy.core.")):
        return f"np.{name}"
    if module.startswith("numpy."):
        return f"np.{module[6:].split('._')[0]}.{name}"
    return f"{module}.{name}"


def deep_value(x):
    """x with every Tensor (in lists/tuples too) replaced by its value."""
    if isinstance(x, Tensor):
        return x.value
    if type(x) in (list, tuple):
        return type(x)(deep_value(y) for y in x)
    return x


def _has_tensor(x) -> bool:
    if isinstance(x, Tensor):
        return True
    return type(x) in (list, tuple, dict) and any(
        _has_tensor(y) for y in (x.values() if type(x) is dict else x))


def _take(a, tensors):
    """(entry argument, value) of one argument; Variables are read, Tensors collected."""
    if type(a) is Variable:
        a = read(a)
    if type(a) is Tensor:
        tensors.append(a)
        return a, a.value
    if type(a) in (list, tuple) and not _has_tensor(a):
        a = np.asarray(a)   # a list constant as an array, as f's NumPy takes it (power's y - 1)
    if isinstance(a, (complex, np.complexfloating, str, bytes)) or \
            type(a) is np.ndarray and a.dtype.kind not in "biuf":
        raise TypeError(f"a Tensor meets a constant of type {type(a).__name__}"
                        + (f" (dtype {a.dtype})" if type(a) is np.ndarray else "")
                        + ": reverse differentiates real-valued code on floats")
    if isinstance(a, (np.ndarray, np.floating)) and a.dtype.char in "ef":
        a = np.float64(a) if type(a) is not np.ndarray else a.astype(np.float64)
    return a, a     # (float16/32 as float64, as f's x * c takes them: no float32 adjoint)


def elementwise(ufunc, inputs, op=None):
    """out = ufunc(*inputs) for a row of ELEMENTWISE; records (ufunc, None, out, *inputs).
    op computes the value instead (x ** y: Python's power on floats, as f computes it)."""
    if len(inputs) == 1:
        return _unary(ufunc, ufunc, inputs[0])
    args, vals, tensors = [], [], []
    for a in inputs:
        a, v = _take(a, tensors)
        args.append(a)
        vals.append(v)
    out = _new_tensor((op or ufunc)(*vals))
    if tensors and state.stack:
        out._on = record(ufunc, None, out, args, tensors)
    return out


def array_ufunc(ufunc, method, inputs, kwargs):
    """Tensor.__array_ufunc__: table rows, primal-only ufuncs, and ufunc methods."""
    if kwargs.get("out") is not None:
        raise TypeError(f"np.{ufunc.__name__}(..., out=) cannot write a Tensor into an array")
    if method == "__call__":
        if ufunc in STRUCTURAL:     # np.matmul is a ufunc
            return array_function(ufunc, inputs, kwargs)
        if kwargs:
            ufunc_call_keywords(ufunc, kwargs, "Tensor")
        if ufunc in ELEMENTWISE:
            return elementwise(ufunc, inputs)
        if ufunc in PRIMAL_ONLY:
            return observed(ufunc, ufunc(*[deep_value(x) for x in inputs]), tuple(inputs))
    elif method in UFUNC_METHODS.get(ufunc, ()):
        return UFUNC_METHODS[ufunc][method](*inputs, **kwargs)
    raise TypeError(f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
                    + " has no derivative rule in reverse; it is not supported on Tensor "
                    "values" + no_rule_hint(ufunc))


def _sum_of(args):
    """np.sum(x) of one float array: np.add.reduce(x, axis=None), the very call np.sum
    makes, without its Python wrapper (~1 µs)."""
    if len(args) == 1:
        x = args[0]
        if type(x) is Tensor and type(x.value) is np.ndarray:
            return np.add.reduce(x.value, axis=None), (x,)
    return None


def _roll_of(args):
    """np.roll(x, s) of a float vector by an int: the same elements, moved by two
    slices (np.roll itself reshapes and recurses: ~5 µs on small arrays)."""
    if len(args) == 2:
        x, shift = args
        if type(x) is Tensor and type(shift) is int:
            v = x.value
            if type(v) is np.ndarray and v.ndim == 1 and v.size:
                s = shift % v.shape[0]
                return (np.concatenate((v[-s:], v[:-s])) if s else v.copy()), (x, shift)
    return None


# func(*args) on Tensors with no keywords, evaluated directly: (value, entry args) or None
_DIRECT = {np.sum: _sum_of, np.roll: _roll_of}


def array_function(func, args, kwargs):
    """Tensor.__array_function__: STRUCTURAL rows; records (func, kwargs, out, *args)."""
    if not kwargs:
        direct = _DIRECT.get(func)
        if direct is not None:
            r = direct(args)
            if r is not None:
                out = _new_tensor(r[0])
                if state.stack:
                    out._on = record(func, None, out, r[1], (r[1][0],))
                return out
    if kwargs.get("out") is not None:
        raise TypeError(f"{np_name(func)}(..., out=) cannot write a Tensor into an array")
    rule = STRUCTURAL.get(func)
    if rule is None:
        if func is np.full_like:
            filled = full_like_of_traced(args, kwargs, _has_tensor)
            if filled is not None:
                return filled
        if func in PRIMAL_ONLY_FUNCTIONS:
            out = func(*deep_value(args), **{k: deep_value(v) for k, v in kwargs.items()})
            return observed(func, out, tuple(args), kwargs or None)
        raise TypeError(f"{np_name(func)} has no derivative rule in reverse; it is not "
                        "supported on Tensor values" + no_rule_hint(func))
    rewrite, args, kwargs = check_keywords(func, args, kwargs, "reverse")
    if rewrite is not None:
        return rewrite(*args, **kwargs)
    kind = rule[0]
    if kind == "composite":
        return rule[1](*args, **kwargs)
    if func is np.where and len(args) == 1:
        return observed(func, np.where(deep_value(args[0])), tuple(args), kwargs or None)
    if kwargs and _has_tensor(kwargs):
        raise TypeError(f"{np_name(func)}: pass Tensors as positional arguments, not by keyword")
    if kind == "linear":
        traced = range(len(args)) if rule[1] is None else rule[1]
    elif kind == "multilinear":
        if kwargs:      # np.dot(x, b=c): a constant operand by name is an operand too
            args, kwargs = bind_positional(func, args, kwargs, lambda v: True)
        traced = range(len(args))
    else:
        traced = (0,)
    entry_args, vals, tensors = [], [], []
    for i, a in enumerate(args):
        if i not in traced:
            v = deep_value(a)
            entry_args.append(v)
            vals.append(v)
        elif type(a) in (list, tuple) and kind == "multilinear" and \
                not any(isinstance(b, Tensor) for b in a):
            v = real_constant(a)    # np.dot([1., 2.], x): a constant vector
            entry_args.append(v)
            vals.append(v)
        elif type(a) in (list, tuple):
            pairs = [_take(b, tensors) for b in a]
            entry_args.append([p for p, _ in pairs])
            vals.append([v for _, v in pairs])
        else:
            a, v = _take(a, tensors)
            entry_args.append(a)
            vals.append(v)
    value = func(*vals, **kwargs)
    if value.__class__ is not np.ndarray or value.dtype.kind in "cO":   # (inline: ~60 ns)
        refuse_complex(value, func, "Tensor")
    out = _new_tensor(value)
    if tensors and state.stack:
        out._on = record(func, kwargs or None, out, entry_args, tensors)
    return out


def getitem(x, key):
    """out = x[key]; records (operator.getitem, None, out, x, key)."""
    if type(x) is Variable:
        x = read(x)
        if type(x) is not Tensor:   # read unrecorded: the value itself, indexed as below
            x = _new_tensor(x)
        if type(key) is int:
            return x[key]       # Tensor's x[i]: an element of a vector as a Python float
    key = deep_value(key)
    v = x.value
    if type(v) is float:
        if type(key) is tuple and not key:
            return x            # x[()] of a scalar is the scalar, as np.float64(v)[()]
        v = np.float64(v)       # x[None], x[...]: index the np.float64 it stands for
    out = _new_tensor(v[key])
    if state.stack:
        out._on = record(operator.getitem, None, out, (x, key), (x,))
    return out
