"""dualad.trace: Baydin et al. 2018 Tables 2 and 3 for the seed function, rows,
seed directions, arrays, HTML and DOT output."""

from __future__ import annotations

import math
import re
import unicodedata

import numpy as np
import pytest

import dualad
import reverse
from dualad.cli import main


def f(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


@pytest.fixture(scope="module")
def seed():
    return dualad.trace(f, 2.0, 5.0)


def nfc(s: str) -> str:
    """Compare text with ẋ / v̄ written either precomposed or with combining marks."""
    return unicodedata.normalize("NFC", s)


def _lines(text: str, title: str) -> list[str]:
    """The lines of the right-hand column under `title` (Table 2 or 3)."""
    title = nfc(title)
    lines = [nfc(s) for s in text.splitlines()]
    start = next(i for i, s in enumerate(lines) if title in s)
    col = lines[start].index(title)
    out = []
    for s in lines[start + 2:]:
        if not s.strip():
            break
        out.append(s[col:].strip() if len(s) > col else "")
    return [s for s in out if s]


def test_primal_trace_numbers_as_in_the_paper(seed):
    text = str(seed)
    expected = [("v_{-1}", "x1", "2.000"), ("v_0", "x2", "5.000"),
                ("v_1", "log v_{-1}", "0.693"), ("v_2", "v_{-1} × v_0", "10.000"),
                ("v_3", "sin v_0", "-0.959"), ("v_4", "v_1 + v_2", "10.693"),
                ("v_5", "v_4 - v_3", "11.652"), ("y", "v_5", "11.652")]
    for lhs, op, num in expected:
        pattern = rf"^{re.escape(lhs)}\s+= {re.escape(op)}\s+=\s+{re.escape(num)}\s"
        assert re.search(pattern, text, re.M), (lhs, op, num)


def test_tangent_trace_numbers(seed):
    lines = _lines(str(seed), "Forward tangent trace (ẋ1 = 1)")
    values = [s.rsplit("=", 1)[1].strip() for s in lines]
    assert values == ["1.000", "0.000", "0.500", "5.000", "0.000", "5.500", "5.500", "5.500"]
    assert nfc("v̇_1    = v̇_{-1} / v_{-1}") in lines[2]
    assert nfc("v̇_{-1} × v_0 + v̇_0 × v_{-1}") in lines[3]


def test_adjoint_trace_numbers_in_sweep_order(seed):
    lines = _lines(str(seed), "Reverse adjoint trace")
    got = [(s.split("=", 1)[0].strip(), s.rsplit("=", 1)[1].strip()) for s in lines]
    got = [(nfc(a), b) for a, b in got]
    expected = [("v̄_5", "1.000"), ("v̄_4", "1.000"), ("v̄_3", "-1.000"), ("v̄_1", "1.000"),
                ("v̄_2", "1.000"), ("v̄_0", "-0.284"), ("v̄_{-1}", "5.000"),
                ("v̄_0", "1.716"), ("v̄_{-1}", "5.500"), ("x̄1", "5.500"), ("x̄2", "1.716")]
    assert got == [(nfc(a), b) for a, b in expected]
    assert nfc("v̄_0 + v̄_2 × v_{-1}") in lines[7]


def test_rows_hold_exact_values(seed):
    rows = seed.rows
    assert [r.index for r in rows] == [-1, 0, 1, 2, 3, 4, 5]
    assert [r.op for r in rows] == ["x1", "x2", "log v_{-1}", "v_{-1} × v_0", "sin v_0",
                                    "v_1 + v_2", "v_4 - v_3"]
    assert [r.args for r in rows] == [(), (), (-1,), (-1, 0), (0,), (1, 2), (4, 3)]
    primal = [2.0, 5.0, math.log(2.0), 10.0, math.sin(5.0), math.log(2.0) + 10.0,
              math.log(2.0) + 10.0 - math.sin(5.0)]
    assert [r.primal for r in rows] == pytest.approx(primal, rel=1e-15)
    assert [r.tangent for r in rows] == pytest.approx([1, 0, 0.5, 5, 0, 5.5, 5.5], rel=1e-15)
    adjoint = [5.5, 2.0 - math.cos(5.0), 1, 1, -1, 1, 1]
    assert [r.adjoint for r in rows] == pytest.approx(adjoint, rel=1e-15)
    assert seed.gradient == (5.5, 1.7163378145367738)
    assert seed.value == pytest.approx(11.652071455223084, rel=1e-15)


def test_wrt_by_name_and_by_position():
    a = dualad.trace(f, 2.0, 5.0, wrt="x2")
    b = dualad.trace(f, 2.0, 5.0, wrt=1)
    tangents = [r.tangent for r in a.rows]
    assert tangents == pytest.approx([0, 1, 0, 2, math.cos(5.0), 2, 2 - math.cos(5.0)])
    assert [r.tangent for r in b.rows] == tangents
    assert a.tangent == pytest.approx(1.7163378145367738, rel=1e-15)
    assert nfc("Forward tangent trace (ẋ2 = 1)") in nfc(str(a))


def test_bad_wrt_is_refused():
    with pytest.raises(ValueError, match="x3"):
        dualad.trace(f, 2.0, 5.0, wrt="x3")
    with pytest.raises(ValueError, match="out of range"):
        dualad.trace(f, 2.0, 5.0, wrt=2)
    with pytest.raises(TypeError, match="wrt"):
        dualad.trace(f, 2.0, 5.0, wrt=1.5)
    with pytest.raises(TypeError, match="one value"):
        dualad.trace(lambda x: (x, x), 1.0)


def g(x):
    return np.sum(x * x) + x[0] * np.sin(x[1])


def test_array_function_rows_and_compact_printing():
    x = np.array([1.0, 2.0, 3.0])
    tr = dualad.trace(g, x, wrt=(0, 1))
    np.testing.assert_allclose(tr.gradient, dualad.gradient(g, x), rtol=1e-14)
    # tangent along e_1 is ∂g/∂x[1]
    assert tr.tangent == pytest.approx(dualad.gradient(g, x)[1], rel=1e-14)
    ops = [r.op for r in tr.rows]
    assert "sum(v_1)" in ops and "v_0[0]" in ops and "v_0[1]" in ops
    big = dualad.trace(g, np.linspace(1.0, 2.0, 1000))
    text = str(big)
    assert "..." in text and max(len(s) for s in text.splitlines()) < 200
    np.testing.assert_allclose(big.gradient, dualad.gradient(g, np.linspace(1.0, 2.0, 1000)),
                               rtol=1e-14)


def test_wrt_element_must_be_one_element():
    # (0, False) seeded nothing (tangent 0), (0, True), (0, None) and (0, 0) of a matrix
    # seeded several elements; each was printed as if it were ∂/∂x[i]
    x = np.arange(6.0).reshape(2, 3)
    h = lambda x: np.sum(x * x) + x[0, 0] * np.sin(x[1, 2])    # noqa: E731
    grad = dualad.gradient(h, x)
    for key in [(1, 2), (-1, 0), (np.int64(0), 0)]:
        assert dualad.trace(h, x, wrt=(0, key)).tangent == pytest.approx(grad[key], rel=1e-14)
    for key in [False, True, None, 0, (0,), (0, 3), (0, slice(None)), (0.0, 1)]:
        with pytest.raises(ValueError, match="not one element of argument 0 of shape"):
            dualad.trace(h, x, wrt=(0, key))


def test_html_tables(seed):
    page = seed._repr_html_()
    assert page.count("<table>") == 2
    assert "<td>log v_{-1}</td>" in page and "<td>11.652</td>" in page
    # text is escaped
    lt = dualad.trace(lambda x: np.where(x < 1.0, x, 2.0 * x), 0.5)._repr_html_()
    assert "<" not in re.sub(r"</?(table|caption|thead|tbody|tr|th|td)>", "", lt)


def test_dot_graph(seed):
    dot = seed.to_dot()
    assert dot.startswith("digraph trace {") and dot.rstrip().endswith("}")
    edges = set(re.findall(r"^\s*(\w+) -> (\w+);", dot, re.M))
    assert edges == {("v_m1", "v_1"), ("v_m1", "v_2"), ("v_0", "v_2"), ("v_0", "v_3"),
                     ("v_1", "v_4"), ("v_2", "v_4"), ("v_4", "v_5"), ("v_3", "v_5"),
                     ("v_5", "y")}
    assert 'v_1 [label="v_1 = log v_{-1}\\nv = 0.693' in dot


def test_hostile_parameter_names_are_not_printed():
    def h(*args):
        return args[0] * args[1]
    h.__signature__ = None
    h.names = ("a\nimport os", "b")
    tr = dualad.trace(h, 2.0, 3.0)
    assert "import" not in str(tr) and "import" not in tr.to_dot()
    assert tr.rows[0].op == "x1"


def test_command_line_trace(capsys):
    assert main(["trace", "--wrt", "x2"]) == 0
    out = nfc(capsys.readouterr().out)
    assert nfc("Forward tangent trace (ẋ2 = 1)") in out and "11.652" in out and "1.716" in out


def test_a_bilinear_operation_of_one_value_with_itself_dots_one_factor_per_term():
    # A @ A printed v̇_0 @ v̇_0 + v̇_0 @ v̇_0 (the numbers were right)
    A = np.array([[1.0, 2.0], [3.0, 4.0]])
    text = str(dualad.trace(lambda A: np.sum(A @ A), A))
    assert "v̇_1 = v̇_0 @ v_0 + v_0 @ v̇_0" in text
    text = str(dualad.trace(lambda x: np.linalg.norm(x), np.array([3.0, 4.0])))
    assert re.search(r"dot\(v̇_1, v_1\) \+ dot\(v_1, v̇_1\) =\s+14\.000", text)


def test_a_parameter_named_y_does_not_share_the_outputs_label():
    # dualad trace "2*y + y" showed ẏ = 1 (the seed) and ẏ = 3 (the output) alike
    t = dualad.trace(lambda y: 2.0 * y + y, 3.0)
    text = unicodedata.normalize("NFC", str(t))
    nfc = lambda s: unicodedata.normalize("NFC", s)     # noqa: E731
    assert re.search(r"f\s+= v_2\s+=\s+9\.000", text) and nfc("f̄ = 1") in text
    assert nfc("(ẏ = 1)") in text and not re.search(nfc(r"ẏ\s+= v̇_2"), text)
    assert "f -> " not in t.to_dot() and "-> f;" in t.to_dot()
    assert re.search(r"\ny\s+= v_5", str(dualad.trace(
        lambda x1, x2: np.log(x1) + x1 * x2 - np.sin(x2), 2.0, 5.0)))   # the paper's y otherwise



def test_parameters_named_like_every_output_label_still_trace(capsys):
    # with parameters y, f, out and result the output's label ran out: StopIteration
    # from dualad.trace, a traceback and exit status 1 from the CLI
    def g(y, f, out, result):
        return y * f * out * result
    t = dualad.trace(g, 1.0, 2.0, 3.0, 4.0, wrt="out")
    assert t.value == 24.0 and t.tangent == 8.0
    assert t.gradient == reverse.gradient(g, 1.0, 2.0, 3.0, 4.0) == (24.0, 12.0, 8.0, 6.0)
    assert re.search(r"\ny_out\s+= v_3\s+=\s+24\.000", str(t))
    assert main(["trace", "y*f*out*result", "--at", "y=1", "f=2", "out=3", "result=4"]) == 0
    assert "y_out" in capsys.readouterr().out


@pytest.mark.filterwarnings("ignore::RuntimeWarning")      # sqrt'(0) = 0.5/0: NumPy's inf
def test_partials_at_a_singularity_are_numpys_inf_as_in_the_engines(capsys):
    # the trace called the rule 0.5/out on Python floats: ZeroDivisionError at sqrt(0)
    # (and cbrt, arctan2(x, 0), x/x at 0) where every engine gives inf or nan
    f = lambda a, b: np.sqrt(a) * b
    t = dualad.trace(f, 0.0, 1.0)
    assert t.gradient == dualad.gradient(f, 0.0, 1.0) == (np.inf, 0.0)
    assert main(["trace", "sqrt(x)*y", "--at", "x=0", "y=1"]) == 0
    assert "inf" in capsys.readouterr().out
    # on scalars the trace takes partials as forward mode does (math.cosh, not np.cosh)
    for x in np.linspace(0.05, 0.95, 40):
        assert dualad.trace(np.sinh, x).gradient == dualad.gradient(np.sinh, x)


def test_small_and_large_numbers_keep_their_digits():
    # three decimals printed 9.4e-14 as 0.000 (the command line shows only the text)
    text = str(dualad.trace(np.exp, -30.0))
    assert "9.358e-14" in text and re.search(r"= +0\.000(\s|$)", text) is None
    assert "1.069e+13" in str(dualad.trace(np.exp, 30.0))


def test_running_adjoints_below_a_where_are_masked_as_in_the_sweep():
    # each Table 3 line was swept alone, without the full sweep's NaN-safe where:
    # "v̄_0 = v̄_1 × (1/(2 × v_1)) = nan", then "x̄ = v̄_0 = 0.000"
    f = lambda x: np.where(x > 0, np.sqrt(x), 0.0)     # noqa: E731
    with np.errstate(invalid="ignore"):
        t = dualad.trace(f, -1.0)
        assert reverse.gradient(f, -1.0) == t.gradient == 0.0
    assert [line[2] for line in t.adjoint_lines] == ["1.000", "0.000", "0.000", "0.000"]


def test_constants_are_printed_in_full():
    # %g printed x * 1.000001 − 123456.789 as "v_0 × 1" and "v_1 - 123457"
    t = dualad.trace(lambda x: x * 1.000001 - 123456.789 + 2.0, 1.0e6)
    ops = [r.op for r in t.rows]
    assert "v_0 × 1.000001" in ops and "v_1 - 123456.789" in ops and "v_2 + 2" in ops


def test_tangents_below_a_where_are_redone_as_forward_mode_redoes_them():
    # sqrt(where(x1 > 0, x2, x1)) at (2, 0) along x1: the table said ẏ = nan (the zero
    # tangent of the branch times sqrt'(0) = inf) where jvp gives 0 and Table 3 x̄1 = 0
    f = lambda x1, x2: np.sqrt(np.where(x1 > 0, x2, x1))        # noqa: E731
    with np.errstate(divide="ignore", invalid="ignore"):
        t = dualad.trace(f, 2.0, 0.0, wrt="x1")
        assert t.tangent == 0.0 == dualad.jvp(f, (2.0, 0.0), (1.0, 0.0))[1]
        assert t.gradient == (0.0, np.inf) == dualad.gradient(f, 2.0, 0.0)
        g = lambda x: np.log(np.where(x > 0, 0.0, x))            # noqa: E731
        assert dualad.trace(g, 2.0).tangent == 0.0 == dualad.derivative(g, 2.0)
    assert "nan" not in str(t)


def test_a_constant_output_still_shows_the_gradient_rows():
    t = dualad.trace(lambda x: 3.0, 2.0)
    assert t.gradient == 0.0 and t.adjoint_lines == [("x̄", "0", "0.000")]


def test_star_args_are_named_as_check_and_symbolic_name_them():
    # f(x, *rest) was traced as x1, x2: wrt="x" was refused
    t = dualad.trace(lambda x, *rest: x * rest[0], 2.0, 3.0, wrt="x")
    assert t.names == ("x", "rest0") and "v_0    = rest0" in str(t)
    assert t.tangent == 3.0 and t.gradient == (3.0, 2.0)
    t = dualad.trace(lambda *a: a[0] * a[1], 2.0, 3.0, wrt="a1")
    assert t.names == ("a0", "a1") and t.tangent == 2.0
