"""reverse: reverse-mode automatic differentiation with TensorFlow GradientTape semantics.

Operations on watched `Tensor`s are recorded on a `Tape` (a flat Wengert list,
see `reverse.tape`); `tape.gradient` sweeps it backwards with the partials of
the same rule tables forward mode reads (`dualad.rules`, `dualad.structural`).
"""

from .functional import gradient, hessian, jacobian, vjp
from .gradient_tape import Tape
from .tape import read_variable
from .tensor import Tensor
from .variable import Variable, constant, stop_gradient

__all__ = ["Tape", "Tensor", "Variable", "constant", "stop_gradient", "gradient", "vjp",
           "jacobian", "hessian", "read_variable"]
