"""Forward-mode user API: jvp, derivative, gradient, jacobian, hessian.

Each call takes a fresh tag, seeds Duals at the inputs and reads the output's
tangent.  Gradients and Jacobians of n inputs take ceil(n/k) passes of k
directions each (a leading tangent axis), with the chunks balanced as in
ForwardDiff.jl.
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .dispatch import is_traced as _is_traced
from .dual import ZERO_RULE, Dual, _make, _new, _tags, strong_zeros

# Directions per pass, chosen by measurement: each pass costs Python overhead per
# operation whatever k is, so k as large as memory allows wins (a scalar loop over
# 256 inputs: 4.5 ms at k = 256 against 95 ms at k = 8).  The seed tangents of a
# pass hold k·n floats; CHUNK_BUDGET caps that, and k never drops below MIN_CHUNK.
CHUNK_BUDGET = 2 ** 18
MIN_CHUNK = 8
HESSIAN_BUDGET = 2 ** 20    # hessian: k·k·n floats (both levels' directions)
# From this order on, derivative() uses Taylor mode (nested Duals win below:
# exp(sin x) at k = 2: 61 µs Duals, 64 µs Taylor; k = 3: 165 µs vs 92 µs)
TAYLOR_FROM_ORDER = 3
# Up to this many scalar float arguments, gradient takes one cheap pass per argument
SCALAR_PASSES = 8
_SCALARS = (float, int, np.floating, np.integer)     # bool is an int: check_arg refuses none


def new_tag() -> int:
    """A tag no Dual has used: one per differentiation call."""
    return next(_tags)


def check_arg(x, i: int = 0, role: str = "argument"):
    """A differentiable argument (role: or a "tangent") as float / float64 array (traced
    values pass through)."""
    if isinstance(x, Dual) or _is_traced(x):
        return x
    if isinstance(x, (bool, np.bool_, int, np.integer)):
        return int_as_float(x, i)
    if isinstance(x, (float, np.floating)):
        return float(x)
    if isinstance(x, np.ndarray) and x.dtype.kind in "biuf":
        return plain_array(x, i).astype(np.float64)
    what = f"dtype {x.dtype}" if isinstance(x, np.ndarray) else f"type {type(x).__name__}"
    nest = isinstance(x, (list, tuple, dict))
    raise TypeError(f"{role} {i} has {what}; derivatives are taken of functions of "
                    "floats, ints and NumPy float arrays" +
                    ("; pass each array of a list or dict as an argument of its own "
                     "(gradient(f, *params)), or one array for a list of numbers"
                     if nest else ""))


def int_as_float(x, i: int = 0) -> float:
    """An int (or bool) argument as a float; a ValueError naming it beyond float range."""
    try:
        return float(x)
    except OverflowError:
        raise ValueError(f"argument {i} is an int too large for a float64 "
                         f"({len(str(abs(int(x))))} digits; the largest float is ~1.8e308)") \
            from None


def plain_array(x: np.ndarray, i: int = 0, what: str | None = None) -> np.ndarray:
    """x as a plain ndarray: a TypeError for np.matrix and masked arrays, whose operators
    and reductions differ from an ndarray's (x * x is a matrix product, np.sum skips
    masked items), so an engine would differentiate another function than f (every
    engine refuses them alike); other subclasses (np.memmap) become ndarrays."""
    if type(x) is np.ndarray:
        return x
    if isinstance(x, (np.matrix, np.ma.MaskedArray)):
        raise TypeError(f"{what or f'argument {i}'} is a {type(x).__module__}."
                        f"{type(x).__name__}, whose "
                        "operators differ from an ndarray's; pass a plain array "
                        "(np.asarray(x), or x.filled(...) for a masked array)")
    return np.asarray(x)


def _plain(x):
    """Plain float for a 0-d result; a read-only array (a broadcast view of a tangent,
    stride 0) as a writeable copy; other arrays and traced values unchanged."""
    if isinstance(x, (np.floating, float)) or isinstance(x, np.ndarray) and x.ndim == 0:
        return float(x)
    if isinstance(x, np.ndarray) and not x.flags.writeable:
        return x.copy()
    return x


class TracedOutputError(TypeError):
    """f returned another engine's traced value (a reverse.Tensor) holding the Dual
    input: forward mode cannot read a tangent through it."""


class OutputError(TypeError):
    """f returned something that is not a number, an array of numbers or a traced
    value (None, text, an object array; a bool where a derivative is asked for)."""


def _output(out, tag, ndir=0, bools=False):
    """(primal, tangent) of f's output at this tag, zeros where it does not depend on it.
    bools: a bool output (a comparison) is a constant, as in jvp (JAX's float0 tangent);
    otherwise it is refused, as jax.grad and jacfwd do."""
    if type(out) is Dual and out.tag == tag:
        t = out.tangent
        if t is None:
            t = np.zeros(((ndir,) if ndir else ()) + np.shape(out.primal))
        return out.primal, t
    if isinstance(out, (tuple, list, dict)):    # JAX's pytrees: the same structure back
        pairs = [_output(o, tag, ndir, bools) for o in _items(out)]
        return _like(out, [p for p, _ in pairs]), _like(out, [t for _, t in pairs])
    if _is_traced(out) and _holds_tag(getattr(out, "value", None), tag):
        raise TracedOutputError(
            f"f returned a {type(out).__name__} that depends on the Dual input; forward "
            "mode cannot read a tangent through it (reverse over forward is not "
            "supported): use plain values inside f (t.numpy()), or "
            "differentiate the outer function with dualad too")
    check_output(out, bools)
    return out, np.zeros(((ndir,) if ndir else ()) + np.shape(out))


def check_output(out, bools=False) -> None:
    """OutputError unless out (one leaf of f's output) is a number, a numeric array,
    a Dual or another traced value: None, text or an object array would be taken for
    a constant and differentiated to silent zeros (a bool too, unless bools)."""
    if not bools:
        refuse_bool(out)
    if isinstance(out, (int, float, Dual)) or _is_traced(out) or \
            isinstance(out, (np.ndarray, np.generic)) and out.dtype.kind in "biuf":
        return
    what = f"an array of dtype {out.dtype}" if isinstance(out, np.ndarray) else \
        "None" if out is None else type(out).__name__
    raise OutputError(f"f returned {what}; expected a number, an array of numbers or Duals")


def refuse_bool(out) -> None:
    """OutputError for a bool or bool array as f's output where a derivative is asked
    for: a comparison has none (jax.grad refuses it; it was differentiated as 0.0)."""
    if isinstance(out, (bool, np.bool_)) or isinstance(out, np.ndarray) and \
            out.dtype.kind == "b":
        what = "an array of dtype bool" if isinstance(out, np.ndarray) else "bool"
        raise OutputError(f"f returned {what} (a comparison?), which has no derivative; "
                          "return a number or a float array (jax.grad refuses it too)")


def _holds_tag(v, tag) -> bool:
    """Whether v is a Dual of this tag, or one nested in the primals of a Dual."""
    while type(v) is Dual:
        if v.tag == tag:
            return True
        v = v.primal
    return False


def jvp(f: Callable, primals: Sequence, tangents: Sequence) -> tuple[Any, Any]:
    """jvp(f, primals, tangents) -> (f(*primals), J·tangents), shaped like f's output."""
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp takes primals and tangents as tuples, e.g. jvp(f, (x,), (v,))")
    if len(primals) != len(tangents):
        raise ValueError(f"{len(primals)} primals but {len(tangents)} tangents")
    tag = next(_tags)
    args = []
    for i, (p, t) in enumerate(zip(primals, tangents)):
        if type(p) is not float or type(t) is not float:
            p, t = check_arg(p, i), check_arg(t, i, "tangent")
            if np.shape(t) != np.shape(p):
                raise ValueError(f"tangent {i} has shape {np.shape(t)}, primal has "
                                 f"{np.shape(p)}")
        args.append(_make(p, t, tag, 0))
    out = f(*args)
    if type(out) is Dual and out.tag == tag and out.tangent is not None:
        if _finite(out.tangent) or ZERO_RULE.strong:
            return _plain(out.primal), _plain(out.tangent)
    out, out_t = _output(out, tag, bools=True)
    if not ZERO_RULE.strong and not all(_finite(t) for t in _leaves(out_t)):
        with strong_zeros():        # as in _forward_columns: 0·∞ from a zero tangent is 0
            return jvp(f, primals, tangents)
    return _tree(_plain, out), _tree(_plain, out_t)


def _finite(t) -> bool:
    """Whether every entry of a tangent is finite (a traced one: its primal values)."""
    if isinstance(t, float):                # np.float64 too
        return math.isfinite(t)
    if isinstance(t, complex):
        return cmath.isfinite(t)
    if type(t) is np.ndarray:
        # the method, not np.all's wrapper (1.6 µs where it took 2.6 at W5's m = 1000).
        # Faster BLAS checks (t·t, t·1) were tried: they warn of overflow or of inf − inf
        # in arithmetic the user never wrote
        return bool(np.isfinite(t).all())
    return bool(np.all(np.isfinite(t)))


def _leaves(x):
    if isinstance(x, (tuple, list, dict)):
        return [leaf for y in _items(x) for leaf in _leaves(y)]
    return [x]


def _tree(fn, x):
    if isinstance(x, (tuple, list, dict)):
        return _like(x, [_tree(fn, y) for y in _items(x)])
    return fn(x)


def _items(x):
    """The items of a list, tuple or dict (its values)."""
    return x.values() if isinstance(x, dict) else x


def _like(x, items):
    """items in x's structure: a dict with x's keys, a (named) tuple or list."""
    if isinstance(x, dict):
        return dict(zip(x, items))
    return type(x)(*items) if hasattr(x, "_fields") else type(x)(items)


def directional_derivative(f: Callable, x, v) -> float:
    """directional_derivative(f, x, v) -> float: ∇f(x)·v for one argument x."""
    out, t = jvp(f, (x,), (v,))
    refuse_bool(out)    # a comparison has no derivative (jvp takes it as a constant)
    if isinstance(out, dict) or np.ndim(out) != 0:
        got = "a dict" if isinstance(out, dict) else f"shape {np.shape(out)}"
        raise ValueError(f"directional_derivative needs a scalar f; got {got}")
    return t


def _first_derivative(f, x):
    """df/dx for scalar x in one pass (f's output structure), redone as every pass is."""
    return _one_direction(f, x)[1]


def _one_direction(f, x):
    """(f(x), f'(x)) from one pass seeding scalar x with tangent 1.  A non-finite
    tangent is redone under strong_zeros(), as in jvp and _forward_columns (the
    result did not depend on whether x was 1.0 or np.float64(1.0))."""
    tag = new_tag()
    out, t = _output(f(_make(x, 1.0, tag, 0)), tag)
    if not (_finite(t) if type(t) is np.ndarray else all(_finite(leaf) for leaf in _leaves(t))) \
            and not ZERO_RULE.strong:
        with strong_zeros():
            tag = new_tag()
            out, t = _output(f(_make(x, 1.0, tag, 0)), tag)
    return out, t


def derivative(f: Callable, x, order: int = 1):
    """derivative(f, x, order=1) -> dᵏf/dxᵏ at scalar x, shaped like f(x).

    Orders 1-2 nest tagged Duals (each level differentiates the one inside);
    orders >= 3 propagate Taylor coefficients (dualad.taylor), O(k²) per
    operation instead of the nested Duals' ~3ᵏ: 40x faster at k = 6.  A
    function Taylor mode cannot run (np.max, np.min, a Dual inside) falls
    back to nested Duals."""
    if not isinstance(order, (int, np.integer)) or isinstance(order, bool) or order < 0:
        raise ValueError(f"order must be an integer >= 0, got {order!r}")
    x = check_arg(x)
    if np.ndim(x) != 0:
        raise ValueError(f"derivative takes a scalar x; got shape {np.shape(x)} "
                         "(use jacobian or jvp for arrays)")
    if order >= TAYLOR_FROM_ORDER:
        from .high_order import derivatives as taylor_derivatives
        try:
            return taylor_derivatives(f, x, order)[order]
        except OutputError:
            raise
        except TypeError:
            pass        # not expressible in Taylor mode: nested Duals below
    g = f
    for _ in range(order - 1):
        g = (lambda h: lambda y: _first_derivative(h, y))(g)
    if order == 0:
        result = f(x)
        _output(result, None, bools=True)   # numbers only (f(x) itself: a bool too)
    else:
        result = _first_derivative(g, x)
    return _tree(_plain, result)


def default_chunk(n: int) -> int:
    """default_chunk(n) -> directions per pass for n inputs (before balancing)."""
    return min(max(n, 1), max(MIN_CHUNK, CHUNK_BUDGET // max(n, 1)))


def _chunks(n: int, chunk_size: int | None):
    """Balanced chunks [start, stop) of at most chunk_size directions."""
    k = default_chunk(n) if chunk_size is None else chunk_size
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    k = int(k)      # np.uint8(2): -(-n // k) overflowed in uint8
    passes = max(1, -(-n // k))
    k = -(-n // passes) if n else 1
    return [(s, min(s + k, n)) for s in range(0, n, k)]


def _seed(args, start, stop, tag):
    """Duals for the inputs, seeded in directions start..stop-1; the others are Duals
    with no tangent (None), so f meets the same types whichever pass it is in: NumPy's
    1/0 = inf, not Python's ZeroDivisionError on a float, and a Dual(x, v) f builds
    around any argument sits above this call (with a float x it took tag 0)."""
    k = stop - start
    seeded, offset = [], 0
    for a in args:
        size = int(np.size(a)) if not isinstance(a, Dual) else int(np.size(a.primal))
        lo, hi = max(start, offset), min(stop, offset + size)
        if lo >= hi:
            seeded.append(_make(a, None, tag, k if k > 1 else 0))
        else:
            shape = np.shape(a)
            if k == 1:
                t = np.zeros(size)
                t[lo - offset] = 1.0
                t = t.reshape(shape) if shape else 1.0
                seeded.append(_make(a, t, tag, 0))
            else:
                t = np.zeros((k, size))
                idx = np.arange(lo, hi)
                t[idx - start, idx - offset] = 1.0
                seeded.append(_make(a, t.reshape((k,) + shape), tag, k))
        offset += size
    return seeded


def _forward_columns(f, args, chunk_size, need_scalar, who="gradient"):
    """f(*args) and the columns ∂f/∂(flat input j), stacked on a last axis (who: the
    API function that needs a scalar f, for the error)."""
    args = [check_arg(a, i) for i, a in enumerate(args)]
    n = sum(int(np.size(a)) for a in args)
    out, columns = None, []
    for start, stop in _chunks(n, chunk_size):
        tag = new_tag()
        k = stop - start
        out, t = _output(f(*_seed(args, start, stop, tag)), tag, k if k > 1 else 0)
        _check_shape(out, need_scalar, who)
        if not _finite(t) and not ZERO_RULE.strong:
            # 0·∞ = nan from directions that do not move an x[i] with an infinite
            # partial: the pass again, a zero tangent entry contributing 0
            with strong_zeros():
                tag = new_tag()
                out, t = _output(f(*_seed(args, start, stop, tag)), tag, k if k > 1 else 0)
        columns.append(np.moveaxis(t, 0, -1) if k > 1 else np.expand_dims(t, -1))
    if not columns:     # no inputs (empty arrays): f's output is checked all the same
        out, _ = _output(f(*args), new_tag())
        _check_shape(out, need_scalar, who)
        return args, out, np.zeros(np.shape(out) + (0,))
    jac = columns[0] if len(columns) == 1 else np.concatenate(columns, axis=-1)
    return args, out, jac


def _check_shape(out, need_scalar, who="gradient"):
    """ValueError unless f's output is one array (a scalar for a gradient or hessian)."""
    if isinstance(out, (list, tuple, dict)):
        raise ValueError(f"{who} needs f to return a scalar, not a {type(out).__name__}"
                         if need_scalar else f"jacobian needs f to return one array, not a "
                         f"{type(out).__name__}; stack the outputs")
    if need_scalar and np.ndim(out) != 0:
        raise ValueError(f"{who} needs f to return a scalar, got shape {np.shape(out)}" +
                         ("; use jacobian" if who == "gradient" else ""))


def _split_columns(args, jac):
    """Per-argument blocks of the flat Jacobian, shaped out.shape + arg.shape."""
    blocks, offset = [], 0
    lead = np.shape(jac)[:-1]
    for a in args:
        size = int(np.size(a)) if not isinstance(a, Dual) else int(np.size(a.primal))
        block = jac[..., offset:offset + size]
        blocks.append(_plain(np.reshape(block, lead + np.shape(a))))
        offset += size
    return blocks


def _scalar_tangent(out, tag) -> complex:
    """The tangent of f's scalar output at this tag, as a complex number."""
    if type(out) is Dual and out.tag == tag and type(out.primal) is float:
        return 0j if out.tangent is None else complex(out.tangent)
    p, g = _output(out, tag)
    _check_shape(p, True)       # a tuple or list: 'not a tuple', not 'got shape (1,)'
    return complex(g)


def _scalar_pass(f, args, seeds):
    """The tangent of f's scalar output with args[i] seeded by seeds[i]; the other
    args are Duals with a zero tangent, so f meets NumPy's semantics (1/0 = inf) in
    every argument, as in the paired pass, not Python's ZeroDivisionError."""
    tag = next(_tags)
    call = [_make(a, None, tag, 0) for a in args]
    for i, t in seeds:
        call[i] = _make(args[i], t, tag, 0)
    g = _scalar_tangent(f(*call), tag)
    if not cmath.isfinite(g) and not ZERO_RULE.strong:
        with strong_zeros():    # 0·∞ from a zero tangent is 0, as in _forward_columns
            return _scalar_pass(f, args, seeds)
    return g


def _scalar_gradient(f, args):
    """∂f/∂xᵢ for scalar float args, two inputs per pass.

    A pass seeds xᵢ with tangent 1 and xᵢ₊₁ with tangent i (the imaginary unit):
    every tangent operation is linear with real coefficients (v̇ = Σ ∂ⱼ·v̇ⱼ, the
    partials taken on real primals), so the real and imaginary parts of the
    output's complex tangent are the two partial derivatives — two directions
    for the price of one, with Python's own complex arithmetic.  A complex
    product has cross terms (0·inf = nan), so when a pair comes out non-finite
    it is redone with one real direction each."""
    n = len(args)
    grads = []
    for i in range(0, n - 1, 2):
        tag = next(_tags)
        a = _new(Dual)          # _make inlined: this is most of a 2-input call's overhead
        a.primal, a.tangent, a.tag, a.ndir = args[i], 1.0, tag, 0
        b = _new(Dual)
        b.primal, b.tangent, b.tag, b.ndir = args[i + 1], 1j, tag, 0
        if n == 2:
            out = f(a, b)
        else:   # the others as Duals with a zero tangent: NumPy's 1/0 = inf, as in _scalar_pass
            call = [_make(x, None, tag, 0) for x in args]
            call[i], call[i + 1] = a, b
            out = f(*call)
        if type(out) is Dual and out.tag == tag and type(out.primal) is float:
            g = out.tangent
            if type(g) is not complex and g is not None:
                g = complex(g)      # np.complex128 (np.power's partial): float parts
            re, im = (0.0, 0.0) if g is None else (g.real, g.imag)
        else:
            g = _scalar_tangent(out, tag)
            re, im = g.real, g.imag
        if re - re != 0.0 or im - im != 0.0:      # inf or nan
            re = _scalar_pass(f, args, ((i, 1.0),)).real
            im = _scalar_pass(f, args, ((i + 1, 1.0),)).real
        if n == 2:
            return re, im
        grads += (re, im)
    if n % 2:
        grads.append(_scalar_pass(f, args, ((n - 1, 1.0),)).real)
    return grads[0] if len(grads) == 1 else tuple(grads)


def gradient(f: Callable, *args, chunk_size: int | None = None):
    """gradient(f, *args) -> ∂f/∂arg shaped like arg (a float for a scalar);
    a tuple with one entry per argument when there are several."""
    if not args:
        raise TypeError("gradient(f, *args) needs at least one argument")
    if chunk_size is None and len(args) <= SCALAR_PASSES:
        scalars = args
        for a in args:
            if type(a) is not float:    # np.float64 (an element x[i]) and ints as floats
                scalars = tuple(check_arg(b, i) for i, b in enumerate(args)) \
                    if all(isinstance(b, _SCALARS) for b in args) else None
                break
        if scalars is not None:
            try:
                return _scalar_gradient(f, scalars)
            except OutputError:
                raise
            except TypeError:
                pass    # an outer Dual inside f (a gradient of a gradient): the general path nests
    args, _, jac = _forward_columns(f, args, chunk_size, need_scalar=True)
    blocks = _split_columns(args, jac)
    return blocks[0] if len(blocks) == 1 else tuple(blocks)


def jacobian(f: Callable, *args, chunk_size: int | None = None):
    """jacobian(f, *args) -> array of shape out.shape + arg.shape; a tuple for several args."""
    if not args:
        raise TypeError("jacobian(f, *args) needs at least one argument")
    if len(args) == 1 and type(args[0]) is float and chunk_size is None:
        # R -> R^m: one single-direction pass is the whole Jacobian
        out, t = _one_direction(f, args[0])
        if isinstance(out, (list, tuple, dict)):
            raise ValueError(f"jacobian needs f to return one array, not a "
                             f"{type(out).__name__}; stack the outputs")
        return _tree(_plain, t)
    args, out, jac = _forward_columns(f, args, chunk_size, need_scalar=False)
    blocks = _split_columns(args, jac)
    return blocks[0] if len(blocks) == 1 else tuple(blocks)


def hessian(f: Callable, *args, chunk_size: int | None = None):
    """hessian(f, *args) -> shape arg.shape + arg.shape (forward over forward);
    for several args the nested tuple H[i][j] of shape argᵢ.shape + argⱼ.shape."""
    if not args:
        raise TypeError("hessian(f, *args) needs at least one argument")
    args = [check_arg(a, i) for i, a in enumerate(args)]
    if chunk_size is None:
        # the two levels' directions multiply: each shares the seed budget (k·k·n floats,
        # not k·n per level: n = 400 took 2.5 GB, n·n·n tangents)
        n = sum(int(np.size(a)) for a in args)
        chunk_size = min(max(n, 1), max(MIN_CHUNK, math.isqrt(HESSIAN_BUDGET // max(n, 1))))

    def flat_gradient(*xs):
        _, _, jac = _forward_columns(f, xs, chunk_size, need_scalar=True, who="hessian")
        return jac

    args, _, jac = _forward_columns(flat_gradient, args, chunk_size, need_scalar=False)
    if len(args) == 1:
        return _plain(np.reshape(jac, np.shape(args[0]) * 2))
    n = len(args)
    return tuple(tuple(_plain(_hblock(jac, args, i, j)) for j in range(n)) for i in range(n))


def _hblock(jac, args, i, j):
    """H[i][j] = ∂²f/∂argᵢ∂argⱼ, a block of the flat n×n Hessian."""
    sizes = [int(np.size(a)) for a in args]
    oi, oj = sum(sizes[:i]), sum(sizes[:j])
    block = jac[oi:oi + sizes[i], oj:oj + sizes[j]]
    return np.reshape(block, np.shape(args[i]) + np.shape(args[j]))
