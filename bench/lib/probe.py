#!/usr/bin/env python3
"""HTTP helpers for bench/run (standard library only). Each subcommand prints one JSON object.

  probe.py fetch URL [-H 'Name: value']...      status, ETag, size and content type of one GET
  probe.py deep-cursor BASE --target N          walks /api/v1/articles?limit=100 by next_cursor
                                                to the cursor after item N (or the deepest one)
  probe.py token BASE EMAIL                     an admin token (password from $BENCH_ADMIN_PASSWORD)
  probe.py status-counts METRICS_URL            the server's answers so far by status, from its
                                                Prometheus counters (/metrics itself left out)
  probe.py status-diff BEFORE AFTER             AFTER - BEFORE of two status-counts objects
"""

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request


def request(url, headers=None, data=None, method=None, timeout=60):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        return urllib.request.urlopen(req, timeout=timeout)
    except urllib.error.HTTPError as e:  # a status >= 400, or a 304: still an answer
        return e


def cmd_fetch(args):
    headers = {}
    for h in args.header or []:
        name, _, value = h.partition(":")
        headers[name.strip()] = value.strip()
    with request(args.url, headers) as r:
        body = r.read()
        out = {
            "status": r.status if hasattr(r, "status") else r.code,
            "etag": r.headers.get("ETag"),
            "content_type": r.headers.get("Content-Type"),
            "bytes": len(body),
        }
    print(json.dumps(out))


def cmd_deep_cursor(args):
    """The cursor of the page that starts after item `target` of the newest-first list, walking
    pages of `page` items. Cursors are opaque and signed, so the only way to one is the list's own
    `meta.next_cursor`. With fewer items than `target`, the deepest cursor there is (with smaller
    pages when the list fits in one)."""
    for page in (args.page, 20, 5):
        result = walk(args.base.rstrip("/"), args.target, page)
        if result["cursor"] or page <= 5:
            break
    print(json.dumps(result))


def walk(base, target, page_size):
    cursor, depth, pages, total = None, 0, 0, None
    while depth < target:
        query = {"limit": str(page_size)}
        if cursor:
            query["cursor"] = cursor
        url = f"{base}/api/v1/articles?{urllib.parse.urlencode(query)}"
        with request(url) as r:
            status = r.status if hasattr(r, "status") else r.code
            if status != 200:
                sys.exit(f"probe: GET {url} answered {status}")
            page = json.load(r)
        pages += 1
        total = page["meta"]["total"]
        nxt = page["meta"].get("next_cursor")
        if not nxt:
            break
        cursor = nxt
        depth += len(page["data"])
    return {"cursor": cursor, "depth": depth if cursor else 0, "pages": pages, "total": total,
            "target": target, "page_size": page_size}


def cmd_token(args):
    password = os.environ["BENCH_ADMIN_PASSWORD"]
    body = json.dumps({"email": args.email, "password": password}).encode()
    with request(f"{args.base.rstrip('/')}/api/v1/auth/token",
                 {"Content-Type": "application/json"}, body, "POST") as r:
        status = r.status if hasattr(r, "status") else r.code
        answer = r.read()
    if status != 200:
        sys.exit(f"probe: the token endpoint answered {status}: {answer[:300]!r}")
    print(json.dumps({"access_token": json.loads(answer)["access_token"]}))


def cmd_status_counts(args):
    counts = {}
    token = os.environ.get("METRICS_TOKEN")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with request(args.url, headers=headers) as r:
        if r.status != 200:
            sys.exit(f"probe: /metrics answered {r.status}")
        for line in r.read().decode().splitlines():
            if not line.startswith("http_requests_total{") or 'route="/metrics"' in line:
                continue
            labels, _, value = line.rpartition("} ")
            status = labels.split('status="', 1)[1].split('"', 1)[0]
            counts[status] = counts.get(status, 0) + int(float(value))
    print(json.dumps(counts))


def cmd_status_diff(args):
    before, after = json.loads(args.before), json.loads(args.after)
    diff = {k: v - before.get(k, 0) for k, v in sorted(after.items()) if v != before.get(k, 0)}
    print(json.dumps(diff, separators=(",", ":")))


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fetch")
    f.add_argument("url")
    f.add_argument("-H", "--header", action="append")
    d = sub.add_parser("deep-cursor")
    d.add_argument("base")
    d.add_argument("--target", type=int, default=9000)
    d.add_argument("--page", type=int, default=100)
    t = sub.add_parser("token")
    t.add_argument("base")
    t.add_argument("email")
    c = sub.add_parser("status-counts")
    c.add_argument("url")
    s = sub.add_parser("status-diff")
    s.add_argument("before")
    s.add_argument("after")
    args = p.parse_args()
    {"fetch": cmd_fetch, "deep-cursor": cmd_deep_cursor, "token": cmd_token,
     "status-counts": cmd_status_counts, "status-diff": cmd_status_diff}[args.cmd](args)


if __name__ == "__main__":
    main()
