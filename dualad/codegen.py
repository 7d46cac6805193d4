"""Python source from a recorded Wengert list: forward sweep, tangent sweep, adjoint sweep.

`generate(record, kind, safe)` writes one function, kind "value", "gradient" or
"jvp", one line per entry, named as in Baydin's tables (v_{-1} -> ``v_m1``,
its tangent ``vd_m1``, its adjoint ``vb_m1``) with the operation as a comment.

Code comes only from the trace and from whitelisted text: the templates below
(keyed by primitive), identifiers we make up, literals of finite numbers and
ints, and names of table functions checked to be what NumPy calls them.
Everything else the trace holds (arrays, odd constants, keys, rule functions)
is passed to the code by reference (``_C[k]``, ``_F[k]``), never as text.

Scalar lines (every value a float) use the bare ufunc names, which the
namespace binds to `math` functions (fast) or to the NumPy ufuncs (``safe``:
NumPy's nan/inf instead of math's exceptions); array lines call ``np.*``.
Partials that are not a plain name are computed once into ``d_k`` and reused
(common subexpressions): in `gradient` the adjoint sweep reuses the forward
sweep's values (``vb_m1 = vb_2 * v_0``), in `jvp` the tangent sweep does.
The adjoint sweep's lines are written by `dualad.arrayadjoint`.

What gets compiled is the dense form (``notes=False``): no comments, each adjoint
one sum statement, partials named where first used; fewer statements, the same
numbers (CPython's compile costs ~4-6 µs a statement).  Scalar traces (scalar
lines and element reads x[i], the long ones) are written by `dualad.scalarcode`
instead: values used once written where used, dead values dropped, a handful of
statements in all; the same float operations again.
"""

from __future__ import annotations

import math
import operator
import re

import numpy as np

from . import arrayadjoint, scalarcode, scalarplan
from .float_rules import python_power
from .optext import const_text, fn_name, label, op_text
from .rules import ELEMENTWISE, PRIMAL_ONLY
from .scalarplan import fill_partial
from .structural import STRUCTURAL
from .wengert import Record, _is_tensor

ONE, NEG = "1", "-1"
DIV = "/"           # partial 1/x: the update is ct / x
INFIX = {np.add: "{0} + {1}", np.subtract: "{0} - {1}", np.multiply: "{0} * {1}",
         np.divide: "{0} / {1}", np.true_divide: "{0} / {1}", np.negative: "-{0}",
         np.positive: "+{0}", np.square: "{0} * {0}"}
# ∂out/∂arg_i: ONE, NEG, (DIV, x) or an expression; "@" is "" (scalar line) or "np."
PARTIAL = {
    np.add: (ONE, ONE), np.subtract: (ONE, NEG), np.multiply: ("{1}", "{0}"),
    np.divide: ((DIV, "{1}"), "-{o} / {1}"), np.true_divide: ((DIV, "{1}"), "-{o} / {1}"),
    np.negative: (NEG,), np.positive: (ONE,), np.square: ("2.0 * {0}",),
    np.power: ("{1} * @power({0}, {1} - 1)", None),
    np.sqrt: ("0.5 / {o}",), np.reciprocal: ("-{o} * {o}",),
    np.cbrt: ("1.0 / (3.0 * {o} * {o})",),
    # (np.exp2: the table's partial, finite past 2ˣ's overflow at 1024)
    np.exp: ("{o}",), np.expm1: ("@exp({0})",),
    np.log: ((DIV, "{0}"),), np.log1p: ((DIV, "({0} + 1.0)"),),
    np.log2: ((DIV, "({0} * 0.6931471805599453)"),),
    np.log10: ((DIV, "({0} * 2.302585092994046)"),),
    np.sin: ("@cos({0})",), np.cos: ("-@sin({0})",), np.tan: ("1.0 + {o} * {o}",),
    np.arcsin: ((DIV, "(@sqrt(1.0 - {0}) * @sqrt(1.0 + {0}))"),),
    np.arccos: ("-1.0 / (@sqrt(1.0 - {0}) * @sqrt(1.0 + {0}))",),
    np.arctan: ((DIV, "(1.0 + {0} * {0})"),),
    np.arctan2: ("{1} / ({1} * {1} + {0} * {0})", "-{0} / ({1} * {1} + {0} * {0})"),
    np.hypot: ("{0} / {o}", "{1} / {o}"),
    np.sinh: ("@cosh({0})",), np.cosh: ("@sinh({0})",),
    # (tanh: the table's r·r, r = 1/cosh x, is for higher orders; first order only here,
    # where 4e/(1 + e)² is as close and math.exp never overflows: no safe-code detour)
    np.tanh: ("4.0 * @exp(-2.0 * abs({0})) / (1.0 + @exp(-2.0 * abs({0}))) ** 2",),
    np.arcsinh: ((DIV, "@hypot({0}, 1.0)"),),
    np.arccosh: ((DIV, "(@sqrt({0} - 1.0) * @sqrt({0} + 1.0))"),),
    np.arctanh: ((DIV, "((1.0 - {0}) * (1.0 + {0}))"),),
}


