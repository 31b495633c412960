#!/usr/bin/env python3
"""Prints the patterns of one compiled prefilter database from the spam engine's cache
(var/spam-cache/prefilter-*.hsdb) as `id<TAB>flags<TAB>expression` lines, the input of cost.c.

A cache file holds its compile inputs (every pattern's id, Hyperscan flags and expression, and the
looser fallback compiled in place of an expression Hyperscan refuses) ahead of the database; the
patterns the database refused are left out, as the database left them out.

    python3 bench/profile/hyperscan/patterns.py var/spam-cache/prefilter-XXXX.hsdb > db.pats
"""
import ctypes, json, struct, sys

hs = ctypes.CDLL("libhs.so.5")
raw = open(sys.argv[1], "rb").read()
magic = b"MOATHSDB1\n"
if not raw.startswith(magic):
    sys.exit(f"{sys.argv[1]}: not a Moat prefilter cache file")
offset = len(magic)

def chunk():
    global offset
    (length,) = struct.unpack_from("<Q", raw, offset)
    offset += 8
    offset += length
    return raw[offset - length:offset]

key, rejected = chunk(), json.loads(chunk())
out = sys.stdout.buffer
for line in key.split(b"\n")[1:]:
    if not line:
        continue
    pid, flags, length, rest = line.split(b"\t", 3)
    expression, tail = rest[:int(length)], rest[int(length):]
    if pid.decode() in rejected:
        continue
    info, error = ctypes.c_void_p(), ctypes.c_void_p()
    refused = hs.hs_expression_info(expression, int(flags), ctypes.byref(info), ctypes.byref(error)) != 0
    if refused and tail.startswith(b"\tfallback\t"):
        expression = tail[len(b"\tfallback\t"):]
    out.write(b"%s\t%s\t%s\n" % (pid, flags, expression))
