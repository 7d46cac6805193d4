"""python -m benchmarks.readme_table [results.json] — the README "Performance" tables
(Markdown) from a saved run, so the README shows exactly what was measured."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .report import RESULTS, _time

ENGINES = ["forward-jvp", "forward", "forward-k8", "reverse", "compiled", "numpy-backprop",
           "jax.jit", "torch", "autograd"]


def _cell(r):
    if r is None:
        return ""
    if r["status"] != "ok":
        return "skip" if r["status"] == "skipped" else r["status"]
    return f"{r['cost_per_eval']:.2f}"


def sweep_table(records, workload, param="n") -> str:
    rows = [r for r in records if r["workload"] == workload]
    sizes = sorted({r["size"] for r in rows})
    engines = [e for e in ENGINES if any(r["engine"] == e and r["status"] == "ok"
                                         for r in rows)]
    head = f"| {param} | plain | " + " | ".join(engines) + " |"
    lines = [head, "|" + "---:|" * (len(engines) + 2)]
    for n in sizes:
        at = {r["engine"]: r for r in rows if r["size"] == n}
        plain = at.get("plain")
        pt = _time(plain["seconds"]) if plain else ""
        lines.append(f"| {n} | {pt} | " + " | ".join(_cell(at.get(e)) for e in engines) + " |")
    return "\n".join(lines)


def absolute_table(records, cases) -> str:
    """Seconds per call (not ratios) for a few cases, e.g. [("W1", 2), ("W5", 1000)]."""
    lines = ["| engine | " + " | ".join(f"{w} {'m' if w == 'W5' else 'n'}={n}"
                                         for w, n in cases) + " |",
             "|---|" + "---:|" * len(cases)]
    for e in ["plain"] + ENGINES:
        cells = []
        for w, n in cases:
            r = next((r for r in records if (r["workload"], r["size"], r["engine"]) ==
                      (w, n, e) and r["status"] == "ok"), None)
            cells.append(_time(r["seconds"]) if r else "")
        if any(cells):
            lines.append(f"| {e} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def memory_table(records) -> str:
    rows = [r for r in records if r["workload"] == "memory" and r["status"] == "ok"]
    sizes = sorted({r["size"] for r in rows})
    lines = ["| n (W2) | ops | forward-jvp | forward | reverse |", "|---:|---:|---:|---:|---:|"]
    for n in sizes:
        at = {r["engine"]: r for r in rows if r["size"] == n}
        cells = [f"{at[e]['peak_bytes'] / 1024:.0f} KiB ({at[e]['bytes_per_op']:.0f} B/op)"
                 if e in at else "" for e in ("forward-jvp", "forward", "reverse")]
        lines.append(f"| {n} | {8 * n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def targets_table(meta) -> str:
    lines = ["| issue | target | measured | met | peers quoted in the issue |",
             "|---|---|---|---|---|"]
    for t in meta["targets"]:
        met = {True: "yes", False: "**no**", None: "not measured"}[t["met"]]
        lines.append(f"| {t['issue']} | {t['target']} | {t['measured']} | {met} | "
                     f"{t['peers_quoted']} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    path = Path(argv[0]) if argv else RESULTS / "results-full.json"
    data = json.loads(path.read_text())
    meta, records = data["meta"], data["records"]
    print(f"Machine: `{meta['machine']}`; {meta['mode']} run, {meta['seconds']:.0f} s.\n")
    print(targets_table(meta) + "\n")
    print("Time per call:\n")
    print(absolute_table(records, [("W1", 2), ("W2", 64), ("W3", 100_000), ("W4", 256),
                                   ("W5", 1000)]) + "\n")
    for w, p, title in (("W2", "n", "W2, scalar loop"), ("W3", "n", "W3, whole-array NumPy"),
                        ("W4", "batch", "W4, MLP"), ("W5", "m", "W5, R → R^m Jacobian")):
        print(f"{title}: derivative cost / plain evaluation (same run)\n")
        print(sweep_table(records, w, p) + "\n")
    print("Peak traced memory of one gradient call (tracemalloc), W2:\n")
    print(memory_table(records))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