def _pow(x, y, _pow=math.pow):
    """x ** y in the fast code: math.pow, C's pow as Python's ** and np.float64's are,
    inf and nan included ((-inf) ** 0.5 is inf); where it raises (complex, overflow,
    0 ** -1) the safe code answers."""
    return _pow(x, y)


def pow_safe(x, y):
    """x ** y in the NumPy-semantics code, whose scalars are np.float64: as f's ** on
    floats computed it (`float_rules.python_power`), an np.float64 as the rest (a float
    made x ** 2 / 0.0 after it Python's ZeroDivisionError, not NumPy's inf)."""
    return np.float64(python_power(float(x), float(y)))


# bare names of scalar lines in the fast namespace (the rest are NumPy ufuncs)
MATH = {"sin": math.sin, "cos": math.cos, "tan": math.tan, "arcsin": math.asin,
        "arccos": math.acos, "arctan": math.atan, "arctan2": math.atan2, "hypot": math.hypot,
        "sinh": math.sinh, "cosh": math.cosh, "tanh": math.tanh, "arcsinh": math.asinh,
        "arccosh": math.acosh, "arctanh": math.atanh, "exp": math.exp, "expm1": math.expm1,
        "log": math.log, "log1p": math.log1p, "log2": math.log2, "log10": math.log10,
        "sqrt": math.sqrt, "power": _pow, "absolute": abs, "fabs": math.fabs}
# math functions whose results may differ from NumPy's in the last bits (sqrt and abs
# are exact in both): a value a guard reads is computed with NumPy instead (`_cone`)
# (power: x ** y on floats is Python's power, math.pow's bits, in f and on the tape)
INEXACT = frozenset(MATH) - {"sqrt", "absolute", "fabs", "power"}
_UNARY = (np.negative, np.positive, np.square)    # INFIX rows of one argument


class ZeroDivisor(float):
    """A constant 0 that a scalar line divides by: passed by reference (``_C[k]``), a
    float in the fast code (math semantics: ZeroDivisionError, then the safe code) and
    np.float64 in the safe code, so ``1.0 / _C[k]`` is inf with NumPy semantics where
    the literal ``1.0 / 0.0`` raised even there (`Generator._scalar_lines` marks them:
    on array lines NumPy divides)."""

    __slots__ = ()


_FLOATED: dict = {}     # NumPy function -> its `floated` wrapper


def floated(fn):
    """fn with a Python float result: a scalar line's ufunc or partial without a math
    version (np.maximum on floats gives np.float64); the safe code takes fn itself."""
    w = _FLOATED.get(fn)
    if w is None:
        def w(*args):
            return float(fn(*args))
        w.numpy_fn = fn
        _FLOATED[fn] = w
    return w


def scalar_fn(fn):
    """What a scalar line's bare name fn.__name__ is bound to: math's version or fn
    `floated`."""
    return MATH.get(fn.__name__) or floated(fn)


def scalar_call(gen, fn, j: int) -> str:
    """The name a scalar line v_j = fn(...) calls (bound in gen.names): fn.__name__,
    math's version; fn.__name__ + "_np", NumPy's (`floated`), if a guard reads v_j
    (math's exp may differ from NumPy's, which f calls, by an ulp: a decision near a
    tie would differ from f's)."""
    f = fn.__name__
    if gen.exact and j in gen.exact:
        f += "_np"
        if f not in gen.names:
            gen.names[f] = floated(fn)
    elif f not in gen.names:
        gen.names[f] = scalar_fn(fn)
    return f


