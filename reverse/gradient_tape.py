"""Tape: TensorFlow's GradientTape on the flat Wengert list of `reverse.tape`."""

from __future__ import annotations

import contextlib
import copy
import weakref

import numpy as np

from .pullback import distinct, finite, real_cotangent
from .sweep import sweep
from .tape import new_key, state
from .tensor import Tensor, Variable, _new_tensor

_MODES = ("none", "zero")


def _leaves(x, out: list):
    """Collect the leaves of a nested list/tuple/dict structure into out."""
    if isinstance(x, dict):         # OrderedDict, defaultdict too (TensorFlow's nest)
        for v in x.values():
            _leaves(v, out)
    elif isinstance(x, (list, tuple)):
        for v in x:
            _leaves(v, out)
    else:
        out.append(x)
    return out


def _leaves_like(x, like, what: str, out: list):
    """The leaves of x, which must have like's structure, in like's leaf order (dicts
    matched by key, as in JAX and TensorFlow; a leaf of like may match anything, such
    as a nested list for an array); ValueError naming the first mismatch."""
    if isinstance(like, dict):
        if not isinstance(x, dict) or x.keys() != like.keys():
            got = sorted(map(str, x)) if isinstance(x, dict) else type(x).__name__
            raise ValueError(f"{what} must be a dict with the keys {sorted(map(str, like))} "
                             f"of the output it goes with, got {got}")
        for k, v in like.items():
            _leaves_like(x[k], v, what, out)
    elif isinstance(like, (list, tuple)):
        if not isinstance(x, (list, tuple)) or len(x) != len(like):
            got = f"{len(x)} items" if isinstance(x, (list, tuple)) else type(x).__name__
            raise ValueError(f"{what} must be a list or tuple of {len(like)} items, like the "
                             f"output it goes with, got {got}")
        for a, b in zip(x, like):
            _leaves_like(a, b, what, out)
    else:
        out.append(x)
    return out


def _rebuild(x, it):
    """The structure of x with its leaves taken in order from iterator it."""
    if isinstance(x, dict):
        items = [(k, _rebuild(v, it)) for k, v in x.items()]
        if type(x) is dict:
            return dict(items)
        out = copy.copy(x)      # the same dict type (a defaultdict keeps its factory)
        out.clear()
        out.update(items)
        return out
    if isinstance(x, (list, tuple)):
        items = [_rebuild(v, it) for v in x]
        return type(x)(*items) if hasattr(x, "_fields") else type(x)(items)
    return next(it)


def _mode(unconnected_gradients) -> str:
    mode = str(getattr(unconnected_gradients, "value", unconnected_gradients)).lower()
    if mode not in _MODES:
        raise ValueError(f"unconnected_gradients must be 'none' or 'zero', "
                         f"not {unconnected_gradients!r}")
    return mode


def _finish(ct, source):
    """A cotangent as a Tensor shaped like source (plain ones are copied if read-only)."""
    if isinstance(ct, Tensor):
        return ct
    shape = np.shape(source.value)
    if np.shape(ct) != shape:
        ct = np.broadcast_to(ct, shape)
    if isinstance(ct, np.ndarray):
        ct = float(ct) if ct.ndim == 0 else (ct if ct.flags.writeable else np.array(ct))
    elif isinstance(ct, np.floating):
        ct = float(ct)
    return _new_tensor(ct)


_ALIVE: weakref.WeakValueDictionary = weakref.WeakValueDictionary()    # key -> its Tape


class Tape:
    """Tape(persistent=False, watch_accessed_variables=True): a context manager that
    records operations on watched Tensors; gradient() then runs the reverse sweep."""

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self.persistent = bool(persistent)
        self._auto = bool(watch_accessed_variables)
        self._used = False
        self._paused = False        # within stop_recording(): watch() is ignored, as TF's
        self.reset()

    def reset(self) -> None:
        """tape.reset(): forget everything recorded (as a new tape; recording goes on)."""
        old = getattr(self, "_key", None)
        if old is not None:
            _ALIVE.pop(old, None)
        self.entries = []
        self._vars = {}
        self._key = new_key()
        self._on1 = (self._key,)
        _ALIVE[self._key] = self

    def __repr__(self) -> str:
        return f"<reverse.Tape persistent={self.persistent} entries={len(self.entries)}>"

    def __enter__(self) -> Tape:
        if self._used:
            # TensorFlow's: a non-persistent tape whose gradient was taken records afresh
            self.reset()
            self._used = False
        if self in state.stack:
            raise RuntimeError("this Tape is already recording")
        state.stack.append(self)
        return self

    def __exit__(self, *exc) -> None:
        stack = state.stack
        for i in range(len(stack) - 1, -1, -1):
            if stack[i] is self:
                del stack[i]
                break

    def watch(self, x) -> None:
        """tape.watch(x): record operations on x (a Tensor, a Variable, or a list, tuple
        or dict of them, nested)."""
        if isinstance(x, (list, tuple, dict)):
            for y in (x.values() if isinstance(x, dict) else x):
                self.watch(y)
        elif self._paused and isinstance(x, Tensor):
            return      # TensorFlow ignores a watch while stop_recording() holds the tape
        elif type(x) is Variable:
            self._vars[id(x)] = x
        elif type(x) is Tensor:
            key = self._key
            if key not in x._on:
                # keys of tapes that still exist (a persistent tape out of its block may
                # record again: dropping its key lost the ops on x there) or record now
                # (reverse.gradient's private tape around f: dropping it gave 0.0)
                recording = {t._key for t in state.stack}
                kept = tuple(k for k in x._on if k in _ALIVE or k in recording)
                x._on = kept + self._on1 if kept else self._on1
        else:
            raise TypeError(f"tape.watch takes a Tensor, a Variable or a list of them, not "
                            f"{type(x).__name__}; wrap values with reverse.constant(...)")

    def watched_variables(self) -> tuple:
        """tape.watched_variables() -> the Variables this tape watches, in the order they
        were created (TensorFlow's: `zip(grads, watched_variables())` lines up alike)."""
        return tuple(sorted(self._vars.values(), key=Variable.serial.__get__))

    @contextlib.contextmanager
    def stop_recording(self):
        """with tape.stop_recording(): ... -- nothing in the block is recorded on tape."""
        stack = state.stack
        if self not in stack:
            raise RuntimeError("stop_recording() needs the tape to be recording "
                               "(call it inside the tape's `with` block)")
        i = next(j for j, t in enumerate(stack) if t is self)
        del stack[i]
        paused, self._paused = self._paused, True
        try:
            yield
        finally:
            self._paused = paused
            stack.insert(min(i, len(stack)), self)

    # -- gradients --------------------------------------------------------------
    def _check_usable(self):
        if self._used:
            raise RuntimeError("gradient()/jacobian() can only be called once on a "
                               "non-persistent Tape (its records were released); use "
                               "Tape(persistent=True) to compute several gradients")

    def _sources(self, sources):
        flat = _leaves(sources, [])
        for s in flat:
            if not isinstance(s, Tensor):
                raise TypeError(f"sources must be reverse.Tensor or reverse.Variable values (or "
                                f"lists/tuples/dicts of them), not {type(s).__name__}; use "
                                "reverse.constant(x) and tape.watch")
        return flat

    def _slot(self, t, what):
        """The slot of a target recorded (or watched) on this tape."""
        if type(t) is Variable:
            if id(t) in self._vars:
                return t
        elif type(t) is Tensor:
            if self._key in t._on:
                return t
        else:
            raise TypeError(f"{what} must be a reverse.Tensor recorded on this tape, "
                            f"not {type(t).__name__}")
        raise ValueError(f"{what} was not recorded on this tape: it was computed outside "
                         "the tape's `with` block (or under stop_recording), or from nothing "
                         "the tape watched (tape.watch(x)); unconnected_gradients='zero' "
                         "takes it as a constant (zero gradients)")

    def _reaches(self, s) -> bool:
        """Whether source s is on this tape: a Variable it watches, or a Tensor it
        watched or produced.  TensorFlow answers None for any other source, an operand
        of a recorded operation included (∂(c·x)/∂c with only x watched; it was c's
        true derivative), an intermediate made before the tape, a stop_gradient result."""
        return id(s) in self._vars if type(s) is Variable else self._key in s._on

    def _read(self, s, kept, adj, seeded):
        """Source s's cotangent after a sweep: None where the tape does not reach s (the
        sweep left an unwatched operand's adjoint in adj) unless s is a seeded target."""
        if self._reaches(s) or any(s is k for k in seeded):
            return kept.get(s, adj.get(s))
        return None

    def _seeded(self, t, mode, flat):
        """`_connected(t)`, or t itself for an unrecorded target that is also a source:
        ∂t/∂t = 1, as TensorFlow seeds it (tape.gradient(v, v) of an unread v was None)."""
        k = self._connected(t, mode)
        if k is None and any(t is f for f in flat):
            return t
        return k

    def _connected(self, t, mode):
        """`_slot` of target t, or None for a Tensor this tape did not record (computed
        outside its block, under stop_recording, from nothing it watched): a constant
        that seeds nothing, so every source is unconnected (None, or zeros with
        unconnected_gradients='zero'), as TensorFlow answers."""
        if isinstance(t, Tensor):
            try:
                return self._slot(t, "target")
            except ValueError:
                return None
        if isinstance(t, (int, float, np.number, np.ndarray)) and not isinstance(t, bool):
            return None     # a plain number or array (y = 3.0 in the block): a constant
        return self._slot(t, "target")

    def _sweep(self, adj, keep, strong=False):
        """Run backward over this tape, not recording on itself; nested if others record.
        As in TensorFlow, a persistent tape asked inside its own `with` block records the
        sweep on itself (higher derivatives from one tape): the reverse iteration does
        not reach the entries the sweep appends."""
        stack = state.stack
        if self.persistent and any(t is self for t in stack):
            return sweep(self.entries, adj, keep, nested=True, strong=strong)
        idx = [i for i, t in enumerate(stack) if t is self]
        for i in reversed(idx):
            del stack[i]
        try:
            kept = sweep(self.entries, adj, keep, nested=bool(stack), strong=strong)
        finally:
            for i in idx:
                stack.insert(i, self)
        return kept

    def _release(self):
        """A non-persistent tape drops its records (and stops recording) after one use."""
        if not self.persistent:
            self._used = True
            self.entries = []
            # its key records nothing again (re-entered, the tape takes a new one): a
            # Tensor watched on many such tapes kept in a list no longer keeps every key
            # (each operation on it scanned them: O(steps²) over a training loop)
            _ALIVE.pop(self._key, None)
            self.__exit__()     # _vars kept: watched_variables() still answers, as in TF

    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients: str = "none"):
        """tape.gradient(target, sources) -> Tensors structured like sources:
        ∂(Σ target)/∂s, each shaped like s (None if unconnected)."""
        self._check_usable()
        mode = _mode(unconnected_gradients)
        flat = self._sources(sources)
        targets = _leaves(target, [])       # [] sums to a constant: unconnected, as TF
        if output_gradients is None:
            seeds = [None] * len(targets)
        else:
            og = output_gradients
            if isinstance(target, Tensor) and isinstance(og, (list, tuple)) and len(og) == 1 \
                    and np.shape(og[0].value if isinstance(og[0], Tensor) else og[0]) \
                    == np.shape(target.value):
                og = og[0]      # [dy] for one target, as TensorFlow flattens both sides
            if len(targets) == 1 and not isinstance(og, (list, tuple, dict)):
                seeds = [og]    # one dy for a target [y], {'k': y}, [[y]], likewise
            else:
                seeds = _leaves_like(og, target, "output_gradients", [])
        adj = {}
        seeded = []
        for t, s in zip(targets, seeds):
            k = self._seeded(t, mode, flat)
            if k is None:
                continue        # a constant to this tape: no gradient flows from it
            seeded.append(k)
            v = t.value
            if s is None:
                s = 1.0 if np.ndim(v) == 0 else np.ones(np.shape(v))
            else:
                if not (state.stack and isinstance(s, Tensor)):
                    s = s.value if isinstance(s, Tensor) else \
                        real_cotangent(s, "output_gradients")
                elif type(s) is Variable:
                    s = +s      # a recorded read: the result is not the Variable itself
                if np.shape(s) != np.shape(v):
                    raise ValueError(f"output_gradients shape {np.shape(s)} does not match "
                                     f"the target's shape {np.shape(v)}")
            old = adj.get(k)
            adj[k] = s if old is None else old + s
        kept = self._sweep(adj, set(flat))
        results = []
        for s in flat:
            ct = self._read(s, kept, adj, seeded)
            if ct is None:
                results.append(None if mode == "none" else _new_tensor(np.zeros_like(s.value)
                                                                       if np.ndim(s.value)
                                                                       else 0.0))
            else:
                results.append(_finish(ct, s))
        # no two results, nor a result and an output_gradients array, share memory
        values = distinct([r.value if type(r) is Tensor else r for r in results], seeds)
        for r, v in zip(results, values):
            if type(r) is Tensor and r.value is not v:
                r.value = v
        self._release()
        return _rebuild(sources, iter(results))

    def _row(self, k, seed, flat, keep) -> list:
        """The cotangents of the sources flat for cotangent seed of target slot k (None
        where unconnected); a non-finite one is redone with 0·∞ = 0 from the seed's
        zero entries, as functional.jacobian does."""
        if k is None:
            return [None] * len(flat)
        adj = {k: seed}
        kept = self._sweep(adj, keep)
        row = [self._read(s, kept, adj, (k,)) for s in flat]
        if not finite(row):
            adj = {k: seed}
            kept = self._sweep(adj, keep, strong=True)
            row = [self._read(s, kept, adj, (k,)) for s in flat]
        return row

    def jacobian(self, target, source=None, unconnected_gradients: str = "none",
                 parallel_iterations=None, experimental_use_pfor=True, *, sources=None):
        """tape.jacobian(target, source) -> Tensors structured like source (one Tensor or
        a list/tuple/dict of them; `sources=` as TensorFlow names it), each of shape
        target.shape + s.shape: ∂target[i]/∂s[j].  parallel_iterations and
        experimental_use_pfor are TensorFlow's vectorisation hints: accepted, and the
        rows are swept one by one."""
        if (source is None) == (sources is None):
            raise TypeError("tape.jacobian(target, source) needs one source argument "
                            "(source= or TensorFlow's sources=)")
        sources = source if sources is None else sources
        self._check_usable()
        mode = _mode(unconnected_gradients)
        flat = self._sources(sources)
        if isinstance(target, (list, tuple, dict)):
            raise TypeError(f"tape.jacobian takes one target, not a {type(target).__name__}; "
                            "stack several with np.stack, or call it once per target")
        k = self._seeded(target, mode, flat)
        tshape = np.shape(target.value if isinstance(target, Tensor) else target)
        n = int(np.prod(tshape))
        keep = set(flat)
        rows = [[] for _ in flat]
        for j in range(n):
            seed = np.zeros(n)
            seed[j] = 1.0
            seed = seed.reshape(tshape) if tshape else 1.0
            for r, c in zip(rows, self._row(k, seed, flat, keep)):
                r.append(c)
        results = []
        for r, s in zip(rows, flat):
            if n and all(c is None for c in r) and mode == "none":
                results.append(None)
                continue
            if not n:       # an empty target: an empty Jacobian (TensorFlow's zeros)
                results.append(_new_tensor(np.zeros(tshape + np.shape(s.value))))
                continue
            zero = np.zeros(np.shape(s.value))
            cols = [zero if c is None else _finish(c, s) for c in r]
            cols = [c.value if type(c) is Tensor and not c._on else c for c in cols]
            jac = np.reshape(np.stack(cols), tshape + np.shape(s.value))
            results.append(jac if isinstance(jac, Tensor) else _new_tensor(jac))
        self._release()
        return _rebuild(sources, iter(results))

    def batch_jacobian(self, target, source, unconnected_gradients: str = "none",
                       parallel_iterations=None, experimental_use_pfor=True):
        """tape.batch_jacobian(target, source) -> Tensor of shape (b, *target.shape[1:],
        *source.shape[1:]): ∂target[i, ...]/∂source[i, ...] for each example i of the
        batch, as TensorFlow's.  Like it, assumes example i of target depends only on
        example i of source (otherwise the other examples' terms are summed in): one
        sweep per entry of target.shape[1:], each seeding that entry in every example."""
        self._check_usable()
        mode = _mode(unconnected_gradients)
        flat = self._sources(source)
        if len(flat) != 1 or isinstance(source, (list, tuple, dict)):
            raise TypeError("tape.batch_jacobian takes one source Tensor, as TensorFlow's")
        if isinstance(target, (list, tuple, dict)):
            raise TypeError(f"tape.batch_jacobian takes one target, not a "
                            f"{type(target).__name__}")
        k = self._seeded(target, mode, flat)
        tshape = np.shape(target.value if isinstance(target, Tensor) else target)
        sshape = np.shape(flat[0].value)
        if not tshape or not sshape or tshape[0] != sshape[0]:
            raise ValueError(f"batch_jacobian needs target and source with the same first "
                             f"(batch) dimension; got shapes {tshape} and {sshape}")
        b, m = tshape[0], int(np.prod(tshape[1:]))
        cols = []
        for j in range(m):
            seed = np.zeros((b, m))
            seed[:, j] = 1.0
            cols.append(self._row(k, seed.reshape(tshape), flat, {flat[0]})[0])
        self._release()
        # an unconnected source gives zeros whatever unconnected_gradients says, as
        # TensorFlow's batch_jacobian ("compatibility with the previous behavior")
        zero = np.zeros(sshape)
        cols = [zero if c is None else _finish(c, flat[0]) for c in cols]
        cols = [c.value if type(c) is Tensor and not c._on else c for c in cols]
        jac = np.stack(cols, axis=1) if m else np.zeros((b, 0) + sshape[1:])
        jac = np.reshape(jac, tshape + sshape[1:])
        return jac if isinstance(jac, Tensor) else _new_tensor(jac)
