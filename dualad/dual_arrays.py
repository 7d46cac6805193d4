"""Dual numbers through NumPy's array functions and ufunc methods.

Structural operations come from `dualad.structural.STRUCTURAL`: a linear op's
tangent is the op applied to the tangent (one direction at a time when the
tangent carries k), a multilinear op's is Σᵢ f(a, .., ȧᵢ, .., z), a custom
op has its own jvp, and a composite is re-expressed with other operations.
"""

from __future__ import annotations

import numpy as np

from .dispatch import is_complex, refuse_complex
from .dual import (
    ZERO_RULE,
    Dual,
    _directions,
    _elementwise,
    _make,
    _outer_tag,
    _primal,
    _split,
    _strong_product,
)
from .rules import ELEMENTWISE, PRIMAL_ONLY
from .structural import (
    BATCHED_JVP,
    PRIMAL_ONLY_FUNCTIONS,
    STRUCTURAL,
    UFUNC_METHODS,
    _max_weights,
    _name,
    _prod_partials,
    bind_positional,
    check_keywords,
    full_like_of_traced,
    no_rule_hint,
    ufunc_call_keywords,
)


def _ufunc_general(ufunc, method, inputs, kwargs):
    """Everything but the plain call of a table ufunc: kwargs, ufunc methods, errors."""
    if kwargs.get("out") is not None:
        raise TypeError(f"np.{ufunc.__name__}(..., out=) cannot write a Dual into an array")
    if method == "__call__":
        if ufunc in STRUCTURAL:     # np.matmul is a (generalized) ufunc
            return _array_function(ufunc, inputs, kwargs)
        if kwargs:
            ufunc_call_keywords(ufunc, kwargs, "Dual")
        if ufunc in ELEMENTWISE:
            return _elementwise(ufunc, inputs)
        if ufunc in PRIMAL_ONLY:
            return ufunc(*[_primal(x) for x in inputs])
    elif method in UFUNC_METHODS.get(ufunc, ()):
        return UFUNC_METHODS[ufunc][method](*inputs, **kwargs)
    raise TypeError(f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
                    + " has no derivative rule in dualad; it is not supported on Dual values"
                    + no_rule_hint(ufunc))


def _unwrap(args, tag, ndir=0):
    """Primal args and matching tangents (sequences stay sequences) at this tag; every
    Dual of the tag must carry ndir directions."""
    primals, tangents = [], []
    for a in args:
        if type(a) in (list, tuple) and any(type(b) is Dual for b in a):
            for b in a:
                if type(b) is Dual and b.tag == tag and b.ndir != ndir:
                    raise ValueError(f"cannot combine Duals with {_directions(b.ndir)} and "
                                     f"{_directions(ndir)}")
            pairs = [_split(b, tag) for b in a]
            primals.append([p for p, _ in pairs])
            tangents.append([t for _, t in pairs])
        else:
            if type(a) is Dual and a.tag == tag and a.ndir != ndir:
                raise ValueError(f"cannot combine Duals with {_directions(a.ndir)} and "
                                 f"{_directions(ndir)}")
            p, t = _split(a, tag)
            primals.append(p)
            tangents.append(t)
    return primals, tangents


def _has_tangent(t):
    return t is not None and (type(t) is not list or any(x is not None for x in t))


def _fill(t, p, i):
    """Tangent of one direction i (or the only one), zeros for a None tangent."""
    if type(t) is list:
        return [_fill(x, q, i) for x, q in zip(t, p)]
    if t is None:
        return np.zeros(np.shape(p))
    return t if i is None else t[i]


def _per_direction(ndir, fn):
    """Apply a linear map to each tangent direction (a loop over the leading axis)."""
    if not ndir:
        return fn(None)
    return np.stack([fn(i) for i in range(ndir)])


