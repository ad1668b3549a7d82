#!/usr/bin/env python3
"""A webhook receiver for .ci/webhooks-receiver: it verifies each delivery the way a partner's
receiver would, with the Standard Webhooks reference library (PyPI `standardwebhooks`, pinned
by the script), under every secret it has been given, and keeps a record of what it got.

    webhooks_receiver.py PORT_FILE     serves on 127.0.0.1, a free port written to PORT_FILE

Deliveries: POST to any path outside /_ctl/. Each is verified with
`standardwebhooks.Webhook(secret).verify(body, headers)` under each named secret, and under a
random decoy secret (which must never verify); and, for the first secret that verifies, once
more with one byte of the body changed (which must not). The answer is 200 when a secret that
is not the decoy verified, else 401; or the status of an armed failure.

Control, for the script (JSON):
    PUT  /_ctl/secrets/NAME   body: the secret (`whsec_…`); verify with it from now on
    POST /_ctl/fail           {"type": T, "status": 500, "times": 1}: answer the next `times`
                              deliveries whose `type` is T (any, when null) with `status`
    GET  /_ctl/received       every delivery so far, oldest first
"""

import base64
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import standardwebhooks
from standardwebhooks import Webhook, WebhookVerificationError

DECOY = "decoy"

lock = threading.Lock()
secrets = {DECOY: "whsec_" + base64.b64encode(os.urandom(32)).decode()}
failures = []  # [{"type": str | None, "status": int, "times": int}]
received = []


def log(message):
    print(f"{time.strftime('%H:%M:%S')} receiver: {message}", file=sys.stderr, flush=True)


def verify(secret, body, headers):
    """(ok, error) of the library's verify."""
    try:
        Webhook(secret).verify(body, headers)
        return True, None
    except WebhookVerificationError as e:
        return False, f"WebhookVerificationError: {e}"
    except Exception as e:  # a malformed header can raise anything: that is a failure too
        return False, f"{type(e).__name__}: {e}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "webhooks-receiver"

    def log_message(self, format, *args):  # the default logs every request: keep it quiet
        pass

    def read_body(self):
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("content-length") or 0))

    def answer(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/_ctl/received":
            with lock:
                self.answer(200, received)
        else:
            self.answer(404, {"error": "not found"})

    def do_PUT(self):
        body = self.read_body()
        if self.path.startswith("/_ctl/secrets/"):
            name = self.path[len("/_ctl/secrets/"):]
            with lock:
                secrets[name] = body.decode().strip()
            log(f"secret {name!r} set")
            self.answer(200, {"secrets": sorted(secrets)})
        else:
            self.answer(404, {"error": "not found"})

    def do_POST(self):
        body = self.read_body()
        if self.path == "/_ctl/fail":
            rule = json.loads(body)
            rule.setdefault("type", None)
            rule.setdefault("status", 500)
            rule.setdefault("times", 1)
            with lock:
                failures.append(rule)
            log(f"armed: answer {rule['status']} to the next {rule['times']} of {rule['type'] or 'any'}")
            self.answer(200, {"armed": rule})
            return
        if self.path.startswith("/_ctl/"):
            self.answer(404, {"error": "not found"})
            return
        self.delivery(body)

    def delivery(self, body):
        at = time.time()
        headers = dict(self.headers.items())
        lower = {k.lower(): v for k, v in headers.items()}
        record = {
            "at": at,
            "path": self.path,
            "webhook_id": lower.get("webhook-id"),
            "webhook_timestamp": lower.get("webhook-timestamp"),
            "signatures": len(lower.get("webhook-signature", "").split()),
            "content_type": lower.get("content-type"),
            "user_agent": lower.get("user-agent"),
            "type": None,
            "payload": None,
            "parse_error": None,
            "verified": {},
            "tampered_rejected": None,
        }
        try:
            record["payload"] = json.loads(body)
            record["type"] = record["payload"].get("type")
        except Exception as e:
            record["parse_error"] = f"{type(e).__name__}: {e}"
        with lock:
            named = dict(secrets)
        for name, secret in named.items():
            ok, error = verify(secret, body, headers)
            record["verified"][name] = {"ok": ok, "error": error}
        good = [n for n, v in record["verified"].items() if v["ok"] and n != DECOY]
        if good:
            tampered = bytearray(body)
            tampered[len(tampered) // 2] ^= 0x01
            ok, _ = verify(named[good[0]], bytes(tampered), headers)
            record["tampered_rejected"] = not ok
        status = 200 if good else 401
        with lock:
            for rule in failures:
                if rule["times"] > 0 and rule["type"] in (None, record["type"]):
                    rule["times"] -= 1
                    status = rule["status"]
                    break
            record["seq"] = len(received) + 1
            record["answered"] = status
            received.append(record)
        verdicts = " ".join(f"{n}={'ok' if v['ok'] else 'no'}" for n, v in record["verified"].items())
        log(f"#{record['seq']} {record['type']} {record['webhook_id']} {verdicts} -> {status}")
        if status == 200:
            self.answer(200, {"received": record["webhook_id"]})
        elif status == 401:
            self.answer(401, {"error": "no secret verified the signature"})
        else:
            self.answer(status, {"error": "failure injected by the CI receiver"})


def main():
    port_file = sys.argv[1]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    log(f"standardwebhooks {standardwebhooks.__version__}, listening on 127.0.0.1:{port}")
    with open(port_file + ".tmp", "w") as f:
        f.write(str(port))
    os.replace(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
