"""The tape: a flat Wengert list of the elementary operations that ran.

Baydin et al. 2018: a program is a sequence v_i = φ_i(v_j, ...).  While a
`Tape` records, every operation on a watched `Tensor` appends one entry, in
evaluation order, to ``tape.entries`` (a plain list); the backward sweep
(`reverse.sweep`) walks it with ``for entry in reversed(entries)``.

Entry format (stable; `dualad.trace` and `dualad.compile` read it)::

    (fn, kwargs, out, *args)

- ``fn``: the primitive, an object you can call on primal values:
  a NumPy ufunc from ``dualad.rules.ELEMENTWISE`` (``np.sin``, ``np.multiply``,
  ...; ``x - y`` records ``np.subtract``, ``x / y`` ``np.divide``, ``-x``
  ``np.negative``, ``x ** y`` ``np.power``), a NumPy function from
  ``dualad.structural.STRUCTURAL`` (``np.sum``, ``np.matmul``, ``np.where``, ...;
  composites such as ``np.mean`` never appear: their parts do),
  ``operator.getitem`` for indexing (args ``(x, key)``), or `read_variable`
  (args ``(variable,)``): the snapshot of a `Variable`'s value taken when an
  operation uses it (``out.value`` is the value read; ``id(variable)`` the
  variable's slot).
- ``kwargs``: the keyword arguments of the call (``{"axis": 0}``) or ``None``.
- ``out``: the output `Tensor`.  ``id(out)`` is its slot (unique while the tape
  holds the entry); ``out.value`` its primal value.
- ``args``: the positional arguments as the primitive received them, traced
  inputs being `Tensor` objects (slot ``id(a)``, primal ``a.value``; a slot no
  entry produces is a watched source) and constants plain values; a sequence
  argument (``np.concatenate([a, b])``) is a list mixing both.  Evaluating
  ``fn(*primals, **(kwargs or {}))``, with each Tensor replaced by its value,
  reproduces ``out.value``.

So ``for fn, kwargs, out, *args in tape.entries`` walks the forward trace in
order.  Entries hold no closures and no adjoints: the sweep keeps adjoints in a
dict keyed by slot, so a persistent tape answers any number of gradient calls.

Which operations are recorded (TensorFlow's rule): a Tensor carries in
``_on`` the keys of the tapes that watch it; an operation is recorded on each
recording tape that watches one of its inputs, and its output is then
watched by those tapes.  Recording tapes are per thread (`threading.local`).
"""

from __future__ import annotations

import contextlib
import itertools
import threading

_keys = itertools.count(1)
NOT_ON = ()
# a tape's _auto that watches every Variable read, trainable or not (dualad.compile's
# tracing tape: a read it does not record is frozen into the compiled code)
EVERY = "every Variable"


class _State(threading.local):
    def __init__(self):
        self.stack = []  # recording tapes of this thread, innermost last
        # observer(fn, result, args, kwargs) hears every decision taken on traced
        # values (comparisons, bool(), primal-only functions) in this thread;
        # dualad.compile uses it to turn branches into guards
        self.observer = None


def observed(fn, result, args, kwargs=None):
    """Report a decision on traced values to this thread's observer; returns result."""
    obs = state.observer
    if obs is not None:
        obs(fn, result, args, kwargs)
    return result


state = _State()


class _HessianTags:
    """Tags of the Dual passes of reverse.hessian (forward over reverse) running now, in
    any thread (a value f hands to a worker thread keeps its tag; tags are never reused,
    so one call's cannot meet another's): their tangents differentiate f too, so what
    stops f's gradient (x.numpy(), constant(x)) stops them as well."""

    tags = frozenset()      # replaced, never mutated: readers take no lock
    _lock = threading.Lock()

    @classmethod
    @contextlib.contextmanager
    def running(cls, new):
        with cls._lock:
            cls.tags = cls.tags | new
        try:
            yield
        finally:
            with cls._lock:
                cls.tags = cls.tags - new


hessian_tags = _HessianTags


def new_key() -> int:
    """A key no tape has used."""
    return next(_keys)


def read_variable(value):
    """read_variable(v) -> v: the identity; the primitive a Variable read records."""
    return value


def record(fn, kwargs, out, args, inputs) -> tuple:
    """Append (fn, kwargs, out, *args) to every recording tape that watches one of
    `inputs` (the Tensors among args); return the `_on` keys for `out`."""
    stack = state.stack
    if len(stack) == 1:
        tape = stack[0]
        key = tape._key
        on1 = tape._on1
        for a in inputs:
            o = a._on
            if o is on1 or key in o:
                tape.entries.append((fn, kwargs, out, *args))
                return on1
        return NOT_ON
    on = []
    entry = None
    for tape in stack:
        key = tape._key
        for a in inputs:
            if key in a._on:
                if entry is None:
                    entry = (fn, kwargs, out, *args)
                tape.entries.append(entry)
                on.append(key)
                break
    return tuple(on) if on else NOT_ON
