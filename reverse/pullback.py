"""The general cases of the backward sweep, and `sweep_by_table`, the reference sweep.

Adjoints live in a dict keyed by the `Tensor` (or `Variable`) itself: Tensors
hash by identity.  Every function here reads the partials of the shared tables
(``dualad.rules.ELEMENTWISE``, ``dualad.structural.STRUCTURAL``); `reverse.sweep`
adds fast paths for the common scalar and array cases, each of which must give
bit for bit what `sweep_by_table` gives (tests/test_reverse_fast.py checks it).

While the fast sweep accumulates ``x[i]`` adjoints of a small 1-d array it
holds them in a Python list (adj[x] is a list); `adjoint` turns it into an
array wherever a general case meets one.

NaN-safe np.where: the branch np.where did not choose receives a zero
cotangent; below it (and only there) a zero cotangent times an infinite or
NaN partial gives 0, so that branch's singular derivative does not leak.
"""

from __future__ import annotations

import operator
from sys import getrefcount as _getrefcount

import numpy as np

from dualad.dual import Dual, _strong_product
from dualad.float_rules import numpy_scalar, partial_at
from dualad.forward import plain_array
from dualad.rules import ELEMENTWISE
from dualad.structural import STRUCTURAL, basic_key, unbroadcast, unindex
from dualad.taylor import Taylor

from .tape import read_variable
from .tensor import Tensor, without_dual_levels

_SCALARS = (float, np.float64)
_getitem = operator.getitem
_array = np.array


class Elements(list):
    """x̄ of an array x while its x[key] cotangents arrive one at a time as traced
    values (Tensors an outer tape records, or Duals in forward-over-reverse): for
    x[i] with an int i, row i's sum so far (None: nothing yet); for any other key,
    (key, ct) in `pieces`; `base`: x̄ before the first (or None).  `dense` makes it
    one traced np.stack (rows) and one unindex (pieces) per array, where an unindex
    per entry would build a zeros(x.shape) each time (O(n²) time and memory for a
    loop over x)."""

    __slots__ = ("shape", "pieces", "base")

    def __init__(self, shape, base=None):
        super().__init__([None] * shape[0])
        self.shape = shape
        self.pieces = []
        self.base = base

    def dense(self):
        shape = self.shape
        total = self.base
        if self.pieces:
            total = _plus(total, _scatter(self.pieces, shape))
        if total is None or any(c is not None for c in self):
            zero = 0.0 if len(shape) == 1 else np.zeros(shape[1:])
            total = _plus(total, np.stack([zero if c is None else c for c in self]))
        return total


def _plus(a, b):
    return b if a is None else a + b


def _scatter(pieces, shape):
    """The array of `shape` that is zeros plus each ct at its key: one traced unindex of
    the pieces raveled and concatenated (0-d ones stacked), at their flat positions."""
    at = np.arange(int(np.prod(shape))).reshape(shape)
    keys, cts = [], []
    for key, ct in pieces:
        k = at[key]
        if np.shape(ct) != np.shape(k):
            ct = np.broadcast_to(ct, np.shape(k))
        keys.append(np.ravel(k))
        cts.append(ct)
    if all(np.ndim(c) == 0 for c in cts):
        flat = np.stack(cts)
    else:
        flat = np.concatenate([c if np.ndim(c) == 1 else np.ravel(c) for c in cts])
    return np.reshape(unindex(flat, (at.size,), np.concatenate(keys)), shape)


PENDING = object()      # owned[PENDING]: the Tensors whose adjoint is an Elements
BORROWED = object()     # owned[BORROWED]: (Tensor, array) whose adjoint is that very array,
                        # an operand's value taken as is (x · y with a unit cotangent)


