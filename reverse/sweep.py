"""The backward sweep: v̄_j += v̄_i · ∂φ_i/∂v_j, walking the tape in reverse.

Elementwise entries send ``unbroadcast(ct · ∂ᵢ(out, *args), shape of argᵢ)``
to each traced input, with ∂ᵢ from ``dualad.rules.ELEMENTWISE``; structural
entries use ``dualad.structural.STRUCTURAL`` (the transpose of a linear
function, transpose_i of a multilinear one, the vjp of a custom one);
indexing sends ``unindex(ct, shape, key)``; a `read_variable` entry sends ct
to its Variable.  ``None`` is the zero cotangent and is skipped.

Rule bodies use only operators and np.*, so the values may be dualad.Dual
(forward-over-reverse) or, with ``nested=True``, the Tensors themselves: then
every cotangent operation is recorded by the tapes still recording (nested
tapes give higher derivatives).

NaN-safe np.where: the branch np.where did not choose receives a zero
cotangent; below it (and only there) a zero cotangent times an infinite or
NaN partial gives 0, so that branch's singular derivative does not leak.
"""

from __future__ import annotations

import operator
from sys import getrefcount as _getrefcount

import numpy as np

from dualad.rules import ELEMENTWISE
from dualad.structural import STRUCTURAL, unbroadcast, unindex

from .tape import read_variable
from .tensor import Tensor

_SCALARS = (float, np.float64)
_SCALAR_SET = frozenset(_SCALARS)


def _value(x):
    if type(x) is Tensor:
        return x.value
    if type(x) is list:
        return [_value(y) for y in x]
    return x


def _fit(g, v):
    """g summed back to the shape of argument value v (broadcasting's transpose)."""
    tg = type(g)
    if tg is np.ndarray:
        if type(v) is np.ndarray and g.shape == v.shape:
            return g
    elif tg in _SCALARS and type(v) in _SCALARS:
        return g
    shape = np.shape(v)
    return g if np.shape(g) == shape else unbroadcast(g, shape)


_getitem = operator.getitem
# + - * / (the bulk of scalar code): their partials (1, 1; 1, -1; y, x; 1/y, -out/y)
# are inlined in the sweep's scalar case, bit for bit what the table's rows give
_ADD, _SUB, _MUL, _DIV = "add", "sub", "mul", "div"
_ARITH = {np.add: _ADD, np.subtract: _SUB, np.multiply: _MUL, np.divide: _DIV}
_PLAIN = (float, np.float64, np.ndarray)
_BASIC = (int, slice, type(None), type(Ellipsis), np.int64)


def _scatter(x, key, ct, adj, owned):
    """x̄[key] += ct into a buffer the sweep owns: O(size of ct), not O(size of x)."""
    k = id(x)
    buf = owned.get(k)
    old = adj.get(k)
    if buf is None or old is not buf:
        shape = x.value.shape
        buf = np.zeros(shape) if old is None else np.array(np.broadcast_to(old, shape),
                                                            dtype=np.float64)
        owned[k] = adj[k] = buf
    if type(key) in _BASIC or type(key) is tuple and all(type(i) in _BASIC for i in key):
        buf[key] += ct
    else:
        np.add.at(buf, key, ct)


def _accumulate(adj, owned, k, ct, partial, v):
    """adj[k] += unbroadcast(ct · partial, shape of v), adding in place into arrays
    the sweep allocated itself (`owned`), never into ct or user values.  Callers pass
    the partial as a temporary: if nothing else refers to it, it is overwritten."""
    if type(partial) is float and partial == 1.0:
        g, fresh = ct, False
    elif type(partial) is np.ndarray and _getrefcount(partial) == 2 and partial.base is None \
            and partial.dtype == np.float64 and (type(ct) in _SCALARS or type(ct) is np.ndarray
                                                  and ct.shape == partial.shape):
        partial *= ct      # a temporary the rule just made: reuse its memory
        g, fresh = partial, True
    else:
        g, fresh = ct * partial, True
    g = _fit(g, v)
    old = adj.get(k)
    if old is None:
        adj[k] = g
        if fresh and type(g) is np.ndarray:
            owned[k] = g
    elif type(g) is np.ndarray and type(old) is np.ndarray and g.shape == old.shape:
        if owned.get(k) is old:
            old += g
        elif fresh:
            g += old
            adj[k] = owned[k] = g
        else:
            adj[k] = owned[k] = old + g
    else:
        adj[k] = old + g


def _mask(g, ct):
    return np.where(ct == 0, 0.0, g)


