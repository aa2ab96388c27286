#!/usr/bin/env python3
"""Host instructions per guest opcode in compiled code (callgrind), and how many each
execution of the opcode costs.

    GANNET_PERF_MAP=1 valgrind --tool=callgrind --dump-instr=yes --callgrind-out-file=cg.out \\
        target/release/gannet run BLOB --backend compiler --export bench --arg N
    target/release/examples/compile_probe BLOB --backend compiler --rounds 1 --dump DIR
    target/release/gannet disasm --offsets BLOB > BLOB.s
    python3 scripts/jit-opcodes.py cg.out DIR/NAME.bin DIR/NAME.map BLOB.s [TOP]

The dump (`compile_probe --dump`: the machine code and, per guest instruction, the offset of
its code) must come from the same build and configuration as the profiled run, which then
produces the same bytes. Each host instruction counts for the guest instruction whose code
contains it; the per-block gas charges (`sub r10, cost` and its `jl`) are counted apart. A
fused group's later instructions have no code of their own, so the group counts for its
first instruction. "per" is host instructions per execution of the opcode, from the count
of its first host instruction. Counts, not time: see scripts/jit-profile.py.
"""
import bisect
import collections
import importlib.util
import pathlib
import re
import subprocess
import sys

_spec = importlib.util.spec_from_file_location("jit_profile", pathlib.Path(__file__).with_name("jit-profile.py"))
jit_profile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(jit_profile)


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    cg, code, offsets, listing = sys.argv[1:5]
    top = int(sys.argv[5]) if len(sys.argv) > 5 else 25
    per_address, pid = jit_profile.executed(cg, "Ir")
    # Code offset of each guest instruction's code, and the guest pc it belongs to.
    starts = sorted((int(o, 16), int(pc)) for o, pc in (line.split() for line in open(offsets)))
    native = {pc: o for o, pc in starts}
    # The code is mapped page-aligned; a block's symbol starts at or before its first
    # instruction's code (its gas charge comes first).
    bases = collections.Counter(
        (start - native[int(name.rsplit(":", 1)[1])]) // 4096 * 4096 + 4096
        for start, _, name in jit_profile.blocks(pid)
        if name.startswith("gannet:") and int(name.rsplit(":", 1)[1]) in native
    )
    if not bases:
        sys.exit("no block of the perf map is in the dump: another program or build?")
    base = bases.most_common(1)[0][0]
    text = {}
    dump = subprocess.run(
        ["objdump", "-D", "-b", "binary", "-m", "i386:x86-64", code], capture_output=True, text=True, check=True
    ).stdout
    for line in dump.splitlines():
        m = re.match(r"\s*([0-9a-f]+):\t(?:[0-9a-f]{2} )+\s*\t(.*)", line)
        if m:
            text[int(m.group(1), 16)] = m.group(2)
    opcode = {}
    for line in open(listing):
        m = re.match(r"\s+(\w+).*; @(\d+)\s*$", line)
        if m:
            opcode[int(m.group(2))] = m.group(1)
    keys = [o for o, _ in starts]
    stats = collections.defaultdict(lambda: [0, 0])
    total = gas = 0
    after_charge = False
    for address, count in sorted(per_address.items()):
        offset = address - base
        if offset not in text:
            continue
        total += count
        instruction = text[offset]
        if re.match(r"sub\s+\$0x[0-9a-f]+,%r10", instruction) or (after_charge and instruction.startswith("jl")):
            gas += count
            after_charge = instruction.startswith("sub")
            continue
        after_charge = False
        i = bisect.bisect_right(keys, offset) - 1
        if i < 0:
            continue
        name = opcode.get(starts[i][1], "?")
        stats[name][1] += count
        if offset == starts[i][0]:
            stats[name][0] += count
    if total == 0:
        sys.exit("no instructions of the dump were executed: another program or build?")
    symbols = jit_profile.blocks(pid)
    ends = [start for start, _, _ in symbols]
    in_blocks = sum(
        count
        for address, count in per_address.items()
        if (i := bisect.bisect_right(ends, address) - 1) >= 0 and address < symbols[i][1]
    )
    if total < 0.99 * in_blocks:
        print(f"warning: {in_blocks} instructions in the blocks, {total} at addresses of the dump: "
              "is the dump from the same build?", file=sys.stderr)
    print(f"{total} host instructions in generated code; gas charges {gas} ({100 * gas / total:.1f} %)")
    print(f"{'opcode':36} {'executions':>12} {'host instrs':>12} {'share':>7} {'per':>6}")
    for name, (runs, count) in sorted(stats.items(), key=lambda item: -item[1][1])[:top]:
        print(f"{name:36} {runs:>12} {count:>12} {100 * count / total:6.1f}% {count / max(runs, 1):6.2f}")


if __name__ == "__main__":
    main()
