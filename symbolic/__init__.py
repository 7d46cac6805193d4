"""symbolic: exact derivatives of plain NumPy code with sympy.

The function is called once on placeholders (`symbolic.placeholder.Sym`) that
speak NumPy's protocols; the ufuncs map to sympy through the shared table
`dualad.rules.ELEMENTWISE` (the counterparts sympy lacks: `symbolic.functions`).
A scalar argument `x1` becomes the symbol x1, an array argument `x` the symbols
x_0 .. x_{n-1} (x_i_j for 2-d).  Derivatives come from `sympy.diff` and are
evaluated through `sympy.lambdify`, compiled once per (function, argument
shapes) unless the function's control flow read the argument values.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import sys
import types
import weakref
from collections.abc import Callable

import numpy as np
import sympy
from sympy.core.function import ArgumentIndexError

from dualad.forward import _leaves, _tree, int_as_float, plain_array, refuse_bool
from dualad.wengert import positional_names

from .functions import LAMBDIFY_NAMESPACE, for_lambdify, resolve, zero_kinks
from .placeholder import Sym, TraceState, _objects, trace_states

__all__ = ["expression", "gradient_expressions", "gradient", "gradient_scale", "value_scale",
           "jacobian", "hessian", "derivative", "latex", "parameter_names", "resolve", "Sym"]

# expressions with more operations than this are returned unsimplified (simplify is slow)
SIMPLIFY_LIMIT = 400
# derivative(order=k) above this is a ValueError at once (10**30 ran for ever)
MAX_ORDER = 1000


def parameter_names(f, n: int) -> list[str]:
    """parameter_names(f, n) -> the names of f's first n positional parameters."""
    names = positional_names(f, n)
    if names is None:
        return [f"x{i + 1}" for i in range(n)]
    if len(names) < n:
        raise TypeError(f"{getattr(f, '__name__', 'f')} takes {len(names)} positional "
                        f"arguments but {n} were given")
    return names[:n]


def _required(f) -> int:
    """How many positional parameters f needs (when no example arguments are given)."""
    try:
        params = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        raise TypeError("cannot read f's parameters; pass example arguments") from None
    n = sum(1 for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            and p.default is p.empty)
    if not n and any(p.kind is p.VAR_POSITIONAL for p in params):
        # f(*args) would run with no arguments: an IndexError from inside f
        raise TypeError(f"{getattr(f, '__name__', 'f')} takes *args: pass example arguments "
                        "to fix how many (symbolic.expression(f, 1.0, 2.0))")
    return n


@contextlib.contextmanager
def _depth_guard():
    """sympy's constructors, simplifier and printer recurse once per nesting level of
    an expression: a deep loop ends in a bare RecursionError from inside sympy."""
    try:
        yield
    except RecursionError:
        raise RecursionError(
            "f's expression is nested too deeply for sympy, whose simplifier and printer "
            f"recurse once per level (Python's recursion limit is {sys.getrecursionlimit()});"
            " differentiate deep loops with dualad or reverse") from None


def _symbols(name, shape):
    if shape == ():
        return np.asarray(sympy.Symbol(name, real=True), dtype=object).reshape(())
    out = np.empty(shape, dtype=object)
    for idx in np.ndindex(shape):
        out[idx] = sympy.Symbol(name + "_" + "_".join(map(str, idx)), real=True)
    return out


def _check_example(a, i):
    # bools are numbers here, as in the other engines (check_arg: True -> 1.0)
    if not isinstance(a, (bool, np.bool_, int, float, np.integer, np.floating, np.ndarray)):
        raise TypeError(f"argument {i} has type {type(a).__name__}; symbolic takes floats, "
                        "ints and NumPy float arrays")
    if isinstance(a, np.ndarray):
        a = plain_array(a, i)
    elif isinstance(a, (int, np.integer)):
        a = int_as_float(a, i)
    a = np.asarray(a, dtype=float) if np.asarray(a).dtype.kind in "biuf" else None
    if a is None:
        raise TypeError(f"argument {i} is not a numeric array")
    return a


_INFINITIES = (sympy.oo, -sympy.oo, sympy.zoo)


