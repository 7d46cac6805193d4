"""The plan of a scalar trace: its entries as parallel lists `dualad.scalarcode` reads.

A trace is scalar when every entry is a scalar line (an elementwise operation on
floats, `dualad.codegen`) or a read x[i] of one element of an input array, and
every guard compares scalars; `plan(gen)` gives its Plan (else None: the general
code).  Each ufunc's partials come as format texts from `dualad.codegen`'s
whitelisted templates (`_templates`), with where they read (∂out/∂arg_i reads
{0}, {1}, {o}) and how they bind as operands (`_level`).  The text helpers both
sweeps use (`join`, `sum_terms`, `partial`) are here too.
"""

from __future__ import annotations

import operator
import re

import numpy as np

from .rules import ELEMENTWISE

_PH = re.compile(r"\{([01o])\}")
MAX_TEXT = 300      # longer expressions are named (nesting ≤ MAX_TEXT / 2 parentheses)
SUM_TERMS = 16      # at most this many terms in one sum (as in dualad.codegen)


class Plan:
    """The trace in the form both programs read, per index i = label + n - 1, in
    parallel lists (no object per entry for the GC to track): a scalar line has
    fns[i] its ufunc, args[i] its arguments' indices (constants as text), parts[i]
    its partials (`_templates`) and counts[i] how many are differentiable; an element
    read has fns[i] None, args[i] the input, parts[i] the flat index and counts[i]
    the index.  alias[i]: the first read of the same element (one value)."""

    __slots__ = ("n", "size", "fns", "args", "parts", "counts", "alias", "guards",
                 "reads", "out")


def plan(gen):
    """A Plan if every entry is a scalar line or an element read of an input array and
    every guard compares scalars, else None (the general code of dualad.codegen)."""
    rec = gen.rec
    o = rec.label(rec.out)
    n = gen.n
    if o is None or o < 1 or np.ndim(rec.out.value) != 0:
        return None
    from .codegen import CMP
    label, n1 = gen.label, n - 1
    size = n + len(rec.entries)
    fns, args, parts, counts = [None] * size, [None] * size, [None] * size, [None] * size
    alias = list(range(size))
    first = {}
    reads = {}      # input index -> {flat: canonical read index}
    getitem, arg, elements, get = operator.getitem, gen.arg, gen.elements, label.get
    cache, argrefs = {}, gen.argrefs
    for i, e in enumerate(rec.entries, n):
        refs = argrefs[i - n]
        if refs is not None:        # a scalar line
            fn = e[0]
            t = cache.get(fn)
            if t is None:
                t = cache[fn] = _templates(gen, fn)
            if None in refs:        # constants as text
                refs = tuple([arg(a) if r is None else r for r, a in zip(refs, e[3:])])
                counts[i] = sum(q is not None and type(r) is int for r, q in zip(refs, t))
            else:
                counts[i] = t[-1]
            fns[i], args[i], parts[i] = fn, refs, t
        elif e[0] is getitem:
            k = get(id(e[3]))
            el = elements.get(i - n1)
            if k is None or k > 0 or el is None:
                return None
            src = k + n1
            c = first.setdefault((src, el[0]), i)
            alias[i] = c
            reads.setdefault(src, {})[el[0]] = c
            args[i], parts[i], counts[i] = src, el[0], el[1]
        else:
            return None
    guards = []
    for after, fn, result, cargs, kw in rec.checks:
        if (fn not in CMP and fn is not bool) or kw or not isinstance(result, (bool, np.bool_)):
            return None
        refs = []
        for a in cargs:
            k = get(id(a))
            if k is not None and k < 1 and np.ndim(rec.inputs[k + n1].value) != 0:
                return None
            refs.append(arg(a) if k is None else k + n1)
        expr = "bool({0})" if fn is bool else "{0} " + CMP[fn] + " {1}"
        guards.append((after + n1, ("if not " if result else "if ") + expr + ": _miss()", refs))
    p = Plan()
    p.n, p.size, p.alias, p.reads, p.out = n, size, alias, reads, o + n1
    p.fns, p.args, p.parts, p.counts = fns, args, parts, counts
    guards.sort(key=lambda g: g[0])
    p.guards = guards
    return p