def dense_all(adj, owned, kept=None) -> None:
    """End of a sweep: each pending Elements adjoint made its stacked array, and each
    adjoint still borrowed from an operand's value a copy of it (returned to the
    caller, it would share memory with a constant or an argument of f)."""
    for x in owned.pop(PENDING, ()):
        v = adj.get(x)
        if type(v) is Elements:
            adj[x] = v.dense()
    borrowed = owned.pop(BORROWED, None)
    if borrowed:    # a borrowed array may have passed on unchanged (x̄ = ȳ of y = x + z),
        # or as a view (a reshape's or a transpose's transpose): copied wherever it is
        arrays = [v for _, v in borrowed]
        for d in (adj, kept) if kept else (adj,):   # kept: the targets' adjoints returned
            for x, v in d.items():
                if type(v) is np.ndarray and _aliases(v, arrays):
                    d[x] = v.copy()


def distinct(grads: list, given=()) -> list:
    """grads with an array that shares memory with an earlier one, or with an array the
    caller gave (output_gradients), copied: x̄ and ȳ of x + y are the one array ct (or
    two reshapes of it), and an in-place edit of one gradient would change the other."""
    seen = [g for g in given if type(g) is np.ndarray]
    for i, g in enumerate(grads):
        if type(g) is np.ndarray:
            if any(np.may_share_memory(g, h) for h in seen):
                grads[i] = g = g.copy()
            seen.append(g)
    return grads


def _aliases(v, arrays) -> bool:
    """Whether array v is one of arrays or a view into one of them."""
    for b in arrays:
        if v is b or v.base is not None and np.may_share_memory(v, b):
            return True
    return False


def _value(x):
    if type(x) is Tensor:
        return x.value
    if type(x) is list:
        return [_value(y) for y in x]
    return x


primal = numpy_scalar     # a primal as the partials see it (np.float64 for a float)


def adjoint(adj, k):
    """adj[k] (None if absent), a pending x[i] list turned into its array first."""
    old = adj.get(k)
    if type(old) is list:
        old = adj[k] = _array(old)
    elif type(old) is Elements:
        old = adj[k] = old.dense()
    return old


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


def scatter(x, key, ct, adj, owned):
    """x̄[key] += ct into a buffer the sweep owns: O(size of ct), not O(size of x)."""
    buf = owned.get(x)
    old = adjoint(adj, x)
    if buf is None or old is not buf:
        shape = x.value.shape
        buf = np.zeros(shape) if old is None else np.array(np.broadcast_to(old, shape),
                                                            dtype=np.float64)
        owned[x] = adj[x] = buf
    if basic_key(key):
        buf[key] += ct
    else:
        np.add.at(buf, key, ct)


def accumulate(adj, owned, k, ct, partial, v):
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
    add(adj, owned, k, _fit(g, v), fresh)


def add(adj, owned, k, g, fresh):
    """adj[k] += g (g already shaped like k's value); fresh: g is the sweep's own array."""
    old = adj.get(k)
    if old is None:
        adj[k] = g
        if fresh and type(g) is np.ndarray:
            owned[k] = g
        return
    if type(old) is list:
        old = adj[k] = _array(old)
        owned[k] = old
    elif type(old) is Elements:
        old = adj[k] = old.dense()
    if type(g) is np.ndarray and type(old) is np.ndarray and g.shape == old.shape:
        if owned.get(k) is old:
            old += g
        elif fresh:
            g += old
            adj[k] = owned[k] = g
        else:
            total = adj[k] = old + g
            if type(total) is np.ndarray:   # 0-d + 0-d is an np.float64: not a buffer
                owned[k] = total
    else:
        adj[k] = old + g


def _masked_partial(p, ct):
    """The partial p with 0 where ct is 0 and p is not finite (sqrt' in the branch
    np.where did not take): ct·p is then 0, not 0·∞ = nan.  Masking the partial, not
    the product, keeps a traced ct's own derivative where its value is 0 but it is
    a real cotangent (the chosen branch at a minimum: reverse.hessian of
    where(a > -5, (a - 1)², 0) at 1 gave 0 for 2)."""
    return np.where((ct == 0) & ~np.isfinite(p), 0.0, p)