def _refuse_folded_infinity(out) -> None:
    """ValueError if f's expression is an infinity sympy folded the variables into
    (sin(oo - x) is AccumBounds(-1, 1), oo + x is oo, (x + oo) - oo is nan): its
    derivative would be a silent 0.  An infinite bound (clip(x, 0, inf), max(...,
    initial=-inf), x < inf) is not."""
    exprs = out.ravel() if isinstance(out, np.ndarray) else (out,)
    for e in exprs:
        if isinstance(e, sympy.Basic) and (e in _INFINITIES or e is sympy.nan or
                                           e.has(sympy.AccumBounds)):
            raise ValueError("f's expression holds an infinite constant sympy folded the "
                             f"variables into ({e}): its derivative would be lost; use "
                             "dualad or reverse there")


def _refuse_complex_infinity(exprs) -> None:
    """ValueError if an expression holds sympy's unsigned infinity zoo (x / 0.0): lambdify
    cannot print it (KeyError), and a derivative may have lost it (hessian of zoo·x was 0,
    its derivative of order 2 nan), where the engines give NumPy's ±inf."""
    for e in exprs:
        if isinstance(e, sympy.Basic) and e.has(sympy.zoo):
            raise ValueError(f"an expression holds sympy's complex infinity ({e}): f "
                             "divides by an exact zero (x / 0.0, log(x - x)), which has "
                             "no sign there; use dualad or reverse (NumPy's ±inf)")


class _Traced:
    """f run on placeholders: its input symbols and output expressions."""

    def __init__(self, f, args):
        if not callable(f):
            raise TypeError(f"expected a function, got {type(f).__name__}")
        values = [_check_example(a, i) for i, a in enumerate(args)]
        n = len(values) if values else _required(f)
        names = parameter_names(f, n)
        shapes = [v.shape for v in values] if values else [()] * n
        self.shapes = tuple(shapes)
        self.symbols = [_symbols(nm, sh) for nm, sh in zip(names, shapes)]
        flat = [str(s) for a in self.symbols for s in a.ravel()]
        if len(set(flat)) < len(flat):
            # a parameter named like an element of an array parameter (x and x_1): one
            # sympy symbol for two inputs would merge them; use x1, x2, ... instead
            names = [f"x{i + 1}" for i in range(n)]
            self.symbols = [_symbols(nm, sh) for nm, sh in zip(names, shapes)]
        inputs = [Sym(s, v if values else None)
                  for s, v in zip(self.symbols, values or [None] * n)]
        state = TraceState()
        states = trace_states()
        states.append(state)
        try:
            with _depth_guard():
                out = f(*inputs)
        finally:
            states.pop()
        self.value_dependent = state.value_dependent
        if isinstance(out, Sym):
            self.out = out.expr
            if any(np.size(s) for s in self.symbols):  # (no variable: no derivative to lose,
                _refuse_folded_infinity(self.out)      # as the mean of an empty x, nan)
        elif isinstance(out, (int, float, np.integer, np.floating, np.ndarray)):
            refuse_bool(out)    # a comparison's array: no derivative (zeros before)
            self.out = _objects(out)
        elif isinstance(out, (list, tuple, dict)):
            raise _Structured(out)
        else:
            raise TypeError(f"f returned {type(out).__name__}; expected a number or an array")
        self.flat = [s for a in self.symbols for s in a.ravel()]
        self._cache = {}

    def compiled(self, key, build):
        """The lambdified function for `key`, built once by build() -> flat expressions."""
        if key not in self._cache:
            _refuse_complex_infinity(self.out.ravel())  # f's own: its derivatives may lose it
            with _depth_guard():
                self._cache[key] = self._lambdify(build)
        return self._cache[key]

    def _lambdify(self, build):
        # the generated code's parameters get names of their own (_arg0, ...), so a
        # parameter called step, exp or maximum cannot shadow the function of that name;
        # renamed in one pass here: lambdify's dummify=True substitutes each argument
        # into every expression, O(inputs × outputs) (a 300-input Jacobian: > 60 s)
        params = [sympy.Symbol(f"_arg{i}", **s.assumptions0) for i, s in enumerate(self.flat)]
        rename = dict(zip(self.flat, params))
        exprs = [for_lambdify(zero_kinks(e)).xreplace(rename) for e in build()]
        _refuse_complex_infinity(exprs)
        return sympy.lambdify(params, exprs, modules=[LAMBDIFY_NAMESPACE, "numpy"],
                              cse=True, dummify=False)

    def evaluate(self, key, build, args):
        # 1-element arrays, not scalars: np.select (from Piecewise) needs array conditions
        flat = [np.array([v]) for a in args for v in np.ravel(np.asarray(a, dtype=float))]
        fn = self.compiled(key, build)
        with np.errstate(divide="ignore", invalid="ignore"):
            try:
                vals = fn(*flat)
            except OverflowError:
                # an exact integer coefficient beyond float range (171! in order 172 of
                # log), which the generated code meets as a Python int
                raise ValueError("the symbolic derivative holds an integer coefficient "
                                 "beyond float range (as 171! in order 172 of log); "
                                 "dualad.derivative (Taylor mode) takes such orders") from None
        return np.array([np.reshape(_real(v), -1)[0] for v in vals])


