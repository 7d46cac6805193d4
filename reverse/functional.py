"""Functional reverse mode: gradient, vjp, jacobian, hessian (plain values in and out).

Each call records f once on a private tape and sweeps it: one sweep per
gradient, one per output element for a Jacobian.  hessian is forward over
reverse: dualad.jacobian sends dualad.Dual values through the recorded
operations and the sweep.
"""

from __future__ import annotations

from collections.abc import Callable
from gc import disable as _gc_disable
from gc import enable as _gc_enable
from gc import isenabled as _gc_isenabled

import numpy as np

import dualad
from dualad.forward import TracedOutputError, check_arg, refuse_bool

from .gradient_tape import _leaves, _leaves_like, _rebuild
from .pullback import distinct, finite, real_cotangent
from .sweep import sweep
from .tape import _keys, hessian_tags, state
from .tensor import Tensor, _new, recorded_now


def _args(args, what):
    if not args:
        raise TypeError(f"{what}(f, *args) needs at least one argument")
    out = []
    for i, a in enumerate(args):
        if type(a) is float or type(a) is np.ndarray and a.dtype == np.float64:
            out.append(a)  # never written to: no copy
        elif type(a) is Tensor:
            out.append(a)   # an outer tape's value: _record links it (gradient of a gradient)
        elif isinstance(a, Tensor):
            raise TypeError(f"argument {i} is a reverse.Variable; pass its value (v.numpy()), "
                            "or read it inside f")
        else:
            out.append(check_arg(a, i))
    return out


class _Recorder:
    """A private tape for one functional call (the fields `record` reads).  It
    watches no Variables (`_auto` False), so `_vars` is only read: one shared dict."""

    __slots__ = ("entries", "_key", "_on1")
    _vars = {}
    _auto = False


def _record(f, args, stack=None):
    """(entries, input Tensors, f's output, the tape's key tuple) with f run on Tensors a
    private tape watches (stack: this thread's `state.stack`, if the caller has it)."""
    tape = _new(_Recorder)  # fields set here: no __init__ frame on the hot path
    tape.entries = entries = []
    tape._key = key = next(_keys)
    tape._on1 = on = (key,)
    xs = []
    for a in args:
        if type(a) is Tensor:
            # the value of an outer tape (grad of grad): an identity the outer tapes
            # record, watched by this tape too, so the sweep's result reaches them
            x = np.positive(a)
            x._on = x._on + on
        else:
            x = _new(Tensor)
            x.value = a
            x._on = on
        xs.append(x)
    if stack is None:
        stack = state.stack
    stack.append(tape)
    try:
        out = f(*xs)
    finally:
        if stack[-1] is tape:
            del stack[-1]
        else:
            stack.remove(tape)
    return entries, xs, out, on


def _outer(entries, on) -> bool:
    """Whether a tape recording now, outside this call, recorded one of its operations
    too (f read a value that tape watches): the sweep must then run on Tensors (nested),
    so that tape records it.  Under an unrelated tape, or one that has stopped
    recording (a vjp's pullback called later), it is the plain sweep: plain results."""
    live = {t._key for t in state.stack}
    live.difference_update(on)
    if not live:
        return False
    for e in entries:
        o = e[2]._on
        if o is not on and not live.isdisjoint(o):
            return True
    return False


def _plain(ct, x):
    """A cotangent as a plain float / array shaped like input x (zeros for None)."""
    v = x.value
    if isinstance(ct, float) and isinstance(v, float):
        return float(ct)
    if type(ct) is np.ndarray and type(v) is np.ndarray and ct.shape == v.shape \
            and ct.ndim and ct.flags.writeable:
        return ct
    shape = np.shape(v)
    if ct is None:
        return 0.0 if not shape else np.zeros(shape)
    if np.shape(ct) != shape:
        ct = np.broadcast_to(ct, shape)
    if isinstance(ct, np.ndarray):
        return float(ct) if ct.ndim == 0 else (ct if ct.flags.writeable else np.array(ct))
    if isinstance(ct, np.floating):
        return float(ct)
    return ct  # a traced value (Dual) inside hessian


