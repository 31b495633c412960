#!/usr/bin/env python3
"""An MTA that abandons a message while the filter scans it.

    milter-abandon.py PORT abort|drop SUBJECT

Speaks the milter protocol (version 6, no "no reply" flags offered, so the filter answers every
step) up to end of message, waits a second for the scan to start, then either sends SMFIC_ABORT
and keeps the connection open (as an MTA whose client went away mid-transaction), or closes the
connection (as an MTA that timed out). Exits 0 when it got that far; the caller checks the
daemon's log for the cancellation.
"""
import socket
import struct
import sys
import time

port, mode, subject = int(sys.argv[1]), sys.argv[2], sys.argv[3]


def frame(code, payload=b""):
    return struct.pack(">I", len(payload) + 1) + code + payload


def read_frame(sock):
    head = b""
    while len(head) < 4:
        chunk = sock.recv(4 - len(head))
        if not chunk:
            raise SystemExit("filter closed the connection")
        head += chunk
    (length,) = struct.unpack(">I", head)
    body = b""
    while len(body) < length:
        chunk = sock.recv(length - len(body))
        if not chunk:
            raise SystemExit("filter closed the connection")
        body += chunk
    return body[:1], body[1:]


sock = socket.create_connection(("127.0.0.1", port), timeout=30)
# OPTNEG: version 6, every action, no protocol steps skipped and no reply skipped.
sock.sendall(frame(b"O", struct.pack(">III", 6, 0x1FF, 0)))
code, _ = read_frame(sock)
assert code == b"O", code


def step(code, payload=b""):
    sock.sendall(frame(code, payload))
    answer, _ = read_frame(sock)
    assert answer == b"c", (code, answer)


step(b"C", b"client.example\x004" + struct.pack(">H", 25) + b"192.0.2.1\x00")
step(b"H", b"client.example\x00")
step(b"M", b"<sender@example.com>\x00")
step(b"R", b"<user@moat.test>\x00")
step(b"L", b"From\x00sender@example.com\x00")
step(b"L", b"Subject\x00" + subject.encode() + b"\x00")
step(b"L", b"X-Moat-Fault\x00linger\x00")
step(b"N")
step(b"B", b"The filter lingers on this message.\r\n")
sock.sendall(frame(b"E"))
time.sleep(1)
if mode == "abort":
    sock.sendall(frame(b"A"))
    time.sleep(1)
sock.close()
print("abandoned (%s)" % mode)