def _masked_product(ct, p):
    """ct·p below np.where, 0 where ct is a zero with nothing behind it: a plain 0, or a
    Dual cotangent's (reverse.hessian) part that is 0, level by level and direction by
    direction (dual.strong_zeros' product), is the branch not taken, whatever p or its
    tangent (x**1.5's at 0 is infinite); the same result whichever inputs share a
    chunk.  A Tensor ct (nested tapes) that is 0 only in value (the chosen branch at a
    minimum) keeps its derivative: only its infinite partials are masked."""
    if type(ct) is Tensor:
        return ct * _masked_partial(p, ct)
    return _strong_product(p, ct)   # per level and per direction of a Dual ct


def general(e, row, ct, adj, owned, nested, masked, out):
    """Any elementwise entry: nested (Tensor values), below np.where, or 3+ inputs."""
    ov = out if nested else primal(out.value)
    args = e[3:]
    vals = args if nested else [primal(a.value) if type(a) is Tensor else primal(a)
                                for a in args]
    mask = masked and out in masked
    for i, a in enumerate(args):
        if type(a) is not Tensor:
            continue
        p = row[i + 1]
        if p is None:
            continue
        v = a.value if nested else vals[i]
        if mask:  # below np.where: 0·∞ → 0 here, silently
            with np.errstate(all="ignore"):
                g = _masked_product(ct, _partial(p, ov, vals, nested))
            masked.add(a)
            accumulate(adj, owned, a, g, 1.0, v)
        else:
            accumulate(adj, owned, a, ct, _partial(p, ov, vals, nested), v)


def _partial(p, ov, vals, nested):
    """p at the entry's values: on Tensors when nested, else as forward mode takes it
    (`dualad.float_rules.partial_at`: the same bits on scalar code)."""
    return p(ov, *vals) if nested else partial_at(p, ov, vals)


def structural(e, ct, adj, owned, nested, masked, out):
    """A structural entry (STRUCTURAL rows, indexing, Variable reads)."""
    fn, kw = e[0], e[1] or {}
    args = e[3:]
    if fn is read_variable:
        var = args[0]
        old = adjoint(adj, var)
        adj[var] = ct if old is None else old + ct
        return
    vals = args if nested else [_value(a) for a in args]
    ov = out if nested else out.value
    if fn is _getitem:
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
    mark = fn is np.where or out in masked
    for a, g in pairs:
        if type(a) is Tensor and g is not None:
            if mark:
                masked.add(a)
            old = adjoint(adj, a)
            if old is None:
                adj[a] = g
            elif type(g) is np.ndarray and owned.get(a) is old and g.shape == old.shape \
                    and g.dtype == old.dtype:
                old += g    # a buffer this sweep allocated: add in place, no new array
            else:
                adj[a] = old + g


def _element(x, key, ct, adj, owned, nested) -> bool:
    """x̄[key] += ct into x's pending Elements (started if x has no adjoint yet, or
    nested: on any adjoint it has), for a traced ct; nested: any ct and any key of an
    array x.  False if it does not apply."""
    pending = adj.get(x)
    if type(pending) is not Elements:
        if nested:
            if not np.ndim(x.value):
                return False
            pending = Elements(np.shape(x.value), adjoint(adj, x))
            owned.pop(x, None)
        elif pending is None and type(key) is int and np.ndim(x.value) == 1 \
                and type(ct) not in _SCALARS and np.ndim(ct) == 0:
            pending = Elements(np.shape(x.value))
        else:
            return False
        adj[x] = pending
        owned.setdefault(PENDING, []).append(x)
    if type(key) is int and (nested or np.ndim(ct) == 0):
        if np.ndim(ct) != len(pending.shape) - 1:
            if not nested:
                return False
            ct = np.broadcast_to(ct, pending.shape[1:])
        old = pending[key]
        pending[key] = ct if old is None else old + ct
    elif nested:
        pending.pieces.append((key, ct))
    else:
        return False
    return True