ALIAS_ABOVE = 400
CMP = {operator.lt: "<", operator.le: "<=", operator.gt: ">", operator.ge: ">=",
       operator.eq: "==", operator.ne: "!="}
_ATOM = re.compile(r"^-?[A-Za-z_][A-Za-z0-9_]*$|^-?[0-9.]+(e[-+]?[0-9]+)?$")


def name(i: int, prefix: str = "v") -> str:
    """v_m1 for v_{-1}, v_3 for v_3; prefix vd (tangent) or vb (adjoint)."""
    return f"{prefix}_m{-i}" if i < 0 else f"{prefix}_{i}"


def _np_name(fn) -> str | None:
    """'np.sum' if that is how NumPy names fn (a whitelisted table function), else None."""
    n = getattr(fn, "__name__", "")
    if re.fullmatch(r"[a-z_][a-z0-9_]*", n) and getattr(np, n, None) is fn:
        return f"np.{n}"
    return None


def _scalar(x) -> bool:
    return type(x) is float or isinstance(x, (float, int, np.floating, np.integer)) and \
        not isinstance(x, bool)


_TEMPLATES: dict = {}   # (fn, i, scalar line) -> (kind, (format text, names it calls))


def _template(fn, i: int, scalar: bool):
    """The PARTIAL row of ∂fn/∂arg_i ready to format: kind ONE, NEG, DIV, "" (an
    expression) or None (no template: the table's partial function is called)."""
    row = PARTIAL.get(fn)
    p = row[i] if row is not None and i < len(row) else None
    if p is None or p in (ONE, NEG):
        return p, None
    kind, p = (DIV, p[1]) if type(p) is tuple else ("", p)
    return kind, (p.replace("@", "" if scalar else "np."),
                  tuple(re.findall(r"@(\w+)\(", p)) if scalar else ())


