"""The compiled programs of a scalar trace: few statements, the same float operations.

Long traces are scalar loops: every entry a float operation (a scalar line of
`dualad.codegen`) or a read x[i] of an element of an input array.  For them the
value, gradient and jvp programs are written here from use counts, so CPython's
`compile` (~4 µs a statement, ~1 µs an expression node) has less to do:

- a value (tangent, adjoint) used once is not named: its expression is written
  where it is used (v̄_8 = -cos(v_8) + v_7 goes straight into the list of v̄_0);
- values nothing reads are not computed (the gradient program computes only the
  values its partials and guards read: y itself is not returned);
- an adjoint known to be ±1 (the seed and what plain sums pass on) is not
  multiplied: 1.0·p is p and -1.0·p is -p exactly;
- the element reads of a 1-D input are one unpacking ``v_1, v_2, _u, = _tolist(v_0)``
  (each element read once; v̄ still sums each read's adjoint in sweep order), and
  the adjoint of the input one list ``_fromlist([0.0 + t + ..., ...], shape)``;
- parentheses only where Python's precedence needs them, a + -u written a - u.

Every value, tangent and adjoint is computed by the same float operations, in the
same order, as `g.source` and the general code (v̄_j = t_1 + t_2 + ... left to
right; -u + b written b - u, a + (-u) as a - u: the same IEEE results), so they
agree bit for bit (tests/test_compile.py); partials used twice are computed once
(``d_k``).  An expression of more than MAX_TEXT characters is named, which bounds
its nesting (CPython parses at most 200 nested parentheses).  The text comes from
the templates and whitelisted names of `dualad.codegen` only.
"""

from __future__ import annotations

import operator
import re

import numpy as np

from .rules import ELEMENTWISE

MAX_TEXT = 300      # longer expressions are named (nesting ≤ MAX_TEXT / 2 parentheses)
SUM_TERMS = 16      # at most this many terms in one sum (as in dualad.codegen)
_ATOM = re.compile(r"-?[A-Za-z_][A-Za-z0-9_]*|-?[0-9.]+(e[-+]?[0-9]+)?")
_PH = re.compile(r"\{([01o])\}")
_SIGN = (np.negative, np.positive)      # -x, +x: operands without parentheses
_BINARY = {np.add: 2, np.subtract: 2, np.multiply: 1, np.divide: 1, np.true_divide: 1}
_OP = {np.add: " + ", np.subtract: " - ", np.multiply: " * ", np.divide: " / ",
       np.true_divide: " / "}


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
    from .codegen import DIV, MATH, NEG, ONE, _template
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
            f = gen.func(fn, f"P{i}", row[i + 1])
            fmt = f"{f}({{o}}, " + ", ".join(f"{{{q}}}" for q in range(len(row) - 1)) + ")"
        else:
            fmt = text[0]
            for name in text[1]:
                if name not in gen.names:
                    gen.names[name] = MATH.get(name) or getattr(np, name)
        places = tuple(-1 if m == "o" else int(m) for m in _PH.findall(fmt))
        t.append((kind is DIV, fmt, places, fmt in ("{0}", "{1}", "{o}"), _level(fmt)))
    return (*t, sum(q is not None for q in t))  # last: how many are differentiable


def _plain(s: str) -> bool:
    """s needs no parentheses as an operand: a name, number, x[i][j] or -name."""
    return " " not in s and "(" not in s


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


def _operand(text: list, level, i: int) -> str:
    return text[i] if level[i] == 0 else f"({text[i]})"


def _join(terms: list, lead: str | None = None) -> str:
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


