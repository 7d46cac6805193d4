"""Benchmarks for dualad: forward vs reverse cost as inputs grow, and against peers.

`python -m benchmarks [--quick | --tiny]` runs workloads W1-W5 and the memory
sweep; `python -m benchmarks.forward_targets` and `python -m
benchmarks.forward_chunks` measure the forward engine's own figures.  Every
time is reported as a ratio to plain evaluation of the same function measured
in the same run; no gradient is timed before it was checked against another
engine.
"""
