"""dualad.compile: straight-line Python for the forward and adjoint sweeps of a trace.

f runs once on a reverse tape (`dualad.wengert`); `dualad.codegen` writes the
value, gradient and jvp functions from that Wengert list and the whitelisted
templates, each when first called (the readable g.source made denser; for
scalar traces, the long ones, `dualad.scalarcode`'s few statements with values
used once written where used; code objects cached by their text), and they are
compiled with the builtin `compile` in a namespace holding only NumPy, `math`
functions, our rule functions and the trace's constants (no builtins beyond
type/float/bool/abs).  User text never reaches the code.  The cyclic GC waits
while a trace is recorded and code is written (no cycles are made; collections
would only rescan the trace).

Each variant is the code for one set of branch decisions.  Comparisons on
traced values became guards; when a guard fails (or an argument's shape
differs, or a `math` function raises where NumPy would give nan/inf) the call
falls back: the same code with NumPy semantics, then any other cached variant,
then a new trace for the branch this call takes, and if even that disagrees,
the uncompiled engines.  A call is never answered by a trace whose decisions
differ from its own.

Constants are captured by value at the trace (`dualad.wengert` copies the arrays
f closes over), so the code never reads a user's array after it.  The generated
functions' parameters carry f's names (a wrong argument count reads "compiled
f.gradient() missing 1 required positional argument: 'x2'"; g(...) and g.jvp say
"compiled f takes 2 arguments (x1, x2), got 1").
"""

from __future__ import annotations

import builtins
import functools
import gc
import itertools
import linecache
import os
import sys
import threading
import types
import warnings
from collections.abc import Callable

import numpy as np

from .forward import _is_traced, check_arg
from .structural import unbroadcast, unindex
from .wengert import record

MAX_VARIANTS = 32
RETRACE_LIMIT = 64      # traces of one Compiled before calls no variant answers run f itself
_counter = itertools.count(1)


class _Miss(Exception):
    """A guard or an argument check failed: this variant does not apply."""


def _miss():
    raise _Miss