def source(gen, p: Plan, kind: str, safe: bool) -> str:
    """The dense program of kind "value", "gradient" or "jvp" (scalar traces)."""
    from .codegen import _UNARY, INFIX, MATH, NEG, ONE, _render, name
    n, size, alias, n1 = p.n, p.size, p.alias, p.n - 1
    fns, args, parts, counts = p.fns, p.args, p.parts, p.counts
    rec = gen.rec
    vnames = gen.vnames
    uses = [0] * size
    for _, _, refs in p.guards:
        for r in refs:
            if type(r) is int:
                uses[alias[r]] += 1
    grad, jvp = kind == "gradient", kind == "jvp"
    keys: dict = {}
    y = alias[p.out]            # y's value (a read: the first read of its element)
    if not grad:
        uses[y] += 1
    tuses = [0] * size          # jvp: who reads each tangent
    tuses[y] = 1
    reached = bytearray(size)   # on a differentiable path to y (gradient, jvp)
    reached[p.out] = 1
    # -- pass 1, last entry first: who reads each value (partials, then values)
    for i in range(size - 1, n1, -1):
        refs = args[i]
        if fns[i] is None:
            if reached[i]:
                reached[refs] = 1
            continue
        if reached[i] and (grad or jvp):
            for r, t in zip(refs, parts[i]):
                if t is None or type(r) is not int:
                    continue
                reached[r] = 1
                if jvp:
                    tuses[alias[r]] += 1
                if type(t) is str:
                    continue
                places = t[2]
                if not t[3]:
                    key = (t[1], *[i if q < 0 else refs[q] for q in places])
                    if key in keys:
                        keys[key] += 1
                        continue
                    keys[key] = 1
                for q in places:
                    r = i if q < 0 else refs[q]
                    if type(r) is int:
                        uses[alias[r]] += 1
        if uses[i]:
            for r in refs:
                if type(r) is int:
                    uses[alias[r]] += 1
    # -- pass 2: the code
    lines = []
    text = [None] * size        # each value as an expression (its name if named) ...
    level = bytearray(size)     # ... and how it binds (_level)
    text[:n] = vnames[:n]
    _reads(p, rec, uses, text, vnames, "v_", lines)
    if jvp:
        tnames = [x.replace("v_", "vd_", 1) for x in vnames]
        ttext = [None] * size   # each tangent as an expression (its name if named) ...
        tlevel = bytearray(size)
        ttext[:n] = tnames[:n]
        _reads(p, rec, tuses, ttext, tnames, "vd_", lines)
    cse: dict = {}

    def partial(i, refs, fill, out, t):
        """A partial that is not a bare value: (operand text, plain text or None)."""
        key = (t[1], *[i if q < 0 else refs[q] for q in t[2]])
        pp = cse.get(key)
        if pp is not None:
            return pp, None
        pt = t[1].format(*fill, o=out)
        if keys[key] > 1:
            pp = cse[key] = f"d_{len(cse) + 1}"
            lines.append(f"{pp} = {pt}")
            return pp, None
        return (f"({pt})" if t[4] else pt), pt
    guards, gi, ng = p.guards, 0, len(p.guards)
    after = guards[0][0] if guards else size
    names = gen.names
    for i in range(n, size):
        while after < i:
            _, g, refs = guards[gi]
            lines.append(g.format(*[_operand(text, level, alias[r]) if type(r) is int else r
                                    for r in refs]))
            gi += 1
            after = guards[gi][0] if gi < ng else size
        u = uses[i]
        fn = fns[i]
        if fn is None or not u and not (jvp and tuses[i]):
            continue
        refs = args[i]
        if not u:
            _tangent(i, refs, parts[i], alias, text, level, ttext, tlevel, tuses, tnames,
                     partial, lines)
            continue
        lv = _BINARY.get(fn)
        if lv is not None and len(refs) == 2:
            # a + b - c and a * b / c need no parentheses: left to right, as Python reads
            r, q = refs
            if type(r) is int:
                r = alias[r]
                a, la = text[r], level[r]
            else:
                a, la = r, 0
            if type(q) is int:
                q = alias[q]
                b, lb = text[q], level[q]
            else:
                b, lb = q, 0
            if lv == 2:
                rhs = a + _OP[fn] + (b if lb < 2 else f"({b})")
            else:
                rhs = (a if la < 2 else f"({a})") + _OP[fn] + (b if lb == 0 else f"({b})")
        else:
            fmt = INFIX.get(fn)
            if fmt is not None and (len(refs) == 2 or fn in _UNARY):
                rhs = fmt.format(*[_operand(text, level, alias[r]) if type(r) is int else r
                                   for r in refs])
                lv = 0 if fn in _SIGN else 1
            else:       # a call: its arguments need no parentheses
                f = fn.__name__
                if f not in names:
                    names[f] = MATH.get(f, fn)
                rhs = f + "(" + ", ".join([text[alias[r]] if type(r) is int else r
                                           for r in refs]) + ")"
                lv = 0
        if u == 1 and len(rhs) <= MAX_TEXT:
            text[i] = rhs
            level[i] = lv
        else:
            lines.append(f"{vnames[i]} = {rhs}")
            text[i] = vnames[i]
        if jvp and tuses[i]:    # after v_i: its partials may read it
            _tangent(i, refs, parts[i], alias, text, level, ttext, tlevel, tuses, tnames,
                     partial, lines)
    for _, g, refs in guards[gi:]:
        lines.append(g.format(*[_operand(text, level, alias[r]) if type(r) is int else r
                                for r in refs]))
    if not grad:
        ret = text[y]
        if jvp:
            t = ttext[y]
            ret = f"{ret}, {t}" if fns[y] is not None else f"_plain({ret}), _plain({t})"
        elif fns[y] is None:
            ret = f"_plain({ret})"
        lines.append(f"return {ret}")
        return _finish(gen, kind, lines, safe, _render)
    # -- the adjoint sweep: v̄_j = t_1 + t_2 + ... in the order the sweep adds them
    terms = [None] * size
    terms[p.out] = ["1.0"]
    elems = {src: {} for src in p.reads}
    for i in range(size - 1, n1, -1):
        T = terms[i]
        if T is None:
            continue
        # a sum needs parentheses as an operand; one term (x * p, x / p, -x, p) does not
        # as the left operand of * and / or the right one of +
        nt = len(T)
        if nt == 1:
            s = T[0]
        elif nt == 2:   # _join of two terms
            a, b = T
            s = f"({a} - {b[1:]})" if b[0] == "-" else f"({b} - {a[1:]})" if a[0] == "-" \
                else f"({a} + {b})"
        elif nt <= SUM_TERMS:
            s = f"({_join(T)})"
        else:
            s = _sum(T, vnames[i].replace("v_", "vb_", 1), lines)
        if fns[i] is None:
            el = elems[args[i]]
            ts = el.get(parts[i])
            if ts is None:
                el[parts[i]] = ["0.0", s]
            else:
                ts.append(s)
            continue
        refs, tpl, count = args[i], parts[i], counts[i]
        if not count:
            continue
        if s == "1.0":
            unit = 1
        elif s == "-1.0":
            unit = -1
        else:
            unit = 0
            if count > 1 and (" " in s or "(" in s) or len(s) > MAX_TEXT:
                ct = vnames[i].replace("v_", "vb_", 1)
                lines.append(f"{ct} = {s[1:-1] if nt > 1 else s}")
                s = ct
            neg = "-" + s if nt > 1 or " " not in s else f"-({s})"
        fill = None
        for r, t in zip(refs, tpl):
            if t is None or type(r) is not int:
                continue
            if t is ONE:
                term = s
            elif t is NEG:
                term = neg if not unit else "-1.0" if unit > 0 else "1.0"
            else:
                div, fmt, places, bare, lvl = t
                if fill is None:
                    fill = []
                    for x in refs:
                        if type(x) is int:
                            x = alias[x]
                            x = text[x] if level[x] == 0 else f"({text[x]})"
                        fill.append(x)
                    out = text[i]
                    if out is not None and level[i]:
                        out = f"({out})"
                pt = None
                if bare:
                    q = places[0]
                    pp = out if q < 0 else fill[q]
                else:
                    pp, pt = partial(i, refs, fill, out, t)
                if div:
                    term = (s + " / " if not unit else "1.0 / " if unit > 0 else "-1.0 / ") + pp
                elif not unit:
                    term = s + " * " + pp
                elif unit > 0:      # 1.0 * p is p: the partial itself is the term
                    term = pt if pt is not None and lvl < 2 else pp
                else:
                    term = "-" + pp
            lst = terms[r]
            if lst is None:
                terms[r] = [term]
            else:
                lst.append(term)
    results = []
    for k in range(n):
        v = rec.inputs[k].value
        if np.ndim(v) == 0:
            T = terms[k]
            results.append("0.0" if T is None else _sum(T, name(k - n1, "vb"), lines))
            continue
        shape = np.shape(v)
        els = elems.get(k)
        if not els:
            results.append(f"np.zeros({shape!r})")
            continue
        items = ["0.0"] * int(np.prod(shape))
        for f, ts in els.items():
            items[f] = _sum(ts, f"t_{len(lines)}", lines)
        results.append(f"_fromlist([{', '.join(items)}], {shape!r})")
    lines.append(f"return {', '.join(results)}")
    return _finish(gen, kind, lines, safe, _render)