def backward(entries, adj: dict, keep=frozenset(), nested: bool = False) -> dict:
    """backward(entries, adj, keep, nested) -> {slot: ct} for the produced slots in keep.

    adj maps slot -> cotangent, seeded at the targets; on return it holds the
    adjoints of the slots no entry produced (watched sources, variables)."""
    kept = {}
    masked = set()
    owned = {}  # slot -> adjoint buffer the sweep allocated (safe to add into in place)
    pop = adj.pop
    get = adj.get
    rule_of = ELEMENTWISE.get
    arith_of = _ARITH.get
    tensor = Tensor
    scalars = _SCALAR_SET
    accumulate = _accumulate
    ADD, SUB, MUL, DIV = _ADD, _SUB, _MUL, _DIV
    for e in reversed(entries):
        out = e[2]
        oid = id(out)
        ct = pop(oid, None)
        if ct is None:
            continue
        if oid in keep:
            kept[oid] = ct
        fn = e[0]
        op = arith_of(fn)
        if op is not None and type(ct) in scalars and not nested and not masked:
            a = e[3]
            b = e[4]
            ta = type(a) is tensor
            tb = type(b) is tensor
            av = a.value if ta else a
            bv = b.value if tb else b
            if type(av) in scalars and type(bv) in scalars:
                # scalar + - * /: the table's partials inlined (same expressions)
                if ta:
                    g = ct * bv if op is MUL else ct * (1.0 / bv) if op is DIV else ct
                    k = id(a)
                    old = get(k)
                    adj[k] = g if old is None else old + g
                if tb:
                    g = ct * av if op is MUL else ct if op is ADD else \
                        ct * -1.0 if op is SUB else ct * (-out.value / bv)
                    k = id(b)
                    old = get(k)
                    adj[k] = g if old is None else old + g
                continue
        row = rule_of(fn)
        if row is None:
            if fn is _getitem and not nested and type(ct) in _PLAIN:
                x = e[3]
                if type(x) is tensor and type(x.value) is np.ndarray:
                    _scatter(x, e[4], ct, adj, owned)
                    if masked and oid in masked:
                        masked.add(id(x))
                    continue
            _structural(e, ct, adj, owned, nested, masked, oid)
            continue
        if nested or masked:
            _general(e, row, ct, adj, owned, nested, masked, oid)
            continue
        n = len(e)
        if n == 4:
            # unary: out has the shape of its input
            a = e[3]
            p = row[1]
            if type(a) is tensor and p is not None:
                av = a.value
                if type(ct) in scalars and type(av) in scalars:
                    k = id(a)
                    old = get(k)
                    g = ct * p(out.value, av)
                    adj[k] = g if old is None else old + g
                else:
                    accumulate(adj, owned, id(a), ct, p(out.value, av), av)
            continue
        if n == 5:
            a = e[3]
            b = e[4]
            ta = type(a) is tensor
            tb = type(b) is tensor
            av = a.value if ta else a
            bv = b.value if tb else b
            ov = out.value
            if type(ct) in scalars and type(av) in scalars and type(bv) in scalars:
                if ta and row[1] is not None:
                    k = id(a)
                    old = get(k)
                    g = ct * row[1](ov, av, bv)
                    adj[k] = g if old is None else old + g
                if tb and row[2] is not None:
                    k = id(b)
                    old = get(k)
                    g = ct * row[2](ov, av, bv)
                    adj[k] = g if old is None else old + g
                continue
            if ta and row[1] is not None:
                accumulate(adj, owned, id(a), ct, row[1](ov, av, bv), av)
            if tb and row[2] is not None:
                accumulate(adj, owned, id(b), ct, row[2](ov, av, bv), bv)
            continue
        _general(e, row, ct, adj, owned, nested, masked, oid)
    return kept


def _general(e, row, ct, adj, owned, nested, masked, oid):
    """Any elementwise entry: nested (Tensor values), below np.where, or 3+ inputs."""
    out = e[2]
    ov = out if nested else out.value
    args = e[3:]
    vals = args if nested else [a.value if type(a) is Tensor else a for a in args]
    mask = masked and oid in masked
    for i, a in enumerate(args):
        if type(a) is not Tensor:
            continue
        p = row[i + 1]
        if p is None:
            continue
        if mask:  # below np.where: 0·∞ → 0 here, silently
            with np.errstate(all="ignore"):
                g = _mask(ct * p(ov, *vals), ct)
            masked.add(id(a))
            _accumulate(adj, owned, id(a), g, 1.0, vals[i])
        else:
            _accumulate(adj, owned, id(a), ct, p(ov, *vals), vals[i])


def _structural(e, ct, adj, owned, nested, masked, oid):
    fn, kw, out = e[0], e[1] or {}, e[2]
    args = e[3:]
    if fn is read_variable:
        k = id(args[0])
        old = adj.get(k)
        adj[k] = ct if old is None else old + ct
        return
    vals = args if nested else [_value(a) for a in args]
    ov = out if nested else out.value
    if fn is operator.getitem:
        pairs = [(args[0], unindex(ct, np.shape(vals[0]), args[1]))]
    else:
        rule = STRUCTURAL[fn]
        kind = rule[0]
        if kind == "linear":
            cts = rule[2](ct, ov, *vals, **kw)
            pairs = []
            for i in range(len(args)) if rule[1] is None else rule[1]:
                if i < len(args):
                    a, c = args[i], cts[i]
                    if type(a) is list:
                        pairs.extend(zip(a, c))
                    else:
                        pairs.append((a, c))
        elif kind == "multilinear":
            pairs = [(a, rule[1 + i](ct, ov, *vals, **kw))
                     for i, a in enumerate(args) if type(a) is Tensor]
        else:
            pairs = [(args[0], rule[2](ct, ov, *vals, **kw))]
    mark = fn is np.where or oid in masked
    for a, g in pairs:
        if type(a) is Tensor and g is not None:
            if mark:
                masked.add(id(a))
            k = id(a)
            old = adj.get(k)
            if old is None:
                adj[k] = g
            elif type(g) is np.ndarray and owned.get(k) is old and g.shape == old.shape \
                    and g.dtype == old.dtype:
                old += g    # a buffer this sweep allocated: add in place, no new array
            else:
                adj[k] = old + g
