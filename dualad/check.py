"""dualad.check: the same gradient from all four engines, side by side.

forward (dual numbers) and reverse (the tape) read the same rule table;
symbolic differentiates the sympy counterparts with `sympy.diff`, so a wrong
rule shows up as a disagreement; numeric uses no rules at all (Richardson
extrapolation, with its own error estimate).  For array arguments a random
direction also checks ⟨u, J v⟩ (forward jvp) = ⟨Jᵀu, v⟩ (reverse vjp).

Differences are relative to the gradient.  Where the engines disagree by more
than rtol of it, check measures again against the size of the gradient's terms
(`symbolic.gradient_scale`) and runs numeric with the size of f's terms
(`symbolic.value_scale`): a gradient that cancels to ~0 (tanh(x) −
sinh(x)/cosh(x)) is rounding noise in every engine, 100 % apart.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable

import numpy as np

from . import forward, numeric

ENGINES = ("forward", "reverse", "symbolic", "numeric")
EPS = np.finfo(np.float64).eps


def _flat(g):
    if g is None:
        return None
    parts = g if isinstance(g, tuple) else (g,)
    return np.concatenate([np.ravel(np.asarray(p, dtype=float)) for p in parts])


def relative_difference(a, b, scale=None) -> float:
    """max|a − b| / max|b| over the entries where a and b differ (0 when they are equal,
    the same infinities and nans included: inf − inf is no nan), max|b| taken over b's
    finite entries (inf when b is 0 alone); with scale (the size of b's terms,
    `symbolic.gradient_scale`) / max(|b|, scale).

    Relative to the largest partial, not to each partial (as jax's check_grads and
    torch's gradcheck, with their loose tolerances): where sympy cancelled terms exactly
    (x·y − y·x, log(exp(c)) − c), AD still carries their rounding and no scale of sympy's
    sees them; each partial against itself read DISAGREE on 13 of 380 random cancelling
    expressions whose AD gradients were right.  The price: an error in a partial much
    smaller than the largest can hide (∂f/∂x 6 for 7 beside a ∂f/∂y of 1e13)."""
    a, b = _flat(a), _flat(b)
    with np.errstate(invalid="ignore"):
        differ = (a != b) & ~(np.isnan(a) & np.isnan(b))
        if not differ.any():
            return 0.0
        diff = np.max(np.abs(a[differ] - b[differ]))     # inf − inf would be nan
    if np.isnan(diff):
        return float("nan")
    size = np.where(np.isfinite(b), np.abs(b), 0.0)
    scale = np.max(size if scale is None else np.maximum(size, _flat(scale)), initial=0.0)
    return float(diff / scale) if scale > 0 else float("inf")


class CheckReport:
    """The result of dualad.check: gradients per engine, their disagreement, ok."""

    def __init__(self, name, names, args, value, gradients, errors, numeric_error,
                 directional, rtol, scale=None, directional_scale=0.0):
        self.name, self.names, self.args, self.value = name, names, args, value
        self.gradients = gradients
        self.errors = errors                  # engine -> message, for engines that failed
        self.numeric_error = numeric_error    # estimate, shaped like the gradient
        self.directional = directional        # {"forward ⟨u, J v⟩": .., ...} or None
        self.rtol = rtol
        # the size of the terms each partial sums (symbolic.gradient_scale), taken only
        # where the engines differ by more than rtol of the gradient itself: there the
        # gradient may cancel to ~0 and rounding errors are relative to its terms
        self.scale = scale
        self.directional_scale = directional_scale
        sym = gradients.get("symbolic")
        ad = [gradients.get(e) for e in ("forward", "reverse")]
        if sym is None or any(g is None for g in ad):
            self.max_disagreement = float("inf")
        else:
            diffs = [relative_difference(g, sym, scale) for g in ad]
            # a nan difference (one engine nan where symbolic is not) is the largest:
            # max(0.0, nan) is 0.0, and such a check said OK
            self.max_disagreement = float("nan") if any(d != d for d in diffs) else max(diffs)
        self.numeric_ok = sym is not None and gradients.get("numeric") is not None and \
            self._numeric_within_bound()
        self.directional_ok = directional is None or self._directional_agrees()
        self.ok = bool(self.max_disagreement <= rtol and self.numeric_ok and
                       self.directional_ok and not errors)

    def _numeric_within_bound(self) -> bool:
        n, s = _flat(self.gradients["numeric"]), _flat(self.gradients["symbolic"])
        size = np.abs(s) if self.scale is None else np.maximum(np.abs(s), _flat(self.scale))
        finite = np.isfinite(s)
        # an infinite partial made the bound infinite: any numeric value passed (1/x at 0)
        size = np.where(np.isfinite(size), size, 0.0)
        bound = 10.0 * _flat(self.numeric_error) + 64 * EPS * np.max(size, initial=0.0)
        with np.errstate(invalid="ignore"):
            near = np.abs(n - s) <= bound
        same = (n == s) | np.isnan(n) & np.isnan(s)     # differences cannot give ±inf
        return bool(np.all(np.where(finite, near, same)))

    def _directional_agrees(self) -> bool:
        vals = [v for k, v in self.directional.items() if not k.startswith("numeric")]
        scale = max(max(abs(v) for v in vals), self.directional_scale)
        return all(abs(v - vals[0]) <= self.rtol * max(scale, 1e-300) for v in vals)

    def _cancels(self) -> bool:
        """Whether the gradient's terms (scale) outsize the gradient: it cancels."""
        sym = self.gradients.get("symbolic")
        return self.scale is not None and sym is not None and \
            np.max(_flat(self.scale), initial=0.0) > np.max(np.abs(_flat(sym)), initial=0.0)

    # -- display ---------------------------------------------------------------
    def _rows(self):
        """(engine, [formatted gradient per argument], note) for each engine."""
        sym = self.gradients.get("symbolic")
        rows = []
        for e in ENGINES:
            g = self.gradients.get(e)
            if g is None:
                rows.append((e, ["—"] * len(self.names), "failed: " + self.errors.get(e, "")))
                continue
            parts = g if isinstance(g, tuple) else (g,)
            cells = [_fmt(p) for p in parts]
            if e == "symbolic":
                note = "reference"
            elif sym is None:
                note = ""
            else:
                note = f"{relative_difference(g, sym, self.scale):.1e}"
                if e == "numeric":
                    note += f" (error bound {np.max(_flat(self.numeric_error), initial=0.0):.1e})"
            rows.append((e, cells, note))
        return rows

    def __str__(self) -> str:
        args = ", ".join(_fmt(a) for a in self.args)
        lines = [f"check of {self.name} at ({args}): value {_fmt(self.value)}"]
        header = ["engine"] + [f"∂f/∂{n}" for n in self.names] + ["rel. diff vs symbolic"]
        rows = [[e] + cells + [note] for e, cells, note in self._rows()]
        widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
        for r in [header] + rows:
            lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if self._cancels():
            size = np.max(_flat(self.scale), initial=0.0)
            tiny = np.max(np.abs(_flat(self.gradients["symbolic"])), initial=0.0) <= 1e-8 * size
            lines.append(("the gradient cancels to ~0 here: " if tiny else "") +
                         "differences are relative to the size of the gradient's terms, "
                         f"{size:.1e} (symbolic.gradient_scale)")
        if self.directional is not None:
            lines.append("random direction: " + ", ".join(
                f"{k} = {_fmt(v)}" for k, v in self.directional.items()))
        verdict = "OK" if self.ok else "DISAGREE" if not self.errors else "INCOMPLETE"
        if self.gradients.get("symbolic") is None or self.gradients.get("numeric") is None:
            numeric = "numeric not compared (an engine failed)"
        else:
            numeric = f"numeric {'within' if self.numeric_ok else 'OUTSIDE'} its error bound"
        lines.append(f"max disagreement (forward, reverse vs symbolic): "
                     f"{self.max_disagreement:.1e} (tolerance {self.rtol:.0e}), {numeric}: "
                     f"{verdict}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<CheckReport {self.name}: ok={self.ok}, " \
               f"max_disagreement={self.max_disagreement:.1e}>"

    def _repr_html_(self) -> str:
        esc = html.escape
        head = "".join(f"<th>∂f/∂{esc(n)}</th>" for n in self.names)
        body = "".join(
            "<tr><td>" + esc(e) + "</td>" + "".join(f"<td><code>{esc(c)}</code></td>"
                                                     for c in cells)
            + f"<td>{esc(note)}</td></tr>" for e, cells, note in self._rows())
        verdict = "OK" if self.ok else "DISAGREE"
        return (f"<p>check of <code>{esc(self.name)}</code>: value "
                f"<code>{esc(_fmt(self.value))}</code></p><table><tr><th>engine</th>{head}"
                f"<th>rel. diff vs symbolic</th></tr>{body}</table><p>max disagreement "
                f"{self.max_disagreement:.1e}: <b>{verdict}</b></p>")


def _fmt(x) -> str:
    """A number in its shortest round-trip digits (0.9999999 stays 0.9999999, and
    float(text) is the number again); an array summarised by NumPy."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 0:
        return repr(float(x))
    return " ".join(np.array2string(x, precision=6, threshold=8, separator=", ").split())


def _try(errors, engine, fn):
    try:
        return fn()
    except Exception as exc:            # an engine failing is part of the report
        errors[engine] = f"{type(exc).__name__}: {exc}"
        return None


def _reverse():
    import reverse
    if not hasattr(reverse, "gradient"):
        raise ImportError("the reverse engine provides no gradient yet")
    return reverse


def _direction(args, seed):
    """(u, v): the random output weight and input direction of the directional check."""
    rng = np.random.default_rng(seed)
    vs = tuple(rng.standard_normal(np.shape(a)) if np.ndim(a) else float(rng.standard_normal())
               for a in args)
    return float(rng.standard_normal()), vs


def _directional(f, args, errors, seed, value_scale=0.0):
    """⟨u, J v⟩ by forward jvp, ⟨Jᵀu, v⟩ by reverse vjp, and numerically, for random u, v
    (value_scale: the size of f's terms, for numeric; see numeric.gradient)."""
    u, vs = _direction(args, seed)
    out = {}
    _, jv = forward.jvp(f, args, vs)
    out["forward ⟨u, J v⟩"] = u * float(jv)
    rev = _try(errors, "reverse", lambda: _reverse().vjp(f, *args))
    if rev is not None:
        cts = rev[1](u)
        out["reverse ⟨Jᵀu, v⟩"] = float(sum(np.sum(np.asarray(c, dtype=float) * v)
                                            for c, v in zip(cts, vs)))
    along = lambda t: f(*[np.asarray(a, dtype=float) + t * v for a, v in zip(args, vs)])
    out["numeric"] = u * numeric.derivative(along, 0.0, scheme="richardson",
                                            value_scale=value_scale)
    return out


def check(f: Callable, *args, rtol: float = 1e-12, seed: int = 0) -> CheckReport:
    """check(f, *args) -> CheckReport: the gradient of scalar f from the forward,
    reverse, symbolic and numeric engines, their largest relative disagreement,
    and ok (AD engines within rtol of symbolic, numeric within its error bound)."""
    if not args:
        raise TypeError("check(f, *args) needs at least one argument")
    try:
        ok = not isinstance(rtol, (bool, np.bool_)) and isinstance(
            rtol, (int, float, np.integer, np.floating)) and 0 <= float(rtol) < math.inf
    except OverflowError:       # an int beyond float range (10**400)
        ok = False
    if not ok:                  # nan fails too
        raise ValueError(f"rtol must be a finite number >= 0, got {repr(rtol)[:40]}")
    rtol = float(rtol)
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0 (it picks the random direction), "
                         f"got {seed!r}")
    args = tuple(forward.check_arg(a, i) for i, a in enumerate(args))
    for i, a in enumerate(args):
        if not isinstance(a, (float, np.ndarray)):
            raise TypeError(f"argument {i} has type {type(a).__name__}; check takes floats, "
                            "ints and NumPy float arrays")
    # f's value on NumPy scalars: NumPy semantics (1/x at 0 is inf, as every engine
    # gives), not Python's ZeroDivisionError on floats
    value = f(*[np.float64(a) if isinstance(a, float) else a for a in args])
    if isinstance(value, _reverse().Tensor):
        # f reads a reverse.Variable (float(value) below said "float() would drop a
        # Tensor from the tape", a call the user never wrote)
        raise TypeError("f returned a reverse.Tensor (it reads a reverse.Variable or "
                        "Tensor): check compares the engines on plain functions; read "
                        "the value with v.numpy(), or pass it as an argument")
    _reverse().functional.check_output(value)     # None, a str: a TypeError naming it
    if isinstance(value, (list, tuple, dict)):
        raise ValueError(f"check needs f to return a scalar, got a {type(value).__name__}")
    if np.ndim(value) != 0:
        raise ValueError(f"check needs f to return a scalar, got shape {np.shape(value)}")
    import symbolic

    errors: dict = {}
    grads = {
        "forward": _try(errors, "forward", lambda: forward.gradient(f, *args)),
        "reverse": _try(errors, "reverse", lambda: _reverse().gradient(f, *args)),
        "symbolic": _try(errors, "symbolic", lambda: symbolic.gradient(f, *args)),
    }
    num = _try(errors, "numeric",
               lambda: numeric.gradient(f, *args, scheme="richardson", return_error=True))
    grads["numeric"], num_err = (None, None) if num is None else num
    directional = None
    if any(np.ndim(a) for a in args):
        directional = _try(errors, "directional", lambda: _directional(f, args, errors, seed))
    try:
        names = symbolic.parameter_names(f, len(args))
    except TypeError:
        names = [f"x{i + 1}" for i in range(len(args))]
    report = CheckReport(getattr(f, "__name__", "f"), names, args, float(value), grads,
                         errors, num_err, directional, rtol)
    if report.ok or errors:
        return report
    # a disagreement relative to the gradient itself: measure it against the size of
    # the gradient's terms instead, in case it cancels to ~0 (tanh(x) − sinh(x)/cosh(x))
    try:
        scale = symbolic.gradient_scale(f, *args)
        # f's values may cancel too: numeric's rounding is then relative to the size of
        # f's terms, not to |f| (itself rounding noise), so numeric runs again with it
        size = symbolic.value_scale(f, *args)
    except Exception:               # sympy could build the gradient but not its scale
        return report
    if not (np.isfinite(size) and all(np.all(np.isfinite(s)) for s in
                                      (scale if isinstance(scale, tuple) else (scale,)))):
        return report       # a term overflows (logaddexp(0, 800)): no scale to measure by
    if size > abs(report.value):
        num = _try(errors, "numeric", lambda: numeric.gradient(
            f, *args, scheme="richardson", return_error=True, value_scale=size))
        grads["numeric"], num_err = (None, None) if num is None else num
        if directional is not None:
            directional = _try(errors, "directional",
                               lambda: _directional(f, args, {}, seed, size))
    u, vs = _direction(args, seed)
    along = abs(u) * float(sum(np.sum(np.abs(s) * np.abs(v)) for s, v in
                               zip(scale if isinstance(scale, tuple) else (scale,), vs)))
    return CheckReport(report.name, names, args, report.value, grads, errors, num_err,
                       directional, rtol, scale, along)
