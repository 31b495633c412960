#!/usr/bin/env python3
"""Macro-bearing OOXML documents of a chosen size, for bench/macro/run.sh.

Each output copies every part of a real macro document (its vbaProject.bin included) and adds one
stored picture part of incompressible bytes (word/media, xl/media) so the file reaches the target
size the way real documents grow: pictures. Usage: make-docs.py SIZE_BYTES OUT_DIR SOURCE...
"""
import os
import sys
import zipfile

size = int(sys.argv[1])
out = sys.argv[2]
os.makedirs(out, exist_ok=True)
for source in sys.argv[3:]:
    name = os.path.basename(source)
    target = os.path.join(out, name)
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, 'w', zipfile.ZIP_DEFLATED) as copy:
        media = 'xl/media/' if any(n.startswith('xl/') for n in original.namelist()) else 'word/media/'
        for item in original.infolist():
            copy.writestr(item, original.read(item.filename))
        padding = max(0, size - os.path.getsize(source))
        # A stored JPEG-like body: random bytes do not compress, so the file size is the target.
        copy.writestr(zipfile.ZipInfo(media + 'image9001.jpeg'), b'\xff\xd8\xff\xe0' + os.urandom(padding), zipfile.ZIP_STORED)
    print(target, os.path.getsize(target))
