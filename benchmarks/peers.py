"""Peers (jax, torch, HIPS autograd) on the same workloads, when importable.

Each peer differentiates the workload function built on its own NumPy-like
namespace (workloads.*_function(ns=...)); jax runs under jit with 64-bit floats
and its compile time is reported separately.  W5 uses each peer's forward mode
(one JVP gives the whole Jacobian column of R -> R^m).
"""

from __future__ import annotations

import importlib
import os
import time

import numpy as np

from . import workloads as W
from .engines import Skip


def available() -> tuple[dict, list[str]]:
    """({name: prepare}, [one line per missing peer])."""
    found, missing = {}, []
    for name, module, prepare in (("jax.jit", "jax", _jax), ("torch", "torch", _torch),
                                  ("autograd", "autograd", _autograd)):
        try:
            importlib.import_module(module)
        except Exception as e:  # ImportError, or a broken install
            missing.append(f"peer {name} skipped: {module} not importable ({type(e).__name__})")
            continue
        found[name] = prepare
    return found, missing


def version(name: str) -> str:
    module = importlib.import_module(name.split(".")[0])
    extra = ""
    if name == "torch":
        extra = f" threads={torch_threads()} (BENCH_TORCH_THREADS)"
    try:
        from importlib.metadata import version as dist_version
        v = dist_version(name.split(".")[0])
    except Exception:
        v = getattr(module, "__version__", "?")
    return f"{name.split('.')[0]} {v}{extra}"


def _build(case, ns, **kw):
    w, n = case.workload, case.size
    if w == "W1":
        return W.w1_function(ns)
    if w == "W2":
        return W.w2_function(n, ns)
    if w == "W3":
        return W.w3_function(ns, kw.get("roll"))
    if w == "W4":
        return W.w4_function(kw["X"], kw["Y"], ns, kw.get("relu"), kw.get("rowmax"))
    return W.w5_function(n, ns, kw.get("ks"))


# -- jax ------------------------------------------------------------------------
def _jax(case):
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
    kw = {}
    if case.workload == "W4":
        kw = {"X": jnp.asarray(case.extra["X"]), "Y": jnp.asarray(case.extra["Y"])}
    if case.workload == "W5":
        kw = {"ks": jnp.arange(1.0, case.size + 1)}
    f = _build(case, jnp, **kw)
    args = tuple(jnp.asarray(a) for a in case.args)
    if case.kind == "gradient":
        g = jax.jit(jax.grad(f, argnums=tuple(range(len(args)))))
    else:
        g = jax.jit(jax.jacfwd(f))
    t0 = time.perf_counter()
    jax.block_until_ready(g(*args))
    case.extra["jax_compile_seconds"] = time.perf_counter() - t0

    def call():
        return [np.asarray(r) for r in jax.block_until_ready(g(*args))] \
            if case.kind == "gradient" else np.asarray(jax.block_until_ready(g(*args)))
    return call


# -- torch ----------------------------------------------------------------------
class _TorchNS:
    """The few NumPy names the workloads use, on torch tensors."""

    def __init__(self, torch):
        self.t = torch
        self.log, self.sin, self.exp = torch.log, torch.sin, torch.exp

    def sum(self, x, axis=None, keepdims=False):
        return self.t.sum(x) if axis is None else self.t.sum(x, dim=axis, keepdim=keepdims)


def torch_threads() -> int:
    """Threads torch may use: 1 unless BENCH_TORCH_THREADS says otherwise.  On a
    loaded 2-core machine torch's spinning OpenMP threads made W3 at n=1e4 14x
    slower with 2 threads than with 1 (5.8 ms vs 0.41 ms)."""
    return int(os.environ.get("BENCH_TORCH_THREADS", "1"))


def _torch(case):
    import torch
    torch.set_num_threads(torch_threads())
    ns = _TorchNS(torch)
    kw = {"roll": lambda x: torch.roll(x, -1, 0)}
    if case.workload == "W4":
        kw.update(X=torch.from_numpy(case.extra["X"]), Y=torch.from_numpy(case.extra["Y"]),
                  relu=torch.relu, rowmax=lambda z: torch.amax(z, dim=1, keepdim=True))
    if case.workload == "W5":
        kw["ks"] = torch.arange(1.0, case.size + 1, dtype=torch.float64)
    f = _build(case, ns, **kw)
    if case.kind == "jacobian":
        t = torch.tensor(case.args[0], dtype=torch.float64)
        one = torch.ones((), dtype=torch.float64)

        def jac():
            return torch.func.jvp(f, (t,), (one,))[1].numpy()
        return jac
    arrays = [np.asarray(a, dtype=np.float64) for a in case.args]

    def call():
        xs = [torch.tensor(float(a), dtype=torch.float64, requires_grad=True) if a.ndim == 0
              else torch.from_numpy(a).requires_grad_() for a in arrays]
        return [g.numpy() for g in torch.autograd.grad(f(*xs), xs)]
    return call


# -- HIPS autograd -----------------------------------------------------------------
def _autograd(case):
    import autograd
    import autograd.numpy as anp
    kw = {}
    if case.workload == "W4":
        kw = {"X": case.extra["X"], "Y": case.extra["Y"]}
    f = _build(case, anp, **kw)
    if case.kind == "jacobian":
        from autograd import make_jvp
        t = case.args[0]
        return lambda: make_jvp(f)(t)(1.0)[1]
    g = autograd.grad(lambda *a: f(*a), argnum=list(range(len(case.args))))
    if len(case.args) == 1:
        g = autograd.grad(f)
    args = case.args
    return lambda: g(*args)


def prepare(name, prepare_fn, case):
    try:
        return prepare_fn(case)
    except Skip:
        raise
    except Exception as e:
        raise Skip(f"{name} cannot run {case.workload}: {type(e).__name__}: {e}"[:160]) from e