def _real(v):
    """v as floats: a complex value (sympy's derivative of (-2)**x has a factor log 2 + iπ)
    is nan where its imaginary part is nonzero, as NumPy's float math gives nan there."""
    v = np.asarray(v)
    if v.dtype.kind == "c":
        return np.where(v.imag == 0, v.real, np.nan)
    return v.astype(float)


_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_SNAPSHOT_ITEMS = 10_000     # beyond this many items f is not cached (nor snapshotted)
_SNAPSHOT_DEPTH = 50         # nor beyond this nesting of containers and functions
# packages whose modules, functions and classes are code, not state f's value hangs on
_LIBRARIES = frozenset({"numpy", "sympy", "scipy", "mpmath", "dualad", "reverse", "symbolic",
                        *sys.stdlib_module_names})
_CODE = (type, types.FunctionType, types.BuiltinFunctionType, np.ufunc, type(np.sum))
_VALUES = (bool, int, float, complex, str, bytes, np.generic, np.dtype, range, slice,
           type(Ellipsis), sympy.Basic)


class _Unseen(Exception):
    """f reads state a snapshot cannot see (an object's or a class's attributes)."""


def _is_library(v) -> bool:
    if isinstance(v, types.ModuleType):
        name = v.__name__
    elif isinstance(v, types.FunctionType):
        # the module whose globals it reads (functools.wraps copies __module__), and not
        # a closure, whose cells can hold anything
        name = v.__globals__.get("__name__") if v.__closure__ is None else None
    elif isinstance(v, _CODE):
        name = getattr(v, "__module__", None)
    else:
        return False
    return isinstance(name, str) and name.partition(".")[0] in _LIBRARIES


class _Snapshot:
    """A comparable copy of what f may read: numbers and strings as themselves, arrays
    as (shape, dtype, bytes), lists / tuples / dicts / sets item by item, functions and
    functools.partial by what they read in turn, a module of the user's by the
    attributes f's code names; modules, functions (not closures) and classes of NumPy,
    sympy and the standard library by identity.  Anything else (an object, a class of the user's,
    whose attributes can change unseen; more than _SNAPSHOT_ITEMS items) raises
    _Unseen: f is then traced at every call instead of cached."""

    def __init__(self):
        self.budget = _SNAPSHOT_ITEMS
        self.depth = 0
        self.names = frozenset()    # the names the code being snapshotted reads
        self.functions = set()      # functions seen (a recursive one names itself)

    def of(self, v):
        if v is None or isinstance(v, _VALUES):
            return (type(v), v)
        if _is_library(v):
            return ("id", id(v))
        self.depth += 1
        try:
            if self.depth > _SNAPSHOT_DEPTH:
                raise _Unseen
            return self._of(v)
        finally:
            self.depth -= 1

    def _spend(self, n):
        self.budget -= n
        if self.budget < 0:
            raise _Unseen

    def _of(self, v):
        if isinstance(v, np.ndarray) and v.dtype != object:
            if v.size > _SNAPSHOT_ITEMS:    # a large table: a digest of its bytes, not
                return ("array", v.shape, v.dtype.str,      # a copy (nor a re-trace
                        hashlib.blake2b(np.ascontiguousarray(v).data).digest())  # per call)
            self._spend(v.size)
            return ("array", v.shape, v.dtype.str, v.tobytes())
        if isinstance(v, (list, tuple)):
            self._spend(len(v))
            return (type(v), tuple(self.of(x) for x in v))
        if isinstance(v, dict):
            self._spend(len(v))
            return (type(v), tuple((self.of(k), self.of(x)) for k, x in v.items()))
        if isinstance(v, (set, frozenset)):
            self._spend(len(v))
            return (type(v), frozenset(self.of(x) for x in v))
        if isinstance(v, functools.partial):
            return ("partial", self.of(v.func), self.of(v.args), self.of(v.keywords))
        if isinstance(v, types.MethodType):
            return ("method", self.of(v.__func__), self.of(v.__self__))
        if isinstance(v, types.FunctionType):
            if id(v) in self.functions:
                return ("function", id(v))
            self.functions.add(id(v))
            # its code too: a redefined helper may reuse a freed one's id
            return ("function", id(v), v.__code__, self.free_state(v))
        if isinstance(v, types.ModuleType):
            return ("module", id(v), tuple((n, self.of(getattr(v, n)))
                                           for n in sorted(self.names) if hasattr(v, n)))
        raise _Unseen

    def free_state(self, f):
        """What function f reads besides its arguments: its defaults, closure cells and
        the globals its code (and the code nested in it) names."""
        code = f.__code__
        names, todo = set(), [code]
        while todo:
            c = todo.pop()
            names.update(c.co_names)
            todo += [k for k in c.co_consts if hasattr(k, "co_names")]
        outer, self.names = self.names, frozenset(names)
        try:
            glob = f.__globals__
            cells = []
            for cell in f.__closure__ or ():
                try:
                    cells.append(self.of(cell.cell_contents))
                except ValueError:          # a cell not filled yet
                    cells.append(None)
            return (self.of(f.__defaults__), self.of(f.__kwdefaults__), tuple(cells),
                    tuple((n, self.of(glob[n])) for n in sorted(names) if n in glob))
        finally:
            self.names = outer


