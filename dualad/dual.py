"""The forward-mode engine: a Dual number v + v̇·ε with ε² = 0.

An elementary operation v = φ(a, b) on Duals computes the primal φ(a, b) and
the tangent v̇ = ∂φ/∂a·ȧ + ∂φ/∂b·ḃ, with the partials read from the one table
in `dualad.rules` (structural array operations from `dualad.structural`).

- The tangent may carry k directions at once as a leading axis
  (tangent.shape == (k,) + primal.shape); `ndir` is k, or 0 for one direction.
- ``None`` is the zero tangent: rules skip it.
- `tag` names the differentiation the Dual belongs to.  In an operation
  between Duals of different tags the newer (larger) tag is the outer one and
  the other operand is a constant whose primal may itself be a Dual
  (ForwardDiff's rule against perturbation confusion).
"""

from __future__ import annotations

import contextlib
import itertools
import math
import threading

import numpy as np

from .array_methods import ArrayMethods
from .dispatch import NOT_HANDED_OVER, refuse_complex
from .rules import ELEMENTWISE
from .structural import basic_key

_CONSTANT_TYPES = (float, int, np.ndarray, np.generic)
_tags = itertools.count(1)      # one clock for every tag (forward.new_tag, Taylor mode)


class _ZeroRule(threading.local):
    strong = False      # within strong_zeros(): a zero tangent times ∞ or NaN gives 0


ZERO_RULE = _ZeroRule()
_strong_count = 0       # strong_zeros() contexts open in all threads (dual_fast.STRONG_ANY)
_strong_lock = threading.Lock()


def _count_strong(step):
    global _strong_count
    with _strong_lock:
        _strong_count += step
        # the scalar fast paths read a module global (~4 ns) before the thread-local
        # ZERO_RULE.strong (~40 ns, 10 % of a jvp operation)
        _fast.STRONG_ANY = _strong_count > 0


@contextlib.contextmanager
def strong_zeros():
    """Within: v̇ = Σ ∂ᵢ·ȧᵢ takes a term whose tangent entry is exactly 0 as 0, even where
    the partial is ∞ or NaN (sqrt'(0)·0 = 0), as reverse mode's single sweep does, where
    IEEE gives 0·∞ = nan.  `forward` redoes a pass with it when the pass came out
    non-finite, so a direction that does not move x[0] is not poisoned by sqrt'(x[0]) = ∞
    (gradient of sum(sqrt(x)) at (0, 1): (inf, 0.5), not (inf, nan))."""
    old = ZERO_RULE.strong
    ZERO_RULE.strong = True
    _count_strong(1)
    try:
        yield
    finally:
        ZERO_RULE.strong = old
        _count_strong(-1)


def _strong_product(p, t):
    """p·t with 0 wherever t is exactly 0 (strong_zeros): at every level, when t is a
    Dual of an outer call (a Hessian's inner tangent), its own tangent included."""
    if isinstance(t, (float, int, complex)):
        return t * 0.0 if t == 0 else p * t
    if type(t) is Dual and (type(p) is not Dual or p.tag == t.tag):
        return _strong_dual(p, t)
    zero = _exact_zero(t)
    with np.errstate(invalid="ignore"):
        if type(t) is Dual and not np.ndim(zero):
            return t * 0.0 if zero else p * t
        return np.where(zero, 0.0, p * t)


