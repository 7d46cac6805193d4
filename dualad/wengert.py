"""The Wengert list of one call, read from the reverse tape (Baydin et al. 2018).

record(f, *args) runs f once on `reverse.Tensor` inputs a private tape
watches; the tape's entries ``(fn, kwargs, out, *args)`` (format:
`reverse.tape`) are the elementary operations v_i = φ_i(v_j, ...) in
evaluation order.  Inputs are numbered v_{1-n} .. v_0, entries v_1 .. v_m.

Entries are numbered level by level, as in the paper's tables (level k reads
only values of lower levels): a stable topological order of the tape, so both
sweeps may run in it.

Comparisons made on traced values while f runs (``x > 0``, ``bool(x)``,
``np.greater(x, y)``, ``np.argmax(x)``, ...) are kept in ``record.checks`` as
``(after, fn, result, args, kwargs)`` (after: the index of the last value they read):
`dualad.compile` turns them into guards.

Constant arrays f reads (closed-over arrays, index arrays, masks) are copied
when the call ends: the record is f as it was at this call, whatever later
happens to those arrays.

`tangent(entry, dots)` is forward mode on one entry, from the table partials:
v̇ = Σ_j ∂φ/∂v_j · v̇_j (elementwise rows), φ(v̇) for linear structural rows.
"""

from __future__ import annotations

import contextlib
import inspect
import itertools
import operator

import numpy as np

from .dual import _strong_product
from .float_rules import partial_at
from .forward import TracedOutputError, check_arg
from .rules import ELEMENTWISE
from .structural import STRUCTURAL

_OUT = operator.itemgetter(2)     # an entry's output: (fn, kwargs, out, *args)


@contextlib.contextmanager
def _observing(observer):
    """Report decisions on Tensors made in this thread (comparisons, bool(),
    primal-only functions) to observer(fn, result, args, kwargs) while f runs."""
    from reverse.tape import state
    prev = state.observer
    state.observer = observer
    try:
        yield
    finally:
        state.observer = prev


def positional_names(f, n: int) -> list[str] | None:
    """The names of f's first n positional parameters, *rest's as rest0, rest1, ...
    (fewer when f takes fewer); None when f has no signature to read."""
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        return None
    names = []
    for p in params:
        if p.kind is p.VAR_POSITIONAL:
            names += [f"{p.name}{i}" for i in range(n - len(names))]
            break
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
    return names[:n]


def parameter_names(f, n: int) -> tuple[str, ...]:
    """Display names of f's n inputs: its parameter names if plain ASCII identifiers
    (so they are safe in text), *rest's as rest0, rest1, ... (as check and symbolic
    name them), else x1 .. xn."""
    names = getattr(f, "names", None)
    if names is None:
        names = positional_names(f, n) or []
    names = [str(x) for x in names][:n]
    if len(names) < n or len(set(names)) < n or not all(safe_name(x) for x in names):
        return tuple(f"x{i + 1}" for i in range(n))
    return tuple(names)


def safe_name(name) -> bool:
    return type(name) is str and 0 < len(name) <= 40 and name.isascii() and \
        name.isidentifier() and not name.startswith("_")


class Record:
    """The Wengert list of one call: inputs, entries, output and observed checks."""

    __slots__ = ("f", "names", "inputs", "entries", "out", "checks", "index", "args")

    def label(self, x) -> int | None:
        """The Baydin index i of value x (v_i), or None for a constant."""
        return self.index.get(id(x)) if _is_tensor(x) else None


_TENSOR = []


def _is_tensor(x) -> bool:
    if not _TENSOR:
        from reverse.tensor import Tensor
        _TENSOR.append(Tensor)
    return isinstance(x, _TENSOR[0])