def _free_state(f):
    """A snapshot (`_Snapshot`) of what f reads besides its arguments; raises _Unseen
    where it cannot see all of it."""
    return _Snapshot().of(f)


def _trace(f, args) -> _Traced:
    """f traced at args' shapes; cached per (f, shapes) unless f read the values.

    A cached trace is used only if what f reads besides its arguments (defaults,
    closure cells, the globals it names, a partial's arguments: `_Snapshot`) is
    unchanged and the trace reproduces f's value at args; otherwise f is traced again.
    An f that reads an object or a class (whose attributes the snapshot cannot see)
    is not cached."""
    xs = [_check_example(a, i) for i, a in enumerate(args)]
    shapes = tuple(x.shape for x in xs)
    try:
        per_f = _cache.setdefault(f, {})
        state = _free_state(f)
    except (TypeError, _Unseen):     # not weakly referable; reads state unseen
        per_f = state = None
    if per_f is not None and shapes in per_f:
        t, then_state = per_f[shapes]
        if then_state == state:
            # f on NumPy values, as the trace saw them (np.float64 for a scalar: Python's
            # 1/0.0 raises where NumPy gives inf); anything f raises means trace again
            try:
                with np.errstate(all="ignore"):
                    now = np.asarray(f(*[x[()] if x.ndim == 0 else x for x in xs]),
                                     dtype=float)
                    then = t.evaluate("value", lambda: list(t.out.ravel()), args)
            except Exception:
                now = then = None
            if now is not None and then.size == now.size and np.allclose(
                    then.reshape(now.shape), now, rtol=1e-12, atol=0.0, equal_nan=True):
                return t
    t = _Traced(f, args)
    if per_f is not None and not t.value_dependent:
        per_f[shapes] = (t, state)
    return t


def _single(out):
    return out[()] if out.ndim == 0 else sympy.ImmutableDenseNDimArray(out.tolist())


def expression(f: Callable, *example_args):
    """expression(f, *example_args) -> sympy expression of f (an N-dim Array for array output).

    Without example arguments every parameter is a scalar symbol."""
    return _single(_Traced(f, example_args).out)


def _scalar_out(t, who: str = "gradient"):
    if t.out.ndim != 0:
        raise ValueError(f"{who} needs f to return a scalar, got shape {t.out.shape}"
                         + ("; use jacobian" if who == "gradient" else ""))
    return t.out[()]


def _simplify(e):
    return sympy.simplify(e) if sympy.count_ops(e) <= SIMPLIFY_LIMIT else e


def _derivatives(expr, symbols, memo=None) -> list:
    """[sympy.diff(expr, s) for s in symbols]: the same expressions, from `_partials`
    (memo: partials of subexpressions, shared between calls on related expressions)."""
    partials = _partials(expr, {} if memo is None else memo)
    zero = sympy.S.Zero
    return [partials.get(s, zero) for s in symbols]


_CHAIN_RULE = sympy.Function._eval_derivative        # Σᵢ fdiff(i)·aᵢ.diff(s)
_REPEAT = sympy.Basic._eval_derivative_n_times         # calls _eval_derivative once


def _partials(expr, memo: dict) -> dict:
    """{s: sympy.diff(expr, s)} for the symbols s of expr, each subexpression's partials
    computed once (memo) in a walk with an explicit stack.

    sympy.diff differentiates the whole tree again for every s, and a sum or product
    differentiates every term for every s: the gradient of a sum of n terms costs
    O(n²), of sum(tanh(A @ x)) O(n³) (162 s at n = 100).  Here sums, products, powers
    and functions with sympy's chain rule apply sympy's own rule (`_eval_derivative`
    of Add, Mul (Leibniz), Pow and Function, restated) to their arguments' memoized
    partials, skipping the arguments that do not hold s (whose derivative, 0, the
    rules drop); any other node (Abs, Max, Piecewise, ...) is left to sympy.diff."""
    return _bottom_up(expr, memo, _partial_inputs, _node_partials)


def _bottom_up(expr, memo: dict, inputs, combine):
    """memo[expr] = combine(node, memo) for expr and every node inputs(node) reaches,
    each after its inputs: a walk with an explicit stack (no recursion over the
    expression's depth), each subexpression visited once."""
    todo = [expr]
    while todo:
        node = todo[-1]
        if node in memo:
            todo.pop()
            continue
        pending = [a for a in inputs(node) if a not in memo]
        if pending:
            todo += pending
            continue
        todo.pop()
        memo[node] = combine(node, memo)
    return memo[expr]


def _partial_inputs(node):
    """The arguments whose partials `_node_partials` combines (none: sympy.diff's node)."""
    return node.args if _kind(node) is not None else ()


def _node_partials(node, memo):
    """{s: ∂node/∂s} from the memoized partials of node's arguments (sympy's rules)."""
    kind = _kind(node)
    args = node.args if kind is not None else ()
    if kind is None:
        return {s: sympy.diff(node, s) for s in node.free_symbols} \
            if isinstance(node, sympy.Basic) else {}
    if kind == "symbol":
        return {node: sympy.S.One}
    if kind == "add":           # Add(*[a.diff(s) for a in args])
        holding = {}
        for a in args:
            for s, d in memo[a].items():
                holding.setdefault(s, []).append(d)
        return {s: sympy.Add(*ds) for s, ds in holding.items()}
    if kind == "mul":           # Add(*[Mul(*args[:i], aᵢ.diff(s), *args[i+1:])])
        holding = {}
        for i, a in enumerate(args):
            for s, d in memo[a].items():
                holding.setdefault(s, []).append((i, d))
        return {s: sympy.Add(*[sympy.Mul(*args[:i], d, *args[i + 1:]) for i, d in held])
                for s, held in holding.items()}
    if kind == "pow":           # self·(exp.diff(s)·log(base) + base.diff(s)·exp/base)
        base, exp = args
        db, de = memo[base], memo[exp]
        zero = sympy.S.Zero
        return {s: node * (de.get(s, zero) * sympy.log(base) + db.get(s, zero) * exp / base)
                for s in {**db, **de}}
    held = {}                   # Add(*[fdiff(i)·aᵢ.diff(s) for nonzero aᵢ.diff(s)])
    for a in args:
        held.update(memo[a])
    fdiffs = {}
    partials = {}
    for s in held:
        terms = []
        for i, a in enumerate(args, 1):
            d = memo[a].get(s)
            if d is None or d.is_zero:
                continue
            if i not in fdiffs:
                try:
                    fdiffs[i] = node.fdiff(i)
                except ArgumentIndexError:
                    fdiffs[i] = sympy.Function.fdiff(node, i)
            terms.append(fdiffs[i] * d)
        partials[s] = sympy.Add(*terms)
    return partials


def _kind(node):
    """Which of sympy's rules `_partials` restates for node (None: ask sympy.diff)."""
    if isinstance(node, sympy.Symbol):
        return "symbol"
    if not isinstance(node, sympy.Basic):
        return None
    t = type(node)
    if t is sympy.Add:
        return "add"
    if t is sympy.Mul:
        return "mul"
    if t is sympy.Pow:
        return "pow"
    if isinstance(node, sympy.Function) and t._eval_derivative is _CHAIN_RULE \
            and t._eval_derivative_n_times is _REPEAT:
        return "function"
    return None


