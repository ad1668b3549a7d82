#!/usr/bin/env python3
"""Results of bench/run (standard library only).

  report.py record OUT.jsonl --scenario ID [--wrk FILE] [--field k=v]... [--json '{...}']
      appends one scenario's record: the JSON lines wrk printed through bench/wrk/report.lua
      (and expect.lua), merged with the given fields.
  report.py build --meta META.json --records RUN.jsonl [--peer PEER.jsonl]
                  --json OUT.json --md OUT.md [--check]
      writes the JSON and the markdown table (and prints the table); with --check (the smoke
      run), exits 1 when a scenario is missing, had errors, answered an unexpected status, or
      when the sign-ups were not all durable or the export incomplete. Speed is never checked.
"""

import argparse
import json
import sys

# The scenarios of a full run, in table order.
CACHE_ON = ["health", "list", "list_category", "list_tag", "deep_page", "detail",
            "not_modified", "search", "feed_rss", "feed_rss_gzip", "staffing", "projection", "embed_article", "embed_articles", "chart_svg", "health_end",
            "signup", "export"]
CACHE_OFF = ["list_nocache", "list_category_nocache", "list_tag_nocache", "deep_page_nocache",
             "detail_nocache", "embed_article_nocache", "search_nocache", "search_nocache_c1",
             "list_reference", "list_category_reference", "list_tag_reference", "detail_reference"]
# Cache-off reads judged against the reference (bench/reference/main.rs): the same data in one
# prepared statement per answer (issue 18, part 4).
AGAINST_REFERENCE = {"list_nocache": "list_reference",
                     "list_category_nocache": "list_category_reference",
                     "list_tag_nocache": "list_tag_reference",
                     "detail_nocache": "detail_reference"}
SCALE = ["list_nocache", "deep_page_nocache", "search_nocache", "search_nocache_c1"]

HEADLINE = {"list", "list_category", "list_tag", "detail", "feed_rss", "feed_rss_gzip",
            "embed_article", "embed_articles"}