def _joined_tangent(func, primals, tangents, kwargs, ndir):
    """np.stack / np.concatenate of a list, every direction in one call on the items'
    tangents (each with its leading direction axis, so the axis moves by one); the
    loop over directions picks each item's direction d one at a time (O(n·k) calls
    per pass).  None where this does not apply."""
    if not ndir or func not in _JOINS or len(primals) != 1 or set(kwargs) - {"axis"}:
        return None
    items, ts = primals[0], tangents[0]
    if type(ts) is not list or not items:
        return None
    axis = kwargs.get("axis", 0)
    if axis is None or not isinstance(axis, (int, np.integer)):
        return None
    shape = np.shape(items[0])
    nd = len(shape) + (func is np.stack)
    if not nd or not -nd <= axis < nd:
        return None
    filled = []
    for t, p in zip(ts, items):
        if t is None:
            t = np.zeros((ndir,) + np.shape(p))
        elif type(t) is not np.ndarray or t.shape != (ndir,) + np.shape(p):
            return None
        filled.append(t)
    return func(filled, axis=axis % nd + 1)


_JOINS = (np.stack, np.concatenate)


def _array_function(func, args, kwargs):
    if kwargs.get("out") is not None:
        raise TypeError(f"np.{func.__name__}(..., out=) cannot write a Dual into an array")
    rule = STRUCTURAL.get(func)
    if rule is None:
        if func is np.full_like:
            filled = full_like_of_traced(args, kwargs, _holds_dual)
            if filled is not None:
                return filled
        if func in PRIMAL_ONLY_FUNCTIONS:
            return func(*[_deep_primal(a) for a in args],
                        **{k: _deep_primal(v) for k, v in kwargs.items()})
        raise TypeError(f"{_name(func)} has no derivative rule in dualad; it is not "
                        "supported on Dual values" + no_rule_hint(func))
    if kwargs:      # np.sum(a=d): the Dual passed by name is found among the args
        args, kwargs = bind_positional(func, args, kwargs, _holds_dual)
    if func is np.where and len(args) == 1:
        return np.nonzero(_deep_primal(args[0]))   # np.where(c) is np.nonzero(c): indices
    rewrite, args, kwargs = check_keywords(func, args, kwargs, "dualad")
    if rewrite is not None:
        return rewrite(*args, **kwargs)
    kind = rule[0]
    if kind == "composite":
        return rule[1](*args, **kwargs)
    tag, ndir = _outer_tag(args)
    if tag is None:
        return NotImplemented
    primals, tangents = _unwrap(args, tag, ndir)
    out = func(*primals, **kwargs)
    if out.__class__ is not np.ndarray or out.dtype.kind in "cO":   # (inline: ~60 ns)
        refuse_complex(out, func, "Dual")
    live = [i for i, t in enumerate(tangents) if _has_tangent(t)]
    if not live:
        return _make(out, None, tag, ndir)
    if kwargs.get("dtype") is not None and any(is_complex(tangents[i]) for i in live):
        # two directions in one complex tangent (forward._scalar_gradient): a real
        # dtype= would drop the second one, the imaginary part
        kwargs = {k: v for k, v in kwargs.items() if k != "dtype"}
    if kind == "linear":
        t = _joined_tangent(func, primals, tangents, kwargs, ndir)
        if t is not None:
            return _make(out, t, tag, ndir)
        positions = rule[1]

        def direction(d):
            targs = list(primals)
            for i in positions:
                if i < len(targs):
                    targs[i] = _fill(tangents[i], primals[i], d)
            return func(*targs, **kwargs)
        t = _per_direction(ndir, direction)
    elif kind == "multilinear":
        strong = ZERO_RULE.strong

        def direction(d):
            total = None
            for i in live:
                targs = list(primals)
                targs[i] = _fill(tangents[i], primals[i], d)
                term = func(*targs, **kwargs)
                if strong and len(targs) == 2 and not _all_finite(term):
                    term = _strong_bilinear(func, targs, i, kwargs, term)
                total = term if total is None else total + term
            return total
        t = _per_direction(ndir, direction)
    else:  # custom: nonlinear in the first argument
        jvp = rule[1]
        if ZERO_RULE.strong:
            jvp = _STRONG_JVP.get(func, jvp)
        if ndir and func in BATCHED_JVP and jvp is rule[1]:
            # every direction in one call: the rule broadcasts over a leading axis (the
            # decompositions recomputed per direction: n² of them for a gradient)
            t0 = tangents[0]
            t = jvp(np.zeros((ndir, *np.shape(primals[0]))) if t0 is None else t0, out,
                    *primals, **kwargs)
        else:
            t = _per_direction(ndir, lambda d: jvp(_fill(tangents[0], primals[0], d), out,
                                                   *primals, **kwargs))
    return _make(out, t, tag, ndir)


