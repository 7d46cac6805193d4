"""The `dualad` command line (also `python -m dualad`).

    dualad check "log(x1) + x1*x2 - sin(x2)" --at x1=2 x2=5
    dualad trace "log(x1) + x1*x2 - sin(x2)" --at x1=2 x2=5 [--wrt x1]
    dualad                      # check, then trace, of the seed function at (2, 5)

`check` prints every engine's gradient side by side and exits 1 if they
disagree.  Expressions are parsed safely by `dualad.expr` (whitelisted syntax
only); refused input gives one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import math
import os
import sys

import numpy as np

from .expr import ExpressionError, check_name, parse

SEED_EXPRESSION = "log(x1) + x1*x2 - sin(x2)"
SEED_POINT = (("x1", 2.0), ("x2", 5.0))


def seed_function(x1, x2):
    """f(x1, x2) = log(x1) + x1·x2 − sin(x2), the running example of Baydin et al. 2018."""
    return np.log(x1) + x1 * x2 - np.sin(x2)


class _Refused(Exception):
    """Bad command-line input: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise _Refused(message)


def _parser() -> argparse.ArgumentParser:
    # no abbreviated options: "--c" is the expression −(−c), not --code
    p = _Parser(prog="dualad", description="Cross-check derivatives of an expression "
                "(forward, reverse, symbolic, numeric) and print its evaluation trace.",
                allow_abbrev=False)
    sub = p.add_subparsers(dest="command", required=True)
    for name, help_ in (("check", "every engine's gradient side by side"),
                        ("trace", "the evaluation trace tables (Baydin et al. 2018)")):
        s = sub.add_parser(name, help=help_, allow_abbrev=False)
        s.add_argument("expression", nargs="?", default=None,
                       help=f"math expression (default: {SEED_EXPRESSION!r})")
        s.add_argument("--at", nargs="+", action="extend", metavar="NAME=VALUE", default=None,
                       help="the point, e.g. --at x1=2 x2=5 (default for the seed function)")
        if name == "trace":
            s.add_argument("--wrt", default=None, help="seed direction: variable name")
            s.add_argument("--code", action="store_true",
                           help="print the code dualad.compile generates instead")
    return p


def _point(items) -> tuple[tuple[str, ...], tuple[float, ...]]:
    names, values = [], []
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise _Refused(f"--at takes NAME=VALUE, got {item!r}")
        try:
            name = check_name(name.strip())
        except ExpressionError as exc:
            raise _Refused(str(exc)) from None
        if name in names:
            raise _Refused(f"variable {name!r} given twice in --at")
        try:
            v = float(value)
        except ValueError:
            raise _Refused(f"value of {name} is not a number: {value!r}") from None
        if not math.isfinite(v):
            raise _Refused(f"value of {name} is not finite: {value!r}")
        names.append(name)
        values.append(v)
    return tuple(names), tuple(values)


def _function(args):
    """(f, values) for the command's expression and --at point."""
    text = SEED_EXPRESSION if args.expression is None else args.expression
    if args.at is None:
        if args.expression is not None:
            raise _Refused("give the point with --at NAME=VALUE ..., e.g. --at x1=2 x2=5")
        names, values = zip(*SEED_POINT)
    else:
        names, values = _point(args.at)
    try:
        f = parse(text, names)
    except ExpressionError as exc:
        raise _Refused(str(exc)) from None
    return f, tuple(values)


def _check(f, values) -> int:
    from .check import check
    report = check(f, *values)
    print(report)
    return 0 if report.ok else 1


def _trace(f, values, wrt) -> int:
    try:
        from dualad.trace import trace
    except ModuleNotFoundError as exc:
        if exc.name not in ("dualad.trace",):
            raise
        print("dualad: error: the trace command is not available yet (no dualad.trace)",
              file=sys.stderr)
        return 2
    print(trace(f, *values, wrt=wrt))
    return 0


def _run(args) -> int:
    f, values = _function(args)
    if args.command == "check":
        return _check(f, values)
    wrt = 0
    if args.wrt is not None:
        if args.wrt not in f.names:
            raise _Refused(f"--wrt {args.wrt!r} is not one of the variables "
                           f"{', '.join(f.names)}")
        wrt = f.names.index(args.wrt)
    if args.code:
        from .compile import compile
        print(compile(f, *values).source, end="")
        return 0
    return _trace(f, values, wrt)


_OPTIONS = ("--help", "--at", "--wrt", "--code")


def _expression_not_option(argv: list[str]) -> list[str]:
    """argv with an expression that starts with '-' (`dualad check "-x**2"`) led by a
    space and moved right after the command: argparse takes any word led by '-' for an
    option it does not know (and after `--at` for one more point), and the expression
    parser strips the space.  The options themselves (exactly: "--a" is −(−a), not an
    abbreviated --at), -h and what follows `--` are left as they are."""
    out = list(argv)
    for i, a in enumerate(out[1:], 1):
        if a == "--":
            break
        if a.startswith("-") and a != "-h" and a.split("=")[0] not in _OPTIONS:
            del out[i]
            out.insert(1, " " + a)
            break
    return out


def main(argv: list[str] | None = None) -> int:
    """main(argv) -> exit status: 0 fine, 1 the engines disagree, 2 refused input,
    141 the reader of the output left (`| head`), as a process SIGPIPE ends."""
    argv = sys.argv[1:] if argv is None else list(argv)
    # NumPy's floating-point warnings (sqrt of -1, log of 0) are not printed: they name
    # our source lines, and the tables show the inf or nan they warn of
    try:
        with np.errstate(all="ignore"):
            if not argv:    # the demo: check, then trace, of the seed function
                ns = _parser().parse_args
                code = _run(ns(["check"]))
                print()
                code = max(code, _run(ns(["trace"])))
            else:
                code = _run(_parser().parse_args(_expression_not_option(argv)))
        sys.stdout.flush()      # here, not at exit: a reader that left is seen below
        return code
    except _Refused as exc:
        print(f"dualad: error: {exc}", file=sys.stderr)
        return 2
    except (TypeError, ValueError, ArithmeticError) as exc:
        print(f"dualad: error: {type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    except BrokenPipeError:     # `dualad check ... | head`: the reader left; no traceback
        # (Python's recipe: stdout to devnull, so the flush at exit raises nothing)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
