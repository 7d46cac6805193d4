"""The adjoint sweep of a general (array) trace, written as Python source.

Walks the Wengert list backwards from ȳ = 1 and writes, for each entry v_i and
each traced argument v_j, the update v̄_j += v̄_i · ∂v_i/∂v_j: elementwise rows
from `dualad.rules.ELEMENTWISE` (partials the forward sweep already computed are
reused), x[i] element reads gathered into a Python list ``B_j``, structural rows
as their transposes from `dualad.structural.STRUCTURAL`.  Below `np.where`, a
zero cotangent masks an infinite partial (NaN-safe where).  Scalar traces are
written by `dualad.scalaradjoint` instead; this one serves `dualad.codegen`.
"""

from __future__ import annotations

import operator
import re

import numpy as np

from .optext import BAR, fn_name
from .optext import label as _label
from .rules import ELEMENTWISE
from .structural import STRUCTURAL, basic_key
from .wengert import _is_tensor

SUM_TERMS = 16      # dense code: at most this many adjoint terms in one sum
_VB = re.compile(r"vb_m?[0-9]+")


def _tensors(args):
    for a in args:
        if type(a) is list:
            yield from (b for b in a if _is_tensor(b))
        elif _is_tensor(a):
            yield a


def adjoint(gen, lines: list, cse: dict) -> list[str]:
    """The adjoint sweep for ȳ = 1 of Generator gen; returns the input adjoints'
    expressions.  v̄_j += v̄_i ∂v_i/∂v_j, entries walked in reverse (a loop, no
    recursion); one line per term with notes, one sum per adjoint without."""
    from .codegen import name
    rec = gen.rec
    done, lists, masked, impure = set(), {}, set(), set()
    slices = {}     # v̄ of an array read by basic slices: a buffer they add into
    pending = {}    # dense code: label -> adjoint terms not yet written
    adj = {}    # label -> the name holding its adjoint so far (copies are not made)

    def add(j, expr, scalar, comment=""):
        if not scalar:
            impure.add(j)
        if not notes:     # dense: v̄_j's terms are summed in one statement (flush)
            terms = pending.get(j)
            if terms is None:
                pending[j] = [expr]
            else:
                terms.append(expr)
                if len(terms) >= SUM_TERMS:
                    flush(j)
            return
        vb = name(j, "vb")
        if comment:
            comment = f"{_label(j, BAR)} {'+' if j in done else ''}= {comment}"
        if j not in done:
            done.add(j)
            if gen.alias and _VB.fullmatch(expr):
                adj[j] = expr
                lines.append(("", f"{comment}: {vb} is {expr}"))
                return
            lines.append((f"{vb} = {expr}", comment))
        elif adj.get(j, vb) != vb:
            lines.append((f"{vb} = {adj[j]} + {expr}", comment))
        elif scalar and j not in impure:
            lines.append((f"{vb} += {expr}", comment))
        else:
            lines.append((f"{vb} = {vb} + {expr}", comment))
        adj[j] = vb

    def flush(j):
        """v̄_j = (v̄_j +) t_1 + t_2 + ..., summed left to right as the += lines are."""
        terms = pending.pop(j, None)
        if terms is None:
            return
        vb = name(j, "vb")
        if j not in done:
            done.add(j)
            if len(terms) == 1 and terms[0][:3] == "vb_" and _VB.fullmatch(terms[0]):
                adj[j] = terms[0]
                return
        else:
            terms.insert(0, adj.get(j, vb))
        lines.append((f"{vb} = {' + '.join(terms)}", ""))
        adj[j] = vb

    def finish(j):
        if j in lists:
            shape = np.shape(gen._value(j))
            add(j, f"_fromlist({lists.pop(j)}, {shape!r})", False)
        if j in slices:
            add(j, slices.pop(j), False)
        if j in pending:
            flush(j)

    label, arg, times, partial = gen.label, gen.arg, gen.times, gen.partial
    notes = gen.notes
    o = rec.label(rec.out)
    lines.append((f"{name(o, 'vb')} = 1.0", "seed: ȳ = 1"))
    done.add(o)
    adj[o] = name(o, "vb")
    entries, scal, vnames, n1 = rec.entries, gen.scalar, gen.vnames, gen.n - 1
    for j in range(len(entries), 0, -1):
        if j in pending or j in lists or j in slices:
            finish(j)
        if j not in done:
            continue
        e = entries[j - 1]
        fn, kw, out, *args = e
        ct = adj.get(j) or name(j, "vb")
        scalar = scal[j - 1]
        mask = j in masked
        gen.inline = not (mask and scalar)   # not inside `x if ct != 0 else 0.0`
        row = ELEMENTWISE.get(fn)
        if row is not None:
            fill = [arg(x) for x in args]     # labels of live values: ids are unique
            why = f"{_label(j, BAR)} ∂{_label(j)}/∂" if notes else ""
            for i, a in enumerate(args):
                k = label.get(id(a))
                if k is None or row[i + 1] is None:
                    continue
                g = times(ct, partial(e, i, cse, lines, fill, vnames[j + n1], scalar))
                if mask:    # masked at the output's shape, then summed to the argument's
                    g = f"({g} if {ct} != 0 else 0.0)" if scalar else \
                        f"np.where({ct} == 0, 0.0, {g})"
                    masked.add(k)
                if not scalar:
                    shape = np.shape(a.value)
                    if shape != np.shape(out.value):
                        g = f"_unb({g}, {shape!r})"
                # v̄_j not a float (below a sum or where: np.float64, 0-d) makes v̄_k one too
                add(k, g, scalar and j not in impure, why and why + _label(k))
            continue
        traced = [(i, a) for i, a in enumerate(args) if _is_tensor(a) and id(a) in gen.label]
        if fn is operator.getitem:
            s = gen.label[id(args[0])]
            el = gen._element(args[0], args[1])
            if el is not None:
                if s not in lists:
                    lists[s] = name(s, "B")
                    size = int(np.size(args[0].value))
                    lines.append((f"{lists[s]} = [0.0] * {size}",
                                  f"{_label(s, BAR)} by element"))
                lines.append((f"{lists[s]}[{el[0]}] += {ct}", ""))
            elif basic_key(args[1]):
                # x[a:b] += ct in place: O(size of the slice), where an _unindex term
                # builds a zeros(x.shape) for every slice (O(n²) for a loop of slices)
                if s not in slices:
                    slices[s] = name(s, "S")
                    lines.append((f"{slices[s]} = np.zeros({np.shape(args[0].value)!r})",
                                  f"{_label(s, BAR)} by slices"))
                lines.append((f"{slices[s]}[{gen.ref(args[1])}] += {ct}", ""))
            else:
                shape = np.shape(args[0].value)
                add(s, f"_unindex({ct}, {shape!r}, {gen.ref(args[1])})", False)
            if mask:
                masked.add(s)
            continue
        if fn.__name__ == "read_variable":
            continue
        rule = STRUCTURAL[fn]
        kind = rule[0]
        kws = gen.kwargs(kw, gen.const)
        rest = "".join(f", {gen.arg(a)}" for a in args)
        if kind == "linear":
            t = f"t_{j}"
            lines.append((f"{t} = {gen.func(fn, 'T', rule[2])}({ct}, {name(j)}{rest}{kws})",
                          f"transpose of {fn_name(fn)}"))
            pos = range(len(args)) if rule[1] is None else rule[1]
            for i in pos:
                if i >= len(args):
                    continue
                a = args[i]
                if type(a) is list:
                    for m, b in enumerate(a):
                        if _is_tensor(b) and id(b) in gen.label:
                            add(gen.label[id(b)], f"{t}[{i}][{m}]", False)
                elif _is_tensor(a) and id(a) in gen.label:
                    add(gen.label[id(a)], f"{t}[{i}]", False)
        elif kind == "multilinear":
            for i, a in traced:
                f = gen.func(fn, f"T{i}", rule[1 + i])
                add(gen.label[id(a)], f"{f}({ct}, {name(j)}{rest}{kws})", False)
        else:
            f = gen.func(fn, "V", rule[2])
            if traced and traced[0][0] == 0:
                add(gen.label[id(args[0])], f"{f}({ct}, {name(j)}{rest}{kws})", False)
        if fn is np.where or mask:
            masked.update(gen.label[id(b)] for b in _tensors(args) if id(b) in gen.label)
    results = []
    # a scalar line may hold an np.float64 (np.sin of where's 0-d result): then every
    # scalar adjoint is made a Python float, as the other engines return
    floats = all(type(e[2].value) is float for e in rec.entries)
    for k in range(1 - gen.n, 1):
        finish(k)
        v = gen._value(k)
        if k not in done:
            results.append("0.0" if np.ndim(v) == 0 else f"np.zeros({np.shape(v)!r})")
        elif np.ndim(v) == 0:
            results.append(adj[k] if k not in impure and floats else f"float({adj[k]})")
        else:
            results.append(f"_garray({adj[k]}, {np.shape(v)!r})")
    return results
