#!/usr/bin/env python3
"""Writes a PDF with active content for the end-to-end tests and the PDF benchmark.

    make-pdf.py OUT [--bytes N] [--seed S]

Pages of text (as many as reach about N bytes, at least one), a JavaScript action run on opening,
and a link on the first page that launches cmd.exe. Written object by object with a correct
cross-reference table, so qpdf reads it without repairs.
"""
import random
import sys

out_path = sys.argv[1]
target = int(sys.argv[sys.argv.index("--bytes") + 1]) if "--bytes" in sys.argv else 0
random.seed(int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 7)
words = "invoice quarterly figures revenue forecast meeting schedule attached please review".split()


def page_text():
    lines = " ".join("(%s) '" % " ".join(random.choice(words) for _ in range(12)) for _ in range(60))
    return "BT /F1 10 Tf 40 800 Td 12 TL (Quarterly report) ' " + lines + " ET"


pages = max(1, target // 7000)
objects = [
    "<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >> >>",
    "<< /Type /Pages /Kids [%s] /Count %d >>" % (" ".join("%d 0 R" % (4 + 2 * i) for i in range(pages)), pages),
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
]
for i in range(pages):
    annots = " /Annots [<< /Type /Annot /Subtype /Link /Rect [40 40 200 60] /A << /S /Launch /F (cmd.exe) >> >>]" if i == 0 else ""
    objects.append("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R%s >>"
                   % (5 + 2 * i, annots))
    text = page_text()
    objects.append("<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text))
data, offsets = b"%PDF-1.7\n", []
for i, body in enumerate(objects):
    offsets.append(len(data))
    data += b"%d 0 obj\n%s\nendobj\n" % (i + 1, body.encode())
xref = len(data)
data += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
data += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
with open(out_path, "wb") as f:
    f.write(data)