def _out_value(out):
    """f's output with each Tensor replaced by its value, in the same structure."""
    if isinstance(out, Tensor):
        return out.value
    if isinstance(out, (list, tuple, dict)):
        return _rebuild(out, iter([_out_value(o) for o in _leaves(out, [])]))
    return out


_NUMBERS = (bool, int, float, np.integer, np.floating, np.bool_)   # not complex


def check_output(out, none_ok: bool = False, bools: bool = True) -> None:
    """TypeError unless every leaf of f's output is a number, a numeric array or a
    Tensor (or None where it may be an empty output, as in JAX's vjp): anything
    else would be differentiated as a constant, a gradient of silent zeros.  With
    bools False (gradient, jacobian) a bool or bool array is refused too: a
    comparison has no derivative (jax.grad refuses it; its gradient was 0.0)."""
    if type(out) is Tensor:
        return
    for leaf in _leaves(out, []):
        if not bools:
            refuse_bool(leaf)
        if isinstance(leaf, Tensor) or isinstance(leaf, _NUMBERS) or leaf is None and none_ok:
            continue
        if isinstance(leaf, np.ndarray):
            if leaf.dtype.kind in "biuf":
                continue
        elif hasattr(type(leaf), "__array_ufunc__"):
            continue    # a traced value (a dualad.Dual in forward-over-reverse)
        held = f"an array of dtype {leaf.dtype}" if isinstance(leaf, np.ndarray) else \
            type(leaf).__name__ if leaf is not None else "None"
        what = held if leaf is out else f"a {type(out).__name__} holding {held}"
        raise TypeError(f"f returned {what}; expected a number, an array or Tensors")


def _recorded(c) -> bool:
    """Whether c is a Tensor a tape records now (a Variable one watches): a cotangent
    that must stay traced, so that tape differentiates the pullback's result."""
    return isinstance(c, Tensor) and recorded_now(c)


def _pull(entries, on, xs, outs, cts, strong=False):
    """Cotangents of the inputs xs for cotangents cts of the output Tensors outs
    (strong: a zero cotangent entry contributes 0 through an infinite partial)."""
    adj = {}
    for o, c in zip(outs, cts):
        if isinstance(o, Tensor) and c is not None:
            old = adj.get(o)
            adj[o] = c if old is None else old + c
    nested = bool(state.stack) and (_outer(entries, on) or any(map(_recorded, cts)))
    sweep(entries, adj, None, nested, strong=strong)
    return [_plain(adj.get(x), x) for x in xs]


def gradient(f: Callable, *args):
    """gradient(f, *args) -> ∂f/∂arg shaped like arg (a float for a scalar);
    a tuple with one entry per argument when there are several."""
    for a in args:
        if type(a) is not float:
            args = _args(args, "gradient")
            break
    else:
        if not args:
            _args(args, "gradient")
    paused = _gc_isenabled()
    if paused:
        # The tape keeps ~8 GC-tracked objects per operation alive until the sweep
        # and makes no cycles: collections meanwhile only rescan it (W2 at n = 1024
        # cost 39x plain evaluation with them, 26x without). Postponed, not lost.
        _gc_disable()
    stack = state.stack
    try:
        entries, xs, out, on = _record(f, args, stack)
        if type(out) is Tensor and type(out.value) is float:
            adj = {out: 1.0}
        else:
            adj = _scalar_seed(out, f)
        if stack and _outer(entries, on):
            # an outer tape records (gradient of a gradient): the sweep runs on Tensors,
            # so it is recorded too, and the gradient is a Tensor the outer tape knows
            sweep(entries, adj, None, True)
        # array code: drop each entry once swept, so intermediates are freed as the sweep
        # goes and its own arrays reuse their memory (W3 n=1e5: 1921 -> 1530 page faults)
        elif entries and type(entries[0][2].value) is np.ndarray:
            sweep(entries, adj, None, False, True)
        else:
            sweep(entries, adj)
        del entries, out    # freed before the collector is back on (it would rescan them)
    finally:
        if paused:
            _gc_enable()
    get = adj.get
    grads = []
    arrays = False
    for x in xs:
        ct = get(x)
        if type(ct) is float and type(x.value) is float:
            grads.append(ct)
        else:
            grads.append(_plain(ct, x))
            arrays = True
    if len(grads) == 1:
        return grads[0]
    return tuple(distinct(grads) if arrays else grads)


