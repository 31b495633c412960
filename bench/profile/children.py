#!/usr/bin/env python3
"""Inclusive time of a function's direct callees, from `perf script` output (demangled).

    perf script -i perf.data | swift demangle --simplified | bench/profile/children.py 'SpamEngine.score' [depth]

Prints, for every sample whose stack holds a frame matching the pattern, which frame sits directly
below it (depth 1) or the chain of depth frames below it, as a share of the matching samples and
of all samples. Frames are matched by substring; the outermost match in a stack is used."""
import sys, collections

pattern = sys.argv[1]
depth = int(sys.argv[2]) if len(sys.argv) > 2 else 1
total = 0
matched = 0
below = collections.Counter()
stack = []

def finish():
    global total, matched
    if not stack:
        return
    total += 1
    # perf prints leaf first; walk from the root end.
    frames = list(reversed(stack))
    for i, frame in enumerate(frames):
        if pattern in frame:
            matched += 1
            chain = frames[i + 1:i + 1 + depth]
            below[" <- ".join(reversed(chain)) if chain else "(self)"] += 1
            break

for line in sys.stdin:
    line = line.rstrip("\n")
    if not line.strip():
        finish(); stack = []
        continue
    if line.startswith((" ", "\t")):
        parts = line.strip().split(" ", 1)
        name = parts[1] if len(parts) > 1 else parts[0]
        name = name.rsplit(" (", 1)[0]
        name = name.rsplit("+0x", 1)[0]
        stack.append(name[:160])
finish()
print(f"{matched} of {total} samples ({100.0 * matched / max(total, 1):.1f} %) under '{pattern}'")
for name, count in below.most_common(40):
    sys.stdout.write(f"{100.0 * count / max(matched, 1):6.1f} % {100.0 * count / max(total, 1):6.1f} %  {name}\n")