def _strong_dual(p, t):
    """p·t for t = t₀ + Σⱼ t₁ⱼ·εⱼ of an outer call (and p = p₀ + Σⱼ p₁ⱼ·εⱼ, or a constant),
    part by part, each under the strong rule: (p·t)₀ = p₀·t₀ and (p·t)₁ⱼ = p₀·t₁ⱼ + p₁ⱼ·t₀,
    so an outer direction j is zeroed where its own t₁ⱼ is 0, whatever the others (a
    Hessian did not depend on chunk_size).  Recursion over nesting levels only."""
    pd = type(p) is Dual
    p0, p1 = (p.primal, p.tangent) if pd else (p, None)
    t0, t1 = t.primal, t.tangent
    with np.errstate(invalid="ignore"):
        prim = _strong_product(p0, t0)
        if t1 is not None and t.ndir and np.ndim(p0) > np.ndim(t0):
            # t₁ (k, *t₀) meets a larger p₀: its direction axis first, then t₀'s axes
            t1 = np.reshape(t1, np.shape(t1)[:1] + (1,) * (np.ndim(p0) - np.ndim(t0))
                            + np.shape(t0))
        tan = None if t1 is None else _strong_product(p0, t1)
        if p1 is not None:
            if t.ndir:      # p₁ (k, *p₀) meets t₀ (its inner direction axes first)
                extra = np.ndim(t0) - np.ndim(p0)
                if extra > 0:
                    p1 = np.reshape(p1, np.shape(p1)[:1] + (1,) * extra + np.shape(p1)[1:])
            term = _strong_product(p1, t0)
            tan = term if tan is None else tan + term
    return _make(prim, tan, t.tag, t.ndir)


def _exact_zero(t):
    """Where t is exactly 0: its value and, for a Dual of an outer call, every nested
    tangent (over all directions) too.  t == 0 on a Dual compares its primal only:
    an inner tangent 2x·ẋ at x = 0 is 0 there, but not its outer derivative 2·ẋ."""
    if type(t) is not Dual:
        return t == 0
    zero = _exact_zero(t.primal)
    if t.tangent is not None:
        nested = _exact_zero(t.tangent)
        zero = zero & (np.all(nested, axis=0) if t.ndir else nested)
    return zero


def _level_above(primal, tangent) -> float:
    """A hand-built Dual's tag around a Dual: the float just above the newest tag issued
    so far (at least its Duals' own): newer than the calls running now (their Duals are
    its constants, also an inner call's around an outer x), older than any later call,
    and the same for every Dual built at that point (Dual(x, 1.0) and Dual(x, 0.0) in one
    f are one perturbation).  A plain Dual(2.0, 1.0) keeps tag 0."""
    inner = max(a.tag if type(a) is Dual else 0 for a in (primal, tangent))
    issued = int(repr(_tags)[6:-1]) - 1     # itertools.count(n): n − 1 was the last
    return math.nextafter(max(inner, issued), math.inf)


