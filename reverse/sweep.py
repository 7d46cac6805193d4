"""The backward sweep: v̄_j += v̄_i · ∂φ_i/∂v_j, walking the tape in reverse.

Elementwise entries send ``unbroadcast(ct · ∂ᵢ(out, *args), shape of argᵢ)``
to each traced input, with ∂ᵢ from ``dualad.rules.ELEMENTWISE``; structural
entries use ``dualad.structural.STRUCTURAL`` (the transpose of a linear
function, transpose_i of a multilinear one, the vjp of a custom one);
indexing sends ``unindex(ct, shape, key)``; a `read_variable` entry sends ct
to its Variable.  ``None`` is the zero cotangent and is skipped.

Adjoints are held in a dict keyed by the Tensor itself (Tensors hash by
identity), owned by the sweep, never stored on the nodes.  `sweep` is
`reverse.pullback.sweep_by_table` (the reference: every entry through its table
row) plus fast paths, each bit for bit what the table gives:

- scalar + - * / with the rows' partials inlined (1, 1; 1, -1; y, x; 1/y, -out/y);
- scalar unary ufuncs call their row's partial directly, in its math version
  (forward mode's numbers, `dualad.float_rules.float_partial`);
- ``x[i]`` of a small 1-d array with a scalar cotangent accumulates into a
  Python list (one float add, no NumPy scalar indexing), made an array when
  anything else meets it.

Rule bodies use only operators and np.*, so the values may be dualad.Dual
(forward-over-reverse) or, with ``nested=True``, the Tensors themselves: then
every cotangent operation is recorded by the tapes still recording (nested
tapes give higher derivatives).
"""

from __future__ import annotations

import operator
from math import cos as _cos
from sys import getrefcount as _getrefcount

import numpy as np

from dualad.float_rules import FLOAT_ERRORS, FLOAT_VERSION
from dualad.rules import ELEMENTWISE

from . import pullback as P
from .tensor import Tensor

f64 = np.float64
tensor = Tensor
rows = ELEMENTWISE
versions = FLOAT_VERSION
ADD, SUB, MUL, DIV, SUM, GETITEM = np.add, np.subtract, np.multiply, np.divide, np.sum, \
    operator.getitem
entry, add = P.entry, P.add
LOG, SIN, COS, ROLL = np.log, np.sin, np.cos, np.roll
MAXIMUM, MINIMUM = np.maximum, np.minimum
_OK = frozenset((float, f64, int, np.ndarray, type(None)))   # values a scalar ct suits
_LIST_MAX = 1 << 16     # x[i] adjoints of arrays up to this size go through a Python list


_END = object()


