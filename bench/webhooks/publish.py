"""Times article publishes (POST /api/v1/articles, status published) with 10 webhook endpoints
subscribed to `*` turned off and turned on, in alternating rounds so that both conditions see
the same machine and the same table sizes. The receivers answer 204 on loopback, in a process of
their own at the lowest CPU priority (nice 19): in production they are the partners' machines,
not ours, so their work should not be charged to the write. Three series: paced (one publish
every 100 ms: the write alone, the deliveries done between writes), back to back with one
client, and 4 clients at once (the worker's deliveries then share the two cores with the
writes). Prints p50/p99 per series and condition, then checks that every delivery the service
logged reached its receiver, once."""
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

lock = threading.Lock()
received = []


class Hook(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps the connection, as any production server does

    def do_POST(self):
        self.rfile.read(int(self.headers["content-length"]))
        with lock:
            received.append((self.server.server_address[1], self.headers["webhook-id"]))
        self.send_response(204)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


if sys.argv[1] == "receivers":  # the receivers' own process: ports on stdout, count on stdin EOF
    os.nice(19)
    servers = []
    for _ in range(int(sys.argv[2])):
        srv = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
    print(" ".join(str(s.server_address[1]) for s in servers), flush=True)
    for line in sys.stdin:  # each line asks for the count so far
        with lock:
            print(len(received), len(received) - len(set(received)), flush=True)
    sys.exit(0)

base, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
u = urlparse(base)


def call(method, path, body=None):
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    started = time.perf_counter()
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    res = conn.getresponse()
    data = res.read()
    elapsed = (time.perf_counter() - started) * 1000
    conn.close()
    return res.status, data, elapsed


counter = [0]


def publish(_):
    with lock:
        counter[0] += 1
        k = counter[0]
    status, data, ms = call("POST", "/api/v1/articles", {
        "title": f"Bench publish {k}",
        "body_markdown": "Words. " * 400,
        "category": "perfusion-research",
        "status": "published",
    })
    assert status == 201, (status, data[:300])
    return ms


def paced(_):
    time.sleep(0.1)
    return publish(_)


receivers = subprocess.Popen([sys.executable, __file__, "receivers", "10"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
endpoints = []
for port in receivers.stdout.readline().split():
    status, data, _ = call("POST", "/api/v1/admin/webhooks", {
        "url": f"http://127.0.0.1:{port}/", "events": ["*"]})
    assert status == 201, (status, data)
    endpoints.append(json.loads(data)["data"]["id"])


def turn(enabled):
    time.sleep(1)  # the worker fans the last round's events out (it looks every 0.5 s)
    for id in endpoints:
        status, data, _ = call("PATCH", f"/api/v1/admin/webhooks/{id}", {"enabled": enabled})
        assert status == 200, (status, data)
    time.sleep(1)  # the previous round's deliveries finish before this round is timed


ROUNDS = 3
SERIES = [("paced, c=1", 1, True), ("c=1", 1, False), ("c=4", 4, False)]
for how, workers, pace in SERIES:
    times = {False: [], True: []}
    for _ in range(ROUNDS):
        for enabled in (False, True):
            turn(enabled)
            with ThreadPoolExecutor(workers) as pool:
                times[enabled] += pool.map(paced if pace else publish, range(n // ROUNDS))
    for enabled in (False, True):
        t = sorted(times[enabled])
        p50, p99 = statistics.median(t), t[min(len(t) - 1, int(len(t) * 0.99))]
        label = "10 endpoints on" if enabled else "10 endpoints off"
        print(f"{label:<18} {how:<11} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  ({len(t)} publishes)",
              flush=True)

turn(True)
logged = 0
for id in endpoints:
    status, data, _ = call("GET", f"/api/v1/admin/webhooks/{id}/deliveries?limit=1")
    assert status == 200, (status, data)
    logged += json.loads(data)["meta"]["total"]
got = repeats = 0
for _ in range(1200):
    receivers.stdin.write("?\n")
    receivers.stdin.flush()
    got, repeats = map(int, receivers.stdout.readline().split())
    if got >= logged:
        break
    time.sleep(0.1)
receivers.stdin.close()
receivers.wait()
expected = len(SERIES) * ROUNDS * (n // ROUNDS) * len(endpoints)
print(f"deliveries expected (publishes while on x endpoints): {expected}; logged: {logged}; "
      f"received: {got}; the same webhook-id twice at one endpoint: {repeats}")
sys.exit(0 if expected == logged == got and repeats == 0 else 1)