class NotScalarError(ValueError):
    """gradient's f returned no scalar; `f` is that function (hessian tells its own f's
    from one of a gradient call inside it)."""

    def __init__(self, message, f, got):
        super().__init__(message)
        self.f, self.got = f, got


def _scalar_seed(out, f=None):
    """{out: 1.0} for a scalar output of f (an empty dict for a constant); a
    ValueError naming the shape for anything else."""
    check_output(out, bools=False)
    if isinstance(out, (list, tuple, dict)):
        got = f"a {type(out).__name__}"
        raise NotScalarError(f"gradient needs f to return a scalar, got {got}; use vjp for "
                             "several outputs", f, got)
    value = out.value if isinstance(out, Tensor) else out
    if not isinstance(value, float) and np.ndim(value) != 0:
        got = f"shape {np.shape(value)}"
        raise NotScalarError(f"gradient needs f to return a scalar, got {got}; use jacobian",
                             f, got)
    return {out: 1.0} if isinstance(out, Tensor) else {}


def vjp(f: Callable, *args):
    """vjp(f, *args) -> (out, pullback): pullback(ct) is the tuple (ctᵀ·∂out/∂argᵢ)ᵢ,
    each shaped like argᵢ (a 1-tuple for one argument); ct is shaped like out."""
    # the pullback sweeps later: it must see the arguments as they are now, not as
    # the caller may change them in place meanwhile (JAX's arrays are immutable)
    # (order="K": a Fortran-ordered or transposed x keeps its layout, on which NumPy's
    # sums depend in the last bits, so out is f(x)'s value bit for bit)
    args = [a.copy(order="K") if type(a) is np.ndarray else a for a in _args(args, "vjp")]
    entries, xs, out, on = _record(f, args)
    entries = _frozen(entries)
    check_output(out, none_ok=True)
    outs = _leaves(out, [])
    value = _out_value(out)

    def pullback(ct):
        """pullback(ct) -> tuple of cotangents, one per argument of f."""
        cts = _leaves_like(ct, out, "the cotangent", [])
        given = []
        for o, c in zip(outs, cts):
            if o is None:               # an empty output (JAX's None): its cotangent None
                if c is not None:
                    raise ValueError(f"the cotangent of a None output must be None, got "
                                     f"{type(c).__name__}")
                given.append(None)
                continue
            if c is None or isinstance(c, (str, bytes)):
                raise TypeError(f"a cotangent must be a number or an array, got "
                                f"{type(c).__name__}")
            if not isinstance(c, float) and not _recorded(c):
                c = real_cotangent(c, "the cotangent")  # a Tensor a tape records stays one
            if np.shape(_out_value(c)) != np.shape(_out_value(o)):
                raise ValueError(f"cotangent shape {np.shape(c)} does not match the output "
                                 f"shape {np.shape(_out_value(o))}")
            given.append(c)
        # copies: an adjoint may be a value the tape holds (exp's partial is its output),
        # which a caller's in-place edit would change for every later pullback
        return tuple(g.copy() if type(g) is np.ndarray else g
                     for g in _pull(entries, on, xs, outs, given))

    if state.stack and _outer(entries, on):
        return out, pullback    # Tensors an outer tape records (a gradient through vjp's out)
    if isinstance(out, (list, tuple, dict)):
        return _rebuild(out, iter([_plain_out(v) for v in _leaves(value, [])])), pullback
    return _plain_out(value), pullback