class Generator:
    """Writes the functions of one trace; `names` is the namespace the code needs."""

    def __init__(self, rec: Record):
        self.rec = rec
        self.refs: list = []            # _C[k]: constants passed by reference
        self._ref_ids: dict = {}
        self.names: dict = {}           # namespace entries for functions
        self.checked: dict = {}         # id(array a guard computed) -> its c_k name
        self.notes = True               # write the comments
        self.inline = True              # dense code may name a partial where first used
        self.n = len(rec.inputs)
        self.label = rec.index
        self.zero_divisors = False      # x / 0 on a scalar line (`ZeroDivisor`)
        # scalar element reads x[i] of an array value: source label -> True
        self.reads = {}
        self._vnames = None
        self.elements = {}              # label of an element read -> (flat, index)
        self.scalar = self._scalar_lines(rec.entries)
        self.exact = _cone(self)
        # long traces: an adjoint that is a copy of another is not copied (fewer lines)
        self.alias = len(rec.entries) > ALIAS_ABOVE
        self.dense = True           # scalar traces: dualad.scalarcode's programs
        self._plan = None

    @property
    def vnames(self) -> list:
        """v_m1, v_0, v_1, ...: the names of the inputs and entries (listed when first
        asked: the programs of scalar traces name only a few values)."""
        if self._vnames is None:
            self._vnames = [f"v_m{k}" for k in range(self.n - 1, 0, -1)] + \
                [f"v_{j}" for j in range(len(self.rec.entries) + 1)]
        return self._vnames

    # -- text for values ------------------------------------------------------
    def ref(self, x) -> str:
        k = self._ref_ids.get(id(x))
        if k is None:
            k = self._ref_ids[id(x)] = len(self.refs)
            self.refs.append(x)
        return f"_C[{k}]"

    def const(self, x) -> str:
        if x is None or type(x) is bool:
            return repr(x)
        if type(x) is ZeroDivisor:
            return self.ref(x)
        if isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_)):
            return repr(int(x))
        if isinstance(x, (float, np.floating)) and math.isfinite(x):
            return repr(float(x))
        if type(x) is tuple and all(type(y) is int for y in x):
            return repr(x)
        return self.ref(x)

    def arg(self, a, prefix="v") -> str:
        i = self.label.get(id(a))     # labelled values are alive: their ids are theirs
        if i is not None:
            return self.vnames[i + self.n - 1] if prefix == "v" else name(i, prefix)
        if _is_tensor(a):
            i = self.label.get(id(a))
            return self.const(a.value) if i is None else name(i, prefix)
        if type(a) is list:
            return "[" + ", ".join(self.arg(b, prefix) for b in a) + "]"
        if id(a) in self.checked:
            return self.checked[id(a)]
        return self.const(a)

    def zero(self, a) -> str:
        """The zero tangent of a constant argument."""
        shape = np.shape(a)
        return "0.0" if shape == () else f"np.zeros({shape!r})"

    def tangent_arg(self, a) -> str:
        if _is_tensor(a) and id(a) in self.label:
            return name(self.label[id(a)], "vd")
        if _is_tensor(a):
            return self.zero(a.value)
        if type(a) is list:
            return "[" + ", ".join(self.tangent_arg(b) for b in a) + "]"
        return self.zero(a)

    def func(self, fn, prefix: str, obj=None) -> str:
        """A namespace name bound to obj (default fn), e.g. T_sum, J_max, np.sum."""
        obj = fn if obj is None else obj
        if prefix == "np":
            n = _np_name(fn)
            if n is not None:
                return n
            prefix = "F"
        base = f"{prefix}_{fn_name(fn)}"
        key, k = base, 1
        while key in self.names and self.names[key] is not obj:
            k += 1
            key = f"{base}{k}"
        self.names[key] = obj
        return key

    def key(self, key) -> str:
        def one(k):
            if isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_)):
                return str(int(k))
            if k is None:
                return "None"
            if k is Ellipsis:
                return "..."
            if isinstance(k, slice) and all(p is None or type(p) is int
                                            for p in (k.start, k.stop, k.step)):
                s = ["" if p is None else str(p) for p in (k.start, k.stop, k.step)]
                return ":".join(s[:2]) if k.step is None else ":".join(s)
            return None
        parts = [one(k) for k in key] if type(key) is tuple else [one(key)]
        if any(p is None for p in parts) or type(key) is tuple and not key:
            return self.ref(key)
        return ", ".join(parts) + ("," if type(key) is tuple and len(key) == 1 else "")

    def _element(self, x, key):
        """The flat index of x[key] if key picks one element by ints, else None."""
        v = x.value
        shape = v.shape if type(v) is np.ndarray else np.shape(v)
        if type(key) is int and len(shape) == 1:    # x[i] of a vector
            k = key % shape[0]
            return k, (k,)
        ks = key if type(key) is tuple else (key,)
        if not shape or len(ks) != len(shape) or not all(
                isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_))
                for k in ks):
            return None
        idx = tuple(int(k) % n for k, n in zip(ks, shape))
        return int(np.ravel_multi_index(idx, shape)), idx

    @staticmethod
    def kwargs(kw, const) -> str:
        return "".join(f", {k}={const(v)}" for k, v in (kw or {}).items())

    # -- lines ------------------------------------------------------------------
    def scalar_line(self, e) -> bool:
        """Every value of this entry is a float: bare (math) names."""
        return self.scalar[self.label[id(e[2])] - 1]

    def _scalar_lines(self, entries) -> list[bool]:
        """Per entry: elementwise with every value a float (a scalar line); element
        reads x[i] go to self.elements and self.reads, the indices (label + n - 1) of a
        scalar line's arguments to self.argrefs (None: a constant).  One plain loop."""
        from reverse.tensor import Tensor
        label, flags, getitem, f64 = self.label, [], operator.getitem, np.float64
        div, tdiv = np.divide, np.true_divide
        get, n1 = label.get, self.n - 1
        self.argrefs = argrefs = [None] * len(entries)
        for j, e in enumerate(entries):
            fn = e[0]
            if fn not in ELEMENTWISE:
                flags.append(False)
                if fn is getitem:
                    el = self._element(e[3], e[4])
                    if el is not None:
                        self.elements[j + 1] = el
                        self.reads[label[id(e[3])]] = True
                continue
            v = e[2].value
            ok = type(v) is f64 or type(v) is float or _scalar(v)
            if ok and len(e) == 5:      # x ∘ y of two traced floats: the common case
                ka, kb = get(id(e[3])), get(id(e[4]))
                if ka is not None and kb is not None:
                    ta, tb = type(e[3].value), type(e[4].value)
                    if (ta is f64 or ta is float) and (tb is f64 or tb is float):
                        argrefs[j] = (ka + n1, kb + n1)
                        flags.append(True)
                        continue
            elif ok and len(e) == 4:    # f(x) of a traced float
                ka = get(id(e[3]))
                if ka is not None:
                    ta = type(e[3].value)
                    if ta is f64 or ta is float:
                        argrefs[j] = (ka + n1,)
                        flags.append(True)
                        continue
            if ok:
                refs = []
                for a in e[3:]:
                    k = get(id(a))
                    if k is not None:
                        refs.append(k + n1)
                        a = a.value
                    else:
                        refs.append(None)
                        if type(a) is Tensor or _is_tensor(a):
                            a = a.value
                    t = type(a)
                    if t is not f64 and t is not float and not _scalar(a):
                        ok = False
                        break
                else:       # a tuple: the GC stops tracking it (no lists kept per entry)
                    argrefs[j] = (refs[0],) if len(refs) == 1 else \
                        (refs[0], refs[1]) if len(refs) == 2 else tuple(refs)
                    if refs[-1] is None and (fn is div or fn is tdiv) and len(refs) == 2 \
                            and a == 0:     # x / 0 (a: the divisor's value)
                        entries[j] = (*e[:4], ZeroDivisor(a))
                        self.zero_divisors = True
            flags.append(ok)
        return flags

    def value_expr(self, e) -> str:
        fn, kw, out, *args = e
        if fn is operator.getitem:
            el = self._element(args[0], args[1])
            src = self.label[id(args[0])]
            if el is not None:
                return f"{name(src, 'L')}" + "".join(f"[{i}]" for i in el[1])
            if type(args[0].value) is float:    # x[None], x[...] of a scalar held as a float
                return f"np.float64({self.arg(args[0])})[{self.key(args[1])}]"
            return f"{self.arg(args[0])}[{self.key(args[1])}]"
        if fn.__name__ == "read_variable":
            return f"{self.ref(args[0])}.value"
        a = [self.arg(x) for x in args]
        if fn in INFIX and (len(args) == 2 or fn in _UNARY):
            return INFIX[fn].format(*a)
        if fn in ELEMENTWISE:
            if self.scalar_line(e):
                n = scalar_call(self, fn, self.label[id(e[2])])
                return f"{n}({', '.join(a)})"
            return f"{self.func(fn, 'np')}({', '.join(a)})"
        return f"{self.func(fn, 'np')}({', '.join(a)}{self.kwargs(kw, self.const)})"

    def partial(self, e, i, cse: dict, lines: list, fill=None, o=None, scalar=None):
        """The partial ∂out/∂arg_i: ONE, NEG, (DIV, text) or an atom (a name or number).
        fill / o / scalar: the arguments' and the output's text and whether the line
        is scalar, if the caller has them."""
        fn = e[0]
        if scalar is None:
            scalar = self.scalar_line(e)
        tpl = _TEMPLATES.get((fn, i, scalar))
        if tpl is None:
            tpl = _TEMPLATES[(fn, i, scalar)] = _template(fn, i, scalar)
        kind, text = tpl
        if kind in (ONE, NEG):
            return kind
        if fill is None:
            fill = [self.arg(x) for x in e[3:]]
            o = self.arg(e[2])
        names = self.names
        if kind is None:
            p = ELEMENTWISE[fn][i + 1]
            f = self.func(fn, f"P{i}", floated(p) if scalar else p)
            text = f"{f}({o}, {', '.join(fill)})"
        else:
            for n in text[1]:
                if n not in names:
                    names[n] = MATH.get(n) or getattr(np, n)
            text = fill_partial(text[0], fill, o)
        if _ATOM.match(text) or text[0] == "(" and _ATOM.match(text[1:-1]):
            text = text.strip("()")
        else:
            d = cse.get(text)
            if d is None:
                d = cse[text] = f"d_{len(cse) + 1}"
                if not self.notes and self.inline:    # dense: named where first used
                    text = f"({d} := {text})"
                    return (DIV, text) if kind is DIV else text
                why = self._why(e, i) if self.notes else ""
                lines.append((f"{d} = {text}", f"1/{why}" if kind is DIV and why else why))
            text = d
        return (DIV, text) if kind is DIV else text

    def _why(self, e, i) -> str:
        a = e[3 + i]
        return f"∂{_label(self.label[id(e[2])])}/∂{_label(self.label[id(a)])}"

    @staticmethod
    def times(ct: str, p) -> str:
        if p == ONE:
            return ct
        if p == NEG:
            return f"-{ct}"
        if type(p) is tuple:
            return f"{ct} / {p[1]}"
        return f"{ct} * {p}"

    # -- the sweeps -----------------------------------------------------------------
    def tangent_expr(self, e, cse, lines) -> str:
        fn, kw, out, *args = e
        shape = np.shape(out.value)
        zero = "0.0" if shape == () else f"np.zeros({shape!r})"
        if fn is operator.getitem:
            el = self._element(args[0], args[1])
            if el is not None:
                return name(self.label[id(args[0])], "Ld") + "".join(f"[{i}]" for i in el[1])
            if type(args[0].value) is float:
                return f"np.float64({self.tangent_arg(args[0])})[{self.key(args[1])}]"
            return f"{self.tangent_arg(args[0])}[{self.key(args[1])}]"
        if fn.__name__ == "read_variable":
            return zero
        traced = [i for i, a in enumerate(args) if _is_tensor(a) and id(a) in self.label]
        if fn in ELEMENTWISE:
            terms = []
            for i in traced:
                if ELEMENTWISE[fn][i + 1] is None:
                    continue
                p = self.partial(e, i, cse, lines)
                terms.append(self.times(self.tangent_arg(args[i]), p))
            if not terms:
                return zero
            text = " + ".join(terms).replace("+ -", "- ")
            if not self.scalar_line(e) and any(np.shape(args[i].value) != shape
                                               for i in traced):
                text = f"np.broadcast_to({text}, {shape!r})"
            return text
        rule = STRUCTURAL[fn]
        kind = rule[0]
        kws = self.kwargs(kw, self.const)
        if kind == "linear":
            pos = range(len(args)) if rule[1] is None else rule[1]
            parts = [self.tangent_arg(a) if i in pos else self.arg(a) for i, a in enumerate(args)]
            return f"{self.func(fn, 'np')}({', '.join(parts)}{kws})"
        if kind == "multilinear":
            terms = []
            for i in traced:
                parts = [self.tangent_arg(a) if k == i else self.arg(a)
                         for k, a in enumerate(args)]
                terms.append(f"{self.func(fn, 'np')}({', '.join(parts)}{kws})")
            return " + ".join(terms) or zero
        f = self.func(fn, "J", rule[1])
        rest = "".join(f", {self.arg(a)}" for a in args)
        return f"{f}({self.tangent_arg(args[0])}, {self.arg(out)}{rest}{kws})"

    def check_lines(self, chk, k: int, lines: list) -> None:
        _, fn, result, args, kw = chk
        a = [self.arg(x) for x in args]
        if fn in CMP:
            expr = f"{a[0]} {CMP[fn]} {a[1]}"
        elif fn is bool:
            expr = f"bool({a[0]})"
        else:
            expr = f"{self.func(fn, 'np')}({', '.join(a)}{self.kwargs(kw, self.const)})"
        if isinstance(result, (bool, np.bool_)):
            lines.append((f"if {'not ' if result else ''}{expr}: _miss()",
                          f"guard: traced with ({expr}) {bool(result)}"))
        elif _scalar(result) and math.isfinite(result):
            lines.append((f"if {expr} != {self.const(result)}: _miss()", "guard"))
        elif isinstance(result, np.ndarray):
            c = f"c_{k}"
            lines.append((f"{c} = {expr}", "compared (recomputed, then checked)"))
            lines.append((f"if not _same({c}, {self.ref(result)}): _miss()", "guard"))
            self.checked[id(result)] = c
        else:
            lines.append((f"if not _same({expr}, {self.ref(result)}): _miss()", "guard"))

    def forward(self, lines: list, jvp: bool, cse: dict) -> None:
        rec = self.rec
        notes = self.notes
        checks = sorted(enumerate(rec.checks, 1), key=lambda c: c[1][0])
        ci = 0
        entries, scal, vnames, n1 = rec.entries, self.scalar, self.vnames, self.n - 1
        arg = self.arg
        for j in range(1 - self.n, len(rec.entries) + 1):
            if j > 0:
                e = entries[j - 1]
                comment = f"{_label(j)} = {op_text(e[0], e[1], e[3:], self._text)}" \
                    if notes else ""
                if scal[j - 1]:       # floats only: infix or a bare (math) name
                    fn = e[0]
                    a = [arg(x) for x in e[3:]]
                    fmt = INFIX.get(fn)
                    if fmt is not None and (len(a) == 2 or fn in _UNARY):
                        rhs = fmt.format(*a)
                    else:
                        rhs = f"{scalar_call(self, fn, j)}({', '.join(a)})"
                else:
                    rhs = self.value_expr(e)
                lines.append((f"{vnames[j + n1]} = {rhs}", comment))
                if jvp:
                    t = self.tangent_expr(e, cse, lines)
                    lines.append((f"{name(j, 'vd')} = {t}", ""))
            if self.reads.get(j):
                lines.append((f"{name(j, 'L')} = _tolist({name(j)})", "elements as floats"))
                if jvp:
                    lines.append((f"{name(j, 'Ld')} = _tolist({name(j, 'vd')})", ""))
            while ci < len(checks) and checks[ci][1][0] <= j:
                self.check_lines(checks[ci][1], checks[ci][0], lines)
                ci += 1

    def _text(self, a) -> str:
        i = self.label.get(id(a)) if _is_tensor(a) else None
        return const_text(a) if i is None else _label(i)

    def adjoint(self, lines: list, cse: dict) -> list[str]:
        """The adjoint sweep for ȳ = 1 (`dualad.arrayadjoint`); the input adjoints."""
        return arrayadjoint.adjoint(self, lines, cse)

    def _value(self, j):
        rec = self.rec
        return rec.inputs[j + self.n - 1].value if j <= 0 else rec.entries[j - 1][2].value

    # -- whole functions ------------------------------------------------------------------
    def source(self, kind: str, safe: bool = False, notes: bool = True) -> str:
        """The source of one function: kind "value", "gradient" or "jvp".  notes=False:
        the same computation, denser (what gets compiled: fewer statements are
        cheaper to write and to compile): no comments, each adjoint v̄_j one sum
        statement v̄_j = t_1 + t_2 + ... (summed in the order of the += lines), a
        partial named where first used (``vb_3 * (d_1 := cos(v_3))``).  Scalar traces'
        programs come from `dualad.scalarcode` (fewer statements still)."""
        if not notes and self.dense:
            if self._plan is None:
                self._plan = scalarplan.plan(self) or False
            if self._plan:
                return scalarcode.source(self, self._plan, kind, safe)
        rec = self.rec
        self.notes = notes
        params = [name(i) for i in range(1 - self.n, 1)]
        if kind == "jvp":
            params += [name(i, "vd") for i in range(1 - self.n, 1)]
        lines = [("", "arguments as traced (else: re-trace)")]
        for i in range(1 - self.n, 1):
            v, p = self._value(i), name(i)
            if np.ndim(v) == 0:
                lines.append((f"if type({p}) is not float: _miss()", ""))
                if safe:
                    lines.append((f"{p} = _f64({p})", "NumPy semantics: nan/inf, no exceptions"))
            else:
                lines.append((f"if type({p}) is not _ndarray or {p}.shape != {np.shape(v)!r} "
                              f"or {p}.dtype != _f8: _miss()", ""))
        read = tuple({id(e[3]): e[3] for e in rec.entries
                      if e[0].__name__ == "read_variable"}.values())
        if read:    # the Variables read: a tape recording them would lose them
            lines.append((f"if _tapes.stack: _taped({self.ref(read)})",
                          "a float would cut a recording tape"))
        self.checked = {}
        cse: dict = {}
        lines.append(("", "forward sweep" + (" with tangents" if kind == "jvp" else "")))
        self.forward(lines, kind == "jvp", cse)
        o = rec.label(rec.out)
        if o is None:
            y = self.const(rec.out)
        else:
            y = name(o)
            ov = self._value(o)
            # a float: a scalar line below an array operation (np.sum(x) / 2.0) computes
            # an np.float64
            if np.ndim(ov) == 0 and o > 0:
                y = f"_plain({y})"
        if kind == "value":
            ret = y
        elif kind == "jvp":
            shape = np.shape(rec.out.value if o is not None else rec.out)
            if o is None:
                t = "0.0" if shape == () else f"np.zeros({shape!r})"
            else:
                t = name(o, "vd")
                t = f"_plain({t})" if shape == () and y.startswith("_plain") else \
                    (t if shape == () else f"_garray({t}, {shape!r})")
            ret = f"{y}, {t}"
        else:
            lines.append(("", "adjoint sweep"))
            results = self.adjoint(lines, cse) if o is not None else [
                "0.0" if np.ndim(self._value(k)) == 0 else f"np.zeros({np.shape(self._value(k))!r})"
                for k in range(1 - self.n, 1)]
            ret = ", ".join(results)
        lines.append((f"return {ret}", ""))
        if not notes:
            lines = _define_before_use(lines)
        return _render(kind, params, lines, safe, notes)


_label = label


# steps and selections: an ulp in their input can move their output by a whole step
# (sign(tanh(x) − c) was 1 for 0, math.tanh being an ulp off), as a guard's decision
STEPS = frozenset({u for u, row in ELEMENTWISE.items() if all(p is None for p in row[1:])}
                  | PRIMAL_ONLY | {np.maximum, np.minimum, np.fmax, np.fmin})


def _cone(gen) -> set | None:
    """The labels of the scalar lines computed with an INEXACT math function that a
    guard or a step (STEPS) reads, directly or through other values: they are computed
    with NumPy, as f computes them, so every guard decides and every step steps as in f
    (bit for bit); None when there is neither.  One loop, last entry first."""
    from .wengert import _flat
    label, entries, scal = gen.label, gen.rec.entries, gen.scalar
    need = bytearray(len(entries) + 1)
    seeds = [c[3] for c in gen.rec.checks] + [e[3:] for e in entries if e[0] in STEPS]
    if not seeds:
        return None
    for args in seeds:
        for a in _flat(args):
            k = label.get(id(a))
            if k is not None and k > 0:
                need[k] = 1
    exact = set()
    for j in range(len(entries), 0, -1):
        if not need[j]:
            continue
        e = entries[j - 1]
        if scal[j - 1] and e[0].__name__ in INEXACT:
            exact.add(j)
        for a in _flat(e[3:]):
            k = label.get(id(a))
            if k is not None and k > 0:
                need[k] = 1
    return exact


