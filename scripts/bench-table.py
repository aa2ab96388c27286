#!/usr/bin/env python3
"""Prints the interpreter benchmark table (markdown) from criterion's saved estimates.

Run `cargo bench -p gannet-benches --bench interpreter` first; this reads
target/criterion/interpreter/<program>_<vm>/new/estimates.json and prints, per program, the
median time per run of Gannet (threaded and switch dispatch) and PolkaVM's interpreter, and
PolkaVM's time divided by Gannet's (how many times faster Gannet is), plus geometric means.
"""
import json
import math
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parent.parent / "target" / "criterion" / "interpreter"
if not root.is_dir():
    sys.exit(f"no criterion results in {root}; run cargo bench -p gannet-benches --bench interpreter")

def median_ns(name):
    path = root / name / "new" / "estimates.json"
    return json.loads(path.read_text())["median"]["point_estimate"] if path.exists() else None

def fmt(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"

programs = sorted({p.name.rsplit("_", 1)[0] for p in root.iterdir() if p.is_dir() and "_" in p.name})
order = ["minimal", "alu", "sieve", "sort", "fib", "muldiv"]
programs.sort(key=lambda p: order.index(p) if p in order else len(order))
print("| program | Gannet (threaded) | Gannet (switch) | PolkaVM 0.37 interpreter | PolkaVM / Gannet threaded | PolkaVM / Gannet switch |")
print("|---|---:|---:|---:|---:|---:|")
ratios = {"threaded": [], "switch": []}
for p in programs:
    g, s, pv = median_ns(f"{p}_gannet"), median_ns(f"{p}_gannet-switch"), median_ns(f"{p}_polkavm")
    if None in (g, s, pv):
        continue
    rt, rs = pv / g, pv / s
    if p != "minimal":
        ratios["threaded"].append(rt)
        ratios["switch"].append(rs)
    print(f"| {p} | {fmt(g)} | {fmt(s)} | {fmt(pv)} | {rt:.2f}x | {rs:.2f}x |")
geo = {k: math.exp(sum(map(math.log, v)) / len(v)) for k, v in ratios.items() if v}
if geo:
    print(f"| **geometric mean** (without minimal) | | | | **{geo['threaded']:.2f}x** | {geo['switch']:.2f}x |")