def sweep(entries, adj: dict, keep=None, nested: bool = False, release: bool = False,
          strong: bool = False, masked: set | None = None) -> dict:
    """sweep(entries, adj, keep, nested, release) -> {Tensor: ct} for the produced
    Tensors in keep.

    adj maps Tensor -> cotangent, seeded at the targets; on return it holds the
    adjoints of the Tensors no entry produced (watched sources, Variables).
    release=True empties `entries` as it goes (a private, one-use tape): each
    entry is dropped once swept, so an intermediate nobody else holds is freed
    then, and the sweep's own arrays reuse its memory (fewer page faults).
    strong=True: the table's sweep with a zero cotangent entry contributing 0 through
    any partial (`pullback.EVERYTHING`), for a Jacobian row that came out non-finite.
    masked: the Tensors below an np.where so far, carried from sweep to sweep when
    entries are swept one call each (`dualad.trace`'s running adjoints)."""
    if nested or strong:
        return P.sweep_by_table(entries, adj, keep or frozenset(), nested, strong)
    if release:
        entries.insert(0, _END)
        order = iter(entries.pop, _END)
    else:
        order = reversed(entries)
    kept = {}
    if masked is None:
        masked = set()
    owned = {}      # Tensor -> adjoint buffer the sweep allocated (safe to add into)
    listed = []     # Tensors whose adjoint is (or was) a Python list
    pop = adj.pop
    get = adj.get
    if not keep:
        keep = None
    for e in order:
        out = e[2]
        ct = pop(out, None)
        if ct is None:
            continue
        tc = type(ct)
        if keep is not None and out in keep:
            if tc is list:
                ct = np.array(ct)
                tc = np.ndarray
            elif tc is P.Elements:
                ct = ct.dense()
                tc = type(ct)
            if (tc is float or tc is f64) and type(out.value) is np.ndarray:
                kept[out] = _full(out.value.shape, ct)
            else:
                kept[out] = ct
        if (tc is float or tc is f64) and not masked:
            fn = e[0]
            if fn is GETITEM:
                x = e[3]
                key = e[4]
                lst = get(x)
                if type(lst) is list and type(key) is int:
                    lst[key] += ct
                    continue
                if type(key) is int and type(x) is tensor:
                    if lst is None:
                        v = x.value
                        if type(v) is np.ndarray and v.ndim == 1 and v.size <= _LIST_MAX:
                            lst = adj[x] = [0.0] * v.size
                            lst[key] = 0.0 + ct
                            listed.append(x)
                            continue
                entry(e, ct, adj, owned, False, masked)
                continue
            if fn is MUL or fn is ADD or fn is SUB or fn is DIV:   # always (fn, kw, out, a, b)
                a = e[3]
                b = e[4]
                ta = type(a) is tensor
                tb = type(b) is tensor
                av = a.value if ta else a
                bv = b.value if tb else b
                t = type(av)
                u = type(bv)
                # float ∘ float/int, or int constant ∘ float Tensor
                if (t is float or t is f64) and (u is float or u is f64 or u is int) or \
                        t is int and not ta and (u is float or u is f64):
                    if ta:
                        if fn is MUL:
                            g = ct * bv
                        elif fn is DIV:
                            g = ct * (1.0 / bv) if bv else ct * (1.0 / f64(bv))
                        else:
                            g = ct
                        old = get(a)
                        adj[a] = g if old is None else old + g
                    if tb:
                        if fn is MUL:
                            g = ct * av
                        elif fn is ADD:
                            g = ct
                        elif fn is SUB:
                            g = ct * -1.0
                        else:
                            g = ct * (-out.value / bv) if bv else \
                                ct * (-out.value / f64(bv))
                        old = get(b)
                        adj[b] = g if old is None else old + g
                    continue
            elif len(e) == 4:
                a = e[3]
                if type(a) is tensor:
                    av = a.value
                    t = type(av)
                    if t is float or t is f64:
                        # log and sin: their rows' partials inlined (1/x, math.cos(x))
                        if fn is LOG and av:
                            g = ct * (1.0 / av)
                            old = get(a)
                            adj[a] = g if old is None else old + g
                            continue
                        if fn is SIN:
                            try:
                                g = ct * _cos(av)
                            except ValueError:      # cos(±inf): NumPy's nan
                                g = ct * COS(f64(av))
                            old = get(a)
                            adj[a] = g if old is None else old + g
                            continue
                        row = rows.get(fn)
                        if row is not None:
                            p = row[1]
                            if p is None:
                                continue
                            # the partial's math version, as forward mode (and
                            # float_rules.float_partial) computes it; where math raises
                            # (log'(0)) or on first use, the table's general case
                            fast = versions.get(p)
                            if fast is not None:
                                try:
                                    g = ct * fast(out.value, av)
                                except FLOAT_ERRORS:
                                    entry(e, ct, adj, owned, False, masked)
                                    continue
                                old = get(a)
                                adj[a] = g if old is None else old + g
                                continue
                            entry(e, ct, adj, owned, False, masked)   # makes the version
                            continue
        elif tc is list:
            ct = np.array(ct)
            tc = np.ndarray
        elif tc is P.Elements:      # traced x[i] cotangents (Duals), stacked
            ct = ct.dense()
            tc = type(ct)
        if not masked:
            fn = e[0]
            row = rows.get(fn)
            if row is not None and len(e) < 6:
                array_entry(e, fn, row, ct, tc, out, adj, owned)
                continue
            if fn is ROLL and len(e) == 5 and e[1] is None and type(e[4]) is int:
                # roll(x, s) on a vector: its transpose added straight into x̄ (no copy)
                x = e[3]
                if type(x) is tensor and type(x.value) is np.ndarray and x.value.ndim == 1:
                    if tc is float or tc is f64:
                        add(adj, owned, x, ct, False)
                        continue
                    if tc is np.ndarray and ct.shape == x.value.shape and ct.size:
                        _roll_into(adj, owned, x, ct, e[4])
                        continue
            if fn is SUM and e[1] is None and (tc is float or tc is f64) and len(e) == 4:
                # sum(x): x-bar += ct everywhere, kept as the one number ct (a broadcast)
                a = e[3]
                if type(a) is tensor and type(a.value) is np.ndarray:
                    add(adj, owned, a, ct, False)
                    continue
        if (tc is float or tc is f64) and type(out.value) is np.ndarray:
            ct = _full(out.value.shape, ct)
        entry(e, ct, adj, owned, False, masked)
    for x in listed:
        v = get(x)
        if type(v) is list:
            adj[x] = np.array(v)
    if owned:
        P.dense_all(adj, owned, kept)
    return kept


