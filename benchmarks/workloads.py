"""Workloads W1-W5 of issue 5: the function written once, its plain evaluation, and
a hand-written reference derivative used to verify every engine before timing.

make(size, ns) builds a workload's function on a NumPy-like namespace `ns`
(numpy itself for dualad and reverse; autograd.numpy, jax.numpy or a torch shim
for peers), so every engine differentiates the same code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Case:
    workload: str
    size: int                   # n (inputs) or m (outputs for W5)
    f: Callable                 # the function, on numpy
    args: tuple                 # float / float64 array arguments
    plain_args: tuple           # what plain evaluation gets (Python floats for scalar loops)
    kind: str                   # "gradient" (R^n -> R) or "jacobian"
    reference: np.ndarray       # flat hand-written derivative (gradient or Jacobian)
    ops: int = 0                # elementary scalar operations per evaluation (W1, W2)
    tangents: tuple = ()        # one direction for jvp
    fd_step: float = 1e-5       # central-difference step used to check the reference
    extra: dict = field(default_factory=dict)

    def flat_direction(self) -> np.ndarray:
        return np.concatenate([np.ravel(t) for t in self.tangents])

    def reference_jvp(self) -> np.ndarray:
        """J·v from the reference: a scalar for gradients, an m-vector for W5."""
        v = self.flat_direction()
        if self.kind == "gradient":
            return np.atleast_1d(self.reference @ v)
        return self.reference.reshape(-1, v.size) @ v


def flat(result: Any) -> np.ndarray:
    """A gradient / Jacobian (float, array or tuple of them) as one flat float array."""
    if isinstance(result, (tuple, list)):
        return np.concatenate([flat(r) for r in result]) if result else np.zeros(0)
    return np.ravel(np.asarray(result, dtype=np.float64))


def _direction(rng, args):
    return tuple(float(rng.standard_normal()) if np.ndim(a) == 0 else
                 rng.standard_normal(np.shape(a)) for a in args)


# -- W1: the seed function ------------------------------------------------------
def w1_function(ns=np):
    def f(x1, x2):
        return ns.log(x1) + x1 * x2 - ns.sin(x2)
    return f


def w1(size: int = 2, rng=None) -> Case:
    rng = rng or np.random.default_rng(0)
    ref = np.array([1 / 2.0 + 5.0, 2.0 - np.cos(5.0)])
    args = (2.0, 5.0)
    return Case("W1", 2, w1_function(), args, args, "gradient", ref, ops=5,
                tangents=(1.0, 0.0))


# -- W2: scalar Python loop -----------------------------------------------------
def w2_function(n: int, ns=np):
    def f(x):
        s = 0.0
        for i in range(n):
            a = x[i]
            b = x[(i + 1) % n]
            s = s + ns.log(a) + a * b - ns.sin(b)
        return s
    return f


def _cyclic_reference(x):
    # ∂/∂x_j Σ_i log x_i + x_i x_{i+1} − sin x_{i+1} = 1/x_j + x_{j+1} + x_{j−1} − cos x_j
    return 1 / x + np.roll(x, -1) + np.roll(x, 1) - np.cos(x)


def w2(n: int, rng=None) -> Case:
    rng = rng or np.random.default_rng(n)
    x = rng.uniform(0.5, 2.0, n)
    # 8 recorded operations per term: 2 indexings, log, *, sin, +, +, −
    return Case("W2", n, w2_function(n), (x,), (x.tolist(),), "gradient",
                _cyclic_reference(x), ops=8 * n, tangents=_direction(rng, (x,)))


# -- W3: the same function, whole-array NumPy ------------------------------------
def w3_function(ns=np, roll=None):
    roll = roll or (lambda x: ns.roll(x, -1))

    def f(x):
        y = roll(x)
        return ns.sum(ns.log(x) + x * y - ns.sin(y))
    return f


def w3(n: int, rng=None) -> Case:
    rng = rng or np.random.default_rng(n)
    x = rng.uniform(0.5, 2.0, n)
    return Case("W3", n, w3_function(), (x,), (x,), "gradient", _cyclic_reference(x),
                tangents=_direction(rng, (x,)))


# -- W4: 784-512-512-10 ReLU MLP, softmax cross-entropy, batch 256 -------------------
MLP_FULL = (784, 512, 512, 10, 256)
MLP_TINY = (20, 16, 16, 10, 8)


def mlp_data(layers, rng):
    d0, d1, d2, d3, batch = layers
    X = rng.standard_normal((batch, d0))
    Y = np.eye(d3)[rng.integers(0, d3, batch)]
    params = []
    for a, b in ((d0, d1), (d1, d2), (d2, d3)):
        params += [rng.standard_normal((a, b)) * np.sqrt(2.0 / a), rng.standard_normal(b) * 0.1]
    return X, Y, tuple(params)


def w4_function(X, Y, ns=np, relu=None, rowmax=None):
    relu = relu or (lambda z: ns.maximum(z, 0.0))
    rowmax = rowmax or (lambda z: ns.max(z, axis=1, keepdims=True))
    batch = X.shape[0]

    def f(W1, b1, W2, b2, W3, b3):
        h1 = relu(X @ W1 + b1)
        h2 = relu(h1 @ W2 + b2)
        z = h2 @ W3 + b3
        s = z - rowmax(z)
        lse = ns.log(ns.sum(ns.exp(s), axis=1, keepdims=True))
        return -ns.sum(Y * (s - lse)) / batch
    return f


def mlp_backprop(X, Y):
    """Hand-written NumPy backprop: (loss, grads) — the reference and the issue-3 yardstick."""
    batch = X.shape[0]

    def grad(W1, b1, W2, b2, W3, b3):
        a1 = X @ W1 + b1
        h1 = np.maximum(a1, 0.0)
        a2 = h1 @ W2 + b2
        h2 = np.maximum(a2, 0.0)
        z = h2 @ W3 + b3
        s = z - z.max(axis=1, keepdims=True)
        e = np.exp(s)
        p = e / e.sum(axis=1, keepdims=True)
        dz = (p - Y) / batch
        dh2 = (dz @ W3.T) * (a2 > 0)
        dh1 = (dh2 @ W2.T) * (a1 > 0)
        return (X.T @ dh1, dh1.sum(0), h1.T @ dh2, dh2.sum(0), h2.T @ dz, dz.sum(0))
    return grad


def w4(size: int, rng=None) -> Case:
    rng = rng or np.random.default_rng(4)
    layers = MLP_FULL if size == MLP_FULL[-1] else MLP_TINY
    X, Y, params = mlp_data(layers, rng)
    backprop = mlp_backprop(X, Y)
    # a small step: with 256x1024 ReLU pre-activations, h = 1e-5 along a random
    # direction crosses a few kinks and central differences are off by ~1e-3
    return Case("W4", layers[-1], w4_function(X, Y), params, params, "gradient",
                flat(backprop(*params)), tangents=_direction(rng, params), fd_step=1e-8,
                extra={"X": X, "Y": Y, "backprop": backprop, "layers": layers})


# -- W5: R -> R^m, f(t) = sin(k t), full Jacobian --------------------------------------
def w5_function(m: int, ns=np, ks=None):
    ks = np.arange(1.0, m + 1) if ks is None else ks

    def f(t):
        return ns.sin(ks * t)
    return f


def w5(m: int, rng=None) -> Case:
    t = 0.3
    ks = np.arange(1.0, m + 1)
    return Case("W5", m, w5_function(m), (t,), (t,), "jacobian", ks * np.cos(ks * t),
                tangents=(1.0,), fd_step=1e-6 / m)     # sin(k t) oscillates with k up to m


WORKLOADS = {"W1": w1, "W2": w2, "W3": w3, "W4": w4, "W5": w5}

# sizes per mode; W4's size is the batch (256 = the real MLP)
SIZES = {
    "full": {"W1": [2], "W2": [2 ** k for k in range(11)],
             "W3": [10, 100, 1000, 10_000, 100_000, 1_000_000], "W4": [256],
             "W5": [10, 100, 1000, 10_000, 100_000]},
    "quick": {"W1": [2], "W2": [1, 4, 16, 64, 256, 1024], "W3": [10, 1000, 100_000],
              "W4": [256], "W5": [10, 1000, 100_000]},
    "tiny": {"W1": [2], "W2": [1, 4, 8], "W3": [10, 100], "W4": [8], "W5": [10, 100]},
}
MEMORY_SIZES = {"full": [16, 64, 256, 1024], "quick": [16, 256], "tiny": [4, 8]}


def central_difference(case: Case, h: float | None = None) -> np.ndarray:
    """(f(x + h v) − f(x − h v)) / 2h along the case's direction v (checks the reference)."""
    h = case.fd_step if h is None else h

    def at(s):
        return np.atleast_1d(np.asarray(case.f(*[a + s * t for a, t in
                                                 zip(case.args, case.tangents)]), float))
    return (at(h) - at(-h)) / (2 * h)
