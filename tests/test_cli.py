"""The dualad command line and its safe expression parser."""

import importlib.util
import re
import subprocess
import sys

import numpy as np
import pytest

from dualad.cli import main
from dualad.expr import ExpressionError, parse
from dualad.rules import ELEMENTWISE

SEED = "log(x1) + x1*x2 - sin(x2)"
HAS_TRACE = importlib.util.find_spec("dualad.trace") is not None


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_seed_function_exits_0(capsys):
    code, out, err = run(capsys, "check", SEED, "--at", "x1=2", "x2=5")
    assert code == 0, out + err
    for engine in ("forward", "reverse", "symbolic", "numeric"):
        assert engine in out
    assert "5.5" in out and "1.7163378145367738" in out and err == ""


def test_check_defaults_to_the_seed_function(capsys):
    code, out, _ = run(capsys, "check")
    assert code == 0
    assert "log(x1) + x1*x2 - sin(x2)" in out and "11.652071455223084" in out


def test_check_exits_1_when_engines_disagree(capsys, monkeypatch):
    monkeypatch.setitem(ELEMENTWISE, np.sin, ("sin", lambda out, x: -np.cos(x)))
    code, out, _ = run(capsys, "check", SEED, "--at", "x1=2", "x2=5")
    assert code == 1 and "DISAGREE" in out


def test_expression_function_is_plain_numpy():
    f = parse("x*y**2 + relu(x) - sigmoid(y)/pi", ("x", "y"))
    assert f.names == ("x", "y")
    x, y = 1.5, -2.0
    assert f(x, y) == x * y ** 2 + max(x, 0.0) - 1 / (1 + np.exp(-y)) / np.pi
    assert parse("y + 2*x").names == ("y", "x")


def test_check_other_expression(capsys):
    code, out, _ = run(capsys, "check", "x*y**2 + tanh(x/3)", "--at", "x=1.5", "y=-2")
    assert code == 0
    assert "4.2" in out        # ∂/∂x = y² + (1 − tanh²(0.5))/3 = 4.262...


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_division_by_zero_is_a_report_not_a_refusal(capsys):
    # check evaluated f's value on Python floats: ZeroDivisionError, exit 2 ("refused
    # input"); and numeric's error bound, scaled by the infinite partial, passed any value
    code, out, _ = run(capsys, "check", "1/x", "--at", "x=0")
    assert code == 1 and "value inf" in out
    assert re.search(r"forward\s+-inf", out) and re.search(r"symbolic\s+-inf", out)
    assert "numeric OUTSIDE its error bound" in out
    code, out, _ = run(capsys, "check", "1/x", "--at", "x=4")
    assert code == 0 and "-0.0625" in out


def test_expression_led_by_a_minus_is_not_an_option(capsys):
    # argparse took "-x**2" for an unknown option ("unrecognized arguments", exit 2)
    code, out, _ = run(capsys, "check", "-x**2", "--at", "x=3")
    assert code == 0 and "-6" in out            # d/dx −x² = −2x
    code, out, _ = run(capsys, "trace", "-x*y", "--at", "x=2", "y=1", "--wrt", "y")
    assert code == 0 and "= -2.000" in out
    code, out, _ = run(capsys, "check", "--at", "x=3", "--", "-x**2")     # as before
    assert code == 0 and "-6" in out
    code, out, _ = run(capsys, "check", "--at", "x=3", "-x**2")     # after the point
    assert code == 0 and "-6" in out
    # a prefix of an option is an expression, not the option abbreviated: "--a" was
    # taken for --at, "--c" for --code (the seed function's program was printed)
    code, out, _ = run(capsys, "check", "--a", "--at", "a=3")
    assert code == 0 and "check of --a at (3.0)" in out
    code, out, _ = run(capsys, "trace", "--c", "--at", "c=2")
    assert code == 0 and "c̄   = v̄_0  =  1.000" in out and "def " not in out


def test_sigmoid_keeps_its_derivative_in_the_tails(capsys):
    # 1/(1 + exp(-x)) had derivative 0 at x = -400 and nan past -709 (exp(-x) overflowed)
    for x, want in (("-400", "1.9151695967140057e-174"), ("-710", "4.47628622567513e-309"),
                    ("0", "0.25"), ("40", "4.248354255291589e-18")):
        code, out, _ = run(capsys, "check", "sigmoid(x)", "--at", f"x={x}")
        rows = [line.split() for line in out.splitlines()]
        assert code == 0 and all(r[1] == want for r in rows if r[0] in ("forward", "reverse",
                                                                           "symbolic")), out


def test_check_echoes_numbers_in_round_trip_digits(capsys):
    # %.16g printed 0.9999999 as 0.9999999000000001 and the largest float as a number
    # float() reads back as inf; arcsin'(0.9999999) read DISAGREE (symbolic's 1 − x²)
    code, out, _ = run(capsys, "check", "asin(x)", "--at", "x=0.9999999")
    assert code == 0 and "at (0.9999999)" in out and "2236.068033989975 " in out
    _, out, _ = run(capsys, "check", "x", "--at", "x=1.7976931348623157e308")
    assert "at (1.7976931348623157e+308)" in out