def _reads(p: Plan, rec, uses, text, names, prefix, lines) -> None:
    """The element reads (of values, or of tangents: prefix vd_) the program uses: one
    unpacking of a 1-D input's elements, else x[i][j] (named if used twice)."""
    for src, els in p.reads.items():
        shape = np.shape(rec.inputs[src].value)
        live = [(f, c) for f, c in els.items() if uses[c]]
        if not live:
            continue
        if len(shape) == 1 and 4 * len(live) >= shape[0]:
            targets = ["_u"] * shape[0]
            for f, c in live:
                targets[f] = text[c] = names[c]
            lines.append(", ".join(targets) + f", = _tolist({names[src]})")
            continue
        lst = ("L_" if prefix == "v_" else "Ld_") + names[src][len(prefix):]
        lines.append(f"{lst} = _tolist({names[src]})")
        for _, c in live:
            expr = lst + "".join(f"[{x}]" for x in p.counts[c])
            if uses[c] == 1:
                text[c] = expr
            else:
                lines.append(f"{names[c]} = {expr}")
                text[c] = names[c]


def _tangent(i, refs, tpl, alias, text, level, ttext, tlevel, tuses, tnames, partial, lines):
    """v̇_i = Σ v̇_arg · ∂v_i/∂arg over the differentiable arguments, in their order
    (as dualad.codegen's tangent sweep writes it)."""
    terms = []
    fill = None
    lead = False        # the first term is a sum written without parentheses
    for r, t in zip(refs, tpl):
        if t is None or type(r) is not int:
            continue
        a = alias[r]
        if t == "1" and not terms:      # (a + b) + c is a + b + c
            terms.append(ttext[a])
            lead = tlevel[a] == 2
            continue
        ct = ttext[a] if tlevel[a] < 2 else f"({ttext[a]})"
        if t in ("1", "-1"):
            terms.append(ct if t == "1" else "-" + (ct if tlevel[a] == 0 else f"({ct})"))
            continue
        if fill is None:
            fill = []
            for x in refs:
                if type(x) is int:
                    x = alias[x]
                    x = text[x] if level[x] == 0 else f"({text[x]})"
                fill.append(x)
            out = text[i] if text[i] is None or level[i] == 0 else f"({text[i]})"
        if t[3]:
            q = t[2][0]
            pp = out if q < 0 else fill[q]
        else:
            pp = partial(i, refs, fill, out, t)[0]
        terms.append(ct + (" / " if t[0] else " * ") + pp)
    if not terms:
        tx, tl = "0.0", 0
    elif len(terms) == 1:
        tx = terms[0]
        tl = 2 if lead else 0 if " " not in tx else 1
    else:
        tx, tl = _join(terms[1:], terms[0]) if lead else _join(terms), 2
    if tuses[i] == 1 and len(tx) <= MAX_TEXT:
        ttext[i], tlevel[i] = tx, tl
    else:
        lines.append(f"{tnames[i]} = {tx}")
        ttext[i] = tnames[i]


