"""check_grads: one cross-engine check used across the suite.

Forward vs reverse vs symbolic vs central differences, plus the random
direction identity ⟨u, J v⟩ = ⟨Jᵀu, v⟩ (forward jvp against reverse vjp), and
optionally the same to second order (Hessians).
"""

from __future__ import annotations

import importlib

import numpy as np

import dualad


def available_engines() -> set[str]:
    """Every engine of the project: all of them take part in every check."""
    return {"forward", "reverse", "symbolic"}


def _flat(g, args):
    parts = g if len(args) > 1 else (g,)
    return np.concatenate([np.ravel(np.asarray(p, dtype=float)) for p in parts])


def central_gradient(f, args, h=1e-6):
    """Central differences of scalar f, flattened over all args."""
    args = [np.array(a, dtype=float) for a in args]
    out = []
    for i, a in enumerate(args):
        for j in range(a.size):
            step = h * max(1.0, abs(a.flat[j]))
            hi = [b.copy() for b in args]
            lo = [b.copy() for b in args]
            hi[i].flat[j] += step
            lo[i].flat[j] -= step
            call = lambda xs: f(*[x if x.ndim else float(x) for x in xs])
            out.append((call(hi) - call(lo)) / (2 * step))
    return np.array(out, dtype=float)


def check_grads(f, *args, rtol=1e-12, fd_rtol=1e-5, order=1, engines=None, rng=None):
    """Assert that every available engine gives the same gradient of f at args
    (and Hessian when order=2); returns the forward gradient."""
    engines = available_engines() if engines is None else set(engines)
    g_fwd = dualad.gradient(f, *args)
    flat = _flat(g_fwd, args)
    scale = max(1.0, np.max(np.abs(flat)) if flat.size else 1.0)
    fd = central_gradient(f, args)
    # differences of f lose |f|·eps/h to cancellation (h = 1e-6)
    cancellation = 1e-8 * float(np.max(np.abs(f(*args))))
    np.testing.assert_allclose(flat, fd, rtol=fd_rtol, atol=fd_rtol * scale + cancellation,
                               err_msg="forward vs central differences")
    for name in sorted({"reverse", "symbolic"} & engines):
        g = importlib.import_module(name).gradient(f, *args)
        np.testing.assert_allclose(_flat(g, args), flat, rtol=rtol, atol=rtol * scale,
                                   err_msg=f"forward vs {name}")
    if "reverse" in engines:
        _check_transpose(f, args, rng or np.random.default_rng(0), rtol)
    if order >= 2:
        h_fwd = np.asarray(_flat_hessian(dualad.hessian(f, *args), args))
        grad_flat = lambda *xs: float(np.sum(_flat(dualad.gradient(f, *xs), xs) * probe))
        probe = (rng or np.random.default_rng(1)).standard_normal(flat.size)
        np.testing.assert_allclose(h_fwd @ probe, central_gradient(grad_flat, args),
                                   rtol=fd_rtol, atol=fd_rtol * max(1.0, np.max(np.abs(h_fwd))),
                                   err_msg="forward Hessian vs differences of the gradient")
        for name in sorted({"reverse", "symbolic"} & engines):
            h = importlib.import_module(name).hessian(f, *args)
            np.testing.assert_allclose(_flat_hessian(h, args), h_fwd, rtol=1e-10,
                                       atol=1e-10 * max(1.0, np.max(np.abs(h_fwd))),
                                       err_msg=f"forward vs {name} Hessian")
    return g_fwd


def _flat_hessian(h, args):
    if len(args) == 1:
        n = int(np.size(args[0]))
        return np.reshape(np.asarray(h, dtype=float), (n, n))
    rows = [np.concatenate([np.reshape(np.asarray(h[i][j], dtype=float),
                                       (int(np.size(args[i])), int(np.size(args[j]))))
                            for j in range(len(args))], axis=1) for i in range(len(args))]
    return np.concatenate(rows, axis=0)


def _check_transpose(f, args, rng, rtol):
    """⟨u, J v⟩ (forward jvp) equals ⟨Jᵀu, v⟩ (reverse vjp) for random u, v."""
    import reverse

    vs = tuple(rng.standard_normal(np.shape(a)) if np.ndim(a) else float(rng.standard_normal())
               for a in args)
    out, jv = dualad.jvp(f, tuple(args), vs)
    u = rng.standard_normal(np.shape(out)) if np.ndim(out) else float(rng.standard_normal())
    _, pullback = reverse.vjp(f, *args)
    jtu = pullback(u)
    lhs = float(np.sum(np.asarray(u) * np.asarray(jv)))
    rhs = float(sum(np.sum(np.asarray(a) * np.asarray(b)) for a, b in zip(jtu, vs)))
    assert abs(lhs - rhs) <= rtol * 100 * max(1.0, abs(lhs)), ("<u, Jv> != <J^T u, v>", lhs, rhs)