def _holds_dual(v) -> bool:
    return type(v) is Dual or type(v) in (list, tuple) and any(type(b) is Dual for b in v)


def _all_finite(x) -> bool:
    """Whether x is finite everywhere; a traced value (a Dual of an outer call) is
    taken as finite: the strong-zero repairs below work on plain values only."""
    if isinstance(x, (float, np.ndarray, np.floating)):
        return bool(np.all(np.isfinite(x)))
    return True


def _extreme_jvp_strong(t, out, x, axis=None, _out=None, keepdims=False, **_):
    """max/min's tangent Σᵢ wᵢ·ṫᵢ under strong_zeros: a direction that does not move the
    reduced items takes nothing from their weights, NaN where an item is NaN (max over
    [nan, 1] plus x₂: ∂/∂x₂ was nan, reverse and JAX give 1)."""
    return np.sum(_strong_product(_max_weights(out, x, axis, keepdims), t), axis=axis,
                  keepdims=keepdims)


def _prod_jvp_strong(t, out, x, axis=None, dtype=None, _out=None, keepdims=False, **_):
    """prod's tangent Σᵢ (∏_{j≠i} xⱼ)·ṫᵢ under strong_zeros: a direction that does not
    move xᵢ takes nothing from its partial, though that is ∞ or NaN (prod at [∞, 1, 2]
    along x₀: 2, where IEEE's Σ gives 2 + 0·∞ + 0·∞ = nan)."""
    return np.sum(_strong_product(_prod_partials(x, axis), t), axis=axis, keepdims=keepdims)


def _strong_bilinear(func, targs, i, kwargs, term):
    """func(targs) (matmul or dot, the tangent at position i, a primal at the other) with
    a zero tangent entry contributing 0 through an infinite or NaN primal entry: the
    finite part of the primal through func as usual, and the non-finite entries only
    where the tangent is not 0, counted with func on 0/1 indicator arrays (matmul and
    dot sum products with coefficient 1): any NaN term, or +∞ and −∞ terms together,
    give NaN; +∞ terms alone +∞, −∞ alone −∞."""
    t, p = targs[i], targs[1 - i]
    if not isinstance(t, (float, np.ndarray)) or not isinstance(p, (float, np.ndarray)):
        return term

    def count(mask_t, mask_p):
        args = [None, None]
        args[i], args[1 - i] = np.asarray(mask_t, float), np.asarray(mask_p, float)
        return func(*args, **kwargs)

    finite = np.isfinite(p)
    args = [None, None]
    args[i], args[1 - i] = t, np.where(finite, p, 0.0)
    base = func(*args, **kwargs)
    if np.all(finite):
        return base
    up, down = t > 0, t < 0
    pos = count(up, p == np.inf) + count(down, p == -np.inf)
    neg = count(up, p == -np.inf) + count(down, p == np.inf)
    nan = count(t != 0, np.isnan(p))
    with np.errstate(invalid="ignore"):
        extra = np.where((nan > 0) | (pos > 0) & (neg > 0), np.nan,
                         np.where(pos > 0, np.inf, np.where(neg > 0, -np.inf, 0.0)))
        return base + extra


def _deep_primal(a):
    while type(a) is Dual:
        a = a.primal
    if type(a) in (list, tuple):
        return type(a)(_deep_primal(b) for b in a)
    return a


# the custom rules' tangents under strong_zeros (a zero tangent entry takes nothing)
_STRONG_JVP = {np.prod: _prod_jvp_strong, np.max: _extreme_jvp_strong,
               np.min: _extreme_jvp_strong}
