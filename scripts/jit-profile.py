#!/usr/bin/env python3
"""Where compiled guest code spends its instructions, per guest basic block (callgrind).

    GANNET_PERF_MAP=1 valgrind --tool=callgrind --dump-instr=yes --callgrind-out-file=cg.out \\
        target/release/examples/ping_probe BLOB compiler 40000
    python3 scripts/jit-profile.py cg.out [TOP] [EVENT]

With GANNET_PERF_MAP=1 every compiled module appends one symbol per basic block
(`gannet:<pc>`, its address and size) to /tmp/perf-<pid>.map. Callgrind knows nothing of
that code, but with --dump-instr=yes it records the instructions executed at every address;
this script adds them up per block of the map (the pid is read from the callgrind file) and
prints the TOP blocks (default 30) in code order: guest pc, host instructions, and their
share of all instructions executed in generated code. `gannet disasm --offsets BLOB` shows the
guest code of a block, `compile_probe BLOB --dump DIR` its machine code.

Instruction counts are deterministic, unlike time on a shared machine; they do not weigh
cache misses or mispredictions. For those, run callgrind with --branch-sim=yes as well and
give EVENT `Bcm` (mispredicted conditional branches; `Bc` executed ones, `Bim` mispredicted
indirect jumps): the same table then counts that event per block, which is how the selects
of docs/jit.md were found.
"""
import bisect
import collections
import re
import sys


def executed(path, event):
    """`event` counted per address, for code callgrind has no symbol for, and the pid."""
    per_address = collections.Counter()
    names, current, pid = {}, None, None
    position = [0, 0]
    after_call = False
    columns, events = 2, ["Ir"]

    def expand(token, i):
        if token.startswith("0x"):
            return int(token, 16)
        if token[0] in "+-":
            return position[i] + int(token)
        if token == "*":
            return position[i]
        return int(token)

    with open(path) as lines:
        for line in lines:
            line = line.strip()
            if line.startswith("pid:"):
                pid = int(line.split()[1])
                continue
            if line.startswith("positions:"):
                columns = len(line.split()) - 1
                continue
            if line.startswith("events:"):
                events = line.split()[1:]
                if event not in events:
                    sys.exit(f"no event {event} in the callgrind file (it has {' '.join(events)})")
                continue
            m = re.match(r"^(c?)fn=\((\d+)\)(?: (.*))?$", line)
            if m:
                if m.group(3):
                    names[m.group(2)] = m.group(3)
                if not m.group(1):
                    current = names[m.group(2)]
                continue
            if line.startswith("calls="):
                after_call = True  # the next cost line is the call's inclusive cost
                continue
            fields = line.split()
            if len(fields) < 2 or not re.match(r"^(0x[0-9a-f]+|[+-]\d+|\*)$", fields[0]):
                continue
            address = position[0] = expand(fields[0], 0)
            if columns == 2 and len(fields) >= 3:
                position[1] = expand(fields[1], 1)
            # (Trailing zero costs are left out of a line.)
            costs = fields[columns:] if len(fields) > columns else fields[-1:]
            index = events.index(event)
            # (A jump record's source line may carry no cost at all, only positions.)
            count = int(costs[index]) if index < len(costs) and costs[index].isdigit() else 0
            if after_call:
                after_call = False
                continue
            if current and current.startswith("0x"):
                per_address[address] += count
    return per_address, pid


def blocks(pid):
    """(start, end, name) of every symbol in the perf map, sorted by start."""
    symbols = []
    with open(f"/tmp/perf-{pid}.map") as lines:
        for line in lines:
            start, size, name = line.split(maxsplit=2)
            start = int(start, 16)
            symbols.append((start, start + int(size, 16), name.strip()))
    return sorted(symbols)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    event = sys.argv[3] if len(sys.argv) > 3 else "Ir"
    per_address, pid = executed(sys.argv[1], event)
    if pid is None:
        sys.exit("no pid in the callgrind file")
    try:
        symbols = blocks(pid)
    except FileNotFoundError:
        sys.exit(f"no /tmp/perf-{pid}.map: run with GANNET_PERF_MAP=1")
    starts = [s[0] for s in symbols]
    per_block = collections.Counter()
    for address, count in per_address.items():
        i = bisect.bisect_right(starts, address) - 1
        if i >= 0 and address < symbols[i][1]:
            per_block[symbols[i][2]] += count
    total = sum(per_block.values())
    if total == 0:
        sys.exit(f"no {event} in generated code")
    print(f"{total} {event} in generated code, over {len(per_block)} blocks")
    hottest = per_block.most_common(top)
    pc = lambda name: int(name.rsplit(":", 1)[1]) if name.rsplit(":", 1)[-1].isdigit() else -1
    for name, count in sorted(hottest, key=lambda item: pc(item[0])):
        print(f"{name:>16} {count:>14} {100 * count / total:6.2f} %")


if __name__ == "__main__":
    main()
