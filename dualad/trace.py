"""dualad.trace: Baydin et al. 2018 Tables 2 and 3 from the recorded Wengert list.

f runs once on a reverse tape (`dualad.wengert.record`).  The tangent column is
forward mode along the seed direction, from the table partials
(v̇_i = Σ_j ∂φ_i/∂v_j · v̇_j); the adjoint column is the reverse sweep of the
same entries (v̄_j += v̄_i · ∂φ_i/∂v_j), seeded with ȳ = 1.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Callable

import numpy as np

from . import optext
from .optext import BAR, DOT, label, number
from .wengert import Record, record, tangents


class Row:
    """One value v_i of the trace: index i, op text, primal, tangent and adjoint."""

    __slots__ = ("index", "label", "op", "primal", "tangent", "tangent_op", "adjoint",
                 "args")

    def __repr__(self) -> str:
        return (f"Row({self.label} = {self.op}: primal {number(self.primal)}, tangent "
                f"{number(self.tangent)}, adjoint {number(self.adjoint)})")


def _marked(name: str, mark: str) -> str:
    """'x1' -> 'ẋ1' / 'x̄1' (the mark on the first letter)."""
    return name[0] + mark + name[1:]


def _width(s: str) -> int:
    return sum(not unicodedata.combining(c) for c in s)


def _pad(s: str, w: int) -> str:
    return s + " " * (w - _width(s))


def _column(lines) -> list[str]:
    """Align (lhs, expression, value) triples as 'lhs = expression = value'."""
    wl = max((_width(a) for a, _, _ in lines), default=0)
    we = max((_width(b) for _, b, _ in lines), default=0)
    wv = max((len(c) for _, _, c in lines), default=0)
    return [f"{_pad(a, wl)} = {_pad(b, we)} = {c.rjust(wv)}" for a, b, c in lines]


def _side_by_side(left_title, left, right_title, right, gap=4) -> str:
    left = [left_title, "-" * _width(left_title)] + left
    right = [right_title, "-" * _width(right_title)] + right
    w = max(_width(s) for s in left) + gap
    n = max(len(left), len(right))
    left += [""] * (n - len(left))
    right += [""] * (n - len(right))
    return "\n".join((_pad(a, w) + b).rstrip() for a, b in zip(left, right))


def output_name(names) -> str:
    """The output's label: y, as in the paper, unless a parameter is named y (then f,
    out, result, y_out, y_out2, ...)."""
    fixed = ("y", "f", "out", "result", "y_out")
    return next(n for n in fixed + tuple(f"y_out{k}" for k in range(2, len(names) + 3))
                if n not in names)


class Trace:
    """The evaluation trace of f at a point: `rows` (inputs v_{1-n}..v_0, then
    v_1..v_m), `value`, `tangent` (ẏ along the seed), `gradient` (x̄, shapes as
    dualad.gradient) and `adjoint_lines` (Table 3, in sweep order)."""

    def __init__(self, rec: Record, wrt, seed_text: str):
        self.record = rec
        self.names = rec.names
        self.out_name = output_name(rec.names)
        self.wrt = wrt
        self.seed_text = seed_text
        self.rows: tuple[Row, ...] = ()
        self.adjoint_lines: list[tuple[str, str, str]] = []
        self.value = self.tangent = self.gradient = None

    # -- text ------------------------------------------------------------------
    def primal_lines(self):
        lines = [(r.label, r.op, number(r.primal)) for r in self.rows]
        return lines + [(self.out_name, self._y(""), number(self.value))]

    def tangent_lines(self):
        lines = [(label(r.index, DOT), r.tangent_op, number(r.tangent)) for r in self.rows]
        return lines + [(_marked(self.out_name, DOT), self._y(DOT), number(self.tangent))]

    def _y(self, mark):
        i = self.record.label(self.record.out)
        return "constant" if i is None else label(i, mark)

    def __str__(self) -> str:
        primal = _column(self.primal_lines())
        table2 = _side_by_side("Forward primal trace", primal,
                               f"Forward tangent trace ({self.seed_text})",
                               _column(self.tangent_lines()))
        table3 = _side_by_side("Forward primal trace", primal,
                               f"Reverse adjoint trace ({_marked(self.out_name, BAR)} = 1)",
                               _column(self.adjoint_lines))
        return f"{table2}\n\n{table3}"

    def __repr__(self) -> str:
        return f"<dualad.Trace of {len(self.rows)} values; y = {number(self.value)}>"

    def _repr_html_(self) -> str:
        e = html.escape

        def table(caption, head, lines):
            body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in line) + "</tr>"
                           for line in lines)
            heads = "".join(f"<th>{e(h)}</th>" for h in head)
            return (f"<table><caption>{e(caption)}</caption><thead><tr>{heads}</tr></thead>"
                    f"<tbody>{body}</tbody></table>")
        rows = [(p[0], p[1], p[2], t[0], t[1], t[2])
                for p, t in zip(self.primal_lines(), self.tangent_lines())]
        return (table(f"Forward primal and tangent trace ({self.seed_text})",
                      ("v", "operation", "primal", "v̇", "tangent", "value"), rows)
                + table("Reverse adjoint trace", ("v̄", "update", "value"),
                        self.adjoint_lines))

    def to_dot(self) -> str:
        """trace.to_dot() -> Graphviz DOT text of the computational graph."""
        def node(i):
            return f"v_m{-i}" if i < 0 else f"v_{i}"

        def quote(s):
            return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        out = ["digraph trace {", "  rankdir=LR;", '  node [shape=box, fontname="monospace"];']
        for r in self.rows:
            text = (f"{r.label} = {r.op}\nv = {number(r.primal)}   "
                    f"v{DOT} = {number(r.tangent)}   v{BAR} = {number(r.adjoint)}")
            shape = ", shape=ellipse" if r.index <= 0 else ""
            out.append(f"  {node(r.index)} [label={quote(text)}{shape}];")
        for r in self.rows:
            for a in dict.fromkeys(r.args):
                out.append(f"  {node(a)} -> {node(r.index)};")
        i = self.record.label(self.record.out)
        if i is not None:
            out.append(f'  {self.out_name} [label="{self.out_name}", shape=plaintext];')
            out.append(f"  {node(i)} -> {self.out_name};")
        out.append("}")
        return "\n".join(out) + "\n"


def _seed(rec: Record, wrt):
    """{input position: tangent} and its text for wrt: position, name or (position, index)."""
    n = len(rec.inputs)
    element = whole = object()
    if isinstance(wrt, tuple) and len(wrt) == 2:
        wrt, element = wrt
    if isinstance(wrt, str):
        if wrt not in rec.names:
            raise ValueError(f"wrt={wrt!r} is not one of the parameters {', '.join(rec.names)}")
        pos = rec.names.index(wrt)
    elif isinstance(wrt, (int, np.integer)) and not isinstance(wrt, bool):
        pos = int(wrt)
        if not -n <= pos < n:
            raise ValueError(f"wrt={wrt} is out of range for {n} argument(s)")
        pos %= n
    else:
        raise TypeError(f"wrt must be an argument position, a parameter name or "
                        f"(position, index), not {type(wrt).__name__}")
    v = rec.args[pos]
    name = _marked(rec.names[pos], DOT)
    if element is whole:
        return {pos: 1.0 if np.ndim(v) == 0 else np.ones(np.shape(v))}, f"{name} = 1"
    shape = np.shape(v)
    key = element if isinstance(element, tuple) else (element,)
    # one element: an int per axis (a bool, None or slice seeded none or several)
    if len(key) != len(shape) or not all(
            isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_))
            and -s <= k < s for k, s in zip(key, shape)):
        raise ValueError(f"wrt index {element!r} is not one element of argument {pos} of "
                         f"shape {shape}: give {len(shape)} integer index(es)")
    t = np.zeros(shape)
    t[key] = 1.0
    return {pos: t}, f"{name}[{optext.const_text(element)}] = 1"


def trace(f: Callable, *args, wrt=0) -> Trace:
    """trace(f, *args, wrt=0) -> Trace: Baydin's evaluation trace of f at args, with
    tangents for the seed direction wrt (a position, a parameter name, or
    (position, index) for one element of an array) and adjoints for ȳ = 1."""
    from reverse.sweep import dense
    rec = record(f, *args, caller="dualad.trace")
    seeds, seed_text = _seed(rec, wrt)
    tr = Trace(rec, wrt, seed_text)
    dots = tangents(rec, seeds)
    out = rec.out
    out_id = rec.label(out)
    adj, kept = {}, {}
    if out_id is not None:
        ov = out.value
        adj = {out: 1.0 if np.ndim(ov) == 0 else np.ones(np.shape(ov))}
        kept = dense(rec.entries, adj, {e[2] for e in rec.entries})
    bars = {**kept, **adj}      # Tensor -> its adjoint

    def name(a):
        i = rec.label(a)
        return optext.const_text(a) if i is None else label(i)

    def dotname(a):
        i = rec.label(a)
        return "0" if i is None else label(i, DOT)

    rows = []
    for k, x in enumerate(rec.inputs):
        r = Row()
        r.index, r.label, r.op, r.args = k - len(rec.inputs) + 1, None, rec.names[k], ()
        r.label = label(r.index)
        r.primal, r.tangent_op = x.value, _marked(rec.names[k], DOT)
        r.tangent, r.adjoint = _zero(dots.get(id(x)), x.value), _zero(bars.get(x), x.value)
        rows.append(r)
    for j, e in enumerate(rec.entries, 1):
        fn, kw, o, *eargs = e
        r = Row()
        r.index, r.label, r.op = j, label(j), optext.op_text(fn, kw, eargs, name)
        r.primal = o.value
        r.tangent, r.adjoint = _zero(dots.get(id(o)), o.value), _zero(bars.get(o), o.value)
        r.tangent_op = optext.tangent_text(e, name, dotname)
        r.args = tuple(i for i in (rec.label(a) for a in _flat(eargs)) if i is not None)
        rows.append(r)
    tr.rows = tuple(rows)
    tr.value = out.value if out_id is not None else np.asarray(out, dtype=np.float64)[()]
    tr.tangent = dots.get(id(out)) if out_id is not None else None
    if tr.tangent is None:
        tr.tangent = 0.0 if np.ndim(tr.value) == 0 else np.zeros(np.shape(tr.value))
    grads = [_fit(bars.get(x), x.value) for x in rec.inputs]
    tr.gradient = grads[0] if len(grads) == 1 else tuple(grads)
    tr.adjoint_lines = _adjoint_lines(rec, bars, name, out_id)
    return tr


def _flat(args):
    for a in args:
        if type(a) is list:
            yield from a
        else:
            yield a


def _zero(t, v):
    """t, or zeros shaped like v for the zero tangent/adjoint None."""
    if t is not None:
        return t
    return 0.0 if np.ndim(v) == 0 else np.zeros(np.shape(v))


def _fit(ct, v):
    if ct is None:
        return 0.0 if np.ndim(v) == 0 else np.zeros(np.shape(v))
    if np.ndim(v) == 0:
        return float(np.asarray(ct))
    return np.array(np.broadcast_to(ct, np.shape(v)), dtype=np.float64)


def _adjoint_lines(rec: Record, bars: dict, name, out_id) -> list[tuple[str, str, str]]:
    """Table 3: one update per (entry, input) in sweep order, with running sums."""
    from reverse.sweep import dense

    from .rules import ELEMENTWISE
    from .wengert import _is_tensor
    lines = []
    if out_id is None:      # f ignores its inputs: each x̄ is 0 (the gradient row still shows)
        return [(_marked(rec.names[k], BAR), "0", number(_fit(None, x.value)))
                for k, x in enumerate(rec.inputs)]
    lines.append((label(out_id, BAR), _marked(output_name(rec.names), BAR),
                  number(bars.get(rec.out))))
    running = {}
    masked = set()      # below an np.where: a zero cotangent masks an infinite partial
    for e in reversed(rec.entries):
        fn, kw, o, *args = e
        ct = bars.get(o)
        if ct is None:
            continue
        i = rec.label(o)
        part = {o: ct}
        dense([e], part, masked=masked)
        seen = []
        for a in _flat(args):
            if _is_tensor(a) and rec.label(a) is not None and all(a is not b for b in seen):
                seen.append(a)
        for a in seen:
            g = part.get(a)
            if g is None:
                continue
            j = rec.label(a)
            vb = label(i, BAR)
            if fn in ELEMENTWISE:
                ps = [optext.partial_text(fn, k, args, name(o), name)
                      for k, b in enumerate(args) if b is a]
                p = ps[0] if len(ps) == 1 else "(" + " + ".join(ps) + ")"
                term = optext.times(vb, p)
            elif fn.__name__ == "getitem":
                term = f"{vb} at [{optext._key_text(args[1])}]"
            else:
                term = f"{optext.fn_name(fn)}ᵀ({vb})"
            old = running.get(id(a))
            total = g if old is None else old + g
            running[id(a)] = total
            lhs = label(j, BAR)
            lines.append((lhs, term if old is None else f"{lhs} + {term}", number(total)))
    for k, x in enumerate(rec.inputs):
        lines.append((_marked(rec.names[k], BAR), label(k - len(rec.inputs) + 1, BAR),
                      number(_fit(bars.get(x), x.value))))
    return lines
