"""Keep-alive load generator for rspamd's HTTP /checkv2 (and, with --clamd, clamd INSTREAM after it).

usage: client.py PORT LIST CONCURRENCY [--clamd SOCKET] [--repeat N] [--ip ADDR --helo NAME]   (PORT 0: clamd alone)
--ip/--helo are sent to rspamd as the connecting client (its SPF and other checks read them).
Prints: messages seconds spam_count. One persistent HTTP/1.1 connection per worker thread, as an
MTA-side integration (rspamd's milter proxy, or a Postfix policy) would hold; messages are read into
memory first so disk reads are not timed.
"""
import http.client, socket, struct, sys, time, threading

port, list_path, workers = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
clamd = sys.argv[sys.argv.index("--clamd") + 1] if "--clamd" in sys.argv else None
repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 1
envelope = {}
if "--ip" in sys.argv: envelope["IP"] = sys.argv[sys.argv.index("--ip") + 1]
if "--helo" in sys.argv: envelope["Helo"] = sys.argv[sys.argv.index("--helo") + 1]
messages = [open(p, "rb").read() for p in open(list_path).read().split("\n") if p]
work = messages * repeat
lock = threading.Lock()
state = {"next": 0, "spam": 0, "errors": 0}

def instream(sock, data):
    sock.sendall(b"zINSTREAM\0")
    for i in range(0, len(data), 65536):
        chunk = data[i:i + 65536]
        sock.sendall(struct.pack(">I", len(chunk)) + chunk)
    sock.sendall(struct.pack(">I", 0))
    reply = b""
    while not reply.endswith(b"\0"):
        part = sock.recv(4096)
        if not part:
            break
        reply += part
    return reply

def worker():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60) if port else None
    while True:
        with lock:
            i = state["next"]
            state["next"] += 1
        if i >= len(work):
            break
        data = work[i]
        spam = False
        if conn:
            conn.request("POST", "/checkv2", body=data, headers=envelope)
            reply = conn.getresponse().read()
            spam = b'"action":"reject"' in reply or b'"action":"add header"' in reply
        if clamd:
            s = socket.socket(socket.AF_UNIX)
            s.connect(clamd)
            if b"FOUND" in instream(s, data):
                spam = True
            s.close()
        with lock:
            state["spam"] += spam
    if conn:
        conn.close()

# One warm-up request so the first message is not charged for lazy start-up.
if port:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("POST", "/checkv2", body=messages[0]); c.getresponse().read(); c.close()
start = time.time()
threads = [threading.Thread(target=worker) for _ in range(workers)]
for t in threads: t.start()
for t in threads: t.join()
print(f"{len(work)} {time.time() - start:.3f} {state['spam']}")