def gradient_expressions(f: Callable, *example_args) -> tuple:
    """gradient_expressions(f, *example_args) -> tuple of simplified sympy expressions
    ∂f/∂s, one per scalar input s (array inputs flattened in order)."""
    t = _Traced(f, example_args)
    out = _scalar_out(t)
    with _depth_guard():
        return tuple(_simplify(zero_kinks(d)) for d in _derivatives(out, t.flat))


def _split(flat_matrix, lead, shapes):
    """Per-argument blocks of shape lead + shape from columns of a flat matrix."""
    blocks, offset = [], 0
    for sh in shapes:
        size = int(np.prod(sh, dtype=int))
        b = flat_matrix[..., offset:offset + size].reshape(lead + sh)
        blocks.append(_plain(b))
        offset += size
    return blocks[0] if len(blocks) == 1 else tuple(blocks)


def _need_args(args, what):
    if not args:
        raise TypeError(f"{what}(f, *args) needs at least one argument")


def jacobian(f: Callable, *args):
    """jacobian(f, *args) -> array of shape out.shape + arg.shape; a tuple for several args."""
    _need_args(args, "jacobian")
    t = _trace(f, args)
    n = len(t.flat)
    outs = list(t.out.ravel())
    vals = t.evaluate("jacobian", lambda: [d for o in outs for d in _derivatives(o, t.flat)],
                      args)
    return _split(vals.reshape(len(outs), n).reshape(t.out.shape + (n,)), t.out.shape,
                  t.shapes)


def gradient(f: Callable, *args):
    """gradient(f, *args) -> ∂f/∂arg shaped like arg (a float for a scalar);
    a tuple with one entry per argument when there are several."""
    _need_args(args, "gradient")
    t = _trace(f, args)
    out = _scalar_out(t)
    vals = t.evaluate("gradient", lambda: _derivatives(out, t.flat), args)
    return _split(vals, (), t.shapes)


def _magnitude(expr, memo: dict):
    """The size of expr's terms: every sum taken as the sum of its terms' absolute
    values (Σ|tᵢ| ≥ |Σtᵢ|), products and positive integer powers of those, any other
    node its absolute value.  Evaluating expr in floating point errs by about
    eps × this, which stays the size of the terms where expr cancels to ~0."""
    return _bottom_up(expr, memo, _magnitude_inputs, _node_magnitude)


def _magnitude_inputs(node):
    t = type(node)
    if t is sympy.Add or t is sympy.Mul:
        return node.args
    if t is sympy.Pow and node.exp.is_Integer and node.exp > 0:
        return (node.base,)
    return ()


def _node_magnitude(node, memo):
    t = type(node)
    if t is sympy.Add:
        return sympy.Add(*[memo[a] for a in node.args])
    if t is sympy.Mul:
        return sympy.Mul(*[memo[a] for a in node.args])
    if t is sympy.Pow and node.exp.is_Integer and node.exp > 0:
        return memo[node.base] ** node.exp
    return sympy.Abs(node)


def gradient_scale(f: Callable, *args):
    """gradient_scale(f, *args) -> the size of the terms each ∂f/∂xᵢ sums, shaped like
    the gradient: ∂f/∂xᵢ with every sum taken as Σ|term| (`_magnitude`).  Where the
    gradient cancels to ~0 (tanh(x) − sinh(x)/cosh(x)) this, not the gradient, is the
    scale of the rounding error of any engine's value; `dualad.check` compares there."""
    _need_args(args, "gradient_scale")
    t = _trace(f, args)
    out = _scalar_out(t)

    def build():
        memo = {}
        return [_magnitude(zero_kinks(d), memo) for d in _derivatives(out, t.flat)]

    return _split(t.evaluate("gradient scale", build, args), (), t.shapes)


def value_scale(f: Callable, *args) -> float:
    """value_scale(f, *args) -> the size of the terms scalar f sums at args: f with every
    sum taken as Σ|term| (`_magnitude`).  f's own rounding error is about eps × this,
    which `dualad.numeric` needs where f cancels to ~0 (an identity)."""
    _need_args(args, "value_scale")
    t = _trace(f, args)
    out = _scalar_out(t)
    return float(t.evaluate("value scale", lambda: [_magnitude(zero_kinks(out), {})], args)[0])