def entry(e, ct, adj, owned, nested, masked):
    """Sweep one entry by its table row: cotangent ct of its output, into adj."""
    out = e[2]
    fn = e[0]
    row = ELEMENTWISE.get(fn)
    if row is None:
        if fn is _getitem and type(e[3]) is Tensor:
            x = e[3]
            if type(x.value) is np.ndarray and not nested and \
                    type(ct) in (float, np.float64, np.ndarray):
                scatter(x, e[4], ct, adj, owned)
                if masked and out in masked:
                    masked.add(x)
                return
            if (nested or type(e[4]) is int and np.ndim(x.value) == 1) and \
                    _element(x, e[4], ct, adj, owned, nested):
                if masked and out in masked:
                    masked.add(x)
                return
        structural(e, ct, adj, owned, nested, masked, out)
    else:
        general(e, row, ct, adj, owned, nested, masked, out)


def finite(values) -> bool:
    """Whether every entry of these cotangents is finite (a traced one: its primals)."""
    return all(v is None or bool(np.all(np.isfinite(v))) for v in values)


class _Everything:
    """The `masked` set of a strong-zero sweep: every entry is below an np.where, so a
    zero cotangent times an infinite or NaN partial gives 0 everywhere (as forward
    mode's `dualad.dual.strong_zeros`)."""

    __slots__ = ()

    def __contains__(self, _):
        return True

    def add(self, _):
        pass


EVERYTHING = _Everything()


def sweep_by_table(entries, adj: dict, keep=frozenset(), nested: bool = False,
                   strong: bool = False) -> dict:
    """The reference sweep: every entry by its table row (no fast paths).

    adj maps Tensor -> cotangent, seeded at the targets; returns {Tensor: ct} for
    the produced Tensors in keep; on return adj holds the adjoints of the Tensors
    no entry produced (watched sources, Variables).  strong: a zero cotangent
    entry contributes 0 through any partial (`EVERYTHING`)."""
    kept = {}
    masked = EVERYTHING if strong else set()
    owned = {}
    for e in reversed(entries):
        out = e[2]
        ct = adj.pop(out, None)
        if ct is None:
            continue
        if type(ct) is list:
            ct = _array(ct)
        elif type(ct) is Elements:
            ct = ct.dense()
        if out in keep:
            kept[out] = ct
        entry(e, ct, adj, owned, nested, masked)
    dense_all(adj, owned, kept)
    return kept


def _holds_masked(c) -> bool:
    """Whether a nested list/tuple holds a masked array (np.asarray drops its mask)."""
    return any(isinstance(e, np.ma.MaskedArray) or isinstance(e, (list, tuple)) and
               _holds_masked(e) for e in c)


def real_cotangent(c, what: str) -> np.ndarray:
    """c as a float64 array (a copy); a TypeError naming `what` unless it holds real
    numbers: a complex cotangent lost its imaginary part (0 for 1j), an object array
    turned None into nan, a string said "could not convert string to float".  A Dual
    or Taylor cotangent (forward mode over the pullback, as jax.jvp of a vjp) is
    returned as it is, its numbers checked: the sweep's rules run on it."""
    if type(c) is Dual or type(c) is Taylor:
        real_cotangent(without_dual_levels(c), what)
        return c
    if isinstance(c, np.ndarray):   # a masked array's hidden items would count
        c = plain_array(c, what=what)
    elif isinstance(c, (list, tuple)) and _holds_masked(c):
        raise TypeError(f"{what} holds a masked array, whose hidden items would count; "
                        "pass a plain array (x.filled(...))")
    try:
        a = np.asarray(c)
    except ValueError as e:     # a ragged list
        raise ValueError(f"{what} is not an array of numbers: {e}") from None
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{what} must hold real numbers, got {type(c).__name__} of dtype "
                        f"{a.dtype}")
    return np.array(a, dtype=np.float64)