_WALRUS = re.compile(r"\((d_\d+) := ")
_PARTIAL_NAME = re.compile(r"\bd_\d+\b")


def _define_before_use(lines: list) -> list:
    """Dense code names a shared partial where it was first written, ``(d_2 := _C[3])``;
    the adjoint sweep may then order a statement that reads d_2 before that one (an
    UnboundLocalError: np.cross compiled).  Such a definition becomes a statement of
    its own in front of the first read, on the same line (line numbers stay those of
    the commented text; the read may sit in a masked `... if ct != 0 else 0.0`)."""
    where, first_read = {}, {}      # name -> its definition's line, its first line
    for i, (code, _) in enumerate(lines):
        for m in _WALRUS.finditer(code):
            where.setdefault(m.group(1), i)
        for name in _PARTIAL_NAME.findall(code):
            first_read.setdefault(name, i)
    if not where:
        return lines
    lines = list(lines)
    for name, i in where.items():      # (one pass each: a search per line and name
        first = first_read[name]        # was quadratic, 40 s for 10⁴ array operations)
        if first >= i:
            continue
        code = lines[i][0]
        start = code.index(f"({name} := ")
        depth, end = 0, start
        for end in range(start, len(code)):     # the walrus's closing parenthesis
            depth += {"(": 1, ")": -1}.get(code[end], 0)
            if depth == 0:
                break
        lines[i] = (code[:start] + name + code[end + 1:], lines[i][1])
        definition = code[start + 1:end].replace(":=", "=", 1)
        lines[first] = (f"{definition}; {lines[first][0]}", lines[first][1])
        for read in _PARTIAL_NAME.findall(definition):     # now read on line `first`
            if first < first_read[read]:
                first_read[read] = first
    return lines


def _render(kind: str, params: list, lines: list, safe: bool, notes: bool = True) -> str:
    ind = "    " if safe else "        "
    out = [f"def {kind}({', '.join(params)}):"]
    if not safe:
        out.append("    try:")
    if not notes:   # the same line numbers as the commented text
        out += [ind + code if code else "" for code, _ in lines]
        lines = ()
    for code, comment in lines:
        if not code:
            out.append(f"{ind}# {comment}")
        elif comment:
            out.append(f"{ind}{code:<34}  # {comment}")
        else:
            out.append(f"{ind}{code}")
    if not safe:
        out.append("    except _FAIL:  # a math domain error or a guard: NumPy semantics, re-trace")
        out.append(f"        return _fallback({kind!r}, {', '.join(params)})")
    return "\n".join(out) + "\n"