def hessian(f: Callable, *args):
    """hessian(f, *args) -> shape arg.shape + arg.shape; for several args the nested
    tuple H[i][j] of shape argᵢ.shape + argⱼ.shape."""
    _need_args(args, "hessian")
    t = _trace(f, args)
    out = _scalar_out(t, "hessian")
    n = len(t.flat)

    def build():
        memo = {}
        return [h for d in _derivatives(out, t.flat, memo) for h in _derivatives(d, t.flat, memo)]

    h = t.evaluate("hessian", build, args).reshape(n, n)
    if len(args) == 1:
        return _split(h.reshape(t.shapes[0] + (n,)), t.shapes[0], t.shapes)
    sizes = [int(np.prod(sh, dtype=int)) for sh in t.shapes]
    offs = np.cumsum([0] + sizes)
    return tuple(tuple(_plain(h[offs[i]:offs[i + 1], offs[j]:offs[j + 1]].reshape(
        t.shapes[i] + t.shapes[j])) for j in range(len(args))) for i in range(len(args)))


def _plain(a):
    return float(a) if a.ndim == 0 else a


class _Structured(ValueError):
    """f returned a list, tuple or dict (JAX's pytree): the traced output, kept for
    `derivative`; gradient, jacobian and hessian refuse it as the other engines do."""

    def __init__(self, out):
        super().__init__(f"f returned a {type(out).__name__}: symbolic needs one array or "
                         "number here (stack the outputs; symbolic.derivative keeps lists, "
                         "tuples and dicts)")
        self.out = out


def _structured_derivative(f, x, order, out):
    """derivative of an f whose output is a pytree: its leaves raveled into one vector
    (one more trace of f), differentiated at once and put back in out's structure."""
    shapes = [np.shape(leaf) for leaf in _leaves(out)]
    if not shapes:
        return out
    flat = derivative(lambda x: np.concatenate([np.ravel(v) for v in _leaves(f(x))]),
                      x, order)
    ends = np.cumsum([int(np.prod(s)) for s in shapes])
    pieces = (float(p[0]) if s == () else p.reshape(s)
              for p, s in zip(np.split(np.atleast_1d(flat), ends[:-1]), shapes))
    return _tree(lambda leaf: next(pieces), out)


def derivative(f: Callable, x, order: int = 1):
    """derivative(f, x, order=1) -> dᵏf/dxᵏ at scalar x, shaped like f(x)."""
    if not isinstance(order, (int, np.integer)) or isinstance(order, bool) or order < 0:
        raise ValueError(f"order must be an integer >= 0, got {order!r}")
    if order > MAX_ORDER:
        raise ValueError(f"symbolic.derivative takes order <= {MAX_ORDER}, got {order}: sympy "
                         "differentiates order by order and the expression grows (order 1000 "
                         "of log(x)·sin(x) takes ~20 s); dualad.derivative (Taylor mode) "
                         "takes high orders")
    _check_example(x, 0)
    if np.ndim(x) != 0:
        raise ValueError(f"derivative takes a scalar x; got shape {np.shape(x)}")
    try:
        t = _trace(f, (x,))
    except _Structured as e:    # JAX's pytrees, as dualad.derivative
        return _structured_derivative(f, x, order, e.out)
    outs = list(t.out.ravel())
    s = t.flat[0]
    vals = t.evaluate(("derivative", int(order)),
                      lambda: [sympy.diff(o, s, int(order)) if order else o for o in outs],
                      (x,))
    r = vals.reshape(t.out.shape)
    return float(r) if r.ndim == 0 else r


def latex(f_or_expr, *example_args) -> str:
    """latex(expr) or latex(f, *example_args) -> LaTeX text of a sympy expression
    (or of f's expression)."""
    if callable(f_or_expr) and not isinstance(f_or_expr, sympy.Basic):
        f_or_expr = expression(f_or_expr, *example_args)
    elif not isinstance(f_or_expr, (sympy.Basic, sympy.MatrixBase, tuple, list, np.ndarray)):
        # a string was typeset as \mathtt{\text{np.sin}}, None and 3.0 as text
        raise TypeError(f"latex takes a function or a sympy expression, got "
                        f"{type(f_or_expr).__name__}")
    return sympy.latex(f_or_expr)