def _frozen(entries: list) -> list:
    """entries with the constant arrays they hold (c of x * c, masks, index arrays) copied
    once each: vjp's pullback sweeps later, and must see them as f did, as JAX's does,
    whatever the caller writes into them meanwhile."""
    copies = {}

    def frozen(a):
        if type(a) is np.ndarray:
            c = copies.get(id(a))
            if c is None:
                c = copies[id(a)] = a.copy()
            return c
        if type(a) in (list, tuple):        # a list of values, a tuple index key
            return type(a)(frozen(b) for b in a)
        return a

    def holds(a):   # an array, a list (of numbers too: x * [1, 2]), a tuple key of arrays
        return type(a) is np.ndarray or type(a) is list or \
            type(a) is tuple and any(map(holds, a))
    out = []
    for e in entries:
        kw = e[1]
        if kw and any(holds(v) for v in kw.values()):
            e = e[:1] + ({k: frozen(v) for k, v in kw.items()},) + e[2:]
        if any(holds(a) for a in e[3:]):
            e = e[:3] + tuple(frozen(a) for a in e[3:])
        out.append(e)
    return out


def _plain_out(v):
    """A result as a plain value: a float for 0-d, a copy of an array (the value a tape
    recorded, which a partial may read again: exp's is its output)."""
    if isinstance(v, np.floating) or isinstance(v, np.ndarray) and v.ndim == 0:
        return float(v)
    return v.copy() if type(v) is np.ndarray else v


def jacobian(f: Callable, *args):
    """jacobian(f, *args) -> array of shape out.shape + arg.shape (one reverse sweep
    per output element); a tuple with one entry per argument for several args."""
    args = _args(args, "jacobian")
    entries, xs, out, on = _record(f, args)
    check_output(out, bools=False)
    value = _out_value(out)
    if isinstance(out, (list, tuple, dict)):
        raise ValueError(f"jacobian needs f to return one array, not a {type(out).__name__}; "
                         "stack the outputs")
    shape = np.shape(value)
    n = int(np.prod(shape))
    rows = []
    for j in range(n):
        seed = np.zeros(n)
        seed[j] = 1.0
        seed = seed.reshape(shape) if shape else 1.0
        row = _pull(entries, on, xs, (out,), (seed,))
        if not finite(row):
            # 0·∞ = nan where this row's zero seed meets an infinite partial (sqrt at 0
            # in another row): the sweep again with zeros that stay zero, as dualad's
            row = _pull(entries, on, xs, (out,), (seed,), strong=True)
        rows.append(row)
    blocks = []
    for i, x in enumerate(xs):
        xshape = np.shape(x.value)
        col = [np.reshape(r[i], xshape) for r in rows]
        block = np.reshape(np.stack(col), shape + xshape) if col else np.zeros(shape + xshape)
        blocks.append(_plain_out(block))
    return blocks[0] if len(blocks) == 1 else tuple(blocks)


def hessian(f: Callable, *args):
    """hessian(f, *args) -> shape arg.shape + arg.shape, forward over reverse (Duals flow
    through the recorded sweep); for several args the nested tuple H[i][j]."""
    args = _args(args, "hessian")

    def flat_gradient(*xs):
        g = gradient(f, *xs)
        parts = g if len(xs) > 1 else (g,)
        return np.concatenate([np.reshape(p, (-1,)) for p in parts])

    def dual_flat_gradient(*xs):
        with hessian_tags.running(frozenset(x.tag for x in xs if type(x) is dualad.Dual)):
            return flat_gradient(*xs)

    try:
        jac = dualad.jacobian(dual_flat_gradient, *args)
    except NotScalarError as e:
        if e.f is not f:
            raise       # a gradient call inside f, on another function: its own words
        raise ValueError(f"hessian needs f to return a scalar, got {e.got}") from None
    except TracedOutputError:
        if not state.stack:
            raise
        # f read a value a recording tape watches (a Variable, a watched constant): the
        # gradient is a Tensor that tape records, which a Dual cannot be read through;
        # reverse over reverse gives the Hessian as Tensors that tape can differentiate
        jac = jacobian(flat_gradient, *args)
    if len(args) == 1:
        return _plain_out(np.reshape(jac, np.shape(args[0]) * 2))
    sizes = [int(np.size(a)) for a in args]
    starts = np.cumsum([0] + sizes)
    return tuple(tuple(_plain_out(np.reshape(jac[j][starts[i]:starts[i + 1]],
                                             np.shape(args[i]) + np.shape(args[j])))
                       for j in range(len(args))) for i in range(len(args)))