def _sum(terms: list, vb: str, lines: list) -> str:
    """t_1 + t_2 + ... as one expression, summed left to right; more than SUM_TERMS
    terms are summed into vb in statements of SUM_TERMS terms (bounded nesting)."""
    if len(terms) == 1:
        return terms[0]
    if len(terms) <= SUM_TERMS:
        return _join(terms)
    lines.append(f"{vb} = {_join(terms[:SUM_TERMS])}")
    for s in range(SUM_TERMS, len(terms), SUM_TERMS - 1):
        lines.append(f"{vb} = {_join([vb, *terms[s:s + SUM_TERMS - 1]])}")
    return vb


def _finish(gen, kind, lines, safe, render) -> str:
    rec = gen.rec
    params = gen.vnames[:gen.n]
    head = []
    for i, p in enumerate(params):
        v = rec.inputs[i].value
        if np.ndim(v) == 0:
            head.append(f"if type({p}) is not float: _miss()")
            if safe:
                head.append(f"{p} = _f64({p})")
        else:
            head.append(f"if type({p}) is not _ndarray or {p}.shape != {np.shape(v)!r} "
                        f"or {p}.dtype != _f8: _miss()")
    if kind == "jvp":
        params = params + [x.replace("v_", "vd_", 1) for x in params]
    return render(kind, params, [(c, "") for c in head + lines], safe, False)