def record(f, *args, caller: str = "dualad.compile") -> Record:
    """record(f, *args) -> Record: f evaluated once on Tensors a private tape records
    (caller: the API function the errors name)."""
    import reverse
    from reverse.functional import check_output
    from reverse.tape import EVERY
    from reverse.tensor import Tensor
    if not callable(f):
        raise TypeError(f"expected a function, got {type(f).__name__}")
    if not args:
        raise TypeError("needs at least one argument to evaluate f at")
    vals = []
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            raise TypeError(f"argument {i} is a reverse.Tensor; pass its value (x.numpy())")
        v = check_arg(a, i)
        if not isinstance(v, (float, np.ndarray)):
            raise TypeError(f"argument {i} has type {type(a).__name__}; pass floats or "
                            "NumPy float arrays")
        vals.append(v)
    tape = reverse.Tape(persistent=True)
    tape._auto = EVERY      # a Variable read it did not record would be frozen in the code
    xs = [reverse.constant(v) for v in vals]
    checks = []
    entries = tape.entries

    def observe(fn, result, fargs, kwargs):
        if any(_is_tensor(a) for a in _flat(fargs)):
            # a compared Variable is read on the tape, so its guard reads it live (a
            # literal of its value would pass after v.assign, with the other branch due)
            fargs = tuple(_read_variables(a) for a in fargs)
            checks.append((len(entries), fn, result, fargs, kwargs))

    try:
        with _observing(observe), tape:
            tape.watch(xs)
            out = f(*xs)
    except TracedOutputError as e:
        how = "call f uncompiled" if caller == "dualad.compile" else \
            "differentiate f itself with dualad.gradient"
        raise TypeError(f"{caller} records f on reverse-mode Tensors, and forward mode "
                        "inside f (dualad.gradient, derivative, jvp) cannot read its "
                        "tangent through them; differentiate inside f with reverse."
                        f"gradient, or {how}") from e
    except (TypeError, IndexError) as e:
        _explain_int(e, f, args, vals)
        raise
    if isinstance(out, (list, tuple, dict)):
        raise TypeError("f must return one value (a number or an array), not a "
                        f"{type(out).__name__}; stack several outputs with np.stack")
    check_output(out, bools=False)     # a comparison has no derivative: refused, not 0.0
    rec = Record()
    rec.f, rec.args = f, tuple(vals)
    rec.names = parameter_names(f, len(xs))
    rec.inputs, rec.entries, rec.out, rec.checks = xs, tape.entries, out, checks
    n = len(xs)
    index = {id(x): i - n + 1 for i, x in enumerate(xs)}
    held = []           # the constant arrays and keywords entries hold
    rec.entries = ordered = _level_order(tape.entries, checks, held)
    index.update(zip(map(id, map(_OUT, ordered)), itertools.count(1)))
    rec.index = index
    _refuse_outer_tensors(rec, caller)
    # a check is placed after the last value it reads
    rec.checks = [(max([0] + [index.get(id(a), 0) for a in _flat(c[3])]),) + c[1:]
                  for c in checks]
    _freeze(rec, held)
    return rec


def _explain_int(e: Exception, f, args, vals) -> None:
    """f failed on the trace's inputs; if a trace with its int arguments kept ints runs,
    it used one as a Python int (range(n), x[n], np.arange(n)), which a trace of it as
    a float cannot follow: say so, and what to do instead."""
    ints = [i for i, a in enumerate(args) if isinstance(a, (int, np.integer))
            and not isinstance(a, (bool, np.bool_))]
    if not ints:
        return
    import reverse

    def runs(kept) -> bool:
        """Whether f traces with the arguments in kept as the ints they are."""
        try:
            with reverse.Tape() as tape:
                xs = [args[i] if i in kept else reverse.constant(v)
                      for i, v in enumerate(vals)]
                tape.watch([x for i, x in enumerate(xs) if i not in kept])
                f(*xs)
        except Exception:
            return False
        return True

    # one int kept at a time (the others traced), then all of them beside traced floats:
    # if none of these traces runs, the ints are not why f failed (np.dot of a list)
    trials = [[i] for i in ints] + ([ints] if 1 < len(ints) < len(args) else [])
    kept = next((k for k in trials if runs(k)), None)
    if kept is None:
        return
    ints = kept
    names = parameter_names(f, len(args))
    i = ints[0]
    rest = [x for k, x in enumerate(names) if k not in ints]
    call = [repr(args[k]) if k in ints else x for k, x in enumerate(names)]
    raise TypeError(
        f"argument {i} ({names[i]}={args[i]!r}) is an int that f uses as a Python int "
        "(range, an index, a shape), but compile traces every argument as a float; "
        f"close over it instead: compile(lambda {', '.join(rest)}: f({', '.join(call)}), "
        "...)") from e


