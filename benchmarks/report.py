"""Output of a benchmark run: the stdout table, crossovers, targets, CSV/JSON and plots."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

from .targets import evaluate

RESULTS = Path(__file__).parent / "results"
COLUMNS = ["workload", "size", "engine", "family", "status", "seconds", "plain_seconds",
           "cost_per_eval", "per_op_us", "vs_ours", "ours", "vs_backprop", "repeats", "number",
           "spread", "max_rel_err",
           "checked_against", "verified_before_timing", "compile_seconds", "peak_bytes",
           "bytes_per_op", "note"]


def _time(s):
    if s is None:
        return ""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def table(records) -> str:
    """Fixed-width table: one row per (workload, size, engine)."""
    head = f"{'work':<6} {'n/m':>8} {'engine':<15} {'time':>10} {'cost/eval':>10} " \
           f"{'µs/op':>7} {'peer/ours':>10}  checked / note"
    lines = [head, "-" * len(head)]
    last = None
    for r in records:
        if r["workload"] != last and last is not None:
            lines.append("")
        last = r["workload"]
        if r["workload"] == "memory":
            if r["status"] == "ok":
                info = f"peak {r['peak_bytes'] / 1024:.0f} KiB = {r['bytes_per_op']:.0f} B/op " \
                       f"({r['note']})"
            else:
                info = f"skipped: {r['note']}"
            lines.append(f"{'memory':<6} {r['size']:>8} {r['engine']:<15} {'':>10} {'':>10} "
                         f"{'':>7} {'':>10}  {info}")
            continue
        if r["status"] == "ok":
            cost = f"{r['cost_per_eval']:.2f}x"
            op = f"{r['per_op_us']:.3f}" if r.get("per_op_us") else ""
            vs = f"{r['vs_ours']:.2f} ({r['ours'][:3]})" if r.get("vs_ours") else ""
            info = ("verified: " + r["checked_against"]) if r["verified_before_timing"] \
                else r["checked_against"]
            if r["note"]:
                info = f"{r['note']}; {info}"
            if r.get("vs_backprop"):
                info = f"{r['vs_backprop']:.2f}x backprop timed alongside; {info}"
        else:
            cost, op, vs = r["status"], "", ""
            info = r["note"] + (f" [{r['checked_against']}]" if r["checked_against"] else "")
        lines.append(f"{r['workload']:<6} {r['size']:>8} {r['engine']:<15} "
                     f"{_time(r['seconds']):>10} {cost:>10} {op:>7} {vs:>10}  {info}")
    return "\n".join(lines)


def crossover(records, workload, a="forward", b="reverse"):
    """n* where engine a's cost first exceeds b's (log-interpolated), or a sentence."""
    pts = {}
    for r in records:
        if r["workload"] == workload and r["engine"] in (a, b) and r["status"] == "ok":
            pts.setdefault(r["size"], {})[r["engine"]] = r["seconds"]
    xs = sorted(n for n, v in pts.items() if len(v) == 2)
    pair = f"{workload} ({a} vs {b})"
    if len(xs) < 2:
        return None, f"{pair}: crossover not measured (needs both at 2+ sizes)"
    d = [math.log(pts[n][a] / pts[n][b]) for n in xs]
    for (n0, d0), (n1, d1) in zip(zip(xs, d), zip(xs[1:], d[1:])):
        if d0 <= 0 < d1:
            t = d0 / (d0 - d1)
            n_star = math.exp(math.log(n0) + t * (math.log(n1) - math.log(n0)))
            return n_star, f"{pair}: {a} cheaper below n* ≈ {n_star:.1f}, {b} above"
    if d[0] > 0:
        return None, f"{pair}: {b} cheaper at every measured size ({xs[0]}..{xs[-1]})"
    return None, f"{pair}: {a} cheaper at every measured size ({xs[0]}..{xs[-1]})"


def crossovers(records) -> str:
    lines = ["crossover (full derivative, forward vs reverse):"]
    for w in ("W2", "W3", "W5"):
        lines.append("  " + crossover(records, w)[1])
    for w in ("W2", "W3"):
        lines.append("  " + crossover(records, w, a="forward-k8")[1])
    return "\n".join(lines)


def targets_table(records) -> str:
    lines = ["targets (issues #2 #3 #5 #6; peer figures are the issues' quotes, for context):"]
    for t in evaluate(records):
        mark = {True: "met ", False: "MISS", None: "  - "}[t["met"]]
        peers = f"   [{t['peers_quoted']}]" if t["peers_quoted"] else ""
        lines.append(f"  {mark} {t['issue']} {t['target']:<55} {t['measured']}{peers}")
    return "\n".join(lines)


def save(records, machine, mode, elapsed, peer_lines, out=None) -> list[Path]:
    """results-<mode>.json / .csv and PNG plots (skipped with one line without matplotlib)."""
    out = Path(out) if out else RESULTS
    out.mkdir(parents=True, exist_ok=True)
    meta = {"mode": mode, "machine": machine, "seconds": elapsed, "peers": peer_lines,
            "targets": evaluate(records),
            "crossovers": {w: crossover(records, w)[0] for w in ("W2", "W3", "W5")},
            "crossovers_k8": {w: crossover(records, w, a="forward-k8")[0] for w in ("W2", "W3")}}
    jpath = out / f"results-{mode}.json"
    jpath.write_text(json.dumps({"meta": meta, "records": records}, indent=1, default=str))
    cpath = out / f"results-{mode}.csv"
    with cpath.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS, extrasaction="ignore")
        w.writeheader()
        w.writerows(records)
    return [jpath, cpath] + plots(records, out, mode)


def plots(records, out, mode) -> list[Path]:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plots skipped: matplotlib not installed (pip install -e '.[bench]')")
        return []
    paths = []
    for workload, param in (("W2", "n"), ("W3", "n"), ("W5", "m")):
        rows = [r for r in records if r["workload"] == workload and r["status"] == "ok"
                and r["engine"] != "plain"]
        if not rows:
            continue
        fig, ax = plt.subplots(figsize=(7.6, 4.2))
        for engine in dict.fromkeys(r["engine"] for r in rows):
            pts = sorted((r["size"], r["cost_per_eval"]) for r in rows if r["engine"] == engine)
            style = "--" if any(r["family"] == "peer" for r in rows if r["engine"] == engine) \
                else "-"
            ax.plot([p[0] for p in pts], [p[1] for p in pts], style, marker="o", ms=3,
                    label=engine)
        for a, color in (("forward", "grey"), ("forward-k8", "black")):
            n_star, _ = crossover(records, workload, a=a)
            if n_star:
                ax.axvline(n_star, color=color, ls=":")
                ax.annotate(f"n* ≈ {n_star:.0f} ({a} vs reverse)", (n_star, ax.get_ylim()[1]),
                            fontsize=7, ha="left", va="top", rotation=90)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(param)
        ax.set_ylabel("cost / plain evaluation (same run)")
        ax.set_title(f"{workload}: derivative cost / evaluation vs {param} ({mode})", fontsize=9)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        ax.grid(True, which="both", alpha=0.3)
        path = out / f"{workload.lower()}-{mode}.png"
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths
