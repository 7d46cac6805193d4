"""dualad: automatic differentiation of plain NumPy code.

Forward mode with dual numbers lives here (`Dual`, `jvp`, `gradient`, ...);
reverse mode in the `reverse` package, symbolic derivatives in `symbolic`.
"""

from . import numeric
from .check import check
from .compile import compile  # noqa: A004  (the functions shadow their submodules;
from .dual import Dual
from .forward import derivative, directional_derivative, gradient, hessian, jacobian, jvp
from .trace import trace  # reverse is imported on first use)

__all__ = ["Dual", "jvp", "directional_derivative", "derivative", "gradient", "jacobian",
           "hessian", "numeric", "check", "trace", "compile"]
__version__ = "0.1.0"
