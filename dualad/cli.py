"""The `dualad` command line.

Until the cross-check exists, it prints the value, forward-mode gradient and
Hessian of the seed function f(x1, x2) = log(x1) + x1·x2 − sin(x2) at (2, 5).
"""

from __future__ import annotations

import numpy as np

from . import gradient, hessian


def seed_function(x1, x2):
    """f(x1, x2) = log(x1) + x1·x2 − sin(x2), the running example of Baydin et al. 2018."""
    return np.log(x1) + x1 * x2 - np.sin(x2)


def main(argv: list[str] | None = None) -> int:
    x = (2.0, 5.0)
    print("f(x1, x2) = log(x1) + x1*x2 - sin(x2) at (x1, x2) = (2, 5)")
    print(f"value     {seed_function(*x):.6f}")
    print(f"gradient  {gradient(seed_function, *x)}")
    h = np.array(hessian(seed_function, *x))
    print(f"hessian   {h.tolist()}")
    return 0
