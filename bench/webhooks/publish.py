"""Times article publishes (POST /api/v1/articles, status published), first with no webhook
endpoint, then with 10 endpoints subscribed to `*` (receivers on loopback answering 204, in a
process of their own so that they do not slow the client's clock). Three series each: paced (one
publish every 100 ms: the write path alone, the deliveries done between writes), back to back,
and 4 clients at once (the deliveries then share the two cores with the writes). Prints p50/p99
per series and checks that the receivers got every event."""
import http.client
import json
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
    def do_POST(self):
        self.rfile.read(int(self.headers["content-length"]))
        with lock:
            received.append((self.server.server_address[1], self.headers["webhook-id"]))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


if sys.argv[1] == "receivers":  # the receivers' own process: ports on stdout, count on stdin EOF
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


def series(label, workers, pace=False):
    with ThreadPoolExecutor(workers) as pool:
        times = sorted(pool.map(paced if pace else publish, range(n)))
    p50 = statistics.median(times)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    how = "paced, c=1" if pace else f"c={workers}"
    print(f"{label:<30} {how:<11} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  ({n} publishes)")
    return p50


RUNS = [(1, True), (1, False), (4, False)]
for w, pace in RUNS:
    series("no endpoint", w, pace)

receivers = subprocess.Popen([sys.executable, __file__, "receivers", "10"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
for port in receivers.stdout.readline().split():
    status, data, _ = call("POST", "/api/v1/admin/webhooks", {
        "url": f"http://127.0.0.1:{port}/", "events": ["*"]})
    assert status == 201, (status, data)
for w, pace in RUNS:
    series("10 endpoints subscribed to *", w, pace)

expected = len(RUNS) * n * 10
got = repeats = 0
for _ in range(1200):
    receivers.stdin.write("?\n")
    receivers.stdin.flush()
    got, repeats = map(int, receivers.stdout.readline().split())
    if got >= expected:
        break
    time.sleep(0.1)
receivers.stdin.close()
receivers.wait()
print(f"deliveries received: {got} for {expected} events x endpoints; the same webhook-id "
      f"twice at one endpoint: {repeats} (events of the last unsubscribed publishes that the "
      f"worker fanned out after the endpoints existed make up any excess)")
assert got >= expected, "some events were not delivered"
assert repeats == 0, "a delivery was received twice"