def _same(a, b) -> bool:
    if isinstance(a, (tuple, list)):
        return isinstance(b, (tuple, list)) and len(a) == len(b) and all(
            _same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.shape(a) == np.shape(b) and bool(np.array_equal(a, b))
    return bool(a == b)


def _plain(x):
    return float(x) if np.ndim(x) == 0 else x


def _garray(x, shape):
    return np.array(np.broadcast_to(x, shape), dtype=np.float64)


def _fromlist(items, shape):
    return np.array(items, dtype=np.float64).reshape(shape)


def _tape_state():
    from reverse.tape import state  # loaded: f was traced on a reverse tape
    return state


def _user_level() -> int:
    """The warnings stacklevel of the first frame outside dualad (the user's call)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and (frame.f_code.co_filename.startswith("<dualad.compile")
                                 or frame.f_code.co_filename.startswith(_PACKAGE)):
        frame, level = frame.f_back, level + 1
    return level


_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def _taped(variables):
    """RuntimeError if a recording tape watches (or would watch) one of the Variables
    this variant reads: its float result would cut the tape's dependence on them."""
    from reverse.variable import watched_while_recording
    if not any(watched_while_recording(v) for v in variables):
        return
    raise RuntimeError(
        "this compiled function reads a reverse.Variable, and a reverse.Tape is "
        "recording: its result is a plain float, so the tape would lose the dependence "
        "on the Variable (a wrong gradient); call f itself under the tape (or g outside "
        "it)")


_SAFE_BUILTINS = {"type": type, "float": float, "bool": bool, "abs": abs}
_COMMON = {"np": np, "_ndarray": np.ndarray, "_f8": np.dtype(np.float64), "_miss": _miss,
           "_same": _same, "_plain": _plain, "_garray": _garray, "_fromlist": _fromlist,
           "_unb": unbroadcast, "_unindex": unindex, "_f64": np.float64,
           "_FAIL": (_Miss, ArithmeticError, ValueError), "_taped": _taped}


def _tidy(result):
    """np.float64 and 0-d array results of the NumPy-semantics code as floats (as the
    fast code and dualad's engines give)."""
    if isinstance(result, tuple):
        return tuple(_tidy(r) for r in result)
    if isinstance(result, np.floating) or isinstance(result, np.ndarray) and not result.ndim:
        return float(result)
    return result


def _gc_paused(fn, *args):
    """fn(*args) with the cyclic GC postponed: tracing and writing code allocate many
    objects and no cycles, and collections meanwhile only rescan them (the first
    gradient of a 10^4-operation trace came ~20% sooner)."""
    if not gc.isenabled():
        return fn(*args)
    gc.disable()
    try:
        return fn(*args)
    finally:
        gc.enable()


class _Lazy:
    """Builds (generates and compiles) a variant's function on its first call and puts
    it on the owner in its own place (g.gradient is then the generated function), so
    compile() pays only for the trace and each sweep's code is compiled when asked."""

    __slots__ = ("variant", "kind", "attr", "fn")

    def __init__(self, variant, kind, attr):
        self.variant, self.kind, self.attr, self.fn = variant, kind, attr, None

    def __call__(self, *args, **kwargs):
        fn = self.fn
        if fn is None:
            v = self.variant
            with v.owner._lock:     # not over another thread's switch to another variant
                fn = self.fn = v.get(self.kind)
                if v.owner._current is v and getattr(v.owner, self.attr) is self:
                    setattr(v.owner, self.attr, fn)
        return fn(*args, **kwargs)  # keywords: as the generated function takes them


class Variant:
    """The compiled functions of one trace (one set of branch decisions)."""

    __slots__ = ("gen", "fast", "safe", "sources", "owner")

    def __init__(self, gen, owner):
        self.gen, self.owner = gen, owner
        self.fast, self.safe, self.sources = {}, {}, {}

    def get(self, kind: str, safe: bool = False) -> Callable:
        table = self.safe if safe else self.fast
        fn = table.get(kind)
        if fn is None:
            fn = table[kind] = _gc_paused(self._build, kind, safe)
        return fn

    def source(self, kind: str) -> str:
        if kind not in self.sources:
            self.sources[kind] = self.gen.source(kind, safe=False)
        return self.sources[kind]

    def _build(self, kind: str, safe: bool, notes: bool = False) -> Callable:
        """Compile one function: the dense program (notes=False, what calls run) or
        the readable g.source (notes=True; the tests check they agree bit for bit)."""
        src = self.gen.source(kind, safe=safe, notes=notes)
        ns = dict(_COMMON)
        ns["__builtins__"] = _SAFE_BUILTINS
        ns["_C"] = tuple(self.gen.refs)
        if self.gen.zero_divisors:      # x / 0: ZeroDivisionError fast, inf safe
            from .codegen import ZeroDivisor
            ns["_C"] = tuple((np.float64(r) if safe else float(r))
                             if type(r) is ZeroDivisor else r for r in ns["_C"])
        ns["_tolist"] = list if safe else np.ndarray.tolist
        from .codegen import MATH, pow_safe
        for key, obj in self.gen.names.items():
            if safe:    # NumPy itself: its semantics where math raises
                obj = pow_safe if key == "power" else getattr(np, key) if key in MATH \
                    else getattr(obj, "numpy_fn", obj)
            ns[key] = obj
        ns["_fallback"] = functools.partial(self.owner._fallback, self)
        ns["_tapes"] = _tape_state()    # _tapes.stack: the recording tapes
        exec(_code(src, () if kind == "jvp" else self.gen.rec.names), ns)
        fn = ns[kind]
        fn.__qualname__ = f"{self.owner.name}.{kind}"
        return fn


def _named(code, names: tuple):
    """code with the parameters of its function named as f's (x1, x2): Python's own
    errors for a wrong argument count then read in the user's terms, at no cost per
    call (the code refers to its locals by position)."""
    consts = list(code.co_consts)
    for i, c in enumerate(consts):
        if isinstance(c, types.CodeType):
            n = c.co_argcount
            if len(names) == n and not set(names) & set(c.co_varnames[n:]):
                consts[i] = c.replace(co_varnames=tuple(names) + c.co_varnames[n:])
    return code.replace(co_consts=tuple(consts))


_CODE: dict = {}     # (source text, names) -> code object, the most recently used last
CODE_CACHE = 16
_CODE_LOCK = threading.Lock()


def _code(src: str, names: tuple = ()):
    """The code object of src (its parameters named `names`, if any), compiled once:
    the same trace compiled again (the same f at other example points, another
    Compiled of it) reuses it.  The text and names alone decide: everything else a
    function sees comes from its own namespace."""
    with _CODE_LOCK:    # compiles in several threads edit _CODE and linecache at once
        return _cached_code(src, names)


def _cached_code(src: str, names: tuple):
    key = (src, names)
    code = _CODE.pop(key, None)
    if code is None:
        filename = f"<dualad.compile-{next(_counter)}>"
        linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
        code = builtins.compile(src, filename, "exec")
        if names:
            code = _named(code, names)
        if len(_CODE) >= CODE_CACHE:
            old = _CODE.pop(next(iter(_CODE)))
            # its source leaves linecache too (kept for every compile, it grew with the
            # number of re-traces: 32 MB after 1024 calls of a branchy f)
            linecache.cache.pop(old.co_filename, None)
    _CODE[key] = code
    return code


class Compiled:
    """compile(f, *example_args) -> Compiled: g(*args), g.gradient(*args),
    g.jvp(primals, tangents), g.source (the generated gradient code)."""

    def __init__(self, f: Callable, args: tuple):
        self.f = f
        self.name = f"compiled {getattr(f, '__name__', type(f).__name__)}"
        self._variants: list[Variant] = []
        self._traces, self._gave_up = 0, False
        # the slow path (a miss: other variants, a re-trace) edits the variant list and the
        # public attributes; calls in several threads take it one at a time
        self._lock = threading.RLock()
        self._current = self._trace(args)   # as given: record explains an int used as one
        self._use(self._current)

    # -- the public calls ----------------------------------------------------------
    def __call__(self, *args, **kwargs):
        """g(*args) -> f(*args), a float for a scalar output."""
        try:
            return self.value(*args, **kwargs)
        except TypeError:
            if not kwargs:
                self._count(args)
            raise

    def _count(self, args) -> None:
        """A TypeError naming f's parameters if args are not one per parameter."""
        names = self._current.gen.rec.names
        if len(args) != len(names):
            raise TypeError(f"{self.name} takes {len(names)} argument"
                            f"{'' if len(names) == 1 else 's'} ({', '.join(names)}), "
                            f"got {len(args)}") from None

    def value(self, *args):   # replaced per instance by the generated function
        """g.value(*args) -> f(*args) (as g(*args))."""
        return self._current.get("value")(*args)

    def gradient(self, *args):   # replaced per instance by the generated function
        """g.gradient(*args) -> shaped like args (a tuple for several), as dualad.gradient."""
        return self._current.get("gradient")(*args)

    def jvp(self, primals, tangents):
        """g.jvp(primals, tangents) -> (f(*primals), J·tangents), as dualad.jvp."""
        if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
            raise TypeError("jvp takes primals and tangents as tuples, e.g. g.jvp((x,), (v,))")
        self._count(primals)
        if len(primals) != len(tangents):
            raise ValueError(f"{len(primals)} primals but {len(tangents)} tangents")
        ts = []
        for i, (p, t) in enumerate(zip(primals, tangents)):
            if type(t) is not float or type(p) is not float:
                t = check_arg(t, i)
                if np.shape(t) != np.shape(p):
                    raise ValueError(f"tangent {i} has shape {np.shape(t)}, its primal "
                                     f"{np.shape(p)}")
            ts.append(t)
        if any(map(_is_traced, ts)):    # an outer call differentiates by the tangent
            return self._uncompiled("jvp", self._convert(primals), tuple(ts))
        value, slope = _tidy(self._jvp(*primals, *ts))
        if type(slope) is float and slope - slope == 0.0 or \
                type(slope) is np.ndarray and np.isfinite(slope).all():
            return value, slope
        # a non-finite tangent: dualad.jvp's answer, whose second pass takes a zero
        # tangent times ∞ as 0 (strong zeros; the code computes IEEE's 0·∞ = nan)
        from .forward import jvp
        return jvp(self.f, primals, tangents)

    @property
    def source(self) -> str:
        """The generated code: forward sweep then adjoint sweep (the jvp code if f
        returns an array)."""
        kind = "gradient" if self._scalar_out(self._current) else "jvp"
        return self._current.source(kind)

    def sources(self) -> dict:
        """{"value", "gradient" (scalar f only), "jvp"} -> generated code of this branch."""
        kinds = ("value", "gradient", "jvp") if self._scalar_out(self._current) \
            else ("value", "jvp")
        return {k: self._current.source(k) for k in kinds}

    def __repr__(self) -> str:
        rec = self._current.gen.rec
        return (f"<dualad.Compiled: {len(rec.entries)} operations, "
                f"{len(self._variants)} branch variant(s)>")

    # -- variants --------------------------------------------------------------------
    @staticmethod
    def _scalar_out(v: Variant) -> bool:
        out = v.gen.rec.out
        return np.ndim(getattr(out, "value", out)) == 0

    def _convert(self, args):
        return tuple(check_arg(a, i) for i, a in enumerate(args))

    def _trace(self, args) -> Variant:
        from .codegen import Generator  # imported on first use: `import dualad` stays fast
        self._traces += 1
        v = Variant(_gc_paused(lambda: Generator(record(self.f, *args))), self)
        self._variants.insert(0, v)
        del self._variants[MAX_VARIANTS:]
        return v

    def _use(self, v: Variant) -> None:
        self._current = v
        self.value = _Lazy(v, "value", "value")
        self._jvp = _Lazy(v, "jvp", "_jvp")
        if self._scalar_out(v):
            self.gradient = _Lazy(v, "gradient", "gradient")
        else:   # not a refusal for good: a later call may take a scalar variant
            self.gradient = self._no_gradient
        if v is not self._variants[0]:
            self._variants.remove(v)
            self._variants.insert(0, v)

    def _no_gradient(self, *args, **kwargs):
        """g.gradient while the current variant's f returns an array: the call goes to
        the variant its arguments and branches pick (a ValueError if f returns an array
        there too)."""
        if kwargs:      # by name, as the generated functions take them
            names = self._current.gen.rec.names
            twice = set(kwargs) & set(names[:len(args)])
            if twice:
                raise TypeError(f"{self.name}.gradient() got multiple values for argument "
                                f"{sorted(twice)[0]!r}")
            unknown = set(kwargs) - set(names[len(args):])
            if unknown:
                raise TypeError(f"{self.name}.gradient() got an unexpected keyword argument "
                                f"{sorted(unknown)[0]!r}")
            missing = [nm for nm in names[len(args):] if nm not in kwargs]
            if missing:
                raise TypeError(f"{self.name}.gradient() missing argument {missing[0]!r}")
            args = args + tuple(kwargs[nm] for nm in names[len(args):])
        self._count(args)     # too many: named as gradient's, not the value code's
        return self._fallback(self._current, "gradient", *args)

    @staticmethod
    def _not_scalar(v: Variant) -> ValueError:
        out = v.gen.rec.out
        return ValueError(f"gradient needs f to return a scalar, got shape "
                          f"{np.shape(getattr(out, 'value', out))}; use jvp")

    def _applies(self, v: Variant, kind: str, full: tuple) -> bool:
        """Whether variant v is this call's (its argument checks and guards pass);
        gradient of a variant whose f returns an array raises the engines' ValueError."""
        if kind != "gradient" or self._scalar_out(v):
            return True
        try:
            v.get("value", safe=True)(*full)
        except _Miss:
            return False
        raise self._not_scalar(v)

    def _fallback(self, variant: Variant, kind: str, *args):
        """A fast call missed: NumPy semantics, other variants, a re-trace, the engines."""
        n = len(args) // 2 if kind == "jvp" else len(args)
        if any(map(_is_traced, args)):
            # a Dual or Tensor of an outer differentiation (as jax.grad over jax.jit), as a
            # primal or a tangent: f itself on it, through the engines (the code computes
            # on floats only); ints as floats, as the code takes them (n**20 wrapped in
            # np.int64)
            return self._uncompiled(kind, self._convert(args[:n]), args[n:])
        with self._lock:
            return self._missed(variant, kind, *args)

    def _missed(self, variant: Variant, kind: str, *args):
        n = len(args) // 2 if kind == "jvp" else len(args)
        prim = self._convert(args[:n])
        full = prim + tuple(args[n:])
        for v in [variant] + [w for w in self._variants if w is not variant]:
            if not self._applies(v, kind, full):
                continue
            try:
                result = v.get(kind, safe=True)(*full)
            except _Miss:
                continue
            if v is not variant:    # a cached branch answered: not a storm
                self._traces, self._gave_up = 0, False
            if v is not self._current:
                self._use(v)
            return _tidy(result)
        if self._traces >= RETRACE_LIMIT:
            # RETRACE_LIMIT traces in a row with no cached variant answering (a guard on
            # a value that never repeats): tracing again each time costs more than f
            # itself; as torch.compile after its recompile limit, run f uncompiled (until
            # a cached variant answers again), and say so once
            if not self._gave_up:
                self._gave_up = True
                warnings.warn(f"{self.name} was traced {self._traces} times in a row: its "
                              "branch decisions or argument shapes differ from every cached "
                              "variant at nearly every call; such calls now run f uncompiled",
                              RuntimeWarning, stacklevel=_user_level())
            return self._uncompiled(kind, prim, tuple(args[n:]))
        v = self._trace(prim)
        if kind == "gradient" and not self._scalar_out(v):
            raise self._not_scalar(v)
        try:
            result = v.get(kind, safe=True)(*full)
        except _Miss:   # the code disagrees with its own trace (rounding at a guard):
            # dropped, not kept to miss every call and push good variants out
            self._variants.remove(v)
            self._traces -= 1
            return self._uncompiled(kind, prim, tuple(args[n:]))
        self._use(v)
        return _tidy(result)

    def _uncompiled(self, kind, prim, tangents):
        if kind == "value":
            out = self.f(*prim)
            return out if _is_traced(out) else _plain(out)
        if kind == "jvp":
            from .forward import jvp
            return jvp(self.f, prim, tangents)
        from reverse import gradient
        return gradient(self.f, *prim)


def compile(f: Callable, *example_args) -> Compiled:
    """compile(f, *example_args) -> Compiled g: g(*args) == f(*args); g.gradient(*args)
    shaped as dualad.gradient; g.jvp(primals, tangents) as dualad.jvp; g.source the
    generated code.  f is traced at example_args; calls whose branch decisions differ
    are traced again (never answered with another branch's code).

    Everything f reads besides its arguments is captured by value when f is traced
    (arrays copied): g computes f as it was at its trace, closed-over arrays, the
    values computed from them and Python branches on them alike, whatever later
    happens to those arrays (as jax.jit; a re-trace for another branch or shape
    captures them anew; reverse.Variable reads stay live).  Int arguments are traced
    as floats: close over one used as a Python int (range(n), x[n])."""
    if not callable(f):
        raise TypeError(f"compile needs a function, got {type(f).__name__}")
    return Compiled(f, example_args)
