"""Safe math expressions for the command line: text -> a plain NumPy function.

The text is parsed with Python's `ast` and accepted only if every node is on a
whitelist: numbers, variable names, + - * / ** (and unary + -), and calls of a
fixed list of math functions by plain name.  The accepted tree is compiled to
a postfix program of (opcode, argument) pairs, run on a value stack at call
time; the text is never passed to eval, exec or sympify.  Anything else is an
ExpressionError (a ValueError) naming the problem.
"""

from __future__ import annotations

import ast
import inspect
import math
import operator

import numpy as np

from .rules import _sigmoid

MAX_LENGTH = 1000    # characters
MAX_DEPTH = 50       # nesting of the syntax tree

FUNCTIONS = {   # name: (NumPy function, number of arguments)
    "sin": (np.sin, 1), "cos": (np.cos, 1), "tan": (np.tan, 1),
    "arcsin": (np.arcsin, 1), "arccos": (np.arccos, 1), "arctan": (np.arctan, 1),
    "asin": (np.arcsin, 1), "acos": (np.arccos, 1), "atan": (np.arctan, 1),
    "sinh": (np.sinh, 1), "cosh": (np.cosh, 1), "tanh": (np.tanh, 1),
    "arcsinh": (np.arcsinh, 1), "arccosh": (np.arccosh, 1), "arctanh": (np.arctanh, 1),
    "asinh": (np.arcsinh, 1), "acosh": (np.arccosh, 1), "atanh": (np.arctanh, 1),
    "exp": (np.exp, 1), "exp2": (np.exp2, 1), "expm1": (np.expm1, 1),
    "log": (np.log, 1), "log2": (np.log2, 1), "log10": (np.log10, 1), "log1p": (np.log1p, 1),
    "sqrt": (np.sqrt, 1), "cbrt": (np.cbrt, 1), "square": (np.square, 1),
    "abs": (np.absolute, 1), "sign": (np.sign, 1),
    # 1/(1 + e^−x) from e = exp(−|x|) ≤ 1, as the table's logaddexp rows take it: value
    # and derivative within 3 ulps at every x (written 1/(1 + e^−x), its derivative was
    # 0 from x = −400 and nan past −709, where e^−x overflowed)
    "sigmoid": (_sigmoid, 1),
    "relu": (lambda x: np.maximum(x, 0.0), 1),
    "max": (np.maximum, 2), "min": (np.minimum, 2),
    "maximum": (np.maximum, 2), "minimum": (np.minimum, 2),
    "hypot": (np.hypot, 2), "arctan2": (np.arctan2, 2), "atan2": (np.arctan2, 2),
    "pow": (np.power, 2), "logaddexp": (np.logaddexp, 2),
}
CONSTANTS = {"pi": math.pi, "e": math.e}
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.Pow: operator.pow}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
# operators the syntax has but expressions refuse, as the user wrote them
_SYMBOLS = {ast.BitXor: "^", ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@",
            ast.BitAnd: "&", ast.BitOr: "|", ast.LShift: "<<", ast.RShift: ">>",
            ast.Invert: "~", ast.Not: "not", ast.And: "and", ast.Or: "or"}


class ExpressionError(ValueError):
    """The expression text was refused (the message says why, in one line)."""


def check_name(name: str, what: str = "variable") -> str:
    """name if it may name a variable: ASCII identifier, no leading '_', not a function."""
    if not isinstance(name, str) or not name.isascii() or not name.isidentifier():
        raise ExpressionError(f"{what} name {name!r} is not a plain ASCII identifier")
    if name.startswith("_"):
        raise ExpressionError(f"{what} name {name!r} starts with '_' (refused)")
    if name in FUNCTIONS or name in CONSTANTS:
        raise ExpressionError(f"{what} name {name!r} is a function or constant name")
    return name


def _screen(text: str) -> None:
    if not isinstance(text, str):
        raise ExpressionError(f"expression must be text, got {type(text).__name__}")
    if not text.strip():
        raise ExpressionError("empty expression")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression is {len(text)} characters long "
                              f"(at most {MAX_LENGTH})")
    for i, ch in enumerate(text):
        if not ch.isascii():
            raise ExpressionError(f"non-ASCII character {ch!r} at position {i} (refused)")
        if not (ch.isprintable() or ch in " \t"):
            raise ExpressionError(f"control character {ch!r} at position {i} (refused)")
    depth = 0
    for ch in text:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if depth > MAX_DEPTH:
            raise ExpressionError(f"expression nested more than {MAX_DEPTH} deep")