def _refuse_outer_tensors(rec: Record, caller: str) -> None:
    """TypeError if f closes over a Tensor an outer tape records (reverse.gradient or
    another compile around this call): the record would hold it as a constant, and
    that tape would lose its derivative (x·compile(λy: x·y).gradient(2) gave 3 for 6)."""
    from reverse.tape import state
    from reverse.tensor import Tensor, recorded_now
    if not state.stack:     # no tape records outside this call: nothing to lose
        return
    index = rec.index
    for t in itertools.chain(*(_flat(e[3:]) for e in rec.entries), (rec.out,)):
        # (a Variable is read live by the code; its own guard is compile._taped)
        if type(t) is Tensor and id(t) not in index and recorded_now(t):
            how = "call f uncompiled there" if caller == "dualad.compile" else \
                "trace f outside that tape"
            raise TypeError(f"f reads a reverse.Tensor that an outer tape records (a value "
                            f"f closes over, not an argument of f): {caller} would hold it "
                            f"as a constant and that tape would lose its derivative; {how}")


def _freeze(rec: Record, held: list) -> None:
    """Copy the constant arrays the record holds (entry arguments and keywords, the
    arguments and results of checks, a constant output): f's closed-over arrays as
    they were at this call.  One copy per array, so identities stay shared.  The
    entries are walked only if `_level_order` met an array or keywords in them."""
    from reverse.tensor import Tensor
    memo: dict = {}

    def frozen(a):
        t = type(a)
        if t is Tensor or t is float:
            return a
        if isinstance(a, np.ndarray):
            c = memo.get(id(a))
            if c is None:
                c = memo[id(a)] = (a, a.copy())     # a kept: its id stays unique
            return c[1]
        if t is list or t is tuple:
            b = [frozen(x) for x in a]
            return a if all(x is y for x, y in zip(a, b)) else t(b)
        if t is dict:
            b = {k: frozen(x) for k, x in a.items()}
            return a if all(b[k] is x for k, x in a.items()) else b
        return a

    entries = rec.entries
    for j, e in enumerate(entries if held else ()):
        entries[j] = (e[0], frozen(e[1]), e[2]) + tuple(map(frozen, e[3:]))
    rec.checks = [(c[0], c[1], frozen(c[2]), frozen(c[3]), frozen(c[4]))
                  for c in rec.checks]
    rec.out = frozen(rec.out)


def _level_order(entries: list, checks: list, held: list) -> list:
    """The entries numbered level by level, as Baydin's tables are: level 1 reads only
    inputs, level k reads level < k (a stable topological order of the tape).  An
    array a comparison produced counts as a value of its arguments' level.  The
    constant arrays and keywords met go to `held` (so `_freeze` skips scalar traces)."""
    from reverse.tensor import Tensor
    depth = {}          # Tensor -> its level (Tensors hash by identity)
    masks = {}          # id(array) -> level, for the arrays comparisons produced
    get = depth.get
    levels = []         # levels[d - 1]: the entries of level d, in tape order

    def level(a):       # a constant (not an entry's output) is level 0
        t = type(a)
        if t is Tensor:
            return get(a, 0)
        if t is list or t is tuple:
            return max(map(level, a), default=0)
        if isinstance(a, np.ndarray):
            held.append(a)
            return masks.get(id(a), 0)
        return 0

    ci, nc = 0, len(checks)
    for pos, e in enumerate(entries):
        while ci < nc and checks[ci][0] <= pos:
            _, _, result, cargs, _ = checks[ci]
            if isinstance(result, np.ndarray):
                masks[id(result)] = max(map(level, cargs), default=0)
            ci += 1
        a = e[3]        # every entry has an argument; most are one or two Tensors
        d = get(a, 0) if type(a) is Tensor else level(a)
        if len(e) > 4:
            a = e[4]
            x = get(a, 0) if type(a) is Tensor else level(a)
            if x > d:
                d = x
            if len(e) > 5:
                x = level(e[5:])
                if x > d:
                    d = x
        if e[1]:
            held.append(e[1])
        depth[e[2]] = d + 1
        if d < len(levels):
            levels[d].append(e)
        else:
            levels.append([e])
    return [e for level in levels for e in level]