def _templates(gen, fn) -> tuple:
    """Per argument of fn: None (not differentiable), ONE, NEG or (div, format, places,
    bare, level): the partial's format text, its placeholders (argument positions, -1
    for out), whether it is a bare placeholder (the partial is a value itself) and how
    it binds (`_level`); then the number of differentiable arguments."""
    from .codegen import DIV, MATH, NEG, ONE, _template, floated
    row = ELEMENTWISE[fn]
    t = []
    for i in range(len(row) - 1):
        if row[i + 1] is None:
            t.append(None)
            continue
        kind, text = _template(fn, i, True)
        if kind in (ONE, NEG):
            t.append(kind)
            continue
        if kind is None:
            f = gen.func(fn, f"P{i}", floated(row[i + 1]))
            fmt = f"{f}({{o}}, " + ", ".join(f"{{{q}}}" for q in range(len(row) - 1)) + ")"
        else:
            fmt = text[0]
            for name in text[1]:
                if name not in gen.names:
                    gen.names[name] = MATH.get(name) or getattr(np, name)
        places = tuple(-1 if m == "o" else int(m) for m in _PH.findall(fmt))
        t.append((kind is DIV, fmt, places, fmt in ("{0}", "{1}", "{o}"), _level(fmt)))
    return (*t, sum(q is not None for q in t))  # last: how many are differentiable


def _level(fmt: str) -> int:
    """How fmt binds as an operand: 0 an atom, call, (...) or -atom; 1 a product or
    quotient at its top; 2 a sum or difference (placeholders are filled with atoms)."""
    depth, level = 0, 0
    for k, c in enumerate(fmt):
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif depth == 0 and c in "+-*/" and 0 < k < len(fmt) - 1 and fmt[k - 1] == " ":
            level = max(level, 2 if c in "+-" else 1)
    return level


def operands(refs, alias, text, level) -> list:
    """The operand texts of an entry: constants as they are, values through their
    alias, parenthesized unless atomic (level 0)."""
    fill = []
    for x in refs:
        if type(x) is int:
            x = alias[x]
            x = text[x] if level[x] == 0 else f"({text[x]})"
        fill.append(x)
    return fill


# partials that are exactly 0 where an argument is 0, as the engines' rule says
# (rules._pow_dx: ∂x**y/∂x is 0 for y = 0, not 0·x**-1 = nan at x = 0): format text ->
# that argument (`fill_partial`; here, where dualad.codegen's templates are filled)
ZERO_WHERE = {"{1} * power({0}, {1} - 1)": 1, "{1} * np.power({0}, {1} - 1)": 1}
_NUMBER = re.compile(r"^\(?-?[0-9.]+(e[-+]?[0-9]+)?\)?$")


def fill_partial(fmt: str, fill, o) -> str:
    """A partial's format text filled with its operands' text: where ZERO_WHERE names
    an argument, 0.0 if that argument is 0 (a literal: decided here, once)."""
    text = fmt.format(*fill, o=o)
    k = ZERO_WHERE.get(fmt)
    if k is None:
        return text
    y = fill[k]
    if _NUMBER.match(y):
        return "0.0" if float(y.strip("()")) == 0 else text
    if fmt.startswith("{1} * np."):
        return f"np.where({y} == 0, 0.0, {text})"
    return f"(0.0 if {y} == 0 else {text})"


def partial(i, refs, fill, out, t, cse, keys, lines):
    """The text of a partial that is not a bare value (t: a `_templates` entry):
    (as an operand, as a term or None); the first of several equal ones (keys
    counts them) is computed once into d_k."""
    key = (t[1], *[i if q < 0 else refs[q] for q in t[2]])
    pp = cse.get(key)
    if pp is not None:
        return pp, None
    pt = fill_partial(t[1], fill, out) if t[1] in ZERO_WHERE else t[1].format(*fill, o=out)
    if keys[key] > 1:
        pp = cse[key] = f"d_{len(cse) + 1}"
        lines.append(f"{pp} = {pt}")
        return pp, None
    return (f"({pt})" if t[4] else pt), pt


def join(terms: list, lead: str | None = None) -> str:
    """t_1 + t_2 + ..., a term -u written as - u (a + -u is a - u, -u + b is b - u:
    the same IEEE sums, one node fewer); lead: a sum the terms are added to."""
    if lead is not None:
        out, rest = lead, terms
    else:
        t = terms[0]
        rest = terms[1:]
        if t[0] == "-" and rest and rest[0][0] != "-":
            out = rest[0] + " - " + t[1:]
            rest = rest[1:]
        else:
            out = t
    for t in rest:
        out += (" - " + t[1:]) if t[0] == "-" else (" + " + t)
    return out


def sum_terms(terms: list, vb: str, lines: list) -> str:
    """t_1 + t_2 + ... as one expression, summed left to right; more than SUM_TERMS
    terms are summed into vb in statements of SUM_TERMS terms (bounded nesting)."""
    if len(terms) == 1:
        return terms[0]
    if len(terms) <= SUM_TERMS:
        return join(terms)
    lines.append(f"{vb} = {join(terms[:SUM_TERMS])}")
    for s in range(SUM_TERMS, len(terms), SUM_TERMS - 1):
        lines.append(f"{vb} = {join([vb, *terms[s:s + SUM_TERMS - 1]])}")
    return vb