def _constant(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExpressionError(f"constant {value!r} is not a number")
    try:
        v = float(value)
    except OverflowError:
        raise ExpressionError("integer constant too large") from None
    if not math.isfinite(v):
        raise ExpressionError(f"constant {value!r} is not finite")
    return v


class Expression:
    """A parsed expression: call it with one value per variable, in `names` order."""

    def __init__(self, text: str, names: tuple[str, ...], program: list):
        self.text = text
        self.names = names
        self.program = program
        self.__name__ = text
        self.__signature__ = inspect.Signature(
            [inspect.Parameter(n, inspect.Parameter.POSITIONAL_ONLY) for n in names])

    def __repr__(self) -> str:
        return f"Expression({self.text!r}, names={self.names})"

    def __call__(self, *values):
        if len(values) != len(self.names):
            raise TypeError(f"expression takes {len(self.names)} values "
                            f"({', '.join(self.names)}), got {len(values)}")
        stack: list = []
        for op, arg in self.program:
            if op == "const":
                stack.append(arg)
            elif op == "var":
                stack.append(values[arg])
            elif op == "unary":
                stack.append(arg(stack.pop()))
            elif op == "binary":
                b = stack.pop()
                a = stack.pop()
                if type(a) is float and type(b) is float:
                    # two constants: NumPy's semantics, as every engine's values have
                    # (1/0 is inf, 10**400 inf, (-8)**(1/3) nan; Python raised or gave
                    # a complex number)
                    with np.errstate(all="ignore"):
                        stack.append(float(arg(np.float64(a), np.float64(b))))
                else:
                    stack.append(arg(a, b))
            else:   # "call": (function, n)
                fn, n = arg
                xs = stack[-n:]
                del stack[-n:]
                stack.append(fn(*xs))
        return stack[0]


def parse(text: str, names=None) -> Expression:
    """parse(text, names=None) -> Expression, a function of the variables `names`
    (default: the variables in order of first appearance). Raises ExpressionError."""
    _screen(text)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, RecursionError, MemoryError, ValueError) as exc:
        msg = getattr(exc, "msg", None) or type(exc).__name__
        raise ExpressionError(f"not a valid expression: {msg}") from None
    if names is not None:
        names = tuple(check_name(n) for n in names)
    found: list[str] = []
    program: list = []
    # iterative post-order walk: (node, depth, children_done)
    stack = [(tree.body, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(f"expression nested more than {MAX_DEPTH} operations deep "
                                  "(a chain x+x+...+x nests one level per operator)")
        if isinstance(node, ast.Constant):
            program.append(("const", _constant(node.value)))
        elif isinstance(node, ast.Name):
            if node.id in CONSTANTS:
                program.append(("const", CONSTANTS[node.id]))
                continue
            if node.id in FUNCTIONS:
                raise ExpressionError(f"function {node.id!r} used without a call")
            check_name(node.id)
            if names is not None and node.id not in names:
                raise ExpressionError(f"unknown variable {node.id!r}; give it a value with "
                                      f"--at {node.id}=...")
            if node.id not in found:
                found.append(node.id)
            program.append(("var", node.id))
        elif isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            if done:
                program.append(("unary", _UNARY[type(node.op)]))
            else:
                stack += [(node, depth, True), (node.operand, depth + 1, False)]
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            if done:
                program.append(("binary", _BINARY[type(node.op)]))
            else:
                stack += [(node, depth, True), (node.right, depth + 1, False),
                          (node.left, depth + 1, False)]
        elif isinstance(node, ast.Call):
            fname = node.func.id if isinstance(node.func, ast.Name) else None
            if fname not in FUNCTIONS:
                what = repr(fname) if fname else "an expression"
                raise ExpressionError(f"call of {what} refused; allowed functions: "
                                      + ", ".join(sorted(FUNCTIONS)))
            fn, n = FUNCTIONS[fname]
            if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
                raise ExpressionError(f"{fname}() takes plain positional arguments only")
            if len(node.args) != n:
                raise ExpressionError(f"{fname}() takes {n} argument(s), got {len(node.args)}")
            if done:
                program.append(("call", (fn, n)))
            else:
                stack += [(node, depth, True)] + [(a, depth + 1, False)
                                                  for a in reversed(node.args)]
        else:
            what = _SYMBOLS.get(type(getattr(node, "op", None)))
            what = f"the operator {what}" if what else \
                "a comparison" if isinstance(node, ast.Compare) else type(node).__name__
            hint = " (x^2 is written x**2)" if what == "the operator ^" else ""
            raise ExpressionError(f"{what} is not allowed in an expression (only numbers, "
                                  f"names, + - * / ** and math functions){hint}")
    order = names if names is not None else tuple(found)
    index = {n: i for i, n in enumerate(order)}
    program = [("var", index[a]) if op == "var" else (op, a) for op, a in program]
    return Expression(text.strip(), tuple(order), program)