def _read_variables(a):
    """a, with a reverse.Variable (also inside a list or tuple) replaced by its read."""
    from reverse.variable import Variable, read
    if isinstance(a, Variable):
        return read(a)
    if type(a) in (list, tuple):
        return type(a)(_read_variables(b) for b in a)
    return a


def _flat(args):
    for a in args:
        if type(a) in (list, tuple):
            yield from a
        else:
            yield a


def value(x):
    """The primal of an entry argument (lists elementwise)."""
    if _is_tensor(x):
        return x.value
    if type(x) is list:
        return [value(y) for y in x]
    return x


# -- forward mode on one entry ---------------------------------------------------
def tangent(entry, dots: dict, strong: bool = False):
    """tangent(entry, dots) -> v̇ of the entry's output, or None (zero); dots maps
    id(Tensor) -> tangent shaped like its value.  strong: a tangent entry that is exactly
    0 contributes 0 through an infinite partial (forward mode's redo, dual.strong_zeros)."""
    fn, kw, out, *args = entry
    kw = kw or {}
    ov = out.value
    vals = [value(a) for a in args]

    def dot(a):
        return dots.get(id(a)) if _is_tensor(a) else None

    row = ELEMENTWISE.get(fn)
    if row is not None:
        # partials as forward mode takes them (sqrt'(0) = 0.5/0 is NumPy's inf, never a
        # ZeroDivisionError)
        t = None
        for i, a in enumerate(args):
            d = dot(a)
            if d is None or row[i + 1] is None:
                continue
            p = partial_at(row[i + 1], ov, vals)
            term = _strong_product(p, d) if strong else p * d
            t = term if t is None else t + term
        if t is not None and np.shape(t) != np.shape(ov):
            t = np.broadcast_to(t, np.shape(ov)).copy()
        return t
    if fn is operator.getitem:
        d = dot(args[0])
        return None if d is None else d[args[1]]
    if fn.__name__ == "read_variable":
        return None
    rule = STRUCTURAL[fn]
    kind = rule[0]
    if kind == "linear":
        positions = range(len(args)) if rule[1] is None else rule[1]
        targs, any_dot = list(vals), False
        for i in positions:
            if i >= len(args):
                continue
            a = args[i]
            if type(a) is list:
                ds = [dot(b) for b in a]
                any_dot = any_dot or any(d is not None for d in ds)
                targs[i] = [np.zeros(np.shape(v)) if d is None else d
                            for d, v in zip(ds, vals[i])]
            else:
                d = dot(a)
                any_dot = any_dot or d is not None
                targs[i] = np.zeros(np.shape(vals[i])) if d is None else d
        return fn(*targs, **kw) if any_dot else None
    if kind == "multilinear":
        t = None
        for i, a in enumerate(args):
            d = dot(a)
            if d is not None:
                targs = list(vals)
                targs[i] = d
                term = fn(*targs, **kw)
                t = term if t is None else t + term
        return t
    d = dot(args[0])
    return None if d is None else rule[1](d, ov, *vals, **kw)


def tangents(rec: Record, seeds: dict) -> dict:
    """tangents(rec, {input position: tangent}) -> {id(value): v̇} for every value; where
    the output's comes out inf or nan, the pass is redone as forward mode redoes it, a
    zero tangent entry times an infinite partial taken as 0 (sqrt of where's branch at 0:
    nan in the table where jvp gives 0)."""
    for strong in (False, True):
        dots = {id(rec.inputs[i]): t for i, t in seeds.items()}
        with np.errstate(invalid="ignore") if strong else contextlib.nullcontext():
            for e in rec.entries:
                t = tangent(e, dots, strong)
                if t is not None:
                    dots[id(e[2])] = t
        out = dots.get(id(rec.out))
        if out is None or np.all(np.isfinite(out)):
            break
    return dots
