"""The speed targets of issues 2, 3, 5 and 6, checked against measured records.

Each target reads the records of one run and returns (measured text, met).
Peer figures quoted in the issues are printed for context; they were measured
elsewhere, not in this run.
"""

from __future__ import annotations

from collections.abc import Callable


def _find(records, workload, size, engine, status="ok"):
    for r in records:
        if (r["workload"], r["size"], r["engine"], r["status"]) == (workload, size, engine,
                                                                    status):
            return r
    return None


def _us(r):
    return r["seconds"] * 1e6


def _abs(workload, size, engine, limit_us):
    def check(records):
        r = _find(records, workload, size, engine)
        if r is None:
            return "not measured", None
        return f"{_us(r):.2f} µs", _us(r) <= limit_us
    return check


def _ratio(workload, size, engine, limit, base="plain"):
    def check(records):
        r = _find(records, workload, size, engine)
        if r is None:
            return "not measured", None
        if base == "plain":
            x = r["cost_per_eval"]
        else:
            b = _find(records, workload, size, base)
            if b is None:
                return f"{base} not measured", None
            # timed against each other when the run did (run._against_backprop)
            x = r.get("vs_backprop") if base == "numpy-backprop" else None
            if x is None:
                x = r["cost_per_eval"] / b["cost_per_eval"]
        return f"{x:.2f}x {base}", x <= limit
    return check


def _per_op(workload, engine, limit_us):
    """Per-op time at the largest n measured (the loop dominates the call overhead)."""
    def check(records):
        rows = [r for r in records if (r["workload"], r["engine"], r["status"]) ==
                (workload, engine, "ok") and r.get("per_op_us")]
        if not rows:
            return "not measured", None
        r = max(rows, key=lambda r: r["size"])
        return f"{r['per_op_us']:.3f} µs/op (n={r['size']})", r["per_op_us"] <= limit_us
    return check


def _flat(records):
    rows = sorted((r["size"], r["cost_per_eval"]) for r in records
                  if r["workload"] == "W2" and r["engine"] == "reverse" and r["status"] == "ok")
    if len(rows) < 2:
        return "not measured", None
    costs = [c for _, c in rows]
    lo, hi = min(costs), max(costs)
    mid = (lo + hi) / 2
    dev = (hi - lo) / 2 / mid
    covered = rows[0][0] <= 1 and rows[-1][0] >= 1024
    return (f"{lo:.1f}x..{hi:.1f}x over n={rows[0][0]}..{rows[-1][0]} "
            f"(±{dev:.0%} of {mid:.1f}x)", dev <= 0.20 if covered else None)


def _linear(records):
    rows = sorted((r["size"], r["cost_per_eval"]) for r in records
                  if r["workload"] == "W2" and r["engine"] == "forward-k8" and r["status"] == "ok")
    if len(rows) < 2 or rows[-1][0] < 16:
        return "not measured", None
    (n0, c0), (n1, c1) = rows[len(rows) // 2], rows[-1]
    slope = (c1 / c0) / (n1 / n0)
    return f"{c0:.1f}x at n={n0} -> {c1:.1f}x at n={n1} (growth/n-growth {slope:.2f})", \
        0.5 <= slope <= 1.5


def _memory(limit):
    def check(records):
        rows = [r for r in records if r["workload"] == "memory" and r["engine"] == "reverse"
                and r["status"] == "ok"]
        if not rows:
            return "not measured", None
        r = max(rows, key=lambda r: r["size"])
        return f"{r['bytes_per_op']:.0f} B/op (n={r['size']})", r["bytes_per_op"] <= limit
    return check


def _compile_time(limit_s):
    def check(records):
        rows = [r for r in records if r["workload"] == "W2" and r["engine"] == "compiled"
                and r.get("compile_seconds") is not None]
        if not rows:
            return "not measured", None
        r = max(rows, key=lambda r: r["size"])
        ops = 8 * r["size"]
        scaled = r["compile_seconds"] * 1e4 / ops
        return f"{r['compile_seconds'] * 1e3:.0f} ms for {ops} ops (≈{scaled * 1e3:.0f} ms " \
               "per 10^4)", scaled <= limit_s
    return check


# (issue, description, check, peer context)
TARGETS: list[tuple[str, str, Callable, str]] = [
    ("#2", "W1 forward gradient ≤ 3 µs", _abs("W1", 2, "forward", 3.0),
     "torch 33 µs, autograd 119 µs, jax.jit 6.2 µs"),
    ("#2", "W2 forward-jvp ≤ 0.3 µs per elementary op", _per_op("W2", "forward-jvp", 0.3),
     "minimal __slots__ dual multiply ≈ 0.14 µs"),
    ("#3", "W1 reverse gradient ≤ 4 µs", _abs("W1", 2, "reverse", 4.0), ""),
    ("#3", "W2 reverse ≤ 0.5 µs per recorded op incl. sweep",
     _per_op("W2", "reverse", 0.5), "torch 4.1 µs/op, autograd 13 µs/op"),
    ("#3", "reverse tape ≤ 200 bytes per recorded op", _memory(200.0), ""),
    ("#3", "W3 reverse n=1e5 ≤ 2.0x NumPy evaluation", _ratio("W3", 100_000, "reverse", 2.0),
     "autograd 2.23x"),
    ("#3", "W3 reverse n=10 ≤ 30 µs", _abs("W3", 10, "reverse", 30.0), ""),
    ("#3", "W4 reverse within 5% of hand-written backprop",
     _ratio("W4", 256, "reverse", 1.05, base="numpy-backprop"),
     "backprop 2.3x forward pass, torch 2.75x"),
    ("#5", "W2 reverse cost/eval flat within ±20% for n=1..1024", _flat, ""),
    ("#5", "W2 forward gradient, fixed chunk k=8, grows linearly in n", _linear, ""),
    ("#5", "W5 forward Jacobian m=1000 ≤ 3x NumPy evaluation",
     _ratio("W5", 1000, "forward", 3.0), "autograd 30 µs, jax.jit 34 µs, torch 136 µs"),
    ("#6", "W1 compiled gradient ≤ 0.5 µs", _abs("W1", 2, "compiled", 0.5),
     "jax.jit 6.2 µs"),
    ("#6", "W1 compiled gradient ≤ 5x plain f", _ratio("W1", 2, "compiled", 5.0), ""),
    ("#6", "W2 n=64 compiled gradient ≤ 5x plain float evaluation",
     _ratio("W2", 64, "compiled", 5.0), ""),
    ("#6", "compiling a 10^4-operation trace ≤ 50 ms", _compile_time(0.050), ""),
]


def evaluate(records) -> list[dict]:
    """One row per target: issue, target, measured, met (True/False/None), peers."""
    rows = []
    for issue, text, check, peers in TARGETS:
        measured, met = check(records)
        rows.append({"issue": issue, "target": text, "measured": measured,
                     "met": met, "peers_quoted": peers})
    return rows
