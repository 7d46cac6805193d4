"""Old vs new dualad.compile, interleaved: time to the first gradient and its parts.

    PYTHONPATH=$PWD python -m benchmarks.compile_ab [--ref main] [--rounds 5] [n ...]

Extracts `git archive <ref>` (dualad/, reverse/, benchmarks/) into a temporary
directory and runs benchmarks/compile_breakdown.py alternately against that tree
and this one, in fresh processes, one round each at a time; prints the medians
of both and new/old ratios (the machine is shared: only ratios taken side by
side mean much).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "compile_breakdown.py"


def extract(ref: str, into: str) -> None:
    data = subprocess.run(["git", "archive", ref, "dualad", "reverse", "benchmarks"],
                          cwd=ROOT, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")


def run(tree: str, n: int) -> dict:
    env = dict(os.environ, PYTHONPATH=tree)
    out = subprocess.run([sys.executable, str(SCRIPT), str(n), "--rounds", "1", "--json"],
                         env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv=None) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("sizes", nargs="*", type=int, default=[1250])
    p.add_argument("--ref", default="main")
    p.add_argument("--rounds", type=int, default=5)
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as old:
        extract(a.ref, old)
        for n in a.sizes:
            res = {"old": [], "new": []}
            for _ in range(a.rounds):
                res["old"].append(run(old, n))
                res["new"].append(run(str(ROOT), n))
            med = {w: {k: statistics.median(r[k] for r in rs) for k in rs[0]}
                   for w, rs in res.items()}
            print(f"W2 n={n} ({8 * n} ops), medians of {a.rounds} interleaved rounds "
                  f"(old = {a.ref}):")
            print(f"  {'':32} {'old ms':>9} {'new ms':>9} {'new/old':>8}")
            for k in med["old"]:
                if k == "n":
                    continue
                o, m = med["old"][k], med["new"][k]
                scale = 1 if k == "statements" else 1e3
                print(f"  {k:<32} {o * scale:9.2f} {m * scale:9.2f} {m / o:8.2f}")
            for w in ("old", "new"):
                r = med[w]
                first = r["first gradient"] * 1e4 / (8 * n)
                print(f"  {w}: first gradient / reverse.gradient = "
                      f"{r['first gradient'] / r['yardstick reverse.gradient']:.2f}, "
                      f"per 10^4 ops / compile of 10^4 trivial statements = "
                      f"{first / r['yardstick compile 10^4 trivial']:.2f}")


if __name__ == "__main__":
    main()