class Dual(ArrayMethods):
    """Dual(primal, tangent): a value with its derivative along one or k directions.

    Its tag is 0 (older than every differentiation call), or, when the primal or
    tangent is a Dual (one built inside a function being differentiated), the tag
    just above the Duals it holds (`_level_above`): it is then the outer level, and
    the Duals of the enclosing call are its constants (no perturbation confusion)."""

    __slots__ = ("primal", "tangent", "tag", "ndir")
    __array_priority__ = 100

    def __init__(self, primal, tangent=None, tag: int | None = None):
        primal = _as_float(primal, "primal")
        if tag is None:
            tag = _level_above(primal, tangent) \
                if type(primal) is Dual or type(tangent) is Dual else 0
        ndir = 0
        if tangent is not None:
            tangent = _as_float(tangent, "tangent")
            pshape, tshape = np.shape(primal), np.shape(tangent)
            if tshape[1:] == pshape and len(tshape) == len(pshape) + 1:
                ndir = tshape[0]
            elif tshape != pshape:
                raise ValueError(
                    f"tangent shape {tshape} does not match primal shape {pshape} "
                    f"(one direction) or (k,) + {pshape} (k directions)")
        self.primal = primal
        self.tangent = tangent
        self.tag = tag
        self.ndir = ndir

    # -- display and conversions --------------------------------------------
    def __repr__(self) -> str:
        return f"Dual({self.primal!r}, {self.tangent!r})"

    def __format__(self, spec: str) -> str:
        # f"{x[0]:.3f}" inside f formats the primal, as NumPy formats the np.float64
        return format(self.primal, spec) if spec else str(self)

    def __float__(self):
        raise TypeError("float(), int() or complex() would drop the tangent of a Dual; use "
                        "d.primal (or np.sin etc. instead of math.sin). Storing a Dual into a "
                        "float array (out[i] = d; NumPy then says 'setting an array element with a "
                        "sequence') drops it too: build arrays with np.stack / np.where")

    __int__ = __complex__ = __trunc__ = __float__

    def __index__(self):
        raise TypeError("a Dual is not an integer: it cannot index, slice or repeat "
                        "(use int(d.primal) for its value)")

    def __array__(self, dtype=None, copy=None):
        raise TypeError("a Dual cannot become a plain NumPy array (the tangent would be "
                        "lost); build arrays of Duals with np.stack, or use d.primal"
                        + NOT_HANDED_OVER)

    def __bool__(self) -> bool:
        return bool(self.primal)

    def __len__(self) -> int:
        if not np.ndim(self.primal):
            raise TypeError("len() of a 0-d Dual")
        return len(self.primal)

    def __iter__(self):
        # refused at once for a 0-d Dual (a generator raised only at its first item, so
        # np.iterable(x[0]) was True where NumPy's np.float64 answers False)
        return (self[i] for i in range(len(self)))

    __hash__ = None

    # -- shape ---------------------------------------------------------------
    shape = property(lambda self: np.shape(self.primal))
    ndim = property(lambda self: np.ndim(self.primal))
    size = property(lambda self: np.size(self.primal))
    dtype = property(lambda self: np.result_type(self.primal))

    # -- arithmetic: every operator is a table primitive ----------------------
    # + - * / ** and unary - (and a faster __array_ufunc__) are set below the class
    # from dual_fast.OPERATORS
    def __floordiv__(self, other):
        return _elementwise(np.floor_divide, (self, other))

    def __rfloordiv__(self, other):
        return _elementwise(np.floor_divide, (other, self))

    def __mod__(self, other):
        return _elementwise(np.remainder, (self, other))

    def __rmod__(self, other):
        return _elementwise(np.remainder, (other, self))

    def __matmul__(self, other):
        return _array_function(np.matmul, (self, other), {})

    def __rmatmul__(self, other):
        return _array_function(np.matmul, (other, self), {})

    def __pos__(self):
        return self

    def __abs__(self):
        return _elementwise(np.absolute, (self,))

    # comparisons look at primals only, and give NumPy's bool for a scalar as
    # np.float64's do (a Python bool made ~(x[0] > 0) the int -2, which is true)
    def __lt__(self, other):
        r = self.primal < _compared(other)
        return _BOOLS[r] if r.__class__ is bool else r

    def __le__(self, other):
        r = self.primal <= _compared(other)
        return _BOOLS[r] if r.__class__ is bool else r

    def __gt__(self, other):
        r = self.primal > _compared(other)
        return _BOOLS[r] if r.__class__ is bool else r

    def __ge__(self, other):
        r = self.primal >= _compared(other)
        return _BOOLS[r] if r.__class__ is bool else r

    def __eq__(self, other):
        r = self.primal == _compared(other)
        return _BOOLS[r] if r.__class__ is bool else r

    def __ne__(self, other):
        r = self.primal != _compared(other)
        return _BOOLS[r] if r.__class__ is bool else r

    # -- indexing (a linear op) ----------------------------------------------
    def __getitem__(self, key):
        p, t = self.primal, self.tangent
        if type(key) is tuple and not key and type(p) is float:
            return self         # d[()] of a scalar is the scalar, as np.float64(v)[()]
        if type(key) is int and type(p) is _ndarray and p.ndim == 1 and p.dtype is _F8 and \
                not self.ndir and (t is None or type(t) is _ndarray and t.dtype is _F8):
            # x[i] of a float64 vector (scalar loops): Python floats, the same numbers,
            # which take the fast paths (float32 stays float32 below)
            d = _new(Dual)
            d.primal = p.item(key)
            d.tangent = None if t is None else t.item(key)
            d.tag = self.tag
            d.ndir = 0
            return d
        if type(p) is float:    # x[i][None], x[i][...]: index the np.float64 it stands for
            p = _f64(p)
        if type(t) is not _ndarray:
            t = _numpy_scalar(t)    # (a 0-d array's seeded tangent 1.0 too)
        p = p[key]
        if t is not None:
            if self.ndir:
                if type(key) is tuple and not basic_key(key):
                    # advanced indices (arrays, lists, tuples, ranges, bools) apart from
                    # each other send their axes to the front, before a leading slice
                    # too: index with the direction axis last (a slice after the key),
                    # then move it back first
                    t = np.moveaxis(np.moveaxis(t, 0, -1)[key + (slice(None),)], -1, 0)
                else:
                    t = t[(slice(None),) + key] if type(key) is tuple else t[:, key]
            else:
                t = t[key]
        if type(p) is np.float64:       # one element: a Python float takes the fast paths
            p = float(p)
            if type(t) is np.float64:
                t = float(t)
        return _make(p, t, self.tag, self.ndir)

    def __setitem__(self, key, value):
        raise TypeError("Duals are immutable; build the array with np.where, "
                        "np.concatenate or np.stack instead of item assignment")

    # -- NumPy protocols -----------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        # dual_fast installs a version with scalar fast paths in front of this one
        if method == "__call__" and not kwargs and ufunc in ELEMENTWISE:
            return _elementwise(ufunc, inputs)
        return _ufunc_general(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return _array_function(func, args, kwargs)


_new = object.__new__
_BOOLS = (np.False_, np.True_)     # a Python bool's NumPy counterpart, by index
_f64, _c128 = np.float64, np.complex128
_ndarray = np.ndarray
_F8 = np.dtype(np.float64)


def _make(primal, tangent, tag, ndir):
    d = _new(Dual)
    d.primal = primal
    d.tangent = tangent
    d.tag = tag
    d.ndir = ndir
    return d


def _as_float(x, what):
    if isinstance(x, Dual):
        return x
    if isinstance(x, bool) or isinstance(x, (int, np.integer)):
        return float(x)
    if isinstance(x, (float, np.floating)):
        return x
    if isinstance(x, np.ndarray) and x.dtype.kind in "biuf":
        return x.astype(np.float64) if x.dtype.kind != "f" else x
    raise TypeError(f"Dual {what} must be a float, an int or a NumPy float array, "
                    f"not {type(x).__name__}")


def _primal(x):
    return x.primal if type(x) is Dual else x


def _compared(x):
    """The other side of a comparison: a Dual's primal; a list or tuple as the array
    NumPy makes of it (np.float64(2.0) == [2.0] is array([True]); a float's is False)."""
    t = type(x)
    if t is Dual:
        return x.primal
    if t is list or t is tuple:
        return np.asarray([_compared(v) for v in x])
    return x


def numpy_bool(r):
    """A comparison's result as NumPy gives it for np.float64 scalars: np.bool_ for a
    Python bool (whose ~ is the int −2), anything else unchanged."""
    return _BOOLS[r] if r.__class__ is bool else r


def _outer_tag(args):
    """The newest tag among the Duals in args (and its direction count), or None."""
    tag, ndir = -1, 0
    for a in args:
        if type(a) is Dual:
            if a.tag > tag:
                tag, ndir = a.tag, a.ndir
        elif type(a) in (list, tuple):
            for b in a:
                if type(b) is Dual:
                    if b.tag > tag:
                        tag, ndir = b.tag, b.ndir
                elif not isinstance(b, _CONSTANT_TYPES) and hasattr(type(b), "__array_ufunc__"):
                    return None, 0      # as below, inside np.stack([dual, tensor]) too
        elif not isinstance(a, _CONSTANT_TYPES) and hasattr(type(a), "__array_ufunc__"):
            return None, 0      # another traced type (a reverse.Tensor): let it handle us
    return tag, ndir


_OPERAND_TYPES = _CONSTANT_TYPES + (Dual, list, tuple)


def _split(a, tag):
    """(primal, tangent) of a at this tag; anything else is a constant."""
    if type(a) is Dual and a.tag == tag:
        return a.primal, a.tangent
    return a, None


def _elementwise(ufunc, args):
    """v = φ(args) and v̇ = Σᵢ ∂φ/∂argᵢ · ȧrgᵢ, from the ELEMENTWISE row of φ."""
    tag, ndir = _outer_tag(args)
    if tag is None:
        return NotImplemented   # another traced type: let it handle us
    primals, tangents = [], []
    for a in args:
        if not isinstance(a, _OPERAND_TYPES):
            return NotImplemented   # Python / NumPy then raise TypeError naming both types
        if type(a) is Dual and a.tag == tag:
            p, t = a.primal, a.tangent
            if type(p) is float:
                # a float64 carried as a Python float (x[i], a float argument): NumPy takes
                # Python floats as weak, so beside an np.float32 constant primal and
                # tangent dropped to float32, where the np.float64 value stays float64
                p = _f64(p)
                t = _numpy_scalar(t)
            primals.append(p)
            tangents.append(t)
            if a.ndir != ndir:
                raise ValueError(f"cannot combine Duals with {_directions(a.ndir)} and "
                                 f"{_directions(ndir)}")
        else:
            primals.append(a)
            tangents.append(None)
    out = ufunc(*primals)
    if out.__class__ is not _ndarray or out.dtype.kind in "cO":     # (inline: a float64
        refuse_complex(out, ufunc, "Dual")                          # array costs ~60 ns)
    # partials see NumPy scalars, never Python floats: 1.0/y is inf at y = 0, as in NumPy
    primals = [p if type(p) is _f64 or type(p) is _ndarray and p.dtype is _F8 else
               _f64(p) if type(p) is float or type(p) is int else _as_operand(p, out)
               for p in primals]
    row = ELEMENTWISE[ufunc]
    strong = ZERO_RULE.strong
    t = None
    for i, ti in enumerate(tangents):
        if ti is None:
            continue
        partial = row[i + 1]
        if partial is None:
            continue
        if ndir and not isinstance(out, float):
            ti = _align(ti, primals[i], out)
        if strong:
            term = _strong_product(partial(out, *primals), ti)
        else:
            term = partial(out, *primals) * ti
        t = term if t is None else t + term
    if t is not None and not isinstance(out, float) and (
            ndir or type(t) is not _ndarray or type(out) is not _ndarray or
            t.shape != out.shape):      # (not the common case: no np.shape calls there)
        want = ((ndir,) if ndir else ()) + np.shape(out)
        if np.shape(t) != want:
            t = np.broadcast_to(t, want)
    return _make(out, t, tag, ndir)


def _numpy_scalar(t):
    """A Python float or complex tangent as the NumPy scalar it stands for (indexable,
    and not weak beside float32); anything else as it is."""
    if type(t) is float:
        return _f64(t)
    if type(t) is complex:
        return _c128(t)
    return t


def _as_operand(p, out):
    """A constant as the partials see it: a list or tuple as an array (1.0 / [1, 4]
    fails on a list), a lower-precision float (np.float32) in out's dtype, as NumPy
    computed out (1/np.float32(3) is 1/3 to float32's 7 digits)."""
    if type(p) is list or type(p) is tuple:
        p = np.asarray(p)
    if isinstance(p, (np.ndarray, np.generic)) and p.dtype.kind == "f":
        dtype = getattr(out, "dtype", None)
        if dtype is not None and dtype.kind == "f" and p.dtype.itemsize < dtype.itemsize:
            return p.astype(dtype)
    return p


def _directions(ndir):
    """How many tangent directions a Dual carries, in words (for error messages)."""
    if not ndir:
        return "one tangent direction (no direction axis)"
    return f"{ndir} tangent directions" if ndir > 1 else "a direction axis of length 1"


def _align(t, primal, out):
    """Insert axes after the direction axis so a batched tangent broadcasts like its primal."""
    missing = np.ndim(out) - np.ndim(primal)
    if missing > 0:
        shape = np.shape(t)
        t = np.reshape(t, shape[:1] + (1,) * missing + shape[1:])
    return t


# array functions, ufunc methods and the scalar fast paths (they need Dual, above)
from . import dual_fast as _fast  # noqa: E402
from .dual_arrays import _array_function, _ufunc_general  # noqa: E402
from .dual_fast import OPERATORS  # noqa: E402

for _name, _method in OPERATORS.items():
    setattr(Dual, _name, _method)
