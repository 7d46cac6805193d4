"""The adjoint sweep of a scalar trace's gradient program (`dualad.scalarcode`).

Last entry first, each adjoint v̄_j = t_1 + t_2 + ... is summed in the order the
sweep adds its terms (as `g.source` does), then passed on as ct · ∂v_j/∂arg.  An
adjoint used once is written where it is used; one known to be ±1 (the seed ȳ = 1
and what sums pass on) is not multiplied (1.0·p is p, -1.0·p is -p exactly).  The
adjoint of an input array read element by element is one list
``_fromlist([0.0 + t + ..., ...], shape)``, each element summed as
``B[k] = 0.0; B[k] += t ...`` would.
"""

from __future__ import annotations

import numpy as np

from .scalarplan import MAX_TEXT, SUM_TERMS, join, operands, partial, sum_terms


def adjoint(gen, p, text, level, keys, cse, lines) -> list[str]:
    """The adjoint sweep's lines (appended to lines); returns the inputs' adjoints as
    text.  text/level: the forward values as the forward sweep wrote them."""
    from .codegen import NEG, ONE, name
    n, size, alias, n1 = p.n, p.size, p.alias, p.n - 1
    fns, args, parts, counts = p.fns, p.args, p.parts, p.counts
    terms = [None] * size
    terms[p.out] = ["1.0"]
    elems = {}      # input -> (element sums so far, their numbers of terms)
    for src in p.reads:
        m = int(np.prod(np.shape(gen.rec.inputs[src].value)))
        elems[src] = ([None] * m, [0] * m)
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
            s = f"({join(T)})"
        else:
            s = sum_terms(T, name(i - n1, "vb"), lines)
        if fns[i] is None:      # x[k]: B[k] = 0.0; B[k] += s, left to right
            acc, cnt = elems[args[i]]
            f = parts[i]
            c = cnt[f]
            cur = acc[f] if c else "0.0"
            if c == SUM_TERMS - 1:      # 0.0 and 15 terms: named, the sum goes on
                t = f"t_{len(lines)}"
                lines.append(f"{t} = {cur}")
                cur, c = t, 0
            acc[f] = f"{cur} - {s[1:]}" if s[0] == "-" else f"{cur} + {s}"
            cnt[f] = c + 1
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
                ct = name(i - n1, "vb")
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
                    fill = operands(refs, alias, text, level)
                    out = text[i]
                    if out is not None and level[i]:
                        out = f"({out})"
                pt = None
                if bare:
                    q = places[0]
                    pp = out if q < 0 else fill[q]
                else:
                    pp, pt = partial(i, refs, fill, out, t, cse, keys, lines)
                if pp.lstrip("-").isdigit():
                    pp += ".0"      # an int constant's partial (2 of x*2) is a float term
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
        v = gen.rec.inputs[k].value
        if np.ndim(v) == 0:
            T = terms[k]
            results.append("0.0" if T is None else sum_terms(T, name(k - n1, "vb"), lines))
            continue
        shape = np.shape(v)
        acc = elems[k][0] if k in elems else None
        if acc is None or acc.count(None) == len(acc):
            results.append(f"np.zeros({shape!r})")
            continue
        items = ", ".join(["0.0" if a is None else a for a in acc])
        results.append(f"_fromlist([{items}], {shape!r})")
    return results
