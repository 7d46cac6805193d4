"""Smoke test of the benchmark harness at tiny sizes (no test asserts a time)."""

import json

import numpy as np
import pytest

from benchmarks import run
from benchmarks import workloads as W
from benchmarks.engines import ENGINES
from benchmarks.timing import TINY


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    import contextlib
    import io
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert run.main(["--tiny", "--no-peers", "--out", str(out)]) == 0
    return out, buf.getvalue()


def test_table_lists_every_workload_and_engine(tiny_run):
    _, text = tiny_run
    assert "machine" in text or "cpus=" in text           # the machine line
    assert "BLAS" in text
    for workload in ("W1", "W2", "W3", "W4", "W5", "memory"):
        assert any(line.startswith(workload) for line in text.splitlines()), workload
    for engine in ("plain", "forward-jvp", "forward", "reverse"):
        assert f" {engine} " in text
    assert "targets (issues" in text and "crossover" in text
    assert "peers skipped" in text                        # one line for the missing peers


def test_result_file_and_verification_before_timing(tiny_run):
    out, _ = tiny_run
    data = json.loads((out / "results-tiny.json").read_text())
    records = data["records"]
    timed = [r for r in records if r["status"] == "ok" and r["workload"] != "memory"
             and r["engine"] != "plain"]
    assert {r["workload"] for r in timed} == {"W1", "W2", "W3", "W4", "W5"}
    for r in timed:
        # every timed derivative was checked against the hand-written derivative
        # (itself checked against central differences) and other engines first
        assert r["verified_before_timing"] is True
        assert r["max_rel_err"] <= run.AD_RTOL
        assert "hand-written" in r["checked_against"]
        assert r["seconds"] > 0 and r["cost_per_eval"] > 0
    # forward mode is cross-checked against another engine wherever a second one ran
    w3 = [r for r in timed if r["workload"] == "W3" and r["engine"] == "numpy-backprop"]
    assert w3 and all("forward" in r["checked_against"] for r in w3)
    assert (out / "results-tiny.csv").read_text().startswith("workload,size,engine")
    assert any(r["workload"] == "memory" and r["status"] == "ok" for r in records)


def test_plots_written_when_matplotlib_present(tiny_run):
    out, text = tiny_run
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        # CI's .venv has only the `test` extra; the harness must say it skipped plots
        assert "plots skipped: matplotlib not installed" in text
        pytest.skip("matplotlib (the `bench` extra) is not installed: checked the skip line")
    for name in ("w2-tiny.png", "w3-tiny.png", "w5-tiny.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_wrong_gradient_is_never_timed():
    calls = []

    def wrong(case):
        def fn():
            calls.append(1)
            return np.full(case.reference.shape, 1.0) + case.reference
        return fn

    prepare_forward = ENGINES["forward"][0]
    contestants = [("forward", "dualad", prepare_forward), ("broken", "dualad", wrong)]
    rows = run.bench_case(W.w2(4), contestants, TINY, {})
    broken = [r for r in rows if r["engine"] == "broken"]
    assert len(broken) == 1 and broken[0]["status"] == "WRONG"
    assert broken[0]["seconds"] is None and not broken[0]["verified_before_timing"]
    assert "forward" in broken[0]["checked_against"]
    assert calls == [1]                                   # computed once, never timed
    good = [r for r in rows if r["engine"] == "forward"]
    assert good[0]["status"] == "ok" and good[0]["max_rel_err"] < 1e-12


def test_wrong_reference_refuses_the_whole_case():
    case = W.w3(10)
    case.reference = case.reference * 1.01                # a wrong hand-written gradient
    rows = run.bench_case(case, [("forward", "dualad", ENGINES["forward"][0])], TINY, {})
    assert [r["status"] for r in rows] == ["WRONG"]
    assert "central differences" in rows[0]["note"]


def test_forward_scripts_check_before_timing():
    from benchmarks import forward_chunks, forward_targets
    rows = forward_chunks.sweep("W2", [4], TINY)          # raises if any chunk is wrong
    assert set(rows[0]["seconds"]) == {1, 2, 4}
    assert min(rows[0]["relative"].values()) == 1.0
    labels = [label for label, _, _ in forward_targets.figures(TINY)]
    assert "dualad.gradient(f, 2.0, 5.0)" in labels
    assert "reverse through the loop, per op ÷ minimal" in labels
