"""Times article publishes (POST /api/v1/articles, status published), sequential and at 4
concurrent clients, first with no webhook endpoint, then with 10 endpoints subscribed to `*`
(each a receiver on loopback answering 204). Prints p50/p99 per series and checks that the
receivers got every event."""
import http.client
import json
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

base, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
u = urlparse(base)
received = []
lock = threading.Lock()


class Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["content-length"]))
        with lock:
            received.append(self.headers["webhook-id"])
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


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


def series(label, workers):
    with ThreadPoolExecutor(workers) as pool:
        times = sorted(pool.map(publish, range(n)))
    p50 = statistics.median(times)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"{label:<34} c={workers}  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  ({n} publishes)")
    return p50


for w in (1, 4):
    series("no endpoint", w)

servers = []
for _ in range(10):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    servers.append(srv)
    status, data, _ = call("POST", "/api/v1/admin/webhooks", {
        "url": f"http://127.0.0.1:{srv.server_address[1]}/", "events": ["*"]})
    assert status == 201, (status, data)
for w in (1, 4):
    series("10 endpoints subscribed to *", w)

expected = 2 * n * 10
for _ in range(600):
    if len(received) >= expected:
        break
    time.sleep(0.1)
print(f"deliveries received: {len(received)} of {expected}")
assert len(received) >= expected, "some events were not delivered"
