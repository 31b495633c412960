#!/usr/bin/env bash
# Conversion mode end to end (issue 22): a throwaway Postfix with moatd as its milter and the
# `convert` engine on. A macro-enabled Word document is delivered as a PDF whose text (poppler's
# pdftotext) matches the original document's text (read from its XML); the note says so; the
# original message is kept in quarantine and released from there over SMTP, macro document and all.
source "$(dirname "$0")/lib.sh"
REPO=$(cd "$(dirname "$0")/../.." && pwd)

SMTP_PORT=$(free_port)
MILTER_PORT=$(free_port)
ADMIN_PORT=$(free_port)
REINJECT_PORT=$(free_port)
ADMIN="http://127.0.0.1:$ADMIN_PORT"
mkdir -p "$WORK/engines"
write_config "$MILTER_PORT" "$ADMIN_PORT"
printf 'release_smtp = "127.0.0.1:%s"\n' "$REINJECT_PORT" >>"$WORK/moat.toml"
sed -e "s|^# work_directory.*|work_directory = \"$WORK/convert\"|" "$REPO/engines/optional/convert.toml" >"$WORK/engines/convert.toml"

start_moatd "$WORK/moat.toml" "$WORK/engines"
wait_port "$MILTER_PORT"
wait_port "$ADMIN_PORT"
POSTFIX_REINJECT_PORT=$REINJECT_PORT start_postfix "$SMTP_PORT" "$MILTER_PORT"
TOKEN=$(cat "$WORK/admin.token")

# The original document's text, from its own XML.
python3 - "$REPO/rules/macro/fixtures/autoopen-docm.eml" "$WORK" <<'PY'
import email, io, re, sys, zipfile
message = email.message_from_binary_file(open(sys.argv[1], "rb"))
part = next(p for p in message.walk() if p.get_filename())
document = zipfile.ZipFile(io.BytesIO(part.get_payload(decode=True)))
assert any(n.lower().endswith("vbaproject.bin") for n in document.namelist()), "the fixture must carry a macro"
text = re.sub(r"<[^>]+>", " ", document.read("word/document.xml").decode())
open(sys.argv[2] + "/original.txt", "w").write(" ".join(text.split()))
PY

swaks --server "127.0.0.1:$SMTP_PORT" --from accounts@example.com --to user@moat.test --helo client.example \
    --data "$REPO/rules/macro/fixtures/autoopen-docm.eml" --timeout 120 >"$WORK/docm.swaks" 2>&1 || true
check "Postfix accepted the message" grep -q "<-  250 2.0.0 Ok: queued" "$WORK/docm.swaks"
check "it was delivered" wait_delivered 1
COPY=$(delivered | head -n 1)
check "the document arrived as invoice.pdf" grep -q 'filename="invoice.pdf"' "$COPY"
check "the macro document itself is gone" bash -c "! grep -q 'filename=\"invoice.docm\"' '$COPY'"
python3 - "$COPY" "$WORK" <<'PY'
import email, sys
message = email.message_from_binary_file(open(sys.argv[1], "rb"))
for part in message.walk():
    if part.get_filename() == "invoice.pdf":
        open(sys.argv[2] + "/delivered.pdf", "wb").write(part.get_payload(decode=True))
    elif part.get_content_type() == "text/plain" and "converted" in (part.get_payload(decode=True) or b"").decode("utf-8", "replace"):
        open(sys.argv[2] + "/note.txt", "wb").write(part.get_payload(decode=True))
PY
check "the PDF is a valid PDF (qpdf --check)" qpdf --check "$WORK/delivered.pdf"
pdftotext "$WORK/delivered.pdf" - | tr -s ' \n\t\f' ' ' | sed 's/^ //; s/ $//' >"$WORK/delivered.txt"
check "the PDF's text is the original document's text" diff "$WORK/original.txt" "$WORK/delivered.txt"
qpdf --qdf --object-streams=disable "$WORK/delivered.pdf" "$WORK/delivered.qdf"
check "the PDF carries no script, launch, form or embedded file" bash -c "! grep -aqE '/(JavaScript|JS|Launch|SubmitForm|ImportData|EmbeddedFile|RichMedia|XFA)\\b' '$WORK/delivered.qdf'"
check "its open action, if any, is a page destination, not an action" bash -c "! grep -a '/OpenAction' '$WORK/delivered.qdf' | grep -vq '/OpenAction \\['"
check "the note says the original was kept" grep -q "The original was kept" "$WORK/note.txt"
SCAN_ID=$(grep -o '^X-Moat-Id: [0-9a-f]*' "$COPY" | awk '{print $2}')
check "the note gives the scan id as reference" grep -q "reference $SCAN_ID" "$WORK/note.txt"
check "the decision lists the conversion" bash -c "curl -s -H 'Authorization: Bearer $TOKEN' '$ADMIN/decisions/$SCAN_ID' | grep -q 'convert.converted'"

# The original, kept in quarantine, is released: re-injected without the milter, macro and all.
for _ in $(seq 1 50); do
    curl -s -H "Authorization: Bearer $TOKEN" "$ADMIN/quarantine" >"$WORK/quarantine.json"
    grep -q "$SCAN_ID" "$WORK/quarantine.json" && break
    sleep 0.2
done
check "the original is in quarantine" grep -q "original kept: delivered with invoice.docm converted to PDF" "$WORK/quarantine.json"
curl -s -H "Authorization: Bearer $TOKEN" -X POST "$ADMIN/quarantine/$SCAN_ID/release?actor=ops" >"$WORK/release.json"
check "the release re-injected it over SMTP" grep -q 'queued as' "$WORK/release.json"
check "the original was delivered too" wait_delivered 2
ORIGINAL=$(delivered | tail -n 1)
check "the released copy carries the macro document" grep -q 'filename="invoice.docm"' "$ORIGINAL"
finish
