"""python -m benchmarks [--quick | --tiny] [--out DIR] [--only W2,W5] [--no-peers]

For every workload and size: check the hand-written reference derivative
against central differences, time plain evaluation, then for every engine
compute the derivative once, verify it against the reference and the other
engines (a wrong result is reported and never timed), and time it.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc

import numpy as np

from . import engines as E
from . import peers as P
from . import report
from . import workloads as W
from .timing import FULL, QUICK, TINY, machine_line, measure, once

AD_RTOL = 1e-9      # AD vs hand-written / other AD engines (relative, in norm)
FD_RTOL = 1e-5      # central differences vs the reference


def relerr(got, want) -> float:
    got, want = np.asarray(got, float), np.asarray(want, float)
    if got.shape != want.shape:
        return float("inf")
    scale = max(float(np.linalg.norm(want)), 1e-300)
    return float(np.linalg.norm(got - want)) / scale


def check_reference(case: W.Case) -> float:
    """Relative error of the hand-written reference against central differences."""
    step = 1e-6 / case.size if case.workload == "W5" else 1e-5
    return relerr(W.central_difference(case, step), case.reference_jvp())


def verify(case, engine, result, verified):
    """(max relative error, 'checked against' text): the reference, then every AD engine
    verified before on this case computing the same quantity."""
    jvp = engine == "forward-jvp"
    got = W.flat(result)
    want = case.reference_jvp() if jvp else case.reference
    errs = [("hand-written", relerr(got, want))]
    for other, value in verified.items():
        if (other == "forward-jvp") == jvp and other != "numpy-backprop":
            errs.append((other, relerr(got, value)))
    if jvp:
        errs.append(("central-diff", relerr(got, case.extra["fd"])))
    worst = max(e for name, e in errs if name != "central-diff")
    fd_ok = all(e <= FD_RTOL for name, e in errs if name == "central-diff")
    text = ", ".join(f"{name} {e:.0e}" for name, e in errs)
    return (worst if fd_ok else float("inf")), text, got


class Progress:
    """A one-line progress bar on stderr (one line per step when stderr is not a tty)."""

    def __init__(self, total: int):
        self.total, self.done, self.tty = max(total, 1), 0, sys.stderr.isatty()
        self.t0 = time.perf_counter()

    def step(self, label: str):
        self.done += 1
        frac = min(self.done / self.total, 1.0)
        bar = "#" * int(frac * 30)
        line = f"[{bar:<30}] {self.done}/{self.total} {time.perf_counter() - self.t0:5.0f}s " \
               f"{label}"
        if self.tty:
            sys.stderr.write("\r" + line[:100].ljust(100))
            if self.done >= self.total:
                sys.stderr.write("\n")
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()


def record(case, engine, family, status, **kw):
    r = {"workload": case.workload, "size": case.size, "engine": engine, "family": family,
         "status": status, "seconds": None, "cost_per_eval": None, "per_op_us": None,
         "repeats": None, "number": None, "spread": None, "max_rel_err": None,
         "checked_against": "", "verified_before_timing": False, "note": ""}
    r.update(kw)
    return r


def bench_case(case, contestants, budget, stopped, progress=None):
    """Records for one case: plain evaluation, then each (name, family, prepare)."""
    out = []
    ref_err = check_reference(case)
    case.extra["fd"] = W.central_difference(
        case, 1e-6 / case.size if case.workload == "W5" else 1e-5)
    if ref_err > FD_RTOL:
        for name, family, _ in contestants:
            out.append(record(case, name, family, "WRONG", note="reference disagrees with "
                              f"central differences ({ref_err:.1e}); nothing timed"))
        return out
    plain = case.f
    args = case.plain_args
    _, first = once(lambda: plain(*args))
    tp = measure(lambda: plain(*args), first, budget)
    out.append(record(case, "plain", "baseline", "ok", seconds=tp.seconds, cost_per_eval=1.0,
                      repeats=tp.repeats, number=tp.number, spread=tp.spread,
                      checked_against=f"reference vs central-diff {ref_err:.0e}",
                      per_op_us=tp.seconds * 1e6 / case.ops if case.ops else None))
    verified = {}
    for name, family, prepare in contestants:
        if progress:
            progress.step(f"{case.workload} {case.size} {name}")
        key = (case.workload, name)
        if key in stopped:
            out.append(record(case, name, family, "skipped", note=stopped[key]))
            continue
        try:
            fn = prepare(case)
            result, first = once(fn)
        except E.NotApplicable:
            continue
        except E.Skip as e:
            out.append(record(case, name, family, "skipped", note=str(e)))
            continue
        except Exception as e:
            out.append(record(case, name, family, "skipped",
                              note=f"error: {type(e).__name__}: {e}"[:200]))
            continue
        err, text, flat = verify(case, name, result, verified)
        if not err <= AD_RTOL:
            out.append(record(case, name, family, "WRONG", max_rel_err=err,
                              checked_against=text, note="result disagrees; not timed"))
            continue
        if family == "dualad":
            verified[name] = flat
        t = measure(fn, first, budget)
        note = []
        for k, label in (("compile_seconds", "compile"), ("jax_compile_seconds", "jit")):
            if name in ("compiled", "jax.jit") and k in case.extra:
                note.append(f"{label} {case.extra[k] * 1e3:.1f} ms")
        out.append(record(case, name, family, "ok", seconds=t.seconds,
                          cost_per_eval=t.seconds / tp.seconds, repeats=t.repeats,
                          number=t.number, spread=t.spread, max_rel_err=err,
                          checked_against=text, verified_before_timing=True,
                          per_op_us=t.seconds * 1e6 / case.ops if case.ops else None,
                          compile_seconds=case.extra.pop("compile_seconds", None)
                          if name == "compiled" else None,
                          note="; ".join(note)))
        if t.seconds > budget.cap:
            stopped[key] = f"a call took {t.seconds:.1f} s at {case.size} (cap {budget.cap} s)"
    _peer_ratios(out)
    return out


def _peer_ratios(rows):
    """theirs / ours for each peer row: ours = the fastest dualad engine computing the
    same full derivative on this case."""
    ours = [r for r in rows if r["family"] == "dualad" and r["status"] == "ok"
            and r["engine"] != "forward-jvp"]
    if not ours:
        return
    best = min(ours, key=lambda r: r["seconds"])
    for r in rows:
        if r["family"] == "peer" and r["status"] == "ok":
            r["vs_ours"] = r["seconds"] / best["seconds"]
            r["ours"] = best["engine"]


def memory_sweep(sizes, progress=None):
    """Peak traced bytes of one gradient call on W2 (scalar loop) per engine and n."""
    rows = []
    rev = E.reverse_module()
    import dualad
    for n in sizes:
        case = W.w2(n)
        calls = {"forward-jvp": lambda: dualad.jvp(case.f, case.args, case.tangents),
                 "forward": lambda: dualad.gradient(case.f, *case.args)}
        if rev is not None:
            calls["reverse"] = lambda: rev.gradient(case.f, *case.args)
        for name in ("forward-jvp", "forward", "reverse"):
            if progress:
                progress.step(f"memory {n} {name}")
            r = record(case, name, "dualad", "skipped")
            r["workload"] = "memory"
            if name not in calls:
                r["note"] = "reverse.gradient not available yet"
                rows.append(r)
                continue
            gc.collect()
            tracemalloc.start()
            try:
                calls[name]()
                _, peak = tracemalloc.get_traced_memory()
            except Exception as e:
                r["note"] = f"error: {type(e).__name__}: {e}"[:200]
                rows.append(r)
                continue
            finally:
                tracemalloc.stop()
            r.update(status="ok", peak_bytes=peak, bytes_per_op=peak / case.ops,
                     note=f"{case.ops} recorded ops")
            rows.append(r)
    return rows


def contestants(use_peers: bool):
    lines = []
    found = {}
    if use_peers:
        found, lines = P.available()
    else:
        lines.append("peers skipped: --no-peers")
    items = [(name, "dualad", prep) for name, (prep, _) in E.ENGINES.items()]
    items += [(name, "peer", (lambda n, p: lambda case: P.prepare(n, p, case))(name, prep))
              for name, prep in found.items()]
    return items, lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="fewer sizes (< 2 minutes)")
    mode.add_argument("--tiny", action="store_true", help="tiny sizes, seconds (smoke test)")
    ap.add_argument("--out", default=None, help="results directory (default benchmarks/results)")
    ap.add_argument("--only", default=None, help="comma-separated workloads, e.g. W2,W5,memory")
    ap.add_argument("--no-peers", action="store_true", help="skip jax / torch / autograd")
    opts = ap.parse_args(argv)
    name = "tiny" if opts.tiny else "quick" if opts.quick else "full"
    budget = {"full": FULL, "quick": QUICK, "tiny": TINY}[name]
    only = set(opts.only.split(",")) if opts.only else None
    items, peer_lines = contestants(not opts.no_peers)

    machine = machine_line()
    print(f"dualad benchmarks ({name}) | {machine}")
    for line in peer_lines:
        print(line)
    sizes = {w: s for w, s in W.SIZES[name].items() if only is None or w in only}
    mem_sizes = W.MEMORY_SIZES[name] if only is None or "memory" in only else []
    progress = Progress(sum(len(s) for s in sizes.values()) * len(items) + 3 * len(mem_sizes))
    records, stopped = [], {}
    t0 = time.perf_counter()
    for workload, ns in sizes.items():
        for size in ns:
            case = W.WORKLOADS[workload](size)
            records += bench_case(case, items, budget, stopped, progress)
    records += memory_sweep(mem_sizes, progress)
    elapsed = time.perf_counter() - t0
    print(report.table(records))
    print(report.crossovers(records))
    print(report.targets_table(records))
    paths = report.save(records, machine, name, elapsed, peer_lines, opts.out)
    print(f"results: {', '.join(str(p) for p in paths)} ({elapsed:.0f} s)")
    return 0