def _borrow(adj, owned, x, v):
    """x̄ += v for an operand's value v (no copy); if v itself became x̄, the sweep's
    end (`pullback.dense_all`) copies it unless it was added to meanwhile."""
    P.add(adj, owned, x, v, False)
    if adj.get(x) is v:
        owned.setdefault(P.BORROWED, []).append((x, v))


def _roll_into(adj, owned, x, ct, shift):
    """x̄ += roll(ct, -shift) for vectors, as the table's two slices (same sums)."""
    s = shift % ct.shape[0]
    old = P.adjoint(adj, x)
    if old is not None and owned.get(x) is old and type(old) is np.ndarray \
            and old.shape == ct.shape:
        n = ct.shape[0] - s
        old[:n] += ct[s:]
        old[n:] += ct[:s]
    else:
        P.add(adj, owned, x, np.concatenate((ct[s:], ct[:s])), True)


def _full(shape, c):
    """The array a scalar cotangent c stands for."""
    a = np.empty(shape)
    a.fill(c)
    return a


def _scaled(ct, p, temp):
    """(ct · p, fresh) for a scalar ct and a partial p (a scalar or an out-shaped array).
    ct == 1.0 multiplies nothing (1.0 · p is p, bit for bit); a partial the rule just
    made (temp: nothing else refers to it) is scaled in place."""
    if type(p) is not np.ndarray:
        return ct * p, False
    if ct == 1.0:
        return p, temp
    if temp:
        p *= ct
        return p, True
    return ct * p, True


def array_entry(e, fn, row, ct, tc, out, adj, owned):
    """An elementwise entry off the scalar lanes: the row's partials, accumulated in
    place into buffers the sweep owns.  A scalar ct for an array output (a broadcast,
    see np.sum in `sweep`) stays a scalar while every argument has the output's shape."""
    ov = out.value
    a = e[3]
    ta = type(a) is Tensor
    av = a.value if ta else a
    if len(e) == 5:
        b = e[4]
        tb = type(b) is Tensor
        bv = b.value if tb else b
    else:
        b = bv = None
        tb = False
    if (tc is float or tc is f64) and type(ov) is np.ndarray:
        shape = ov.shape
        # Tensor arguments shaped like the output; constants numbers or so shaped
        if (type(av) is not np.ndarray if ta else type(av) not in _OK) or \
                (type(bv) is not np.ndarray if tb else type(bv) not in _OK) or \
                (type(av) is np.ndarray and av.shape != shape) or \
                (type(bv) is np.ndarray and bv.shape != shape):
            ct = _full(shape, ct)
            tc = np.ndarray
        else:
            # partials are scalars or out-shaped: no unbroadcast, ct stays a number
            if fn is ADD or fn is SUB:      # partials 1, ±1
                if ta:
                    P.add(adj, owned, a, ct, False)
                if tb:
                    P.add(adj, owned, b, ct if fn is ADD else ct * -1.0, False)
                return
            if fn is MUL:                   # partials y, x (1.0 · v is v, bit for bit)
                # (only a float64 v: an int or bool constant, x * (x > 0), would make the
                # adjoint int or bool, where True + True is True)
                if ta:
                    if ct == 1.0 and type(bv) is np.ndarray and bv.dtype == f64:
                        _borrow(adj, owned, a, bv)
                    else:
                        P.add(adj, owned, a, ct * P.primal(bv), type(bv) is np.ndarray)
                if tb:
                    if ct == 1.0 and type(av) is np.ndarray and av.dtype == f64:
                        _borrow(adj, owned, b, av)
                    else:
                        P.add(adj, owned, b, ct * P.primal(av), type(av) is np.ndarray)
                return
            pa = P.primal(av)
            if b is None:
                if ta and row[1] is not None:
                    p = row[1](ov, pa)
                    g, fresh = _scaled(ct, p, type(p) is np.ndarray and
                                       _getrefcount(p) == 2 and p.base is None)
                    P.add(adj, owned, a, g, fresh)
                return
            pb = P.primal(bv)
            if ta and row[1] is not None:
                p = row[1](ov, pa, pb)
                g, fresh = _scaled(ct, p, type(p) is np.ndarray and
                                   _getrefcount(p) == 2 and p.base is None)
                P.add(adj, owned, a, g, fresh)
            if tb and row[2] is not None:
                p = row[2](ov, pa, pb)
                g, fresh = _scaled(ct, p, type(p) is np.ndarray and
                                   _getrefcount(p) == 2 and p.base is None)
                P.add(adj, owned, b, g, fresh)
            return
    ov = P.primal(ov)
    if b is None:
        if ta and row[1] is not None:
            P.accumulate(adj, owned, a, ct, row[1](ov, P.primal(av)), av)
        return
    pa = P.primal(av)
    pb = P.primal(bv)
    if (fn is MAXIMUM or fn is MINIMUM) and tc is np.ndarray:
        # no ties: the partial (x > y) + 0.5 (x == y) is the mask x > y
        # (ct times a bool is ct times 1.0 / 0.0, bit for bit)
        eq = pa == pb
        if type(eq) is np.ndarray and not eq.any():
            owned.pop(out, None)
            del eq
            if ta:
                m = pa > pb if fn is MAXIMUM else pa < pb
                if not tb and ct.shape == m.shape and ct.base is None \
                        and _getrefcount(ct) <= 3:
                    np.multiply(ct, m, out=ct)  # a private buffer: in place
                    P.add(adj, owned, a, P._fit(ct, av), True)
                else:
                    P.add(adj, owned, a, P._fit(ct * m, av), True)
            if tb:
                m = pb > pa if fn is MAXIMUM else pb < pa
                P.add(adj, owned, b, P._fit(ct * m, bv), True)
            return
    if ta and row[1] is not None:
        P.accumulate(adj, owned, a, ct, row[1](ov, pa, pb), av)
    if tb and row[2] is not None:
        P.accumulate(adj, owned, b, ct, row[2](ov, pa, pb), bv)


def dense(entries, adj: dict, keep=frozenset(), masked: set | None = None) -> dict:
    """`sweep`, then every adjoint in adj as a full array where its value is one (a
    scalar cotangent of an array stands for a broadcast): what `dualad.trace` prints.
    The kept adjoints `sweep` returns are full already."""
    kept = sweep(entries, adj, keep, masked=masked)
    for t, ct in adj.items():
        if type(t.value) is np.ndarray and (type(ct) is float or type(ct) is f64):
            adj[t] = _full(t.value.shape, ct)
    return kept
