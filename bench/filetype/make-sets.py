#!/usr/bin/env python3
"""Attachment sets for bench/filetype/run.sh: the same files nested 0..4 archive levels deep, and
two zip bombs. Usage: make-sets.py OUT_DIR. Nothing here is executed, only classified.

depth-N/ holds 20 attachments, each a zip nested N levels around the same five members: a PDF, a
PE executable header, a PNG, a CSV and a JSON file (about 230 KB uncompressed). bomb-42/ holds a
42.zip-style bomb (16 copies of a 16-copy layer of 1 GiB of zeros: 256 GiB claimed, under 1 MB on disk);
bomb-flat/ one member of 4 GiB of zeros (about 4 MB).
"""
import io
import os
import random
import struct
import sys
import zipfile
import zlib

out = sys.argv[1]
rng = random.Random(42)


def zipped(members, method=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w', method) as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name, (2026, 11, 29, 0, 0, 0)), data, method)
    return buffer.getvalue()


def png(width, height):
    rows = b''.join(b'\0' + bytes(rng.getrandbits(8) for _ in range(width * 3)) for _ in range(height))
    chunk = lambda kind, data: struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
    return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0)) + \
        chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b'')


pdf = b'%PDF-1.4\n' + b''.join(b'%d 0 obj\n<< /Length 80 >>\nstream\n' % i + bytes(rng.getrandbits(8) for _ in range(900)) +
                               b'\nendstream\nendobj\n' for i in range(1, 120)) + b'trailer\n<< >>\n%%EOF\n'
mz = b'MZ' + b'\0' * 58 + struct.pack('<I', 64)
pe = mz + b'PE\0\0' + struct.pack('<HHIIIHH', 0x14C, 1, 0, 0, 0, 224, 0x0102) + struct.pack('<H', 0x10B) + b'\0' * 30000
csv = ''.join('%d,%s,%d\n' % (i, 'item%d' % (i * 7), i * 13) for i in range(2000)).encode()
json = ('{"items": [' + ','.join('{"id": %d, "name": "n%d"}' % (i, i) for i in range(1500)) + ']}').encode()
members = [('report.pdf', pdf), ('setup.exe', pe), ('chart.png', png(120, 80)), ('data.csv', csv), ('data.json', json)]

for depth in range(5):
    directory = os.path.join(out, 'depth-%d' % depth)
    os.makedirs(directory, exist_ok=True)
    for index in range(20):
        if depth == 0:
            name, data = members[index % len(members)]
            name = '%02d-%s' % (index, name)
        else:
            data = zipped(members)
            for level in range(1, depth):
                data = zipped([('level%d.zip' % level, data)])
            name = '%02d-bundle.zip' % index
        with open(os.path.join(directory, name), 'wb') as f:
            f.write(data)


def zeros_zip(gib):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        info = zipfile.ZipInfo('zeros.bin', (2026, 11, 29, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, 'w', force_zip64=True) as f:
            chunk = b'\0' * (1 << 24)
            for _ in range(gib * 64):
                f.write(chunk)
    return buffer.getvalue()


os.makedirs(os.path.join(out, 'bomb-flat'), exist_ok=True)
with open(os.path.join(out, 'bomb-flat', 'flat.zip'), 'wb') as f:
    f.write(zeros_zip(4))
layer = zeros_zip(1)
for level in range(2):
    layer = zipped([('%d.zip' % copy, layer) for copy in range(16)], zipfile.ZIP_STORED if level == 0 else zipfile.ZIP_DEFLATED)
os.makedirs(os.path.join(out, 'bomb-42'), exist_ok=True)
with open(os.path.join(out, 'bomb-42', '42.zip'), 'wb') as f:
    f.write(layer)
for directory in sorted(os.listdir(out)):
    files = os.listdir(os.path.join(out, directory))
    size = sum(os.path.getsize(os.path.join(out, directory, name)) for name in files)
    print('%s: %d files, %d bytes' % (directory, len(files), size))