def test_trace_command(capsys):
    code, out, err = run(capsys, "trace", SEED, "--at", "x1=2", "x2=5", "--wrt", "x1")
    if HAS_TRACE:
        assert code == 0 and "11.652" in out
    else:
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1


def test_trace_wrt_must_name_a_variable(capsys):
    code, _, err = run(capsys, "trace", SEED, "--at", "x1=2", "x2=5", "--wrt", "x3")
    assert code == 2 and "x3" in err and len(err.strip().splitlines()) == 1


def hostile(tmp_path):
    marker = tmp_path / "pwned"
    return [
        f"__import__('os').system('touch {marker}')",
        f"open('{marker}', 'w')",
        "x1.__class__",
        "x1.real",
        "__builtins__",
        "_x + 1",
        "(lambda: 1)()",
        "[x1 for x1 in (1, 2)]",
        "{x1: 1}",
        "eval('1')",
        "exec('x=1')",
        "getattr(x1, 'real')",
        "sin.__call__(x1)",
        "x1 if x1 > 0 else x2",
        "x1 > 0",
        "x1[0]",
        "'text'",
        "sin(x1, *x2)",
        "sin(x=x1)",
        "x1 := 3",
        "1j * x1",
        "ｓｉｎ(x1)",                     # full-width look-alike letters
        "sіn(x1)",                        # Cyrillic і
        "x1 + 1" * 300,                  # too long
        "(" * 60 + "x1" + ")" * 60,      # too deeply nested
        "-" * 200 + "x1",                # deep without parentheses
        "x1 + \x00",
        "",
        "1e400 * x1",                    # not finite
        "x3 + x1",                       # unknown variable
        "sin",
    ]


def test_hostile_expressions_are_refused(capsys, tmp_path):
    cases = hostile(tmp_path)
    assert len(cases) >= 15
    for text in cases:
        code, out, err = run(capsys, "check", text, "--at", "x1=2", "x2=5")
        assert code == 2, text
        assert out == "" and len(err.strip().splitlines()) == 1 and "error" in err, text
        with pytest.raises(ExpressionError):
            parse(text, ("x1", "x2"))
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("at", [["x1=abc"], ["x1=nan"], ["x1=inf"], ["__class__=1"],
                                ["x1=1", "x1=2"], ["x1"], ["sin=1"], ["х1=2"]])
def test_bad_points_are_refused(capsys, at):
    code, out, err = run(capsys, "check", "x1", "--at", *at)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1


def test_at_may_be_repeated_but_not_a_name_twice(capsys):
    # --at x=1 --at y=2 is one point; a name given again in a later --at is refused,
    # not silently replaced by it
    code, out, _ = run(capsys, "check", "x*y**2", "--at", "x=1.5", "--at", "y=-2")
    assert code == 0 and re.search(r"forward\s+4\.0\s+-6\.0\s", out)     # (y², 2xy) = (4, -6)
    code, out, err = run(capsys, "check", "x", "--at", "x=1", "--at", "x=2")
    assert code == 2 and out == "" and "given twice" in err


def test_expression_without_point_is_refused(capsys):
    code, _, err = run(capsys, "check", "x1 * 2")
    assert code == 2 and "--at" in err


def test_bad_command_line_is_one_line(capsys):
    code, _, err = run(capsys, "frobnicate")
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_python_m_dualad_runs_check_then_trace():
    p = subprocess.run([sys.executable, "-m", "dualad"], capture_output=True, text=True,
                       timeout=120)
    assert "symbolic" in p.stdout and "11.652071455223084" in p.stdout
    if HAS_TRACE:
        assert p.returncode == 0, p.stderr
        assert p.stdout.index("reverse") < p.stdout.rindex("11.652")
    else:
        assert p.returncode == 2 and "trace" in p.stderr


def test_a_reader_that_left_gets_no_traceback():
    # probe41: `dualad check ... | head -1` printed a BrokenPipeError traceback; here
    # the pipe's reader has left before anything is written, so every write fails
    import os
    r, w = os.pipe()
    os.close(r)
    try:
        p = subprocess.run([sys.executable, "-m", "dualad", "check", "x * y", "--at", "x=1",
                            "y=2"], stdout=w, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(w)
    assert "Traceback" not in p.stderr and "Exception" not in p.stderr, p.stderr
    assert p.returncode == 141


def test_domain_edges_print_tables_not_numpy_warnings():
    # sqrt(x) + log(x) at 0 printed NumPy's RuntimeWarnings naming dualad/rules.py lines
    p = subprocess.run([sys.executable, "-m", "dualad", "check", "sqrt(x) + log(x)", "--at",
                        "x=0"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and p.stderr == "" and "forward   inf" in p.stdout


def test_a_refused_operator_is_named_as_written():
    # "BinOp is not allowed" for x^2, where + is a BinOp too
    for text, said in (("x^2", "the operator ^ is not allowed"), ("x % 2", "the operator %"),
                       ("x < 2", "a comparison is not allowed"), ("not x", "the operator not")):
        with pytest.raises(ExpressionError, match=re.escape(said)):
            parse(text)
    with pytest.raises(ExpressionError, match=re.escape("x^2 is written x**2")):
        parse("x^2")
