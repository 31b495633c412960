#!/usr/bin/env python3
"""Every log metadata key is `subject.field` (issue 23): `engine.name`, `error.message`, `moat.id`.

Reads every `metadata: [...]` literal and `metadataKey:` in Sources/ and fails, naming file, line
and key, on a key without a dot, so a log search for `error.message=` or `engine.name=` finds
every line that has one. Run by `make test`.
"""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parents[2] / "Sources"
bad = []
checked = 0
for path in sorted(root.rglob("*.swift")):
    text = path.read_text()
    for match in re.finditer(r"metadata: \[", text):
        depth, end = 1, match.end()
        while depth and end < len(text):
            depth += {"[": 1, "]": -1}.get(text[end], 0)
            end += 1
        body = text[match.end():end - 1]
        for key in re.finditer(r'"([^"\\]+)":', body):
            checked += 1
            if "." not in key.group(1):
                line = text.count("\n", 0, match.end() + key.start()) + 1
                bad.append(f"{path.relative_to(root.parent)}:{line}: log metadata key \"{key.group(1)}\" has no subject (use e.g. \"error.message\", \"engine.name\")")
    for key in re.finditer(r'metadataKey: "([^"]+)"', text):
        checked += 1
        if "." not in key.group(1):
            line = text.count("\n", 0, key.start()) + 1
            bad.append(f"{path.relative_to(root.parent)}:{line}: log metadata key \"{key.group(1)}\" has no subject")
if checked == 0:
    sys.exit("log-keys: no metadata keys found: the scan is broken")
for line in bad:
    print(line)
print(f"log-keys: {checked} keys checked, {len(bad)} without a subject")
sys.exit(1 if bad else 0)