def load_jsonl(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                out.append(json.loads(line))
    return out


def parse_value(v):
    for conv in (int, float):
        try:
            return conv(v)
        except ValueError:
            pass
    if v in ("true", "false"):
        return v == "true"
    return v


def cmd_record(args):
    rec = {"scenario": args.scenario}
    if args.wrk:
        lines = load_jsonl(args.wrk)
        if not lines:
            sys.exit(f"report: no result line from wrk in {args.wrk}")
        for line in lines:
            rec.update(line)
    for f in args.field or []:
        k, _, v = f.partition("=")
        rec[k] = parse_value(v)
    if args.json:
        rec.update(json.loads(args.json))
    # The server's own count of its answers by status during the run (bench/run reads /metrics
    # before and after): any status but the expected one is an unexpected answer.
    if isinstance(rec.get("server_statuses"), str):
        rec["server_statuses"] = json.loads(rec["server_statuses"])
    if isinstance(rec.get("server_statuses"), dict) and "expected_status" in rec:
        other = sum(n for code, n in rec["server_statuses"].items()
                    if int(code) != rec["expected_status"])
        rec["unexpected_status"] = max(rec.get("unexpected_status", 0), other)
    with open(args.out, "a") as f:
        f.write(json.dumps(rec) + "\n")


# ---------------------------------------------------------------------------------------------
# Targets (issue 7)

def judge(rec, by_id, params):
    """(target text, met: True / False / None when not judged) of one scenario."""
    s = rec["scenario"]
    if s == "health":
        return "reference (the ceiling)", None
    if s == "health_end":
        return "reference again (ratios use the mean)", None
    if s in HEADLINE:
        ratio, p99 = rec.get("ratio_to_health"), rec.get("p99_ms")
        return "≥ 0.60 × health, p99 ≤ 5 ms", (ratio is not None and ratio >= 0.60
                                                 and p99 is not None and p99 <= 5.0)
    if s == "not_modified":
        ratio = rec.get("ratio_to_health")
        return "≥ 0.80 × health (all 304)", (ratio is not None and ratio >= 0.80
                                            and rec.get("unexpected_status", 0) == 0)
    if s in AGAINST_REFERENCE:
        ref = AGAINST_REFERENCE[s]
        base = by_id.get(ref)
        if not base or not base.get("rps"):
            return f"≥ {ref} ÷ 1.2", None
        return f"≥ {ref} ÷ 1.2", rec.get("rps", 0) >= base["rps"] / 1.2
    if s.endswith("_reference"):
        return "reference (one statement an answer)", None
    if s == "deep_page_nocache":
        base = by_id.get("list_nocache")
        if not base or not base.get("rps"):
            return "≥ list_nocache ÷ 1.2", None
        return "≥ list_nocache ÷ 1.2", rec.get("rps", 0) >= base["rps"] / 1.2
    # Issue 18: at 100,000 articles, a search's own p99 (one connection) within 20 ms, and at
    # 32 connections at least half the uncached list page's rate in the same run.
    if s == "search_nocache":
        what = "≥ 0.5 × list_nocache"
        base = by_id.get("list_nocache")
        if params.get("articles", 0) < 100000:
            return f"{what} (n/a at this scale)", None
        if not base or not base.get("rps"):
            return what, None
        return what, rec.get("rps", 0) >= 0.5 * base["rps"]
    if s == "search_nocache_c1":
        what = "p99 ≤ 20 ms (1 connection)"
        if params.get("articles", 0) < 100000:
            return f"{what} (n/a at this scale)", None
        return what, rec.get("p99_ms", 1e9) <= 20.0
    if s == "signup":
        return "≥ 2000 req/s, durable", (rec.get("rps", 0) >= 2000 and rec.get("durable") is True)
    if s == "export":
        return "≥ 300000 rows/s, RSS growth < 32 MB", (
            rec.get("rows_per_s", 0) >= 300000 and rec.get("growth_mb", 1e9) < 32)
    return "— (report only)", None


def verdict(met):
    return {True: "yes", False: "**no**", None: "—"}[met]


def fmt_num(v, digits=0):
    if v is None:
        return "—"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def fmt_ms(v):
    if v is None:
        return "—"
    return f"{v:.2f} ms" if v < 100 else f"{v:,.0f} ms"


def check_problems(records, meta, kind):
    """What makes a smoke run fail: missing scenarios, errors, unexpected statuses, lost
    sign-ups, an incomplete export. Never a speed."""
    problems = []
    by_id = {r["scenario"]: r for r in records if "scale" not in r}
    wanted = CACHE_ON + CACHE_OFF if kind == "main" else []
    for s in wanted:
        if s not in by_id:
            problems.append(f"{s}: did not run")
    for r in records:
        name = r["scenario"] + (f" @ {r['scale']} articles" if "scale" in r else "")
        if r.get("errors", 0) > 0:
            problems.append(f"{name}: {r['errors']} errors")
        if r.get("unexpected_status", 0) > 0:
            problems.append(f"{name}: {r['unexpected_status']} answers were not "
                            f"{r.get('expected_status')}")
        if "preflight_status" in r and r["preflight_status"] != r.get("expected_status"):
            problems.append(f"{name}: the check request answered {r['preflight_status']}, "
                            f"not {r.get('expected_status')}")
        if r.get("requests", 1) == 0:
            problems.append(f"{name}: no request completed")
    if "signup" in by_id and by_id["signup"].get("durable") is not True:
        problems.append("signup: not every accepted sign-up is in the database with its mail")
    if "export" in by_id:
        e = by_id["export"]
        if e.get("status") != 200:
            problems.append(f"export: answered {e.get('status')}")
        elif e.get("rows") != e.get("expected_rows"):
            problems.append(f"export: {e.get('rows')} rows, the database has "
                            f"{e.get('expected_rows')}")
    for w in meta.get("checks", []):
        problems.append(w)
    return problems


def build_main(meta, records, peer):
    params = meta["parameters"]
    by_id = {r["scenario"]: r for r in records if "scale" not in r}
    # The ceiling, measured first and again after the cache-on GETs: their mean.
    ceilings = [by_id.get(h, {}).get("rps") for h in ("health", "health_end")]
    ceilings = [c for c in ceilings if c]
    health = sum(ceilings) / len(ceilings) if ceilings else None
    rows = []
    for s in CACHE_ON + CACHE_OFF:
        r = by_id.get(s)
        if r is None:
            continue
        if health and r.get("rps") is not None and s != "export":
            # (health and health_end too: each against the mean of both)
            r["ratio_to_health"] = round(r["rps"] / health, 3)
        target, met = judge(r, by_id, params)
        r["target"], r["met"] = target, met
        rows.append(r)

    start = meta.get("start_to_ready_ms")
    idle = meta.get("idle_rss_mb")
    summary = {
        "start_to_ready_ms": start,
        "start_to_ready": {"target": "≤ 1000 ms", "met": start is not None and start <= 1000},
        "idle_rss_mb": idle,
        "idle_rss": {"target": "≤ 30 MB", "met": idle is not None and idle <= 30},
    }

    # Ours / Directus.
    peer_rows = []
    peer_by = {p.get("scenario"): p for p in peer}
    peer_note = None
    if meta.get("peer"):
        skipped = [p for p in peer if p.get("skipped")]
        if meta.get("peer_error"):
            peer_note = f"{meta['peer']}: {meta['peer_error']}"
        elif skipped:
            peer_note = f"{meta['peer']}: skipped ({skipped[0]['skipped']})"
        for s in ["list", "deep_page", "detail"]:
            # Cache on against cache on, off against off.
            for ours_id, suffix, cache in ((s, "cache", "on"), (f"{s}_nocache", "nocache", "off")):
                theirs = peer_by.get(f"{meta['peer']}_{s}_{suffix}")
                ours = by_id.get(ours_id)
                row = {"scenario": s, "cache": cache, "peer": meta["peer"],
                       "ours_rps": ours.get("rps") if ours else None,
                       "ours_p99_ms": ours.get("p99_ms") if ours else None,
                       "peer_rps": theirs.get("rps") if theirs else None,
                       "peer_p99_ms": theirs.get("p99_ms") if theirs else None,
                       "peer_errors": theirs.get("errors") if theirs else None,
                       "peer_peak_rss_mb": theirs.get("peak_rss_mb") if theirs else None}
                if theirs and theirs.get("rps") and ours and ours.get("rps"):
                    row["ratio"] = round(ours["rps"] / theirs["rps"], 1)
                    row["ahead"] = ours["rps"] > theirs["rps"]
                peer_rows.append(row)

    md = []
    md.append(f"# bench/run — {meta['timestamp']}")
    md.append("")
    m = meta["machine"]
    md.append(f"Machine: {m.get('cores')} cores ({m.get('cpu')}), {m.get('memory_gib')} GiB, "
              f"kernel {m.get('kernel')}, PostgreSQL {m.get('postgresql')}, commit "
              f"{m.get('commit')}.")
    md.append(f"Data: {params['articles']:,} articles, {params['subscribers']:,} subscribers. "
              f"Load: wrk -t{params['threads']} -c{params['connections']} "
              f"-d{params['duration']}s per scenario (after {params['warmup']} s of warm-up), "
              f"127.0.0.1.")
    md.append(f"Start to ready: {fmt_num(start)} ms (target ≤ 1000 ms: "
              f"{verdict(summary['start_to_ready']['met'])}). Idle RSS: {fmt_num(idle, 1)} MB "
              f"(target ≤ 30 MB: {verdict(summary['idle_rss']['met'])}).")
    md.append("")
    md.append("| scenario | req/s | p50 | p99 | p99.9 | errors | peak RSS | × health | target | met |")
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for r in rows:
        if r["scenario"] == "export":
            md.append(f"| export | {fmt_num(r.get('rows_per_s'))} rows/s | — | — | — | "
                      f"{0 if r.get('status') == 200 else 1} | {fmt_num(r.get('peak_rss_mb'), 1)} MB "
                      f"| — | {r['target']} | {verdict(r['met'])} |")
            continue
        ratio = r.get("ratio_to_health")
        md.append(f"| {r['scenario']} | {fmt_num(r.get('rps'))} | {fmt_ms(r.get('p50_ms'))} | "
                  f"{fmt_ms(r.get('p99_ms'))} | {fmt_ms(r.get('p999_ms'))} | "
                  f"{r.get('errors', '—')} | {fmt_num(r.get('peak_rss_mb'), 1)} MB | "
                  f"{'—' if ratio is None else f'{ratio:.2f}'} | {r['target']} | "
                  f"{verdict(r['met'])} |")
    md.append("")
    notes = []
    su = by_id.get("signup")
    if su:
        notes.append(f"signup: durable: {str(su.get('durable')).lower()} — "
                     f"{fmt_num(su.get('accepted'))} answers 202, {fmt_num(su.get('db_rows'))} "
                     f"rows in subscribers and {fmt_num(su.get('outbox_rows'))} confirmation "
                     f"mails in the outbox with the run's prefix.")
    ex = by_id.get("export")
    if ex:
        notes.append(f"export: {fmt_num(ex.get('rows'))} rows ({fmt_num(ex.get('bytes'))} bytes) "
                     f"in {ex.get('seconds')} s = {fmt_num(ex.get('rows_per_s'))} rows/s; RSS "
                     f"{fmt_num(ex.get('rss_before_mb'), 1)} MB before, "
                     f"{fmt_num(ex.get('peak_rss_mb'), 1)} MB at peak, growth "
                     f"{fmt_num(ex.get('growth_mb'), 1)} MB.")
    for s in ("detail", "feed_rss", "feed_rss_gzip"):
        r = by_id.get(s)
        if r and r.get("bytes_per_answer"):
            notes.append(f"{s}: {fmt_num(r['bytes_per_answer'] / 1024, 1)} KB per answer "
                         f"(headers included), {fmt_num(r['bytes_per_answer'] * r.get('rps', 0) / 1e6)} "
                         f"MB/s through loopback.")
    dp = by_id.get("deep_page")
    if dp:
        notes.append(f"deep_page: the page after item {fmt_num(dp.get('depth'))} of "
                     f"{fmt_num(dp.get('list_total'))} public articles (limit 20).")
    se = by_id.get("search")
    if se:
        notes.append(f"search: q = \"{se.get('q')}\" ({fmt_num(se.get('matches'))} matching "
                     f"public articles).")
    if meta.get("start_to_ready_ms_nocache") is not None:
        notes.append(f"cache off (RESPONSE_CACHE_MB=0): start to ready "
                     f"{fmt_num(meta['start_to_ready_ms_nocache'])} ms, idle RSS "
                     f"{fmt_num(meta.get('idle_rss_mb_nocache'), 1)} MB.")
    if meta.get("server_warnings"):
        notes.append(f"server log: {len(meta['server_warnings'])} warning or error lines "
                     f"(first: `{meta['server_warnings'][0][:200]}`).")
    else:
        notes.append("server log: no warning or error lines.")
    for n in notes:
        md.append(f"- {n}")
    if meta.get("peer"):
        md.append("")
        md.append(f"Ours / {meta['peer'].capitalize()} (req/s ratio; same machine, same "
                  f"PostgreSQL, same wrk settings):")
        md.append("")
        if peer_note:
            md.append(f"- {peer_note}")
        if peer_rows and any(r.get("peer_rps") for r in peer_rows):
            meta_line = peer_by.get(f"{meta['peer']}_meta")
            if meta_line:
                md.append(f"- {meta['peer']} {meta_line.get('version')} on Node "
                          f"{meta_line.get('node')}: start to ready "
                          f"{fmt_num(meta_line.get('start_to_ready_ms'))} ms, idle RSS "
                          f"{fmt_num(meta_line.get('idle_rss_mb'))} MB.")
            md.append("")
            p = meta["peer"]
            md.append(f"| scenario | response cache | ours req/s | ours p99 | {p} req/s "
                      f"| {p} p99 | {p} peak RSS | ours ÷ {p} | ahead |")
            md.append("|---|---|---:|---:|---:|---:|---:|---:|---|")
            for r in peer_rows:
                md.append(f"| {r['scenario']} | {r['cache']} | {fmt_num(r['ours_rps'])} | "
                          f"{fmt_ms(r['ours_p99_ms'])} | {fmt_num(r['peer_rps'])} | "
                          f"{fmt_ms(r['peer_p99_ms'])} | {fmt_num(r['peer_peak_rss_mb'])} MB | "
                          f"{r.get('ratio', '—')} | "
                          f"{verdict(r.get('ahead')) if 'ahead' in r else '—'} |")
        elif not peer_note:
            md.append("- no result lines from the peer script")

    out = {
        "timestamp": meta["timestamp"],
        "kind": "main",
        "machine": meta["machine"],
        "parameters": params,
        **summary,
        "start_to_ready_ms_nocache": meta.get("start_to_ready_ms_nocache"),
        "idle_rss_mb_nocache": meta.get("idle_rss_mb_nocache"),
        "scenarios": rows,
        "peer": {"name": meta.get("peer"), "results": peer, "comparison": peer_rows,
                 "note": peer_note} if meta.get("peer") else None,
        "server_warnings": meta.get("server_warnings", []),
    }
    return out, "\n".join(md) + "\n"


def build_scale(meta, records):
    params = meta["parameters"]
    scaled = [r for r in records if "scale" in r]
    health = {r["scale"]: r.get("rps") for r in scaled if r["scenario"] == "health"}
    scales = sorted({r["scale"] for r in scaled})
    base_scale = scales[0] if scales else None
    out_rows = []
    md = [f"# bench/run --scale — {meta['timestamp']}", ""]
    m = meta["machine"]
    md.append(f"Machine: {m.get('cores')} cores ({m.get('cpu')}), PostgreSQL "
              f"{m.get('postgresql')}, commit {m.get('commit')}. Response cache off; "
              f"{params['subscribers']:,} subscribers; wrk -t{params['threads']} "
              f"-c{params['connections']} -d{params['duration']}s.")
    md.append("")
    md.append(f"| scenario | articles | req/s | p50 | p99 | errors | req/s ÷ {base_scale:,} "
              f"| p99 × {base_scale:,} |" if base_scale else "| scenario |")
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for s in SCALE:
        base = next((r for r in scaled if r["scenario"] == s and r["scale"] == base_scale), None)
        for sc in scales:
            r = next((r for r in scaled if r["scenario"] == s and r["scale"] == sc), None)
            if r is None:
                continue
            if health.get(sc):
                r["ratio_to_health"] = round(r["rps"] / health[sc], 3)
            if base and base.get("rps"):
                r["rps_ratio_to_first"] = round(r["rps"] / base["rps"], 3)
            if base and base.get("p99_ms"):
                r["p99_ratio_to_first"] = round(r["p99_ms"] / base["p99_ms"], 2)
            out_rows.append(r)
            label = s + (f" (after item {r['depth']:,})" if s.startswith("deep_page") and
                         r.get("depth") is not None else "")
            md.append(f"| {label} | {sc:,} | {fmt_num(r.get('rps'))} | {fmt_ms(r.get('p50_ms'))} "
                      f"| {fmt_ms(r.get('p99_ms'))} | {r.get('errors')} | "
                      f"{r.get('rps_ratio_to_first', '—')} | {r.get('p99_ratio_to_first', '—')} |")
    md.append("")
    md.append("A flat line is a ratio near 1.0 at every scale (list, deep page); search should grow "
              "sub-linearly (its p99 less than in proportion to the number of articles).")
    hs = ", ".join(f"{sc:,}: {fmt_num(health.get(sc))} req/s" for sc in scales)
    md.append(f"Health (the ceiling) at each scale: {hs}.")
    out = {"timestamp": meta["timestamp"], "kind": "scale", "machine": meta["machine"],
           "parameters": params, "scales": scales, "scenarios": out_rows,
           "health": [r for r in scaled if r["scenario"] == "health"],
           "server_warnings": meta.get("server_warnings", [])}
    return out, "\n".join(md) + "\n"


def cmd_build(args):
    with open(args.meta) as f:
        meta = json.load(f)
    records = load_jsonl(args.records)
    peer = load_jsonl(args.peer) if args.peer else []
    kind = meta.get("kind", "main")
    if kind == "scale":
        out, md = build_scale(meta, records)
    else:
        out, md = build_main(meta, records, peer)
    problems = check_problems(records, meta, kind)
    out["problems"] = problems
    if problems:
        md += "\nProblems:\n\n" + "".join(f"- {p}\n" for p in problems)
    with open(args.json, "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    with open(args.md, "w") as f:
        f.write(md)
    sys.stdout.write(md)
    if args.check and problems:
        sys.stderr.write("bench: the smoke run FAILED:\n" + "".join(f"  {p}\n" for p in problems))
        sys.exit(1)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record")
    r.add_argument("out")
    r.add_argument("--scenario", required=True)
    r.add_argument("--wrk")
    r.add_argument("--field", action="append")
    r.add_argument("--json")
    b = sub.add_parser("build")
    b.add_argument("--meta", required=True)
    b.add_argument("--records", required=True)
    b.add_argument("--peer")
    b.add_argument("--json", required=True)
    b.add_argument("--md", required=True)
    b.add_argument("--check", action="store_true")
    args = p.parse_args()
    {"record": cmd_record, "build": cmd_build}[args.cmd](args)


if __name__ == "__main__":
    main()
