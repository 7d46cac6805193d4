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

import numpy as np

from .scalaradjoint import adjoint
from .scalarplan import MAX_TEXT, Plan, join, operands, partial

_SIGN = (np.negative, np.positive)      # -x, +x: operands without parentheses
_BINARY = {np.add: 2, np.subtract: 2, np.multiply: 1, np.divide: 1, np.true_divide: 1}
_OP = {np.add: " + ", np.subtract: " - ", np.multiply: " * ", np.divide: " / ",
       np.true_divide: " / "}


def _operand(text: list, level, i: int) -> str:
    return text[i] if level[i] == 0 else f"({text[i]})"


def source(gen, p: Plan, kind: str, safe: bool) -> str:
    """The dense program of kind "value", "gradient" or "jvp" (scalar traces)."""
    from .codegen import _render
    grad, jvp = kind == "gradient", kind == "jvp"
    uses, tuses, keys = _count(p, kind)
    lines: list = []
    cse: dict = {}
    text, level, ttext = _forward(gen, p, uses, tuses, keys, cse, jvp, lines)
    if grad:
        ret = ", ".join(adjoint(gen, p, text, level, keys, cse, lines))
    else:
        y = p.alias[p.out]      # y's value (a read: the first read of its element)
        ret = text[y]
        if jvp:
            t = ttext[y]
            ret = f"{ret}, {t}" if p.fns[y] is not None else f"_plain({ret}), _plain({t})"
        elif p.fns[y] is None:
            ret = f"_plain({ret})"
    lines.append(f"return {ret}")
    return _finish(gen, kind, lines, safe, _render)


def _count(p: Plan, kind: str):
    """Last entry first: how often each value and tangent is read (partials, guards,
    y, then the values a read value reads) and how often each partial is written."""
    n1, size, alias = p.n - 1, p.size, p.alias
    fns, args, parts = p.fns, p.args, p.parts
    grad, jvp = kind == "gradient", kind == "jvp"
    uses = [0] * size
    for _, _, refs in p.guards:
        for r in refs:
            if type(r) is int:
                uses[alias[r]] += 1
    keys: dict = {}
    y = alias[p.out]            # y's value (a read: the first read of its element)
    if not grad:
        uses[y] += 1
    tuses = [0] * size          # jvp: who reads each tangent
    tuses[y] = 1
    reached = bytearray(size)   # on a differentiable path to y (gradient, jvp)
    reached[p.out] = 1
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
                    if fns[i] is np.square:     # written x * x: read twice
                        uses[alias[r]] += 1
    return uses, tuses, keys


def _forward(gen, p: Plan, uses, tuses, keys, cse, jvp: bool, lines: list):
    """The forward sweep's lines (and tangents for jvp): each value read once is
    written where it is read, values read more often are named; returns the values'
    text and binding levels and the tangents' text."""
    from .codegen import _UNARY, INFIX, name, scalar_call, scalar_fn
    n, size, alias = p.n, p.size, p.alias
    fns, args, parts = p.fns, p.args, p.parts
    rec, n1 = gen.rec, n - 1
    ttext = tlevel = None
    text = [None] * size        # each value as an expression (its name if named) ...
    level = bytearray(size)     # ... and how it binds (_level)
    text[:n] = [name(k - n1) for k in range(n)]
    _reads(p, rec, uses, text, "v", lines)
    if jvp:
        ttext = [None] * size   # each tangent as an expression (its name if named) ...
        tlevel = bytearray(size)
        ttext[:n] = [name(k - n1, "vd") for k in range(n)]
        _reads(p, rec, tuses, ttext, "vd", lines)
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
            _tangent(i, refs, parts[i], alias, text, level, ttext, tlevel, tuses, n1,
                     (cse, keys), lines)
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
                f = scalar_call(gen, fn, i - n1) if gen.exact else fn.__name__
                if f not in names:
                    names[f] = scalar_fn(fn)
                rhs = f + "(" + ", ".join([text[alias[r]] if type(r) is int else r
                                           for r in refs]) + ")"
                lv = 0
        if u == 1 and len(rhs) <= MAX_TEXT:
            text[i] = rhs
            level[i] = lv
        else:
            text[i] = name(i - n1)
            lines.append(f"{text[i]} = {rhs}")
        if jvp and tuses[i]:    # after v_i: its partials may read it
            _tangent(i, refs, parts[i], alias, text, level, ttext, tlevel, tuses, n1,
                     (cse, keys), lines)
    for _, g, refs in guards[gi:]:
        lines.append(g.format(*[_operand(text, level, alias[r]) if type(r) is int else r
                                for r in refs]))
    return text, level, ttext


def _reads(p: Plan, rec, uses, text, prefix, lines) -> None:
    """The element reads (of values, or of tangents: prefix vd) the program uses: one
    unpacking of a 1-D input's elements, else x[i][j] (named if used twice)."""
    from .codegen import name
    n1 = p.n - 1
    for src, els in p.reads.items():
        shape = np.shape(rec.inputs[src].value)
        live = [(f, c) for f, c in els.items() if uses[c]]
        if not live:
            continue
        if len(shape) == 1 and 4 * len(live) >= shape[0]:
            targets = ["_u"] * shape[0]
            for f, c in live:
                targets[f] = text[c] = name(c - n1, prefix)
            lines.append(", ".join(targets) + f", = _tolist({name(src - n1, prefix)})")
            continue
        lst = name(src - n1, "L" if prefix == "v" else "Ld")
        lines.append(f"{lst} = _tolist({name(src - n1, prefix)})")
        for _, c in live:
            expr = lst + "".join(f"[{x}]" for x in p.counts[c])
            if uses[c] == 1:
                text[c] = expr
            else:
                text[c] = name(c - n1, prefix)
                lines.append(f"{text[c]} = {expr}")


def _tangent(i, refs, tpl, alias, text, level, ttext, tlevel, tuses, n1, memo, lines):
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
            fill = operands(refs, alias, text, level)
            out = text[i] if text[i] is None or level[i] == 0 else f"({text[i]})"
        if t[3]:
            q = t[2][0]
            pp = out if q < 0 else fill[q]
        else:
            pp = partial(i, refs, fill, out, t, *memo, lines)[0]
        terms.append(ct + (" / " if t[0] else " * ") + pp)
    if not terms:
        tx, tl = "0.0", 0
    elif len(terms) == 1:
        tx = terms[0]
        tl = 2 if lead else 0 if " " not in tx else 1
    else:
        tx, tl = join(terms[1:], terms[0]) if lead else join(terms), 2
    if tuses[i] == 1 and len(tx) <= MAX_TEXT:
        ttext[i], tlevel[i] = tx, tl
    else:
        ttext[i] = f"vd_{i - n1}"     # an entry: i > n1
        lines.append(f"{ttext[i]} = {tx}")


def _finish(gen, kind, lines, safe, render) -> str:
    rec = gen.rec
    from .codegen import name
    params = [name(k - gen.n + 1) for k in range(gen.n)]
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
        params = params + [name(k - gen.n + 1, "vd") for k in range(gen.n)]
    return render(kind, params, [(c, "") for c in head + lines], safe, False)
